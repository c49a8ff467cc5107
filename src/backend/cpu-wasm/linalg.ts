// Float64 linear algebra for the CPU backend (assembly/linalg.ts): the centred Gram product as a
// threaded job, and the symmetric eigensolver. Inputs and results are host arrays (d×d sized); the
// scratch comes from the arena and is released before returning, even on failure.
import { CovarianceJob, JobKind } from "../../runtime/abi.js";
import { runJob, threadsFor } from "../../runtime/pool.js";
import type { Runtime } from "../../runtime/wasm.js";
import { TesseraError } from "../../errors.js";

// Columns per tile side: a 32×32 f64 output tile (8 KiB) and two 128-row slices of its columns
// (2 × 32 KiB) stay in L2; d = 256 gives 36 tiles for the threads to share.
const BLOCK = 32;
// Threads from this many multiply-adds (gemm's measured break-even, see gemm.ts).
const THREAD_MIN_MACS = 2 ** 21;

function withBlocks<T>(rt: Runtime, sizes: number[], body: (ptrs: number[]) => T): T {
  const ptrs: number[] = [];
  try {
    for (const s of sizes) ptrs.push(rt.arena.alloc(Math.max(s, 16)));
    return body(ptrs);
  } finally {
    for (const p of ptrs) rt.arena.release(p);
  }
}

/**
 * Column means of x: float32 [n, d] and the centred product Σ_i (x_i − mean)(x_i − mean)ᵀ [d, d],
 * or with `gram` the product of the centred rows (x_i − mean)·(x_j − mean) [n, n], in float64.
 */
export function centredProduct(rt: Runtime, x: number, n: number, d: number, gram: boolean): { mean: Float64Array; matrix: Float64Array } {
  const m = gram ? d : n;
  const p = gram ? n : d;
  const pPad = Math.ceil(p / 4) * 4;
  const nb = Math.ceil(pPad / BLOCK);
  return withBlocks(rt, [8 * d, 8 * m * pPad, 8 * pPad * pPad, CovarianceJob.bytes], ([mean, y, out, job]) => {
    const ex = rt.exports;
    ex.columnMeansF64(x, n, d, mean);
    ex.centreF64(x, n, d, mean, y, pPad, gram ? 1 : 0);
    const i32 = new Int32Array(rt.memory.buffer);
    const j = job >> 2;
    i32[j + (CovarianceJob.y >> 2)] = y;
    i32[j + (CovarianceJob.m >> 2)] = m;
    i32[j + (CovarianceJob.p >> 2)] = pPad;
    i32[j + (CovarianceJob.out >> 2)] = out;
    i32[j + (CovarianceJob.blocks >> 2)] = nb;
    i32[j + (CovarianceJob.block >> 2)] = BLOCK;
    const threads = (m * pPad * pPad) / 2 >= THREAD_MIN_MACS ? threadsFor(rt) : 1;
    ex.jobInit(job, JobKind.covariance, threads, (nb * (nb + 1)) / 2);
    runJob(rt, job, threads);
    const f64 = new Float64Array(rt.memory.buffer);
    const matrix = new Float64Array(p * p);
    const o = out >> 3;
    for (let a = 0; a < p; a++) {
      for (let b = a; b < p; b++) {
        const v = f64[o + a * pPad + b];
        matrix[a * p + b] = v;
        matrix[b * p + a] = v;
      }
    }
    return { mean: f64.slice(mean >> 3, (mean >> 3) + d), matrix };
  });
}

/** Eigenvalues (ascending) and eigenvectors (row j for value j) of the symmetric a: [n, n]. */
export function symmetricEigen(rt: Runtime, a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(a[i])) throw new TesseraError("E_VALUE", `symmetricEigen: a[${Math.floor(i / n)}][${i % n}]: expected a finite number, received ${a[i]}`);
  }
  return withBlocks(rt, [8 * n * n, 8 * n, 8 * n], ([m, values, work]) => {
    new Float64Array(rt.memory.buffer).set(a.subarray(0, n * n), m >> 3);
    if (rt.exports.symmetricEigenF64(m, n, values, work) !== 0) {
      throw new TesseraError("E_VALUE", `symmetricEigen: expected the QL iterations to converge, received a matrix [${n}, ${n}] on which they did not`);
    }
    const f64 = new Float64Array(rt.memory.buffer);
    return { values: f64.slice(values >> 3, (values >> 3) + n), vectors: f64.slice(m >> 3, (m >> 3) + n * n) };
  });
}
