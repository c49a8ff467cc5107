// Byte-pair encoding kernels over raw pointers: (1) a merge table, an open-addressing hash of
// (left id, right id) → (rank, merged id), and rank-based merging of one piece with a linked list
// and a binary min-heap, O(n log n) (tiktoken's `byte_pair_merge` semantics: lowest rank first,
// leftmost on ties); (2) training with incremental pair counts in the style of Hugging Face's
// BpeTrainer (Sennrich et al. 2016): pair occurrence lists, a lazy max-heap, per-merge updates.
// Nothing here allocates: every buffer comes from the caller (src/tokenizers/).

import { bytesEqual, hashBytes, prefix8 } from "./bytekeys";

const EMPTY: i32 = -1;

@inline function mixPair(a: i32, b: i32): u32 {
  let h = (<u32>a * 0x9E3779B1) ^ (<u32>b * 0x85EBCA77 + 0x165667B1);
  h ^= h >> 15;
  h *= 0x2C1B3C6D;
  h ^= h >> 12;
  return h;
}

// ---- merge table: entries of 16 bytes {left, right, rank, merged}; left = -1 marks empty ----

// table: [capacity] entries; capacity a power of two
export function bpeTableClear(table: usize, capacity: i32): void {
  for (let i = 0; i < capacity; i++) store<i32>(table + (<usize>i << 4), EMPTY);
}

// Inserts (left, right) → (rank, merged) unless the pair is present (the first, lowest rank wins).
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

// Min-heap of u64 keys (rank << 32 | position): lowest rank first, then leftmost.
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

@inline function heapPopMin(heap: usize, size: i32): i32 {
  const n = size - 1;
  const last = load<u64>(heap + (<usize>n << 3));
  let i = 0;
  while (true) {
    let c = 2 * i + 1;
    if (c >= n) break;
    let ck = load<u64>(heap + (<usize>c << 3));
    if (c + 1 < n) {
      const rk = load<u64>(heap + (<usize>(c + 1) << 3));
      if (rk < ck) { c++; ck = rk; }
    }
    if (last <= ck) break;
    store<u64>(heap + (<usize>i << 3), ck);
    i = c;
  }
  if (n > 0) store<u64>(heap + (<usize>i << 3), last);
  return n;
}

