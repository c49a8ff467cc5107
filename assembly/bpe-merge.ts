// Byte-pair encoding kernels over raw pointers: a merge table, an open-addressing hash of
// (left id, right id) → (rank, merged id), and rank-based merging of one piece with a linked list
// and a binary min-heap, O(n log n) (tiktoken's `byte_pair_merge` semantics: lowest rank first,
// leftmost on ties). Training is in bpe-train.ts. Nothing here allocates: every buffer comes from
// the caller (src/tokenizers/).

import { bytesEqual, hashBytes, mixPair, prefix8 } from "./bytekeys";

const EMPTY: i32 = -1;


// ---- merge table: entries of 16 bytes {left, right, rank, merged}; left = -1 marks empty ----

// table: [capacity] entries; capacity a power of two
export function bpeTableClear(table: usize, capacity: i32): void {
  for (let i = 0; i < capacity; i++) store<i32>(table + (<usize>i << 4), EMPTY);
}

// Inserts (left, right) → (rank, merged) unless the pair is present: the first insertion wins, so a
// caller with repeated pairs inserts the one whose rank should count first.
// Returns 1 if inserted, 0 if it was present.
export function bpeTableInsert(table: usize, mask: i32, left: i32, right: i32, rank: i32, merged: i32): i32 {
  let i = <i32>(mixPair(left, right) & <u32>mask);
  while (true) {
    const e = table + (<usize>i << 4);
    const l = load<i32>(e);
    if (l == EMPTY) {
      store<i32>(e, left);
      store<i32>(e, right, 4);
      store<i32>(e, rank, 8);
      store<i32>(e, merged, 12);
      return 1;
    }
    if (l == left && load<i32>(e, 4) == right) return 0;
    i = (i + 1) & mask;
  }
}

// quads: [n, 4] i32 rows {left, right, rank, merged}; returns how many were new
export function bpeTableInsertMany(table: usize, mask: i32, quads: usize, n: i32): i32 {
  let added = 0;
  for (let k = 0; k < n; k++) {
    const q = quads + (<usize>k << 4);
    added += bpeTableInsert(table, mask, load<i32>(q), load<i32>(q, 4), load<i32>(q, 8), load<i32>(q, 12));
  }
  return added;
}

// Address of the entry for (left, right), or 0 when absent.
@inline function tableFind(table: usize, mask: i32, left: i32, right: i32): usize {
  let i = <i32>(mixPair(left, right) & <u32>mask);
  while (true) {
    const e = table + (<usize>i << 4);
    const l = load<i32>(e);
    if (l == EMPTY) return 0;
    if (l == left && load<i32>(e, 4) == right) return e;
    i = (i + 1) & mask;
  }
}

export function bpeTableRank(table: usize, mask: i32, left: i32, right: i32): i32 {
  const e = tableFind(table, mask, left, right);
  return e == 0 ? -1 : load<i32>(e, 8);
}

// ---- byte-string hash (token bytes → token): tiktoken's whole-piece lookup, and the source of its
// merge pairs. A slot is 16 bytes {first 8 bytes zero-padded, id, token index << 8 | min(len, 255)}
// (token index -1: empty), so finding a piece of up to 8 bytes — most of them — touches one slot
// rather than a slot, the offsets, the bytes and the ids. Keys are read 8 bytes at a time
// (bytekeys.ts): the callers' buffers have 8 bytes of slack. ----

// Slot of p[0, n) (first = prefix8(p, n)), or 0 when absent.
@inline function bytesSlot(byteHash: usize, mask: i32, bytes: usize, offsets: usize, p: usize, n: i32, first: u64): usize {
  let i = <i32>(hashBytes(p, n, first) & <u32>mask);
  const short = n < 255 ? n : 255;
  while (true) {
    const slot = byteHash + (<usize>i << 4);
    const meta = load<i32>(slot, 12);
    if (meta == -1) return 0;
    if ((meta & 255) == short && load<u64>(slot) == first) {
      if (n <= 8) return slot;
      const t = meta >> 8;
      const s = load<i32>(offsets + (<usize>t << 2));
      if (load<i32>(offsets + (<usize>t << 2), 4) - s == n && bytesEqual(bytes + <usize>s + 8, p + 8, n - 8)) return slot;
    }
    i = (i + 1) & mask;
  }
}

