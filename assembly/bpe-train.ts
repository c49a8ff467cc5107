// Byte-pair encoding training (Sennrich et al. 2016) over raw pointers, with incremental pair counts
// in the style of Hugging Face's BpeTrainer: pair occurrence lists, a lazy max-heap, per-merge
// updates. The state record's layout is BpeTrainState in abi.ts. Nothing here allocates.

import { BpeTrainState } from "./abi";
import { mixPair } from "./bytekeys";

const EMPTY: i32 = -1;

// The caller lays out the state record and the buffers it points to; words are pre-tokenized pieces
// as symbol ids with a count each. Pair counts are kept exact after every merge by touching only the
// words that hold the merged pair (found through per-pair occurrence lists). The heap orders by
// count, then the smaller (left, right) id pair — Hugging Face's tie-break — and is lazy: stale
// counts are re-queued on pop.

@inline function st(s: usize, slot: usize): i32 { return load<i32>(s + slot); }
@inline function stp(s: usize, slot: usize): usize { return <usize>load<i32>(s + slot); }

// Pair index of (a, b), created with count 0 when absent; -1 when the pair store is full.
function pairIndex(s: usize, a: i32, b: i32): i32 {
  const table = stp(s, BpeTrainState.table);
  const mask = st(s, BpeTrainState.tableMask);
  const pairs = stp(s, BpeTrainState.pairs);
  let i = <i32>(mixPair(a, b) & <u32>mask);
  while (true) {
    const slot = table + (<usize>i << 2);
    const p = load<i32>(slot);
    if (p == EMPTY) break;
    const e = pairs + (<usize>p << 4);
    if (load<i32>(e) == a && load<i32>(e, 4) == b) return p;
    i = (i + 1) & mask;
  }
  const np = st(s, BpeTrainState.nPairs);
  if (np >= st(s, BpeTrainState.maxPairs)) { store<i32>(s + BpeTrainState.overflow, 1); return -1; }
  const e = pairs + (<usize>np << 4);
  store<i32>(e, a);
  store<i32>(e, b, 4);
  store<i32>(e, 0, 8);
  store<i32>(e, -1, 12);
  store<i32>(stp(s, BpeTrainState.pairStamp) + (<usize>np << 2), -1);
  store<i32>(table + (<usize>i << 2), np);
  store<i32>(s + BpeTrainState.nPairs, np + 1);
  return np;
}

function addOccurrence(s: usize, p: i32, w: i32): void {
  const n = st(s, BpeTrainState.nOcc);
  if (n >= st(s, BpeTrainState.occCap)) { store<i32>(s + BpeTrainState.overflow, 1); return; }
  const node = stp(s, BpeTrainState.occ) + (<usize>n << 3);
  const e = stp(s, BpeTrainState.pairs) + (<usize>p << 4);
  store<i32>(node, w);
  store<i32>(node, load<i32>(e, 12), 4);
  store<i32>(e, n, 12);
  store<i32>(s + BpeTrainState.nOcc, n + 1);
}

