// The CPU device: the Backend interface over one loaded WASM runtime (src/runtime/wasm.ts). A handle
// is a byte address in the runtime's linear memory; each method is a thin call into the build's
// kernels (assembly/), with shapes and strides passed through a small scratch block this backend
// keeps (no allocation per call), and gemm and the recurrent layers sized, threaded and
// scratch-managed by ./gemm.ts and ./rnn.ts.
import { Binary, Reduce, Unary } from "../../runtime/abi.js";
import type { KernelExports } from "../../runtime/kernel-exports.js";
import type { Runtime } from "../../runtime/wasm.js";
import type {
  AdagradStepArgs, AdamStepArgs, AttentionArgs, AttentionBackwardArgs, Backend, BinaryOp, DType, GemmArgs, Handle, HostArray, KMeansSession,
  KMeansSessionOptions, ReduceOp, RmspropStepArgs, RnnBackwardArgs, RnnForwardArgs, SgdStepArgs, TsneAffinities, TsneSession, TsneSessionOptions,
  UnaryOp,
} from "../backend.js";
import { gemm } from "./gemm.js";
import { attentionBackward, attentionForward } from "./attention.js";
import { kmeansSession } from "./kmeans.js";
import { centredProduct, symmetricEigen } from "./linalg.js";
import { rnnBackward, rnnForward } from "./rnn.js";
import { conditionalProbabilities, nearestNeighbors, tsneSession } from "./tsne.js";
import {
  gloveEpoch, vectorInvNorms, vectorScoresAll, vectorSearch, word2vecExpTable, word2vecTiles,
  type GloveEpochArgs, type SearchMetric, type VectorSearchArgs, type Word2vecTilesArgs,
} from "./embeddings.js";

/**
 * A batch of tabular TD episodes (assembly/qlearn.ts). Handles are byte addresses. transitions:
 * nStates·nActions records of 4 elements {next: int32, done: int32, reward: float64 (two elements,
 * never −0)}; q: float64 [nStates·nActions] (two elements per value), updated in place; rng: 4
 * uint32 words of xoshiro128** state (in/out); returns: float64 [episodes]; steps, ended: int32
 * [episodes]. 1 ≤ nActions ≤ 256, maxSteps ≥ 1.
 */
export interface TabularEpisodesArgs {
  algorithm: "qlearning" | "sarsa";
  transitions: Handle;
  q: Handle;
  nStates: number;
  nActions: number;
  start: number;
  episodes: number;
  maxSteps: number;
  alpha: number;
  gamma: number;
  epsilon: number;
  epsilonDecay: number;
  minEpsilon: number;
  rng: Handle;
  returns: Handle;
  steps: Handle;
  ended: Handle;
}

export class CpuBackend implements Backend {
  readonly device = "cpu";
  readonly label: string;
  readonly syncRead = true;
  private readonly ex: KernelExports;
  // i32 scratch for shape / stride arrays: grows to the largest rank seen, never freed per call.
  private dims = 0;
  private dimsCap = 0;

  constructor(readonly rt: Runtime) {
    this.ex = rt.exports;
    this.label = `cpu (${rt.build} build)`;
    this.putDims(16, []); // the scratch lives as long as the backend: one block, allocated up front
  }

  // Fresh views each call: the memory may have grown (detaching old views) since the last one.
  private f32(): Float32Array { return new Float32Array(this.rt.memory.buffer); }
  private i32(): Int32Array { return new Int32Array(this.rt.memory.buffer); }

  /** Writes up to three i32 arrays of `len` values into the scratch; returns their addresses. */
  private putDims(len: number, a: readonly number[], b?: readonly number[], c?: readonly number[]): number {
    if (len * 3 > this.dimsCap) {
      const cap = Math.max(48, len * 3);
      const block = this.rt.arena.alloc(cap * 4);
      if (this.dims) this.rt.arena.release(this.dims);
      this.dims = block;
      this.dimsCap = cap;
    }
    const v = this.i32();
    const base = this.dims >> 2;
    for (let i = 0; i < a.length; i++) {
      v[base + i] = a[i];
      if (b) v[base + len + i] = b[i];
      if (c) v[base + 2 * len + i] = c[i];
    }
    return this.dims;
  }

