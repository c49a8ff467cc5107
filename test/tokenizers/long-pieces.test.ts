// Adversarial single pieces (one character repeated, letters without spaces, combining marks, lone
// surrogates, NUL bytes) for cl100k_base (whole-text WASM encoder) and o200k_base (JS regex path):
// encoding time grows linearly (n against 4n, a generous factor, no absolute wall-clock limits),
// WASM memory after the call does not grow with the input (memory() and the tokenizer's own
// count), and a piece longer than the kept scratch gives tiktoken's ids (the `tiktoken` package,
// openai's Rust core: js-tiktoken would take minutes on such pieces — both are quadratic on one
// piece). Times are CPU times of this process. Seeded; a failure names the input.
import { describe, expect, it } from "vitest";
import { get_encoding } from "tiktoken";
import { memory } from "../../src/index.js";
import { bestCpuMs, rng, tesseraEncoding } from "./helpers.js";

const KEPT_TEXT_BUFFER = 4 * 2 ** 20; // cl100k-encoder.ts keeps a UTF-8 chunk buffer up to this size

function letters(n: number, seed: number): string {
  const r = rng(seed);
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(97 + Math.floor(r() * 26));
  return s;
}

const INPUTS: [string, (n: number) => string][] = [
  ["one character repeated", (n) => "a".repeat(n)],
  ["letters without spaces", (n) => letters(n, 5)],
  ["combining marks", (n) => "e" + "\u0301".repeat(n - 1)],
  ["lone surrogates", (n) => "\ud800".repeat(n)],
  ["NUL bytes", (n) => "\0".repeat(n)],
];

for (const name of ["cl100k_base", "o200k_base"] as const) {
  describe(`${name}: single pieces`, () => {
    const tok = tesseraEncoding(name);

    it("a piece longer than the kept scratch (16K symbols) equals tiktoken", () => {
      const ref = get_encoding(name);
      try {
        for (const text of [letters(18_000, 9), "Zx".repeat(9_000), "\u0301".repeat(6_000)]) {
          expect(tok.encode(text), `${text.slice(0, 12)}… (${text.length})`).toEqual(Array.from(ref.encode(text)));
        }
      } finally {
        ref.free();
      }
    });

    for (const [label, make] of INPUTS) {
      it(`${label}: time linear in the length, memory after the call bounded`, () => {
        const time = (text: string) => bestCpuMs(() => tok.encode(text));
        const n = 1 << 16;
        const small = make(n), large = make(4 * n);
        time(small); // warm up (regex tier-up, caches)
        const ratio = time(large) / Math.max(time(small), 1);
        // n log n gives ≈ 4.5; a quadratic algorithm gives 16.
        expect(ratio, `${label}: t(4n)/t(n)`).toBeLessThan(10);
        const live = memory().numBytes;
        const kept = tok.wasmBytes;
        expect(tok.decode(tok.encode(large)).length).toBeGreaterThan(0);
        expect(tok.wasmBytes - kept).toBeLessThanOrEqual(KEPT_TEXT_BUFFER + 64);
        expect(memory().numBytes - live).toBeLessThanOrEqual(KEPT_TEXT_BUFFER + 4096);
      });
    }

    it.runIf(name === "cl100k_base")("5 MB of one character: encodes, decodes back, and leaves no scratch behind", () => {
      const live = memory().numBytes;
      const text = "a".repeat(5_000_000);
      const ids = tok.encode(text);
      expect(tok.decode(ids)).toBe(text);
      expect(memory().numBytes - live).toBeLessThanOrEqual(KEPT_TEXT_BUFFER + 4096);
    });
  });
}
