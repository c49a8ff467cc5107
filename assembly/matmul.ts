// General matrix multiply C = A·B (+ C) (+ bias) over f32 row-major raw pointers, in the GotoBLAS /
// BLIS shape (Goto & van de Geijn 2008; Van Zee & van de Geijn 2015): B is packed into NR-wide
// column panels, A into MR-row panels, and a register-blocked MR×NR micro-kernel of f32x4 FMAs runs
// over them. The work is cut into tiles — pack-B tiles first, then (batch, row block, column block)
// compute tiles — that threads claim from a counter in shared memory, so 1 thread and many threads
// run the same code: the caller prepares a job record (`gemmPrepare`), then every participant runs
// it through jobs.ts (parallel.ts holds the claim loop's atomics).

import { Job, JobKind } from "./abi";
import { claim, fetchAdd, jobInit, loadAcquire } from "./parallel";

// Micro-kernel shape, measured at N = 512 on one EPYC (Zen 5) core: 4×8 (8 accumulators) runs at
// 49 GFLOP/s relaxed / 40 simd. 6×8 (12 accumulators + 2 B + 1 A = 15 xmm, and V8 keeps xmm15 as
// scratch) and 5×8 spill once binaryen hoists the loads: 25 and 22 GFLOP/s. Unrolling k by 2 or 4
// spills for the same reason (25-32 GFLOP/s), so the loop stays one k step per iteration.
const MR = 4;
const NR = 8;
// Cache blocking. KC×MC from 128/256/384 × 64/128/256 all landed within 2 % of each other at
// N = 512 and 1024 (relaxed build, 48-50 GFLOP/s): the packed A block (MC×KC×4 = 32 KiB) and one
// B micro-panel (KC×NR×4 = 4 KiB) sit in L2/L1 with room to spare on this core. KC = 128, MC = 64
// measured best by a hair, and small row blocks give the threads more tiles to balance. NC is the
// whole width: B is packed once per call and shared by every thread.
const KC = 128;
const MC = 64;
// B panels per pack tile: big enough to amortise the claim, small enough to share packing.
const PACK_GROUP = 16;

// The gemm job record: the common header (abi.ts Job), then a counter of finished pack tiles on its
// own cache line, then the arguments. Byte offsets.
const J_PACKED = Job.payload; // pack tiles finished
const J_A = Job.payload + 64;
const J_B = J_A + 4;
const J_C = J_A + 8;
const J_BIAS = J_A + 12;
const J_BATCH = J_A + 16;
const J_M = J_A + 20;
const J_N = J_A + 24;
const J_K = J_A + 28;
const J_TRANS_A = J_A + 32;
const J_TRANS_B = J_A + 36;
const J_STRIDE_A = J_A + 40;
const J_STRIDE_B = J_A + 44;
const J_STRIDE_C = J_A + 48;
const J_ACCUMULATE = J_A + 52;
const J_PACKED_B = J_A + 56; // packed B, one copy per distinct B in the batch
const J_SLICES = J_A + 60; // per-thread A-packing slices
const J_SLICE_BYTES = J_A + 64;
const J_PACK_TILES = J_A + 68;
const J_ROW_BLOCKS = J_A + 72;
const J_COL_BLOCKS = J_A + 76;
const J_PANELS_PER_COL_BLOCK = J_A + 80;
const J_PACK_TILES_PER_B = J_A + 84;
const JOB_BYTES = 320;

@inline function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  else return f32x4.add(f32x4.mul(a, b), c);
}

@inline function align64(n: i64): i64 {
  return (n + 63) & ~63;
}

@inline function roundUp(n: i32, r: i32): i32 {
  return (n + r - 1) / r * r;
}

// ---- micro-kernels: C[MR×NR] (+)= Apanel[kc×MR]ᵀ · Bpanel[kc×NR] ----

