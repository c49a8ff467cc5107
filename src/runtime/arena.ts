// Allocator for WASM linear memory: TLSF, two-level segregated fit (Masmano, Ripoll, Crespo, Real,
// ECRTS 2004). Free blocks sit in lists by size — each power of two cut into 32 equal ranges — found
// in O(1) through two bitmaps; an allocation splits a free block, a release merges it with its free
// neighbours. Block metadata lives in JS typed arrays, not in WASM memory, so kernels may write to a
// block's last byte and blocks keep 64-byte alignment (cache line, SIMD) with nothing in between.
//
// Fragmentation, as test/runtime/arena.test.ts checks it:
// - internal: under 64 bytes per block (a request is rounded up to 64 bytes; 0 bytes takes 64);
// - external: free neighbours are always merged, so there are at most liveBlocks + 1 free blocks
//   and, once every block is released, the heap is a single free block again;
// - good fit: a request of n bytes (rounded) grows the memory only when no free block of
//   n·(1 + 1/32) bytes exists (the search takes the most recent block of n's own range if it fits,
//   else the first non-empty range above), and only by the pages the free block at the top lacks;
// - E_OOM only when no free block of n bytes exists and growing to maxPages cannot make one.
// No bound on external fragmentation holds for every sequence: any allocator that never moves blocks
// can be driven to need ~M·log2(n)/2 bytes for M live bytes in blocks of 1..n units (Robson 1974).
import { TesseraError, describe, fail } from "../errors.js";

const ALIGN = 64;
const ALIGN_LOG2 = 6;
const PAGE = 65536;
// 32 lists per power of two: a list's sizes differ by under 1/32 of its smallest, which bounds what
// the good-fit search may skip (see above). Sizes below 64 units (4 KiB) get one list per size.
const SL_LOG2 = 5;
const SL_COUNT = 1 << SL_LOG2;
// Up to 4 GiB = 2^26 units: the largest list index is listOf(2^26) = (21 << 5) + 32, in word 22.
const FL_COUNT = 23;

// A node is 8 consecutive Int32Array slots; its index is the offset of the first.
const START = 0; // first unit (byte address / 64)
const SIZE = 1; // units
const PREV = 2; // physical neighbours: nodes of the blocks just below and above, or -1
const NEXT = 3;
const PREV_FREE = 4; // free list links, or (NEXT_FREE only) the spare-node chain
const NEXT_FREE = 5;
const LIST = 6; // index of the free list holding the block, or -1 while it is live
const STRIDE = 8;

/** Free-list index of a block of `units` units: the power of two, then its 1/32 step. */
function listOf(units: number): number {
  if (units < 2 * SL_COUNT) return units;
  const shift = 31 - Math.clz32(units) - SL_LOG2;
  return (shift << SL_LOG2) + (units >>> shift);
}

function lowestBit(bits: number): number {
  return 31 - Math.clz32(bits & -bits);
}

/**
 * Live blocks by first unit → node: open addressing with linear probing over Int32Arrays, kept at
 * most half full. A Map here cost more than the whole TLSF bookkeeping; a release needs one probe
 * sequence (find and delete) instead of a get and a delete.
 */
class LiveTable {
  private keys = new Int32Array(1024).fill(-1);
  private values = new Int32Array(1024);
  private shift = 32 - 10; // Fibonacci hashing: the top log2(capacity) bits of key · 2^32/φ
  private count = 0;

  /** Adds a key that is not in the table. */
  add(key: number, value: number): void {
    if (++this.count * 2 > this.keys.length) this.rehash();
    const keys = this.keys, mask = keys.length - 1;
    let i = Math.imul(key, 0x9e3779b1) >>> this.shift;
    while (keys[i] !== -1) i = (i + 1) & mask;
    keys[i] = key;
    this.values[i] = value;
  }

