// Matrix products with very few rows — C[m, n] = A[m, k]·B (+ C) (+ bias) for m ≤ 4, the shape of
// decoding one token at a time — without packing: each B element is read once, straight from the
// caller's layout, which is what bounds a memory-bound product (packing B as gemm does would read
// and write every weight an extra time per token). With transB (B: [n, k], nn.Linear's weight) each
// output is a dot product of contiguous rows, six B rows at a time for one row of A (measured on a
// 50257×768 head streaming from DRAM: 4 rows 12–14 GB/s, 6 rows 19–21, 8 rows 16–20 and slower in
// cache, where 8 accumulators spill), four for two to four rows; otherwise (B: [k, n]) rows of B
// are scaled and added into 16-wide accumulators. Output columns are cut into tiles that threads
// claim, as in matmul.ts.

import { Job, JobKind } from "./abi";
import { claim, jobInit } from "./parallel";
import { hsum, madd } from "./vmath";

// Output columns per tile (a multiple of the 6-row step): a tile of a 768-wide nn.Linear reads
// 96·768·4 = 288 KiB of weights, enough to amortise the claim and few enough tiles to balance two
// threads.
const TILE_N = 96;

const J_A = Job.payload;
const J_B = J_A + 4;
const J_C = J_A + 8;
const J_BIAS = J_A + 12;
const J_M = J_A + 16;
const J_N = J_A + 20;
const J_K = J_A + 24;
const J_TRANS_B = J_A + 28;
const J_ACCUMULATE = J_A + 32;

// The value of output (i, j) before the product is added: bias, previous C, both or 0.
@inline function startValue(c: usize, bias: usize, accumulate: bool, at: usize, j: i32): f32 {
  let v: f32 = accumulate ? load<f32>(at) : 0;
  if (bias != 0) v += load<f32>(bias + (<usize>j << 2));
  return v;
}

// Σ x[p]·b[p] over p0 … k−1 (the scalar tail after the vector loop).
@inline function tailDot(x: usize, b: usize, p0: i32, k: i32): f32 {
  let s: f32 = 0;
  for (let p = p0; p < k; p++) s += load<f32>(x + (<usize>p << 2)) * load<f32>(b + (<usize>p << 2));
  return s;
}

// Outputs j0 … j1−1 of every row, B: [n, k] (rows of B are the columns of the product).
function tileTransB(a: usize, b: usize, c: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: bool, j0: i32, j1: i32): void {
  const k4 = k & ~3;
  const ldb = <usize>k << 2;
  let j = j0;
  if (m == 1) {
    // One row: six B rows at a time — more streams in flight for the memory system (decoding
    // reads every weight from DRAM) while 6 accumulators, x and one load still fit V8's 15 xmm.
    for (; j + 6 <= j1; j += 6) {
      const b0 = b + <usize>j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb, b4 = b3 + ldb, b5 = b4 + ldb;
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0;
      let p = 0;
      for (; p < k4; p += 4) {
        const o = <usize>p << 2;
        const xv = v128.load(a + o);
        s0 = madd(xv, v128.load(b0 + o), s0);
        s1 = madd(xv, v128.load(b1 + o), s1);
        s2 = madd(xv, v128.load(b2 + o), s2);
        s3 = madd(xv, v128.load(b3 + o), s3);
        s4 = madd(xv, v128.load(b4 + o), s4);
        s5 = madd(xv, v128.load(b5 + o), s5);
      }
      const out = c + (<usize>j << 2);
      store<f32>(out, startValue(c, bias, accumulate, out, j) + hsum(s0) + tailDot(a, b0, p, k));
      store<f32>(out + 4, startValue(c, bias, accumulate, out + 4, j + 1) + hsum(s1) + tailDot(a, b1, p, k));
      store<f32>(out + 8, startValue(c, bias, accumulate, out + 8, j + 2) + hsum(s2) + tailDot(a, b2, p, k));
      store<f32>(out + 12, startValue(c, bias, accumulate, out + 12, j + 3) + hsum(s3) + tailDot(a, b3, p, k));
      store<f32>(out + 16, startValue(c, bias, accumulate, out + 16, j + 4) + hsum(s4) + tailDot(a, b4, p, k));
      store<f32>(out + 20, startValue(c, bias, accumulate, out + 20, j + 5) + hsum(s5) + tailDot(a, b5, p, k));
    }
  }
  for (; j + 4 <= j1; j += 4) {
    const b0 = b + <usize>j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
    for (let i = 0; i < m; i++) {
      const x = a + <usize>i * ldb;
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
      let p = 0;
      for (; p < k4; p += 4) {
        const o = <usize>p << 2;
        const xv = v128.load(x + o);
        s0 = madd(xv, v128.load(b0 + o), s0);
        s1 = madd(xv, v128.load(b1 + o), s1);
        s2 = madd(xv, v128.load(b2 + o), s2);
        s3 = madd(xv, v128.load(b3 + o), s3);
      }
      let r0 = hsum(s0), r1 = hsum(s1), r2 = hsum(s2), r3 = hsum(s3);
      for (; p < k; p++) {
        const o = <usize>p << 2;
        const xs = load<f32>(x + o);
        r0 += xs * load<f32>(b0 + o);
        r1 += xs * load<f32>(b1 + o);
        r2 += xs * load<f32>(b2 + o);
        r3 += xs * load<f32>(b3 + o);
      }
      const out = c + ((<usize>i * <usize>n + <usize>j) << 2);
      store<f32>(out, startValue(c, bias, accumulate, out, j) + r0);
      store<f32>(out, startValue(c, bias, accumulate, out + 4, j + 1) + r1, 4);
      store<f32>(out, startValue(c, bias, accumulate, out + 8, j + 2) + r2, 8);
      store<f32>(out, startValue(c, bias, accumulate, out + 12, j + 3) + r3, 12);
    }
  }
  for (; j < j1; j++) {
    const bj = b + <usize>j * ldb;
    for (let i = 0; i < m; i++) {
      const x = a + <usize>i * ldb;
      let s = f32x4.splat(0);
      let p = 0;
      for (; p < k4; p += 4) s = madd(v128.load(x + (<usize>p << 2)), v128.load(bj + (<usize>p << 2)), s);
      let r = hsum(s);
      for (; p < k; p++) r += load<f32>(x + (<usize>p << 2)) * load<f32>(bj + (<usize>p << 2));
      const out = c + ((<usize>i * <usize>n + <usize>j) << 2);
      store<f32>(out, startValue(c, bias, accumulate, out, j) + r);
    }
  }
}

