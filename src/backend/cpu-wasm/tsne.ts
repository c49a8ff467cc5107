// t-SNE and nearest-neighbour kernels for the CPU backend (assembly/tsne.ts, assembly/neighbors.ts):
// brute-force k nearest neighbours, the perplexity search, and a session that keeps the embedding,
// the affinities and the optimiser state in WASM memory and runs one gradient step per call — the
// tree built on the calling thread, the forces over the worker pool.
import { JobKind, KnnJob, TsneCell, TsneJob, TsneNode, TsnePhase } from "../../runtime/abi.js";
import { runJob, threadsFor } from "../../runtime/pool.js";
import type { Runtime } from "../../runtime/wasm.js";
import type { TsneAffinities, TsneSession, TsneSessionOptions, TsneStepArgs } from "../backend.js";

// Query rows per kNN tile and rows per t-SNE tile: enough tiles for two to eight threads to balance
// at n = 2000, few enough that claiming stays negligible.
const KNN_CHUNK = 32;
const TSNE_CHUNK = 64;
// Below these sizes a pass runs on the calling thread: a kNN pass of n·n·d = 2^21 multiply-adds,
// a Barnes–Hut pass of 512 rows (~0.5 ms), an exact pass of 256 rows.
const KNN_THREAD_MIN_MACS = 2 ** 21;
const BH_THREAD_MIN_ROWS = 512;
const EXACT_THREAD_MIN_ROWS = 256;

class Blocks {
  readonly list: number[] = [];
  constructor(private readonly rt: Runtime) {}
  alloc(bytes: number): number {
    const p = this.rt.arena.alloc(Math.max(bytes, 16));
    this.list.push(p);
    return p;
  }
  release(p: number): void {
    const i = this.list.indexOf(p);
    if (i >= 0) this.list.splice(i, 1);
    this.rt.arena.release(p);
  }
  releaseAll(): void {
    for (const p of this.list) this.rt.arena.release(p);
    this.list.length = 0;
  }
}

function setFields(rt: Runtime, record: number, fields: [number, number][]): void {
  const i32 = new Int32Array(rt.memory.buffer);
  for (const [off, v] of fields) i32[(record + off) >> 2] = v;
}

/** Indices [n, k] of the k nearest other rows of x: float32 [n, d] and their squared distances, nearest first. */
export function nearestNeighbors(rt: Runtime, x: number, n: number, d: number, k: number): { indices: Int32Array; distances: Float32Array } {
  const b = new Blocks(rt);
  try {
    const nPad = Math.ceil(n / 8) * 8;
    const threads = n * n * d >= KNN_THREAD_MIN_MACS ? threadsFor(rt) : 1;
    const sliceBytes = Math.ceil((16 * nPad + 8 * k) / 64) * 64;
    const job = b.alloc(KnnJob.bytes), xNorm = b.alloc(4 * n), packed = b.alloc(4 * nPad * d), norms = b.alloc(4 * nPad);
    const indices = b.alloc(4 * n * k), distances = b.alloc(4 * n * k), slices = b.alloc(threads * sliceBytes);
    const ex = rt.exports;
    ex.kmeansRowNorms(x, n, d, xNorm);
    ex.kmeansPack(x, n, d, nPad, packed, norms);
    setFields(rt, job, [[KnnJob.x, x], [KnnJob.xNorm, xNorm], [KnnJob.packed, packed], [KnnJob.norms, norms], [KnnJob.n, n],
      [KnnJob.d, d], [KnnJob.nPad, nPad], [KnnJob.k, k], [KnnJob.indices, indices], [KnnJob.distances, distances],
      [KnnJob.chunkRows, KNN_CHUNK], [KnnJob.slices, slices], [KnnJob.sliceBytes, sliceBytes]]);
    ex.jobInit(job, JobKind.knn, threads, Math.ceil(n / KNN_CHUNK));
    runJob(rt, job, threads);
    return {
      indices: new Int32Array(rt.memory.buffer).slice(indices >> 2, (indices >> 2) + n * k),
      distances: new Float32Array(rt.memory.buffer).slice(distances >> 2, (distances >> 2) + n * k),
    };
  } finally {
    b.releaseAll();
  }
}

/**
 * Conditional probabilities [n, k] from squared distances [n, k] by the perplexity search; with
 * skipSelf the rows hold all n points and column i of row i is left out (k = n).
 */