  /** Removes `key` and returns its value, or -1 if it is not there. */
  take(key: number): number {
    const keys = this.keys, values = this.values, mask = keys.length - 1;
    let i = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (let k = keys[i]; k !== key; k = keys[i]) {
      if (k === -1) return -1;
      i = (i + 1) & mask;
    }
    const value = values[i];
    this.count--;
    // Backward-shift deletion: pull up later entries of the run whose home is not after the hole.
    let hole = i;
    for (let j = (i + 1) & mask, k = keys[j]; k !== -1; j = (j + 1) & mask, k = keys[j]) {
      const home = Math.imul(k, 0x9e3779b1) >>> this.shift;
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        keys[hole] = k;
        values[hole] = values[j];
        hole = j;
      }
    }
    keys[hole] = -1;
    return value;
  }

  private rehash(): void {
    const oldKeys = this.keys, oldValues = this.values;
    this.keys = new Int32Array(oldKeys.length * 2).fill(-1);
    this.values = new Int32Array(oldKeys.length * 2);
    this.shift--;
    const mask = this.keys.length - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      if (oldKeys[j] === -1) continue;
      let i = Math.imul(oldKeys[j], 0x9e3779b1) >>> this.shift;
      while (this.keys[i] !== -1) i = (i + 1) & mask;
      this.keys[i] = oldKeys[j];
      this.values[i] = oldValues[j];
    }
  }
}

export interface BlockInfo {
  ptr: number;
  nBytes: number;
  free: boolean;
}

export class Arena {
  private nodes = new Int32Array(64 * STRIDE);
  private spare = -1; // chain of unused nodes through NEXT_FREE
  private used = 0; // nodes handed out so far (spare ones included)
  private readonly heads = new Int32Array(FL_COUNT << SL_LOG2).fill(-1);
  private readonly rangeBits = new Int32Array(FL_COUNT); // bit s of word f: list (f << 5) + s non-empty
  private powerBits = 0; // bit f: word f of rangeBits non-zero
  private readonly live = new LiveTable(); // first unit → node, for live blocks
  private readonly base: number; // first unit of the heap
  private end: number; // unit past the heap: the memory's size
  private last = -1; // node of the block that ends at `end`
  private readonly maxBytes: number;
  private liveUnits = 0;
  private liveCount = 0;

  constructor(private readonly memory: WebAssembly.Memory, heapBase: number, maxPages: number) {
    this.base = Math.ceil(heapBase / ALIGN);
    this.end = Math.max(this.base, memory.buffer.byteLength / ALIGN);
    this.maxBytes = maxPages * PAGE;
    if (this.end > this.base) {
      this.last = this.newNode(this.base, this.end - this.base, -1, -1);
      this.insertFree(this.last);
    }
  }

  /** A 64-byte aligned block of at least nBytes (0 included: a distinct 64-byte block). */
  alloc(nBytes: number): number {
    if (!Number.isInteger(nBytes) || nBytes < 0) fail("E_VALUE", "alloc(nBytes)", "a finite non-negative integer", nBytes);
    if (nBytes > this.maxBytes) this.outOfMemory(nBytes);
    const units = Math.ceil(nBytes / ALIGN) || 1;
    let n = this.takeFree(units);
    if (n < 0) n = this.grow(units, nBytes);
    const nodes = this.nodes;
    const rest = nodes[n + SIZE] - units;
    if (rest > 0) {
      // The remainder stays free above the block; its upper neighbour is live (n was free), so no
      // merge is needed.
      const next = nodes[n + NEXT];
      const r = this.newNode(this.nodes[n + START] + units, rest, n, next);
      const after = this.nodes;
      after[n + SIZE] = units;
      after[n + NEXT] = r;
      if (next >= 0) after[next + PREV] = r;
      else this.last = r;
      this.insertFree(r);
    }
    const start = this.nodes[n + START];
    this.live.add(start, n);
    this.liveUnits += units;
    this.liveCount++;
    return start * ALIGN;
  }

  /** Returns a block from alloc() to the free lists, merged with its free neighbours. */
  release(ptr: number): void {
    const unit = ptr >>> ALIGN_LOG2;
    const n = unit * ALIGN === ptr ? this.live.take(unit) : -1;
    if (n < 0) {
      throw new TesseraError("E_STATE", `release(ptr): expected the address of a live block, received ${describe(ptr)}, which is unknown or already released`);
    }
    const nodes = this.nodes;
    this.liveUnits -= nodes[n + SIZE];
    this.liveCount--;
    let block = n;
    const next = nodes[n + NEXT];
    if (next >= 0 && nodes[next + LIST] >= 0) {
      this.unlinkFree(next);
      this.absorbNext(n, next);
    }
    const prev = nodes[n + PREV];
    if (prev >= 0 && nodes[prev + LIST] >= 0) {
      this.unlinkFree(prev);
      this.absorbNext(prev, n);
      block = prev;
    }
    this.insertFree(block);
  }

