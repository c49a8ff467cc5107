// KeyedVectors: words and their vectors with gensim 4's query semantics (gensim.models.keyedvectors):
// mostSimilar — 3CosAdd, the weighted mean of unit vectors, unit-normalised, scored by cosine against
// every row, query words excluded; mostSimilarCosmul — 3CosMul (Levy & Goldberg 2014) with cosines
// shifted to [0, 1]; similarity, doesntMatch, evaluateWordAnalogies (questions-words.txt, per-section
// accuracy, restrict_vocab, case-insensitive like gensim). The scoring runs on a cosine VectorIndex
// built on first use (kept until the vectors change or dispose()). With FastText subword buckets a
// word outside the vocabulary gets the mean of its n-gram vectors, as gensim's FastTextKeyedVectors.
import { TesseraError, checkInt, describe } from "../errors.js";
import { VectorIndex } from "./vector-index.js";
import { parseVectors, parseVectorsSync, writeVectors, type ByteSource, type ParsedVectors, type ReadOptions } from "./formats.js";
import { ngramHashes } from "./subwords.js";

/** A query term: a word, a vector, or [word or vector, weight]. */
export type Term = string | Float32Array | readonly number[] | readonly [string | Float32Array | readonly number[], number];

export interface MostSimilarOptions {
  positive?: Term | readonly Term[];
  negative?: Term | readonly Term[];
  /** Results to return (default 10). */
  topn?: number;
  /** Only the first restrictVocab words (the most frequent) are candidates. */
  restrictVocab?: number;
}

export interface AnalogySection {
  section: string;
  correct: [string, string, string, string][];
  incorrect: [string, string, string, string][];
  /** correct / (correct + incorrect), 0 when the section has no question left. */
  accuracy: number;
}

export interface AnalogyOptions {
  /** Only the first restrictVocab words take part (default 300 000, as gensim). */
  restrictVocab?: number;
  /** Compare words upper-cased (default true, as gensim). */
  caseInsensitive?: boolean;
  /** Count a question with an out-of-vocabulary word as wrong instead of skipping it (default false). */
  dummy4unknown?: boolean;
}

export interface AnalogyResult {
  /** Accuracy over all evaluated questions (gensim's first return value). */
  score: number;
  /** One entry per ": section" of the file, then "Total accuracy" (gensim's second). */
  sections: AnalogySection[];
  /** Questions skipped (or counted wrong with dummy4unknown) for out-of-vocabulary words. */
  oov: number;
  questions: number;
}

/** FastText subword settings and the n-gram bucket vectors [buckets, dim]. */
export interface SubwordVectors {
  minN: number;
  maxN: number;
  buckets: number;
  vectors: Float32Array;
}

function unitInPlace<T extends Float32Array | Float64Array>(v: T): T {
  let s = 0;
  for (const x of v) s += x * x;
  if (s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
  }
  return v;
}

function asList(x: unknown): unknown[] {
  if (x === undefined || x === null) return [];
  if (typeof x === "string" || x instanceof Float32Array) return [x];
  if (Array.isArray(x) && x.length === 0) return [];
  if (Array.isArray(x) && typeof x[0] === "number") return [x];
  if (Array.isArray(x) && x.length === 2 && (typeof x[0] === "string" || ArrayBuffer.isView(x[0]) || Array.isArray(x[0])) && typeof x[1] === "number") return [x];
  if (Array.isArray(x)) return x;
  throw new TesseraError("E_TYPE", `expected a word, a vector or a list of them, received ${describe(x)}`);
}

function termLists(o: MostSimilarOptions, what: string): { pos: unknown[]; neg: unknown[] } {
  try {
    return { pos: asList(o.positive), neg: asList(o.negative) };
  } catch (e) {
    throw new TesseraError("E_TYPE", `${what}: positive / negative: ${(e as Error).message}`);
  }
}

export class KeyedVectors {
  readonly vectorSize: number;
  /** Words in index order (gensim index_to_key). */
  indexToKey: string[];
  /** word → index (gensim key_to_index). */
  keyToIndex: Map<string, number>;
  /** Occurrences per word where known (training, or made up in descending order by the loaders as gensim does). */
  counts: Float64Array | null = null;
  /** FastText n-gram buckets, or null. */
  subwords: SubwordVectors | null = null;
  private _vectors: Float32Array;
  private index: VectorIndex | null = null;
  private norms: Float32Array | null = null;

