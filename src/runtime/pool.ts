// Worker pool for the shared-memory builds. Each worker instantiates the same WebAssembly.Module over
// the same shared Memory and sleeps on a generation word in a small control block (Ctl in
// assembly/abi.ts); a job — any kind assembly/jobs.ts dispatches — is run by publishing it there,
// waking the workers and joining in: caller and workers claim tiles from a counter in shared memory
// (assembly/parallel.ts), so a job finishes even if no worker ever wakes.
// Workers are unref'd (they never keep a process alive). Lowering the thread count asks the surplus
// workers to leave (the `live` word of the control block) rather than killing them, so none can die
// between entering and leaving join(); shutdownThreads() asks all of them and waits until they are gone.
// A worker counts (threadsInUse) once it has instantiated the module and said so; where none can
// start (workerd has no Worker, a Content-Security-Policy refuses blob: workers) the reason is kept.
import { checkInt, fail } from "../errors.js";
import { hasSharedMemory } from "./features.js";
import { builtin, builtinSync, isNodeLike } from "./platform.js";
import type { Runtime } from "./wasm.js";
import { Ctl } from "./abi.js";

// Control block slots, in i32 units.
const ACTIVE = Ctl.active >> 2;
const OPEN = Ctl.open >> 2;
const JOB = Ctl.job >> 2;
const LIVE = Ctl.live >> 2;
const GEN = Ctl.gen >> 2;

// At most this many threads per core. Past the core count threads only take turns on the same cores,
// and each worker holds a V8 isolate and a module instance (~8 MB: setThreads(256) cost 2.1 GB on two
// cores), but a few per core still let a user oversubscribe on purpose, e.g. where a container reports
// fewer cores than the job really gets.
const THREADS_PER_CORE = 4;
// Before Node's core count has loaded (tessera/manual before init()), setThreads accepts up to this and
// the pool clamps to the real cap when it starts workers.
const UNKNOWN_CORES_MAX = 256;

type NodeWorker = {
  unref(): void;
  on(event: string, fn: (e: unknown) => void): void;
  terminate(): Promise<number>;
};
type WorkerThreads = { Worker: new (code: string, opts: object) => NodeWorker };

// Node, Deno and Bun: worker_threads (eval'd code, so no worker file has to be found next to src/ or
// dist/) and the core count, synchronously where the runtime can (process.getBuiltinModule, the
// CommonJS entry), else loaded without top-level await (init() awaits `poolModulesReady`, so the
// default thread count is right from the first op; nothing fails where they do not exist). Until
// they arrive, jobs run on the caller alone.
type Os = { availableParallelism?: () => number; cpus(): unknown[] };
let workerThreads: WorkerThreads | null = null;
let nodeCores = 0;
let nodeLoading = isNodeLike();
function adoptNodeModules(os: Os | null, wt: unknown): void {
  if (os) nodeCores = os.availableParallelism?.() ?? os.cpus().length;
  if (wt && typeof (wt as WorkerThreads).Worker === "function") workerThreads = wt as WorkerThreads;
  nodeLoading = false;
}
if (nodeLoading && builtinSync("os") && builtinSync("worker_threads")) adoptNodeModules(builtinSync<Os>("os"), builtinSync("worker_threads"));
export const poolModulesReady: Promise<void> = !nodeLoading ? Promise.resolve() :
  Promise.all([builtin<Os>("os"), builtin("worker_threads")]).then(([os, wt]) => adoptNodeModules(os, wt), () => { nodeLoading = false; });
/** Called by the CommonJS entry once it has handed over the built-ins: no waiting at all. */
export function loadPoolModulesSync(): void {
  if (nodeLoading) adoptNodeModules(builtinSync<Os>("os"), builtinSync("worker_threads"));
}
const sharedMemoryWorks = hasSharedMemory();

// 0 while unknown (Node's count still loading, or a runtime that does not tell).
function knownCores(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency || nodeCores;
}

function coreCount(): number {
  return Math.max(1, knownCores());
}

/** The most threads setThreads accepts: THREADS_PER_CORE per core. */
export function maxThreads(): number {
  return THREADS_PER_CORE * coreCount();
}