  /** Bytes in live blocks (requests rounded up to 64). */
  get liveBytes(): number {
    return this.liveUnits * ALIGN;
  }

  get liveBlocks(): number {
    return this.liveCount;
  }

  /** Bytes of WASM memory the allocator has taken (live + free): everything above the heap base. */
  get reservedBytes(): number {
    return (this.end - this.base) * ALIGN;
  }

  /** Bytes in free blocks, ready for reuse without growing the memory. */
  get freeBytes(): number {
    return (this.end - this.base - this.liveUnits) * ALIGN;
  }

  /** The largest allocation that free blocks can serve without growing the memory. */
  get largestFreeBlock(): number {
    if (this.powerBits === 0) return 0;
    const f = 31 - Math.clz32(this.powerBits);
    let largest = 0;
    // The top list's blocks differ by under 1/32; walk it for the largest.
    for (let n = this.heads[(f << SL_LOG2) + 31 - Math.clz32(this.rangeBits[f])]; n >= 0; n = this.nodes[n + NEXT_FREE]) {
      largest = Math.max(largest, this.nodes[n + SIZE]);
    }
    return largest * ALIGN;
  }

  /** Every block in address order (O(blocks): for tests and memory diagnostics). */
  blocks(): BlockInfo[] {
    const out: BlockInfo[] = [];
    let n = this.last;
    while (n >= 0 && this.nodes[n + PREV] >= 0) n = this.nodes[n + PREV];
    for (; n >= 0; n = this.nodes[n + NEXT]) {
      out.push({ ptr: this.nodes[n + START] * ALIGN, nBytes: this.nodes[n + SIZE] * ALIGN, free: this.nodes[n + LIST] >= 0 });
    }
    return out;
  }

  /** Unlinks and returns a free block of at least `units`, or -1. */
  private takeFree(units: number): number {
    const list = listOf(units);
    // The most recently freed block of the request's own range, if it is big enough: training steps
    // request the same sizes again, and this makes their reuse one comparison.
    let n = this.heads[list];
    if (n < 0 || this.nodes[n + SIZE] < units) {
      // Good fit: the first non-empty list above, whose blocks all fit.
      let f = list >>> SL_LOG2;
      const s = list & (SL_COUNT - 1);
      let bits = s === SL_COUNT - 1 ? 0 : this.rangeBits[f] & (-1 << (s + 1));
      if (bits === 0) {
        const powers = this.powerBits & (-1 << (f + 1));
        if (powers === 0) return -1;
        f = lowestBit(powers);
        bits = this.rangeBits[f];
      }
      n = this.heads[(f << SL_LOG2) + lowestBit(bits)];
    }
    this.unlinkFree(n);
    return n;
  }

  /**
   * Grows the memory by the pages the free block at the top lacks for `units` and returns that block
   * (unlinked), or — when memory cannot grow — any free block that fits, or throws E_OOM.
   */
  private grow(units: number, nBytes: number): number {
    const last = this.last;
    const topFree = last >= 0 && this.nodes[last + LIST] >= 0 ? this.nodes[last + SIZE] : 0;
    const pages = Math.ceil((units - topFree) * ALIGN / PAGE);
    if (this.end * ALIGN + pages * PAGE > this.maxBytes) return this.scanOrFail(units, nBytes, null);
    let oldPages: number;
    try {
      oldPages = this.memory.grow(pages);
    } catch (e) {
      return this.scanOrFail(units, nBytes, `expected memory.grow(${pages} pages) to succeed, received ${String(e)}`);
    }
    // Count from what grow() reports, so memory grown behind our back is taken in too.
    const oldEnd = this.end;
    this.end = (oldPages + pages) * PAGE / ALIGN;
    if (topFree > 0) {
      this.unlinkFree(last);
      this.nodes[last + SIZE] += this.end - oldEnd;
      return last;
    }
    const top = this.newNode(oldEnd, this.end - oldEnd, last, -1);
    if (last >= 0) this.nodes[last + NEXT] = top;
    this.last = top;
    return top;
  }

