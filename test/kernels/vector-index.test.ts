// Flat top-k search kernel (assembly/vector-index.ts) on every build against the float64 brute force
// of test/support/brute-force-knn.ts. With small-integer vectors every float32 dot product and
// squared distance is exact, so ip and l2 results must equal the reference exactly — rows, scores
// and the order of ties (row ascending), which integer data makes frequent; cosine (a division) is
// compared at 1e-5. Shapes cover padding (dim not a multiple of 4), the 4-query and 1-query paths,
// row blocks (64) and their tails, k beyond the row count, and on the threads builds 2 threads with
// the rows split into chunks and merged (vectorTopkMerge).
import { afterAll, describe, it } from "vitest";
import { BUILDS, loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { vectorInvNorms, vectorSearch, type SearchMetric } from "../../src/backend/cpu-wasm/embeddings.js";
import { poolModulesReady, shutdownThreads } from "../../src/runtime/pool.js";
import { allocF32, putF32, readF32, readI32, release, rng } from "./util.js";
import { bruteForceKnn, expectKnn, scoreMap } from "../support/brute-force-knn.js";

function data(n: number, seed: number, integers: boolean): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (integers ? Math.round(r() * 3) : r()));
}

function pad(x: Float32Array, rows: number, dim: number, dimPad: number): Float32Array {
  const out = new Float32Array(rows * dimPad);
  for (let i = 0; i < rows; i++) out.set(x.subarray(i * dim, (i + 1) * dim), i * dimPad);
  return out;
}

function check(rt: Runtime, rows: number, dim: number, nq: number, k: number, metric: SearchMetric, threads: number, seed: number): void {
  const dimPad = (dim + 3) & ~3;
  const integers = metric !== "cosine";
  const x = data(rows * dim, seed, integers);
  if (rows > 2) x.fill(0, dim, 2 * dim); // a zero row: cosine must skip it
  const q = data(nq * dim, seed + 1, integers);
  const qIn = new Float32Array(nq * dimPad);
  for (let i = 0; i < nq; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += q[i * dim + j] ** 2;
    const inv = metric === "cosine" && s > 0 ? 1 / Math.sqrt(s) : 1;
    for (let j = 0; j < dim; j++) qIn[i * dimPad + j] = q[i * dim + j] * inv;
  }
  const base = putF32(rt, pad(x, rows, dim, dimPad)), inv = allocF32(rt, rows), qp = putF32(rt, qIn);
  const outS = allocF32(rt, nq * k), outR = allocF32(rt, nq * k);
  try {
    vectorInvNorms(base, rows, dimPad, inv, rt);
    vectorSearch({ base, invNorm: inv, rows, dimPad, queries: qp, nq, k, metric, outScores: outS, outRows: outR, threads }, rt);
    const gotS = readF32(rt, outS, nq * k), gotR = readI32(rt, outR, nq * k);
    for (let i = 0; i < nq; i++) {
      const qi = q.subarray(i * dim, (i + 1) * dim);
      const ref = bruteForceKnn(x, rows, dim, qi, k, metric);
      const tol = metric === "cosine" ? 1e-5 : 0;
      expectKnn(gotR.subarray(i * k, (i + 1) * k), gotS.subarray(i * k, (i + 1) * k), ref, tol ? scoreMap(x, rows, dim, qi, metric) : new Map(), k, tol,
        `${metric} rows ${rows} dim ${dim} nq ${nq} k ${k} threads ${threads} seed ${seed} query ${i}`);
    }
  } finally {
    release(rt, base, inv, qp, outS, outR);
  }
}

const SHAPES: [number, number, number, number][] = [
  // rows, dim, nq, k
  [1, 1, 1, 1], [5, 3, 2, 8], [63, 4, 4, 5], [64, 37, 5, 10], [65, 8, 17, 3], [300, 128, 9, 20], [200, 2, 4, 200],
];

describe.each(BUILDS)("flat top-k search kernel on the %s build", (build) => {
  const runtimeP = loadRuntime({ build });
  afterAll(() => shutdownThreads());

  for (const metric of ["ip", "l2", "cosine"] as SearchMetric[]) {
    it(`${metric}: equals the float64 brute force on every shape`, async () => {
      const rt = await runtimeP;
      SHAPES.forEach(([rows, dim, nq, k], s) => check(rt, rows, dim, nq, k, metric, 1, 100 + s));
    });
  }

  it.runIf(build.startsWith("threads"))("2 threads, rows split into chunks and merged, ties across chunks", async () => {
    const rt = await runtimeP;
    await poolModulesReady;
    for (const metric of ["ip", "l2", "cosine"] as SearchMetric[]) {
      check(rt, 9000, 3, 2, 25, metric, 2, 7); // one query block, 2 chunks of 4500 rows
      check(rt, 3000, 6, 40, 7, metric, 2, 8); // three query blocks, no split
    }
  });
});
