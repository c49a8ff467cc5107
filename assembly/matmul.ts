// General matrix multiply C = A·B (+ C) (+ bias) over f32 row-major raw pointers, in the GotoBLAS /
// BLIS shape (Goto & van de Geijn 2008; Van Zee & van de Geijn 2015): B is packed into NR-wide
// column panels, A into MR-row panels (transposed A needs none in the relaxed builds: its rows
// already are), and a register-blocked MR×NR micro-kernel of f32x4 FMAs runs over them. The work is
// cut into tiles — pack-B tiles first, then (batch, row block, column block) compute tiles — that
// threads claim from a counter in shared memory, so 1 thread and many threads run the same code: the
// caller prepares a job record (`gemmPrepare`), then every participant runs it through jobs.ts
// (parallel.ts holds the claim loop's atomics).

import { Job, JobKind } from "./abi";
import { claim, fetchAdd, jobInit, loadAcquire } from "./parallel";

// Micro-kernel shapes (x64 V8 gives 15 usable xmm registers; TurboFan schedules every load of a loop
// iteration before its FMAs, so all of them are live at once). Measured on one EPYC (Zen 5) core as
// a share of the SIMD ceiling, kernel alone and medians of paired samples (bench/README.md):
// - relaxed builds: 5×8 with one f32x4 load of rows 0-3 splatted by shuffles (pure, so V8 places each
//   just before its two FMAs: 10 accumulators + 2 B + 1 A + 1 splat + row 4's load-splat fit) runs
//   at ~91 % vs ~85 % for 4×8 with four load-splats: 4×8's 8 accumulator chains each wait out the
//   4-cycle FMA latency with no slack at 2 FMAs per cycle, 10 chains leave some. 3×12 (9 chains, 6
//   loads) ~87 %; 6×8 and 5×8 with load-splats spill (25 and 22 GFLOP/s), and so does unrolling k.
// - simd builds (mul + add, no FMA): 4×8 from pre-broadcast A (plain loads, offsets folded) ~104 %
//   of the mul+add ceiling vs ~88 % with load-splats: without FMA the loop is issue-bound (30 vs
//   33 instructions per k step; a load-splat's offset is not folded, so each costs an extra add).
const MR = ASC_FEATURE_RELAXED_SIMD ? 5 : 4;
const NR = 8;
// Cache blocking. KC×MC from 128/256/384 × 64/128/256 all landed within 2 % of each other at
// N = 512 and 1024 with the first 4×8 kernel: the packed A block (MC×KC×4 = 32 KiB; 128 KiB
// pre-broadcast) and one B micro-panel (KC×NR×4 = 4 KiB) sit in L2/L1 with room to spare on this core.
// MC is about 64 rounded to whole panels. NC is the whole width: B is packed once per call and shared
// by every thread.
const KC = 128;
const MC = ASC_FEATURE_RELAXED_SIMD ? 65 : 64;
// With threads, row blocks shrink to no fewer rows than this before columns are split too.
const MC_MIN = 3 * MR;
// Transposed A is read in place below this many columns (rows of A shorter than 4 KiB).
const TRANS_A_IN_PLACE_MAX_M = 1024;
// B panels per pack tile: big enough to amortise the claim (16 panels of KC×NR: 64 KiB at K = 128),
// and with threads at most 1/(2·threads) of B, so that every thread packs and none waits long at the
// barrier before the compute tiles (N = 128 has 16 panels: one tile made the other thread idle).
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
const J_PACK_GROUP = J_A + 88;
const J_MC = J_A + 92; // rows per row block
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

// Relaxed builds: step p of the A panel is 5 consecutive floats (rows 0-4) at ap + p·sk — a packed
// panel (sk = 20) or transposed A read in place (sk = row bytes).
function kernel5x8(kc: i32, ap: usize, sk: usize, bp: usize, cp: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  // One pointer bounds the loop: V8 adds an interrupt check to every iteration, so the body stays lean.
  for (const end = ap + <usize>kc * sk; ap < end;) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const rows = v128.load(ap);
    let a = i32x4.shuffle(rows, rows, 0, 0, 0, 0);
    c00 = fma(a, b0, c00);
    c01 = fma(a, b1, c01);
    a = i32x4.shuffle(rows, rows, 1, 1, 1, 1);
    c10 = fma(a, b0, c10);
    c11 = fma(a, b1, c11);
    a = i32x4.shuffle(rows, rows, 2, 2, 2, 2);
    c20 = fma(a, b0, c20);
    c21 = fma(a, b1, c21);
    a = i32x4.shuffle(rows, rows, 3, 3, 3, 3);
    c30 = fma(a, b0, c30);
    c31 = fma(a, b1, c31);
    a = v128.load32_splat(ap + 16);
    c40 = fma(a, b0, c40);
    c41 = fma(a, b1, c41);
    ap += sk;
    bp += 32;
  }
  storeRow(cp, add, c00, c01);
  storeRow(cp + ldc, add, c10, c11);
  storeRow(cp + 2 * ldc, add, c20, c21);
  storeRow(cp + 3 * ldc, add, c30, c31);
  storeRow(cp + 4 * ldc, add, c40, c41);
}

