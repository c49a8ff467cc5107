// The device interface: everything a tensor op needs from a device, as memory operations plus one
// method per kernel family, over opaque buffer handles. A handle is a byte address on cpu-wasm, a
// GpuBuffer (a GPUBuffer and its element count) on webgpu, and a buffer that may live on either on
// the auto device; ops never look inside one. Sizes are in elements (4 bytes each, float32 or
// int32); shapes and strides are element counts in plain arrays; every output buffer is contiguous
// and written whole. Inputs have been validated by the op, so a backend may assume valid arguments.
import type { Unary, Binary, Reduce } from "../runtime/abi.js";

export type UnaryOp = keyof typeof Unary;
export type BinaryOp = keyof typeof Binary;
export type ReduceOp = keyof typeof Reduce;
export type DType = "float32" | "int32";
export type HostArray = Float32Array | Int32Array;

/** A buffer on a device. Opaque outside the backend that made it. */
export type Handle = number | object;

export interface GemmArgs {
  /** A: [m,k] ([k,m] if transA); B: [k,n] ([n,k] if transB); C: [m,n], for each of `batch` items. */
  a: Handle;
  b: Handle;
  c: Handle;
  m: number;
  n: number;
  k: number;
  batch: number;
  /** Elements between batch items; 0 broadcasts one operand to every item. */
  strideA: number;
  strideB: number;
  strideC: number;
  transA: boolean;
  transB: boolean;
  /** A bias [n] added to every row of C, or null. */
  bias: Handle | null;
  /** C += A·B (+ bias) instead of C = A·B (+ bias). */
  accumulate: boolean;
}

/** One SGD step (torch.optim.SGD); firstStep: the momentum buffer is created (buf ← g). */
export interface SgdStepArgs {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  firstStep: boolean;
}

/** One Adam / AdamW step; biasCorrection1/2 = 1 − β1^t, 1 − β2^t for this step t ≥ 1. */
export interface AdamStepArgs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** AdamW: param ← param·(1 − lr·wd) before the update, instead of g ← g + wd·param. */
  decoupled: boolean;
  amsgrad: boolean;
  maximize: boolean;
  biasCorrection1: number;
  biasCorrection2: number;
}

/** One Adagrad step; lr is this step's decayed rate lr / (1 + (t − 1)·lrDecay). */
export interface AdagradStepArgs {
  lr: number;
  weightDecay: number;
  eps: number;
  maximize: boolean;
}

