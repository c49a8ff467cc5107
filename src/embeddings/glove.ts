// GloVe (Pennington, Socher & Manning 2014) as the reference implementation (stanfordnlp/GloVe:
// cooccur.c, shuffle.c, glove.c) does it: co-occurrence counts over a symmetric window inside each
// sentence, each pair weighted by 1/distance; records shuffled once; AdaGrad epochs on
// Σ f(X_ij)·(w_i·w̃_j + b_i + b̃_j − log X_ij)², f(x) = min(1, (x/xMax)^alpha), in assembly/glove.ts;
// the word vectors are w + w̃ at the end (glove.c's default "-model 2"). cooccurrence() with
// distanceWeighting false reproduces the notes' plain window counts (seeds/002).
import { TesseraError, checkInt, checkNumber, describe } from "../errors.js";
import { Generator } from "../tensor/random.js";
import { threadsFor } from "../runtime/pool.js";
import { runtime } from "../runtime/wasm.js";
import { formatEpochSummary, stderrProgressBar, type ProgressBar } from "../train/progress.js";
import { KeyedVectors } from "./keyed-vectors.js";
import { withWasmBuffers } from "./wasm-buffers.js";
import type { Handle } from "../backend/backend.js";
import { buildCorpus } from "./vocab.js";

export interface CooccurrenceOptions {
  /** Context words on each side (default 10). */
  window?: number;
  /** Words rarer than this are dropped before counting (default 1). */
  minCount?: number;
  /** Add 1/distance per pair (GloVe, default true) or 1 (the notes' matrix). */
  distanceWeighting?: boolean;
  /** Vocabulary most frequent first (default true) or in order of first appearance (the notes' Counter). */
  sortedVocab?: boolean;
}

/** Sparse symmetric co-occurrence counts: records (rows[i], cols[i], values[i]) sorted by row then column. */
export class Cooccurrence {
  constructor(
    readonly words: string[],
    readonly wordCounts: Float64Array,
    readonly rows: Int32Array,
    readonly cols: Int32Array,
    readonly values: Float64Array,
  ) {}

  get size(): number {
    return this.words.length;
  }

  /** The count of (w1, w2); 0 when they never co-occur. E_KEY for a word outside the vocabulary. */
  get(w1: string, w2: string): number {
    const i = this.indexOf(w1), j = this.indexOf(w2);
    let lo = 0, hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid] < i || (this.rows[mid] === i && this.cols[mid] < j)) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.rows.length && this.rows[lo] === i && this.cols[lo] === j ? this.values[lo] : 0;
  }

  indexOf(word: string): number {
    const i = this.words.indexOf(word);
    if (i < 0) throw new TesseraError("E_KEY", `Cooccurrence: key "${word}" not present in vocabulary`);
    return i;
  }

  /** The dense matrix [size, size], row-major float64. */
  dense(): Float64Array {
    const V = this.words.length, out = new Float64Array(V * V);
    for (let r = 0; r < this.rows.length; r++) out[this.rows[r] * V + this.cols[r]] = this.values[r];
    return out;
  }
}

function checkWindow(arg: string, v: unknown, def: number): number {
  return v === undefined ? def : checkInt(arg, v, 1, 1 << 16);
}

/** Co-occurrence counts of a corpus (sentences: token arrays or whitespace-split strings). */
export function cooccurrence(sentences: Iterable<readonly string[] | string>, options: CooccurrenceOptions = {}): Cooccurrence {
  const what = "cooccurrence";
  if (options === null || typeof options !== "object") throw new TesseraError("E_TYPE", `${what}: options: expected an object, received ${describe(options)}`);
  const window = checkWindow(`${what}: options.window`, options.window, 10);
  const minCount = options.minCount === undefined ? 1 : checkInt(`${what}: options.minCount`, options.minCount, 1);
  const weighted = options.distanceWeighting ?? true;
  if (typeof weighted !== "boolean") throw new TesseraError("E_TYPE", `${what}: options.distanceWeighting: expected a boolean, received ${describe(weighted)}`);
  return countPairs(sentences, window, minCount, weighted, options.sortedVocab ?? true, what);
}

function countPairs(sentences: unknown, window: number, minCount: number, weighted: boolean, sorted: boolean, what: string): Cooccurrence {
  const corpus = buildCorpus(sentences, { minCount, maxVocabSize: null, sorted }, `${what}: sentences`);
  const V = corpus.words.length;
  if (corpus.rawWords === 0) throw new TesseraError("E_VALUE", `${what}: sentences: expected a non-empty corpus, received ${corpus.sentences} sentences without words`);
  if (V === 0) throw new TesseraError("E_VALUE", `${what}: sentences: expected at least one word occurring minCount = ${minCount} times, received none`);
  const counts = new Map<number, number>();
  const { ids, sentStart } = corpus;
  const add = (key: number, inc: number) => counts.set(key, (counts.get(key) ?? 0) + inc);
  for (let s = 0; s + 1 < sentStart.length; s++) {
    const a = sentStart[s], b = sentStart[s + 1];
    for (let i = a; i < b; i++) {
      const wi = ids[i];
      for (let j = Math.max(a, i - window); j < i; j++) {
        const inc = weighted ? 1 / (i - j) : 1;
        add(wi * V + ids[j], inc);
        add(ids[j] * V + wi, inc);
      }
    }
  }
  const keys = Float64Array.from(counts.keys()).sort();
  const rows = new Int32Array(keys.length), cols = new Int32Array(keys.length), values = new Float64Array(keys.length);
  keys.forEach((k, r) => {
    rows[r] = Math.floor(k / V);
    cols[r] = k - rows[r] * V;
    values[r] = counts.get(k)!;
  });
  return new Cooccurrence(corpus.words, corpus.counts, rows, cols, values);
}

