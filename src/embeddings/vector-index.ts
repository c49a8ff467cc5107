// VectorIndex: exact (flat) k-nearest-neighbour search like faiss IndexFlatIP / IndexFlatL2, plus
// cosine. Vectors live in WASM memory, zero-padded to a multiple of 4 floats; search runs the
// blocked SIMD kernel of assembly/vector-index.ts (batches of queries on the worker pool) and
// returns, per query, the k best rows — score descending for "ip" and "cosine", squared L2 distance
// ascending for "l2", ties by insertion order — mapped to the ids given to add(). save()/load() use a
// small checked binary format (see FORMAT below).
import { TesseraError, checkInt, describe } from "../errors.js";
import { cpuBackend } from "../backend/device.js";
import type { CpuBackend } from "../backend/cpu-wasm/cpu-backend.js";
import type { Handle } from "../backend/backend.js";
import { threadsFor } from "../runtime/pool.js";
import { runtime } from "../runtime/wasm.js";
import { toRows } from "./rows.js";
import { crc32 } from "./crc32.js";

export type Metric = "cosine" | "ip" | "l2";
const METRICS: readonly Metric[] = ["ip", "cosine", "l2"]; // file codes 0, 1, 2 (abi.ts Metric)

export interface SearchOptions {
  /** Overrides the index's metric for this search. */
  metric?: Metric;
  /** Search only the first `limit` stored rows (gensim's restrict_vocab). */
  limit?: number;
  /** Threads for a batch of queries (default: the pool's setting). */
  threads?: number;
}

export interface SearchResult {
  /** [nq·k] ids of the hits, best first per query; -1 where fewer than k rows qualify. */
  ids: Float64Array;
  /** [nq·k] their scores (cosine / inner product, or squared L2 distance); NaN where ids is -1. */
  scores: Float32Array;
  /** [nq·k] row positions of the hits (insertion order), -1 alike. */
  rows: Int32Array;
  nq: number;
  k: number;
}

function checkMetric(arg: string, m: unknown): Metric {
  if (m !== "cosine" && m !== "ip" && m !== "l2") throw new TesseraError("E_VALUE", `${arg}: expected "cosine", "ip" or "l2", received ${describe(m)}`);
  return m;
}

interface Buffers {
  be: CpuBackend;
  base: Handle | null;
  invNorm: Handle | null;
}

const registry = typeof FinalizationRegistry === "function"
  ? new FinalizationRegistry<Buffers>((b) => {
    try {
      if (b.base !== null) b.be.free(b.base);
      if (b.invNorm !== null) b.be.free(b.invNorm);
    } catch { /* the runtime may be gone */ }
  })
  : null;

// File layout, little-endian: "TSVI", u32 version 1, u32 dim, u32 metric (0 ip, 1 cosine, 2 l2),
// u32 count, u32 flags (bit 0: ids present), u32 0; f64 ids [count] if flagged; f32 vectors
// [count, dim]; u32 CRC-32 of everything before it.
const MAGIC = 0x49565354; // "TSVI" read as a little-endian u32
const HEADER_BYTES = 28;
const MAX_DIM = 1 << 20;

export class VectorIndex {
  readonly dim: number;
  readonly dimPad: number;
  metric: Metric;
  private count = 0;
  private capacity = 0;
  private ids: Float64Array | null = null; // null: ids are the row positions
  private readonly buf: Buffers;
  private disposed = false;

  constructor(dim: number, options: { metric?: Metric } = {}) {
    this.dim = checkInt("VectorIndex: dim", dim, 1, MAX_DIM);
    if (options === null || typeof options !== "object") throw new TesseraError("E_TYPE", `VectorIndex: options: expected an object, received ${describe(options)}`);
    this.metric = options.metric === undefined ? "l2" : checkMetric("VectorIndex: options.metric", options.metric);
    this.dimPad = (dim + 3) & ~3;
    this.buf = { be: cpuBackend(), base: null, invNorm: null };
    registry?.register(this, this.buf, this);
  }

