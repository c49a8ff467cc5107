// Whole-text encoding for byte-level tokenizers in WASM (assembly/pretokenize.ts): the text goes in
// as UTF-8, ids come out, with no per-piece JS objects. tiktoken's cl100k, o200k and GPT-2 patterns
// are split by scanners in WASM whose character classes are filled here from the JS regex's own
// Unicode classes (ASCII up front, other code points the first time a text contains them); any
// other pattern is run here as a regex and only the pieces' byte bounds go in. Documents of a batch
// are encoded on the worker pool (encodeMany), each participant with its own cache and scratch.
//
// Memory stays bounded whatever the text: long texts go in chunks cut at places that are always a
// piece boundary of the pattern (or, for a JS-split pattern, at a piece); ids come back through a
// fixed buffer the kernel fills and this side drains; a piece longer than the merge table's kept
// scratch is merged by the table in a block of its own, freed after the call; a chunk buffer grown
// past CHUNK_KEEP_BYTES is freed after the call.

import { heapI32, heapU8, kernels, runtime } from "../runtime/wasm.js";
import { runJob, threadsFor } from "../runtime/pool.js";
import { BpeEncoder, CharClass, EncodeState, EncodeStatus, EncodeWorker, Job, PieceCache, SplitPattern, TokenizeJob } from "../runtime/abi.js";
import { mergeBytes, SMALL_PIECE, type MergeTable, type TokenBytesIndex } from "./merge-table.js";
import { utf8Length } from "./byte-level.js";
import { WasmBlocks } from "./wasm-blocks.js";

const CODE_POINTS = 0x110000;
const CHUNK = 1 << 20; // UTF-16 units per call, before the cut point search
const CHUNK_KEEP_BYTES = 4 << 20; // a UTF-8 chunk buffer up to this size is kept between calls
const OUT_IDS = 1 << 18; // ids per drain of the kernel's output buffer (each drain grows the JS array once)
const WORKER_OUT_IDS = 1 << 12; // a pool participant's id buffer, for counting
const PIECES = 1 << 14; // piece bounds per kernel call for a JS-split pattern
const UNCLASSIFIED_BATCH = 4096;
const CACHE_SLOTS = 1 << 15;
const CACHE_ARENA = 1 << 20;
const BATCH_UNITS = 1 << 20; // UTF-16 units of documents per pool job
const DOCS_PER_TILE = 16;

/** The split patterns the WASM scanners know, by regex source (pre-tokenizers.ts PATTERNS). */
export type ScannedPattern = "cl100k" | "o200k" | "gpt2";

const classTests: [RegExp, number][] = [
  [/[\p{Lu}\p{Lt}]/u, CharClass.upper], [/\p{Ll}/u, CharClass.lower], [/[\p{Lm}\p{Lo}]/u, CharClass.letter],
  [/\p{M}/u, CharClass.mark], [/\p{N}/u, CharClass.digit], [/\s/u, CharClass.space],
];

/** The scanners' class (CharClass) of a code point, from the JS regex's own classes. */
export function charClass(cp: number): number {
  if (cp === 10 || cp === 13) return CharClass.newline;
  const ch = String.fromCodePoint(cp);
  for (const [re, c] of classTests) if (re.test(ch)) return c;
  return CharClass.other;
}

const utf8 = new TextEncoder();
let encodeIntoShared = true; // browsers refuse encodeInto on shared memory; then encode and copy

let view: Uint8Array | null = null; // the last destination, reused while memory has not grown

function writeUtf8(s: string, ptr: number, cap: number): number {
  if (encodeIntoShared) {
    try {
      const u8 = heapU8();
      if (view === null || view.buffer !== u8.buffer || view.byteOffset !== ptr || view.length !== cap) view = u8.subarray(ptr, ptr + cap);
      return utf8.encodeInto(s, view).written;
    } catch {
      encodeIntoShared = false;
    }
  }
  const b = utf8.encode(s);
  heapU8().set(b, ptr);
  return b.length;
}