export interface GloVeOptions {
  /** Dimension of the vectors (default 100). */
  vectorSize?: number;
  /** Context words on each side (default 10). */
  window?: number;
  /** Words rarer than this are dropped (default 1). */
  minCount?: number;
  /** Cut-off and exponent of the weighting f(x) = min(1, (x / xMax)^alpha) (defaults 100, 0.75). */
  xMax?: number;
  alpha?: number;
  /** AdaGrad epochs over all records (default 25) and initial learning rate (default 0.05). */
  epochs?: number;
  learningRate?: number;
  /** Seed of the initial vectors and of the record shuffle (default 1). */
  seed?: number;
  /** Threads (default: the pool's setting). */
  threads?: number;
  /** Called after every epoch (its mean weighted cost is glove.c's "cost"). */
  onProgress?: (p: GloVeProgress) => void;
  /** A progress line on stderr when it is a terminal (default true). */
  progress?: boolean;
}

export interface GloVeProgress {
  /** 1-based epoch, of `epochs`. */
  epoch: number;
  epochs: number;
  /** Mean weighted least-squares cost per co-occurrence record this epoch. */
  loss: number;
  /** Co-occurrence records trained per second this epoch. */
  recordsPerSecond: number;
  /** Seconds since training started. */
  elapsed: number;
}

const GLOVE_KEYS = ["vectorSize", "window", "minCount", "xMax", "alpha", "epochs", "learningRate", "seed", "threads", "onProgress", "progress"];

export class GloVe {
  /** w + w̃ per word (glove.c "-model 2"). */
  readonly wv: KeyedVectors;
  /** Word vectors w, context vectors w̃ [vocab, vectorSize] and their biases. */
  readonly wordVectors: Float32Array;
  readonly contextVectors: Float32Array;
  readonly wordBiases: Float32Array;
  readonly contextBiases: Float32Array;
  /** The counts trained on. */
  readonly cooccurrence: Cooccurrence;
  /** Mean weighted cost per record of each epoch. */
  readonly epochCosts: number[];

  /** @internal Use GloVe.train. */
  constructor(wv: KeyedVectors, w: Float32Array, c: Float32Array, bw: Float32Array, bc: Float32Array, x: Cooccurrence, costs: number[]) {
    this.wv = wv;
    this.wordVectors = w;
    this.contextVectors = c;
    this.wordBiases = bw;
    this.contextBiases = bc;
    this.cooccurrence = x;
    this.epochCosts = costs;
  }

  /** Counts co-occurrences of `sentences` and trains GloVe vectors on them. */
  static train(sentences: Iterable<readonly string[] | string>, options: GloVeOptions = {}): GloVe {
    const what = "GloVe.train";
    if (options === null || typeof options !== "object") throw new TesseraError("E_TYPE", `${what}: options: expected an object, received ${describe(options)}`);
    for (const k of Object.keys(options)) if (!GLOVE_KEYS.includes(k)) throw new TesseraError("E_VALUE", `${what}: options: expected only ${GLOVE_KEYS.join(", ")}, received ${describe(k)}`);
    const o = options;
    const arg = (k: string) => `${what}: options.${k}`;
    const d = o.vectorSize === undefined ? 100 : checkInt(arg("vectorSize"), o.vectorSize, 1, 1 << 16);
    const window = checkWindow(arg("window"), o.window, 10);
    const minCount = o.minCount === undefined ? 1 : checkInt(arg("minCount"), o.minCount, 1);
    const xMax = o.xMax === undefined ? 100 : checkNumber(arg("xMax"), o.xMax, Number.MIN_VALUE);
    const alpha = o.alpha === undefined ? 0.75 : checkNumber(arg("alpha"), o.alpha, 0);
    const epochs = o.epochs === undefined ? 25 : checkInt(arg("epochs"), o.epochs, 1, 1 << 20);
    const eta = o.learningRate === undefined ? 0.05 : checkNumber(arg("learningRate"), o.learningRate, Number.MIN_VALUE);
    const seed = o.seed === undefined ? 1 : checkInt(arg("seed"), o.seed, 0, Number.MAX_SAFE_INTEGER);
    const threads = o.threads === undefined ? threadsFor(runtime()) : checkInt(arg("threads"), o.threads, 1, 256);
    if (o.onProgress !== undefined && typeof o.onProgress !== "function") throw new TesseraError("E_TYPE", `${arg("onProgress")}: expected a function, received ${describe(o.onProgress)}`);
    const progress = o.progress ?? true;
    if (typeof progress !== "boolean") throw new TesseraError("E_TYPE", `${arg("progress")}: expected a boolean, received ${describe(progress)}`);
    const x = countPairs(sentences, window, minCount, true, true, what);
    return trainOn(x, { d, xMax, alpha, epochs, eta, seed, threads, onProgress: o.onProgress ?? null, progress });
  }
}

