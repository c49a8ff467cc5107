// WASM memory a tokenizer owns: an allocation that fails (E_OOM) mid-encode leaves the tokenizer
// as it was — no freed pointer kept, nothing written into blocks others own, nothing freed twice —
// (the allocator is made to refuse large requests, so the test does not have to fill 2 GiB);
// scratch for a long piece is released after the call; dispose() is idempotent and later calls
// are E_DISPOSED. References: the tokenizer's own ids before the failure (and js-tiktoken's).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { BPETokenizer, TesseraError, memory } from "../../src/index.js";
import { alloc, free, heapU8, runtime } from "../../src/runtime/wasm.js";

const genesis = readFileSync(new URL("../fixtures/tokenizers/genesis-1-3.txt", import.meta.url), "utf8");

/** Runs fn with the allocator refusing requests over `limit` bytes, as a full memory would. */
function withAllocLimit<T>(limit: number, fn: () => T): T {
  const arena = runtime().arena;
  const original = arena.alloc;
  arena.alloc = function (this: typeof arena, nBytes: number) {
    if (nBytes > limit) throw new TesseraError("E_OOM", `allocation of ${nBytes} bytes: refused by the test`);
    return original.call(this, nBytes);
  };
  try {
    return fn();
  } finally {
    arena.alloc = original;
  }
}

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TesseraError);
    expect((e as TesseraError).code).toBe(code);
    return;
  }
  throw new Error(`expected a TesseraError ${code}`);
}

// cl100k takes the whole-text WASM encoder; o200k the JS regex path with per-piece merging.
for (const pattern of ["cl100k", "o200k"] as const) {
  describe(`tokenizer memory (${pattern} pattern)`, () => {
    const train = () => BPETokenizer.train([genesis], { vocabSize: 500, pattern });

    it("an E_OOM mid-encode keeps no freed pointer: later encodes are exact, other blocks untouched, dispose frees once", () => {
      const tok = train();
      const text = "In the beginning God created the heaven and the earth. " + "x".repeat(40_000) + " end";
      const expected = tok.encode(text);
      const small = tok.encode("And God said, Let there be light");
      // Longer texts and pieces than before need bigger buffers; refuse them.
      const long = "y".repeat(200_000) + " " + "q".repeat(3_000_000);
      withAllocLimit(1 << 20, () => expectCode(() => tok.encode(long), "E_OOM"));
      // Blocks allocated now reuse whatever was freed; filled with a pattern, they must keep it.
      const others = [64, 4096, 1 << 16, 1 << 20].map((n) => ({ p: alloc(n), n }));
      for (const { p, n } of others) heapU8().fill(0xab, p, p + n);
      expect(tok.encode("And God said, Let there be light")).toEqual(small);
      expect(tok.encode(text)).toEqual(expected);
      for (const { p, n } of others) {
        expect(heapU8().subarray(p, p + n).every((b) => b === 0xab)).toBe(true);
        free(p);
      }
      tok.dispose(); // a freed pointer kept by the tokenizer would make this throw E_STATE (double free)
    });

    it("an E_OOM while building leaves no WASM memory behind", () => {
      const before = memory().numBytes;
      withAllocLimit(1 << 12, () => expectCode(train, "E_OOM"));
      expect(memory().numBytes).toBe(before);
    });

    it("a long piece's scratch is released after the call: what stays does not grow with the input", () => {
      const tok = train();
      tok.encode("warm up the caches and buffers");
      const live = memory().numBytes;
      // What may stay: the whole-text encoder's UTF-8 chunk buffer, kept up to 4 MiB (cl100k-encoder.ts).
      const bound = 4 * 2 ** 20 + 4096;
      for (const n of [1_000_000, 4_000_000]) {
        expect(tok.encode("z".repeat(n)).length).toBeGreaterThan(0);
        expect(memory().numBytes - live).toBeLessThanOrEqual(bound);
      }
      tok.dispose();
    });

    it("dispose twice is harmless; encode after dispose is E_DISPOSED", () => {
      const before = memory().numBytes;
      const tok = train();
      expect(memory().numBytes).toBeGreaterThan(before);
      tok.dispose();
      tok.dispose();
      expect(memory().numBytes).toBe(before);
      expectCode(() => tok.encode("hello"), "E_DISPOSED");
      expectCode(() => tok.encode("x".repeat(100_000)), "E_DISPOSED");
    });
  });
}

describe("FinalizationRegistry backstop", () => {
  it("a tokenizer dropped without dispose() is freed after garbage collection (built package, node --expose-gc)", async () => {
    const { execFileSync } = await import("node:child_process");
    const dist = new URL("../../dist/index.js", import.meta.url).href;
    const script = `
      const { BPETokenizer, memory } = await import(${JSON.stringify(dist)});
      const before = memory().numBytes;
      (() => { const t = BPETokenizer.train(["ab ab abc"], { vocabSize: 260, pattern: "cl100k" }); t.encode("ab abc"); })();
      const held = memory().numBytes - before;
      for (let i = 0; i < 20 && memory().numBytes > before; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
      console.log(JSON.stringify({ held, after: memory().numBytes - before }));`;
    const out = JSON.parse(execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], { encoding: "utf8" }).trim());
    expect(out.held).toBeGreaterThan(1 << 20); // the encoder's tables and buffers
    expect(out.after).toBe(0);
  });
});