export function kernel4x8(kc: i32, ap: usize, bp: usize, cp: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  // One induction pointer: V8 adds an interrupt check to every iteration, so the loop body stays lean.
  for (const end = ap + (<usize>kc << 4); ap < end;) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = fma(a, b0, c00);
    c01 = fma(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = fma(a, b0, c10);
    c11 = fma(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = fma(a, b0, c20);
    c21 = fma(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = fma(a, b0, c30);
    c31 = fma(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  if (add) {
    c00 = f32x4.add(c00, v128.load(cp));
    c01 = f32x4.add(c01, v128.load(cp, 16));
    c10 = f32x4.add(c10, v128.load(cp + ldc));
    c11 = f32x4.add(c11, v128.load(cp + ldc, 16));
    c20 = f32x4.add(c20, v128.load(cp + 2 * ldc));
    c21 = f32x4.add(c21, v128.load(cp + 2 * ldc, 16));
    c30 = f32x4.add(c30, v128.load(cp + 3 * ldc));
    c31 = f32x4.add(c31, v128.load(cp + 3 * ldc, 16));
  }
  v128.store(cp, c00);
  v128.store(cp, c01, 16);
  v128.store(cp + ldc, c10);
  v128.store(cp + ldc, c11, 16);
  v128.store(cp + 2 * ldc, c20);
  v128.store(cp + 2 * ldc, c21, 16);
  v128.store(cp + 3 * ldc, c30);
  v128.store(cp + 3 * ldc, c31, 16);
}

// ---- packing ----

// out rows 0..3 (row stride ldo bytes) ← the transpose of the 4×4 block at x (row stride ldx bytes).
@inline function transpose4x4Into(x: usize, ldx: usize, out: usize, ldo: usize): void {
  const a = v128.load(x);
  const b = v128.load(x + ldx);
  const c = v128.load(x + 2 * ldx);
  const d = v128.load(x + 3 * ldx);
  const t0 = v128.shuffle<i32>(a, b, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(a, b, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(c, d, 0, 4, 1, 5);
  const t3 = v128.shuffle<i32>(c, d, 2, 6, 3, 7);
  v128.store(out, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
  v128.store(out + ldo, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7));
  v128.store(out + 2 * ldo, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5));
  v128.store(out + 3 * ldo, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7));
}

// Packs B[k0 .. k0+kc, panels jp0 .. jp1) of one batch item into NR-wide panels (zero-padded past N):
// panel jp of K block k0 lives at dst + (k0·Nup + jp·NR·kc)·4 and holds kc rows of NR floats.
function packBPanels(b: usize, dst: usize, n: i32, k: i32, transB: bool, jp0: i32, jp1: i32): void {
  const nUp = roundUp(n, NR);
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    for (let jp = jp0; jp < jp1; jp++) {
      const j0 = jp * NR;
      const cols = min(NR, n - j0);
      const out = dst + ((<usize>k0 * nUp + <usize>j0 * kc) << 2);
      if (!transB) {
        // B: [k, n]
        for (let p = 0; p < kc; p++) {
          const src = b + ((<usize>(k0 + p) * n + j0) << 2);
          const o = out + (<usize>p * NR << 2);
          if (cols == NR) {
            v128.store(o, v128.load(src));
            v128.store(o, v128.load(src, 16), 16);
          } else {
            for (let j = 0; j < NR; j++) store<f32>(o + (<usize>j << 2), j < cols ? load<f32>(src + (<usize>j << 2)) : 0);
          }
        }
      } else if (cols == NR) {
        // B: [n, k]; column j of the panel is row j0+j of B: 4×4 transposes of rows j0..j0+3 and
        // j0+4..j0+7, four k steps at a time
        const src = b + ((<usize>j0 * k + k0) << 2);
        const ldb = <usize>k << 2;
        const kc4 = kc & ~3;
        let p = 0;
        for (; p < kc4; p += 4) {
          const o = out + (<usize>p * NR << 2);
          const s = src + (<usize>p << 2);
          transpose4x4Into(s, ldb, o, NR << 2);
          transpose4x4Into(s + 4 * ldb, ldb, o + 16, NR << 2);
        }
        for (; p < kc; p++) {
          for (let j = 0; j < NR; j++) store<f32>(out + (<usize>(p * NR + j) << 2), load<f32>(src + <usize>j * ldb + (<usize>p << 2)));
        }
      } else {
        // B: [n, k]; column j of the panel is row j0+j of B
        for (let j = 0; j < NR; j++) {
          const o = out + (<usize>j << 2);
          if (j < cols) {
            const src = b + ((<usize>(j0 + j) * k + k0) << 2);
            for (let p = 0; p < kc; p++) store<f32>(o + (<usize>p * NR << 2), load<f32>(src + (<usize>p << 2)));
          } else {
            for (let p = 0; p < kc; p++) store<f32>(o + (<usize>p * NR << 2), 0);
          }
        }
      }
    }
  }
}

// Packs A[i0 .. i0+mc, k0 .. k0+kc) into MR-row panels (zero-padded past mc): panel ip holds kc
// columns of MR floats at dst + ip·MR·kc·4.
function packABlock(a: usize, dst: usize, m: i32, k: i32, transA: bool, i0: i32, mc: i32, k0: i32, kc: i32): void {
  if (transA) {
    // A: [k, m]: row p of A holds k step p of every panel. Walk the rows once, each contiguous
    // (column-first order touched a new page per k step and reread every cache line per panel).
    const full = mc & ~(MR - 1);
    for (let p = 0; p < kc; p++) {
      const src = a + ((<usize>(k0 + p) * m + i0) << 2);
      const o = dst + (<usize>p * MR << 2);
      for (let ir = 0; ir < full; ir += MR) v128.store(o + (<usize>ir * kc << 2), v128.load(src + (<usize>ir << 2)));
      if (full < mc) {
        const op = o + (<usize>full * kc << 2);
        for (let r = 0; r < MR; r++) store<f32>(op + (<usize>r << 2), full + r < mc ? load<f32>(src + (<usize>(full + r) << 2)) : 0);
      }
    }
    return;
  }
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const out = dst + (<usize>ir * kc << 2);
    if (!transA && rows == MR) {
      // A: [m, k]: 4×4 transposes of the four rows, four k steps at a time
      const src = a + ((<usize>(i0 + ir) * k + k0) << 2);
      const lda = <usize>k << 2;
      const kc4 = kc & ~3;
      let p = 0;
      for (; p < kc4; p += 4) transpose4x4Into(src + (<usize>p << 2), lda, out + (<usize>p << 4), 16);
      for (; p < kc; p++) {
        for (let r = 0; r < MR; r++) store<f32>(out + (<usize>(p * MR + r) << 2), load<f32>(src + <usize>r * lda + (<usize>p << 2)));
      }
    } else if (!transA) {
      // A: [m, k]
      for (let r = 0; r < MR; r++) {
        const o = out + (<usize>r << 2);
        if (r < rows) {
          const src = a + ((<usize>(i0 + ir + r) * k + k0) << 2);
          for (let p = 0; p < kc; p++) store<f32>(o + (<usize>p * MR << 2), load<f32>(src + (<usize>p << 2)));
        } else {
          for (let p = 0; p < kc; p++) store<f32>(o + (<usize>p * MR << 2), 0);
        }
      }
    } else {
      // A: [k, m]; row p of A holds column p of the panel
      for (let p = 0; p < kc; p++) {
        const src = a + ((<usize>(k0 + p) * m + i0 + ir) << 2);
        const o = out + (<usize>p * MR << 2);
        if (rows == MR && MR == 4) {
          v128.store(o, v128.load(src));
        } else {
          for (let r = 0; r < MR; r++) store<f32>(o + (<usize>r << 2), r < rows ? load<f32>(src + (<usize>r << 2)) : 0);
        }
      }
    }
  }
}

// ---- bias epilogue over a rows×cols piece of C (row stride ldc bytes) ----

function addBias(cp: usize, ldc: usize, rows: i32, cols: i32, bias: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = cp + <usize>r * ldc;
    for (let j = 0; j < cols; j++) {
      const q = row + (<usize>j << 2);
      store<f32>(q, load<f32>(q) + load<f32>(bias + (<usize>j << 2)));
    }
  }
}

// ---- tiles ----

function packTile(job: usize, t: i32): void {
  const perB = load<i32>(job + J_PACK_TILES_PER_B);
  const bi = t / perB;
  const g = t - bi * perB;
  const n = load<i32>(job + J_N);
  const k = load<i32>(job + J_K);
  const panels = roundUp(n, NR) / NR;
  const b = <usize>load<u32>(job + J_B) + (<usize>bi * <usize>load<i32>(job + J_STRIDE_B) << 2);
  const dst = <usize>load<u32>(job + J_PACKED_B) + (<usize>bi * k * roundUp(n, NR) << 2);
  packBPanels(b, dst, n, k, load<i32>(job + J_TRANS_B) != 0, g * PACK_GROUP, min(panels, (g + 1) * PACK_GROUP));
}

function computeTile(job: usize, t: i32, slice: usize): void {
  const rowBlocks = load<i32>(job + J_ROW_BLOCKS);
  const colBlocks = load<i32>(job + J_COL_BLOCKS);
  const bi = t / (rowBlocks * colBlocks);
  const rem = t - bi * rowBlocks * colBlocks;
  const ib = rem / colBlocks;
  const jb = rem - ib * colBlocks;
  const m = load<i32>(job + J_M);
  const n = load<i32>(job + J_N);
  const k = load<i32>(job + J_K);
  const nUp = roundUp(n, NR);
  const bias = <usize>load<u32>(job + J_BIAS);
  const accumulate = load<i32>(job + J_ACCUMULATE) != 0;
  const sharedB = load<i32>(job + J_STRIDE_B) == 0;
  const a = <usize>load<u32>(job + J_A) + (<usize>bi * <usize>load<i32>(job + J_STRIDE_A) << 2);
  const bPacked = <usize>load<u32>(job + J_PACKED_B) + (sharedB ? 0 : <usize>bi * k * nUp << 2);
  const c = <usize>load<u32>(job + J_C) + (<usize>bi * <usize>load<i32>(job + J_STRIDE_C) << 2);
  const ldc = <usize>n << 2;
  const perCol = load<i32>(job + J_PANELS_PER_COL_BLOCK);
  const i0 = ib * MC;
  const mc = min(MC, m - i0);
  const jp0 = jb * perCol;
  const jp1 = min(nUp / NR, jp0 + perCol);

  if (k == 0) {
    // C = bias, or C + bias with accumulate
    const j0 = jp0 * NR;
    const cols = min(jp1 * NR, n) - j0;
    for (let r = 0; r < mc; r++) {
      const row = c + <usize>(i0 + r) * ldc + (<usize>j0 << 2);
      for (let j = 0; j < cols; j++) {
        const q = row + (<usize>j << 2);
        let v: f32 = accumulate ? load<f32>(q) : 0;
        if (bias != 0) v += load<f32>(bias + (<usize>(j0 + j) << 2));
        store<f32>(q, v);
      }
    }
    return;
  }

  const aPack = slice;
  const tmp = slice + (<usize>roundUp(min(MC, m), MR) * min(KC, k) << 2);
  const transA = load<i32>(job + J_TRANS_A) != 0;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    packABlock(a, aPack, m, k, transA, i0, mc, k0, kc);
    const add = k0 > 0 || accumulate;
    const last = k0 + kc >= k;
    for (let jp = jp0; jp < jp1; jp++) {
      const j0 = jp * NR;
      const cols = min(NR, n - j0);
      const bp = bPacked + ((<usize>k0 * nUp + <usize>j0 * kc) << 2);
      for (let ir = 0; ir < mc; ir += MR) {
        const rows = min(MR, mc - ir);
        const ap = aPack + (<usize>ir * kc << 2);
        const cp = c + <usize>(i0 + ir) * ldc + (<usize>j0 << 2);
        if (rows == MR && cols == NR) {
          kernel4x8(kc, ap, bp, cp, ldc, add);
        } else {
          // Edge: compute the full tile into tmp, then move the valid part.
          kernel4x8(kc, ap, bp, tmp, NR << 2, false);
          for (let r = 0; r < rows; r++) {
            for (let j = 0; j < cols; j++) {
              const q = cp + <usize>r * ldc + (<usize>j << 2);
              const v = load<f32>(tmp + (<usize>(r * NR + j) << 2));
              store<f32>(q, add ? load<f32>(q) + v : v);
            }
          }
        }
        if (last && bias != 0) addBias(cp, ldc, rows, cols, bias + (<usize>j0 << 2));
      }
    }
  }
}