// Simd builds: A packed pre-broadcast (packABlock: each element as a full f32x4, 64 bytes a step).
function kernel4x8(kc: i32, ap: usize, bp: usize, cp: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (const end = ap + (<usize>kc << 6); ap < end;) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load(ap);
    c00 = fma(a, b0, c00);
    c01 = fma(a, b1, c01);
    a = v128.load(ap, 16);
    c10 = fma(a, b0, c10);
    c11 = fma(a, b1, c11);
    a = v128.load(ap, 32);
    c20 = fma(a, b0, c20);
    c21 = fma(a, b1, c21);
    a = v128.load(ap, 48);
    c30 = fma(a, b0, c30);
    c31 = fma(a, b1, c31);
    ap += 64;
    bp += 32;
  }
  storeRow(cp, add, c00, c01);
  storeRow(cp + ldc, add, c10, c11);
  storeRow(cp + 2 * ldc, add, c20, c21);
  storeRow(cp + 3 * ldc, add, c30, c31);
}

// A packed 4 floats a step (splatted on load): attention.ts's panels, packed once per head and
// reused by every block, where the pre-broadcast layout would take four times the scratch.
export function kernelSplat4x8(kc: i32, ap: usize, bp: usize, cp: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
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
  storeRow(cp, add, c00, c01);
  storeRow(cp + ldc, add, c10, c11);
  storeRow(cp + 2 * ldc, add, c20, c21);
  storeRow(cp + 3 * ldc, add, c30, c31);
}

// The build's kernel on A panel ap (step stride sk, relaxed builds only) and B panel bp.
@inline function microKernel(kc: i32, ap: usize, sk: usize, bp: usize, cp: usize, ldc: usize, add: bool): void {
  if (ASC_FEATURE_RELAXED_SIMD) kernel5x8(kc, ap, sk, bp, cp, ldc, add);
  else kernel4x8(kc, ap, bp, cp, ldc, add);
}

// Writes (or adds, with `add`) one row of accumulators to C at p.
@inline function storeRow(p: usize, add: bool, lo: v128, hi: v128): void {
  if (add) {
    lo = f32x4.add(lo, v128.load(p));
    hi = f32x4.add(hi, v128.load(p, 16));
  }
  v128.store(p, lo);
  v128.store(p, hi, 16);
}

// ---- packing ----

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
      } else {
        // B: [n, k]; column j of the panel is row j0+j of B. Full panels go four steps at a time
        // through two 4×4 shuffle transposes, the rest element by element.
        const src = b + ((<usize>j0 * k + k0) << 2);
        const ldb = <usize>k << 2;
        const p4 = cols == NR ? kc & ~3 : 0;
        for (let p = 0; p < p4; p += 4) {
          const from = src + (<usize>p << 2);
          const o = out + (<usize>p * NR << 2);
          transpose4x4Store(from, ldb, o, NR << 2);
          transpose4x4Store(from + 4 * ldb, ldb, o + 16, NR << 2);
        }
        for (let j = 0; j < NR; j++) {
          const o = out + (<usize>j << 2);
          const row = src + <usize>j * ldb;
          for (let p = p4; p < kc; p++) store<f32>(o + (<usize>p * NR << 2), j < cols ? load<f32>(row + (<usize>p << 2)) : 0);
        }
      }
    }
  }
}

// Reads four f32x4 rows (ld bytes apart) from src and stores their transpose, rows ldo bytes apart.
@inline export function transpose4x4Store(src: usize, ld: usize, out: usize, ldo: usize): void {
  const r0 = v128.load(src), r1 = v128.load(src + ld), r2 = v128.load(src + 2 * ld), r3 = v128.load(src + 3 * ld);
  const lo01 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), lo23 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const hi01 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), hi23 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(out, i32x4.shuffle(lo01, lo23, 0, 1, 4, 5));
  v128.store(out + ldo, i32x4.shuffle(lo01, lo23, 2, 3, 6, 7));
  v128.store(out + 2 * ldo, i32x4.shuffle(hi01, hi23, 0, 1, 4, 5));
  v128.store(out + 3 * ldo, i32x4.shuffle(hi01, hi23, 2, 3, 6, 7));
}

