// Exact k nearest neighbours of every row among the others (sklearn NearestNeighbors.kneighbors()
// with no query: a point is not its own neighbour), by brute force: the squared distances of 4 query
// rows to all rows come from the k-means distance block (‖y‖² − 2·x·y, f32x4), a bounded max-heap
// keeps the k smallest, and the k winners are measured again by direct differences in f64 and
// sorted, so the reported distances do not carry the cancellation of the fast formula.

import { KnnJob } from "./abi";
import { claim } from "./parallel";
import { distanceBlock, sqDist64 } from "./kmeans";

@inline function ptr(record: usize, field: i32): usize {
  return <usize>load<u32>(record + field);
}

// (dist, index) is larger than (d2, j): by distance, then by index, so ties keep the lower index.
@inline function larger(dist: f32, index: i32, d2: f32, j: i32): bool {
  return dist > d2 || (dist == d2 && index > j);
}

// Max-heap of `size` entries (hd: f32 distances, hi: i32 indices) with the largest at the root.
function siftDown(hd: usize, hi: usize, size: i32, at: i32): void {
  const dv = load<f32>(hd + (<usize>at << 2));
  const iv = load<i32>(hi + (<usize>at << 2));
  for (;;) {
    let c = 2 * at + 1;
    if (c >= size) break;
    const r = c + 1;
    if (r < size && larger(load<f32>(hd + (<usize>r << 2)), load<i32>(hi + (<usize>r << 2)), load<f32>(hd + (<usize>c << 2)), load<i32>(hi + (<usize>c << 2)))) c = r;
    const cd = load<f32>(hd + (<usize>c << 2));
    const ci = load<i32>(hi + (<usize>c << 2));
    if (!larger(cd, ci, dv, iv)) break;
    store<f32>(hd + (<usize>at << 2), cd);
    store<i32>(hi + (<usize>at << 2), ci);
    at = c;
  }
  store<f32>(hd + (<usize>at << 2), dv);
  store<i32>(hi + (<usize>at << 2), iv);
}

function siftUp(hd: usize, hi: usize, at: i32): void {
  const dv = load<f32>(hd + (<usize>at << 2));
  const iv = load<i32>(hi + (<usize>at << 2));
  while (at > 0) {
    const p = (at - 1) >> 1;
    const pd = load<f32>(hd + (<usize>p << 2));
    const pi = load<i32>(hi + (<usize>p << 2));
    if (!larger(dv, iv, pd, pi)) break;
    store<f32>(hd + (<usize>at << 2), pd);
    store<i32>(hi + (<usize>at << 2), pi);
    at = p;
  }
  store<f32>(hd + (<usize>at << 2), dv);
  store<i32>(hi + (<usize>at << 2), iv);
}

// The k nearest rows to row `row` from its distance block line b ([nPad] of ‖y‖² − 2·x·y).
function selectRow(job: usize, row: i32, b: usize, hd: usize, hi: usize): void {
  const n = load<i32>(job + KnnJob.n);
  const d = load<i32>(job + KnnJob.d);
  const k = load<i32>(job + KnnJob.k);
  const x = ptr(job, KnnJob.x);
  const xn = load<f32>(ptr(job, KnnJob.xNorm) + (<usize>row << 2));
  let size = 0;
  for (let j = 0; j < n; j++) {
    if (j == row) continue;
    const d2 = max<f32>(xn + load<f32>(b + (<usize>j << 2)), 0);
    if (size < k) {
      store<f32>(hd + (<usize>size << 2), d2);
      store<i32>(hi + (<usize>size << 2), j);
      siftUp(hd, hi, size);
      size++;
    } else if (larger(load<f32>(hd), load<i32>(hi), d2, j)) {
      store<f32>(hd, d2);
      store<i32>(hi, j);
      siftDown(hd, hi, k, 0);
    }
  }
  // Exact distances of the winners, then insertion sort by (distance, index).
  const rowBytes = <usize>d << 2;
  const xr = x + <usize>row * rowBytes;
  for (let t = 0; t < k; t++) {
    const j = load<i32>(hi + (<usize>t << 2));
    store<f32>(hd + (<usize>t << 2), <f32>sqDist64(xr, x + <usize>j * rowBytes, d));
  }
  for (let t = 1; t < k; t++) {
    const dv = load<f32>(hd + (<usize>t << 2));
    const iv = load<i32>(hi + (<usize>t << 2));
    let s = t - 1;
    while (s >= 0 && larger(load<f32>(hd + (<usize>s << 2)), load<i32>(hi + (<usize>s << 2)), dv, iv)) {
      store<f32>(hd + (<usize>(s + 1) << 2), load<f32>(hd + (<usize>s << 2)));
      store<i32>(hi + (<usize>(s + 1) << 2), load<i32>(hi + (<usize>s << 2)));
      s--;
    }
    store<f32>(hd + (<usize>(s + 1) << 2), dv);
    store<i32>(hi + (<usize>(s + 1) << 2), iv);
  }
  const oi = ptr(job, KnnJob.indices) + (<usize>row * k << 2);
  const od = ptr(job, KnnJob.distances) + (<usize>row * k << 2);
  memory.copy(oi, hi, <usize>k << 2);
  memory.copy(od, hd, <usize>k << 2);
}

// Claims chunks of query rows until none remain (jobs.ts runs this on every participant). Scratch
// per participant: a [4, nPad] distance block, then the heap (k floats, k ints).
export function knnTiles(job: usize, worker: i32): void {
  const n = load<i32>(job + KnnJob.n);
  const d = load<i32>(job + KnnJob.d);
  const nPad = load<i32>(job + KnnJob.nPad);
  const k = load<i32>(job + KnnJob.k);
  const chunkRows = load<i32>(job + KnnJob.chunkRows);
  const x = ptr(job, KnnJob.x);
  const rowBytes = <usize>d << 2;
  const slice = ptr(job, KnnJob.slices) + <usize>worker * <usize>load<i32>(job + KnnJob.sliceBytes);
  const block = slice;
  const hd = block + (<usize>(4 * nPad) << 2);
  const hi = hd + (<usize>k << 2);
  for (;;) {
    const t = claim(job);
    if (t < 0) break;
    const i0 = t * chunkRows;
    const i1 = min(n, i0 + chunkRows);
    for (let i = i0; i < i1; i += 4) {
      const rows = min(4, i1 - i);
      const x0 = x + <usize>i * rowBytes;
      distanceBlock(x0, x0 + (rows > 1 ? rowBytes : 0), x0 + (rows > 2 ? 2 * rowBytes : 0), x0 + (rows > 3 ? 3 * rowBytes : 0),
        d, ptr(job, KnnJob.packed), ptr(job, KnnJob.norms), nPad, block);
      for (let r = 0; r < rows; r++) selectRow(job, i + r, block + (<usize>(r * nPad) << 2), hd, hi);
    }
  }
}