/** One RMSprop step (torch.optim.RMSprop). */
export interface RmspropStepArgs {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/** What a k-means session holds buffers for (cluster/kmeans.ts). */
export interface KMeansSessionOptions {
  /** Centres per run. */
  k: number;
  /** Centre sets (restarts) advanced together. */
  runs: number;
  /** Keep Elkan's bounds (n·k floats per run). */
  elkan: boolean;
  /** Candidates per k-means++ step (0: no seeding buffers). */
  nTrials: number;
}

/** A pass of a k-means session over every row: Lloyd's assignment or Elkan's, or Elkan's bounds from scratch. */
export type KMeansPassKind = "assign" | "elkan" | "elkanInit";

/**
 * k-means passes over one float32 matrix x [n, d] (already centred) for several centre sets at once
 * — the kernels of assembly/kmeans.ts and their buffers. The algorithm (cluster/) decides what to
 * run; host arrays in and out are k·d sized, except labels and seeding distances ([n]).
 */
export interface KMeansSession {
  readonly n: number;
  readonly d: number;
  readonly k: number;
  /** The rows of x were rewritten (same n and d): recompute what the session derived from them. */
  refresh(): void;
  /** Sets the k centres [k, d] of a run; `shift` [k] (Elkan) is how far each centre moved since the last pass. */
  setCentres(run: number, centres: Float32Array, shift?: Float32Array | null): void;
  /**
   * One k-means++ step for each run: candidates[i] holds the candidate rows [nCand, d] of runs[i],
   * commit[i] the candidate of the previous step that became a centre (−1 on the first step).
   * Returns, per run, the potential Σ_x min(closest(x), ‖x − candidate‖²) of each candidate.
   */
  seed(runs: readonly number[], candidates: readonly Float32Array[], commit: readonly number[]): Float64Array[];
  /**
   * For one candidate of the last seed step of a run, the rows where the running sum of
   * min(closest, ‖x − candidate‖²) first reaches each of `targets` (numpy searchsorted, side
   * "left", clipped to n − 1): how k-means++ draws the next candidates.
   */
  seedSearch(run: number, candidate: number, targets: Float64Array): Int32Array;
  /**
   * Labels every row by its nearest centre for each run; with `update`, per-cluster sums and counts
   * (clusterSums); with `inertia`, Σ‖x − c_label‖². Returns per run the rows whose label changed
   * and the inertia (0 without the flag).
   */
  pass(runs: readonly number[], kind: KMeansPassKind, flags: { update?: boolean; inertia?: boolean }): { changed: number[]; inertia: number[] };
  /** Sums [k, d] and counts [k] of the rows of each cluster from the last update pass of a run. */
  clusterSums(run: number): { sums: Float64Array; counts: Float64Array };
  labels(run: number): Int32Array;
  /** Euclidean distances [n, k] of every row to every centre of a run. */
  distances(run: number): Float32Array;
  dispose(): void;
}

/** Joint probabilities of t-SNE: sparse (CSR, symmetric, summing to 1) or dense [n, n]. */
export type TsneAffinities =
  | { kind: "sparse"; indptr: Int32Array; indices: Int32Array; values: Float32Array }
  | { kind: "dense"; values: Float32Array };

export interface TsneSessionOptions {
  /** "barnes_hut" (sparse P, a tree for the repulsion) or "exact" (dense P). */
  method: "barnes_hut" | "exact";
  /** Barnes–Hut opening angle. */
  angle: number;
  /** Of the Student-t kernel: max(dims − 1, 1) in sklearn. */
  degreesOfFreedom: number;
}

export interface TsneStepArgs {
  /** Factor on P (early exaggeration). */
  exaggeration: number;
  momentum: number;
  learningRate: number;
  minGain: number;
  /** Also compute the KL divergence (costs a log per P entry). */
  computeError: boolean;
}

/**
 * t-SNE gradient descent state on a device (assembly/tsne.ts): the embedding [n, dims], the
 * affinities and the optimiser's update and gains. The schedule (cluster/manifold) lives outside.
 */
export interface TsneSession {
  readonly n: number;
  readonly dims: number;
  setEmbedding(y: Float32Array): void;
  embedding(): Float32Array;
  /** update ← 0, gains ← 1 (sklearn restarts both between its two phases). */
  resetOptimizer(): void;
  /** One gradient step; returns the KL divergence at the embedding before the step (NaN unless computeError) and ‖gains·grad‖. */
  step(args: TsneStepArgs): { error: number; gradNorm: number };
  /** The gradient [n, dims] and KL divergence at the current embedding, without moving it. */
  gradient(exaggeration: number): { grad: Float32Array; error: number };
  dispose(): void;
}

/**
 * One operand of fused attention: for every (batch, head), rows of `dim` contiguous floats starting
 * at element `offset` of `data`, with element strides between batches, heads and rows. Heads of a
 * fused QKV projection [B, T, 3·E] are read in place: q = (offset 0, strides [T·3E, D, 3E]).
 */
export interface AttentionOperand {
  data: Handle;
  offset: number;
  strides: readonly [number, number, number];
}

export type AttentionMaskKind = "add" | "keepNonzero" | "dropNonzero";

/**
 * A mask over (batch, head, query, key) read through element strides (0 on broadcast dimensions):
 * float32 values added to the scores ("add"), or int32 values whose nonzero entries keep a position
 * (torch's scaled_dot_product_attention bool mask) or drop it (nn.MultiheadAttention's bool masks).
 */
export interface AttentionMask {
  data: Handle;
  offset: number;
  kind: AttentionMaskKind;
  strides: readonly [number, number, number, number];
}

/**
 * out = softmax(q·kᵀ·scale + masks)·v per (batch, head), fused: scores are never stored whole.
 * Query i sees key j when j ≤ i + causalOffset (with causal) and the masks allow it; a row that
 * sees no key gives zeros and log-sum-exp −∞. dropout: the probability of zeroing an attention
 * weight (kept ones scaled by 1/(1−p)), from the generator of (seed, ((b·heads + h)·tq + i)·tk + j).
 * With kNew/vNew, the tq new key and value rows of each head are first copied into k / v at rows
 * tk − tq … tk − 1 (a KV cache; causalOffset is then tk − tq).
 */
export interface AttentionArgs {
  q: AttentionOperand;
  k: AttentionOperand;
  v: AttentionOperand;
  out: AttentionOperand;
  batch: number;
  heads: number;
  tq: number;
  tk: number;
  dimQK: number;
  dimV: number;
  scale: number;
  causal: boolean;
  causalOffset: number;
  /** At most two masks (e.g. an attention mask and a key-padding mask), summed. */
  masks: readonly AttentionMask[];
  dropout: number;
  seedLo: number;
  seedHi: number;
  /** float32 [batch, heads, tq]: written with each query row's log-sum-exp, or null. */
  lse: Handle | null;
  kNew?: AttentionOperand | null;
  vNew?: AttentionOperand | null;
}

/**
 * The gradients of attention given dOut (laid out like out) and the forward's out and lse: dq, dk,
 * dv (each null when not wanted) are written whole with q's, k's and v's offsets and strides. The
 * masks get no gradient. Operands must not broadcast over batch or heads (no stride-0 reuse).
 */
export interface AttentionBackwardArgs extends AttentionArgs {
  lse: Handle;
  dout: Handle;
  dq: Handle | null;
  dk: Handle | null;
  dv: Handle | null;
}

/** The cell of a recurrent layer: torch.nn.LSTM, GRU, or RNN with tanh / relu. */
export type RnnMode = "lstm" | "gru" | "rnnTanh" | "rnnRelu";

/** A place in a buffer: `offset` elements into `handle`. */
export interface Region {
  handle: Handle;
  offset: number;
}

/**
 * One direction of one recurrent layer over a whole sequence. G = 4 (lstm: gates i, f, g, o),
 * 3 (gru: r, z, n), 1 (rnn); T ≥ 1 steps, B ≥ 0 rows, I ≥ 0 inputs, H ≥ 1 hidden units. Weights in
 * torch's layout. The row of step t, batch item b is t·B + b (time-major).
 */
export interface RnnLayerArgs {
  mode: RnnMode;
  steps: number;
  batch: number;
  inputSize: number;
  hiddenSize: number;
  /** Run t = T−1 … 0: the reverse direction of a bidirectional layer. */
  reverse: boolean;
  /** x: [T, B, I]. */
  x: Handle;
  /** wIh: [G·H, I]; wHh: [G·H, H]; bIh, bHh: [G·H] or null (no bias). */
  wIh: Handle;
  wHh: Handle;
  bIh: Handle | null;
  bHh: Handle | null;
  /** Initial states [B, H]; null: zeros. c0 is read by lstm only. */
  h0: Region | null;
  c0: Region | null;
  /** h_t of row (t, b), unit j, at element (t·B + b)·outStride + j of the region (outStride ≥ H). */
  out: Region;
  outStride: number;
  /**
   * State the forward saves for the backward: gates [T, B, G·H] (the gate activations; rnn: scratch,
   * not read back) and cells [T, B, H] (lstm: c_t; gru: W_hn·h_{t−1} + b_hn; rnn: null).
   */
  gates: Handle;
  cells: Handle | null;
}

export interface RnnForwardArgs extends RnnLayerArgs {
  /** Final states [B, H] (h at t = T−1, or t = 0 when reverse), or null when not wanted. */
  hN: Region | null;
  cN: Region | null;
}

export interface RnnBackwardArgs extends RnnLayerArgs {
  /** Gradients of out (same layout as out), of hN and of cN; null: zero. */
  dOut: Region | null;
  dhN: Region | null;
  dcN: Region | null;
  /** dx: [T, B, I] written, or added to when accumulateDx; null: not wanted. */
  dx: Handle | null;
  accumulateDx: boolean;
  /** Gradients of h0 and c0 ([B, H]) and of the weights (written whole); null: not wanted. */
  dh0: Region | null;
  dc0: Region | null;
  dWIh: Handle | null;
  dWHh: Handle | null;
  dBIh: Handle | null;
  dBHh: Handle | null;
}

export interface Backend {
  /** The device name users see as `t.device` ("cpu", "webgpu", …). */
  readonly device: string;
  /** A longer description for messages and info(), e.g. "cpu (threads-relaxed build)". */
  readonly label: string;
  /**
   * True when readSync works: host code may read device data synchronously. Checks that need a
   * value on the host in the middle of an op (index ranges) run only where this is true; elsewhere
   * the kernels check and report at the next read (webgpu: E_RANGE). The auto device says true
   * but answers E_DEVICE for data it computed on the GPU.
   */
  readonly syncRead: boolean;