// Packs A[i0 .. i0+mc, k0 .. k0+kc) into MR-row panels, zero rows past mc: step p of panel ip holds
// the MR rows' floats at dst + (ip·kc + p)·MR·4 (relaxed builds), or each of them broadcast to an f32x4
// at dst + (ip·kc + p)·MR·16 (simd builds).
function packABlock(a: usize, dst: usize, m: i32, k: i32, transA: bool, i0: i32, mc: i32, k0: i32, kc: i32): void {
  if (transA) {
    packTransposedA(a, dst, m, i0, mc, k0, kc);
    return;
  }
  // A: [m, k]: row i0 + ir + r, steps k0 … k0 + kc − 1
  const sm: usize = <usize>k << 2;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const src = a + ((<usize>(i0 + ir) * k + k0) << 2);
    if (ASC_FEATURE_RELAXED_SIMD) {
      const out = dst + (<usize>ir * kc << 2);
      let p = 0;
      if (rows == MR) p = packRows5(src, sm, out, kc);
      for (; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          store<f32>(out + (<usize>(p * MR + r) << 2), r < rows ? load<f32>(src + (<usize>p << 2) + <usize>r * sm) : 0);
        }
      }
    } else {
      let from = src;
      let out = dst + (<usize>ir * kc << 4);
      for (const end = out + (<usize>kc * MR << 4); out < end; out += MR << 4, from += 4) {
        for (let r = 0; r < MR; r++) {
          v128.store(out + (<usize>r << 4), r < rows ? v128.load32_splat(from + <usize>r * sm) : f32x4.splat(0));
        }
      }
    }
  }
}

// A: [k, m]: step p of every panel comes from row k0 + p of A, so each row is read once, front to
// back (panel by panel would walk every row again per panel at a stride of m floats: with m a
// multiple of 1024 each step lands in the same cache sets). Relaxed builds: MR floats a step;
// simd builds: each broadcast to an f32x4.
function packTransposedA(a: usize, dst: usize, m: i32, i0: i32, mc: i32, k0: i32, kc: i32): void {
  const full = mc - mc % MR;
  const step: usize = ASC_FEATURE_RELAXED_SIMD ? MR << 2 : MR << 4;
  for (let p = 0; p < kc; p++) {
    const src = a + ((<usize>(k0 + p) * m + i0) << 2);
    const o = dst + <usize>p * step;
    for (let ir = 0; ir < mc; ir += MR) {
      const at = o + <usize>(ir / MR) * <usize>kc * step;
      const from = src + (<usize>ir << 2);
      if (ASC_FEATURE_RELAXED_SIMD && ir < full) {
        v128.store(at, v128.load(from));
        store<f32>(at, load<f32>(from, 16), 16);
      } else if (ir < full) {
        const x = v128.load(from);
        v128.store(at, i32x4.shuffle(x, x, 0, 0, 0, 0));
        v128.store(at, i32x4.shuffle(x, x, 1, 1, 1, 1), 16);
        v128.store(at, i32x4.shuffle(x, x, 2, 2, 2, 2), 32);
        v128.store(at, i32x4.shuffle(x, x, 3, 3, 3, 3), 48);
      } else {
        for (let r = 0; r < MR; r++) {
          const v: f32 = ir + r < mc ? load<f32>(from + (<usize>r << 2)) : 0;
          if (ASC_FEATURE_RELAXED_SIMD) store<f32>(at + (<usize>r << 2), v);
          else v128.store(at + (<usize>r << 4), f32x4.splat(v));
        }
      }
    }
  }
}