  // ---- memory ----
  alloc(n: number): Handle { return this.rt.arena.alloc(Math.max(n, 1) * 4); }
  free(h: Handle): void { this.rt.arena.release(h as number); }

  write(h: Handle, src: ArrayLike<number>, dtype: DType, offset = 0): void {
    const at = ((h as number) >> 2) + offset;
    if (dtype === "int32") this.i32().set(src, at);
    else this.f32().set(src, at);
  }

  readSync(h: Handle, n: number, dtype: DType, out?: HostArray): HostArray {
    const at = (h as number) >> 2;
    const heap = dtype === "int32" ? this.i32() : this.f32();
    const dst = out ?? (dtype === "int32" ? new Int32Array(n) : new Float32Array(n));
    dst.set(heap.subarray(at, at + n));
    return dst;
  }

  read(h: Handle, n: number, dtype: DType): Promise<HostArray> {
    return Promise.resolve(this.readSync(h, n, dtype));
  }

  fill(h: Handle, n: number, value: number, dtype: DType): void {
    if (dtype === "int32") this.ex.fillI32(h as number, n, value);
    else this.ex.fillF32(h as number, n, value);
  }

  copy(dst: Handle, src: Handle, n: number): void { this.ex.copyBytes(dst as number, src as number, n * 4); }
  axpy(dst: Handle, src: Handle, n: number, alpha: number): void { this.ex.axpyF32(dst as number, src as number, n, alpha); }

  cast(src: Handle, dst: Handle, n: number, to: DType): void {
    if (to === "int32") this.ex.castF32ToI32(src as number, dst as number, n);
    else this.ex.castI32ToF32(src as number, dst as number, n);
  }

  // ---- elementwise ----
  unary(op: UnaryOp, x: Handle, out: Handle, n: number, p: number): void {
    this.ex.unaryF32(Unary[op], x as number, out as number, n, p);
  }

  unaryBackward(op: UnaryOp, x: Handle, y: Handle, dy: Handle, dx: Handle, n: number, p: number): void {
    this.ex.unaryBackwardF32(Unary[op], x as number, y as number, dy as number, dx as number, n, p);
  }

  binary(op: BinaryOp, a: Handle, b: Handle, out: Handle, n: number): void {
    this.ex.binaryF32(Binary[op], a as number, b as number, out as number, n);
  }

  binaryScalar(op: BinaryOp, a: Handle, s: number, out: Handle, n: number, scalarFirst: boolean): void {
    this.ex.binaryScalarF32(Binary[op], a as number, s, out as number, n, scalarFirst ? 1 : 0);
  }

  binaryBroadcast(op: BinaryOp, a: Handle, b: Handle, out: Handle, shape: readonly number[],
    aStrides: readonly number[], bStrides: readonly number[]): void {
    const nd = shape.length;
    const p = this.putDims(nd, shape, aStrides, bStrides);
    this.ex.binaryBroadcastF32(Binary[op], a as number, b as number, out as number, nd, p, p + 4 * nd, p + 8 * nd);
  }

  // ---- reductions ----
  reduceAxis(op: ReduceOp, x: Handle, out: Handle, outer: number, len: number, inner: number): void {
    this.ex.reduceAxisF32(Reduce[op], x as number, out as number, outer, len, inner);
  }

  argReduceAxis(op: "max" | "min", x: Handle, out: Handle, outer: number, len: number, inner: number): void {
    if (op === "max") this.ex.argmaxAxisF32(x as number, out as number, outer, len, inner);
    else this.ex.argminAxisF32(x as number, out as number, outer, len, inner);
  }

  scatterAxis(indices: Handle, dy: Handle, dx: Handle, outer: number, len: number, inner: number): void {
    this.ex.scatterAxisF32(indices as number, dy as number, dx as number, outer, len, inner);
  }