// Adds delta to the count of (a, b); a rise records the word as an occurrence and marks the pair
// for re-queueing at the end of the step.
function addPair(s: usize, a: i32, b: i32, delta: i32, w: i32): void {
  const p = pairIndex(s, a, b);
  if (p < 0) return;
  const e = stp(s, BpeTrainState.pairs) + (<usize>p << 4);
  store<i32>(e, load<i32>(e, 8) + delta, 8);
  if (delta > 0) {
    addOccurrence(s, p, w);
    const stamps = stp(s, BpeTrainState.pairStamp) + (<usize>p << 2);
    const step = st(s, BpeTrainState.step);
    if (load<i32>(stamps) != step) {
      store<i32>(stamps, step);
      const nt = st(s, BpeTrainState.nTouched);
      if (nt < st(s, BpeTrainState.maxPairs)) {
        store<i32>(stp(s, BpeTrainState.touched) + (<usize>nt << 2), p);
        store<i32>(s + BpeTrainState.nTouched, nt + 1);
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
  const heap = stp(s, BpeTrainState.heap);
  const pairs = stp(s, BpeTrainState.pairs);
  let i = st(s, BpeTrainState.heapSize);
  if (i >= st(s, BpeTrainState.heapCap)) { store<i32>(s + BpeTrainState.overflow, 1); return; }
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pe = heap + (<usize>parent << 3);
    if (!heapAbove(pairs, count, p, load<i32>(pe), load<i32>(pe, 4))) break;
    store<u64>(heap + (<usize>i << 3), load<u64>(pe));
    i = parent;
  }
  store<i32>(heap + (<usize>i << 3), count);
  store<i32>(heap + (<usize>i << 3), p, 4);
  store<i32>(s + BpeTrainState.heapSize, st(s, BpeTrainState.heapSize) + 1);
}

function trainHeapPop(s: usize): void {
  const heap = stp(s, BpeTrainState.heap);
  const pairs = stp(s, BpeTrainState.pairs);
  const n = st(s, BpeTrainState.heapSize) - 1;
  store<i32>(s + BpeTrainState.heapSize, n);
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
  const table = stp(s, BpeTrainState.table);
  const mask = st(s, BpeTrainState.tableMask);
  for (let i = 0; i <= mask; i++) store<i32>(table + (<usize>i << 2), EMPTY);
  store<i32>(s + BpeTrainState.nPairs, 0);
  store<i32>(s + BpeTrainState.nOcc, 0);
  store<i32>(s + BpeTrainState.heapSize, 0);
  store<i32>(s + BpeTrainState.step, 0);
  store<i32>(s + BpeTrainState.nTouched, 0);
  store<i32>(s + BpeTrainState.overflow, 0);
  const nWords = st(s, BpeTrainState.nWords);
  const sym = stp(s, BpeTrainState.sym);
  for (let w = 0; w < nWords; w++) {
    store<i32>(stp(s, BpeTrainState.wordStamp) + (<usize>w << 2), -1);
    const start = sym + (<usize>load<i32>(stp(s, BpeTrainState.wordStart) + (<usize>w << 2)) << 2);
    const len = load<i32>(stp(s, BpeTrainState.wordLen) + (<usize>w << 2));
    const count = load<i32>(stp(s, BpeTrainState.wordCount) + (<usize>w << 2));
    for (let i = 0; i + 1 < len; i++) {
      addPair(s, load<i32>(start + (<usize>i << 2)), load<i32>(start + (<usize>(i + 1) << 2)), count, w);
    }
  }
  const nt = st(s, BpeTrainState.nTouched);
  const pairs = stp(s, BpeTrainState.pairs);
  for (let k = 0; k < nt; k++) {
    const p = load<i32>(stp(s, BpeTrainState.touched) + (<usize>k << 2));
    trainHeapPush(s, load<i32>(pairs + (<usize>p << 4), 8), p);
  }
  store<i32>(s + BpeTrainState.nTouched, 0);
  return st(s, BpeTrainState.overflow) != 0 ? -1 : 0;
}

// The pair to merge next: highest count ≥ minFrequency (ties to the smaller ids), or -1 when none.
export function bpeTrainNext(s: usize, minFrequency: i32): i32 {
  const pairs = stp(s, BpeTrainState.pairs);
  const heap = stp(s, BpeTrainState.heap);
  while (st(s, BpeTrainState.heapSize) > 0) {
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
  const pairs = stp(s, BpeTrainState.pairs);
  const e = pairs + (<usize>p << 4);
  const a = load<i32>(e), b = load<i32>(e, 4);
  trainHeapPop(s);
  const step = st(s, BpeTrainState.step) + 1;
  store<i32>(s + BpeTrainState.step, step);
  store<i32>(s + BpeTrainState.nTouched, 0);
  const sym = stp(s, BpeTrainState.sym);
  const occ = stp(s, BpeTrainState.occ);
  let node = load<i32>(e, 12);
  store<i32>(e, -1, 12);
  while (node >= 0) {
    const w = load<i32>(occ + (<usize>node << 3));
    node = load<i32>(occ + (<usize>node << 3), 4);
    const stamp = stp(s, BpeTrainState.wordStamp) + (<usize>w << 2);
    if (load<i32>(stamp) == step) continue;
    store<i32>(stamp, step);
    const start = sym + (<usize>load<i32>(stp(s, BpeTrainState.wordStart) + (<usize>w << 2)) << 2);
    const lenPtr = stp(s, BpeTrainState.wordLen) + (<usize>w << 2);
    const len = load<i32>(lenPtr);
    const count = load<i32>(stp(s, BpeTrainState.wordCount) + (<usize>w << 2));
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
  const nt = st(s, BpeTrainState.nTouched);
  for (let k = 0; k < nt; k++) {
    const q = load<i32>(stp(s, BpeTrainState.touched) + (<usize>k << 2));
    const c = load<i32>(pairs + (<usize>q << 4), 8);
    if (c > 0) trainHeapPush(s, c, q);
  }
  return st(s, BpeTrainState.overflow) != 0 ? -1 : 0;
}