// Token t's bytes are bytes[offsets[t] .. offsets[t+1]) with id ids[t]. byteHash: [capacity] slots
// of 16 bytes, capacity a power of two ≥ 2·nTokens. Returns -1 on success or the index of a token
// whose bytes repeat an earlier one.
export function bpeBytesHashBuild(byteHash: usize, mask: i32, bytes: usize, offsets: usize, ids: usize, nTokens: i32): i32 {
  for (let i = 0; i <= mask; i++) store<i32>(byteHash + (<usize>i << 4), -1, 12);
  for (let t = 0; t < nTokens; t++) {
    const s = load<i32>(offsets + (<usize>t << 2));
    const n = load<i32>(offsets + (<usize>t << 2), 4) - s;
    const p = bytes + <usize>s;
    const first = prefix8(p, n);
    if (bytesSlot(byteHash, mask, bytes, offsets, p, n, first) != 0) return t;
    let i = <i32>(hashBytes(p, n, first) & <u32>mask);
    while (load<i32>(byteHash + (<usize>i << 4), 12) != -1) i = (i + 1) & mask;
    const slot = byteHash + (<usize>i << 4);
    store<u64>(slot, first);
    store<i32>(slot, load<i32>(ids + (<usize>t << 2)), 8);
    store<i32>(slot, (t << 8) | (n < 255 ? n : 255), 12);
  }
  return -1;
}

// Id of the token whose bytes equal p[0..n), or -1.
export function bpeBytesLookup(byteHash: usize, mask: i32, bytes: usize, offsets: usize, p: usize, n: i32): i32 {
  const slot = bytesSlot(byteHash, mask, bytes, offsets, p, n, prefix8(p, n));
  return slot == 0 ? -1 : load<i32>(slot, 8);
}

// tiktoken ranks merge byte strings, not pairs: parts A, B merge when the bytes A+B are a token.
// Every split T = A + B of a token into two tokens therefore becomes a pair (A, B) → (rank T, T),
// which makes pair-keyed merging identical to tiktoken's. ids[t] is token t's id and rank.
// Returns the number of pairs inserted.
export function bpeTableFromTokens(table: usize, mask: i32, byteHash: usize, hashMask: i32,
                                   bytes: usize, offsets: usize, ids: usize, nTokens: i32): i32 {
  let added = 0;
  for (let t = 0; t < nTokens; t++) {
    const s = load<i32>(offsets + (<usize>t << 2));
    const n = load<i32>(offsets + (<usize>t << 2), 4) - s;
    const p = bytes + <usize>s;
    const rank = load<i32>(ids + (<usize>t << 2));
    for (let k = 1; k < n; k++) {
      const a = bpeBytesLookup(byteHash, hashMask, bytes, offsets, p, k);
      if (a < 0) continue;
      const b = bpeBytesLookup(byteHash, hashMask, bytes, offsets, p + <usize>k, n - k);
      if (b < 0) continue;
      added += bpeTableInsert(table, mask, a, b, rank, rank);
    }
  }
  return added;
}

// ---- encoding one piece ----
// Rank-based merging keeps the live symbols in a doubly linked list and the candidate pairs in a
// binary min-heap of u64 keys (rank << 32 | left position): lowest rank first, then leftmost. Heap
// entries go stale when a neighbour merges; they are skipped when popped. The heap has room for
// n + n/2 + 16 entries: at most n − 1 entries are valid at any time (one per adjacent pair), and
// each merge adds at most one entry net, so when the heap is full a compaction (drop the stale
// entries, rebuild in O(n)) frees ≥ n/2 + 16 slots — at most three compactions per piece, O(n).
// Scratch: 24 bytes per symbol with the ids, whatever the piece.

@inline function heapCapacity(n: i32): i32 {
  return n + (n >> 1) + 16;
}

// Bytes of scratch bpeMerge needs for n symbols (links, then the 8-byte-aligned heap). f64: the
// caller checks it against the memory it can have before allocating.
export function bpeMergeScratchBytes(n: i32): f64 {
  return 8.0 * <f64>n + 8.0 + 8.0 * <f64>heapCapacity(n);
}

@inline function heapPush(heap: usize, size: i32, key: u64): i32 {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pk = load<u64>(heap + (<usize>parent << 3));
    if (pk <= key) break;
    store<u64>(heap + (<usize>i << 3), pk);
    i = parent;
  }
  store<u64>(heap + (<usize>i << 3), key);
  return size + 1;
}

// Sifts `key` down from slot i of a heap of `size` entries.
@inline function heapSiftDown(heap: usize, size: i32, i: i32, key: u64): void {
  while (true) {
    let c = 2 * i + 1;
    if (c >= size) break;
    let ck = load<u64>(heap + (<usize>c << 3));
    if (c + 1 < size) {
      const rk = load<u64>(heap + (<usize>(c + 1) << 3));
      if (rk < ck) { c++; ck = rk; }
    }
    if (key <= ck) break;
    store<u64>(heap + (<usize>i << 3), ck);
    i = c;
  }
  store<u64>(heap + (<usize>i << 3), key);
}

@inline function heapPopMin(heap: usize, size: i32): i32 {
  const n = size - 1;
  if (n > 0) heapSiftDown(heap, n, 0, load<u64>(heap + (<usize>n << 3)));
  return n;
}

