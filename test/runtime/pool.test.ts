// The worker pool: setThreads validation and its cap, a threaded gemm giving the same bits as one
// thread (every element sums its K blocks in the same order whoever computes the tile), surplus
// workers leaving when the count drops, shutdownThreads and a restart after it, and workers never
// keeping a Node process alive.
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { maxThreads, poolModulesReady, setThreads, shutdownThreads, threadsFor, workersRunning } from "../../src/runtime/pool.js";
import { gemm } from "../../src/backend/cpu-wasm/gemm.js";
import { TesseraError } from "../../src/errors.js";

function fill(rt: Runtime, n: number, seed: number): number {
  const p = rt.arena.alloc(n * 4);
  const x = new Float32Array(rt.memory.buffer, p, n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(seed + i * 0.37);
  return p;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` (letting exit events run) for up to `ms`. */
async function eventually(cond: () => boolean, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) if (cond()) return true;
  return cond();
}

/** A gemm large enough to use the pool, and the 1-thread result to compare with bit for bit. */
async function threadedCase(build: "threads" | "threads-relaxed") {
  const rt = await loadRuntime({ build });
  const [batch, m, n, k] = [2, 300, 280, 260];
  const a = fill(rt, batch * m * k, 1), b = fill(rt, k * n, 2), bias = fill(rt, n, 3);
  const c1 = rt.arena.alloc(batch * m * n * 4), c2 = rt.arena.alloc(batch * m * n * 4);
  const args = { a, b, m, n, k, batch, strideB: 0, bias };
  setThreads(1);
  gemm({ ...args, c: c1 }, rt);
  const run = (): void => gemm({ ...args, c: c2 }, rt);
  const same = (): boolean => {
    const x = new Float32Array(rt.memory.buffer, c1, batch * m * n), y = new Float32Array(rt.memory.buffer, c2, batch * m * n);
    return y.findIndex((v, i) => !Object.is(v, x[i])) === -1;
  };
  const clear = (): void => void new Float32Array(rt.memory.buffer, c2, batch * m * n).fill(NaN);
  return { rt, run, same, clear };
}

describe("pool", () => {
  afterAll(async () => {
    setThreads(1);
    await shutdownThreads();
  });

  it.each(["threads", "threads-relaxed"] as const)("setThreads(2) matches 1 thread bit for bit on the %s build", async (build) => {
    const { rt, run, same, clear } = await threadedCase(build);
    setThreads(2);
    expect(threadsFor(rt)).toBe(2);
    run(); // starts the workers; they may not be ready yet
    await sleep(200);
    for (let rep = 0; rep < 5; rep++) {
      clear();
      run();
      expect(same()).toBe(true);
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

  it("caps the count at 4 threads per core, naming the argument, the limit and the value", async () => {
    await poolModulesReady;
    const max = maxThreads();
    expect(max).toBeGreaterThanOrEqual(4);
    expect(() => setThreads(max)).not.toThrow();
    expect(() => setThreads(max + 1)).toThrow(expect.objectContaining({
      code: "E_RANGE",
      message: expect.stringMatching(new RegExp(`^setThreads\\(n\\): expected an integer in \\[1, ${max}\\] \\(4 per core on \\d+ cores\\), received ${max + 1}$`)),
    }));
    expect(() => setThreads(256)).toThrow(TesseraError);
    setThreads(1);
  });

  it("lets surplus workers exit when the count drops, and still matches 1 thread", async () => {
    const { rt, run, same, clear } = await threadedCase("threads-relaxed");
    setThreads(4);
    run();
    expect(await eventually(() => workersRunning(rt) === 3)).toBe(true);
    setThreads(2);
    expect(await eventually(() => workersRunning(rt) === 1)).toBe(true);
    clear();
    run();
    expect(same()).toBe(true);
    setThreads(3); // grows again: a new worker 2 (the old one has exited, so no index is shared)
    run();
    expect(workersRunning(rt)).toBe(2);
    await sleep(100);
    clear();
    run();
    expect(same()).toBe(true);
  });

  it("shutdownThreads ends every worker and frees the control block; the next job starts a fresh pool", async () => {
    const { rt, run, same, clear } = await threadedCase("threads");
    setThreads(2);
    run();
    expect(workersRunning(rt)).toBe(1);
    const live = rt.arena.liveBlocks;
    await shutdownThreads();
    expect(workersRunning(rt)).toBe(0);
    expect(rt.arena.liveBlocks).toBe(live - 1); // the control block
    await shutdownThreads(); // nothing left to end: resolves at once
    clear();
    run(); // restarts the pool
    expect(workersRunning(rt)).toBe(1);
    expect(same()).toBe(true);
    await sleep(200);
    clear();
    run();
    expect(same()).toBe(true);
    await shutdownThreads();
  });

  it("never keeps a Node process alive", () => {
    // A process that starts workers and never shuts them down must still exit by itself.
    const dist = new URL("../../dist/", import.meta.url);
    const script = `
      import { loadRuntime } from ${JSON.stringify(new URL("runtime/wasm.js", dist).href)};
      import { poolModulesReady, setThreads, workersRunning } from ${JSON.stringify(new URL("runtime/pool.js", dist).href)};
      import { gemm } from ${JSON.stringify(new URL("backend/cpu-wasm/gemm.js", dist).href)};
      const rt = await loadRuntime({ build: "threads" });
      await poolModulesReady;
      setThreads(2);
      const n = 256, p = rt.arena.alloc(n * n * 4);
      gemm({ a: p, b: p, c: p + 0, m: n, n, k: n }, rt);
      console.log("workers", workersRunning(rt));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { timeout: 20_000, encoding: "utf8", cwd: fileURLToPath(dist) });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe("workers 1");
  });
});
