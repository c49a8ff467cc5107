// Every Unicode scalar value (U+0000..U+10FFFF without the surrogates) through cl100k_base and
// o200k_base built from js-tiktoken's rank data: decode(encode(s)) == s, and ids equal the
// reference's — js-tiktoken for cl100k_base; for o200k_base the `tiktoken` package (OpenAI's Rust
// core in WASM: the same ids, and ~15x faster here, which halves this test's time). Code points go
// in order, 64 to a line, 4096 to a string, so each call is long but no piece is (both references
// are quadratic on one long piece).
import { describe, expect, it } from "vitest";
import { Tiktoken } from "js-tiktoken/lite";
import { get_encoding } from "tiktoken";
import { jsTiktokenRanks, tesseraEncoding } from "./helpers.js";

/** [first code point, text, scalar values in it]. */
function* scalarValueStrings(): Generator<[number, string, number]> {
  let line: string[] = [];
  const lines: string[] = [];
  let first = 0;
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (line.length === 0 && lines.length === 0) first = cp;
    line.push(String.fromCodePoint(cp));
    if (line.length === 64) {
      lines.push(line.join(""));
      line = [];
      if (lines.length === 64) {
        yield [first, lines.join("\n"), 64 * 64];
        lines.length = 0;
      }
    }
  }
  const rest = lines.length * 64 + line.length;
  if (line.length > 0) lines.push(line.join(""));
  if (lines.length > 0) yield [first, lines.join("\n"), rest];
}

for (const name of ["cl100k_base", "o200k_base"] as const) {
  describe(`${name}: every scalar value`, () => {
    it(`ids equal ${name === "cl100k_base" ? "js-tiktoken" : "tiktoken"}'s and decode gives the text back`, () => {
      const ours = tesseraEncoding(name);
      const rust = name === "o200k_base" ? get_encoding(name) : null;
      const js = name === "cl100k_base" ? new Tiktoken(jsTiktokenRanks[name]) : null;
      const ref = { encode: (s: string) => (rust ? Array.from(rust.encode(s, [], [])) : js!.encode(s, [], [])) };
      let count = 0;
      for (const [first, text, scalars] of scalarValueStrings()) {
        const ids = ours.encode(text, { disallowedSpecial: [] });
        const expected = ref.encode(text);
        const at = `the string from U+${first.toString(16).toUpperCase()}`;
        // Compare by hand (a deep equality per string costs more than the encoding); show the first difference.
        let k = 0;
        while (k < ids.length && ids[k] === expected[k]) k++;
        if (k < ids.length || ids.length !== expected.length) expect(ids.slice(k, k + 8), `${at}, token ${k}`).toEqual(expected.slice(k, k + 8));
        if (ours.decode(ids) !== text) expect(ours.decode(ids), at).toBe(text);
        count += scalars;
      }
      expect(count).toBe(0x110000 - 0x800);
      rust?.free();
    });
  });
}