// Claims tiles of a gemm job until none remain (jobs.ts runs this for every participant). Compute
// tiles start only once every pack tile is finished; since pack tiles come first in claim order,
// whoever reaches a compute tile only waits for packing that is already under way.
export function gemmTiles(job: usize, worker: i32): void {
  const slice = <usize>load<u32>(job + J_SLICES) + <usize>worker * <usize>load<u32>(job + J_SLICE_BYTES);
  const nPack = load<i32>(job + J_PACK_TILES);
  for (;;) {
    const t = claim(job);
    if (t < 0) break;
    if (t < nPack) {
      packTile(job, t);
      fetchAdd(job + J_PACKED, 1);
    } else {
      while (loadAcquire(job + J_PACKED) < nPack) {}
      computeTile(job, t - nPack, slice);
    }
  }
}

// ---- exports ----

// Bytes of scratch a gemm of this shape needs with `threads` participants (job record, packed B,
// one A-packing slice per thread); saturates at 2^31-1 so an impossible size fails to allocate.
export function gemmScratchBytes(batch: i32, m: i32, n: i32, k: i32, strideB: i32, threads: i32): i32 {
  const nB: i64 = strideB == 0 ? 1 : batch;
  const packedB = align64(nB * k * roundUp(n, NR) * 4);
  const slice = align64(<i64>roundUp(min(MC, m), MR) * min(KC, k) * 4 + MR * NR * 4);
  const total = <i64>JOB_BYTES + packedB + <i64>max(threads, 1) * slice;
  return total > <i64>i32.MAX_VALUE ? i32.MAX_VALUE : <i32>total;
}