  // ---- layout ----
  stridedCopy(x: Handle, out: Handle, shape: readonly number[], strides: readonly number[], offset: number): void {
    const nd = shape.length;
    const p = this.putDims(nd, shape, strides);
    this.ex.stridedCopy32(x as number, out as number, nd, p, p + 4 * nd, offset);
  }

  stridedScatter(src: Handle, dst: Handle, shape: readonly number[], strides: readonly number[], offset: number, accumulate: boolean): void {
    const nd = shape.length;
    const p = this.putDims(nd, shape, strides);
    this.ex.stridedScatterF32(src as number, dst as number, nd, p, p + 4 * nd, offset, accumulate ? 1 : 0);
  }

  transpose2d(x: Handle, out: Handle, rows: number, cols: number): void {
    this.ex.transpose2dF32(x as number, out as number, rows, cols);
  }

  gatherRows(weight: Handle, ids: Handle, out: Handle, nIds: number, dim: number): void {
    this.ex.embeddingGatherF32(weight as number, ids as number, out as number, nIds, dim);
  }

  scatterAddRows(dOut: Handle, ids: Handle, dWeight: Handle, nIds: number, dim: number): void {
    this.ex.embeddingScatterAddF32(dOut as number, ids as number, dWeight as number, nIds, dim);
  }

  alongDimOffsets(idx: Handle, offsets: Handle, shape: readonly number[], xStrides: readonly number[], dim: number): void {
    const nd = shape.length;
    const p = this.putDims(nd, shape, xStrides);
    this.ex.alongDimOffsets(idx as number, offsets as number, nd, p, p + 4 * nd, dim);
  }

  findOutOfRange(ids: Handle, n: number, lo: number, hi: number, except: number): number {
    return this.ex.findOutOfRangeI32(ids as number, n, lo, hi, except);
  }

  // ---- matmul ----
  gemm(g: GemmArgs): void {
    gemm({
      a: g.a as number, b: g.b as number, c: g.c as number, m: g.m, n: g.n, k: g.k, batch: g.batch,
      strideA: g.strideA, strideB: g.strideB, strideC: g.strideC, transA: g.transA, transB: g.transB,
      bias: g.bias === null ? 0 : (g.bias as number), accumulate: g.accumulate,
    }, this.rt);
  }

  // ---- attention ----
  attentionForward(args: AttentionArgs): void { attentionForward(this.rt, args); }
  attentionBackward(args: AttentionBackwardArgs): void { attentionBackward(this.rt, args); }

  // ---- softmax, normalisation, losses, dropout ----
  softmaxRows(x: Handle, y: Handle, rows: number, cols: number): void {
    this.ex.softmaxRowsF32(x as number, y as number, rows, cols);
  }

  logSoftmaxRows(x: Handle, y: Handle, rows: number, cols: number): void {
    this.ex.logSoftmaxRowsF32(x as number, y as number, rows, cols);
  }

  softmaxBackwardRows(y: Handle, dy: Handle, dx: Handle, rows: number, cols: number): void {
    this.ex.softmaxBackwardRowsF32(y as number, dy as number, dx as number, rows, cols);
  }

  logSoftmaxBackwardRows(y: Handle, dy: Handle, dx: Handle, rows: number, cols: number): void {
    this.ex.logSoftmaxBackwardRowsF32(y as number, dy as number, dx as number, rows, cols);
  }

  layerNormForward(x: Handle, gamma: Handle | null, beta: Handle | null, y: Handle, mean: Handle, rstd: Handle,
    rows: number, cols: number, eps: number): void {
    this.ex.layerNormForwardF32(x as number, (gamma ?? 0) as number, (beta ?? 0) as number, y as number,
      mean as number, rstd as number, rows, cols, eps);
  }

  layerNormBackward(x: Handle, gamma: Handle | null, mean: Handle, rstd: Handle, dy: Handle, dx: Handle,
    dgamma: Handle | null, dbeta: Handle | null, rows: number, cols: number): void {
    this.ex.layerNormBackwardF32(x as number, (gamma ?? 0) as number, mean as number, rstd as number, dy as number,
      dx as number, (dgamma ?? 0) as number, (dbeta ?? 0) as number, rows, cols);
  }

