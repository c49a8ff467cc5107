// Word2Vec (gensim.models.Word2Vec names and defaults): CBOW or skip-gram with negative sampling,
// subsampling, reduced windows and linear learning-rate decay, trained whole epochs at a time by
// assembly/w2v.ts over the corpus handed to WASM once as an id array. Tiles are gensim's jobs
// (sentences up to 10 000 raw words, learning rate fixed per job from the raw words before it); with
// the threads build the pool's workers train Hogwild. FastText mode (minN ≤ maxN) adds hashed
// character n-gram rows so that words outside the vocabulary get vectors (gensim FastText).
// Not bit-identical to gensim (its generators are numpy's and per job); same algorithm and tables.
import { TesseraError, checkInt, checkNumber, describe } from "../errors.js";
import { Generator } from "../tensor/random.js";
import { threadsFor } from "../runtime/pool.js";
import { runtime } from "../runtime/wasm.js";
import { formatEpochSummary, stderrProgressBar, type ProgressBar } from "../train/progress.js";
import { KeyedVectors } from "./keyed-vectors.js";
import { withWasmBuffers } from "./wasm-buffers.js";
import { ngramHashes } from "./subwords.js";
import { buildCorpus, cumGuide, cumTable, sampleThresholds, type Corpus } from "./vocab.js";

export interface Word2VecProgress {
  /** 1-based epoch, of `epochs`. */
  epoch: number;
  epochs: number;
  /** Raw corpus words (out-of-vocabulary ones included) trained so far this epoch, of wordsPerEpoch. */
  words: number;
  wordsPerEpoch: number;
  /** Words left after subsampling so far this epoch. */
  effectiveWords: number;
  /** Raw words per second this epoch. */
  wordsPerSecond: number;
  /** Mean −log σ over the predictions made so far this epoch (gensim's running loss per prediction). */
  loss: number;
  /** Learning rate of the last trained batch. */
  alpha: number;
  /** Seconds since the epoch started. */
  elapsed: number;
}

export interface Word2VecOptions {
  /** 1 skip-gram, 0 CBOW (default 0). */
  sg?: 0 | 1;
  /** Dimension of the vectors (default 100). */
  vectorSize?: number;
  /** Largest distance between the centre word and a context word (default 5). */
  window?: number;
  /** Words rarer than this are dropped (default 5). */
  minCount?: number;
  /** Prune the vocabulary to this many word types while counting (default null: no limit). */
  maxVocabSize?: number | null;
  /** Negative samples per prediction (default 5; at least 1). */
  negative?: number;
  /** Hierarchical softmax: only 0 (negative sampling) is implemented. */
  hs?: 0;
  /** Exponent of the negative-sampling distribution (default 0.75). */
  nsExponent?: number;
  /** Subsampling threshold of frequent words (default 1e-3; 0 disables). */
  sample?: number;
  /** Initial and final learning rate, decayed linearly over the raw words (defaults 0.025, 0.0001). */
  alpha?: number;
  minAlpha?: number;
  /** Passes over the corpus (default 5). */
  epochs?: number;
  /** Seed of the initial vectors and of the kernel's generators (default 1). */
  seed?: number;
  /** Threads (default: the pool's setting; 1 on builds without shared memory). */
  threads?: number;
  /** Draw a reduced window per word, as word2vec.c (default true). */
  shrinkWindows?: boolean;
  /** CBOW: mean (1, default) or sum (0) of the context vectors. */
  cbowMean?: 0 | 1;
  /** FastText character n-grams from minN to maxN characters (default 0, 0: none); buckets of hashed n-grams (default 200 000; gensim's is 2 000 000). */
  minN?: number;
  maxN?: number;
  bucket?: number;
  /** Called after every trained slice (about 5 % of an epoch) and at the end of each epoch. */
  onProgress?: (p: Word2VecProgress) => void;
  /** A progress line on stderr when it is a terminal (default true). */
  progress?: boolean;
}