interface TrainSettings {
  d: number;
  xMax: number;
  alpha: number;
  epochs: number;
  eta: number;
  seed: number;
  threads: number;
  onProgress: ((p: GloVeProgress) => void) | null;
  progress: boolean;
}

function trainOn(x: Cooccurrence, s: TrainSettings): GloVe {
  const V = x.size, n = x.values.length, d = s.d;
  const gen = new Generator(s.seed);
  // shuffle.c: one shuffle of the records (Fisher–Yates, seeded).
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = gen.int(i + 1);
    const t = perm[i]; perm[i] = perm[j]; perm[j] = t;
  }
  const rows = new Int32Array(n), cols = new Int32Array(n), logX = new Float32Array(n), weight = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const p = perm[r], v = x.values[p];
    rows[r] = x.rows[p];
    cols[r] = x.cols[p];
    logX[r] = Math.log(v);
    weight[r] = v > s.xMax ? 1 : (v / s.xMax) ** s.alpha;
  }
  // glove.c initialize_parameters: every weight and bias uniform in [−0.5, 0.5) / vectorSize; gradsq = 1.
  const init = (len: number) => Float32Array.from({ length: len }, () => (gen.random() - 0.5) / d);
  return withWasmBuffers((alloc, be) => {
    const hRows = alloc(n), hCols = alloc(n), hLog = alloc(n), hWeight = alloc(n);
    const w = alloc(V * d), c = alloc(V * d), bw = alloc(V), bc = alloc(V);
    const gw = alloc(V * d), gc = alloc(V * d), gbw = alloc(V), gbc = alloc(V);
    be.write(hRows, rows, "int32");
    be.write(hCols, cols, "int32");
    be.write(hLog, logX, "float32");
    be.write(hWeight, weight, "float32");
    be.write(w, init(V * d), "float32");
    be.write(c, init(V * d), "float32");
    be.write(bw, init(V), "float32");
    be.write(bc, init(V), "float32");
    for (const [h, len] of [[gw, V * d], [gc, V * d], [gbw, V], [gbc, V]] as [Handle, number][]) be.fill(h, len, 1, "float32");
    // Chunks: enough for every thread to take several, large enough that claiming one is noise.
    const chunk = Math.max(1024, Math.ceil(n / (s.threads * 8)));
    const tiles = Math.ceil(n / chunk);
    const tileLoss = alloc(2 * tiles);
    const costs: number[] = [];
    const bar: ProgressBar | null = s.progress ? stderrProgressBar() : null;
    const t0 = performance.now();
    for (let e = 0; e < s.epochs; e++) {
      const te = performance.now();
      be.gloveEpoch({ rows: hRows, cols: hCols, logX: hLog, weight: hWeight, records: n, chunk, w, c, bw, bc, gw, gc, gbw, gbc, dim: d,
        learningRate: s.eta, tileLoss, threads: s.threads });
      const bits = be.readSync(tileLoss, 2 * tiles, "int32") as Int32Array;
      const per = new Float64Array(bits.buffer, bits.byteOffset, tiles);
      let cost = 0;
      for (const v of per) cost += v;
      costs.push(cost / n);
      const now = performance.now(), elapsed = (now - t0) / 1000;
      bar?.update({ epoch: e + 1, epochs: s.epochs, batch: e + 1, batches: s.epochs, loss: cost / n, elapsed, unit: "epochs" });
      s.onProgress?.({ epoch: e + 1, epochs: s.epochs, loss: cost / n, recordsPerSecond: now > te ? n / ((now - te) / 1000) : 0, elapsed });
    }
    bar?.end(formatEpochSummary(s.epochs, s.epochs, { loss: costs[costs.length - 1] }, (performance.now() - t0) / 1000));
    const W = be.readSync(w, V * d, "float32") as Float32Array;
    const C = be.readSync(c, V * d, "float32") as Float32Array;
    const sum = new Float32Array(V * d);
    for (let i = 0; i < V * d; i++) sum[i] = W[i] + C[i];
    const wv = new KeyedVectors(d, x.words, sum);
    wv.counts = x.wordCounts;
    return new GloVe(wv, W, C, be.readSync(bw, V, "float32") as Float32Array, be.readSync(bc, V, "float32") as Float32Array, x, costs);
  });
}
