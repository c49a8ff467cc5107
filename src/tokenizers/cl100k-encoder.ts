// Whole-text encoding for byte-level tokenizers with the cl100k_base split pattern, in WASM
// (assembly/pretokenize.ts): the text goes in as UTF-8, ids come out, with no per-piece JS objects.
// The kernel's character classes are filled here from the same regex classes the JS pattern uses
// (ASCII up front, other code points the first time a text contains them).
//
// Memory stays bounded whatever the text: long texts go in chunks cut at places that are always a
// piece boundary of the pattern; ids come back through a fixed buffer the kernel fills and this
// side drains; a piece longer than the merge table's kept scratch is merged by the table in a block
// of its own, freed after the call; a chunk buffer grown past CHUNK_KEEP_BYTES is freed after the call.

import { heapI32, heapU8, kernels } from "../runtime/wasm.js";
import { EncodeState, EncodeStatus, PieceCache } from "../runtime/abi.js";
import type { MergeTable, TokenBytesIndex } from "./merge-table.js";
import { WasmBlocks } from "./wasm-blocks.js";

const LETTER = 1;
const DIGIT = 2;
const SPACE = 3;
const NEWLINE = 4;
const OTHER = 5;
const CODE_POINTS = 0x110000;
const CHUNK = 1 << 20; // UTF-16 units per call, before the cut point search
const CHUNK_KEEP_BYTES = 4 << 20; // a UTF-8 chunk buffer up to this size is kept between calls
const OUT_IDS = 1 << 18; // ids per drain of the kernel's output buffer (each drain grows the JS array once)
const UNCLASSIFIED_BATCH = 4096;
const CACHE_SLOTS = 1 << 15;
const CACHE_ARENA = 1 << 20;