  // ---- memory ----
  /** A buffer of n ≥ 0 elements (contents undefined). */
  alloc(n: number): Handle;
  free(h: Handle): void;
  /** Writes src (converted to dtype) at element `offset` of h. */
  write(h: Handle, src: ArrayLike<number>, dtype: DType, offset?: number): void;
  /** Copies n elements of h into `out` (or a new array). Throws E_DEVICE where syncRead is false. */
  readSync(h: Handle, n: number, dtype: DType, out?: HostArray): HostArray;
  /** Copies n elements of h into a new array, on every device. */
  read(h: Handle, n: number, dtype: DType): Promise<HostArray>;
  fill(h: Handle, n: number, value: number, dtype: DType): void;
  /** dst[0..n) ← src[0..n) (bits: serves both dtypes). */
  copy(dst: Handle, src: Handle, n: number): void;
  /** dst[0..n) += alpha·src[0..n) (float32): gradient accumulation. */
  axpy(dst: Handle, src: Handle, n: number, alpha: number): void;
  /** dst = src converted: float32 → int32 truncates toward zero (NaN → 0, saturating); int32 → float32 rounds. */
  cast(src: Handle, dst: Handle, n: number, to: DType): void;

  // ---- elementwise (float32) ----
  /** out = op(x); pow uses p as the exponent. out may be x. */
  unary(op: UnaryOp, x: Handle, out: Handle, n: number, p: number): void;
  /** dx = dy·op'(x), given y = op(x). */
  unaryBackward(op: UnaryOp, x: Handle, y: Handle, dy: Handle, dx: Handle, n: number, p: number): void;
  /** out = a op b, all contiguous [n]. out may be a or b. */
  binary(op: BinaryOp, a: Handle, b: Handle, out: Handle, n: number): void;
  /** out = a op s, or s op a when scalarFirst. */
  binaryScalar(op: BinaryOp, a: Handle, s: number, out: Handle, n: number, scalarFirst: boolean): void;
  /** out: contiguous [shape] = a op b, where a and b are strided views (stride 0 on broadcast dims). */
  binaryBroadcast(op: BinaryOp, a: Handle, b: Handle, out: Handle, shape: readonly number[],
    aStrides: readonly number[], bStrides: readonly number[]): void;