  /** Vectors [keys.length, vectorSize] for `keys` (copied). */
  constructor(vectorSize: number, keys: readonly string[] = [], vectors?: Float32Array | readonly number[]) {
    this.vectorSize = checkInt("KeyedVectors: vectorSize", vectorSize, 1);
    if (!Array.isArray(keys)) throw new TesseraError("E_TYPE", `KeyedVectors: keys: expected an array of strings, received ${describe(keys)}`);
    const data = vectors === undefined ? new Float32Array(keys.length * vectorSize) : Float32Array.from(vectors as ArrayLike<number>);
    if (data.length !== keys.length * vectorSize) {
      throw new TesseraError("E_SHAPE", `KeyedVectors: vectors: expected ${keys.length} × ${vectorSize} = ${keys.length * vectorSize} values, received ${data.length}`);
    }
    this.indexToKey = [];
    this.keyToIndex = new Map();
    keys.forEach((k, i) => {
      if (typeof k !== "string") throw new TesseraError("E_TYPE", `KeyedVectors: keys[${i}]: expected a string, received ${describe(k)}`);
      if (this.keyToIndex.has(k)) throw new TesseraError("E_VALUE", `KeyedVectors: keys[${i}]: expected unique keys, received ${describe(k)} twice`);
      this.keyToIndex.set(k, i);
      this.indexToKey.push(k);
    });
    this._vectors = data;
  }

  /** The matrix [length, vectorSize], rows in index order (a view: call changed() after editing it). */
  get vectors(): Float32Array {
    return this._vectors;
  }

  get length(): number {
    return this.indexToKey.length;
  }

  /** Drops the cached search index and norms (after the vectors were edited in place). */
  changed(): void {
    this.index?.dispose();
    this.index = null;
    this.norms = null;
  }

  /** Frees the search index's WASM memory (it is rebuilt if queried again). */
  dispose(): void {
    this.changed();
  }

  /** Whether `key` has a vector: in the vocabulary, or (FastText) has at least one n-gram. */
  has(key: string): boolean {
    if (this.keyToIndex.has(key)) return true;
    const s = this.subwords;
    return s !== null && typeof key === "string" && ngramHashes(key, s.minN, s.maxN, s.buckets).length > 0;
  }

  /** The index of `key`; E_KEY when it is not in the vocabulary. */
  getIndex(key: string): number {
    const i = this.keyToIndex.get(key);
    if (i === undefined) {
      throw new TesseraError("E_KEY", typeof key === "string" ? `KeyedVectors: key "${key}" not present in vocabulary` : `KeyedVectors: expected a string key, received ${describe(key)}`);
    }
    return i;
  }

  /** A copy of the vector of `key` (norm: unit length). FastText: out-of-vocabulary words from their n-grams. */
  get(key: string, options: { norm?: boolean } = {}): Float32Array {
    const i = this.keyToIndex.get(key);
    let v: Float32Array;
    if (i !== undefined) {
      v = this._vectors.slice(i * this.vectorSize, (i + 1) * this.vectorSize);
    } else {
      const s = this.subwords;
      const hashes = s !== null && typeof key === "string" ? ngramHashes(key, s.minN, s.maxN, s.buckets) : [];
      if (hashes.length === 0) this.getIndex(key); // throws E_KEY
      const d = this.vectorSize;
      const sum = new Float64Array(d);
      for (const h of hashes) for (let j = 0; j < d; j++) sum[j] += s!.vectors[h * d + j];
      v = Float32Array.from(sum, (x) => x / hashes.length);
    }
    return options.norm ? unitInPlace(v) : v;
  }

  private searchIndex(): VectorIndex {
    if (this.index === null) {
      const index = new VectorIndex(this.vectorSize, { metric: "cosine" });
      if (this.length > 0) index.add(this._vectors);
      this.index = index;
    }
    return this.index;
  }

