// Exact k-nearest-neighbour search over a flat matrix, like faiss IndexFlatIP / IndexFlatL2: every
// stored row is scored against every query — blocked dot products (or squared differences), four
// queries × two rows per step so each loaded row serves four queries — and a bounded min-heap per
// query keeps the k best (score descending, then row ascending, so ties are deterministic). Rows
// are zero-padded to a multiple of 4, so the SIMD loops have no tails. A tile is a (query block,
// row chunk) pair; with several chunks the caller merges the per-chunk lists (vectorTopkMerge).

import { Metric, SearchJob } from "./abi";
import { claim } from "./parallel";

// Rows scored per step of a tile before their scores enter the heaps: 64 rows of d = 128 are
// 32 KiB, which stay in L1/L2 while the tile's query groups pass over them.
const ROW_BLOCK = 64;

@inline function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  else return f32x4.add(f32x4.mul(a, b), c);
}

// [Σa, Σb, Σc, Σd]: four horizontal sums in six shuffles and three adds.
@inline function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(i32x4.shuffle(a, b, 0, 4, 1, 5), i32x4.shuffle(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(i32x4.shuffle(c, d, 0, 4, 1, 5), i32x4.shuffle(c, d, 2, 6, 3, 7));
  return f32x4.add(i32x4.shuffle(ab, cd, 0, 1, 4, 5), i32x4.shuffle(ab, cd, 2, 3, 6, 7));
}

// One term of the score: q·x (ip, cosine) or (q − x)² (l2) added to acc.
@inline function term(q: v128, x: v128, acc: v128, l2: bool): v128 {
  if (l2) {
    const d = f32x4.sub(q, x);
    return fma(d, d, acc);
  }
  return fma(q, x, acc);
}

// scores[r·4 + qi] for rows r of [0, nr) and 4 queries at q (stride dimPad): 4 queries × 2 rows.
@inline function scoreBlock4(q: usize, x: usize, nr: i32, dimPad: i32, scores: usize, l2: bool): void {
  const stride = <usize>dimPad << 2;
  const q1 = q + stride, q2 = q1 + stride, q3 = q2 + stride;
  let r = 0;
  for (; r + 2 <= nr; r += 2) {
    const x0 = x + <usize>r * stride, x1 = x0 + stride;
    let a00 = f32x4.splat(0), a10 = f32x4.splat(0), a20 = f32x4.splat(0), a30 = f32x4.splat(0);
    let a01 = f32x4.splat(0), a11 = f32x4.splat(0), a21 = f32x4.splat(0), a31 = f32x4.splat(0);
    for (let k: usize = 0; k < stride; k += 16) {
      const v0 = v128.load(x0 + k), v1 = v128.load(x1 + k);
      const u0 = v128.load(q + k), u1 = v128.load(q1 + k), u2 = v128.load(q2 + k), u3 = v128.load(q3 + k);
      a00 = term(u0, v0, a00, l2); a10 = term(u1, v0, a10, l2); a20 = term(u2, v0, a20, l2); a30 = term(u3, v0, a30, l2);
      a01 = term(u0, v1, a01, l2); a11 = term(u1, v1, a11, l2); a21 = term(u2, v1, a21, l2); a31 = term(u3, v1, a31, l2);
    }
    v128.store(scores + (<usize>r << 4), hsum4(a00, a10, a20, a30));
    v128.store(scores + (<usize>(r + 1) << 4), hsum4(a01, a11, a21, a31));
  }
  for (; r < nr; r++) {
    const x0 = x + <usize>r * stride;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let k: usize = 0; k < stride; k += 16) {
      const v0 = v128.load(x0 + k);
      a0 = term(v128.load(q + k), v0, a0, l2); a1 = term(v128.load(q1 + k), v0, a1, l2);
      a2 = term(v128.load(q2 + k), v0, a2, l2); a3 = term(v128.load(q3 + k), v0, a3, l2);
    }
    v128.store(scores + (<usize>r << 4), hsum4(a0, a1, a2, a3));
  }
}