// Writes the job record for C[batch][m,n] = A·B (+ C if accumulate) (+ bias) into scratch
// (gemmScratchBytes bytes, 64-byte aligned), to be run by jobs.ts runJob / join. A: [m,k] or [k,m]
// if transA; B: [k,n] or [n,k] if transB; strides in elements between batch items, 0 = broadcast;
// bias: [n] or 0.
export function gemmPrepare(a: usize, b: usize, c: usize, bias: usize, batch: i32, m: i32, n: i32, k: i32,
  transA: i32, transB: i32, strideA: i32, strideB: i32, strideC: i32, accumulate: i32,
  scratch: usize, threads: i32): void {
  const job = scratch;
  threads = max(threads, 1);
  const nB = strideB == 0 ? 1 : batch;
  const nUp = roundUp(n, NR);
  const panels = nUp / NR;
  const packTilesPerB = (panels + PACK_GROUP - 1) / PACK_GROUP;
  const packedBBytes = <usize>align64(<i64>nB * k * nUp * 4);
  const sliceBytes = <usize>align64(<i64>roundUp(min(MC, m), MR) * min(KC, k) * 4 + MR * NR * 4);
  const rowBlocks = (m + MC - 1) / MC;
  // With threads, split columns too until there are about four tiles per thread to balance.
  let colBlocks = 1;
  if (threads > 1 && batch > 0 && rowBlocks > 0) {
    const want = 4 * threads;
    colBlocks = min(panels, max(1, (want + batch * rowBlocks - 1) / (batch * rowBlocks)));
  }
  const perCol = colBlocks > 0 ? (panels + colBlocks - 1) / colBlocks : 0;
  if (perCol > 0) colBlocks = (panels + perCol - 1) / perCol;
  const empty = batch == 0 || m == 0 || n == 0;
  const nPack = empty || k == 0 ? 0 : nB * packTilesPerB;
  jobInit(job, JobKind.gemm, threads, empty ? 0 : nPack + batch * rowBlocks * colBlocks);
  store<i32>(job + J_PACKED, 0);
  store<u32>(job + J_A, <u32>a);
  store<u32>(job + J_B, <u32>b);
  store<u32>(job + J_C, <u32>c);
  store<u32>(job + J_BIAS, <u32>bias);
  store<i32>(job + J_BATCH, batch);
  store<i32>(job + J_M, m);
  store<i32>(job + J_N, n);
  store<i32>(job + J_K, k);
  store<i32>(job + J_TRANS_A, transA);
  store<i32>(job + J_TRANS_B, transB);
  store<i32>(job + J_STRIDE_A, strideA);
  store<i32>(job + J_STRIDE_B, strideB);
  store<i32>(job + J_STRIDE_C, strideC);
  store<i32>(job + J_ACCUMULATE, accumulate);
  store<u32>(job + J_PACKED_B, <u32>(job + JOB_BYTES));
  store<u32>(job + J_SLICES, <u32>(job + JOB_BYTES + packedBBytes));
  store<u32>(job + J_SLICE_BYTES, <u32>sliceBytes);
  store<i32>(job + J_PACK_TILES, nPack);
  store<i32>(job + J_ROW_BLOCKS, rowBlocks);
  store<i32>(job + J_COL_BLOCKS, colBlocks);
  store<i32>(job + J_PANELS_PER_COL_BLOCK, perCol);
  store<i32>(job + J_PACK_TILES_PER_B, packTilesPerB);
}