let requested: number | null = null; // null: one per core where memory can be shared

function setting(): number {
  return Math.min(requested ?? (sharedMemoryWorks ? coreCount() : 1), maxThreads());
}

/**
 * Sets how many threads (caller included) large jobs may use, at most 4 per core. Workers start on
 * first use; lowering the count lets the surplus workers exit.
 */
export function setThreads(n: number): void {
  checkInt("setThreads(n)", n, 1);
  const max = nodeLoading && !knownCores() ? UNKNOWN_CORES_MAX : maxThreads();
  if (n > max) fail("E_RANGE", "setThreads(n)", `an integer in [1, ${max}] (${THREADS_PER_CORE} per core on ${coreCount()} cores)`, n);
  requested = n;
  for (const p of pools.values()) p.keep(setting() - 1);
}

/**
 * Threads a large job on `rt` really gets: the caller plus the pool workers that started (each
 * instantiated the module and reported in). 1 without shared memory, where workers cannot start,
 * and before the pool's workers have come up.
 */
export function threadsInUse(rt: Runtime | null): number {
  if (!rt?.shared) return 1;
  const p = pools.get(rt.memory);
  return p ? Math.min(setting(), 1 + p.ready()) : 1;
}

/** Why a job on `rt` gets fewer threads than setThreads() asked for, or null when it does not. */
export function threadsReason(rt: Runtime | null): string | null {
  if (rt === null) return null;
  if (!rt.shared) {
    if (!sharedMemoryWorks) {
      const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
      return isolated === false
        ? "no shared memory: the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)"
        : "no shared memory (SharedArrayBuffer) in this runtime";
    }
    return `the ${rt.build} build has no threads`;
  }
  if (setting() <= 1) return null;
  const p = pools.get(rt.memory);
  if (p?.failure) return p.failure;
  if (!p || 1 + p.ready() < setting()) return "workers are still starting";
  return null;
}

/** Threads a job on `rt` may use: the setting if its memory is shared, else 1. */
export function threadsFor(rt: Runtime): number {
  return rt.shared ? setting() : 1;
}

// Polls before sleeping after a job (~50 µs): back-to-back matmuls (a training step, a model's
// layers) then start without a futex wake-up, which costs ~15-20 µs each time.
const SPIN = 1 << 15;

// The worker's whole program. It blocks in Atomics.wait between jobs, which a worker may do, and
// returns once its index is above `live`; `exited()` then tells the pool its slot is free.
const workerLoop = `
  const ex = new WebAssembly.Instance(wasmModule, { env: { memory } }).exports;
  ready();
  const i32 = new Int32Array(memory.buffer);
  const gen = (ctl >> 2) + ${GEN}, live = (ctl >> 2) + ${LIVE};
  let seen = Atomics.load(i32, gen);
  while (index <= Atomics.load(i32, live)) {
    ex.join(ctl, index);
    for (let i = 0; i < ${SPIN} && Atomics.load(i32, gen) === seen; i++);
    if (Atomics.load(i32, gen) === seen) Atomics.wait(i32, gen, seen);
    seen = Atomics.load(i32, gen);
  }
  exited();`;
// Node evaluates it as CommonJS, or as a module when the process runs with --input-type=module
// (workers inherit execArgv): the async wrapper and a require() fallback to import() fit both.
const nodeWorkerCode = `(async () => {
  const { workerData, parentPort } = typeof require === "function" ? require("node:worker_threads") : await import("node:worker_threads");
  const { wasmModule, memory, ctl, index } = workerData;
  const ready = () => parentPort.postMessage("ready");
  const exited = () => {};${workerLoop}
})();`;
const webWorkerCode = `onmessage = (e) => { const { wasmModule, memory, ctl, index } = e.data;
  const ready = () => postMessage("ready");
  const exited = () => { postMessage("exited"); close(); };${workerLoop} };`;

/** A started worker: `stop` ends it at once (only once it is no longer needed, see shutdown). */
interface Slot {
  stop(): Promise<unknown>;
  gone: Promise<void>;
  /** It instantiated the module and is taking part in jobs. */
  ready: boolean;
}