  // ---- reductions over x viewed as [outer, len, inner] ----
  /** out: [outer, inner]; len 0 gives 0 (sum), NaN (mean, max, min). */
  reduceAxis(op: ReduceOp, x: Handle, out: Handle, outer: number, len: number, inner: number): void;
  /** out: int32 [outer, inner], the first index of the max / min (NaN counts as the extreme); len ≥ 1. */
  argReduceAxis(op: "max" | "min", x: Handle, out: Handle, outer: number, len: number, inner: number): void;
  /** dx: [outer, len, inner] = 0 except dx[o, indices[o, i], i] = dy[o, i]. */
  scatterAxis(indices: Handle, dy: Handle, dx: Handle, outer: number, len: number, inner: number): void;

  // ---- layout (bits: both dtypes) ----
  /** out: contiguous [shape] ← the view of x with these element strides, starting at element offset. */
  stridedCopy(x: Handle, out: Handle, shape: readonly number[], strides: readonly number[], offset: number): void;
  /** The strided view of dst ← src (contiguous [shape]); float32 += when accumulate. */
  stridedScatter(src: Handle, dst: Handle, shape: readonly number[], strides: readonly number[], offset: number, accumulate: boolean): void;
  /** out: [cols, rows] ← x: [rows, cols]. */
  transpose2d(x: Handle, out: Handle, rows: number, cols: number): void;
  /** out: [nIds, dim] ← rows of weight: [*, dim] picked by int32 ids (already range-checked). */
  gatherRows(weight: Handle, ids: Handle, out: Handle, nIds: number, dim: number): void;
  /** dWeight rows += dOut rows, by ids (repeats add up). */
  scatterAddRows(dOut: Handle, ids: Handle, dWeight: Handle, nIds: number, dim: number): void;
  /**
   * offsets: int32 [idx shape] = flat element offset into x (element strides xStrides) of every
   * element of idx, reading idx along `dim` (torch.gather's addressing).
   */
  alongDimOffsets(idx: Handle, offsets: Handle, shape: readonly number[], xStrides: readonly number[], dim: number): void;
  /**
   * Position of the first int32 value of ids[0..n) outside [lo, hi] that is not `except`, or -1.
   * Only where syncRead (the op reports the bad value; elsewhere the kernels check, see syncRead).
   */
  findOutOfRange(ids: Handle, n: number, lo: number, hi: number, except: number): number;