// scores[r] for rows r of [0, nr) and one query: 1 query × 4 rows.
@inline function scoreBlock1(q: usize, x: usize, nr: i32, dimPad: i32, scores: usize, l2: bool): void {
  const stride = <usize>dimPad << 2;
  let r = 0;
  for (; r + 4 <= nr; r += 4) {
    const x0 = x + <usize>r * stride, x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let k: usize = 0; k < stride; k += 16) {
      const u = v128.load(q + k);
      a0 = term(u, v128.load(x0 + k), a0, l2); a1 = term(u, v128.load(x1 + k), a1, l2);
      a2 = term(u, v128.load(x2 + k), a2, l2); a3 = term(u, v128.load(x3 + k), a3, l2);
    }
    v128.store(scores + (<usize>r << 2), hsum4(a0, a1, a2, a3));
  }
  for (; r < nr; r++) {
    const x0 = x + <usize>r * stride;
    let a0 = f32x4.splat(0);
    for (let k: usize = 0; k < stride; k += 16) a0 = term(v128.load(q + k), v128.load(x0 + k), a0, l2);
    const h = f32x4.add(a0, i32x4.shuffle(a0, a0, 2, 3, 0, 1));
    store<f32>(scores + (<usize>r << 2), f32x4.extract_lane(h, 0) + f32x4.extract_lane(h, 1));
  }
}

// a ranks before b: higher score, then lower row.
@inline function better(as: f32, ar: i32, bs: f32, br: i32): bool {
  return as > bs || (as == bs && ar < br);
}

// A min-heap (worst at the root) of `size` entries in hs / hr.
@inline function siftDown(hs: usize, hr: usize, size: i32, at: i32): void {
  let i = at;
  const s = load<f32>(hs + (<usize>i << 2)), r = load<i32>(hr + (<usize>i << 2));
  while (true) {
    let c = 2 * i + 1;
    if (c >= size) break;
    let cs = load<f32>(hs + (<usize>c << 2)), cr = load<i32>(hr + (<usize>c << 2));
    if (c + 1 < size) {
      const ds = load<f32>(hs + (<usize>(c + 1) << 2)), dr = load<i32>(hr + (<usize>(c + 1) << 2));
      if (better(cs, cr, ds, dr)) { c++; cs = ds; cr = dr; }
    }
    if (!better(s, r, cs, cr)) break;
    store<f32>(hs + (<usize>i << 2), cs);
    store<i32>(hr + (<usize>i << 2), cr);
    i = c;
  }
  store<f32>(hs + (<usize>i << 2), s);
  store<i32>(hr + (<usize>i << 2), r);
}

@inline function siftUp(hs: usize, hr: usize, at: i32): void {
  let i = at;
  const s = load<f32>(hs + (<usize>i << 2)), r = load<i32>(hr + (<usize>i << 2));
  while (i > 0) {
    const p = (i - 1) >> 1;
    const ps = load<f32>(hs + (<usize>p << 2)), pr = load<i32>(hr + (<usize>p << 2));
    if (!better(ps, pr, s, r)) break;
    store<f32>(hs + (<usize>i << 2), ps);
    store<i32>(hr + (<usize>i << 2), pr);
    i = p;
  }
  store<f32>(hs + (<usize>i << 2), s);
  store<i32>(hr + (<usize>i << 2), r);
}

// Offers (s, row) to a heap holding `size` of k entries; returns the new size.
@inline function offer(hs: usize, hr: usize, size: i32, k: i32, s: f32, row: i32): i32 {
  if (size < k) {
    store<f32>(hs + (<usize>size << 2), s);
    store<i32>(hr + (<usize>size << 2), row);
    siftUp(hs, hr, size);
    return size + 1;
  }
  if (better(s, row, load<f32>(hs), load<i32>(hr))) {
    store<f32>(hs, s);
    store<i32>(hr, row);
    siftDown(hs, hr, k, 0);
  }
  return size;
}

// Turns a heap of `size` entries into a list sorted best first, padded to k with (NaN, -1).
function heapToList(hs: usize, hr: usize, size: i32, k: i32): void {
  for (let n = size; n > 1; n--) {
    const last = n - 1;
    const ts = load<f32>(hs), tr = load<i32>(hr);
    store<f32>(hs, load<f32>(hs + (<usize>last << 2)));
    store<i32>(hr, load<i32>(hr + (<usize>last << 2)));
    store<f32>(hs + (<usize>last << 2), ts);
    store<i32>(hr + (<usize>last << 2), tr);
    siftDown(hs, hr, last, 0);
  }
  for (let i = size; i < k; i++) {
    store<f32>(hs + (<usize>i << 2), NaN);
    store<i32>(hr + (<usize>i << 2), -1);
  }
}