interface Resolved {
  sg: 0 | 1;
  vectorSize: number;
  window: number;
  minCount: number;
  maxVocabSize: number | null;
  negative: number;
  nsExponent: number;
  sample: number;
  alpha: number;
  minAlpha: number;
  epochs: number;
  seed: number;
  threads: number;
  shrinkWindows: boolean;
  cbowMean: 0 | 1;
  minN: number;
  maxN: number;
  bucket: number;
  onProgress: ((p: Word2VecProgress) => void) | null;
  progress: boolean;
}

const KEYS = ["sg", "vectorSize", "window", "minCount", "maxVocabSize", "negative", "hs", "nsExponent", "sample", "alpha", "minAlpha",
  "epochs", "seed", "threads", "shrinkWindows", "cbowMean", "minN", "maxN", "bucket", "onProgress", "progress"];

function resolve(name: string, o: Word2VecOptions, fastText: boolean): Resolved {
  if (o === null || typeof o !== "object") throw new TesseraError("E_TYPE", `${name}: options: expected an object, received ${describe(o)}`);
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) throw new TesseraError("E_VALUE", `${name}: options: expected only ${KEYS.join(", ")}, received ${describe(k)}`);
  const arg = (k: string) => `${name}: options.${k}`;
  const int = (k: keyof Word2VecOptions, def: number, min: number, max = 2 ** 31 - 1) => (o[k] === undefined ? def : checkInt(arg(k), o[k], min, max));
  const num = (k: keyof Word2VecOptions, def: number, min: number, max = Infinity) => (o[k] === undefined ? def : checkNumber(arg(k), o[k], min, max));
  const bit = (k: "sg" | "cbowMean", def: 0 | 1) => {
    const v = o[k] ?? def;
    if (v !== 0 && v !== 1) throw new TesseraError("E_VALUE", `${arg(k)}: expected 0 or 1, received ${describe(v)}`);
    return v;
  };
  if (o.hs !== undefined && o.hs !== 0) {
    throw new TesseraError("E_VALUE", `${arg("hs")}: expected 0 (negative sampling; hierarchical softmax is not implemented), received ${describe(o.hs)}`);
  }
  const bool = (k: "shrinkWindows" | "progress", def: boolean) => {
    const v = o[k] ?? def;
    if (typeof v !== "boolean") throw new TesseraError("E_TYPE", `${arg(k)}: expected a boolean, received ${describe(v)}`);
    return v;
  };
  if (o.onProgress !== undefined && typeof o.onProgress !== "function") throw new TesseraError("E_TYPE", `${arg("onProgress")}: expected a function, received ${describe(o.onProgress)}`);
  const minN = int("minN", fastText ? 3 : 0, 0, 64), maxN = int("maxN", fastText ? 6 : 0, 0, 64);
  if (maxN > 0 && (minN < 1 || minN > maxN)) throw new TesseraError("E_VALUE", `${arg("minN")}: expected 1 <= minN <= maxN (${maxN}), received ${minN}`);
  const alpha = num("alpha", 0.025, 0);
  if (!(alpha > 0)) throw new TesseraError("E_RANGE", `${arg("alpha")}: expected a positive learning rate, received ${alpha}`);
  const minAlpha = num("minAlpha", 0.0001, 0, alpha);
  return {
    sg: bit("sg", 0),
    vectorSize: int("vectorSize", 100, 1, 1 << 16),
    window: int("window", 5, 1, 1 << 16),
    minCount: int("minCount", 5, 1),
    maxVocabSize: o.maxVocabSize === undefined || o.maxVocabSize === null ? null : checkInt(arg("maxVocabSize"), o.maxVocabSize, 1),
    negative: int("negative", 5, 1, 1 << 10),
    nsExponent: num("nsExponent", 0.75, -16, 16),
    sample: num("sample", 1e-3, 0),
    alpha, minAlpha,
    epochs: int("epochs", 5, 1, 1 << 20),
    seed: int("seed", 1, 0, Number.MAX_SAFE_INTEGER),
    threads: int("threads", threadsFor(runtime()), 1, 256),
    shrinkWindows: bool("shrinkWindows", true),
    cbowMean: bit("cbowMean", 1),
    minN, maxN,
    bucket: maxN > 0 ? int("bucket", 200000, 1, 1 << 26) : 0,
    onProgress: o.onProgress ?? null,
    progress: bool("progress", true),
  };
}

