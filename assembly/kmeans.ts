// k-means passes over f32 rows, after scikit-learn 1.2 (sklearn/cluster/_k_means_lloyd.pyx,
// _k_means_elkan.pyx, _kmeans.py _kmeans_plusplus). Lloyd's assignment finds the nearest centre as
// argmin_j ‖c_j‖² − 2·x·c_j, computed 4 rows × 8 centres at a time by a register-blocked f32x4
// kernel over centres packed in panels of 8 (the gemm micro-kernel with the rows read in place);
// Elkan's pass (Elkan 2003) skips centres its triangle-inequality bounds rule out and measures the
// rest directly. One job advances several restarts at once: a tile is (run, chunk of rows), and each
// tile writes its own partial sums, so the result does not depend on how many threads ran it.

import { KMeansFlag, KMeansJob, KMeansPhase, KMeansRun } from "./abi";
import { claim } from "./parallel";

// Rows whose cluster sums are accumulated in f32 before they are added into the chunk's f64 sums:
// 256 rows of centred data keep the f32 sum within ~1e-6 relative, and the f32 adds cost a third of
// f64 ones (four lanes instead of two, no conversion).
const FLUSH_ROWS = 256;

@inline function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  else return f32x4.add(f32x4.mul(a, b), c);
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

@inline function ptr(record: usize, field: i32): usize {
  return <usize>load<u32>(record + field);
}

// ‖a − b‖² over d floats, in f32 (Elkan's distances, like sklearn's _euclidean_dense_dense).
@inline function sqDist(a: usize, b: usize, d: i32): f32 {
  let s = f32x4.splat(0);
  const d4 = d & ~3;
  let q = 0;
  for (; q < d4; q += 4) {
    const t = f32x4.sub(v128.load(a + (<usize>q << 2)), v128.load(b + (<usize>q << 2)));
    s = fma(t, t, s);
  }
  let r = hsum(s);
  for (; q < d; q++) {
    const t = load<f32>(a + (<usize>q << 2)) - load<f32>(b + (<usize>q << 2));
    r += t * t;
  }
  return r;
}

// ‖a − b‖² over d floats with the differences and sums in f64 (the inertia that is reported).
export function sqDist64(a: usize, b: usize, d: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  const d4 = d & ~3;
  let q = 0;
  for (; q < d4; q += 4) {
    const va = v128.load(a + (<usize>q << 2)), vb = v128.load(b + (<usize>q << 2));
    const lo = f64x2.sub(f64x2.promote_low_f32x4(va), f64x2.promote_low_f32x4(vb));
    const hi = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(va, va, 2, 3, 0, 1)),
      f64x2.promote_low_f32x4(v128.shuffle<f32>(vb, vb, 2, 3, 0, 1)));
    s0 = f64x2.add(s0, f64x2.mul(lo, lo));
    s1 = f64x2.add(s1, f64x2.mul(hi, hi));
  }
  const s = f64x2.add(s0, s1);
  let r = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; q < d; q++) {
    const t = <f64>load<f32>(a + (<usize>q << 2)) - <f64>load<f32>(b + (<usize>q << 2));
    r += t * t;
  }
  return r;
}