  // ---- matmul ----
  gemm(args: GemmArgs): void;

  // ---- attention ----
  attentionForward(args: AttentionArgs): void;
  attentionBackward(args: AttentionBackwardArgs): void;

  // ---- softmax, normalisation, losses, dropout (rows of `cols` floats) ----
  softmaxRows(x: Handle, y: Handle, rows: number, cols: number): void;
  logSoftmaxRows(x: Handle, y: Handle, rows: number, cols: number): void;
  softmaxBackwardRows(y: Handle, dy: Handle, dx: Handle, rows: number, cols: number): void;
  logSoftmaxBackwardRows(y: Handle, dy: Handle, dx: Handle, rows: number, cols: number): void;
  /** y = (x − mean)·rstd·gamma + beta per row; saves mean and rstd [rows]. gamma/beta may be null. */
  layerNormForward(x: Handle, gamma: Handle | null, beta: Handle | null, y: Handle, mean: Handle, rstd: Handle,
    rows: number, cols: number, eps: number): void;
  /** dx, and dgamma / dbeta (summed over rows) where not null. */
  layerNormBackward(x: Handle, gamma: Handle | null, mean: Handle, rstd: Handle, dy: Handle, dx: Handle,
    dgamma: Handle | null, dbeta: Handle | null, rows: number, cols: number): void;
  /**
   * losses [rows] and lse [rows] (log-sum-exp) from logits [rows, cols] and int32 targets [rows];
   * `count` (one float32) ← the number of rows whose target is not ignoreIndex.
   */
  crossEntropyForward(logits: Handle, targets: Handle, losses: Handle, lse: Handle, count: Handle,
    rows: number, cols: number, ignoreIndex: number, smoothing: number): void;
  /** dlogits = dLoss[row]·(softmax − smoothed one-hot), 0 on ignored rows; dLoss: [rows]. */
  crossEntropyBackward(logits: Handle, targets: Handle, lse: Handle, dLoss: Handle, dlogits: Handle,
    rows: number, cols: number, ignoreIndex: number, smoothing: number): void;
  /**
   * nll_loss: losses [rows] = −weight[t]·x[t] (0 on ignored rows) from scores x [rows, cols] and
   * int32 targets; `total` (one float32) ← Σ weight[t] over kept rows. weight [cols] or null (ones).
   */
  nllLossForward(x: Handle, targets: Handle, weight: Handle | null, losses: Handle, total: Handle,
    rows: number, cols: number, ignoreIndex: number): void;
  /** dx [rows, cols] = 0 except dx[r, t] = −weight[t]·dLoss[r] on kept rows. */
  nllLossBackward(targets: Handle, weight: Handle | null, dLoss: Handle, dx: Handle, rows: number, cols: number, ignoreIndex: number): void;
  /** mask[i] ∈ {0, 1/(1−p)} from a counter-based generator of (seed, i); y = x·mask. */
  dropoutForward(x: Handle, y: Handle, mask: Handle, n: number, p: number, seedLo: number, seedHi: number): void;