/** Tiles as gensim's job producer cuts them: whole sentences while the raw words fit in 10 000. */
function makeTiles(c: Corpus, batchWords = 10000): { tileStart: Int32Array; tileRaw: Float64Array } {
  const starts: number[] = [0];
  const raws: number[] = [];
  let size = 0;
  for (let s = 0; s < c.sentRaw.length; s++) {
    const len = c.sentRaw[s];
    if (s > starts[starts.length - 1] && size + len > batchWords) {
      starts.push(s);
      raws.push(size);
      size = 0;
    }
    size += len;
  }
  starts.push(c.sentRaw.length);
  raws.push(size);
  return { tileStart: Int32Array.from(starts), tileRaw: Float64Array.from(raws) };
}

/** Each word's input rows for FastText: its own, then V + bucket of each n-gram (gensim buckets_word). */
function subwordRows(words: string[], minN: number, maxN: number, bucket: number): { start: Int32Array; rows: Int32Array } {
  const start = new Int32Array(words.length + 1);
  const rows: number[] = [];
  const V = words.length;
  words.forEach((w, i) => {
    rows.push(i);
    for (const h of ngramHashes(w, minN, maxN, bucket)) rows.push(V + h);
    start[i + 1] = rows.length;
  });
  return { start, rows: Int32Array.from(rows) };
}

export class Word2Vec {
  /** The trained word vectors (gensim model.wv). */
  readonly wv: KeyedVectors;
  /** Output weights [vocab, vectorSize] (gensim syn1neg). */
  readonly syn1neg: Float32Array;
  readonly options: Readonly<Omit<Resolved, "onProgress">>;
  /** Raw words of the corpus (per epoch) and sentences read. */
  readonly corpusWords: number;
  readonly corpusSentences: number;
  /** Mean loss per prediction of each epoch. */
  readonly epochLosses: number[];
  /** Seconds spent building the vocabulary and training. */
  readonly timings: { vocab: number; train: number };
  /** Raw corpus words per second over the training (epochs × corpusWords / timings.train). */
  readonly wordsPerSecond: number;

  /** @internal Use Word2Vec.train. */
  constructor(wv: KeyedVectors, syn1neg: Float32Array, options: Resolved, corpus: Corpus, losses: number[], timings: { vocab: number; train: number }) {
    this.wv = wv;
    this.syn1neg = syn1neg;
    const rest: Partial<Resolved> = { ...options };
    delete rest.onProgress;
    this.options = rest as Omit<Resolved, "onProgress">;
    this.corpusWords = corpus.rawWords;
    this.corpusSentences = corpus.sentences;
    this.epochLosses = losses;
    this.timings = timings;
    this.wordsPerSecond = timings.train > 0 ? (options.epochs * corpus.rawWords) / timings.train : 0;
  }

  /**
   * Trains word vectors on `sentences` (arrays of tokens, or strings split on whitespace; any
   * iterable, read once). gensim: Word2Vec(sentences, sg=…, vector_size=…, window=…, min_count=…).
   */
  static train(sentences: Iterable<readonly string[] | string>, options: Word2VecOptions = {}): Word2Vec {
    return trainModel("Word2Vec.train", sentences, options, false);
  }
}