// out[r, j] = norms[j] − 2·x_r·c_j for the four rows at x0..x3 (d floats each) and every packed
// centre j < kPad; out: [4, kPad] f32. 8 accumulators + 2 centre vectors + 1 row splat fit the 15
// xmm registers V8 gives WASM on x64 (see matmul.ts for why 4×8 and not larger).
export function distanceBlock(x0: usize, x1: usize, x2: usize, x3: usize, d: i32, packed: usize, norms: usize, kPad: i32, out: usize): void {
  const ldo = <usize>kPad << 2;
  const m2 = f32x4.splat(-2);
  const rowBytes = <usize>d << 2;
  for (let j0 = 0; j0 < kPad; j0 += 8) {
    let bp = packed + <usize>j0 * rowBytes; // panel j0/8 starts at j0·d floats
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    for (let q: usize = 0; q < rowBytes; q += 4) {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      let a = v128.load32_splat(x0 + q);
      c00 = fma(a, b0, c00);
      c01 = fma(a, b1, c01);
      a = v128.load32_splat(x1 + q);
      c10 = fma(a, b0, c10);
      c11 = fma(a, b1, c11);
      a = v128.load32_splat(x2 + q);
      c20 = fma(a, b0, c20);
      c21 = fma(a, b1, c21);
      a = v128.load32_splat(x3 + q);
      c30 = fma(a, b0, c30);
      c31 = fma(a, b1, c31);
      bp += 32;
    }
    const nb = norms + (<usize>j0 << 2);
    const n0 = v128.load(nb), n1 = v128.load(nb, 16);
    const o = out + (<usize>j0 << 2);
    v128.store(o, fma(m2, c00, n0));
    v128.store(o, fma(m2, c01, n1), 16);
    v128.store(o + ldo, fma(m2, c10, n0));
    v128.store(o + ldo, fma(m2, c11, n1), 16);
    v128.store(o + 2 * ldo, fma(m2, c20, n0));
    v128.store(o + 2 * ldo, fma(m2, c21, n1), 16);
    v128.store(o + 3 * ldo, fma(m2, c30, n0));
    v128.store(o + 3 * ldo, fma(m2, c31, n1), 16);
  }
}

// The first index of the smallest of b[0..kPad) (entries past k are +Infinity): a vector min over
// the row, then the first lane equal to it — no data-dependent branch per centre.
@inline function argminRow(b: usize, kPad: i32): i32 {
  let m = v128.load(b);
  for (let j = 4; j < kPad; j += 4) m = f32x4.min(m, v128.load(b + (<usize>j << 2)));
  m = f32x4.min(m, v128.shuffle<f32>(m, m, 2, 3, 0, 1));
  m = f32x4.min(m, v128.shuffle<f32>(m, m, 1, 0, 3, 2));
  for (let j = 0; j < kPad; j += 4) {
    const mask = i32x4.bitmask(f32x4.eq(v128.load(b + (<usize>j << 2)), m));
    if (mask != 0) return j + ctz(mask);
  }
  return 0;
}

// acc[0..d) += x[0..d)
@inline function addRow(acc: usize, x: usize, d: i32): void {
  const d4 = d & ~3;
  let q = 0;
  for (; q < d4; q += 4) {
    const p = <usize>q << 2;
    v128.store(acc + p, f32x4.add(v128.load(acc + p), v128.load(x + p)));
  }
  for (; q < d; q++) {
    const p = <usize>q << 2;
    store<f32>(acc + p, load<f32>(acc + p) + load<f32>(x + p));
  }
}

// The cluster sums of an update pass: each participant adds its rows into float32 accumulators in
// its slice (k·d sums, then k counts, after the [4, kPad] distance block) and flushes them every
// FLUSH_ROWS rows into the chunk's float64 sums and counts, so float32 never sums many rows.
@inline function tileAccumulators(slice: usize, kPad: i32): usize {
  return slice + (<usize>(4 * kPad) << 2);
}

// Zeroes the chunk's float64 sums and counts of `run` and the participant's accumulators.
function clearSums(run: usize, chunk: i32, acc: usize, k: i32, d: i32): void {
  memory.fill(ptr(run, KMeansRun.sums) + (<usize>chunk * k * d << 3), 0, <usize>(k * d) << 3);
  memory.fill(ptr(run, KMeansRun.counts) + (<usize>chunk * k << 3), 0, <usize>k << 3);
  memory.fill(acc, 0, <usize>(k * d + k) << 2);
}