  crossEntropyForward(logits: Handle, targets: Handle, losses: Handle, lse: Handle, count: Handle,
    rows: number, cols: number, ignoreIndex: number, smoothing: number): void {
    this.ex.crossEntropyForwardF32(logits as number, targets as number, losses as number, lse as number,
      count as number, rows, cols, ignoreIndex, smoothing);
  }

  crossEntropyBackward(logits: Handle, targets: Handle, lse: Handle, dLoss: Handle, dlogits: Handle,
    rows: number, cols: number, ignoreIndex: number, smoothing: number): void {
    this.ex.crossEntropyBackwardF32(logits as number, targets as number, lse as number, dLoss as number,
      dlogits as number, rows, cols, ignoreIndex, smoothing);
  }

  nllLossForward(x: Handle, targets: Handle, weight: Handle | null, losses: Handle, total: Handle,
    rows: number, cols: number, ignoreIndex: number): void {
    this.ex.nllLossForwardF32(x as number, targets as number, (weight ?? 0) as number, losses as number, total as number, rows, cols, ignoreIndex);
  }

  nllLossBackward(targets: Handle, weight: Handle | null, dLoss: Handle, dx: Handle, rows: number, cols: number, ignoreIndex: number): void {
    this.ex.nllLossBackwardF32(targets as number, (weight ?? 0) as number, dLoss as number, dx as number, rows, cols, ignoreIndex);
  }

  dropoutForward(x: Handle, y: Handle, mask: Handle, n: number, p: number, seedLo: number, seedHi: number): void {
    this.ex.dropoutForwardF32(x as number, y as number, mask as number, n, p, seedLo, seedHi);
  }

  // ---- optimizers ----
  sgdStep(param: Handle, grad: Handle, momentumBuffer: Handle | null, n: number, a: SgdStepArgs): void {
    this.ex.sgdStepF32(param as number, grad as number, (momentumBuffer ?? 0) as number, n, a.lr, a.momentum, a.dampening,
      a.weightDecay, a.nesterov ? 1 : 0, a.maximize ? 1 : 0, a.firstStep ? 1 : 0);
  }

  adamStep(param: Handle, grad: Handle, expAvg: Handle, expAvgSq: Handle, maxExpAvgSq: Handle | null, n: number, a: AdamStepArgs): void {
    this.ex.adamStepF32(param as number, grad as number, expAvg as number, expAvgSq as number, (maxExpAvgSq ?? 0) as number, n,
      a.lr, a.beta1, a.beta2, a.eps, a.weightDecay, a.decoupled ? 1 : 0, a.amsgrad ? 1 : 0, a.maximize ? 1 : 0,
      a.biasCorrection1, a.biasCorrection2);
  }

  adagradStep(param: Handle, grad: Handle, sum: Handle, n: number, a: AdagradStepArgs): void {
    this.ex.adagradStepF32(param as number, grad as number, sum as number, n, a.lr, a.weightDecay, a.eps, a.maximize ? 1 : 0);
  }

  rmspropStep(param: Handle, grad: Handle, squareAvg: Handle, gradAvg: Handle | null, momentumBuffer: Handle | null,
    n: number, a: RmspropStepArgs): void {
    this.ex.rmspropStepF32(param as number, grad as number, squareAvg as number, (gradAvg ?? 0) as number,
      (momentumBuffer ?? 0) as number, n, a.lr, a.alpha, a.eps, a.weightDecay, a.momentum, a.centered ? 1 : 0, a.maximize ? 1 : 0);
  }

  normPartial(x: Handle, n: number, p: number): number {
    return this.ex.normPartialF32(x as number, n, p);
  }

  // ---- classic ML kernels ----
  kmeans(x: Handle, n: number, d: number, options: KMeansSessionOptions): KMeansSession {
    return kmeansSession(this.rt, x, n, d, options);
  }