class Pool {
  readonly ctl: number;
  private readonly slots: (Slot | null)[] = []; // slots[i]: worker i + 1
  private noWorkers = false; // this runtime cannot start workers: stop trying
  private canWait = true;
  /** Why workers could not start, once one failed to. */
  failure: string | null = null;
  private readyWaiters: (() => void)[] = [];

  constructor(private readonly rt: Runtime) {
    this.ctl = rt.arena.alloc(Ctl.bytes);
    new Int32Array(rt.memory.buffer, this.ctl, Ctl.bytes >> 2).fill(0);
  }

  private ctlView(): Int32Array {
    return new Int32Array(this.rt.memory.buffer, this.ctl, Ctl.bytes >> 2);
  }

  /** Keeps workers 1..n; those above leave once they next wake, which this wakes them to do. */
  keep(n: number): void {
    const i32 = this.ctlView();
    const before = Atomics.exchange(i32, LIVE, n);
    if (n < before) {
      Atomics.add(i32, GEN, 1);
      Atomics.notify(i32, GEN);
    }
  }

  /** Starts the missing workers up to `threads - 1`; they join jobs once they have instantiated the module. */
  grow(threads: number): void {
    if (nodeLoading) return; // worker_threads is still being imported: next job
    const want = Math.min(threads, maxThreads()) - 1;
    this.keep(want);
    for (let i = 0; !this.noWorkers && i < want; i++) {
      if (!this.slots[i]) this.slots[i] = this.start(i + 1);
    }
  }

  /** Workers that instantiated the module and take part in jobs. */
  ready(): number {
    return this.slots.filter((s) => s?.ready).length;
  }

  /** Resolves once every started worker is ready or gone, or after `ms`. */
  settled(ms: number): Promise<void> {
    const pending = () => this.slots.some((s) => s !== null && !s.ready);
    return new Promise<void>((resolve) => {
      const check = (): void => {
        if (pending()) return;
        clearTimeout(timer);
        this.readyWaiters = this.readyWaiters.filter((w) => w !== check);
        resolve();
      };
      const timer = setTimeout(() => { this.readyWaiters = this.readyWaiters.filter((w) => w !== check); resolve(); }, ms);
      this.readyWaiters.push(check);
      check();
    });
  }

  private changed(): void {
    for (const w of [...this.readyWaiters]) w();
  }

  private giveUp(why: string): void {
    this.noWorkers = true; // the caller does every tile
    this.failure ??= why;
  }

  // A worker whose slot is free again only once it has exited, so two never share an index (a
  // gemm worker's A-packing slice is chosen by index). One that fails before it is ready (a CSP
  // refusing blob: workers reports it asynchronously) stops the pool from trying again.
  private start(index: number): Slot | null {
    const data = { wasmModule: this.rt.module, memory: this.rt.memory, ctl: this.ctl, index };
    let slot: Slot | null = null;
    const free = (): void => {
      if (slot && !slot.ready) this.giveUp(`a worker failed to start`);
      if (this.slots[index - 1] === slot) this.slots[index - 1] = null;
      this.changed();
    };
    const isReady = (): void => {
      if (slot) slot.ready = true;
      this.changed();
    };
    try {
      if (workerThreads) {
        const w = new workerThreads.Worker(nodeWorkerCode, { eval: true, workerData: data });
        w.on("error", (e) => { if (slot && !slot.ready) this.giveUp(`a worker failed to start: ${String(e)}`); }); // a worker that dies later only leaves its tiles to the others
        w.on("message", (m) => { if (m === "ready") isReady(); });
        w.unref();
        slot = { ready: false, stop: () => w.terminate(), gone: new Promise((resolve) => w.on("exit", () => { free(); resolve(); })) };
      } else if (typeof Worker !== "undefined" && typeof Blob !== "undefined" && typeof URL.createObjectURL === "function") {
        const url = URL.createObjectURL(new Blob([webWorkerCode], { type: "text/javascript" }));
        let w: Worker;
        try {
          w = new Worker(url);
        } finally {
          URL.revokeObjectURL(url);
        }
        let done = (): void => {};
        const gone = new Promise<void>((resolve) => (done = resolve));
        const end = (): void => { free(); done(); };
        w.onmessage = (e) => (e.data === "ready" ? isReady() : end());
        w.onerror = (e) => {
          if (slot && !slot.ready) this.giveUp(`a worker failed to start (${e.message || "error event"}; a Content-Security-Policy without worker-src blob: blocks them)`);
          end();
        };
        w.postMessage(data);
        slot = { ready: false, stop: () => (w.terminate(), end(), gone), gone };
      } else {
        this.giveUp("this runtime has no Worker (e.g. Cloudflare workerd): jobs run on the calling thread");
      }
    } catch (e) {
      this.giveUp(`workers cannot start here: ${String(e)}`);
    }
    return slot;
  }