// Adds the accumulators of the rows just seen into the chunk's float64 sums and counts, then clears them.
function flush(run: usize, chunk: i32, acc: usize, k: i32, d: i32): void {
  const kd = k * d;
  const cnt = acc + (<usize>kd << 2);
  const sums = ptr(run, KMeansRun.sums) + (<usize>chunk * k * d << 3);
  const counts = ptr(run, KMeansRun.counts) + (<usize>chunk * k << 3);
  for (let i = 0; i < kd; i++) {
    const p = <usize>i;
    store<f64>(sums + (p << 3), load<f64>(sums + (p << 3)) + <f64>load<f32>(acc + (p << 2)));
    store<f32>(acc + (p << 2), 0);
  }
  for (let j = 0; j < k; j++) {
    const p = <usize>j;
    store<f64>(counts + (p << 3), load<f64>(counts + (p << 3)) + <f64>load<f32>(cnt + (p << 2)));
    store<f32>(cnt + (p << 2), 0);
  }
}

// Row x, the nth (from 1) of the tile, joins cluster `label`.
@inline function addToCluster(run: usize, chunk: i32, acc: usize, x: usize, label: i32, nth: i32, k: i32, d: i32): void {
  addRow(acc + <usize>label * (<usize>d << 2), x, d);
  const c = acc + (<usize>(k * d + label) << 2);
  store<f32>(c, load<f32>(c) + 1);
  if ((nth & (FLUSH_ROWS - 1)) == 0) flush(run, chunk, acc, k, d);
}

// Ends a pass tile: flushes the accumulators (when updating) and reports the rows whose label
// changed and Σ‖x − c_label‖² (0 unless asked).
@inline function finishPass(run: usize, chunk: i32, acc: usize, k: i32, d: i32, update: bool, changed: i32, inertia: f64): void {
  if (update) flush(run, chunk, acc, k, d);
  store<i32>(ptr(run, KMeansRun.changed) + (<usize>chunk << 2), changed);
  store<f64>(ptr(run, KMeansRun.inertia) + (<usize>chunk << 3), inertia);
}

// distanceBlock for the `rows` (1 to 4) rows from x0; past the last row it repeats it (the extra
// results are ignored).
@inline function distanceRows(x0: usize, rows: i32, rowBytes: usize, d: i32, packed: usize, norms: usize, kPad: i32, block: usize): void {
  distanceBlock(x0, x0 + (rows > 1 ? rowBytes : 0), x0 + (rows > 2 ? 2 * rowBytes : 0), x0 + (rows > 3 ? 3 * rowBytes : 0),
    d, packed, norms, kPad, block);
}

// Stores row i's label; 1 if it changed, else 0.
@inline function setLabel(labels: usize, i: i32, label: i32): i32 {
  const lp = labels + (<usize>i << 2);
  const changed = load<i32>(lp) != label ? 1 : 0;
  store<i32>(lp, label);
  return changed;
}

// ‖x − c_j‖ (Elkan's f32 distance), recorded as the row's lower bound lb[j].
@inline function elkanDistance(x: usize, centres: usize, j: i32, rowBytes: usize, d: i32, lb: usize): f32 {
  const dist = sqrt<f32>(sqDist(x, centres + <usize>j * rowBytes, d));
  store<f32>(lb + (<usize>j << 2), dist);
  return dist;
}

// ---- tiles ----