// ids: [n] i32 initial symbol ids, rewritten in place with the merged ids; returns their count.
// scratch: 8·n bytes (prev/next links) + 24·n bytes (heap; at most 3n entries live), 8-byte aligned.
export function bpeMerge(table: usize, mask: i32, ids: usize, n: i32, scratch: usize): i32 {
  if (n < 2) return n;
  const next = scratch;
  const prev = scratch + (<usize>n << 2);
  const heap = (scratch + (<usize>n << 3) + 7) & ~(<usize>7);
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
    const nx = load<i32>(next + (<usize>pos << 2));
    // Stale entries: a merged-away node (next = -2), a list end, or a pair that changed since.
    if (nx < 0) continue;
    const e = tableFind(table, mask, load<i32>(ids + (<usize>pos << 2)), load<i32>(ids + (<usize>nx << 2)));
    if (e == 0 || <u64>load<u32>(e, 8) != (key >> 32)) continue;
    store<i32>(ids + (<usize>pos << 2), load<i32>(e, 12));
    const nn = load<i32>(next + (<usize>nx << 2));
    store<i32>(next + (<usize>pos << 2), nn);
    store<i32>(next + (<usize>nx << 2), -2);
    if (nn >= 0) store<i32>(prev + (<usize>nn << 2), pos);
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

// ---- training ----
// The caller lays out one state record of i32 slots (byte offsets below) and the buffers it points
// to; words are pre-tokenized pieces as symbol ids with a count each. Pair counts are kept exact
// after every merge by touching only the words that hold the merged pair (found through per-pair
// occurrence lists), like Hugging Face's BpeTrainer. The heap orders by count, then the smaller
// (left, right) id pair — Hugging Face's tie-break — and is lazy: stale counts are re-queued on pop.

const S_SYM = 0; // i32 symbols, word w at sym[wordStart[w] .. + wordLen[w])
const S_WORD_START = 4;
const S_WORD_LEN = 8;
const S_WORD_COUNT = 12;
const S_N_WORDS = 16;
const S_TABLE = 20; // i32 pair index per slot, -1 empty
const S_TABLE_MASK = 24;
const S_PAIRS = 28; // 16 bytes per pair: left, right, count, occurrence list head
const S_MAX_PAIRS = 32;
const S_N_PAIRS = 36;
const S_OCC = 40; // 8 bytes per node: word, next node
const S_OCC_CAP = 44;
const S_N_OCC = 48;
const S_HEAP = 52; // 8 bytes per entry: count, pair
const S_HEAP_CAP = 56;
const S_HEAP_SIZE = 60;
const S_WORD_STAMP = 64; // i32 per word: last step that merged it
const S_PAIR_STAMP = 68; // i32 per pair: last step that queued it
const S_STEP = 72;
const S_TOUCHED = 76; // i32 list of pairs whose count rose this step (capacity S_MAX_PAIRS)
const S_N_TOUCHED = 80;
const S_OVERFLOW = 84;
export function bpeTrainStateBytes(): i32 { return 128; }

@inline function st(s: usize, slot: usize): i32 { return load<i32>(s + slot); }
@inline function stp(s: usize, slot: usize): usize { return <usize>load<i32>(s + slot); }

// Pair index of (a, b), created with count 0 when absent; -1 when the pair store is full.
function pairIndex(s: usize, a: i32, b: i32): i32 {
  const table = stp(s, S_TABLE);
  const mask = st(s, S_TABLE_MASK);
  const pairs = stp(s, S_PAIRS);
  let i = <i32>(mixPair(a, b) & <u32>mask);
  while (true) {
    const slot = table + (<usize>i << 2);
    const p = load<i32>(slot);
    if (p == EMPTY) break;
    const e = pairs + (<usize>p << 4);
    if (load<i32>(e) == a && load<i32>(e, 4) == b) return p;
    i = (i + 1) & mask;
  }
  const np = st(s, S_N_PAIRS);
  if (np >= st(s, S_MAX_PAIRS)) { store<i32>(s + S_OVERFLOW, 1); return -1; }
  const e = pairs + (<usize>np << 4);
  store<i32>(e, a);
  store<i32>(e, b, 4);
  store<i32>(e, 0, 8);
  store<i32>(e, -1, 12);
  store<i32>(stp(s, S_PAIR_STAMP) + (<usize>np << 2), -1);
  store<i32>(table + (<usize>i << 2), np);
  store<i32>(s + S_N_PAIRS, np + 1);
  return np;
}

function addOccurrence(s: usize, p: i32, w: i32): void {
  const n = st(s, S_N_OCC);
  if (n >= st(s, S_OCC_CAP)) { store<i32>(s + S_OVERFLOW, 1); return; }
  const node = stp(s, S_OCC) + (<usize>n << 3);
  const e = stp(s, S_PAIRS) + (<usize>p << 4);
  store<i32>(node, w);
  store<i32>(node, load<i32>(e, 12), 4);
  store<i32>(e, n, 12);
  store<i32>(s + S_N_OCC, n + 1);
}

// Adds delta to the count of (a, b); a rise records the word as an occurrence and marks the pair
// for re-queueing at the end of the step.
function addPair(s: usize, a: i32, b: i32, delta: i32, w: i32): void {
  const p = pairIndex(s, a, b);
  if (p < 0) return;
  const e = stp(s, S_PAIRS) + (<usize>p << 4);
  store<i32>(e, load<i32>(e, 8) + delta, 8);
  if (delta > 0) {
    addOccurrence(s, p, w);
    const stamps = stp(s, S_PAIR_STAMP) + (<usize>p << 2);
    const step = st(s, S_STEP);
    if (load<i32>(stamps) != step) {
      store<i32>(stamps, step);
      const nt = st(s, S_N_TOUCHED);
      if (nt < st(s, S_MAX_PAIRS)) {
        store<i32>(stp(s, S_TOUCHED) + (<usize>nt << 2), p);
        store<i32>(s + S_N_TOUCHED, nt + 1);
      }
    }
  }
}

// Max-heap order: higher count, then smaller left id, then smaller right id.
@inline function heapAbove(pairs: usize, ca: i32, pa: i32, cb: i32, pb: i32): bool {
  if (ca != cb) return ca > cb;
  const ea = pairs + (<usize>pa << 4);
  const eb = pairs + (<usize>pb << 4);
  const la = load<i32>(ea), lb = load<i32>(eb);
  if (la != lb) return la < lb;
  return load<i32>(ea, 4) < load<i32>(eb, 4);
}

function trainHeapPush(s: usize, count: i32, p: i32): void {
  const heap = stp(s, S_HEAP);
  const pairs = stp(s, S_PAIRS);
  let i = st(s, S_HEAP_SIZE);
  if (i >= st(s, S_HEAP_CAP)) { store<i32>(s + S_OVERFLOW, 1); return; }
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pe = heap + (<usize>parent << 3);
    if (!heapAbove(pairs, count, p, load<i32>(pe), load<i32>(pe, 4))) break;
    store<u64>(heap + (<usize>i << 3), load<u64>(pe));
    i = parent;
  }
  store<i32>(heap + (<usize>i << 3), count);
  store<i32>(heap + (<usize>i << 3), p, 4);
  store<i32>(s + S_HEAP_SIZE, st(s, S_HEAP_SIZE) + 1);
}