// Places where a pattern always ends a piece, whatever surrounds them: after a newline followed by
// a character no alternative continues a newline run into (\S; o200k's punctuation runs also take
// "/"), and after an ASCII letter followed by a space (a letter run stops at the space, and no
// piece starts with a letter and continues past one).
const CUTS: Record<ScannedPattern, RegExp> = {
  cl100k: /\n(?=\S)|[A-Za-z](?= )/gu,
  o200k: /\n(?=[^\s/])|[A-Za-z](?= )/gu,
  gpt2: /\n(?=\S)|[A-Za-z](?= )/gu,
};
const PATTERN_CODES: Record<ScannedPattern, number> = { cl100k: SplitPattern.cl100k, o200k: SplitPattern.o200k, gpt2: SplitPattern.gpt2 };

export class WasmEncoder {
  private readonly blocks: WasmBlocks;
  private readonly classes: number = 0;
  private readonly byteToId: number;
  /** The BpeEncoder record, and the caller's EncodeWorker record (state inside it). */
  private readonly encoder: number;
  private readonly worker: number;
  private readonly out: number;
  private readonly cut: RegExp | null;
  /** A JS-split pattern's regex (null for a scanned one), and its bounds buffer. */
  private readonly split: RegExp | null;
  private bounds = 0;
  private starts: Int32Array | null = null;
  private ends: Int32Array | null = null;
  private text = 0;
  private textCap = 0;
  /** During encode(): the ids so far (a typed buffer that doubles) and their count. */
  private acc = new Int32Array(0);
  private filled = 0;
  private counting = false;
  private unclassified = 0;
  /** EncodeWorker records of pool participants 1.. (0 is this.worker), made on first use. */
  private readonly poolWorkers: number[] = [];
  /** The participants' records side by side, as a job reads them, and how many fit. */
  private records = 0;
  private recordCount = 0;

