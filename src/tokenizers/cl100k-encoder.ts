// Whole-text encoding for byte-level tokenizers with the cl100k_base split pattern, in WASM
// (assembly/pretokenize.ts): the text goes in as UTF-8, ids come out, with no per-piece JS objects.
// The kernel's character classes are filled here from the same regex classes the JS pattern uses
// (ASCII up front, other code points the first time a text contains them). Long texts are cut
// after a newline that precedes a non-space character — always a piece boundary of the pattern,
// whatever follows — so the buffers stay around a megabyte.

import { alloc, free, heapI32, heapU8, kernels } from "../runtime/wasm.js";
import type { MergeTable, TokenBytesIndex } from "./merge-table.js";

const LETTER = 1;
const DIGIT = 2;
const SPACE = 3;
const NEWLINE = 4;
const OTHER = 5;
const CODE_POINTS = 0x110000;
const CHUNK = 1 << 20; // UTF-16 units per call, before the cut point search
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

/** End of the chunk starting at `from`: a newline followed by a non-space character, or the end. */
function cutPoint(text: string, from: number): number {
  let i = from + CHUNK;
  while (i < text.length) {
    const nl = text.indexOf("\n", i);
    if (nl < 0 || nl + 1 >= text.length) break;
    if (!/\s/u.test(text[nl + 1])) return nl + 1;
    i = nl + 1;
  }
  return text.length;
}

export class Cl100kEncoder {
  private readonly classes: number;
  private readonly byteToId: number;
  private readonly state: number;
  private readonly cache: number;
  private readonly cacheSlots: number;
  private readonly cacheArena: number;
  private text = 0;
  private textCap = 0;
  private out = 0;
  private scratch = 0;
  private scratchCap = 0;
  private unclassified = 0;
  private readonly tableAddress: number;
  private readonly tableMask: number;
  private readonly indexStruct: number;

  /** byteToId: the id of each single byte (-1: none); index: the whole-piece lookup, if any. */
  constructor(table: MergeTable, index: TokenBytesIndex | null, byteToId: Int32Array) {
    ({ table: this.tableAddress, mask: this.tableMask } = table.address);
    this.indexStruct = index?.struct ?? 0;
    this.classes = alloc(CODE_POINTS);
    this.byteToId = alloc(256 * 4);
    this.state = alloc(16);
    const u8 = heapU8();
    u8.fill(0, this.classes, this.classes + CODE_POINTS);
    for (let c = 0; c < 128; c++) u8[this.classes + c] = classOf(c);
    heapI32().set(byteToId, this.byteToId >> 2);
    this.cache = alloc(32);
    this.cacheSlots = alloc(CACHE_SLOTS * 16);
    this.cacheArena = alloc(CACHE_ARENA + 16);
    heapI32().set([this.cacheSlots, CACHE_SLOTS - 1, this.cacheArena, CACHE_ARENA, 0, 0], this.cache >> 2);
    kernels().bpePieceCacheClear(this.cache);
    this.growScratch(256);
  }

  /** Appends the ids of text (ordinary text: no special tokens) to out. */
  encode(text: string, out: number[]): void {
    for (let from = 0; from < text.length;) {
      const to = cutPoint(text, from);
      this.encodeChunk(from === 0 && to === text.length ? text : text.slice(from, to), out);
      from = to;
    }
  }

  private encodeChunk(text: string, out: number[]): void {
    const maxBytes = text.length * 3;
    if (maxBytes > this.textCap) {
      if (this.text) free(this.text);
      if (this.out) free(this.out);
      this.textCap = Math.max(maxBytes, 4096);
      this.text = alloc(this.textCap + 8);
      this.out = alloc(this.textCap * 4);
    }
    const n = writeUtf8(text, this.text, this.textCap);
    if (n !== text.length) this.classify(n);
    const k = kernels();
    const st = this.state >> 2;
    let i32 = heapI32();
    i32[st] = i32[st + 1] = 0;
    while (k.bpeEncodeCl100k(this.text, n, this.classes, this.byteToId, this.tableAddress, this.tableMask, this.indexStruct,
      this.cache, this.out, this.scratch, this.scratchCap, this.state) !== 0) {
      this.growScratch(heapI32()[st + 2]);
    }
    i32 = heapI32();
    const count = i32[st + 1];
    // Growing the array once and assigning is ~3x faster than a push per id.
    const at = out.length;
    out.length = at + count;
    for (let i = 0, src = this.out >> 2; i < count; i++) out[at + i] = i32[src + i];
  }

  // Classes for the code points of the text's n UTF-8 bytes the table has not seen yet.
  private classify(n: number): void {
    const k = kernels();
    if (this.unclassified === 0) this.unclassified = alloc(UNCLASSIFIED_BATCH * 4);
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

  private growScratch(symbols: number): void {
    if (this.scratch) free(this.scratch);
    const cap = (Math.max(symbols, 2 * this.scratchCap) + 1) & ~1; // even: 8-byte aligned merge scratch
    this.scratch = alloc(cap * 36 + 16);
    this.scratchCap = cap;
  }

  private live = true;

  dispose(): void {
    if (!this.live) return;
    this.live = false;
    for (const p of [this.cache, this.cacheSlots, this.cacheArena, this.classes, this.byteToId, this.state, this.text, this.out, this.scratch, this.unclassified]) if (p) free(p);
    this.text = this.out = this.scratch = this.unclassified = 0;
  }
}