  /** Last resort before E_OOM: the blocks of the request's own range that takeFree() skipped. */
  private scanOrFail(units: number, nBytes: number, growError: string | null): number {
    for (let n = this.heads[listOf(units)]; n >= 0; n = this.nodes[n + NEXT_FREE]) {
      if (this.nodes[n + SIZE] >= units) {
        this.unlinkFree(n);
        return n;
      }
    }
    if (growError !== null) throw new TesseraError("E_OOM", `allocation of ${nBytes} bytes: ${growError} ${this.usage()}`);
    return this.outOfMemory(nBytes);
  }

  private outOfMemory(nBytes: number): never {
    const last = this.last;
    const topFree = last >= 0 && this.nodes[last + LIST] >= 0 ? this.nodes[last + SIZE] * ALIGN : 0;
    const fits = Math.max(this.largestFreeBlock, topFree + this.maxBytes - this.end * ALIGN);
    throw new TesseraError("E_OOM", `allocation of ${describe(nBytes)} bytes: expected at most ${fits} bytes ${this.usage()}`);
  }

  private usage(): string {
    return `(live ${this.liveBytes}, free ${this.freeBytes} in blocks of at most ${this.largestFreeBlock}, maximum ${this.maxBytes})`;
  }

  /** Folds the block of node `next` into `n`, its lower neighbour, and recycles `next`. */
  private absorbNext(n: number, next: number): void {
    const nodes = this.nodes;
    nodes[n + SIZE] += nodes[next + SIZE];
    const after = nodes[next + NEXT];
    nodes[n + NEXT] = after;
    if (after >= 0) nodes[after + PREV] = n;
    else this.last = n;
    nodes[next + NEXT_FREE] = this.spare;
    this.spare = next;
  }

  private insertFree(n: number): void {
    const nodes = this.nodes;
    const list = listOf(nodes[n + SIZE]);
    const head = this.heads[list];
    nodes[n + LIST] = list;
    nodes[n + PREV_FREE] = -1;
    nodes[n + NEXT_FREE] = head;
    if (head >= 0) nodes[head + PREV_FREE] = n;
    else {
      this.rangeBits[list >>> SL_LOG2] |= 1 << (list & (SL_COUNT - 1));
      this.powerBits |= 1 << (list >>> SL_LOG2);
    }
    this.heads[list] = n;
  }

  /** Takes a free block off its list; it is live (LIST = -1) until inserted again. */
  private unlinkFree(n: number): void {
    const nodes = this.nodes;
    const list = nodes[n + LIST];
    const prev = nodes[n + PREV_FREE], next = nodes[n + NEXT_FREE];
    if (next >= 0) nodes[next + PREV_FREE] = prev;
    if (prev >= 0) nodes[prev + NEXT_FREE] = next;
    else {
      this.heads[list] = next;
      if (next < 0) {
        const f = list >>> SL_LOG2;
        if ((this.rangeBits[f] &= ~(1 << (list & (SL_COUNT - 1)))) === 0) this.powerBits &= ~(1 << f);
      }
    }
    nodes[n + LIST] = -1;
  }

  private newNode(start: number, size: number, prev: number, next: number): number {
    let n = this.spare;
    if (n >= 0) this.spare = this.nodes[n + NEXT_FREE];
    else {
      n = this.used;
      this.used += STRIDE;
      if (this.used > this.nodes.length) {
        const bigger = new Int32Array(this.nodes.length * 2);
        bigger.set(this.nodes);
        this.nodes = bigger;
      }
    }
    const nodes = this.nodes;
    nodes[n + START] = start;
    nodes[n + SIZE] = size;
    nodes[n + PREV] = prev;
    nodes[n + NEXT] = next;
    nodes[n + LIST] = -1;
    return n;
  }
}