  /**
   * pattern: a scanned pattern's name, or a RegExp (flags "gu") whose matches are the pieces.
   * byteToId: the id of each single byte (-1: none); index: the whole-piece lookup, if any.
   */
  constructor(private readonly table: MergeTable, private readonly index: TokenBytesIndex | null, byteToId: Int32Array,
              pattern: ScannedPattern | RegExp) {
    this.blocks = new WasmBlocks(this, "WASM encoder");
    const scanned = typeof pattern === "string";
    this.split = scanned ? null : new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : pattern.flags + "g");
    this.cut = scanned ? CUTS[pattern] : null;
    try {
      if (scanned) this.classes = this.blocks.alloc(CODE_POINTS);
      this.byteToId = this.blocks.alloc(256 * 4);
      this.encoder = this.blocks.alloc(BpeEncoder.size);
      this.out = this.blocks.alloc(OUT_IDS * 4);
      const { ptr, symbols } = table.keptScratch;
      this.worker = this.newWorker(ptr, symbols, this.out, OUT_IDS);
    } catch (e) {
      this.blocks.dispose();
      throw e;
    }
    if (scanned) {
      const u8 = heapU8();
      u8.fill(0, this.classes, this.classes + CODE_POINTS);
      for (let c = 0; c < 128; c++) u8[this.classes + c] = charClass(c);
    }
    const i32 = heapI32();
    i32.set(byteToId, this.byteToId >> 2);
    const e = this.encoder >> 2;
    const { table: t, mask } = table.address;
    i32[e + (BpeEncoder.pattern >> 2)] = scanned ? PATTERN_CODES[pattern] : SplitPattern.pieces;
    i32[e + (BpeEncoder.classes >> 2)] = this.classes;
    i32[e + (BpeEncoder.byteToId >> 2)] = this.byteToId;
    i32[e + (BpeEncoder.table >> 2)] = t;
    i32[e + (BpeEncoder.mask >> 2)] = mask;
    i32[e + (BpeEncoder.index >> 2)] = index?.struct ?? 0;
    i32[e + (BpeEncoder.bounds >> 2)] = 0;
  }

  // An EncodeWorker record with a cache of its own; scratch and out are the caller's.
  private newWorker(scratch: number, cap: number, out: number, outCap: number): number {
    const w = this.blocks.alloc(EncodeWorker.size);
    const cache = this.blocks.alloc(PieceCache.size);
    const slots = this.blocks.alloc(CACHE_SLOTS * 16);
    const arena = this.blocks.alloc(CACHE_ARENA + 16);
    const i32 = heapI32();
    const c = cache >> 2;
    i32[c + (PieceCache.slots >> 2)] = slots;
    i32[c + (PieceCache.mask >> 2)] = CACHE_SLOTS - 1;
    i32[c + (PieceCache.arena >> 2)] = arena;
    i32[c + (PieceCache.arenaCap >> 2)] = CACHE_ARENA;
    kernels().bpePieceCacheClear(cache);
    const r = w >> 2;
    i32[r + (EncodeWorker.cache >> 2)] = cache;
    i32[r + (EncodeWorker.scratch >> 2)] = scratch;
    i32[r + (EncodeWorker.cap >> 2)] = cap;
    i32[r + (EncodeWorker.out >> 2)] = out;
    i32[r + (EncodeWorker.outCap >> 2)] = outCap;
    return w;
  }

  /** Appends the ids of text (ordinary text: no special tokens) to out. */
  encode(text: string, out: number[]): void {
    this.run(text, false);
    // One length change for the whole call: a JS array grown (or shrunk) step by step is
    // copied, or turned into a dictionary, at each step (3-4x slower on the KJV).
    const at = out.length;
    const acc = this.acc;
    out.length = at + this.filled;
    for (let i = 0; i < this.filled; i++) out[at + i] = acc[i];
    if (this.acc.length > OUT_IDS) this.acc = new Int32Array(0);
  }

  /** Number of ids encode(text) appends, without keeping them. */
  count(text: string): number {
    this.run(text, true);
    return this.filled;
  }

  private run(text: string, counting: boolean): void {
    this.blocks.check();
    this.filled = 0;
    this.counting = counting;
    try {
      if (this.split !== null) {
        this.encodeSplit(text);
        return;
      }
      for (let from = 0; from < text.length;) {
        const to = this.cutPoint(text, from);
        this.encodeChunk(from === 0 && to === text.length ? text : text.slice(from, to));
        from = to;
      }
    } finally {
      this.release();
    }
  }

  // Frees what only one call needed: a grown chunk buffer, a long piece's scratch.
  private release(): void {
    if (this.textCap > CHUNK_KEEP_BYTES) {
      this.blocks.free(this.text);
      this.text = 0;
      this.textCap = 0;
    }
    this.table.trim();
  }

  /** End of the chunk starting at `from`: a cut place at least CHUNK units on, or the end. */
  private cutPoint(text: string, from: number): number {
    if (text.length - from <= CHUNK) return text.length;
    const cut = this.cut!;
    cut.lastIndex = from + CHUNK;
    const m = cut.exec(text);
    return m === null ? text.length : m.index + 1;
  }

  // Room for maxBytes of UTF-8 (plus the kernels' 8 bytes of slack) at this.text.
  private reserveText(maxBytes: number): void {
    if (maxBytes <= this.textCap) return;
    const cap = Math.max(maxBytes, 4096);
    const p = this.blocks.alloc(cap + 8); // before freeing the old buffer: an E_OOM changes nothing
    this.blocks.free(this.text);
    this.text = p;
    this.textCap = cap;
  }

  // A chunk of text for a scanned pattern (the kernel splits it).
  private encodeChunk(text: string): void {
    this.reserveText(text.length * 3);
    const n = writeUtf8(text, this.text, this.textCap);
    if (n !== text.length) this.classify(this.text, n);
    this.drive(n);
  }

  // Runs the kernel over the text at this.text (n bytes, or n pieces) until it is done.
  private drive(n: number): void {
    const k = kernels();
    const st = (this.worker + EncodeWorker.state) >> 2;
    const POS = st + (EncodeState.pos >> 2), COUNT = st + (EncodeState.count >> 2);
    let i32 = heapI32(); // the kernel allocates nothing, so the view stays valid across its calls
    i32[POS] = i32[COUNT] = 0;
    for (;;) {
      const status = k.bpeEncodeText(this.encoder, this.text, n, this.worker);
      this.append(i32, this.out >> 2, i32[COUNT]);
      i32[COUNT] = 0;
      if (status === EncodeStatus.done) return;
      if (status === EncodeStatus.longPiece) {
        this.encodeLongPiece(i32[st + (EncodeState.pieceStart >> 2)], i32[st + (EncodeState.pieceLen >> 2)]);
        i32 = heapI32(); // it may allocate: re-derive the view
      }
    }
  }

  // A JS-split pattern: the regex's matches (text no match covers is dropped, as tiktoken does) go
  // in PIECES at a time, as byte bounds into the UTF-8 of the span they cover.
  private encodeSplit(text: string): void {
    const re = this.split!;
    if (this.bounds === 0) {
      this.bounds = this.blocks.alloc(PIECES * 8);
      heapI32()[(this.encoder + BpeEncoder.bounds) >> 2] = this.bounds;
    }
    const starts = (this.starts ??= new Int32Array(PIECES)), ends = (this.ends ??= new Int32Array(PIECES));
    re.lastIndex = 0;
    let m: RegExpExecArray | null = re.exec(text);
    while (m !== null) {
      const from = m.index;
      let k = 0;
      for (; m !== null && k < PIECES && m.index - from <= CHUNK; m = re.exec(text)) {
        const s = m.index, e = re.lastIndex;
        if (e === s) {
          re.lastIndex = s + (text.codePointAt(s)! > 0xffff ? 2 : 1); // a whole code point: never inside a surrogate pair
          continue;
        }
        starts[k] = s;
        ends[k++] = e;
      }
      if (k === 0) continue;
      const span = text.slice(from, ends[k - 1]);
      this.reserveText(span.length * 3);
      const ascii = writeUtf8(span, this.text, this.textCap) === span.length; // then bytes and units line up
      const i32 = heapI32();
      let at = from, byte = 0;
      for (let j = 0, b = this.bounds >> 2; j < k; j++, b += 2) {
        if (ascii) {
          i32[b] = starts[j] - from;
          i32[b + 1] = ends[j] - from;
          continue;
        }
        byte += utf8Length(text, at, starts[j]);
        i32[b] = byte;
        byte += utf8Length(text, starts[j], ends[j]);
        i32[b + 1] = byte;
        at = ends[j];
      }
      this.drive(k);
    }
  }

  // Copies count ids from i32[src..] (a current heapI32() view) to the call's buffer.
  private append(i32: Int32Array<ArrayBufferLike>, src: number, count: number): void {
    const need = this.filled + count;
    if (this.counting) {
      this.filled = need;
      return;
    }
    if (need > this.acc.length) {
      const grown = new Int32Array(Math.max(need, 2 * this.acc.length, 4096));
      grown.set(this.acc.subarray(0, this.filled));
      this.acc = grown;
    }
    const acc = this.acc, at = this.filled;
    if (count > 256) acc.set(i32.subarray(src, src + count), at);
    else for (let i = 0; i < count; i++) acc[at + i] = i32[src + i]; // short texts: no view object
    this.filled = need;
  }

  // A piece longer than the kept scratch: the whole-piece lookup, else merging in a block of its own.
  private encodeLongPiece(pos: number, len: number): void {
    const p = this.text + pos;
    const whole = this.index === null ? -1 : this.index.lookup(p, len);
    if (whole >= 0) {
      const i32 = heapI32();
      i32[this.out >> 2] = whole;
      this.append(i32, this.out >> 2, 1);
    } else {
      const { at, count } = this.table.mergeBytes(p, len, this.byteToId);
      this.append(heapI32(), at, count);
    }
  }

  // Classes for the code points of n UTF-8 bytes at `text` the table has not seen yet.
  private classify(text: number, n: number): void {
    if (this.classes === 0) return;
    const k = kernels();
    if (this.unclassified === 0) this.unclassified = this.blocks.alloc(UNCLASSIFIED_BATCH * 4);
    for (;;) {
      const m = k.splitUnclassified(text, n, this.classes, this.unclassified, UNCLASSIFIED_BATCH);
      const i32 = heapI32();
      const u8 = heapU8();
      for (let i = 0; i < m; i++) {
        const cp = i32[(this.unclassified >> 2) + i];
        u8[this.classes + cp] = charClass(cp);
      }
      if (m < UNCLASSIFIED_BATCH) return;
    }
  }

  /**
   * Ids (or, with `counting`, only their number) of each document (ordinary text), encoded on the
   * worker pool BATCH_UNITS at a time. The same ids as encode() on each, whatever the thread count.
   */
  encodeMany(texts: readonly string[], counting: true): number[];
  encodeMany(texts: readonly string[], counting: false): number[][];
  encodeMany(texts: readonly string[], counting: boolean): number[] | number[][] {
    this.blocks.check();
    const results: (number | number[])[] = new Array(texts.length);
    if (this.split !== null) { // the regex runs here anyway: nothing to share out
      for (let d = 0; d < texts.length; d++) {
        if (counting) results[d] = this.count(texts[d]);
        else this.encode(texts[d], (results[d] = []));
      }
      return results as number[] | number[][];
    }
    for (let first = 0; first < texts.length;) {
      let last = first, units = 0;
      while (last < texts.length && (last === first || units + texts[last].length <= BATCH_UNITS)) units += texts[last++].length;
      this.encodeGroup(texts, first, last, units, counting, results);
      first = last;
    }
    return results as number[] | number[][];
  }

  // Documents [first, last) (`units` UTF-16 units in all) as one pool job.
  private encodeGroup(texts: readonly string[], first: number, last: number, units: number, counting: boolean,
                      results: (number | number[])[]): void {
    const nDocs = last - first;
    const rt = runtime();
    const threads = Math.min(threadsFor(rt), Math.ceil(nDocs / DOCS_PER_TILE));
    const workers = this.workerRecords(threads);
    const textBytes = units * 3;
    const job = this.blocks.alloc(Job.payload + TokenizeJob.size);
    const blocks: number[] = [job];
    try {
      const text = this.blocks.alloc(textBytes + 8);
      blocks.push(text);
      const docs = this.blocks.alloc((nDocs + 1) * 4);
      blocks.push(docs);
      const counts = this.blocks.alloc(nDocs * 4);
      blocks.push(counts);
      const out = counting ? 0 : this.blocks.alloc(textBytes * 4 + 4);
      if (out !== 0) blocks.push(out);
      let at = 0;
      for (let d = 0; d < nDocs; d++) {
        heapI32()[(docs >> 2) + d] = at;
        at += writeUtf8(texts[first + d], text + at, textBytes - at);
      }
      heapI32()[(docs >> 2) + nDocs] = at;
      if (at !== units) this.classify(text, at);
      kernels().bpeTokenizePrepare(job, this.encoder, text, docs, nDocs, DOCS_PER_TILE, out, counts, workers, threads);
      runJob(rt, job, threads);
      const i32 = heapI32();
      for (let d = 0; d < nDocs; d++) {
        const n = i32[(counts >> 2) + d];
        if (n < 0) { // a piece longer than the scratch: this thread merges it
          if (counting) results[first + d] = this.count(texts[first + d]);
          else this.encode(texts[first + d], (results[first + d] = []));
          continue;
        }
        if (counting) {
          results[first + d] = n;
        } else {
          const ids = new Array<number>(n);
          const h = heapI32();
          for (let k = 0, src = (out >> 2) + h[(docs >> 2) + d]; k < n; k++) ids[k] = h[src + k];
          results[first + d] = ids;
        }
      }
    } finally {
      for (const b of blocks) this.blocks.free(b);
    }
  }

  // EncodeWorker records for participants 0..threads-1, contiguous (the job indexes them), each
  // with its own cache, scratch and id buffer; participant 0's cache is the caller's.
  private workerRecords(threads: number): number {
    while (this.poolWorkers.length < threads - 1) {
      const scratch = this.blocks.alloc(mergeBytes(SMALL_PIECE) + 16);
      const out = this.blocks.alloc(WORKER_OUT_IDS * 4);
      this.poolWorkers.push(this.newWorker(scratch, SMALL_PIECE, out, WORKER_OUT_IDS));
    }
    if (this.records === 0 || this.recordCount < threads) {
      const r = this.blocks.alloc(threads * EncodeWorker.size);
      this.blocks.free(this.records);
      this.records = r;
      this.recordCount = threads;
    }
    const u8 = heapU8();
    u8.copyWithin(this.records, this.worker, this.worker + EncodeWorker.size);
    for (let w = 1; w < threads; w++) {
      const src = this.poolWorkers[w - 1];
      u8.copyWithin(this.records + w * EncodeWorker.size, src, src + EncodeWorker.size);
    }
    return this.records;
  }

  /** WASM bytes held now. */
  get wasmBytes(): number {
    return this.blocks.bytes;
  }

  dispose(): void {
    this.blocks.dispose();
  }
}