export function conditionalProbabilities(rt: Runtime, dist2: Float32Array, n: number, k: number, perplexity: number, skipSelf: boolean): Float32Array {
  const b = new Blocks(rt);
  try {
    const threads = n >= BH_THREAD_MIN_ROWS ? threadsFor(rt) : 1;
    const nChunks = Math.ceil(n / TSNE_CHUNK);
    const sliceBytes = Math.ceil((8 * k) / 64) * 64;
    const job = b.alloc(TsneJob.bytes), d = b.alloc(4 * n * k), out = b.alloc(4 * n * k);
    const partials = b.alloc(32 * nChunks), slices = b.alloc(threads * sliceBytes);
    new Float32Array(rt.memory.buffer).set(dist2.subarray(0, n * k), d >> 2);
    setFields(rt, job, [[TsneJob.phase, TsnePhase.perplexity], [TsneJob.n, n], [TsneJob.chunkRows, TSNE_CHUNK],
      [TsneJob.nChunks, nChunks], [TsneJob.dist2, d], [TsneJob.kNeighbors, k], [TsneJob.skipSelf, skipSelf ? 1 : 0],
      [TsneJob.condP, out], [TsneJob.partials, partials], [TsneJob.slices, slices], [TsneJob.sliceBytes, sliceBytes]]);
    new Float32Array(rt.memory.buffer)[(job + TsneJob.perplexity) >> 2] = perplexity;
    rt.exports.jobInit(job, JobKind.tsne, threads, nChunks);
    runJob(rt, job, threads);
    return new Float32Array(rt.memory.buffer).slice(out >> 2, (out >> 2) + n * k);
  } finally {
    b.releaseAll();
  }
}

class CpuTsneSession implements TsneSession {
  private readonly b: Blocks;
  private readonly job: number;
  private readonly y: number;
  private readonly pos: number;
  private readonly neg: number;
  private readonly update: number;
  private readonly gains: number;
  private readonly partials: number;
  private readonly nChunks: number;
  private readonly threads: number;
  private order = 0;
  private seen = 0;
  private cells = 0;
  private nodes = 0;
  private capacity = 0;
  private disposed = false;

  constructor(private readonly rt: Runtime, readonly n: number, readonly dims: number, p: TsneAffinities, private readonly o: TsneSessionOptions) {
    this.b = new Blocks(rt);
    try {
      const count = n * dims;
      this.nChunks = Math.ceil(n / TSNE_CHUNK);
      this.threads = n >= (p.kind === "sparse" ? BH_THREAD_MIN_ROWS : EXACT_THREAD_MIN_ROWS) ? threadsFor(rt) : 1;
      this.job = this.b.alloc(TsneJob.bytes);
      this.y = this.b.alloc(4 * count);
      this.pos = this.b.alloc(4 * count);
      this.neg = this.b.alloc(4 * count);
      this.update = this.b.alloc(4 * count);
      this.gains = this.b.alloc(4 * count);
      this.partials = this.b.alloc(32 * this.nChunks);
      const fields: [number, number][] = [[TsneJob.n, n], [TsneJob.dims, dims], [TsneJob.chunkRows, TSNE_CHUNK],
        [TsneJob.nChunks, this.nChunks], [TsneJob.y, this.y], [TsneJob.pos, this.pos], [TsneJob.neg, this.neg],
        [TsneJob.partials, this.partials]];
      if (p.kind === "sparse") {
        const nnz = p.indices.length;
        const indptr = this.b.alloc(4 * (n + 1)), indices = this.b.alloc(4 * nnz), values = this.b.alloc(4 * nnz);
        new Int32Array(rt.memory.buffer).set(p.indptr, indptr >> 2);
        new Int32Array(rt.memory.buffer).set(p.indices, indices >> 2);
        new Float32Array(rt.memory.buffer).set(p.values, values >> 2);
        fields.push([TsneJob.indptr, indptr], [TsneJob.indices, indices], [TsneJob.values, values]);
        const order = this.b.alloc(4 * n);
        this.seen = this.b.alloc(n);
        fields.push([TsneJob.order, order]);
        this.order = order;
        this.growTree(Math.max(64, 4 * n));
      } else {
        const dense = this.b.alloc(4 * n * n);
        new Float32Array(rt.memory.buffer).set(p.values.subarray(0, n * n), dense >> 2);
        fields.push([TsneJob.dense, dense]);
      }
      setFields(rt, this.job, fields);
      const f32 = new Float32Array(rt.memory.buffer);
      f32[(this.job + TsneJob.dof) >> 2] = o.degreesOfFreedom;
      this.resetOptimizer();
    } catch (e) {
      this.b.releaseAll();
      throw e;
    }
  }

