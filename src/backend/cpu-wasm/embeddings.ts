// Word vectors and flat vector search for the CPU backend: writes the job records of
// assembly/w2v.ts, glove.ts and vector-index.ts (layouts in assembly/abi.ts) and runs them on the
// calling thread or the worker pool. Hogwild training and exact search own their buffers in WASM
// memory and run nowhere else, so these are CpuBackend methods, not part of the device interface.
import { GloveJob, JobKind, Metric, SearchJob, W2vJob } from "../../runtime/abi.js";
import { runJob } from "../../runtime/pool.js";
import type { Runtime } from "../../runtime/wasm.js";
import type { Handle } from "../backend.js";

export type SearchMetric = keyof typeof Metric;

/** One call of the word2vec kernel: `tiles` corpus tiles from `tileFirst` of epoch `epoch`. Handles are byte addresses. */
export interface Word2vecTilesArgs {
  /** int32 corpus (in-vocabulary ids), int32 sentence starts [sentences + 1], int32 tile starts [tiles + 1] (sentence indices). */
  ids: Handle;
  sentStart: Handle;
  tileStart: Handle;
  /** float32 [all tiles] learning rate per tile this epoch. */
  tileAlpha: Handle;
  tileFirst: number;
  tiles: number;
  /** float32 [rows, dim] input rows (words then n-gram buckets); float32 [vocab, dim] output rows. */
  syn0: Handle;
  syn1: Handle;
  /** uint32 [vocab] gensim's cum_table; int32 [guide entries] its guide (see assembly/w2v.ts). */
  cumTable: Handle;
  guide: Handle;
  guideShift: number;
  /** uint32 [vocab] subsampling thresholds, or null: keep every word. */
  sampleInt: Handle | null;
  /** float32 [2000] from word2vecExpTable. */
  expTable: Handle;
  /** int32 [vocab + 1] and int32 rows: each word's input rows (FastText), or null (its own row). */
  subStart: Handle | null;
  subRows: Handle | null;
  vocab: number;
  dim: number;
  window: number;
  negative: number;
  sg: boolean;
  cbowMean: boolean;
  shrinkWindows: boolean;
  epoch: number;
  /** 0 ≤ seed < 2^53. */
  seed: number;
  /** float64 [all tiles] loss sums and prediction counts; int32 [all tiles] words kept. */
  tileLoss: Handle;
  tilePreds: Handle;
  tileWords: Handle;
  threads: number;
}

export function word2vecTiles(a: Word2vecTilesArgs, rt: Runtime): void {
  if (a.tiles <= 0) return;
  const ex = rt.exports;
  const threads = Math.max(1, Math.min(a.threads, a.tiles));
  const scratchBytes = ex.word2vecScratchBytes(a.dim);
  const job = rt.arena.alloc(W2vJob.bytes + threads * scratchBytes);
  try {
    const i32 = new Int32Array(rt.memory.buffer, job, W2vJob.bytes >> 2);
    const put = (off: number, v: number) => { i32[off >> 2] = v; };
    const h = (x: Handle | null) => (x === null ? 0 : (x as number));
    put(W2vJob.ids, h(a.ids));
    put(W2vJob.sentStart, h(a.sentStart));
    put(W2vJob.tileStart, h(a.tileStart));
    put(W2vJob.tileAlpha, h(a.tileAlpha));
    put(W2vJob.tileFirst, a.tileFirst);
    put(W2vJob.syn0, h(a.syn0));
    put(W2vJob.syn1, h(a.syn1));
    put(W2vJob.cumTable, h(a.cumTable));
    put(W2vJob.guide, h(a.guide));
    put(W2vJob.guideShift, a.guideShift);
    put(W2vJob.sampleInt, h(a.sampleInt));
    put(W2vJob.expTable, h(a.expTable));
    put(W2vJob.subStart, h(a.subStart));
    put(W2vJob.subRows, h(a.subRows));
    put(W2vJob.vocab, a.vocab);
    put(W2vJob.dim, a.dim);
    put(W2vJob.window, a.window);
    put(W2vJob.negative, a.negative);
    put(W2vJob.sg, a.sg ? 1 : 0);
    put(W2vJob.cbowMean, a.cbowMean ? 1 : 0);
    put(W2vJob.shrink, a.shrinkWindows ? 1 : 0);
    put(W2vJob.epoch, a.epoch);
    put(W2vJob.seedLo, a.seed % 2 ** 32 | 0);
    put(W2vJob.seedHi, Math.floor(a.seed / 2 ** 32) | 0);
    put(W2vJob.scratch, job + W2vJob.bytes);
    put(W2vJob.scratchBytes, scratchBytes);
    put(W2vJob.tileLoss, h(a.tileLoss));
    put(W2vJob.tilePreds, h(a.tilePreds));
    put(W2vJob.tileWords, h(a.tileWords));
    ex.jobInit(job, JobKind.word2vec, threads, a.tiles);
    runJob(rt, job, threads);
  } finally {
    rt.arena.release(job);
  }
}