// Lloyd's assignment over rows [i0, i1) of one run: labels, and with the flags the cluster sums and
// the inertia. Ties go to the lowest centre index, as in sklearn.
function assignTile(job: usize, run: usize, chunk: i32, i0: i32, i1: i32, slice: usize): void {
  const d = load<i32>(job + KMeansJob.d);
  const k = load<i32>(job + KMeansJob.k);
  const kPad = load<i32>(job + KMeansJob.kPad);
  const flags = load<i32>(job + KMeansJob.flags);
  const x = ptr(job, KMeansJob.x);
  const rowBytes = <usize>d << 2;
  const packed = ptr(run, KMeansRun.packed);
  const norms = ptr(run, KMeansRun.norms);
  const labels = ptr(run, KMeansRun.labels);
  const centres = ptr(run, KMeansRun.centres);
  const update = (flags & KMeansFlag.update) != 0;
  const withInertia = (flags & KMeansFlag.inertia) != 0;
  const block = slice;
  const acc = tileAccumulators(slice, kPad);
  if (update) clearSums(run, chunk, acc, k, d);
  let changed = 0;
  let inertia: f64 = 0;
  for (let i = i0; i < i1; i += 4) {
    const rows = min(4, i1 - i);
    const x0 = x + <usize>i * rowBytes;
    distanceRows(x0, rows, rowBytes, d, packed, norms, kPad, block);
    for (let r = 0; r < rows; r++) {
      const best = argminRow(block + (<usize>(r * kPad) << 2), kPad);
      const row = i + r;
      changed += setLabel(labels, row, best);
      const xr = x0 + <usize>r * rowBytes;
      if (update) addToCluster(run, chunk, acc, xr, best, row - i0 + 1, k, d);
      if (withInertia) inertia += sqDist64(xr, centres + <usize>best * rowBytes, d);
    }
  }
  finishPass(run, chunk, acc, k, d, update, changed, inertia);
}

// Elkan's bounds from scratch (sklearn init_bounds_dense): distances to the centres in order,
// skipping centre j when the best so far is within half the distance between it and j.
function elkanInitTile(job: usize, run: usize, chunk: i32, i0: i32, i1: i32): void {
  const d = load<i32>(job + KMeansJob.d);
  const k = load<i32>(job + KMeansJob.k);
  const x = ptr(job, KMeansJob.x);
  const rowBytes = <usize>d << 2;
  const centres = ptr(run, KMeansRun.centres);
  const labels = ptr(run, KMeansRun.labels);
  const upper = ptr(run, KMeansRun.upper);
  const lower = ptr(run, KMeansRun.lower);
  const half = ptr(run, KMeansRun.halfDist);
  let changed = 0;
  for (let i = i0; i < i1; i++) {
    const xi = x + <usize>i * rowBytes;
    const lb = lower + (<usize>i * k << 2);
    memory.fill(lb, 0, <usize>k << 2);
    let best = 0;
    let minDist = elkanDistance(xi, centres, 0, rowBytes, d, lb);
    for (let j = 1; j < k; j++) {
      if (minDist > load<f32>(half + (<usize>(best * k + j) << 2))) {
        const dist = elkanDistance(xi, centres, j, rowBytes, d, lb);
        if (dist < minDist) {
          minDist = dist;
          best = j;
        }
      }
    }
    changed += setLabel(labels, i, best);
    store<f32>(upper + (<usize>i << 2), minDist);
  }
  store<i32>(ptr(run, KMeansRun.changed) + (<usize>chunk << 2), changed);
}

