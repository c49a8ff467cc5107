// k-means sessions for the CPU backend: the buffers of assembly/kmeans.ts (one KMeansRun record per
// restart, the job record, per-thread scratch) taken from the arena, and each pass written as one job
// whose (run, chunk) tiles the worker pool shares once the pass is big enough to repay waking it.
import { JobKind, KMeansFlag, KMeansJob, KMeansPhase, KMeansRun } from "../../runtime/abi.js";
import { runJob, threadsFor } from "../../runtime/pool.js";
import type { Runtime } from "../../runtime/wasm.js";
import type { Handle, KMeansPassKind, KMeansSession, KMeansSessionOptions } from "../backend.js";

// Rows per chunk (one tile). 256 rows × 16 centres × 32 features is 131k multiply-adds, ~5 µs: big
// enough to amortise the claim, small enough that 20 000 rows make ~80 tiles to balance.
const CHUNK = 256;
// Per-chunk sums are f64 [k, d]; past this many bytes for all runs, chunks grow (in steps of CHUNK).
const PARTIALS_BUDGET = 64 << 20;
// Below this many multiply-adds a pass runs on the calling thread (gemm's measured break-even,
// src/backend/cpu-wasm/gemm.ts THREAD_MIN_MACS).
export const KMEANS_THREAD_MIN_MACS = 2 ** 21;

const PHASE: Record<KMeansPassKind, number> = { assign: KMeansPhase.assign, elkan: KMeansPhase.elkan, elkanInit: KMeansPhase.elkanInit };

export class CpuKMeansSession implements KMeansSession {
  readonly n: number;
  readonly d: number;
  readonly k: number;
  private readonly kPad: number;
  private readonly chunkRows: number;
  private readonly nChunks: number;
  private readonly blocks: number[] = [];
  private readonly runRecords: number[] = [];
  private readonly job: number;
  private readonly runList: number;
  private readonly xNorm: number;
  private slices = 0;
  private slicesFor = 0;
  private readonly sliceBytes: number;
  private disposed = false;
  private lastCandidates = 0;