// Five rows of row-major A (row stride sm bytes) from src into a 5-row panel at out, four steps at a
// time: rows 0-3 through a 4×4 shuffle transpose, row 4 lane by lane. Returns the steps packed.
function packRows5(src: usize, sm: usize, out: usize, kc: i32): i32 {
  let p = 0;
  for (; p + 4 <= kc; p += 4) {
    const from = src + (<usize>p << 2);
    const o = out + <usize>p * 20;
    transpose4x4Store(from, sm, o, 20);
    const r4 = v128.load(from + 4 * sm);
    store<f32>(o, f32x4.extract_lane(r4, 0), 16);
    store<f32>(o, f32x4.extract_lane(r4, 1), 36);
    store<f32>(o, f32x4.extract_lane(r4, 2), 56);
    store<f32>(o, f32x4.extract_lane(r4, 3), 76);
  }
  return p;
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
  const group = load<i32>(job + J_PACK_GROUP);
  packBPanels(b, dst, n, k, load<i32>(job + J_TRANS_B) != 0, g * group, min(panels, (g + 1) * group));
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
  const blockRows = load<i32>(job + J_MC);
  const i0 = ib * blockRows;
  const mc = min(blockRows, m - i0);
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
  const tmp = slice + <usize>aPackBytes(m, k);
  const transA = load<i32>(job + J_TRANS_A) != 0;
  // Relaxed builds read transposed A in place (a panel's step is MR consecutive floats of a row of
  // A) and pack only its last, partial panel, while A's rows are short enough that a K block's steps
  // do not alias in the cache (rows of 4 KiB and more: 0.68× at m = 2048); everything else is
  // packed per K block.
  const inPlaceRows = ASC_FEATURE_RELAXED_SIMD && transA && m < TRANS_A_IN_PLACE_MAX_M ? mc - mc % MR : 0;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    if (inPlaceRows < mc) packABlock(a, aPack, m, k, transA, i0 + inPlaceRows, mc - inPlaceRows, k0, kc);
    const add = k0 > 0 || accumulate;
    const last = k0 + kc >= k;
    for (let jp = jp0; jp < jp1; jp++) {
      const j0 = jp * NR;
      const cols = min(NR, n - j0);
      const bp = bPacked + ((<usize>k0 * nUp + <usize>j0 * kc) << 2);
      for (let ir = 0; ir < mc; ir += MR) {
        const rows = min(MR, mc - ir);
        const cp = c + <usize>(i0 + ir) * ldc + (<usize>j0 << 2);
        let ap: usize, sk: usize;
        if (ir < inPlaceRows) {
          ap = a + ((<usize>k0 * m + i0 + ir) << 2);
          sk = <usize>m << 2;
        } else {
          ap = aPack + <usize>(ir - inPlaceRows) * kc * (ASC_FEATURE_RELAXED_SIMD ? 4 : 16);
          sk = MR << 2;
        }
        if (rows == MR && cols == NR) {
          microKernel(kc, ap, sk, bp, cp, ldc, add);
        } else {
          // Edge: compute the full tile into tmp (rows past mc are zero in the packed panel), then
          // move the valid part.
          microKernel(kc, ap, sk, bp, tmp, NR << 2, false);
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

// Bytes of one participant's packed A block (packABlock).
function aPackBytes(m: i32, k: i32): i64 {
  return <i64>roundUp(min(MC, m), MR) * min(KC, k) * (ASC_FEATURE_RELAXED_SIMD ? 4 : 16);
}

// Bytes of scratch a gemm of this shape needs with `threads` participants (job record, packed B,
// one A-packing slice per thread); saturates at 2^31-1 so an impossible size fails to allocate.
export function gemmScratchBytes(batch: i32, m: i32, n: i32, k: i32, strideB: i32, threads: i32): i32 {
  const nB: i64 = strideB == 0 ? 1 : batch;
  const packedB = align64(nB * k * roundUp(n, NR) * 4);
  const slice = align64(aPackBytes(m, k) + MR * NR * 4);
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
  const group = threads > 1 ? min(PACK_GROUP, max(1, panels * nB / (2 * threads))) : PACK_GROUP;
  const packTilesPerB = (panels + group - 1) / group;
  const packedBBytes = <usize>align64(<i64>nB * k * nUp * 4);
  const sliceBytes = <usize>align64(aPackBytes(m, k) + MR * NR * 4);
  // With threads, cut about four tiles per thread to balance. Every row block streams all of packed
  // B (K×N) and every column block all of A (M×K, repacked unless read in place), so the cuts go
  // first across the larger of M and N: smaller row blocks (down to MC_MIN rows), then columns.
  const want = 4 * threads;
  let blockRows = MC;
  if (threads > 1 && batch > 0 && m >= n && batch * ((m + MC - 1) / MC) < want) {
    const perItem = (want + batch - 1) / batch;
    blockRows = min(MC, max(MC_MIN, m / perItem / MR * MR));
  }
  const rowBlocks = (m + blockRows - 1) / blockRows;
  let colBlocks = 1;
  if (threads > 1 && batch > 0 && rowBlocks > 0) {
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
  store<i32>(job + J_PACK_GROUP, group);
  store<i32>(job + J_MC, blockRows);
}
