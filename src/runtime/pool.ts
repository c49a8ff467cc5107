// Worker pool for the shared-memory builds. Each worker instantiates the same WebAssembly.Module over
// the same shared Memory and sleeps on a generation word in a small control block (Ctl in
// assembly/abi.ts); a job — any kind assembly/jobs.ts dispatches — is run by publishing it there,
// waking the workers and joining in: caller and workers claim tiles from a counter in shared memory
// (assembly/parallel.ts), so a job finishes even if no worker ever wakes.
// Workers are unref'd (they never keep a process alive) and are not stopped when setThreads lowers
// the count: a job simply admits fewer of them.
import { checkInt } from "../errors.js";
import { hasSharedMemory } from "./features.js";
import { isInitialized, runtime, type Runtime } from "./wasm.js";
import { Ctl } from "./abi.js";

// Control block slots, in i32 units.
const ACTIVE = Ctl.active >> 2;
const OPEN = Ctl.open >> 2;
const JOB = Ctl.job >> 2;
const GEN = Ctl.gen >> 2;
const MAX_THREADS = 256;

type NodeWorker = { unref(): void; on(event: string, fn: (e: unknown) => void): void };
type WorkerThreads = { Worker: new (code: string, opts: object) => NodeWorker };

// Node, Deno and Bun: worker_threads (eval'd code, so no worker file has to be found next to src/ or
// dist/) and the core count, loaded without top-level await (init() awaits `poolModulesReady`, so
// the default thread count is right from the first op; nothing fails where they do not exist).
// Until they arrive, jobs run on the caller alone.
let workerThreads: WorkerThreads | null = null;
let nodeCores = 0;
let nodeLoading = typeof process !== "undefined" && typeof process.versions?.node === "string";
export const poolModulesReady: Promise<void> = !nodeLoading ? Promise.resolve() :
  Promise.all([import("node:os"), import("node:worker_threads")]).then(([os, wt]) => {
    nodeCores = os.availableParallelism?.() ?? os.cpus().length;
    workerThreads = wt as unknown as WorkerThreads;
  }, () => {}).finally(() => { nodeLoading = false; });
const sharedMemoryWorks = hasSharedMemory();

function coreCount(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, Math.min(MAX_THREADS, nav?.hardwareConcurrency || nodeCores || 1));
}

let requested: number | null = null; // null: one per core where memory can be shared

function setting(): number {
  return requested ?? (sharedMemoryWorks ? coreCount() : 1);
}

/** Sets how many threads (caller included) large jobs may use. Workers start on first use. */
export function setThreads(n: number): void {
  requested = checkInt("setThreads(n)", n, 1, MAX_THREADS);
}

/** Threads a large job uses on the current runtime (1 without shared memory). */
export function threadsInUse(): number {
  const shared = isInitialized() ? runtime().shared : sharedMemoryWorks;
  return shared ? setting() : 1;
}

/** Threads a job on `rt` may use: the setting if its memory is shared, else 1. */
export function threadsFor(rt: Runtime): number {
  return rt.shared ? setting() : 1;
}

// Polls before sleeping after a job (~50 µs): back-to-back matmuls (a training step, a model's
// layers) then start without a futex wake-up, which costs ~15-20 µs each time.
const SPIN = 1 << 15;

// The worker's whole program. It blocks in Atomics.wait between jobs, which a worker may do.
const workerLoop = `
  const ex = new WebAssembly.Instance(wasmModule, { env: { memory } }).exports;
  const i32 = new Int32Array(memory.buffer);
  const gen = (ctl >> 2) + ${GEN};
  let seen = Atomics.load(i32, gen);
  for (;;) {
    ex.join(ctl, index);
    for (let i = 0; i < ${SPIN} && Atomics.load(i32, gen) === seen; i++);
    Atomics.wait(i32, gen, seen);
    seen = Atomics.load(i32, gen);
  }`;
const nodeWorkerCode = `const { wasmModule, memory, ctl, index } = require("node:worker_threads").workerData;${workerLoop}`;
const webWorkerCode = `onmessage = (e) => { const { wasmModule, memory, ctl, index } = e.data;${workerLoop} };`;

class Pool {
  readonly ctl: number;
  private workers = 0;
  private noWorkers = false; // this runtime cannot start workers: stop trying
  private canWait = true;

  constructor(private readonly rt: Runtime) {
    this.ctl = rt.arena.alloc(Ctl.bytes);
    new Int32Array(rt.memory.buffer, this.ctl, Ctl.bytes >> 2).fill(0);
  }

  /** Starts workers up to `threads - 1`; they join jobs once they have instantiated the module. */
  grow(threads: number): void {
    if (nodeLoading) return; // worker_threads is still being imported: next job
    for (; !this.noWorkers && this.workers < threads - 1; this.workers++) {
      const data = { wasmModule: this.rt.module, memory: this.rt.memory, ctl: this.ctl, index: this.workers + 1 };
      try {
        if (workerThreads) {
          const w = new workerThreads.Worker(nodeWorkerCode, { eval: true, workerData: data });
          w.on("error", () => {}); // a worker that dies only leaves its tiles to the others
          w.unref();
        } else if (typeof Worker !== "undefined" && typeof Blob !== "undefined") {
          const url = URL.createObjectURL(new Blob([webWorkerCode], { type: "text/javascript" }));
          new Worker(url).postMessage(data);
        } else {
          this.noWorkers = true;
        }
      } catch {
        this.noWorkers = true; // the caller does every tile
      }
    }
  }

  /** Runs the prepared job at `job` on the caller and whichever workers wake in time. */
  run(job: number, threads: number): void {
    this.grow(threads);
    const i32 = new Int32Array(this.rt.memory.buffer, this.ctl, Ctl.bytes >> 2);
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

const pools = new WeakMap<WebAssembly.Memory, Pool>();

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
