// The whole-text cl100k encoder in WASM (assembly/pretokenize.ts, src/tokenizers/cl100k-encoder.ts)
// against two oracles: js-tiktoken, and tessera's own regex path (encodeWithOffsets with
// returnOffsets runs the JS regex and the per-piece merge, so the two must give the same ids).
import { describe, expect, it } from "vitest";
import { Tiktoken } from "js-tiktoken/lite";
import { BPETokenizer } from "../../src/index.js";
import { jsTiktokenRanks, rng, tesseraEncoding } from "./helpers.js";

// Pieces chosen to hit every branch of the scanner: contractions in any case, letter runs that
// continue into non-ASCII letters, digits into non-ASCII digits, whitespace that is not ASCII
// (U+00A0, U+3000, U+FEFF are \s for JS; U+0085 is not), lone surrogates, combining marks, ZWJ.
const ALPHABET = ["a", "Z", "é", "ß", "你", "1", "٣", "²", " ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0",
  "\u3000", "\u0085", "\ufeff", ".", "'s", "'", "'LL", "'re", "'Ve", "—", "🙂", "👍🏽", "\u200d", "\ud800",
  "\udc00", "x\u0301", "$", "\x00", "\x1c", "\x7f", "«", "…"];

function randomText(next: () => number, maxLen: number): string {
  let s = "";
  const n = 1 + Math.floor(next() * maxLen);
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

const usesWasm = (t: BPETokenizer) => (t as unknown as { wasmEncoder: unknown }).wasmEncoder !== null;
const viaRegex = (t: BPETokenizer, s: string) => t.encodeWithOffsets(s, { returnOffsets: true, disallowedSpecial: [] }).ids;

describe("cl100k encoding in WASM", () => {
  const ours = tesseraEncoding("cl100k_base");
  const js = new Tiktoken(jsTiktokenRanks.cl100k_base);

  it("equals js-tiktoken and the regex path on 3000 seeded random strings", () => {
    expect(usesWasm(ours)).toBe(true);
    const next = rng(7);
    for (let i = 0; i < 3000; i++) {
      const s = randomText(next, 40);
      const ids = ours.encode(s, { disallowedSpecial: [] });
      expect(ids, JSON.stringify(s)).toEqual(js.encode(s, [], []));
      expect(ids, JSON.stringify(s)).toEqual(viaRegex(ours, s));
    }
  });

  it("cuts texts over a megabyte only at piece boundaries", () => {
    // 1.5M units of words, then lines that start with spaces, letters, digits and punctuation.
    const s = "word ".repeat(300_000) + "\n  indented\n12 numbers\n...dots\n" + "ab cd\n".repeat(200_000) + "end";
    expect(ours.encode(s)).toEqual(js.encode(s));
  });

  it("merges a piece longer than its scratch (the buffer grows and encoding resumes)", () => {
    const s = "q".repeat(5000) + " tail " + "zx".repeat(3000);
    expect(ours.encode(s)).toEqual(viaRegex(ours, s));
    expect(ours.decode(ours.encode(s))).toBe(s);
  });

  it("stays exact when the piece cache fills and is cleared", () => {
    const next = rng(11);
    const words: string[] = [];
    const letters = "bcdfghjklmnpqrstvwxz";
    for (let i = 0; i < 40_000; i++) {
      let w = " ";
      for (let j = 0; j < 5 + (i % 7); j++) w += letters[Math.floor(next() * letters.length)];
      words.push(w);
    }
    const s = words.join("");
    expect(ours.encode(s)).toEqual(js.encode(s));
  });

  it("is used by a trained byte-level tokenizer with the cl100k pattern, with the same ids as the regex path", () => {
    const corpus = ["The quick brown fox's den — 1234 jumps.\n\n", "Über naïve café 你好 🙂 it's 99 red balloons\r\n"];
    const t = BPETokenizer.train(corpus.flatMap((c) => [c, c.toUpperCase()]), { vocabSize: 320, pattern: "cl100k" });
    try {
      expect(usesWasm(t)).toBe(true);
      const next = rng(3);
      for (let i = 0; i < 300; i++) {
        const s = randomText(next, 30) + corpus[i % 2];
        expect(t.encode(s), JSON.stringify(s)).toEqual(viaRegex(t, s));
      }
    } finally {
      t.dispose();
      t.dispose(); // twice is harmless
    }
  });
});