// The tile's scores for a block of rows enter the heaps of its queries. Scores are turned so that
// larger is better: cosine multiplies by 1/‖x‖ and skips zero rows, l2 negates the distance.
@inline function offerBlock(scores: usize, nqb: i32, qStride: i32, row0: i32, nr: i32, invNorm: usize, metric: i32,
  outS: usize, outR: usize, k: i32, sizes: usize): void {
  for (let qi = 0; qi < nqb; qi++) {
    const hs = outS + (<usize>(qi * k) << 2), hr = outR + (<usize>(qi * k) << 2);
    let size = load<i32>(sizes + (<usize>qi << 2));
    for (let r = 0; r < nr; r++) {
      let s = load<f32>(scores + (<usize>(r * qStride + qi) << 2));
      const row = row0 + r;
      if (metric == Metric.cosine) {
        const inv = load<f32>(invNorm + (<usize>row << 2));
        if (inv == 0) continue;
        s *= inv;
      } else if (metric == Metric.l2) {
        s = -s;
      }
      if (size == k && !better(s, row, load<f32>(hs), load<i32>(hr))) continue;
      size = offer(hs, hr, size, k, s, row);
    }
    store<i32>(sizes + (<usize>qi << 2), size);
  }
}

// Scratch of one participant: scores of ROW_BLOCK rows × 4 queries and the heap sizes of 4 queries.
const TILE_SCRATCH_BYTES: usize = ROW_BLOCK * 4 * 4 + 64;

export function vectorSearchScratchBytes(): i32 {
  return <i32>TILE_SCRATCH_BYTES;
}

function searchTile(job: usize, tile: i32, worker: i32): void {
  const base = <usize>load<u32>(job + SearchJob.base);
  const invNorm = <usize>load<u32>(job + SearchJob.invNorm);
  const rows = load<i32>(job + SearchJob.rows);
  const dimPad = load<i32>(job + SearchJob.dimPad);
  const queries = <usize>load<u32>(job + SearchJob.queries);
  const nq = load<i32>(job + SearchJob.nq);
  const k = load<i32>(job + SearchJob.k);
  const metric = load<i32>(job + SearchJob.metric);
  const qBlock = load<i32>(job + SearchJob.queryBlock);
  const chunks = load<i32>(job + SearchJob.chunks);
  const chunkRows = load<i32>(job + SearchJob.chunkRows);
  const block = tile / chunks, chunk = tile % chunks;
  const q0 = block * qBlock, q1 = min(nq, q0 + qBlock);
  const r0 = chunk * chunkRows, r1 = min(rows, r0 + chunkRows);
  const stride = <usize>dimPad << 2;
  const l2 = metric == Metric.l2;
  const scratch = <usize>load<u32>(job + SearchJob.scratch) + <usize>worker * TILE_SCRATCH_BYTES;
  const scores = scratch, sizes = scratch + ROW_BLOCK * 16;
  const outS0 = <usize>load<u32>(job + SearchJob.outScores) + (<usize>(chunk * nq) * <usize>k << 2);
  const outR0 = <usize>load<u32>(job + SearchJob.outRows) + (<usize>(chunk * nq) * <usize>k << 2);
  for (let g = q0; g < q1; g += 4) {
    const nqb = min(4, q1 - g);
    const outS = outS0 + (<usize>(g * k) << 2), outR = outR0 + (<usize>(g * k) << 2);
    memory.fill(sizes, 0, 16);
    for (let r = r0; r < r1; r += ROW_BLOCK) {
      const nr = min(ROW_BLOCK, r1 - r);
      const x = base + <usize>r * stride;
      const q = queries + <usize>g * stride;
      if (nqb == 4) {
        if (l2) scoreBlock4(q, x, nr, dimPad, scores, true);
        else scoreBlock4(q, x, nr, dimPad, scores, false);
        offerBlock(scores, 4, 4, r, nr, invNorm, metric, outS, outR, k, sizes);
      } else {
        for (let qi = 0; qi < nqb; qi++) {
          if (l2) scoreBlock1(q + <usize>qi * stride, x, nr, dimPad, scores, true);
          else scoreBlock1(q + <usize>qi * stride, x, nr, dimPad, scores, false);
          offerBlock(scores, 1, 1, r, nr, invNorm, metric, outS + (<usize>(qi * k) << 2), outR + (<usize>(qi * k) << 2), k, sizes + (<usize>qi << 2));
        }
      }
    }
    for (let qi = 0; qi < nqb; qi++) {
      const hs = outS + (<usize>(qi * k) << 2), hr = outR + (<usize>(qi * k) << 2);
      heapToList(hs, hr, load<i32>(sizes + (<usize>qi << 2)), k);
      if (l2) for (let i = 0; i < k; i++) store<f32>(hs + (<usize>i << 2), -load<f32>(hs + (<usize>i << 2)));
    }
  }
}