function classOf(cp: number): number {
  if (cp === 10 || cp === 13) return NEWLINE;
  const ch = String.fromCodePoint(cp);
  return /\p{L}/u.test(ch) ? LETTER : /\p{N}/u.test(ch) ? DIGIT : /\s/u.test(ch) ? SPACE : OTHER;
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

// Places where the cl100k pattern always ends a piece, whatever surrounds them: after a newline
// followed by a non-space character (no alternative continues a newline run into one), and after
// an ASCII letter followed by a space (a letter run stops at the space, and no piece starts with a
// letter and continues past one).
const CUT = /\n(?=\S)|[A-Za-z](?= )/gu;

/** End of the chunk starting at `from`: a cut place at least CHUNK units on, or the end. */
function cutPoint(text: string, from: number): number {
  if (text.length - from <= CHUNK) return text.length;
  CUT.lastIndex = from + CHUNK;
  const m = CUT.exec(text);
  return m === null ? text.length : m.index + 1;
}

export class Cl100kEncoder {
  private readonly blocks: WasmBlocks;
  private readonly classes: number;
  private readonly byteToId: number;
  private readonly state: number;
  private readonly cache: number;
  private readonly out: number;
  private text = 0;
  private textCap = 0;
  /** During encode(): the ids so far (a typed buffer that doubles) and their count. */
  private acc = new Int32Array(0);
  private filled = 0;
  private unclassified = 0;
  private readonly tableAddress: number;
  private readonly tableMask: number;
  private readonly scratch: number;
  private readonly scratchSymbols: number;
  private readonly indexStruct: number;

  /** byteToId: the id of each single byte (-1: none); index: the whole-piece lookup, if any. */
  constructor(private readonly table: MergeTable, private readonly index: TokenBytesIndex | null, byteToId: Int32Array) {
    ({ table: this.tableAddress, mask: this.tableMask } = table.address);
    ({ ptr: this.scratch, symbols: this.scratchSymbols } = table.keptScratch);
    this.indexStruct = index?.struct ?? 0;
    this.blocks = new WasmBlocks(this, "cl100k encoder");
    let cacheSlots: number, cacheArena: number;
    try {
      this.classes = this.blocks.alloc(CODE_POINTS);
      this.byteToId = this.blocks.alloc(256 * 4);
      this.state = this.blocks.alloc(EncodeState.size);
      this.out = this.blocks.alloc(OUT_IDS * 4);
      this.cache = this.blocks.alloc(PieceCache.size);
      cacheSlots = this.blocks.alloc(CACHE_SLOTS * 16);
      cacheArena = this.blocks.alloc(CACHE_ARENA + 16);
    } catch (e) {
      this.blocks.dispose();
      throw e;
    }
    const u8 = heapU8();
    u8.fill(0, this.classes, this.classes + CODE_POINTS);
    for (let c = 0; c < 128; c++) u8[this.classes + c] = classOf(c);
    const i32 = heapI32();
    i32.set(byteToId, this.byteToId >> 2);
    const c = this.cache >> 2;
    i32[c + (PieceCache.slots >> 2)] = cacheSlots;
    i32[c + (PieceCache.mask >> 2)] = CACHE_SLOTS - 1;
    i32[c + (PieceCache.arena >> 2)] = cacheArena;
    i32[c + (PieceCache.arenaCap >> 2)] = CACHE_ARENA;
    kernels().bpePieceCacheClear(this.cache);
  }

  /** Appends the ids of text (ordinary text: no special tokens) to out. */
  encode(text: string, out: number[]): void {
    this.blocks.check();
    this.filled = 0;
    try {
      for (let from = 0; from < text.length;) {
        const to = cutPoint(text, from);
        this.encodeChunk(from === 0 && to === text.length ? text : text.slice(from, to));
        from = to;
      }
      // One length change for the whole call: a JS array grown (or shrunk) step by step is
      // copied, or turned into a dictionary, at each step (3-4x slower on the KJV).
      const at = out.length;
      const acc = this.acc;
      out.length = at + this.filled;
      for (let i = 0; i < this.filled; i++) out[at + i] = acc[i];
    } finally {
      if (this.acc.length > OUT_IDS) this.acc = new Int32Array(0);
      if (this.textCap > CHUNK_KEEP_BYTES) {
        this.blocks.free(this.text);
        this.text = 0;
        this.textCap = 0;
      }
      this.table.trim();
    }
  }

  private encodeChunk(text: string): void {
    const maxBytes = text.length * 3;
    if (maxBytes > this.textCap) {
      const cap = Math.max(maxBytes, 4096);
      const p = this.blocks.alloc(cap + 8); // before freeing the old buffer: an E_OOM changes nothing
      this.blocks.free(this.text);
      this.text = p;
      this.textCap = cap;
    }
    const n = writeUtf8(text, this.text, this.textCap);
    if (n !== text.length) this.classify(n);
    const k = kernels();
    const st = this.state >> 2;
    const POS = st + (EncodeState.pos >> 2), COUNT = st + (EncodeState.count >> 2), LEN = st + (EncodeState.pieceLen >> 2);
    let i32 = heapI32(); // the kernel allocates nothing, so the view stays valid across its calls
    i32[POS] = i32[COUNT] = 0;
    for (;;) {
      const status = k.bpeEncodeCl100k(this.text, n, this.classes, this.byteToId, this.tableAddress, this.tableMask, this.indexStruct,
        this.cache, this.out, OUT_IDS, this.scratch, this.scratchSymbols, this.state);
      this.append(i32, this.out >> 2, i32[COUNT]);
      i32[COUNT] = 0;
      if (status === EncodeStatus.done) return;
      if (status === EncodeStatus.longPiece) {
        const pos = i32[POS], len = i32[LEN];
        this.encodeLongPiece(pos, len); // may allocate: re-derive the view
        i32 = heapI32();
        i32[POS] = pos + len;
      }
    }
  }

  // Copies count ids from i32[src..] (a current heapI32() view) to the call's buffer.
  private append(i32: Int32Array<ArrayBufferLike>, src: number, count: number): void {
    const need = this.filled + count;
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

  // Classes for the code points of the text's n UTF-8 bytes the table has not seen yet.
  private classify(n: number): void {
    const k = kernels();
    if (this.unclassified === 0) this.unclassified = this.blocks.alloc(UNCLASSIFIED_BATCH * 4);
    for (;;) {
      const m = k.cl100kUnclassified(this.text, n, this.classes, this.unclassified, UNCLASSIFIED_BATCH);
      const i32 = heapI32();
      const u8 = heapU8();
      for (let i = 0; i < m; i++) {
        const cp = i32[(this.unclassified >> 2) + i];
        u8[this.classes + cp] = classOf(cp);
      }
      if (m < UNCLASSIFIED_BATCH) return;
    }
  }

  /** WASM bytes held now. */
  get wasmBytes(): number {
    return this.blocks.bytes;
  }

  dispose(): void {
    this.blocks.dispose();
  }
}
