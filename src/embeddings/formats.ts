// The word2vec text and binary formats (Mikolov's word2vec.c; gensim save_word2vec_format /
// load_word2vec_format) and the GloVe text format (word2vec text without the "count dim" header).
// Reading is incremental: bytes arrive in chunks of any size (a whole file, a ReadableStream, an
// async iterable such as a Node read stream) and only one partial line or record is held back, so a
// file larger than memory streams through; the vectors themselves are what has to fit. Writing
// follows gensim byte for byte: numpy's repr of each float32 in text, raw little-endian float32 after
// "word " in binary (no newline, as gensim; word2vec.c's newline is accepted on reading).
import { TesseraError, describe } from "../errors.js";

export interface ReadOptions {
  /** The word2vec binary format (default false: text). */
  binary?: boolean;
  /** No "count dim" header line: the GloVe text format (text only). */
  noHeader?: boolean;
  /** Read at most this many vectors. */
  limit?: number;
  /** Invalid UTF-8 in a word: "strict" (E_FORMAT, default, as gensim) or "replace" (U+FFFD). */
  unicodeErrors?: "strict" | "replace";
}

export interface ParsedVectors {
  words: string[];
  vectors: Float32Array;
  dim: number;
  /** Words seen again after their first vector (gensim keeps the first, so does this). */
  duplicates: number;
}

export type ByteSource = Uint8Array | ArrayBuffer | string | ReadableStream<Uint8Array | string> | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