  private growTree(capacity: number): void {
    if (this.cells) {
      this.b.release(this.cells);
      this.b.release(this.nodes);
    }
    this.cells = this.b.alloc(capacity * TsneCell.bytes);
    this.nodes = this.b.alloc(capacity * TsneNode.bytes);
    this.capacity = capacity;
    setFields(this.rt, this.job, [[TsneJob.tree, this.nodes]]);
  }

  private live(): void {
    if (this.disposed) throw new Error("t-SNE session used after dispose");
  }

  setEmbedding(y: Float32Array): void {
    this.live();
    new Float32Array(this.rt.memory.buffer).set(y.subarray(0, this.n * this.dims), this.y >> 2);
  }

  embedding(): Float32Array {
    this.live();
    const at = this.y >> 2;
    return new Float32Array(this.rt.memory.buffer).slice(at, at + this.n * this.dims);
  }

  resetOptimizer(): void {
    const f32 = new Float32Array(this.rt.memory.buffer);
    const count = this.n * this.dims;
    f32.fill(0, this.update >> 2, (this.update >> 2) + count);
    f32.fill(1, this.gains >> 2, (this.gains >> 2) + count);
  }

  private pass(phase: number): void {
    setFields(this.rt, this.job, [[TsneJob.phase, phase]]);
    this.rt.exports.jobInit(this.job, JobKind.tsne, this.threads, this.nChunks);
    runJob(this.rt, this.job, this.threads);
  }

  private sums(): [number, number, number, number] {
    const f64 = new Float64Array(this.rt.memory.buffer);
    const s: [number, number, number, number] = [0, 0, 0, 0];
    const at = this.partials >> 3;
    for (let c = 0; c < this.nChunks; c++) for (let j = 0; j < 4; j++) s[j] += f64[at + 4 * c + j];
    return s;
  }

  /** Forces for the current embedding: returns Z (Barnes–Hut: Σ size·q) and the KL divergence (NaN without computeError). */
  private forces(exaggeration: number, computeError: boolean): { sumQ: number; error: number } {
    const f32 = new Float32Array(this.rt.memory.buffer);
    f32[(this.job + TsneJob.exaggeration) >> 2] = exaggeration;
    setFields(this.rt, this.job, [[TsneJob.computeError, computeError ? 1 : 0]]);
    if (this.o.method === "barnes_hut") {
      for (;;) {
        const used = this.rt.exports.tsneBuildTree(this.y, this.n, this.dims, this.cells, this.capacity, this.nodes, this.o.angle * this.o.angle, this.order, this.seen);
        if (used >= 0) break;
        this.growTree(this.capacity * 2);
      }
      this.pass(TsnePhase.barnesHut);
      const [sumQ, plogp, plogq, psum] = this.sums();
      return { sumQ, error: computeError ? plogp - plogq + psum * Math.log(sumQ) : NaN };
    }
    this.pass(TsnePhase.exactSum);
    const z = this.sums()[0];
    new Float32Array(this.rt.memory.buffer)[(this.job + TsneJob.sumQ) >> 2] = z;
    this.pass(TsnePhase.exactGrad);
    return { sumQ: z, error: computeError ? this.sums()[1] : NaN };
  }

  step(a: TsneStepArgs): { error: number; gradNorm: number } {
    this.live();
    const { sumQ, error } = this.forces(a.exaggeration, a.computeError);
    const gradNorm = this.rt.exports.tsneStep(this.y, this.pos, this.neg, this.update, this.gains, this.n * this.dims,
      this.o.method === "barnes_hut" ? 1 : 0, sumQ, this.scale(), a.momentum, a.learningRate, a.minGain);
    return { error, gradNorm };
  }

  private scale(): number {
    const dof = this.o.degreesOfFreedom;
    return (2 * (dof + 1)) / dof;
  }

  gradient(exaggeration: number): { grad: Float32Array; error: number } {
    this.live();
    const { sumQ, error } = this.forces(exaggeration, true);
    const count = this.n * this.dims;
    const out = this.b.alloc(4 * count);
    try {
      this.rt.exports.tsneGradient(this.pos, this.neg, out, count, this.o.method === "barnes_hut" ? 1 : 0, sumQ, this.scale());
      return { grad: new Float32Array(this.rt.memory.buffer).slice(out >> 2, (out >> 2) + count), error };
    } finally {
      this.b.release(out);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.b.releaseAll();
  }
}

export function tsneSession(rt: Runtime, n: number, dims: number, p: TsneAffinities, options: TsneSessionOptions): TsneSession {
  return new CpuTsneSession(rt, n, dims, p, options);
}