  private rowNorms(): Float32Array {
    if (this.norms === null) {
      const d = this.vectorSize, n = this.length, out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += this._vectors[i * d + j] ** 2;
        out[i] = Math.sqrt(s);
      }
      this.norms = out;
    }
    return this.norms;
  }

  private termVector(t: unknown, arg: string): { v: Float64Array; index: number | null } {
    if (typeof t === "string") {
      const v = Float64Array.from(this.get(t, { norm: true }));
      return { v, index: this.keyToIndex.get(t) ?? null };
    }
    if (t instanceof Float32Array || (Array.isArray(t) && t.every((x) => typeof x === "number"))) {
      const arr = t as ArrayLike<number>;
      if (arr.length !== this.vectorSize) throw new TesseraError("E_SHAPE", `${arg}: expected a vector of ${this.vectorSize} values, received ${arr.length}`);
      return { v: Float64Array.from(arr), index: null };
    }
    throw new TesseraError("E_TYPE", `${arg}: expected a word or a vector, received ${describe(t)}`);
  }

  /** gensim get_mean_vector(keys, weights, pre_normalize=True, post_normalize=True) and the indices of word terms. */
  private meanOf(options: MostSimilarOptions, what: string): { mean: Float32Array; exclude: number[] } {
    const { pos, neg } = termLists(options, what);
    if (pos.length + neg.length === 0) throw new TesseraError("E_VALUE", `${what}: expected at least one positive or negative term, received none`);
    const d = this.vectorSize;
    const mean = new Float64Array(d);
    const exclude: number[] = [];
    let total = 0;
    const terms: [unknown, number][] = [...pos.map((t) => [t, 1] as [unknown, number]), ...neg.map((t) => [t, -1] as [unknown, number])];
    terms.forEach(([raw, sign], i) => {
      let t = raw, w = sign;
      if (Array.isArray(raw) && raw.length === 2 && typeof raw[1] === "number" && typeof raw[0] !== "number") {
        t = raw[0];
        w = raw[1];
      }
      const { v, index } = this.termVector(t, `${what}: term ${i}`);
      if (index !== null) exclude.push(index);
      for (let j = 0; j < d; j++) mean[j] += w * v[j];
      total += Math.abs(w);
    });
    if (total > 0) for (let j = 0; j < d; j++) mean[j] /= total;
    return { mean: Float32Array.from(unitInPlace(mean)), exclude };
  }

  /**
   * The topn words most similar to the weighted mean of the positive terms minus the negative ones
   * (gensim most_similar): [word, cosine] pairs, best first, query words left out.
   * `mostSimilar("father")`, `mostSimilar({ positive: ["woman", "king"], negative: ["man"], topn: 1 })`.
   */
  mostSimilar(query: Term | readonly Term[] | MostSimilarOptions, options: MostSimilarOptions = {}): [string, number][] {
    const o = this.queryOptions(query, options, "KeyedVectors.mostSimilar");
    const topn = o.topn ?? 10;
    checkInt("KeyedVectors.mostSimilar: topn", topn, 0);
    if (topn === 0 || this.length === 0) return [];
    const { mean, exclude } = this.meanOf(o, "KeyedVectors.mostSimilar");
    const limit = this.limitOf(o.restrictVocab, "KeyedVectors.mostSimilar");
    const r = this.searchIndex().search(mean, Math.min(topn + exclude.length, Math.max(1, limit)), { limit, metric: "cosine" });
    const skip = new Set(exclude);
    const out: [string, number][] = [];
    for (let i = 0; i < r.k && out.length < topn; i++) {
      const row = r.rows[i];
      if (row < 0 || skip.has(row)) continue;
      out.push([this.indexToKey[row], r.scores[i]]);
    }
    return out;
  }

  /** gensim most_similar_cosmul: Π (1 + cos(x, p)) / 2 / (Π (1 + cos(x, n)) / 2 + 1e-6). */
  mostSimilarCosmul(query: Term | readonly Term[] | MostSimilarOptions, options: MostSimilarOptions = {}): [string, number][] {
    const what = "KeyedVectors.mostSimilarCosmul";
    const o = this.queryOptions(query, options, what);
    const topn = o.topn ?? 10;
    checkInt(`${what}: topn`, topn, 0);
    if (topn === 0 || this.length === 0) return [];
    const { pos, neg } = termLists(o, what);
    if (pos.length === 0) throw new TesseraError("E_VALUE", `${what}: expected at least one positive term, received none`);
    const limit = this.limitOf(o.restrictVocab, what);
    const index = this.searchIndex();
    const exclude = new Set<number>();
    const dists = (terms: unknown[]) => terms.map((t, i) => {
      const { v, index: at } = this.termVector(t, `${what}: term ${i}`);
      if (at !== null) exclude.add(at);
      const s = index.scores(Float32Array.from(unitInPlace(v)), { metric: "cosine", limit });
      for (let j = 0; j < s.length; j++) s[j] = (1 + s[j]) / 2;
      return s;
    });
    const p = dists(pos), nn = dists(neg);
    const norms = this.rowNorms();
    const score = new Float64Array(limit);
    for (let j = 0; j < limit; j++) {
      if (norms[j] === 0) {
        score[j] = NaN; // 0/0 in gensim: never ranked
        continue;
      }
      let a = 1, b = 1;
      for (const s of p) a *= s[j];
      for (const s of nn) b *= s[j];
      score[j] = Math.fround(a / (b + 0.000001));
    }
    return topRows(score, topn, exclude).map((j) => [this.indexToKey[j], score[j]] as [string, number]);
  }

  /** Cosine similarity of two words. */
  similarity(a: string, b: string): number {
    const u = this.get(a, { norm: true }), v = this.get(b, { norm: true });
    let s = 0;
    for (let j = 0; j < u.length; j++) s += u[j] * v[j];
    return s;
  }

  /** The word furthest from the mean of the others (gensim doesnt_match: unknown words are ignored, as gensim). */
  doesntMatch(words: readonly string[]): string {
    if (!Array.isArray(words)) throw new TesseraError("E_TYPE", `KeyedVectors.doesntMatch: words: expected an array of words, received ${describe(words)}`);
    const used = words.filter((w) => typeof w === "string" && this.has(w));
    if (used.length === 0) throw new TesseraError("E_KEY", `KeyedVectors.doesntMatch: words: expected at least one word in the vocabulary, received ${describe(words)}`);
    const d = this.vectorSize;
    const vecs = used.map((w) => this.get(w, { norm: true }));
    const mean = new Float64Array(d);
    for (const v of vecs) for (let j = 0; j < d; j++) mean[j] += v[j];
    for (let j = 0; j < d; j++) mean[j] /= vecs.length;
    const m = Float32Array.from(unitInPlace(mean));
    // sorted(zip(dists, words), reverse=True)[-1]: the smallest (distance, word) pair.
    let best = -1, bestD = Infinity;
    vecs.forEach((v, i) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += v[j] * m[j];
      const f = Math.fround(s);
      if (f < bestD || (f === bestD && used[i] < used[best])) {
        best = i;
        bestD = f;
      }
    });
    return used[best];
  }

  /**
   * gensim evaluate_word_analogies over a questions-words.txt text (": section" lines, then
   * "a b c expected" lines): b − a + c by 3CosAdd among the first restrictVocab words, the query
   * words excluded. Questions are scored in one batched search.
   */
  evaluateWordAnalogies(questions: string | Uint8Array | readonly string[], options: AnalogyOptions = {}): AnalogyResult {
    const what = "KeyedVectors.evaluateWordAnalogies";
    if (options === null || typeof options !== "object") throw new TesseraError("E_TYPE", `${what}: options: expected an object, received ${describe(options)}`);
    const restrict = options.restrictVocab === undefined ? 300000 : checkInt(`${what}: restrictVocab`, options.restrictVocab, 1);
    const ci = options.caseInsensitive ?? true;
    const dummy = options.dummy4unknown ?? false;
    let lines: readonly string[];
    if (typeof questions === "string") lines = questions.split("\n");
    else if (questions instanceof Uint8Array) lines = new TextDecoder().decode(questions).split("\n");
    else if (Array.isArray(questions)) lines = questions;
    else throw new TesseraError("E_TYPE", `${what}: questions: expected the file's text, bytes or lines, received ${describe(questions)}`);
    const okKeys = this.indexToKey.slice(0, restrict);
    const okVocab = new Map<string, number>();
    for (let i = okKeys.length - 1; i >= 0; i--) okVocab.set(ci ? okKeys[i].toUpperCase() : okKeys[i], i);
    type Q = { section: number; words: [string, string, string, string]; ids: [number, number, number] };
    const sections: AnalogySection[] = [];
    const asked: Q[] = [];
    // Every counted line in file order: an asked question's index, or -1 for a dummy4unknown miss.
    const order: { section: number; words: [string, string, string, string]; asked: number }[] = [];
    let oov = 0, quadruplets = 0;
    lines.forEach((raw, lineNo) => {
      if (typeof raw !== "string") throw new TesseraError("E_TYPE", `${what}: questions[${lineNo}]: expected a string, received ${describe(raw)}`);
      const line = raw;
      if (line.startsWith(": ")) {
        sections.push({ section: line.replace(/^[: ]+/, "").trim(), correct: [], incorrect: [], accuracy: 0 });
        return;
      }
      const parts = line.split(/\s+/).filter((p) => p !== "");
      if (parts.length === 0 && line.trim() === "" && lineNo === lines.length - 1) return; // the final newline
      if (sections.length === 0) throw new TesseraError("E_FORMAT", `${what}: expected a ": section" header before line #${lineNo}, received ${describe(line)}`);
      if (parts.length !== 4) return; // gensim: "Skipping invalid line"
      const w = (ci ? parts.map((p) => p.toUpperCase()) : parts) as [string, string, string, string];
      quadruplets++;
      const section = sections.length - 1;
      if (!w.every((x) => okVocab.has(x))) {
        oov++;
        if (dummy) order.push({ section, words: w, asked: -1 });
        return;
      }
      order.push({ section, words: w, asked: asked.length });
      asked.push({ section, words: w, ids: [okVocab.get(w[0])!, okVocab.get(w[1])!, okVocab.get(w[2])!] });
    });
    const right = new Uint8Array(asked.length);
    if (asked.length > 0) {
      const d = this.vectorSize, nq = asked.length;
      const unit = (i: number) => this.get(this.indexToKey[i], { norm: true });
      const queries = new Float32Array(nq * d);
      asked.forEach((q, n) => {
        // get_mean_vector([b, c, a], [1, 1, −1]): (b̂ + ĉ − â) / 3, unit-normalised.
        const [a, b, c] = [unit(q.ids[0]), unit(q.ids[1]), unit(q.ids[2])];
        const m = new Float64Array(d);
        for (let j = 0; j < d; j++) m[j] = (b[j] + c[j] - a[j]) / 3;
        queries.set(Float32Array.from(unitInPlace(m)), n * d);
      });
      const limit = Math.min(restrict, this.length);
      const k = Math.min(8, limit); // topn 5 + the three query words
      const r = this.searchIndex().search(queries, k, { limit, metric: "cosine" });
      asked.forEach((q, n) => {
        const skip = new Set(q.ids);
        const sims: number[] = [];
        for (let i = 0; i < k && sims.length < 5; i++) {
          const row = r.rows[n * k + i];
          if (row >= 0 && !skip.has(row)) sims.push(row);
        }
        const ignore = new Set(q.words.slice(0, 3));
        let predicted: string | null = null;
        for (const row of sims) {
          predicted = ci ? this.indexToKey[row].toUpperCase() : this.indexToKey[row];
          if (okVocab.has(predicted) && !ignore.has(predicted)) break;
        }
        right[n] = predicted === q.words[3] ? 1 : 0;
      });
    }
    for (const e of order) {
      const sec = sections[e.section];
      (e.asked >= 0 && right[e.asked] === 1 ? sec.correct : sec.incorrect).push(e.words);
    }
    const total: AnalogySection = { section: "Total accuracy", correct: sections.flatMap((s) => s.correct), incorrect: sections.flatMap((s) => s.incorrect), accuracy: 0 };
    sections.push(total);
    for (const s of sections) {
      const n = s.correct.length + s.incorrect.length;
      s.accuracy = n === 0 ? 0 : s.correct.length / n;
    }
    return { score: total.accuracy, sections, oov, questions: quadruplets };
  }

  private queryOptions(query: unknown, options: MostSimilarOptions, what: string): MostSimilarOptions {
    if (options === null || typeof options !== "object") throw new TesseraError("E_TYPE", `${what}: options: expected an object, received ${describe(options)}`);
    if (query !== null && typeof query === "object" && !Array.isArray(query) && !ArrayBuffer.isView(query)) {
      return { ...(query as MostSimilarOptions), ...options };
    }
    return { ...options, positive: query as Term };
  }

  private limitOf(restrict: number | undefined, what: string): number {
    if (restrict === undefined) return this.length;
    return Math.min(this.length, checkInt(`${what}: restrictVocab`, restrict, 1));
  }

  // ---- files ----

  /** word2vec text ("text", default), word2vec binary ("binary") or GloVe text ("glove") bytes, vocabulary order. */
  save(format: "text" | "binary" | "glove" = "text"): Uint8Array {
    if (format !== "text" && format !== "binary" && format !== "glove") throw new TesseraError("E_VALUE", `KeyedVectors.save: format: expected "text", "binary" or "glove", received ${describe(format)}`);
    return writeVectors(this.indexToKey, this._vectors, this.vectorSize, format);
  }

  /** word2vec text / binary bytes (gensim save_word2vec_format). */
  saveWord2VecFormat(options: { binary?: boolean } = {}): Uint8Array {
    return this.save(options.binary ? "binary" : "text");
  }

  private static fromParsed(p: ParsedVectors, what: string): KeyedVectors {
    if (p.dim < 1) throw new TesseraError("E_FORMAT", `${what}: expected at least one vector, received none`);
    const kv = new KeyedVectors(p.dim, p.words, p.vectors);
    // gensim's loaders make up counts in descending order (vocab_size − index).
    kv.counts = Float64Array.from(p.words, (_, i) => p.words.length - i);
    return kv;
  }

  /**
   * Reads the word2vec text (default) or binary format (gensim load_word2vec_format) from bytes, a
   * string, a ReadableStream or an async iterable of chunks (a Node read stream), streaming.
   */
  static async loadWord2VecFormat(source: ByteSource, options: ReadOptions = {}): Promise<KeyedVectors> {
    const what = "KeyedVectors.loadWord2VecFormat";
    return KeyedVectors.fromParsed(await parseVectors(source, checkReadOptions(options, what), what), what);
  }

  /** Synchronous loadWord2VecFormat for bytes or a string in memory. */
  static fromWord2VecFormat(source: Uint8Array | ArrayBuffer | string, options: ReadOptions = {}): KeyedVectors {
    const what = "KeyedVectors.fromWord2VecFormat";
    return KeyedVectors.fromParsed(parseVectorsSync(source, checkReadOptions(options, what), what), what);
  }

  /** Reads the GloVe text format (word2vec text without the header), streaming. */
  static async loadGloveFormat(source: ByteSource, options: Omit<ReadOptions, "binary" | "noHeader"> = {}): Promise<KeyedVectors> {
    const what = "KeyedVectors.loadGloveFormat";
    return KeyedVectors.fromParsed(await parseVectors(source, { ...checkReadOptions(options, what), noHeader: true }, what), what);
  }

  /**
   * Replaces this object's words and vectors with those read from `source` (any format option of
   * loadWord2VecFormat; noHeader for GloVe). A failed read leaves the object as it was.
   */
  async loadFrom(source: ByteSource, options: ReadOptions = {}): Promise<this> {
    const what = "KeyedVectors.loadFrom";
    const kv = KeyedVectors.fromParsed(await parseVectors(source, checkReadOptions(options, what), what), what);
    if (kv.vectorSize !== this.vectorSize) {
      throw new TesseraError("E_SHAPE", `${what}: expected vectors of dimension ${this.vectorSize} (this object's), received ${kv.vectorSize}`);
    }
    this.changed();
    this.indexToKey = kv.indexToKey;
    this.keyToIndex = kv.keyToIndex;
    this._vectors = kv._vectors;
    this.counts = kv.counts;
    this.subwords = null;
    return this;
  }
}