  centredProduct(x: Handle, n: number, d: number, gram: boolean): { mean: Float64Array; matrix: Float64Array } {
    return centredProduct(this.rt, x as number, n, d, gram);
  }

  symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
    return symmetricEigen(this.rt, a, n);
  }

  nearestNeighbors(x: Handle, n: number, d: number, k: number): { indices: Int32Array; distances: Float32Array } {
    return nearestNeighbors(this.rt, x as number, n, d, k);
  }

  conditionalProbabilities(dist2: Float32Array, n: number, k: number, perplexity: number, skipSelf: boolean): Float32Array {
    return conditionalProbabilities(this.rt, dist2, n, k, perplexity, skipSelf);
  }

  tsne(n: number, dims: number, p: TsneAffinities, options: TsneSessionOptions): TsneSession {
    return tsneSession(this.rt, n, dims, p, options);
  }

  // ---- recurrent layers ----
  rnnForward(args: RnnForwardArgs): void { rnnForward(args, this.rt); }
  rnnBackward(args: RnnBackwardArgs): void { rnnBackward(args, this.rt); }

  // ---- reinforcement learning (sequential, so CPU only: not part of the device interface) ----
  /**
   * Runs a batch of ε-greedy episodes; returns how many ended in a terminal step. The batch goes to
   * the kernel in calls of 1, 2, 4, … episodes, each resuming from the Q table and generator words
   * in memory with the ε the kernel would have reached (the results are those of one call): a
   * first batch in a fresh process ran 1.5× slower per step as one call on a 64×64 maze, partly
   * because V8 runs a WASM function's first call in its baseline tier to the end.
   */
  tabularEpisodes(a: TabularEpisodesArgs): number {
    let ended = 0, eps = a.epsilon;
    for (let done = 0, chunk = 1; done < a.episodes; done += chunk, chunk *= 2) {
      chunk = Math.min(chunk, a.episodes - done);
      ended += this.ex.tabularTdEpisodes(a.algorithm === "sarsa" ? 1 : 0, a.transitions as number, a.q as number,
        a.nStates, a.nActions, a.start, chunk, a.maxSteps, a.alpha, a.gamma, eps, a.epsilonDecay, a.minEpsilon,
        a.rng as number, (a.returns as number) + 8 * done, (a.steps as number) + 4 * done, (a.ended as number) + 4 * done);
      for (let e = 0; e < chunk; e++) eps = Math.max(a.minEpsilon, eps * a.epsilonDecay);
    }
    return ended;
  }

  // ---- word vectors and flat search (Hogwild training and exact search over buffers these own in
  // WASM memory: CPU only, not part of the device interface; see ./embeddings.ts) ----
  /** Trains a slice of one epoch's corpus tiles (assembly/w2v.ts). */
  word2vecTiles(a: Word2vecTilesArgs): void { word2vecTiles(a, this.rt); }
  /** Writes gensim's sigmoid and log-sigmoid tables (2000 float32) at `table`. */
  word2vecExpTable(table: Handle): void { word2vecExpTable(table, this.rt); }
  /** One GloVe AdaGrad epoch over co-occurrence records (assembly/glove.ts). */
  gloveEpoch(a: GloveEpochArgs): void { gloveEpoch(a, this.rt); }
  /** Exact top-k of a batch of queries (assembly/vector-index.ts). */
  vectorSearch(a: VectorSearchArgs): void { vectorSearch(a, this.rt); }
  /** Scores of one query against every row, unsorted. */
  vectorScoresAll(base: Handle, invNorm: Handle, rows: number, dimPad: number, query: Handle, metric: SearchMetric, out: Handle): void {
    vectorScoresAll(base, invNorm, rows, dimPad, query, metric, out, this.rt);
  }
  /** Inverse row norms (0 for zero rows). */
  vectorInvNorms(base: Handle, rows: number, dimPad: number, invNorm: Handle): void { vectorInvNorms(base, rows, dimPad, invNorm, this.rt); }
}
