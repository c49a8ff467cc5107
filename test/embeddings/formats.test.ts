// word2vec text / binary and GloVe text files against gensim's KeyedVectors
// (test/fixtures/make_embeddings_fixtures.py): gensim's files read back bit for bit (non-ASCII
// words, ±0, tiny and huge values), tessera writes the very same bytes (so gensim reads tessera's
// files as its own), streaming in chunks of any size gives the same result, and the readers are
// fuzzed: truncated and mutated files end in a clean read or TesseraError E_FORMAT — never another
// error, a trap or a hang — and a failed loadFrom leaves the object as it was.
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TesseraError, embeddings } from "../../src/index.js";
import f from "../fixtures/embeddings/formats.json";
import { XorShift32 } from "./planted.js";

const { KeyedVectors } = embeddings;
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, "base64"));
const files = { text: bytes(f.files.text), binary: bytes(f.files.binary), glove: bytes(f.files.glove) };
const want = Float32Array.from(f.vectors);
const kv = new KeyedVectors(f.dim, f.words, f.vectors);

const read = (format: keyof typeof files, src: embeddings.ByteSource) =>
  format === "glove" ? KeyedVectors.loadGloveFormat(src) : KeyedVectors.loadWord2VecFormat(src, { binary: format === "binary" });
const readSync = (format: keyof typeof files, b: Uint8Array) => KeyedVectors.fromWord2VecFormat(b, { binary: format === "binary", noHeader: format === "glove" });

function expectSame(got: embeddings.KeyedVectors): void {
  expect(got.indexToKey).toEqual(f.words);
  expect(Array.from(got.vectors, (x) => Object.is(x, -0) ? "-0" : x)).toEqual(Array.from(want, (x) => Object.is(x, -0) ? "-0" : x));
}

function* chunks(b: Uint8Array, size: number): Generator<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.slice(i, i + size);
}

describe.each(["text", "binary", "glove"] as const)("%s format", (format) => {
  it("reads gensim's file exactly", async () => {
    expectSame(await read(format, files[format]));
    expectSame(readSync(format, files[format]));
  });
  it("writes gensim's bytes exactly", () => {
    expect(Buffer.from(kv.save(format)).equals(Buffer.from(files[format]))).toBe(true);
  });
  it("streams in chunks of any size (iterables and ReadableStreams)", async () => {
    for (const size of [1, 3, 7, 64]) expectSame(await read(format, chunks(files[format], size)));
    const stream = new ReadableStream<Uint8Array>({ start(c) { for (const ch of chunks(files[format], 5)) c.enqueue(ch); c.close(); } });
    expectSame(await read(format, stream));
  });
  it("streams from a Node read stream", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-kv-"));
    const path = join(dir, format);
    writeFileSync(path, files[format]);
    expectSame(await read(format, createReadStream(path, { highWaterMark: 7 })));
    rmSync(dir, { recursive: true });
  });
  it("stops at limit", async () => {
    const got = format === "glove" ? await KeyedVectors.loadGloveFormat(chunks(files[format], 4), { limit: 3 })
      : await KeyedVectors.loadWord2VecFormat(chunks(files[format], 4), { binary: format === "binary", limit: 3 });
    expect(got.indexToKey).toEqual(f.words.slice(0, 3));
  });
  it("fuzz: truncated and mutated files give a clean read or E_FORMAT", () => {
    const src = files[format];
    const g = new XorShift32(format.length * 7919);
    const check = (b: Uint8Array) => {
      try {
        const got = readSync(format, b);
        expect(got.vectors.every(Number.isFinite)).toBe(true);
        expect(got.vectors.length).toBe(got.length * got.vectorSize);
      } catch (e) {
        if (!(e instanceof TesseraError) || e.code !== "E_FORMAT") throw e;
      }
    };
    // Cut inside its last line, a text file may still read (a shorter last number, as gensim reads it);
    // cut before, a word2vec file lacks a vector its header announces; a GloVe file is just shorter.
    const lastLine = src.lastIndexOf(10, src.length - 2) + 1;
    for (let n = 0; n < src.length; n++) {
      if (format === "binary" || (format === "text" && n < lastLine)) expect(() => readSync(format, src.subarray(0, n))).toThrow(TesseraError);
      check(src.subarray(0, n));
    }
    const specials = [0, 10, 32, 45, 46, 48, 57, 101, 0x7f, 0x80, 0xc3, 0xff];
    for (let t = 0; t < 600; t++) {
      const b = src.slice();
      const edits = 1 + g.below(3);
      for (let e = 0; e < edits; e++) {
        const at = g.below(b.length);
        b[at] = g.below(2) ? specials[g.below(specials.length)] : g.below(256);
      }
      check(b);
    }
  });
});

describe("header and record errors", () => {
  const cases: [string, string | Uint8Array, embeddings.ReadOptions][] = [
    ["no header", "", {}],
    ["a bad header", "2 x\nа 1\n", {}],
    ["too few values", "1 3\nword 1 2\n", {}],
    ["too many values", "1 2\nword 1 2 3\n", {}],
    ["a non-number", "1 2\nword 1 abc\n", {}],
    ["an overflow", "1 2\nword 1 1e39\n", {}],
    ["nan", "1 2\nword 1 nan\n", {}],
    ["a truncated binary record", new Uint8Array([...Buffer.from("1 2\nw "), 0, 0, 128]), { binary: true }],
    ["an inf in binary", new Uint8Array([...Buffer.from("1 1\nw "), 0, 0, 0x80, 0x7f]), { binary: true }],
    ["a count·dim too large", "99999999 99999\n", {}],
    ["invalid UTF-8", new Uint8Array([...Buffer.from("1 1\n"), 0xff, 0x20, 0x31, 10]), {}],
  ];
  it.each(cases)("%s → E_FORMAT", (_, src, opts) => {
    expect(() => KeyedVectors.fromWord2VecFormat(src, opts)).toThrow(expect.objectContaining({ code: "E_FORMAT" }));
  });
  it("unicodeErrors: replace accepts invalid UTF-8", () => {
    const got = KeyedVectors.fromWord2VecFormat(new Uint8Array([...Buffer.from("1 1\n"), 0xff, 0x20, 0x31, 10]), { unicodeErrors: "replace" });
    expect(got.indexToKey).toEqual(["\ufffd"]);
  });
  it("a failed loadFrom leaves the vectors unchanged", async () => {
    const target = new KeyedVectors(f.dim, f.words, f.vectors);
    const before = target.vectors.slice();
    await expect(target.loadFrom(files.text.subarray(0, files.text.lastIndexOf(10, files.text.length - 2) + 1))).rejects.toMatchObject({ code: "E_FORMAT" });
    await expect(target.loadFrom("1 3\nz 1 2 3\n")).rejects.toMatchObject({ code: "E_SHAPE" });
    expect(target.indexToKey).toEqual(f.words);
    expect(target.vectors).toEqual(before);
    expect(target.mostSimilar("king", { topn: 1 })).toEqual(kv.mostSimilar("king", { topn: 1 }));
    await target.loadFrom(files.binary, { binary: true });
    expectSame(target);
  });
});