function checkReadOptions(o: unknown, what: string): ReadOptions {
  if (o === null || typeof o !== "object") throw new TesseraError("E_TYPE", `${what}: options: expected an object, received ${describe(o)}`);
  const r = o as ReadOptions;
  for (const key of Object.keys(r)) {
    if (!["binary", "noHeader", "limit", "unicodeErrors"].includes(key)) throw new TesseraError("E_VALUE", `${what}: options: expected binary, noHeader, limit or unicodeErrors, received an option ${describe(key)}`);
  }
  if (r.binary !== undefined && typeof r.binary !== "boolean") throw new TesseraError("E_TYPE", `${what}: options.binary: expected a boolean, received ${describe(r.binary)}`);
  if (r.noHeader !== undefined && typeof r.noHeader !== "boolean") throw new TesseraError("E_TYPE", `${what}: options.noHeader: expected a boolean, received ${describe(r.noHeader)}`);
  if (r.limit !== undefined) checkInt(`${what}: options.limit`, r.limit, 1);
  if (r.unicodeErrors !== undefined && r.unicodeErrors !== "strict" && r.unicodeErrors !== "replace") {
    throw new TesseraError("E_VALUE", `${what}: options.unicodeErrors: expected "strict" or "replace", received ${describe(r.unicodeErrors)}`);
  }
  return r;
}

/** Positions of the k largest finite scores (NaN never), score descending then position ascending, `skip` excluded. */
export function topRows(score: ArrayLike<number>, k: number, skip: Set<number> = new Set()): number[] {
  const idx: number[] = [];
  for (let j = 0; j < score.length; j++) if (!Number.isNaN(score[j]) && !skip.has(j)) idx.push(j);
  idx.sort((a, b) => score[b] - score[a] || a - b);
  return idx.slice(0, k);
}