/** FastText (gensim.models.FastText): Word2Vec with character n-grams 3..6 by default. */
export class FastText {
  static train(sentences: Iterable<readonly string[] | string>, options: Word2VecOptions = {}): Word2Vec {
    return trainModel("FastText.train", sentences, options, true);
  }
}

function trainModel(name: string, sentences: unknown, options: Word2VecOptions, fastText: boolean): Word2Vec {
  const o = resolve(name, options, fastText);
  const t0 = performance.now();
  const corpus = buildCorpus(sentences, { minCount: o.minCount, maxVocabSize: o.maxVocabSize }, `${name}: sentences`);
  const V = corpus.words.length;
  if (corpus.rawWords === 0) throw new TesseraError("E_VALUE", `${name}: sentences: expected a non-empty corpus, received ${corpus.sentences} sentences without words`);
  if (V === 0) throw new TesseraError("E_VALUE", `${name}: sentences: expected at least one word occurring minCount = ${o.minCount} times, received none (${corpus.rawWords} words)`);
  const { tileStart, tileRaw } = makeTiles(corpus);
  const T = tileRaw.length;
  const d = o.vectorSize;
  const rows = V + o.bucket;
  const cum = cumTable(corpus.counts, o.nsExponent);
  const { guide, shift } = cumGuide(cum);
  const sub = o.maxN > 0 ? subwordRows(corpus.words, o.minN, o.maxN, o.bucket) : null;
  const tVocab = performance.now();

  const i32 = (a: Int32Array | Uint32Array) => (a instanceof Int32Array ? a : new Int32Array(a.buffer, a.byteOffset, a.length));
  return withWasmBuffers((alloc, be) => {
    const ids = alloc(corpus.ids.length), sentStart = alloc(corpus.sentStart.length), tiles = alloc(tileStart.length);
    const tileAlpha = alloc(T), syn0 = alloc(rows * d), syn1 = alloc(V * d);
    const cumH = alloc(V), guideH = alloc(guide.length), expTable = alloc(2000);
    const sampleH = o.sample > 0 ? alloc(V) : null;
    const subStart = sub ? alloc(sub.start.length) : null, subRowsH = sub ? alloc(sub.rows.length) : null;
    const tileLoss = alloc(2 * T), tilePreds = alloc(2 * T), tileWords = alloc(T);
    be.write(ids, corpus.ids, "int32");
    be.write(sentStart, corpus.sentStart, "int32");
    be.write(tiles, tileStart, "int32");
    be.write(cumH, i32(cum), "int32");
    be.write(guideH, guide, "int32");
    if (sampleH !== null) be.write(sampleH, i32(sampleThresholds(corpus.counts, o.sample)), "int32");
    if (sub) {
      be.write(subStart!, sub.start, "int32");
      be.write(subRowsH!, sub.rows, "int32");
    }
    be.word2vecExpTable(expTable);
    // gensim prep_vectors: uniform in [−1, 1) / vectorSize (word rows, then n-gram rows); syn1neg zero.
    const gen = new Generator(o.seed);
    const chunkRows = Math.max(1, Math.floor((1 << 20) / d));
    const init = new Float32Array(chunkRows * d);
    for (let r = 0; r < rows; r += chunkRows) {
      const n = Math.min(chunkRows, rows - r) * d;
      for (let i = 0; i < n; i++) init[i] = (gen.random() * 2 - 1) / d;
      be.write(syn0, init.subarray(0, n), "float32", r * d);
    }
    be.fill(syn1, V * d, 0, "float32");

    const rawBefore = new Float64Array(T);
    for (let t = 1; t < T; t++) rawBefore[t] = rawBefore[t - 1] + tileRaw[t - 1];
    const perEpoch = corpus.rawWords;
    const slice = Math.max(1, Math.ceil(T / 20));
    const bar: ProgressBar | null = o.progress ? stderrProgressBar() : null;
    const losses: number[] = [];
    const alphas = new Float32Array(T);
    const tTrain = performance.now();
    for (let e = 0; e < o.epochs; e++) {
      for (let t = 0; t < T; t++) {
        const progress = (e + rawBefore[t] / perEpoch) / o.epochs;
        alphas[t] = Math.max(o.minAlpha, o.alpha - (o.alpha - o.minAlpha) * progress);
      }
      be.write(tileAlpha, alphas, "float32");
      const start = performance.now();
      let words = 0, effective = 0, loss = 0, preds = 0;
      for (let first = 0; first < T; first += slice) {
        const n = Math.min(slice, T - first);
        be.word2vecTiles({
          ids, sentStart, tileStart: tiles, tileAlpha, tileFirst: first, tiles: n, syn0, syn1, cumTable: cumH, guide: guideH,
          guideShift: shift, sampleInt: sampleH, expTable, subStart, subRows: subRowsH, vocab: V, dim: d, window: o.window,
          negative: o.negative, sg: o.sg === 1, cbowMean: o.cbowMean === 1, shrinkWindows: o.shrinkWindows, epoch: e, seed: o.seed,
          tileLoss, tilePreds, tileWords, threads: o.threads,
        });
        const l = be.readSync((tileLoss as number) + 8 * first, 2 * n, "int32") as Int32Array;
        const p = be.readSync((tilePreds as number) + 8 * first, 2 * n, "int32") as Int32Array;
        const w = be.readSync((tileWords as number) + 4 * first, n, "int32") as Int32Array;
        const lf = new Float64Array(l.buffer, l.byteOffset, n), pf = new Float64Array(p.buffer, p.byteOffset, n);
        for (let t = 0; t < n; t++) {
          loss += lf[t];
          preds += pf[t];
          effective += w[t];
          words += tileRaw[first + t];
        }
        const elapsed = (performance.now() - start) / 1000;
        const info: Word2VecProgress = {
          epoch: e + 1, epochs: o.epochs, words, wordsPerEpoch: perEpoch, effectiveWords: effective,
          wordsPerSecond: elapsed > 0 ? words / elapsed : 0, loss: preds > 0 ? loss / preds : NaN, alpha: alphas[first + n - 1], elapsed,
        };
        bar?.update({ epoch: e + 1, epochs: o.epochs, batch: words, batches: perEpoch, loss: info.loss, elapsed, unit: "words" });
        o.onProgress?.(info);
      }
      losses.push(preds > 0 ? loss / preds : NaN);
      bar?.end(formatEpochSummary(e + 1, o.epochs, { loss: losses[e] }, (performance.now() - start) / 1000));
    }
    const tEnd = performance.now();
    const all = be.readSync(syn0, rows * d, "float32") as Float32Array;
    const syn1neg = be.readSync(syn1, V * d, "float32") as Float32Array;
    let vectors = all.slice(0, V * d);
    const wv = new KeyedVectors(d, corpus.words);
    if (sub) {
      // gensim adjust_vectors: a vocabulary word's vector is the mean of its row and its n-gram rows.
      vectors = new Float32Array(V * d);
      const acc = new Float64Array(d);
      for (let i = 0; i < V; i++) {
        acc.fill(0);
        const r0 = sub.start[i], r1 = sub.start[i + 1];
        for (let r = r0; r < r1; r++) {
          const row = sub.rows[r] * d;
          for (let j = 0; j < d; j++) acc[j] += all[row + j];
        }
        for (let j = 0; j < d; j++) vectors[i * d + j] = acc[j] / (r1 - r0);
      }
      wv.subwords = { minN: o.minN, maxN: o.maxN, buckets: o.bucket, vectors: all.slice(V * d) };
    }
    wv.vectors.set(vectors);
    wv.counts = corpus.counts;
    return new Word2Vec(wv, syn1neg, o, corpus, losses,
      { vocab: (tVocab - t0) / 1000, train: (tEnd - tTrain) / 1000 });
  });
}
