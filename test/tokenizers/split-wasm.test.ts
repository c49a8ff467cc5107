// Whole-text encoding in WASM for every split pattern (assembly/pretokenize.ts,
// src/tokenizers/wasm-encoder.ts): the o200k and GPT-2 scanners cut exactly the pieces the JS regex
// matches, on every build; o200k and r50k ids equal js-tiktoken's; a pattern the scanners do not
// know is split in JS and still gives js-tiktoken's ids; batches on the worker pool give the same
// ids whatever the thread count; countTokens makes no id array.
import { afterAll, describe, expect, it, vi } from "vitest";
import { Tiktoken } from "js-tiktoken/lite";
import { readFileSync } from "node:fs";
import { BUILDS, detectFeatures, loadRuntime, runtime, type Runtime } from "../../src/runtime/wasm.js";
import { setThreads, threadsInUse, workersRunning } from "../../src/runtime/pool.js";
import { SplitPattern } from "../../src/runtime/abi.js";
import { PATTERNS } from "../../src/tokenizers/pre-tokenizers.js";
import { charClass } from "../../src/tokenizers/wasm-encoder.js";
import { BPETokenizer, fromTiktoken } from "../../src/index.js";
import { jsTiktokenRanks, rng, tesseraEncoding, toTiktokenText } from "./helpers.js";

// Every class the scanners tell apart: upper (Lu, Lt: "ǅ", astral "𝐀"), lower (astral "𝐚", "ﬁ"),
// modifier and other letters ("ʰ", "你"), marks (Mn, Mc), digits (Nd, No, Nl), \s that is not ASCII,
// U+0085 (not \s), contractions in any case, "/" (o200k's punctuation suffix), lone surrogates.
const ALPHABET = ["a", "Z", "é", "É", "ß", "ǅ", "ʰ", "你", "\u0301", "\u0903", "𝐀", "𝐚", "ﬁ", "İ", "1", "٣", "²", "Ⅻ",
  " ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u3000", "\u0085", "\ufeff", ".", "/", "//", "'s", "'", "'LL", "'re", "'Ve",
  "'D", "'m", "'T", "—", "🙂", "👍🏽", "\u200d", "\ud800", "\udc00", "$", "\x00", "\x1c", "\x7f", "«", "…", "don't", "HELLO'S"];