// One Elkan pass (sklearn elkan_iter_chunked_dense): first the bounds absorb the centre moves of the
// previous update (`shift`), then a row is re-examined only if its upper bound exceeds half the
// distance to the nearest other centre, and centre j only if the bounds do not exclude it.
function elkanTile(job: usize, run: usize, chunk: i32, i0: i32, i1: i32, slice: usize): void {
  const d = load<i32>(job + KMeansJob.d);
  const k = load<i32>(job + KMeansJob.k);
  const kPad = load<i32>(job + KMeansJob.kPad);
  const flags = load<i32>(job + KMeansJob.flags);
  const x = ptr(job, KMeansJob.x);
  const rowBytes = <usize>d << 2;
  const centres = ptr(run, KMeansRun.centres);
  const labels = ptr(run, KMeansRun.labels);
  const upper = ptr(run, KMeansRun.upper);
  const lower = ptr(run, KMeansRun.lower);
  const half = ptr(run, KMeansRun.halfDist);
  const next = ptr(run, KMeansRun.nextCentre);
  const shift = ptr(run, KMeansRun.shift);
  const update = (flags & KMeansFlag.update) != 0;
  const withInertia = (flags & KMeansFlag.inertia) != 0;
  const acc = tileAccumulators(slice, kPad);
  if (update) clearSums(run, chunk, acc, k, d);
  let changed = 0;
  let inertia: f64 = 0;
  for (let i = i0; i < i1; i++) {
    const xi = x + <usize>i * rowBytes;
    const lb = lower + (<usize>i * k << 2);
    const lp = labels + (<usize>i << 2);
    const start = load<i32>(lp);
    let label = start;
    let ub = load<f32>(upper + (<usize>i << 2)) + load<f32>(shift + (<usize>label << 2));
    for (let j = 0; j < k; j++) {
      const q = lb + (<usize>j << 2);
      store<f32>(q, max<f32>(load<f32>(q) - load<f32>(shift + (<usize>j << 2)), 0));
    }
    if (!(load<f32>(next + (<usize>label << 2)) >= ub)) {
      let tight = false;
      for (let j = 0; j < k; j++) {
        const hj = load<f32>(half + (<usize>(label * k + j) << 2));
        if (j != label && ub > load<f32>(lb + (<usize>j << 2)) && ub > hj) {
          if (!tight) {
            ub = elkanDistance(xi, centres, label, rowBytes, d, lb);
            tight = true;
          }
          if (ub > load<f32>(lb + (<usize>j << 2)) || ub > load<f32>(half + (<usize>(label * k + j) << 2))) {
            const dist = elkanDistance(xi, centres, j, rowBytes, d, lb);
            if (dist < ub) {
              label = j;
              ub = dist;
            }
          }
        }
      }
    }
    if (label != start) changed++;
    store<i32>(lp, label);
    store<f32>(upper + (<usize>i << 2), ub);
    if (update) addToCluster(run, chunk, acc, xi, label, i - i0 + 1, k, d);
    if (withInertia) inertia += sqDist64(xi, centres + <usize>label * rowBytes, d);
  }
  finishPass(run, chunk, acc, k, d, update, changed, inertia);
}

// k-means++ trials (sklearn _kmeans_plusplus): trials[t, i] = min(closest[i], ‖x_i − cand_t‖²) with
// the squared distance as ‖x‖² + ‖c‖² − 2·x·c clipped at 0, and pot[chunk, t] = Σ_i trials[t, i].
// The trial chosen by the previous step (`commit`) first becomes `closest`.
function seedTile(job: usize, run: usize, chunk: i32, i0: i32, i1: i32, slice: usize): void {
  const n = load<i32>(job + KMeansJob.n);
  const d = load<i32>(job + KMeansJob.d);
  const nTrials = load<i32>(job + KMeansJob.k);
  const kPad = load<i32>(job + KMeansJob.kPad);
  const x = ptr(job, KMeansJob.x);
  const xNorm = ptr(job, KMeansJob.xNorm);
  const rowBytes = <usize>d << 2;
  const packed = ptr(run, KMeansRun.packed);
  const norms = ptr(run, KMeansRun.norms);
  const closest = ptr(run, KMeansRun.closest);
  const trials = ptr(run, KMeansRun.trials);
  const commit = load<i32>(run + KMeansRun.commit);
  const pot = ptr(run, KMeansRun.pot) + (<usize>(chunk * nTrials) << 3);
  if (commit >= 0) {
    memory.copy(closest + (<usize>i0 << 2), trials + (<usize>(commit * n + i0) << 2), <usize>(i1 - i0) << 2);
  }
  for (let t = 0; t < nTrials; t++) store<f64>(pot + (<usize>t << 3), 0);
  const block = slice;
  for (let i = i0; i < i1; i += 4) {
    const rows = min(4, i1 - i);
    distanceRows(x + <usize>i * rowBytes, rows, rowBytes, d, packed, norms, kPad, block);
    for (let r = 0; r < rows; r++) {
      const row = i + r;
      const xn = load<f32>(xNorm + (<usize>row << 2));
      const c = load<f32>(closest + (<usize>row << 2));
      const b = block + (<usize>(r * kPad) << 2);
      for (let t = 0; t < nTrials; t++) {
        const v = min<f32>(c, max<f32>(xn + load<f32>(b + (<usize>t << 2)), 0));
        store<f32>(trials + (<usize>(t * n + row) << 2), v);
        const pp = pot + (<usize>t << 3);
        store<f64>(pp, load<f64>(pp) + <f64>v);
      }
    }
  }
}