  // ---- optimizers: one fused in-place update of one parameter's buffer per call ----
  /** param, grad: [n]; momentumBuffer: [n] (null when momentum = 0; written whole on firstStep). */
  sgdStep(param: Handle, grad: Handle, momentumBuffer: Handle | null, n: number, args: SgdStepArgs): void;
  /** param, grad, expAvg, expAvgSq: [n]; maxExpAvgSq: [n] with amsgrad, else null. */
  adamStep(param: Handle, grad: Handle, expAvg: Handle, expAvgSq: Handle, maxExpAvgSq: Handle | null, n: number,
    args: AdamStepArgs): void;
  /** param, grad, sum: [n]. */
  adagradStep(param: Handle, grad: Handle, sum: Handle, n: number, args: AdagradStepArgs): void;
  /** param, grad, squareAvg: [n]; gradAvg: [n] when centered, else null; momentumBuffer: [n] when momentum > 0, else null. */
  rmspropStep(param: Handle, grad: Handle, squareAvg: Handle, gradAvg: Handle | null, momentumBuffer: Handle | null,
    n: number, args: RmspropStepArgs): void;
  /**
   * Σ|x|^p over x[0..n) as a host number in float64 (p = 2: fused sum of squares; p = Infinity:
   * max|x|, NaN when any element is NaN; any p > 0). Gradient clipping needs it on the host; only
   * where syncRead.
   */
  normPartial(x: Handle, n: number, p: number): number;

  // ---- classic ML kernels (cluster/, manifold/, decomposition/). Their algorithms read results on
  // the host between passes, so they run on a backend with syncRead; others may leave these out. ----
  /** A k-means session over x: float32 [n, d] (assembly/kmeans.ts). */
  kmeans?(x: Handle, n: number, d: number, options: KMeansSessionOptions): KMeansSession;
  /**
   * Column means of x: float32 [n, d] and, in float64, Σ_i (x_i − mean)(x_i − mean)ᵀ [d, d] — or with
   * `gram`, the products of the centred rows [n, n] (assembly/linalg.ts).
   */
  centredProduct?(x: Handle, n: number, d: number, gram: boolean): { mean: Float64Array; matrix: Float64Array };
  /** Eigenvalues (ascending) and eigenvectors (as rows, row j for value j) of a symmetric float64 [n, n]. */
  symmetricEigen?(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array };
  /** The k nearest other rows [n, k] of x: float32 [n, d] and their squared distances, nearest first (assembly/neighbors.ts). */
  nearestNeighbors?(x: Handle, n: number, d: number, k: number): { indices: Int32Array; distances: Float32Array };
  /**
   * t-SNE's conditional probabilities [n, k] from squared distances [n, k] by the perplexity search;
   * with skipSelf, k = n and column i of row i is left out.
   */
  conditionalProbabilities?(dist2: Float32Array, n: number, k: number, perplexity: number, skipSelf: boolean): Float32Array;
  /** A t-SNE optimisation over n points in `dims` dimensions with affinities p (assembly/tsne.ts). */
  tsne?(n: number, dims: number, p: TsneAffinities, options: TsneSessionOptions): TsneSession;
  // ---- recurrent layers (one direction of one layer, whole sequence) ----
  /** Writes out, hN, cN and the saved gates / cells. */
  rnnForward(args: RnnForwardArgs): void;
  /** Backpropagation through time from the forward's saved state (same args, same buffers). */
  rnnBackward(args: RnnBackwardArgs): void;
}
