// gemm for the CPU backend: sizes the packing scratch, takes it from the arena, and runs the WASM
// kernel (assembly/matmul.ts) on the calling thread or, when the product is large enough to repay
// waking workers, on the pool (src/runtime/pool.ts). Inputs are assumed validated by the tensor op.
import { runtime, type Runtime } from "../../runtime/wasm.js";
import { runJob, threadsFor } from "../../runtime/pool.js";
import { GemvJob } from "../../runtime/abi.js";

export interface GemmArgs {
  /** Byte addresses in WASM memory. A: [m,k] ([k,m] if transA); B: [k,n] ([n,k] if transB); C: [m,n]. */
  a: number;
  b: number;
  c: number;
  m: number;
  n: number;
  k: number;
  /** Independent products; the operands of item i start at a + i·strideA·4 etc. Default 1. */
  batch?: number;
  /** Elements between batch items; 0 broadcasts one operand to all. Defaults: m·k, k·n, m·n. */
  strideA?: number;
  strideB?: number;
  strideC?: number;
  transA?: boolean;
  transB?: boolean;
  /** Byte address of a bias [n] added to every row, or 0. */
  bias?: number;
  /** C += A·B (+ bias). */
  accumulate?: boolean;
}

// Below this many multiply-adds a job runs on the calling thread. Measured 2 threads vs 1
// (threads-relaxed, square n, workers already awake): n = 64 0.59×, 80 0.99×, 96 1.14×,
// 128 (2^21 MACs) 1.25×, 192 1.45×, 256 1.77×. The break-even is near 2^19.5 MACs; we start at
// 2^21 so that a noisy machine or a sleeping worker (a futex wake-up is ~15-20 µs) still gains.
// Those figures predate the 5×8 kernel and row-first tiles; re-measuring needs both cores free,
// which bench/README.md records they were not (best samples since: n = 128 1.35×, 192 1.60×).
export const THREAD_MIN_MACS = 2 ** 21;

// Rows up to which a single product runs as matrix-vector products (assembly/gemv.ts): no packing,
// each weight read once. Decoding one token per sequence is m = batch.
const GEMV_MAX_ROWS = 4;
// A gemv is memory-bound: a second thread pays from ~2^19 multiply-adds (2 MiB of weights).
const GEMV_THREAD_MIN_MACS = 2 ** 19;

/** C = A·B (+ C) (+ bias) for each batch item. Returns nothing; writes C. */
export function gemm(args: GemmArgs, rt: Runtime = runtime()): void {
  const { a, b, c, m, n, k } = args;
  const batch = args.batch ?? 1;
  if (!(batch > 0 && m > 0 && n > 0 && k >= 0)) return;
  const strideA = args.strideA ?? m * k;
  const strideB = args.strideB ?? k * n;
  const strideC = args.strideC ?? m * n;
  const macs = batch * m * n * k;
  if (batch === 1 && m <= GEMV_MAX_ROWS && !args.transA && k > 0) {
    const threadsV = macs >= GEMV_THREAD_MIN_MACS ? threadsFor(rt) : 1;
    const job = rt.arena.alloc(GemvJob.bytes);
    try {
      rt.exports.gemvPrepare(a, b, c, args.bias ?? 0, m, n, k, args.transB ? 1 : 0, args.accumulate ? 1 : 0, job, threadsV);
      runJob(rt, job, threadsV);
    } finally {
      rt.arena.release(job);
    }
    return;
  }
  const threads = macs >= THREAD_MIN_MACS ? threadsFor(rt) : 1;
  const ex = rt.exports;
  const scratch = rt.arena.alloc(ex.gemmScratchBytes(batch, m, n, k, strideB, threads));
  try {
    ex.gemmPrepare(a, b, c, args.bias ?? 0, batch, m, n, k, args.transA ? 1 : 0, args.transB ? 1 : 0,
      strideA, strideB, strideC, args.accumulate ? 1 : 0, scratch, threads);
    runJob(rt, scratch, threads);
  } finally {
    rt.arena.release(scratch);
  }
}