const NL = 10, SPACE = 32;
const encoder = new TextEncoder();
// A decimal float as Python's float() takes it from these files (no inf / nan: vectors are finite).
const FLOAT = /^[+-]?(?:\d+(?:_\d+)*\.?(?:\d+(?:_\d+)*)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?$/;
// The largest header a reader accepts: about 2^31 floats is what WASM and typed arrays can hold.
const MAX_FLOATS = 2 ** 31;

function formatError(msg: string): never {
  throw new TesseraError("E_FORMAT", msg);
}

/**
 * The incremental reader: feed() chunks, then end(). Holds back at most one partial line (text) or
 * one partial record (binary).
 */
export class VectorsParser {
  private readonly binary: boolean;
  private readonly noHeader: boolean;
  private readonly limit: number;
  private readonly decoder: TextDecoder;
  private readonly what: string;
  private pending: Uint8Array = new Uint8Array(0);
  private pendingLen = 0;
  private searched = 0; // pending[0 .. searched) holds no delimiter (no rescans of a long line)
  private headerDone: boolean;
  private declared = -1; // vectors the header announces
  private dim = -1;
  private words: string[] = [];
  private seen = new Set<string>();
  private data = new Float32Array(0);
  private rows = 0; // vectors read (duplicates included)
  private kept = 0;
  private duplicates = 0;
  private line = 0;
  private finished = false;

  constructor(options: ReadOptions, what: string) {
    this.binary = options.binary === true;
    this.noHeader = options.noHeader === true;
    if (this.binary && this.noHeader) throw new TesseraError("E_VALUE", `${what}: options.noHeader: expected false with binary (no_header is for text files only, as gensim), received true`);
    this.limit = options.limit ?? Infinity;
    this.decoder = new TextDecoder("utf-8", { fatal: options.unicodeErrors !== "replace" });
    this.what = what;
    this.headerDone = this.noHeader;
  }

  /** True once `limit` vectors (or the header's count) are in: further input is ignored. */
  get done(): boolean {
    return this.finished;
  }

  private wanted(): number {
    return this.noHeader ? this.limit : Math.min(this.declared, this.limit);
  }

  private append(chunk: Uint8Array): void {
    const need = this.pendingLen + chunk.length;
    if (need > this.pending.length) {
      const next = new Uint8Array(Math.max(need, this.pending.length * 2, 4096));
      next.set(this.pending.subarray(0, this.pendingLen));
      this.pending = next;
    }
    this.pending.set(chunk, this.pendingLen);
    this.pendingLen = need;
  }

  private decode(bytes: Uint8Array, where: string): string {
    try {
      return this.decoder.decode(bytes);
    } catch {
      return formatError(`${this.what}: expected UTF-8 text ${where}, received invalid UTF-8 (pass unicodeErrors: "replace" to accept it)`);
    }
  }

  private parseHeader(lineBytes: Uint8Array): void {
    const text = this.decode(lineBytes, "in the header").trim();
    const parts = text.split(/\s+/);
    if (parts.length !== 2 || !/^\d+$/.test(parts[0]) || !/^\d+$/.test(parts[1])) {
      formatError(`${this.what}: expected a header line "<count> <dimension>", received ${describe(text)}`);
    }
    const n = Number(parts[0]), d = Number(parts[1]);
    if (d < 1 || Math.min(n, this.limit) * d > MAX_FLOATS) formatError(`${this.what}: expected a header with dimension >= 1 and count·dimension <= 2^31, received ${n} × ${d}`);
    this.declared = n;
    this.dim = d;
    this.headerDone = true;
    if (this.wanted() === 0) this.finished = true;
  }

  private store(word: string, values: ArrayLike<number>): void {
    this.rows++;
    if (this.seen.has(word)) {
      this.duplicates++;
    } else {
      this.seen.add(word);
      const d = this.dim;
      if ((this.kept + 1) * d > this.data.length) {
        const cap = Math.max(16, this.kept * 2, this.kept + 1) * d;
        if (cap > MAX_FLOATS) formatError(`${this.what}: expected at most 2^31 values, received more`);
        const next = new Float32Array(cap);
        next.set(this.data.subarray(0, this.kept * d));
        this.data = next;
      }
      this.data.set(values, this.kept * d);
      this.words.push(word);
      this.kept++;
    }
    if (this.rows >= this.wanted()) this.finished = true;
  }

  private parseTextLine(lineBytes: Uint8Array): void {
    this.line++;
    const text = this.decode(lineBytes, `on line ${this.line}`).replace(/\s+$/, "");
    const parts = text.split(" ");
    const word = parts[0];
    const n = parts.length - 1;
    if (this.dim < 0) {
      if (n < 1) formatError(`${this.what}: line ${this.line}: expected a word and at least one value, received ${describe(text)}`);
      this.dim = n;
    }
    if (n !== this.dim) formatError(`${this.what}: line ${this.line}: expected ${this.dim} values after the word, received ${n}`);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const s = parts[i + 1];
      if (!FLOAT.test(s)) formatError(`${this.what}: line ${this.line}: expected a finite decimal number, received ${describe(s)}`);
      const v = Math.fround(Number(s.replace(/_/g, "")));
      if (!Number.isFinite(v)) formatError(`${this.what}: line ${this.line}: expected a value within float32 range, received ${describe(s)}`);
      values[i] = v;
    }
    this.store(word, values);
  }

  /** Consumes one chunk. */
  feed(chunk: Uint8Array): void {
    if (this.finished) return;
    this.append(chunk);
    let start = 0;
    const buf = this.pending;
    const len = this.pendingLen;
    let from = this.searched;
    this.searched = 0;
    while (!this.finished) {
      if (!this.headerDone || !this.binary) {
        const s0 = Math.max(start, from);
        from = 0;
        const rel = buf.subarray(s0, len).indexOf(NL);
        if (rel < 0) {
          this.searched = len - start;
          break;
        }
        const lineBytes = buf.subarray(start, s0 + rel);
        start = s0 + rel + 1;
        if (!this.headerDone) this.parseHeader(lineBytes);
        else this.parseTextLine(lineBytes);
      } else {
        // Binary record: the word up to a space (leading newlines dropped), then dim float32.
        const sp = buf.subarray(start, len).indexOf(SPACE);
        if (sp < 0) {
          if (len - start > 1 << 20) formatError(`${this.what}: record ${this.rows + 1}: expected a word followed by a space, received over 1 MiB without one`);
          break;
        }
        const vecBytes = 4 * this.dim;
        if (len - (start + sp + 1) < vecBytes) break;
        let w0 = start;
        while (w0 < start + sp && buf[w0] === NL) w0++;
        const word = this.decode(buf.subarray(w0, start + sp), `in word ${this.rows + 1}`);
        const at = start + sp + 1;
        const values = new Float32Array(this.dim);
        const dv = new DataView(buf.buffer, buf.byteOffset + at, vecBytes);
        for (let i = 0; i < this.dim; i++) {
          const v = dv.getFloat32(4 * i, true);
          if (!Number.isFinite(v)) formatError(`${this.what}: record ${this.rows + 1} (${describe(word)}): expected finite float32 values, received ${v}`);
          values[i] = v;
        }
        start = at + vecBytes;
        this.store(word, values);
      }
    }
    // Keep the unconsumed tail only.
    this.pending.copyWithin(0, start, len);
    this.pendingLen = len - start;
    if (!this.binary && this.pendingLen > 1 << 26) formatError(`${this.what}: line ${this.line + 1}: expected lines shorter than 64 MiB, received a longer one`);
  }

  /** Finishes: the last line without a newline, then the count checks. */
  end(): ParsedVectors {
    if (!this.finished && this.pendingLen > 0 && (!this.binary || !this.headerDone)) {
      const rest = this.pending.subarray(0, this.pendingLen);
      this.pendingLen = 0;
      if (!this.headerDone) this.parseHeader(rest);
      else if (rest.some((b) => b !== SPACE && b !== 13 && b !== 9)) this.parseTextLine(rest);
    }
    if (!this.headerDone) formatError(`${this.what}: expected a header line "<count> <dimension>", received an empty input`);
    if (!this.finished) {
      if (this.noHeader) {
        if (this.rows === 0) formatError(`${this.what}: expected at least one "word v1 v2 …" line, received none`);
      } else {
        formatError(`${this.what}: expected ${this.wanted()} vectors (the header says ${this.declared}), received ${this.rows} before the input ended (truncated file?)`);
      }
    }
    const d = Math.max(this.dim, 0);
    return { words: this.words, vectors: this.data.slice(0, this.kept * d), dim: d, duplicates: this.duplicates };
  }
}