/** Writes gensim's EXP_TABLE then LOG_TABLE (2000 float32) at `table`. */
export function word2vecExpTable(table: Handle, rt: Runtime): void {
  rt.exports.word2vecExpTable(table as number);
}

/** One GloVe epoch over `records` records in chunks of `chunk` (see assembly/glove.ts). */
export interface GloveEpochArgs {
  rows: Handle;
  cols: Handle;
  logX: Handle;
  weight: Handle;
  records: number;
  chunk: number;
  w: Handle;
  c: Handle;
  bw: Handle;
  bc: Handle;
  gw: Handle;
  gc: Handle;
  gbw: Handle;
  gbc: Handle;
  dim: number;
  learningRate: number;
  /** float64 [ceil(records / chunk)] cost per chunk. */
  tileLoss: Handle;
  threads: number;
}

export function gloveEpoch(a: GloveEpochArgs, rt: Runtime): void {
  const tiles = Math.ceil(a.records / a.chunk);
  if (tiles <= 0) return;
  const threads = Math.max(1, Math.min(a.threads, tiles));
  const job = rt.arena.alloc(GloveJob.bytes);
  try {
    const i32 = new Int32Array(rt.memory.buffer, job, GloveJob.bytes >> 2);
    const f32 = new Float32Array(rt.memory.buffer, job, GloveJob.bytes >> 2);
    const fields: [number, Handle | number][] = [
      [GloveJob.rows, a.rows], [GloveJob.cols, a.cols], [GloveJob.logX, a.logX], [GloveJob.weight, a.weight],
      [GloveJob.records, a.records], [GloveJob.chunk, a.chunk], [GloveJob.w, a.w], [GloveJob.c, a.c],
      [GloveJob.bw, a.bw], [GloveJob.bc, a.bc], [GloveJob.gw, a.gw], [GloveJob.gc, a.gc], [GloveJob.gbw, a.gbw],
      [GloveJob.gbc, a.gbc], [GloveJob.dim, a.dim], [GloveJob.tileLoss, a.tileLoss],
    ];
    for (const [off, v] of fields) i32[off >> 2] = v as number;
    f32[GloveJob.learningRate >> 2] = a.learningRate;
    rt.exports.jobInit(job, JobKind.glove, threads, tiles);
    runJob(rt, job, threads);
  } finally {
    rt.arena.release(job);
  }
}

/** Top-k of `nq` queries against the first `rows` stored rows (see assembly/vector-index.ts). */
export interface VectorSearchArgs {
  /** float32 [≥ rows, dimPad]; float32 [≥ rows] inverse norms (cosine). */
  base: Handle;
  invNorm: Handle;
  rows: number;
  dimPad: number;
  /** float32 [nq, dimPad], unit length for cosine. */
  queries: Handle;
  nq: number;
  k: number;
  metric: SearchMetric;
  /** float32 / int32 [nq, k]: best first (l2: ascending squared distance); rows -1 past the qualifying ones. */
  outScores: Handle;
  outRows: Handle;
  threads: number;
}