// Outputs j0 … j1−1 of every row, B: [k, n]: out[i, j…j+15] += a[i, p]·B[p, j…j+15] over p.
function tileRows(a: usize, b: usize, c: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: bool, j0: i32, j1: i32): void {
  const ldb = <usize>n << 2;
  for (let i = 0; i < m; i++) {
    const x = a + ((<usize>i * <usize>k) << 2);
    const row = c + ((<usize>i * <usize>n) << 2);
    let j = j0;
    for (; j + 16 <= j1; j += 16) {
      const cj = row + (<usize>j << 2);
      let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
      if (accumulate) {
        c0 = v128.load(cj);
        c1 = v128.load(cj, 16);
        c2 = v128.load(cj, 32);
        c3 = v128.load(cj, 48);
      }
      if (bias != 0) {
        const bj = bias + (<usize>j << 2);
        c0 = f32x4.add(c0, v128.load(bj));
        c1 = f32x4.add(c1, v128.load(bj, 16));
        c2 = f32x4.add(c2, v128.load(bj, 32));
        c3 = f32x4.add(c3, v128.load(bj, 48));
      }
      let bp = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        const xs = v128.load32_splat(x + (<usize>p << 2));
        c0 = madd(xs, v128.load(bp), c0);
        c1 = madd(xs, v128.load(bp, 16), c1);
        c2 = madd(xs, v128.load(bp, 32), c2);
        c3 = madd(xs, v128.load(bp, 48), c3);
        bp += ldb;
      }
      v128.store(cj, c0);
      v128.store(cj, c1, 16);
      v128.store(cj, c2, 32);
      v128.store(cj, c3, 48);
    }
    for (; j < j1; j++) {
      let s: f32 = 0;
      for (let p = 0; p < k; p++) s += load<f32>(x + (<usize>p << 2)) * load<f32>(b + <usize>p * ldb + (<usize>j << 2));
      const at = row + (<usize>j << 2);
      store<f32>(at, startValue(c, bias, accumulate, at, j) + s);
    }
  }
}

// Claims column tiles of a gemv job until none remain (jobs.ts runs this for every participant).
export function gemvTiles(job: usize, worker: i32): void {
  const a = <usize>load<u32>(job + J_A), b = <usize>load<u32>(job + J_B), c = <usize>load<u32>(job + J_C);
  const bias = <usize>load<u32>(job + J_BIAS);
  const m = load<i32>(job + J_M), n = load<i32>(job + J_N), k = load<i32>(job + J_K);
  const transB = load<i32>(job + J_TRANS_B) != 0, accumulate = load<i32>(job + J_ACCUMULATE) != 0;
  for (;;) {
    const t = claim(job);
    if (t < 0) break;
    const j0 = t * TILE_N, j1 = min(n, j0 + TILE_N);
    if (transB) tileTransB(a, b, c, bias, m, n, k, accumulate, j0, j1);
    else tileRows(a, b, c, bias, m, n, k, accumulate, j0, j1);
  }
}

// Writes the job record (GemvJob.bytes at `job`) for C[m, n] = A[m, k]·B (+ C if accumulate)
// (+ bias [n] or 0), B: [n, k] if transB else [k, n]; m ≥ 1, any n, k (0 gives bias / C).
export function gemvPrepare(a: usize, b: usize, c: usize, bias: usize, m: i32, n: i32, k: i32, transB: i32, accumulate: i32,
  job: usize, threads: i32): void {
  jobInit(job, JobKind.gemv, threads, m == 0 ? 0 : (n + TILE_N - 1) / TILE_N);
  store<u32>(job + J_A, <u32>a);
  store<u32>(job + J_B, <u32>b);
  store<u32>(job + J_C, <u32>c);
  store<u32>(job + J_BIAS, <u32>bias);
  store<i32>(job + J_M, m);
  store<i32>(job + J_N, n);
  store<i32>(job + J_K, k);
  store<i32>(job + J_TRANS_B, transB);
  store<i32>(job + J_ACCUMULATE, accumulate);
}
