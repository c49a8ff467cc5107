// gemm (assembly/matmul.ts via src/backend/cpu-wasm/gemm.ts) on every build against a float64 JS reference:
// odd shapes that hit every micro-kernel edge (NR = 8 columns, KC = 128; relaxed builds MR = 5 rows,
// MC = 65, transposed A read in place; simd builds MR = 4, MC = 64, A packed pre-broadcast),
// transposes, batch broadcast, the bias epilogue, accumulation, and the tiles of a threaded job;
// and the few-row products that take assembly/gemv.ts (m ≤ 4: tails of the 6- and 4-row and 16-column
// loops, tiles of 96 outputs, bias, accumulate, threads).
import { afterAll, describe, expect, it } from "vitest";
import { BUILDS, loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { gemm, THREAD_MIN_MACS, type GemmArgs } from "../../src/backend/cpu-wasm/gemm.js";
import { poolModulesReady, setThreads, shutdownThreads } from "../../src/runtime/pool.js";

function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1;
  };
}

interface Case {
  m: number; n: number; k: number;
  batch?: number; transA?: boolean; transB?: boolean;
  broadcastA?: boolean; broadcastB?: boolean;
  bias?: boolean; accumulate?: boolean;
  seed?: number;
}

/**
 * Runs one case on `rt` and checks every element against float64:
 * |c - ref| <= 1e-5·Σ|a||b| + 1e-6. The worst-case bound for f32 summation is k·2^-24·Σ|a||b|;
 * blocked FMA summation errs like √k·2^-24, so 1e-5 leaves margin for every K tested here (≤ 300).
 */
function check(rt: Runtime, cs: Case): void {
  const { m, n, k } = cs;
  const batch = cs.batch ?? 1;
  const seed = cs.seed ?? 1234 + m * 31 + n * 7 + k;
  const rand = rng(seed);
  const nA = cs.broadcastA ? 1 : batch, nB = cs.broadcastB ? 1 : batch;
  const A = Float32Array.from({ length: nA * m * k }, rand);
  const B = Float32Array.from({ length: nB * k * n }, rand);
  const C0 = Float32Array.from({ length: batch * m * n }, rand);
  const bias = Float32Array.from({ length: n }, rand);
  const put = (x: Float32Array): number => {
    const p = rt.arena.alloc(Math.max(4, x.length * 4));
    new Float32Array(rt.memory.buffer, p, x.length).set(x);
    return p;
  };
  const a = put(A), b = put(B), c = put(C0), pb = put(bias);
  const args: GemmArgs = {
    a, b, c, m, n, k, batch, transA: cs.transA, transB: cs.transB,
    strideA: cs.broadcastA ? 0 : m * k, strideB: cs.broadcastB ? 0 : k * n, strideC: m * n,
    bias: cs.bias ? pb : 0, accumulate: cs.accumulate,
  };
  gemm(args, rt);
  const got = new Float32Array(rt.memory.buffer, c, batch * m * n).slice();
  for (const p of [a, b, c, pb]) rt.arena.release(p);

  for (let t = 0; t < batch; t++) {
    const oa = cs.broadcastA ? 0 : t * m * k, ob = cs.broadcastB ? 0 : t * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, mag = 0;
        for (let p = 0; p < k; p++) {
          const x = A[oa + (cs.transA ? p * m + i : i * k + p)];
          const y = B[ob + (cs.transB ? j * k + p : p * n + j)];
          s += x * y;
          mag += Math.abs(x * y);
        }
        const idx = t * m * n + i * n + j;
        if (cs.accumulate) s += C0[idx];
        if (cs.bias) s += bias[j];
        const want = s;
        const tol = 1e-5 * (mag + 1) + 1e-6;
        if (!(Math.abs(got[idx] - want) <= tol)) {
          throw new Error(`${rt.build} ${JSON.stringify(cs)} seed ${seed}: C[${t}][${i},${j}] = ${got[idx]}, expected ${want} ± ${tol}`);
        }
      }
    }
  }
}