function toBytes(chunk: unknown, what: string): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === "string") return encoder.encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TesseraError("E_TYPE", `${what}: expected chunks of bytes (Uint8Array) or strings, received ${describe(chunk)}`);
}

/** Parses bytes or a string held in memory. */
export function parseVectorsSync(source: unknown, options: ReadOptions, what: string): ParsedVectors {
  if (!(source instanceof Uint8Array || source instanceof ArrayBuffer || typeof source === "string")) {
    throw new TesseraError("E_TYPE", `${what}: expected a Uint8Array, ArrayBuffer or string (use the async loader for streams), received ${describe(source)}`);
  }
  const p = new VectorsParser(options, what);
  p.feed(toBytes(source, what));
  return p.end();
}

/** Parses any ByteSource, reading streams chunk by chunk and stopping early at `limit`. */
export async function parseVectors(source: unknown, options: ReadOptions, what: string): Promise<ParsedVectors> {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer || typeof source === "string") return parseVectorsSync(source, options, what);
  const p = new VectorsParser(options, what);
  const s = source as { getReader?: () => ReadableStreamDefaultReader<unknown> };
  if (s !== null && typeof s === "object" && typeof s.getReader === "function") {
    const reader = s.getReader();
    try {
      while (!p.done) {
        const { value, done } = await reader.read();
        if (done) break;
        p.feed(toBytes(value, what));
      }
    } finally {
      if (p.done) await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
    return p.end();
  }
  if (source !== null && typeof source === "object" && (Symbol.asyncIterator in source || Symbol.iterator in source)) {
    for await (const chunk of source as AsyncIterable<unknown>) {
      p.feed(toBytes(chunk, what));
      if (p.done) break;
    }
    return p.end();
  }
  throw new TesseraError("E_TYPE", `${what}: expected bytes, a string, a ReadableStream or an (async) iterable of chunks, received ${describe(source)}`);
}

/** numpy's repr of a float32 (numpy >= 1.14): shortest round-trip digits, positional in [1e-4, 1e16). */
export function reprFloat32(v: number): string {
  if (v === 0) return Object.is(v, -0) ? "-0.0" : "0.0";
  let digits = "", exp = 0;
  for (let p = 1; p <= 9; p++) {
    const s = v.toExponential(p - 1);
    if (Math.fround(Number(s)) === v) {
      const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s)!;
      digits = m[2] + (m[3] ?? "");
      exp = Number(m[4]);
      break;
    }
  }
  digits = digits.replace(/0+$/, "") || "0";
  const sign = v < 0 ? "-" : "";
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 1e16) {
    if (exp >= 0) {
      const intPart = digits.length > exp + 1 ? digits.slice(0, exp + 1) : digits + "0".repeat(exp + 1 - digits.length);
      const frac = digits.length > exp + 1 ? digits.slice(exp + 1) : "0";
      return `${sign}${intPart}.${frac}`;
    }
    return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  }
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

/** word2vec text / binary or GloVe text bytes of `words` with rows of `vectors` (dim each). */
export function writeVectors(words: readonly string[], vectors: Float32Array, dim: number, format: "text" | "binary" | "glove"): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const push = (b: Uint8Array) => { parts.push(b); total += b.length; };
  if (format !== "glove") push(encoder.encode(`${words.length} ${dim}\n`));
  for (let i = 0; i < words.length; i++) {
    const row = vectors.subarray(i * dim, (i + 1) * dim);
    if (format === "binary") {
      push(encoder.encode(`${words[i]} `));
      const b = new Uint8Array(4 * dim);
      const dv = new DataView(b.buffer);
      for (let j = 0; j < dim; j++) dv.setFloat32(4 * j, row[j], true);
      push(b);
    } else {
      let line = words[i];
      for (let j = 0; j < dim; j++) line += " " + reprFloat32(row[j]);
      push(encoder.encode(line + "\n"));
    }
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