function trainHeapPop(s: usize): void {
  const heap = stp(s, S_HEAP);
  const pairs = stp(s, S_PAIRS);
  const n = st(s, S_HEAP_SIZE) - 1;
  store<i32>(s + S_HEAP_SIZE, n);
  if (n <= 0) return;
  const lc = load<i32>(heap + (<usize>n << 3));
  const lp = load<i32>(heap + (<usize>n << 3), 4);
  let i = 0;
  while (true) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n) {
      const a = heap + (<usize>c << 3), b = heap + (<usize>(c + 1) << 3);
      if (heapAbove(pairs, load<i32>(b), load<i32>(b, 4), load<i32>(a), load<i32>(a, 4))) c++;
    }
    const ce = heap + (<usize>c << 3);
    if (!heapAbove(pairs, load<i32>(ce), load<i32>(ce, 4), lc, lp)) break;
    store<u64>(heap + (<usize>i << 3), load<u64>(ce));
    i = c;
  }
  store<i32>(heap + (<usize>i << 3), lc);
  store<i32>(heap + (<usize>i << 3), lp, 4);
}

// Counts every adjacent pair of every word and queues them. Returns 0, or -1 when a buffer was
// too small (the caller retries with larger ones).
export function bpeTrainInit(s: usize): i32 {
  const table = stp(s, S_TABLE);
  const mask = st(s, S_TABLE_MASK);
  for (let i = 0; i <= mask; i++) store<i32>(table + (<usize>i << 2), EMPTY);
  store<i32>(s + S_N_PAIRS, 0);
  store<i32>(s + S_N_OCC, 0);
  store<i32>(s + S_HEAP_SIZE, 0);
  store<i32>(s + S_STEP, 0);
  store<i32>(s + S_N_TOUCHED, 0);
  store<i32>(s + S_OVERFLOW, 0);
  const nWords = st(s, S_N_WORDS);
  const sym = stp(s, S_SYM);
  for (let w = 0; w < nWords; w++) {
    store<i32>(stp(s, S_WORD_STAMP) + (<usize>w << 2), -1);
    const start = sym + (<usize>load<i32>(stp(s, S_WORD_START) + (<usize>w << 2)) << 2);
    const len = load<i32>(stp(s, S_WORD_LEN) + (<usize>w << 2));
    const count = load<i32>(stp(s, S_WORD_COUNT) + (<usize>w << 2));
    for (let i = 0; i + 1 < len; i++) {
      addPair(s, load<i32>(start + (<usize>i << 2)), load<i32>(start + (<usize>(i + 1) << 2)), count, w);
    }
  }
  const nt = st(s, S_N_TOUCHED);
  const pairs = stp(s, S_PAIRS);
  for (let k = 0; k < nt; k++) {
    const p = load<i32>(stp(s, S_TOUCHED) + (<usize>k << 2));
    trainHeapPush(s, load<i32>(pairs + (<usize>p << 4), 8), p);
  }
  store<i32>(s + S_N_TOUCHED, 0);
  return st(s, S_OVERFLOW) != 0 ? -1 : 0;
}