describe.each(BUILDS)("gemm on the %s build", (build) => {
  const runtimeP = loadRuntime({ build });
  afterAll(() => shutdownThreads());

  it("1x1x1 and every M, N, K in 1..9 (micro-kernel tails)", async () => {
    const rt = await runtimeP;
    check(rt, { m: 1, n: 1, k: 1 });
    for (let s = 1; s <= 9; s++) {
      check(rt, { m: s, n: 5, k: 6 });
      check(rt, { m: 6, n: s, k: 5 });
      check(rt, { m: 5, n: 6, k: s });
    }
  });

  it("every M, N, K in 1..13, plain and transposed", async () => {
    const rt = await runtimeP;
    for (let m = 1; m <= 13; m++) {
      for (let n = 1; n <= 13; n++) {
        for (let k = 1; k <= 13; k++) check(rt, { m, n, k });
        for (const k of [1, 4, 13]) {
          check(rt, { m, n, k, transA: true });
          check(rt, { m, n, k, transB: true, bias: true });
          check(rt, { m, n, k, transA: true, transB: true, accumulate: true });
        }
      }
    }
  });

  it("sizes around the blocking factors: MC ± 1 rows, NR·k ± 1 columns, KC ± 1 and 2·KC + 3 deep", async () => {
    const rt = await runtimeP;
    for (const m of [63, 64, 65, 66, 69, 70]) {
      for (const [n, k] of [[31, 127], [32, 128], [33, 129], [17, 259]]) {
        check(rt, { m, n, k });
        check(rt, { m, n, k, transA: true, bias: true });
        check(rt, { m, n, k, transB: true, accumulate: true });
      }
    }
  });

  it("odd and blocked sizes: 7x13x5, 65x129x33, 128x256x100, K > KC", async () => {
    const rt = await runtimeP;
    check(rt, { m: 7, n: 13, k: 5 });
    check(rt, { m: 65, n: 129, k: 33 });
    check(rt, { m: 128, n: 256, k: 100 });
    check(rt, { m: 131, n: 37, k: 300 }); // two K blocks and a partial row block
  });

  it("K = 0 gives C = bias or 0, and keeps C with accumulate", async () => {
    const rt = await runtimeP;
    check(rt, { m: 3, n: 9, k: 0 });
    check(rt, { m: 3, n: 9, k: 0, bias: true });
    check(rt, { m: 5, n: 4, k: 0, accumulate: true });
  });

  it("transposed A, B and both; transposed A with rows of 4 KiB and more (packed row by row)", async () => {
    const rt = await runtimeP;
    for (const [m, n, k] of [[7, 13, 5], [65, 129, 33], [9, 17, 260]]) {
      check(rt, { m, n, k, transA: true });
      check(rt, { m, n, k, transB: true });
      check(rt, { m, n, k, transA: true, transB: true });
    }
    check(rt, { m: 1024, n: 9, k: 131, transA: true });
    check(rt, { m: 1027, n: 13, k: 40, transA: true, transB: true, bias: true, accumulate: true });
  });

  it("batched, with per-item operands and with A or B broadcast (stride 0)", async () => {
    const rt = await runtimeP;
    check(rt, { m: 7, n: 13, k: 5, batch: 3 });
    check(rt, { m: 7, n: 13, k: 5, batch: 3, broadcastB: true });
    check(rt, { m: 33, n: 20, k: 17, batch: 4, broadcastA: true, transB: true });
    check(rt, { m: 70, n: 90, k: 40, batch: 5, broadcastB: true, bias: true });
  });

  it("bias on edge tiles and full tiles", async () => {
    const rt = await runtimeP;
    check(rt, { m: 9, n: 11, k: 7, bias: true });
    check(rt, { m: 65, n: 40, k: 30, bias: true });
  });

  it("accumulate: C += A·B, with the bias added to the sum", async () => {
    const rt = await runtimeP;
    check(rt, { m: 7, n: 13, k: 5, accumulate: true });
    check(rt, { m: 65, n: 129, k: 300, accumulate: true, bias: true });
    check(rt, { m: 6, n: 10, k: 12, batch: 2, accumulate: true, transA: true, transB: true });
  });

  it("m ≤ 4 (the gemv path): every m with B [n, k] and [k, n], n across 96-output tiles, k with SIMD tails, bias, accumulate", async () => {
    const rt = await runtimeP;
    for (let m = 1; m <= 4; m++) {
      for (const [n, k] of [[1, 1], [5, 3], [7, 9], [13, 4], [17, 9], [95, 7], [96, 33], [97, 5], [200, 130]]) {
        check(rt, { m, n, k, transB: true });
        check(rt, { m, n, k });
      }
      check(rt, { m, n: 70, k: 19, transB: true, bias: true });
      check(rt, { m, n: 70, k: 19, bias: true, accumulate: true });
      check(rt, { m, n: 33, k: 21, transB: true, accumulate: true });
    }
    check(rt, { m: 1, n: 2304, k: 300, transB: true, bias: true }); // above the gemv threading threshold
    check(rt, { m: 2, n: 1100, k: 280, bias: true });
  });

  it.runIf(build.startsWith("threads"))("threaded tiles on odd shapes match the reference (2 threads)", async () => {
    const rt = await runtimeP;
    await poolModulesReady;
    setThreads(2);
    const big = (m: number, n: number, k: number): void => expect(m * n * k).toBeGreaterThanOrEqual(THREAD_MIN_MACS);
    for (const cs of [{ m: 129, n: 135, k: 130 }, { m: 67, n: 1031, k: 33 }, { m: 1030, n: 9, k: 251 }] as Case[]) {
      big(cs.m, cs.n, cs.k);
      check(rt, cs);
      check(rt, { ...cs, transA: true, bias: true });
      check(rt, { ...cs, transB: true, accumulate: true });
    }
    check(rt, { m: 70, n: 90, k: 120, batch: 4, broadcastB: true, bias: true });
  });

  it("does nothing for empty products", async () => {
    const rt = await runtimeP;
    const c = rt.arena.alloc(64);
    new Float32Array(rt.memory.buffer, c, 4).fill(7);
    gemm({ a: c, b: c, c, m: 0, n: 4, k: 3 }, rt);
    gemm({ a: c, b: c, c, m: 2, n: 2, k: 3, batch: 0 }, rt);
    expect([...new Float32Array(rt.memory.buffer, c, 4)]).toEqual([7, 7, 7, 7]);
    rt.arena.release(c);
  });
});