// out[i, j] = ‖x_i − c_j‖ for j < k, as sqrt(max(‖x‖² + ‖c‖² − 2·x·c, 0)) (sklearn euclidean_distances).
function distancesTile(job: usize, run: usize, i0: i32, i1: i32, slice: usize): void {
  const d = load<i32>(job + KMeansJob.d);
  const k = load<i32>(job + KMeansJob.k);
  const kPad = load<i32>(job + KMeansJob.kPad);
  const x = ptr(job, KMeansJob.x);
  const xNorm = ptr(job, KMeansJob.xNorm);
  const rowBytes = <usize>d << 2;
  const out = ptr(run, KMeansRun.out);
  const block = slice;
  for (let i = i0; i < i1; i += 4) {
    const rows = min(4, i1 - i);
    distanceRows(x + <usize>i * rowBytes, rows, rowBytes, d, ptr(run, KMeansRun.packed), ptr(run, KMeansRun.norms), kPad, block);
    for (let r = 0; r < rows; r++) {
      const xn = load<f32>(xNorm + (<usize>(i + r) << 2));
      const b = block + (<usize>(r * kPad) << 2);
      const o = out + (<usize>(i + r) * k << 2);
      for (let j = 0; j < k; j++) store<f32>(o + (<usize>j << 2), sqrt<f32>(max<f32>(xn + load<f32>(b + (<usize>j << 2)), 0)));
    }
  }
}

// Claims (run, chunk) tiles of a k-means job until none remain (jobs.ts runs this on every participant).
export function kmeansTiles(job: usize, worker: i32): void {
  const slice = ptr(job, KMeansJob.slices) + <usize>worker * <usize>load<i32>(job + KMeansJob.sliceBytes);
  const phase = load<i32>(job + KMeansJob.phase);
  const n = load<i32>(job + KMeansJob.n);
  const chunkRows = load<i32>(job + KMeansJob.chunkRows);
  const nChunks = load<i32>(job + KMeansJob.nChunks);
  const runs = ptr(job, KMeansJob.runs);
  for (;;) {
    const t = claim(job);
    if (t < 0) break;
    const r = t / nChunks;
    const chunk = t - r * nChunks;
    const run = <usize>load<u32>(runs + (<usize>r << 2));
    const i0 = chunk * chunkRows;
    const i1 = min(n, i0 + chunkRows);
    if (phase == KMeansPhase.assign) assignTile(job, run, chunk, i0, i1, slice);
    else if (phase == KMeansPhase.elkan) elkanTile(job, run, chunk, i0, i1, slice);
    else if (phase == KMeansPhase.elkanInit) elkanInitTile(job, run, chunk, i0, i1);
    else if (phase == KMeansPhase.seed) seedTile(job, run, chunk, i0, i1, slice);
    else if (phase == KMeansPhase.distances) distancesTile(job, run, i0, i1, slice);
  }
}

// ---- exports called once per pass (not per tile) ----

// Bytes of per-participant scratch a k-means job needs: a [4, kPad] distance block, then f32
// accumulators for k·d sums and k counts.
export function kmeansSliceBytes(k: i32, d: i32, kPad: i32): i32 {
  return (((4 * kPad) << 2) + ((k * d + k) << 2) + 63) & ~63;
}