// Row chunks per query block when there are few queries: enough tiles for every thread, and
// chunks of at least this many rows so a tile's heap work and claim stay small beside its scoring.
const MIN_CHUNK_ROWS = 4096;
const QUERY_BLOCK = 16;

export function vectorSearch(a: VectorSearchArgs, rt: Runtime): void {
  const { nq, k, rows } = a;
  if (nq === 0 || k === 0) return;
  const ex = rt.exports;
  const blocks = Math.ceil(nq / QUERY_BLOCK);
  let threads = Math.max(1, a.threads);
  // Few query blocks: split the rows too, then merge the per-chunk lists.
  let chunks = 1;
  if (threads > 1 && blocks < 2 * threads) chunks = Math.max(1, Math.min(Math.ceil((2 * threads) / blocks), Math.floor(rows / MIN_CHUNK_ROWS)));
  const chunkRows = Math.max(1, Math.ceil(rows / chunks));
  chunks = Math.max(1, Math.ceil(rows / chunkRows));
  const tiles = blocks * chunks;
  threads = Math.min(threads, tiles);
  const listBytes = nq * k * 4;
  const scratchBytes = ex.vectorSearchScratchBytes();
  const job = rt.arena.alloc(SearchJob.bytes + threads * scratchBytes);
  const extra = chunks > 1 ? rt.arena.alloc(2 * chunks * listBytes + 8 * k + 4 * chunks) : 0;
  try {
    const outScores = chunks > 1 ? extra : (a.outScores as number);
    const outRows = chunks > 1 ? extra + chunks * listBytes : (a.outRows as number);
    const i32 = new Int32Array(rt.memory.buffer, job, SearchJob.bytes >> 2);
    const fields: [number, number][] = [
      [SearchJob.base, a.base as number], [SearchJob.invNorm, a.invNorm as number], [SearchJob.rows, rows],
      [SearchJob.dimPad, a.dimPad], [SearchJob.queries, a.queries as number], [SearchJob.nq, nq], [SearchJob.k, k],
      [SearchJob.metric, Metric[a.metric]], [SearchJob.queryBlock, QUERY_BLOCK], [SearchJob.chunks, chunks],
      [SearchJob.chunkRows, chunkRows], [SearchJob.outScores, outScores], [SearchJob.outRows, outRows],
      [SearchJob.scratch, job + SearchJob.bytes],
    ];
    for (const [off, v] of fields) i32[off >> 2] = v;
    ex.jobInit(job, JobKind.vectorSearch, threads, tiles);
    runJob(rt, job, threads);
    if (chunks > 1) {
      const tmp = extra + 2 * chunks * listBytes;
      ex.vectorTopkMerge(outScores, outRows, chunks, nq, k, Metric[a.metric], tmp, tmp + 4 * k, tmp + 8 * k);
      ex.copyBytes(a.outScores as number, outScores, listBytes);
      ex.copyBytes(a.outRows as number, outRows, listBytes);
    }
  } finally {
    rt.arena.release(job);
    if (extra) rt.arena.release(extra);
  }
}

/** out [rows] = the score of every row against one query (unsorted; cosine 0 for zero rows). */
export function vectorScoresAll(base: Handle, invNorm: Handle, rows: number, dimPad: number, query: Handle, metric: SearchMetric,
  out: Handle, rt: Runtime): void {
  rt.exports.vectorScoresAll(base as number, invNorm as number, rows, dimPad, query as number, Metric[metric], out as number);
}

/** invNorm [rows] = 1/‖x‖ of rows of base [rows, dimPad] (0 for zero rows). */
export function vectorInvNorms(base: Handle, rows: number, dimPad: number, invNorm: Handle, rt: Runtime): void {
  rt.exports.vectorInvNorms(base as number, rows, dimPad, invNorm as number);
}