  /** Asks every worker to leave; resolves once all are gone (those still running after `graceMs` are stopped). */
  async shutdown(graceMs: number): Promise<void> {
    this.keep(0);
    const slots = this.slots.filter((s): s is Slot => s !== null);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(slots.map((s) => s.gone)), late]);
    clearTimeout(timer);
    await Promise.all(slots.map((s) => s.stop()));
  }

  /** Workers started and not yet exited. */
  running(): number {
    return this.slots.filter((s) => s !== null).length;
  }

  /** Returns the control block to the arena (after shutdown: no worker reads it any more). */
  release(): void {
    this.rt.arena.release(this.ctl);
  }

  /** Runs the prepared job at `job` on the caller and whichever workers wake in time. */
  run(job: number, threads: number): void {
    this.grow(threads);
    const i32 = this.ctlView();
    i32[JOB] = job;
    Atomics.store(i32, OPEN, 1);
    Atomics.add(i32, GEN, 1);
    Atomics.notify(i32, GEN);
    this.rt.exports.join(this.ctl, 0);
    // All tiles are claimed; close the job and wait for workers still inside it to leave.
    Atomics.store(i32, OPEN, 0);
    for (let i = 0, v = Atomics.load(i32, ACTIVE); v !== 0; i++, v = Atomics.load(i32, ACTIVE)) {
      if (!this.canWait || i < SPIN) continue; // the last tiles usually end within microseconds
      try {
        Atomics.wait(i32, ACTIVE, v, 1000);
      } catch {
        this.canWait = false; // a browser main thread may not block: spin instead
      }
    }
  }
}

// One pool per shared memory. Held strongly: its workers hold the memory anyway until shut down.
const pools = new Map<WebAssembly.Memory, Pool>();

/**
 * Runs the job record a kernel family's `…Prepare` export wrote at `job` (assembly/jobs.ts): on the
 * calling thread alone when `threads` is 1, else on the pool of `rt` (created on first use).
 */
export function runJob(rt: Runtime, job: number, threads: number): void {
  if (threads <= 1 || !rt.shared) {
    rt.exports.runJob(job, 0);
    return;
  }
  let p = pools.get(rt.memory);
  if (!p) pools.set(rt.memory, (p = new Pool(rt)));
  p.run(job, threads);
}

/**
 * Starts the pool of a threaded runtime's workers (init() calls it) and resolves once they are
 * ready or failed (or after 2 s), so info() tells the truth from the start.
 */
export function startPool(rt: Runtime): Promise<void> {
  if (!rt.shared || setting() <= 1) return Promise.resolve();
  let p = pools.get(rt.memory);
  if (!p) pools.set(rt.memory, (p = new Pool(rt)));
  p.grow(setting());
  return p.settled(2000);
}

/** Pool workers of `rt` started and not yet exited (the caller not counted). */
export function workersRunning(rt: Runtime): number {
  return pools.get(rt.memory)?.running() ?? 0;
}

/**
 * Ends every pool worker and frees the pools' control blocks; resolves once the workers are gone.
 * The thread setting stays: the next large job starts a fresh pool.
 */
export async function shutdownThreads(): Promise<void> {
  const all = [...pools.entries()];
  pools.clear(); // jobs from now on start new pools with new control blocks
  await Promise.all(all.map(async ([, p]) => {
    await p.shutdown(2000);
    p.release();
  }));
}
