// The worker pool: setThreads validation, and a threaded gemm giving the same bits as one thread
// (every element sums its K blocks in the same order whoever computes the tile).
import { afterAll, describe, expect, it } from "vitest";
import { loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { setThreads, threadsFor } from "../../src/runtime/pool.js";
import { gemm } from "../../src/backend/cpu-wasm/gemm.js";
import { TesseraError } from "../../src/errors.js";

function fill(rt: Runtime, n: number, seed: number): number {
  const p = rt.arena.alloc(n * 4);
  const x = new Float32Array(rt.memory.buffer, p, n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(seed + i * 0.37);
  return p;
}

describe("pool", () => {
  afterAll(() => setThreads(1));

  it.each(["threads", "threads-relaxed"] as const)("setThreads(2) matches 1 thread bit for bit on the %s build", async (build) => {
    const rt = await loadRuntime({ build });
    const [batch, m, n, k] = [2, 300, 280, 260];
    const a = fill(rt, batch * m * k, 1), b = fill(rt, k * n, 2), bias = fill(rt, n, 3);
    const c1 = rt.arena.alloc(batch * m * n * 4), c2 = rt.arena.alloc(batch * m * n * 4);
    const args = { a, b, m, n, k, batch, strideB: 0, bias };
    setThreads(1);
    gemm({ ...args, c: c1 }, rt);
    setThreads(2);
    expect(threadsFor(rt)).toBe(2);
    gemm({ ...args, c: c2 }, rt); // starts the workers; they may not be ready yet
    await new Promise((r) => setTimeout(r, 200));
    for (let rep = 0; rep < 5; rep++) {
      new Float32Array(rt.memory.buffer, c2, batch * m * n).fill(NaN);
      gemm({ ...args, c: c2 }, rt);
      const x = new Float32Array(rt.memory.buffer, c1, batch * m * n), y = new Float32Array(rt.memory.buffer, c2, batch * m * n);
      expect(y.findIndex((v, i) => !Object.is(v, x[i]))).toBe(-1);
    }
  });

  it("uses one thread on a build without shared memory", async () => {
    const rt = await loadRuntime({ build: "simd" });
    setThreads(2);
    expect(threadsFor(rt)).toBe(1);
  });

  it("rejects bad thread counts with E_TYPE / E_RANGE", () => {
    for (const [bad, code] of [["2", "E_TYPE"], [null, "E_TYPE"], [0, "E_RANGE"], [-1, "E_RANGE"], [1.5, "E_RANGE"],
      [NaN, "E_RANGE"], [Infinity, "E_RANGE"], [1e6, "E_RANGE"]] as const) {
      expect(() => setThreads(bad as never)).toThrow(TesseraError);
      expect(() => setThreads(bad as never)).toThrow(expect.objectContaining({ code }));
    }
  });
});