// out: [n] f32 squared norms of the rows of x: [n, d] (sums in f64).
export function kmeansRowNorms(x: usize, n: i32, d: i32, out: usize): void {
  for (let i = 0; i < n; i++) {
    const row = x + (<usize>i * d << 2);
    let s: f64 = 0;
    for (let q = 0; q < d; q++) {
      const v = <f64>load<f32>(row + (<usize>q << 2));
      s += v * v;
    }
    store<f32>(out + (<usize>i << 2), <f32>s);
  }
}

// Packs centres: [k, d] f32 row-major into panels of 8 (packed: [kPad/8][d][8], zeros past k) and
// their squared norms (norms: [kPad], +Infinity past k, so padding never wins an argmin).
export function kmeansPack(centres: usize, k: i32, d: i32, kPad: i32, packed: usize, norms: usize): void {
  for (let j = 0; j < kPad; j++) {
    const panel = packed + (<usize>((j >> 3) * d * 8) << 2);
    const lane = <usize>(j & 7) << 2;
    if (j < k) {
      const row = centres + (<usize>j * d << 2);
      let s: f64 = 0;
      for (let q = 0; q < d; q++) {
        const v = load<f32>(row + (<usize>q << 2));
        store<f32>(panel + (<usize>(q * 8) << 2) + lane, v);
        s += <f64>v * <f64>v;
      }
      store<f32>(norms + (<usize>j << 2), <f32>s);
    } else {
      for (let q = 0; q < d; q++) store<f32>(panel + (<usize>(q * 8) << 2) + lane, 0);
      store<f32>(norms + (<usize>j << 2), Infinity);
    }
  }
}

// Elkan's centre geometry: half: [k, k] half the distances between centres (f64 sums, direct
// differences); next: [k] the smallest half distance from each centre to another (0 when k = 1).
export function kmeansCentreGeometry(centres: usize, k: i32, d: i32, half: usize, next: usize): void {
  for (let a = 0; a < k; a++) {
    store<f32>(half + (<usize>(a * k + a) << 2), 0);
    for (let b = a + 1; b < k; b++) {
      const h = <f32>(Math.sqrt(sqDist64(centres + (<usize>a * d << 2), centres + (<usize>b * d << 2), d)) / 2);
      store<f32>(half + (<usize>(a * k + b) << 2), h);
      store<f32>(half + (<usize>(b * k + a) << 2), h);
    }
  }
  for (let a = 0; a < k; a++) {
    let m: f32 = k > 1 ? Infinity : 0;
    for (let b = 0; b < k; b++) if (b != a) m = min<f32>(m, load<f32>(half + (<usize>(a * k + b) << 2)));
    store<f32>(next + (<usize>a << 2), m);
  }
}

// Folds the per-chunk sums and counts of a run into chunk 0's slots (in chunk order, so the totals
// do not depend on the thread count) and returns the rows whose label changed.
export function kmeansReduce(run: usize, nChunks: i32, k: i32, d: i32): i32 {
  const sums = ptr(run, KMeansRun.sums);
  const counts = ptr(run, KMeansRun.counts);
  const changedAt = ptr(run, KMeansRun.changed);
  const kd = k * d;
  let changed = load<i32>(changedAt);
  for (let c = 1; c < nChunks; c++) {
    const src = sums + (<usize>c * kd << 3);
    for (let i = 0; i < kd; i++) {
      const p = <usize>i << 3;
      store<f64>(sums + p, load<f64>(sums + p) + load<f64>(src + p));
    }
    const csrc = counts + (<usize>c * k << 3);
    for (let j = 0; j < k; j++) {
      const p = <usize>j << 3;
      store<f64>(counts + p, load<f64>(counts + p) + load<f64>(csrc + p));
    }
    changed += load<i32>(changedAt + (<usize>c << 2));
  }
  return changed;
}