// Entry for the pair at `pos` of the current list, or 0 when the pair has no merge. key: the
// entry's heap key, whose rank must still be the pair's (else the entry is stale).
@inline function livePair(table: usize, mask: i32, ids: usize, next: usize, pos: i32, key: u64): usize {
  const nx = load<i32>(next + (<usize>pos << 2));
  if (nx < 0) return 0; // merged away (-2) or the list's end (-1)
  const e = tableFind(table, mask, load<i32>(ids + (<usize>pos << 2)), load<i32>(ids + (<usize>nx << 2)));
  return e != 0 && <u64>load<u32>(e, 8) == (key >> 32) ? e : 0;
}

// Drops the stale entries and rebuilds the heap (Floyd); returns the new size.
function heapCompact(heap: usize, size: i32, table: usize, mask: i32, ids: usize, next: usize): i32 {
  let k = 0;
  for (let j = 0; j < size; j++) {
    const key = load<u64>(heap + (<usize>j << 3));
    if (livePair(table, mask, ids, next, <i32>(key & 0xFFFFFFFF), key) != 0) {
      store<u64>(heap + (<usize>k << 3), key);
      k++;
    }
  }
  for (let i = (k >> 1) - 1; i >= 0; i--) heapSiftDown(heap, k, i, load<u64>(heap + (<usize>i << 3)));
  return k;
}

// ids: [n] i32 initial symbol ids, rewritten in place with the merged ids; returns their count.
// scratch: bpeMergeScratchBytes(n) bytes.
export function bpeMerge(table: usize, mask: i32, ids: usize, n: i32, scratch: usize): i32 {
  if (n < 2) return n;
  const next = scratch;
  const prev = scratch + (<usize>n << 2);
  const heap = (scratch + (<usize>n << 3) + 7) & ~(<usize>7);
  const cap = heapCapacity(n);
  let size = 0;
  for (let i = 0; i < n; i++) {
    store<i32>(next + (<usize>i << 2), i + 1 < n ? i + 1 : -1);
    store<i32>(prev + (<usize>i << 2), i - 1);
  }
  for (let i = 0; i + 1 < n; i++) {
    const e = tableFind(table, mask, load<i32>(ids + (<usize>i << 2)), load<i32>(ids + (<usize>(i + 1) << 2)));
    if (e != 0) size = heapPush(heap, size, (<u64>load<u32>(e, 8) << 32) | <u64>i);
  }
  while (size > 0) {
    const key = load<u64>(heap);
    size = heapPopMin(heap, size);
    const pos = <i32>(key & 0xFFFFFFFF);
    const e = livePair(table, mask, ids, next, pos, key);
    if (e == 0) continue;
    const nx = load<i32>(next + (<usize>pos << 2));
    store<i32>(ids + (<usize>pos << 2), load<i32>(e, 12));
    const nn = load<i32>(next + (<usize>nx << 2));
    store<i32>(next + (<usize>pos << 2), nn);
    store<i32>(next + (<usize>nx << 2), -2);
    if (nn >= 0) store<i32>(prev + (<usize>nn << 2), pos);
    // Room for the two pushes below (each merge adds at most one entry net).
    if (size + 2 > cap) size = heapCompact(heap, size, table, mask, ids, next);
    const pv = load<i32>(prev + (<usize>pos << 2));
    const id = load<i32>(ids + (<usize>pos << 2));
    if (pv >= 0) {
      const f = tableFind(table, mask, load<i32>(ids + (<usize>pv << 2)), id);
      if (f != 0) size = heapPush(heap, size, (<u64>load<u32>(f, 8) << 32) | <u64>pv);
    }
    if (nn >= 0) {
      const f = tableFind(table, mask, id, load<i32>(ids + (<usize>nn << 2)));
      if (f != 0) size = heapPush(heap, size, (<u64>load<u32>(f, 8) << 32) | <u64>pos);
    }
  }
  let k = 0;
  for (let i = 0; i >= 0; i = load<i32>(next + (<usize>i << 2))) {
    store<i32>(ids + (<usize>k << 2), load<i32>(ids + (<usize>i << 2)));
    k++;
  }
  return k;
}

// The bytes p[0, n) as symbols (byteToId: [256] i32, -1 for a byte without a token) merged into
// ids[0, k); returns k. Bytes without a token are dropped after merging, as Hugging Face's BPE does
// without an unk token. ids: [n] i32; scratch: bpeMergeScratchBytes(n) bytes.
export function bpeMergeBytes(table: usize, mask: i32, p: usize, n: i32, byteToId: usize, ids: usize, scratch: usize): i32 {
  for (let j = 0; j < n; j++) {
    store<i32>(ids + (<usize>j << 2), load<i32>(byteToId + (<usize>load<u8>(p + <usize>j) << 2)));
  }
  const m = bpeMerge(table, mask, ids, n, scratch);
  let k = 0;
  for (let j = 0; j < m; j++) {
    const id = load<i32>(ids + (<usize>j << 2));
    if (id >= 0) {
      store<i32>(ids + (<usize>k << 2), id);
      k++;
    }
  }
  return k;
}