// Runs tiles of a prepared search job as participant `worker` (jobs.ts).
export function vectorSearchTiles(job: usize, worker: i32): void {
  for (let t = claim(job); t >= 0; t = claim(job)) searchTile(job, t, worker);
}

// Merges `chunks` sorted lists per query (scores [chunks, nq, k], rows alike) into the first
// chunk's slot: the k best of all, best first. l2 lists are ascending distances.
export function vectorTopkMerge(scores: usize, rows: usize, chunks: i32, nq: i32, k: i32, metric: i32, tmpS: usize, tmpR: usize, heads: usize): void {
  const sign: f32 = metric == Metric.l2 ? -1 : 1;
  const listBytes = <usize>(nq * k) << 2;
  for (let q = 0; q < nq; q++) {
    memory.fill(heads, 0, <usize>chunks << 2);
    for (let i = 0; i < k; i++) {
      let best = -1, bs: f32 = 0, br = 0;
      for (let c = 0; c < chunks; c++) {
        const h = load<i32>(heads + (<usize>c << 2));
        if (h >= k) continue;
        const at = <usize>c * listBytes + (<usize>(q * k + h) << 2);
        const r = load<i32>(rows + at);
        if (r < 0) continue;
        const s = sign * load<f32>(scores + at);
        if (best < 0 || better(s, r, bs, br)) { best = c; bs = s; br = r; }
      }
      if (best < 0) {
        store<f32>(tmpS + (<usize>i << 2), NaN);
        store<i32>(tmpR + (<usize>i << 2), -1);
      } else {
        store<i32>(heads + (<usize>best << 2), load<i32>(heads + (<usize>best << 2)) + 1);
        store<f32>(tmpS + (<usize>i << 2), sign * bs);
        store<i32>(tmpR + (<usize>i << 2), br);
      }
    }
    memory.copy(scores + (<usize>(q * k) << 2), tmpS, <usize>k << 2);
    memory.copy(rows + (<usize>(q * k) << 2), tmpR, <usize>k << 2);
  }
}

// out[r] = score of row r of [0, rows) against one query: q·x (ip), q·x/‖x‖ (cosine; 0 for a zero
// row) or ‖q − x‖² (l2). Every row, unsorted (most_similar with topn = None, 3CosMul).
export function vectorScoresAll(base: usize, invNorm: usize, rows: i32, dimPad: i32, query: usize, metric: i32, out: usize): void {
  const l2 = metric == Metric.l2;
  for (let r = 0; r < rows; r += ROW_BLOCK) {
    const nr = min(ROW_BLOCK, rows - r);
    const x = base + <usize>r * (<usize>dimPad << 2);
    const o = out + (<usize>r << 2);
    if (l2) scoreBlock1(query, x, nr, dimPad, o, true);
    else scoreBlock1(query, x, nr, dimPad, o, false);
    if (metric == Metric.cosine) {
      for (let i = 0; i < nr; i++) store<f32>(o + (<usize>i << 2), load<f32>(o + (<usize>i << 2)) * load<f32>(invNorm + (<usize>(r + i) << 2)));
    }
  }
}

// invNorm[r] = 1/‖x_r‖ (0 for a zero row) for rows [0, rows), computed in float64.
export function vectorInvNorms(base: usize, rows: i32, dimPad: i32, invNorm: usize): void {
  for (let r = 0; r < rows; r++) {
    const x = base + <usize>r * (<usize>dimPad << 2);
    let s: f64 = 0;
    for (let k = 0; k < dimPad; k++) {
      const v = <f64>load<f32>(x + (<usize>k << 2));
      s += v * v;
    }
    store<f32>(invNorm + (<usize>r << 2), s > 0 ? <f32>(1.0 / Math.sqrt(s)) : 0);
  }
}