// The pair to merge next: highest count ≥ minFrequency (ties to the smaller ids), or -1 when none.
export function bpeTrainNext(s: usize, minFrequency: i32): i32 {
  const pairs = stp(s, S_PAIRS);
  const heap = stp(s, S_HEAP);
  while (st(s, S_HEAP_SIZE) > 0) {
    const c = load<i32>(heap);
    const p = load<i32>(heap, 4);
    const now = load<i32>(pairs + (<usize>p << 4), 8);
    if (c != now) {
      trainHeapPop(s);
      if (now > 0) trainHeapPush(s, now, p);
      continue;
    }
    if (c < 1 || c < minFrequency) return -1;
    return p;
  }
  return -1;
}

// Replaces pair p by newId in every word that holds it, left to right without overlap, updating
// neighbour pair counts exactly as Hugging Face's Word::merge reports them. Returns 0, or -1 on
// buffer overflow.
export function bpeTrainMerge(s: usize, p: i32, newId: i32): i32 {
  const pairs = stp(s, S_PAIRS);
  const e = pairs + (<usize>p << 4);
  const a = load<i32>(e), b = load<i32>(e, 4);
  trainHeapPop(s);
  const step = st(s, S_STEP) + 1;
  store<i32>(s + S_STEP, step);
  store<i32>(s + S_N_TOUCHED, 0);
  const sym = stp(s, S_SYM);
  const occ = stp(s, S_OCC);
  let node = load<i32>(e, 12);
  store<i32>(e, -1, 12);
  while (node >= 0) {
    const w = load<i32>(occ + (<usize>node << 3));
    node = load<i32>(occ + (<usize>node << 3), 4);
    const stamp = stp(s, S_WORD_STAMP) + (<usize>w << 2);
    if (load<i32>(stamp) == step) continue;
    store<i32>(stamp, step);
    const start = sym + (<usize>load<i32>(stp(s, S_WORD_START) + (<usize>w << 2)) << 2);
    const lenPtr = stp(s, S_WORD_LEN) + (<usize>w << 2);
    const len = load<i32>(lenPtr);
    const count = load<i32>(stp(s, S_WORD_COUNT) + (<usize>w << 2));
    let out = 0;
    let i = 0;
    while (i < len) {
      const x = load<i32>(start + (<usize>i << 2));
      if (x == a && i + 1 < len && load<i32>(start + (<usize>(i + 1) << 2)) == b) {
        if (out > 0) {
          const left = load<i32>(start + (<usize>(out - 1) << 2));
          addPair(s, left, a, -count, w);
          addPair(s, left, newId, count, w);
        }
        if (i + 2 < len) {
          const right = load<i32>(start + (<usize>(i + 2) << 2));
          addPair(s, b, right, -count, w);
          addPair(s, newId, right, count, w);
        }
        store<i32>(e, load<i32>(e, 8) - count, 8);
        store<i32>(start + (<usize>out << 2), newId);
        out++;
        i += 2;
      } else {
        store<i32>(start + (<usize>out << 2), x);
        out++;
        i++;
      }
    }
    store<i32>(lenPtr, out);
  }
  const nt = st(s, S_N_TOUCHED);
  for (let k = 0; k < nt; k++) {
    const q = load<i32>(stp(s, S_TOUCHED) + (<usize>k << 2));
    const c = load<i32>(pairs + (<usize>q << 4), 8);
    if (c > 0) trainHeapPush(s, c, q);
  }
  return st(s, S_OVERFLOW) != 0 ? -1 : 0;
}