  /** Stored vectors. */
  get size(): number {
    return this.count;
  }

  private live(what: string): CpuBackend {
    if (this.disposed) throw new TesseraError("E_DISPOSED", `VectorIndex.${what}: expected a live index, received one after dispose()`);
    return this.buf.be;
  }

  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const be = this.buf.be;
    const cap = Math.max(rows, Math.ceil(this.capacity * 1.5), 64);
    const base = be.alloc(cap * this.dimPad);
    let invNorm: Handle;
    try {
      invNorm = be.alloc(cap);
    } catch (e) {
      be.free(base);
      throw e;
    }
    if (this.buf.base !== null) {
      be.copy(base, this.buf.base, this.count * this.dimPad);
      be.copy(invNorm, this.buf.invNorm!, this.count);
      be.free(this.buf.base);
      be.free(this.buf.invNorm!);
    }
    this.buf.base = base;
    this.buf.invNorm = invNorm;
    this.capacity = cap;
  }

  /**
   * Appends vectors (rows of `dim` values: flat, nested, or a float32 tensor [n, dim]), with ids
   * (integers in [0, 2^53)) or, by default, their positions. Returns the number added.
   */
  add(vectors: unknown, ids?: ArrayLike<number>): number {
    const be = this.live("add");
    const { data, n } = toRows(vectors, this.dim, "VectorIndex.add: vectors");
    let idList: Float64Array | null = null;
    if (ids !== undefined) {
      if (ids === null || typeof ids !== "object" || typeof (ids as ArrayLike<number>).length !== "number") {
        throw new TesseraError("E_TYPE", `VectorIndex.add: ids: expected an array of integers, received ${describe(ids)}`);
      }
      if (ids.length !== n) throw new TesseraError("E_SHAPE", `VectorIndex.add: ids: expected ${n} ids (one per vector), received ${ids.length}`);
      idList = new Float64Array(n);
      for (let i = 0; i < n; i++) idList[i] = checkInt(`VectorIndex.add: ids[${i}]`, ids[i], 0, Number.MAX_SAFE_INTEGER);
    }
    if (n === 0) return 0;
    this.reserve(this.count + n);
    const base = this.buf.base as number;
    if (this.dimPad === this.dim) {
      be.write(base, data, "float32", this.count * this.dimPad);
    } else {
      const padded = new Float32Array(n * this.dimPad);
      for (let i = 0; i < n; i++) padded.set(data.subarray(i * this.dim, (i + 1) * this.dim), i * this.dimPad);
      be.write(base, padded, "float32", this.count * this.dimPad);
    }
    be.vectorInvNorms(base + this.count * this.dimPad * 4, n, this.dimPad, (this.buf.invNorm as number) + this.count * 4);
    if (idList !== null || this.ids !== null) {
      const all = new Float64Array(this.count + n);
      if (this.ids) all.set(this.ids);
      else for (let i = 0; i < this.count; i++) all[i] = i;
      if (idList) all.set(idList, this.count);
      else for (let i = 0; i < n; i++) all[this.count + i] = this.count + i;
      this.ids = all;
    }
    this.count += n;
    return n;
  }

  /** The stored vector at row position `row`. */
  reconstruct(row: number): Float32Array {
    const be = this.live("reconstruct");
    checkInt("VectorIndex.reconstruct: row", row, 0, this.count - 1);
    return be.readSync((this.buf.base as number) + row * this.dimPad * 4, this.dim, "float32") as Float32Array;
  }

  /** The id of row position `row`. */
  idOf(row: number): number {
    checkInt("VectorIndex.idOf: row", row, 0, this.count - 1);
    return this.ids ? this.ids[row] : row;
  }

  private queriesToWasm(queries: unknown, metric: Metric, arg: string): { h: Handle; nq: number } {
    const be = this.buf.be;
    const { data, n } = toRows(queries, this.dim, arg);
    const q = new Float32Array(n * this.dimPad);
    for (let i = 0; i < n; i++) {
      const row = data.subarray(i * this.dim, (i + 1) * this.dim);
      if (metric === "cosine") {
        let s = 0;
        for (const v of row) s += v * v;
        const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
        for (let j = 0; j < this.dim; j++) q[i * this.dimPad + j] = row[j] * inv;
      } else {
        q.set(row, i * this.dimPad);
      }
    }
    const h = be.alloc(Math.max(1, n * this.dimPad));
    be.write(h, q, "float32");
    return { h, nq: n };
  }

  private searchOptions(what: string, options: SearchOptions): { metric: Metric; limit: number; threads: number } {
    if (options === null || typeof options !== "object") throw new TesseraError("E_TYPE", `VectorIndex.${what}: options: expected an object, received ${describe(options)}`);
    const metric = options.metric === undefined ? this.metric : checkMetric(`VectorIndex.${what}: options.metric`, options.metric);
    const limit = options.limit === undefined ? this.count : Math.min(this.count, checkInt(`VectorIndex.${what}: options.limit`, options.limit, 0));
    const threads = options.threads === undefined ? threadsFor(runtime()) : checkInt(`VectorIndex.${what}: options.threads`, options.threads, 1, 256);
    return { metric, limit, threads };
  }

  /**
   * The k best stored vectors for each query (one vector of `dim` values, several back to back, an
   * array of rows, or a tensor). A query against an empty index gets k slots of id -1.
   */
  search(queries: unknown, k: number, options: SearchOptions = {}): SearchResult {
    const be = this.live("search");
    checkInt("VectorIndex.search: k", k, 1, 1 << 24);
    const { metric, limit, threads } = this.searchOptions("search", options);
    const { h: qh, nq } = this.queriesToWasm(queries, metric, "VectorIndex.search: queries");
    const outS = be.alloc(Math.max(1, nq * k));
    let outR: Handle | null = null;
    try {
      outR = be.alloc(Math.max(1, nq * k));
      if (limit === 0) {
        be.fill(outS, nq * k, NaN, "float32");
        be.fill(outR, nq * k, -1, "int32");
      } else {
        be.vectorSearch({
          base: this.buf.base as number, invNorm: this.buf.invNorm as number, rows: limit, dimPad: this.dimPad,
          queries: qh, nq, k, metric, outScores: outS, outRows: outR, threads,
        });
      }
      const scores = be.readSync(outS, nq * k, "float32") as Float32Array;
      const rows = be.readSync(outR, nq * k, "int32") as Int32Array;
      const ids = new Float64Array(nq * k);
      for (let i = 0; i < rows.length; i++) ids[i] = rows[i] < 0 ? -1 : this.ids ? this.ids[rows[i]] : rows[i];
      return { ids, scores, rows, nq, k };
    } finally {
      be.free(qh);
      be.free(outS);
      if (outR !== null) be.free(outR);
    }
  }

  /** The score of one query against every stored row (or the first `limit`), unsorted. */
  scores(query: unknown, options: SearchOptions = {}): Float32Array {
    const be = this.live("scores");
    const { metric, limit } = this.searchOptions("scores", options);
    const { h: qh, nq } = this.queriesToWasm(query, metric, "VectorIndex.scores: query");
    if (nq !== 1) {
      be.free(qh);
      throw new TesseraError("E_SHAPE", `VectorIndex.scores: query: expected one vector of ${this.dim} values, received ${nq} vectors`);
    }
    const out = be.alloc(Math.max(1, limit));
    try {
      if (limit > 0) be.vectorScoresAll(this.buf.base as number, this.buf.invNorm as number, limit, this.dimPad, qh, metric, out);
      return be.readSync(out, limit, "float32") as Float32Array;
    } finally {
      be.free(qh);
      be.free(out);
    }
  }

  /** Frees the WASM memory; the index cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    registry?.unregister(this);
    const { be, base, invNorm } = this.buf;
    if (base !== null) be.free(base);
    if (invNorm !== null) be.free(invNorm);
    this.buf.base = this.buf.invNorm = null;
  }

  /** The index as bytes (see the file layout above). */
  save(): Uint8Array {
    const be = this.live("save");
    const n = this.count, d = this.dim;
    const idBytes = this.ids ? 8 * n : 0;
    const total = HEADER_BYTES + idBytes + 4 * n * d + 4;
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, MAGIC, true);
    dv.setUint32(4, 1, true);
    dv.setUint32(8, d, true);
    dv.setUint32(12, METRICS.indexOf(this.metric), true);
    dv.setUint32(16, n, true);
    dv.setUint32(20, this.ids ? 1 : 0, true);
    dv.setUint32(24, 0, true);
    let at = HEADER_BYTES;
    if (this.ids) for (let i = 0; i < n; i++, at += 8) dv.setFloat64(at, this.ids[i], true);
    for (let i = 0; i < n; i++) {
      const row = be.readSync((this.buf.base as number) + i * this.dimPad * 4, d, "float32") as Float32Array;
      for (let j = 0; j < d; j++, at += 4) dv.setFloat32(at, row[j], true);
    }
    dv.setUint32(at, crc32(out.subarray(0, at)), true);
    return out;
  }

  /** An index from save()'s bytes; any corruption or truncation is E_FORMAT. */
  static load(bytes: Uint8Array | ArrayBuffer): VectorIndex {
    const b = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
    if (!(b instanceof Uint8Array)) throw new TesseraError("E_TYPE", `VectorIndex.load: bytes: expected a Uint8Array or ArrayBuffer, received ${describe(bytes)}`);
    const bad = (what: string): never => { throw new TesseraError("E_FORMAT", `VectorIndex.load: expected a tessera vector index file, received ${what}`); };
    if (b.length < HEADER_BYTES + 4) bad(`${b.length} bytes (shorter than the ${HEADER_BYTES + 4}-byte minimum)`);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (dv.getUint32(0, true) !== MAGIC) bad("a file without the TSVI magic");
    const version = dv.getUint32(4, true);
    if (version !== 1) bad(`format version ${version} (this reader knows 1)`);
    const d = dv.getUint32(8, true), metricCode = dv.getUint32(12, true), n = dv.getUint32(16, true), flags = dv.getUint32(20, true);
    if (d < 1 || d > MAX_DIM) bad(`dimension ${d}`);
    if (metricCode > 2) bad(`metric code ${metricCode}`);
    if (flags > 1 || dv.getUint32(24, true) !== 0) bad(`flags ${flags}`);
    const expect = HEADER_BYTES + (flags ? 8 * n : 0) + 4 * n * d + 4;
    if (b.length !== expect) bad(`${b.length} bytes where the header (${n} vectors of dimension ${d}) implies ${expect}`);
    const end = b.length - 4;
    if (crc32(b.subarray(0, end)) !== dv.getUint32(end, true)) bad("a checksum mismatch (corrupt data)");
    let at = HEADER_BYTES;
    let ids: Float64Array | undefined;
    if (flags) {
      ids = new Float64Array(n);
      for (let i = 0; i < n; i++, at += 8) {
        const v = dv.getFloat64(at, true);
        if (!Number.isInteger(v) || v < 0 || v > Number.MAX_SAFE_INTEGER) bad(`id ${v} at position ${i}`);
        ids[i] = v;
      }
    }
    const data = new Float32Array(n * d);
    for (let i = 0; i < n * d; i++, at += 4) {
      const v = dv.getFloat32(at, true);
      if (!Number.isFinite(v)) bad(`a non-finite value in vector ${Math.floor(i / d)}`);
      data[i] = v;
    }
    const index = new VectorIndex(d, { metric: METRICS[metricCode] });
    try {
      index.add(data, ids);
    } catch (e) {
      index.dispose();
      throw e;
    }
    return index;
  }
}