  constructor(private readonly rt: Runtime, private readonly x: number, n: number, d: number, private readonly o: KMeansSessionOptions) {
    this.n = n;
    this.d = d;
    this.k = o.k;
    this.kPad = Math.ceil(Math.max(o.k, o.nTrials, 1) / 8) * 8;
    const perChunk = o.runs * o.k * d * 8;
    const maxChunks = Math.max(1, Math.floor(PARTIALS_BUDGET / Math.max(perChunk, 1)));
    const minChunks = Math.ceil(n / CHUNK);
    this.chunkRows = CHUNK * Math.ceil(minChunks / Math.min(minChunks, maxChunks));
    this.nChunks = Math.max(1, Math.ceil(n / this.chunkRows));
    const ex = rt.exports;
    this.sliceBytes = ex.kmeansSliceBytes(o.k, d, this.kPad);
    try {
      this.job = this.block(KMeansJob.bytes);
      this.runList = this.block(4 * o.runs);
      this.xNorm = this.block(4 * n);
      ex.kmeansRowNorms(x, n, d, this.xNorm);
      for (let r = 0; r < o.runs; r++) this.runRecords.push(this.makeRun());
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  private block(bytes: number): number {
    const p = this.rt.arena.alloc(Math.max(bytes, 16));
    this.blocks.push(p);
    return p;
  }

  private i32(): Int32Array { return new Int32Array(this.rt.memory.buffer); }
  private f32(): Float32Array { return new Float32Array(this.rt.memory.buffer); }
  private f64(): Float64Array { return new Float64Array(this.rt.memory.buffer); }

  private makeRun(): number {
    const { n, d, k, kPad, nChunks } = this;
    const rec = this.block(KMeansRun.bytes);
    const fields: [number, number][] = [
      [KMeansRun.centres, 4 * k * d], [KMeansRun.packed, 4 * kPad * d], [KMeansRun.norms, 4 * kPad],
      [KMeansRun.labels, 4 * n], [KMeansRun.sums, 8 * nChunks * k * d], [KMeansRun.counts, 8 * nChunks * k],
      [KMeansRun.inertia, 8 * nChunks], [KMeansRun.changed, 4 * nChunks],
    ];
    if (this.o.elkan) {
      fields.push([KMeansRun.upper, 4 * n], [KMeansRun.lower, 4 * n * k], [KMeansRun.halfDist, 4 * k * k],
        [KMeansRun.nextCentre, 4 * k], [KMeansRun.shift, 4 * k]);
    }
    if (this.o.nTrials > 0) {
      fields.push([KMeansRun.closest, 4 * n], [KMeansRun.trials, 4 * this.o.nTrials * n], [KMeansRun.pot, 8 * nChunks * this.o.nTrials]);
    }
    const addrs = fields.map(([, bytes]) => this.block(bytes));
    const i32 = this.i32();
    i32.fill(0, rec >> 2, (rec + KMeansRun.bytes) >> 2);
    fields.forEach(([off], i) => { i32[(rec + off) >> 2] = addrs[i]; });
    i32[(rec + KMeansRun.commit) >> 2] = -1;
    const labels = i32[(rec + KMeansRun.labels) >> 2];
    i32.fill(-1, labels >> 2, (labels >> 2) + n);
    if (this.o.elkan) {
      const shift = i32[(rec + KMeansRun.shift) >> 2];
      this.f32().fill(0, shift >> 2, (shift >> 2) + k);
    }
    return rec;
  }

  private field(run: number, f: number): number {
    return this.i32()[(this.runRecords[run] + f) >> 2];
  }

  private live(): void {
    if (this.disposed) throw new Error("k-means session used after dispose");
  }

  refresh(): void {
    this.live();
    this.rt.exports.kmeansRowNorms(this.x, this.n, this.d, this.xNorm);
  }

  setCentres(run: number, centres: Float32Array, shift: Float32Array | null = null): void {
    this.live();
    const { k, d, kPad } = this;
    const c = this.field(run, KMeansRun.centres);
    this.f32().set(centres.subarray(0, k * d), c >> 2);
    this.rt.exports.kmeansPack(c, k, d, kPad, this.field(run, KMeansRun.packed), this.field(run, KMeansRun.norms));
    if (this.o.elkan) {
      this.rt.exports.kmeansCentreGeometry(c, k, d, this.field(run, KMeansRun.halfDist), this.field(run, KMeansRun.nextCentre));
      const s = this.field(run, KMeansRun.shift) >> 2;
      if (shift) this.f32().set(shift.subarray(0, k), s);
      else this.f32().fill(0, s, s + k);
    }
  }

  /** Writes the job record for `phase` over `runs` with `k` centres each and runs it. */
  private run(phase: number, flags: number, runs: readonly number[], k: number): void {
    const { n, d, nChunks } = this;
    const kPad = Math.ceil(k / 8) * 8;
    const macs = runs.length * n * d * (phase === KMeansPhase.elkan || phase === KMeansPhase.elkanInit ? 2 : kPad);
    const threads = macs >= KMEANS_THREAD_MIN_MACS ? threadsFor(this.rt) : 1;
    if (this.slicesFor < threads) {
      if (this.slices) {
        this.rt.arena.release(this.slices);
        this.blocks.splice(this.blocks.indexOf(this.slices), 1);
      }
      this.slices = this.block(threads * this.sliceBytes);
      this.slicesFor = threads;
    }
    const i32 = this.i32();
    const j = this.job >> 2;
    const set = (off: number, v: number) => { i32[j + (off >> 2)] = v; };
    set(KMeansJob.phase, phase);
    set(KMeansJob.flags, flags);
    set(KMeansJob.x, this.x);
    set(KMeansJob.xNorm, this.xNorm);
    set(KMeansJob.n, n);
    set(KMeansJob.d, d);
    set(KMeansJob.k, k);
    set(KMeansJob.kPad, kPad);
    set(KMeansJob.chunkRows, this.chunkRows);
    set(KMeansJob.nChunks, nChunks);
    set(KMeansJob.runs, this.runList);
    set(KMeansJob.nRuns, runs.length);
    set(KMeansJob.slices, this.slices);
    set(KMeansJob.sliceBytes, this.sliceBytes);
    runs.forEach((r, i) => { i32[(this.runList >> 2) + i] = this.runRecords[r]; });
    this.rt.exports.jobInit(this.job, JobKind.kmeans, threads, runs.length * nChunks);
    runJob(this.rt, this.job, threads);
  }

  seed(runs: readonly number[], candidates: readonly Float32Array[], commit: readonly number[]): Float64Array[] {
    this.live();
    const { d, nChunks } = this;
    const nCand = candidates[0].length / d;
    if (nCand > this.o.nTrials) throw new Error(`k-means session: ${nCand} candidates, buffers for ${this.o.nTrials}`);
    const kPad = Math.ceil(nCand / 8) * 8;
    runs.forEach((r, i) => {
      // The candidates go where the centres are packed: a seed step runs before any centre is set.
      const c = this.field(r, KMeansRun.centres);
      this.f32().set(candidates[i], c >> 2);
      this.rt.exports.kmeansPack(c, nCand, d, kPad, this.field(r, KMeansRun.packed), this.field(r, KMeansRun.norms));
      const rec = this.runRecords[r];
      this.i32()[(rec + KMeansRun.commit) >> 2] = commit[i];
      if (commit[i] < 0) {
        const closest = this.field(r, KMeansRun.closest) >> 2;
        this.f32().fill(Infinity, closest, closest + this.n);
      }
    });
    this.run(KMeansPhase.seed, 0, runs, nCand);
    this.lastCandidates = nCand;
    const f64 = this.f64();
    return runs.map((r) => {
      const pot = this.field(r, KMeansRun.pot) >> 3;
      const out = new Float64Array(nCand);
      for (let c = 0; c < nChunks; c++) for (let t = 0; t < nCand; t++) out[t] += f64[pot + c * nCand + t];
      return out;
    });
  }

  seedSearch(run: number, candidate: number, targets: Float64Array): Int32Array {
    this.live();
    const { n, nChunks, chunkRows } = this;
    const nCand = this.lastCandidates;
    const f64 = this.f64();
    const pot = this.field(run, KMeansRun.pot) >> 3;
    const f32 = this.f32();
    const row = (this.field(run, KMeansRun.trials) >> 2) + candidate * n;
    const out = new Int32Array(targets.length);
    targets.forEach((v, t) => {
      // the chunk whose running total reaches v, from the per-chunk sums; then the row within it
      let before = 0;
      let c = 0;
      for (; c < nChunks - 1; c++) {
        const s = f64[pot + c * nCand + candidate];
        if (before + s >= v) break;
        before += s;
      }
      let i = c * chunkRows;
      const end = Math.min(n, i + chunkRows);
      let sum = before;
      for (; i < end; i++) {
        sum += f32[row + i];
        if (sum >= v) break;
      }
      out[t] = Math.min(i, n - 1);
    });
    return out;
  }

  pass(runs: readonly number[], kind: KMeansPassKind, flags: { update?: boolean; inertia?: boolean }): { changed: number[]; inertia: number[] } {
    this.live();
    if (runs.length === 0) return { changed: [], inertia: [] };
    const { k, d, nChunks } = this;
    const bits = (flags.update ? KMeansFlag.update : 0) | (flags.inertia ? KMeansFlag.inertia : 0);
    this.run(PHASE[kind], kind === "elkanInit" ? 0 : bits, runs, k);
    const changed: number[] = [];
    const inertia: number[] = [];
    for (const r of runs) {
      if (flags.update && kind !== "elkanInit") {
        changed.push(this.rt.exports.kmeansReduce(this.runRecords[r], nChunks, k, d));
      } else {
        const i32 = this.i32();
        const at = this.field(r, KMeansRun.changed) >> 2;
        let c = 0;
        for (let i = 0; i < nChunks; i++) c += i32[at + i];
        changed.push(c);
      }
      let s = 0;
      if (flags.inertia) {
        const f64 = this.f64();
        const at = this.field(r, KMeansRun.inertia) >> 3;
        for (let i = 0; i < nChunks; i++) s += f64[at + i];
      }
      inertia.push(s);
    }
    return { changed, inertia };
  }

  clusterSums(run: number): { sums: Float64Array; counts: Float64Array } {
    this.live();
    const { k, d } = this;
    const f64 = this.f64();
    const s = this.field(run, KMeansRun.sums) >> 3;
    const c = this.field(run, KMeansRun.counts) >> 3;
    return { sums: f64.slice(s, s + k * d), counts: f64.slice(c, c + k) };
  }

  labels(run: number): Int32Array {
    this.live();
    const at = this.field(run, KMeansRun.labels) >> 2;
    return this.i32().slice(at, at + this.n);
  }

  distances(run: number): Float32Array {
    this.live();
    const { n, k } = this;
    const rec = this.runRecords[run];
    let out = this.i32()[(rec + KMeansRun.out) >> 2];
    if (!out) {
      out = this.block(4 * n * k);
      this.i32()[(rec + KMeansRun.out) >> 2] = out;
    }
    this.run(KMeansPhase.distances, 0, [run], k);
    return this.f32().slice(out >> 2, (out >> 2) + n * k);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.blocks) this.rt.arena.release(p);
    this.blocks.length = 0;
  }
}

/** A k-means session over x (a byte address of float32 [n, d]) on `rt`. */
export function kmeansSession(rt: Runtime, x: Handle, n: number, d: number, options: KMeansSessionOptions): KMeansSession {
  return new CpuKMeansSession(rt, x as number, n, d, options);
}