function randomText(next: () => number, maxLen: number): string {
  let s = "";
  const n = 1 + Math.floor(next() * maxLen);
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

const genesis = readFileSync(new URL("../fixtures/tokenizers/genesis-1-3.txt", import.meta.url), "utf8");
const wellFormed = (s: string) => s.replace(/\p{Cs}/gu, "\ufffd"); // what UTF-8 makes of lone surrogates

const features = detectFeatures();
const builds = BUILDS.filter((b) => (!b.includes("relaxed") || features.relaxedSimd) && (!b.startsWith("threads") || features.threads));
const SCANNERS = [["cl100k", SplitPattern.cl100k], ["o200k", SplitPattern.o200k], ["gpt2", SplitPattern.gpt2]] as const;

describe.each(builds)("split scanners on the %s build", (build) => {
  it("cut the pieces the JS regex matches, for cl100k, o200k and GPT-2, on 1500 random strings each", async () => {
    const rt: Runtime = await loadRuntime({ build });
    const classes = rt.arena.alloc(0x110000);
    const text = rt.arena.alloc(4096);
    try {
      const u8 = () => new Uint8Array(rt.memory.buffer);
      u8().fill(0, classes, classes + 0x110000);
      const enc = new TextEncoder(), dec = new TextDecoder("utf-8", { ignoreBOM: true });
      for (const [name, code] of SCANNERS) {
        const re = new RegExp(PATTERNS[name], "gu");
        const next = rng(17 + code);
        for (let k = 0; k < 1500; k++) {
          const s = randomText(next, 30);
          for (const ch of s) u8()[classes + ch.codePointAt(0)!] = charClass(ch.codePointAt(0)!);
          u8()[classes + 0xfffd] = charClass(0xfffd);
          const bytes = enc.encode(s);
          u8().set(bytes, text);
          const pieces: string[] = [];
          for (let i = 0; i < bytes.length;) {
            const e = rt.exports.splitPieceEnd(code, text, i, bytes.length, classes);
            pieces.push(dec.decode(bytes.subarray(i, e)));
            i = e;
          }
          expect(pieces, `${name} ${JSON.stringify(s)}`).toEqual((s.match(re) ?? []).map(wellFormed));
        }
      }
    } finally {
      rt.arena.release(classes);
      rt.arena.release(text);
    }
  });
});

const usesWasm = (t: BPETokenizer) => (t as unknown as { wasmEncoder: unknown }).wasmEncoder !== null;

for (const name of ["o200k_base", "r50k_base"] as const) {
  describe(`${name} in WASM`, () => {
    it("equals js-tiktoken on Genesis 1-3 and on 2000 seeded random strings", () => {
      const ours = tesseraEncoding(name);
      const js = new Tiktoken(jsTiktokenRanks[name]);
      expect(usesWasm(ours)).toBe(true);
      expect(ours.encode(genesis)).toEqual(js.encode(genesis));
      const next = rng(name.length);
      for (let i = 0; i < 2000; i++) {
        const s = randomText(next, 40);
        expect(ours.encode(s, { disallowedSpecial: [] }), JSON.stringify(s)).toEqual(js.encode(s, [], []));
      }
    });
  });
}

describe("a pattern the scanners do not know: split in JS, merged and cached in WASM", () => {
  // Pieces that leave text uncovered (dropped, as tiktoken drops it), empty matches, and a pattern
  // close to cl100k's that no scanner takes (digits in runs of any length).
  const patterns = [String.raw`\p{L}+| ?\p{N}+|[^\s\p{L}\p{N}]+|\s+`, String.raw`\p{L}*|\d`,
    PATTERNS.cl100k.replace(String.raw`\p{N}{1,3}`, String.raw`\p{N}+`)];
  const ranks = jsTiktokenRanks.cl100k_base;
  const file = toTiktokenText(ranks);

  it.each(patterns)("%s: ids equal js-tiktoken's with the same pattern", (pattern) => {
    const ours = fromTiktoken(file, { pattern });
    try {
      expect(usesWasm(ours)).toBe(true);
      const js = new Tiktoken({ ...ranks, pat_str: pattern });
      const next = rng(pattern.length);
      const texts = [genesis.slice(0, 20_000), "", "x", ...Array.from({ length: 300 }, () => randomText(next, 30))];
      for (const s of texts) expect(ours.encode(s, { disallowedSpecial: [] }), JSON.stringify(s.slice(0, 60))).toEqual(js.encode(s, [], []));
    } finally {
      ours.dispose();
    }
  });
});

describe("batches on the worker pool", () => {
  const tok = tesseraEncoding("cl100k_base");
  const lines = genesis.split("\n").filter((l) => l.trim());
  const next = rng(5);
  // Verses, random Unicode, empty texts, special tokens (the per-text path), and a piece longer than
  // a participant's scratch (left to the caller).
  const docs = [...lines, ...lines.map((l) => l.toUpperCase()), "", ...Array.from({ length: 400 }, () => randomText(next, 20)),
    "a<|endoftext|>b", "q".repeat(20_000) + " tail", " leading", "\ud800 lone"];
  const threads = threadsInUse();
  afterAll(() => setThreads(threads));

  it("encodeBatch and countTokens give encode's ids on 1 and 2 threads alike", () => {
    const options = { allowedSpecial: "all" as const };
    const expected = docs.map((d) => tok.encode(d, options));
    for (const n of [1, 2]) {
      setThreads(n);
      expect(tok.encodeBatch(docs, options).inputIds, `${n} threads`).toEqual(expected);
      expect(tok.countTokens(docs, options), `${n} threads`).toEqual(expected.map((e) => e.length));
    }
    if (runtime().shared) expect(workersRunning(runtime())).toBeGreaterThan(0);
  });

  it("o200k and r50k batches equal single encodes, pairs too", () => {
    setThreads(2);
    for (const name of ["o200k_base", "r50k_base"] as const) {
      const t = tesseraEncoding(name);
      const texts = docs.slice(0, 300);
      expect(t.encodeBatch(texts, { disallowedSpecial: [] }).inputIds).toEqual(texts.map((d) => t.encode(d, { disallowedSpecial: [] })));
      const pairs = texts.slice(0, 50).map((d, i) => [d, texts[i + 1]] as [string, string]);
      expect(t.encodeBatch(pairs, { disallowedSpecial: [] }).inputIds)
        .toEqual(pairs.map(([a, b]) => [...t.encode(a, { disallowedSpecial: [] }), ...t.encode(b, { disallowedSpecial: [] })]));
    }
  });

  it("countTokens makes no id array, and refuses what encode refuses", () => {
    const text = genesis.repeat(20);
    const expected = [tok.encode(text).length, tok.encode("abc").length];
    const encoder = (tok as unknown as { wasmEncoder: { acc: Int32Array } }).wasmEncoder;
    encoder.acc = new Int32Array(0);
    const spy = vi.spyOn(tok, "encode");
    try {
      expect(tok.countTokens(text)).toBe(expected[0]);
      expect(tok.countTokens([text, "abc"])).toEqual(expected);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect(encoder.acc.length).toBe(0); // the ids were never collected
    expect(() => tok.countTokens("<|endoftext|>")).toThrow(/disallowed special/);
    expect(() => tok.countTokens(["ok", 5 as unknown as string])).toThrow(/texts\[1\]/);
  });
});
