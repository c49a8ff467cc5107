// CountVectorizer and TfidfVectorizer with scikit-learn 1.2's semantics and results: lowercase, the
// default token pattern (?u)\b\w\w+\b (maximal runs of two or more word characters), stop words
// dropped before word n-grams are formed, char / char_wb n-grams, a vocabulary sorted by code point,
// minDf/maxDf/maxFeatures pruning (max_features ties broken by numpy's unstable argsort, as sklearn
// does), then tf-idf with idf = ln((1 + n) / (1 + df)) + 1 and l2 row normalisation by default.
import { TesseraError, checkInt, describe } from "../errors.js";
import { numpyArgsort } from "../embeddings/numpy-sort.js";
import { ENGLISH_STOP_WORDS } from "./stop-words.js";
import { CsrMatrix } from "./sparse.js";

export type Analyzer = "word" | "char" | "char_wb";

export interface CountVectorizerOptions {
  /** Features from words (default), characters, or characters inside word boundaries padded with a space. */
  analyzer?: Analyzer;
  /** Lowercase before tokenizing (default true). */
  lowercase?: boolean;
  /**
   * Word tokens (analyzer "word"): a RegExp whose matches (or first capture group) are the tokens.
   * Default: sklearn's (?u)\b\w\w+\b with Python's Unicode \w (letters, digits, numerals, "_").
   */
  tokenPattern?: RegExp;
  /** [min n, max n] of the n-grams (default [1, 1]). */
  ngramRange?: readonly [number, number];
  /** "english" (sklearn's ENGLISH_STOP_WORDS) or a list; removed from word tokens before n-grams. */
  stopWords?: "english" | readonly string[] | null;
  /**
   * Ignore terms in more documents than this: an integer is a document count, a fraction in [0, 1)
   * a proportion of the documents. Default: no limit (sklearn's max_df = 1.0).
   */
  maxDf?: number;
  /** Ignore terms in fewer documents than this: an integer count (default 1) or a fraction in [0, 1). */
  minDf?: number;
  /** Keep only the maxFeatures terms with the highest total count. */
  maxFeatures?: number | null;
  /** A fixed vocabulary (column order as given); fit then only checks the documents. */
  vocabulary?: readonly string[] | null;
  /** Counts become 1 where a term occurs (default false). */
  binary?: boolean;
}

export interface TfidfVectorizerOptions extends CountVectorizerOptions {
  /** Row normalisation (default "l2"); null leaves rows as they are. */
  norm?: "l1" | "l2" | null;
  /** Multiply by the inverse document frequency (default true). */
  useIdf?: boolean;
  /** Add one to document frequencies, as if a document held every term once (default true). */
  smoothIdf?: boolean;
  /** Replace tf by 1 + ln(tf) (default false). */
  sublinearTf?: boolean;
}

// Python's str.isalnum() or "_" — what re's Unicode \w matches.
const DEFAULT_TOKENS = /[\p{L}\p{N}_]{2,}/gu;
const WHITE_SPACES = /\s\s+/gu;

// Python orders str by code point; JS's < by UTF-16 unit. Mapping units so surrogates sort above
// the rest of the BMP makes the two agree.
function unitKey(u: number): number {
  return u >= 0xd800 && u <= 0xdfff ? u + 0x2000 : u >= 0xe000 ? u - 0x800 : u;
}

export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x !== y) return unitKey(x) - unitKey(y);
  }
  return a.length - b.length;
}

// A string sliceable by code point (Python's str indexing): the string itself when it has no
// surrogate pairs, else an array of its code points whose slices join back into strings.
interface CodePoints { length: number; slice(a: number, b: number): string }
const SURROGATE = /[\uD800-\uDFFF]/;
function codePoints(s: string): CodePoints {
  if (!SURROGATE.test(s)) return s;
  const cps = Array.from(s);
  return { length: cps.length, slice: (a, b) => cps.slice(a, b).join("") };
}

function checkDocuments(what: string, docs: unknown): readonly string[] {
  if (typeof docs === "string") throw new TesseraError("E_TYPE", `${what}: documents: expected an array of strings, received a single string (wrap it in an array)`);
  if (!Array.isArray(docs)) throw new TesseraError("E_TYPE", `${what}: documents: expected an array of strings, received ${describe(docs)}`);
  for (let i = 0; i < docs.length; i++) {
    if (typeof docs[i] !== "string") throw new TesseraError("E_TYPE", `${what}: documents[${i}]: expected a string, received ${describe(docs[i])}`);
  }
  return docs as readonly string[];
}

function checkDf(arg: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (!Number.isInteger(v) && v >= 1)) {
    throw new TesseraError(typeof v === "number" ? "E_RANGE" : "E_TYPE", `${arg}: expected an integer document count >= 0 or a fraction in [0, 1), received ${describe(v)}`);
  }
  return v;
}

function checkOptions(what: string, o: unknown): Record<string, unknown> {
  if (o === null || typeof o !== "object" || Array.isArray(o)) throw new TesseraError("E_TYPE", `${what}: options: expected an object, received ${describe(o)}`);
  return o as Record<string, unknown>;
}

/** Bag of words (or n-grams) counts, like sklearn.feature_extraction.text.CountVectorizer. */
export class CountVectorizer {
  readonly analyzer: Analyzer;
  readonly lowercase: boolean;
  readonly ngramRange: readonly [number, number];
  readonly maxDf: number | undefined;
  readonly minDf: number;
  readonly maxFeatures: number | null;
  readonly binary: boolean;
  private readonly tokenPattern: RegExp;
  private readonly stopWords: ReadonlySet<string> | null;
  private readonly fixedVocabulary: readonly string[] | null;
  private vocab: Map<string, number> | null = null;
  private features: string[] = [];

  constructor(options: CountVectorizerOptions = {}) {
    const what = this.constructor.name;
    const o = checkOptions(what, options);
    const analyzer = o.analyzer ?? "word";
    if (analyzer !== "word" && analyzer !== "char" && analyzer !== "char_wb") {
      throw new TesseraError("E_VALUE", `${what}: options.analyzer: expected "word", "char" or "char_wb", received ${describe(analyzer)}`);
    }
    this.analyzer = analyzer;
    this.lowercase = o.lowercase === undefined ? true : !!o.lowercase;
    if (o.tokenPattern !== undefined && !(o.tokenPattern instanceof RegExp)) {
      throw new TesseraError("E_TYPE", `${what}: options.tokenPattern: expected a RegExp, received ${describe(o.tokenPattern)}`);
    }
    this.tokenPattern = o.tokenPattern === undefined ? DEFAULT_TOKENS
      : new RegExp(o.tokenPattern.source, o.tokenPattern.flags.includes("g") ? o.tokenPattern.flags : o.tokenPattern.flags + "g");
    const range = o.ngramRange ?? [1, 1];
    if (!Array.isArray(range) || range.length !== 2) throw new TesseraError("E_TYPE", `${what}: options.ngramRange: expected [min n, max n], received ${describe(range)}`);
    const lo = checkInt(`${what}: options.ngramRange[0]`, range[0], 1, 64);
    const hi = checkInt(`${what}: options.ngramRange[1]`, range[1], 1, 64);
    if (lo > hi) throw new TesseraError("E_VALUE", `${what}: options.ngramRange: expected min n <= max n, received [${lo}, ${hi}]`);
    this.ngramRange = [lo, hi];
    const sw = o.stopWords ?? null;
    if (sw === "english") this.stopWords = ENGLISH_STOP_WORDS;
    else if (sw === null) this.stopWords = null;
    else if (Array.isArray(sw) && sw.every((w) => typeof w === "string")) this.stopWords = new Set(sw as string[]);
    else throw new TesseraError("E_VALUE", `${what}: options.stopWords: expected "english", an array of strings or null, received ${describe(sw)}`);
    this.maxDf = o.maxDf === undefined ? undefined : checkDf(`${what}: options.maxDf`, o.maxDf);
    this.minDf = o.minDf === undefined ? 1 : checkDf(`${what}: options.minDf`, o.minDf);
    this.maxFeatures = o.maxFeatures === undefined || o.maxFeatures === null ? null : checkInt(`${what}: options.maxFeatures`, o.maxFeatures, 1);
    this.binary = !!o.binary;
    if (o.vocabulary !== undefined && o.vocabulary !== null) {
      const v = o.vocabulary;
      if (!Array.isArray(v) || !v.every((w) => typeof w === "string")) throw new TesseraError("E_TYPE", `${what}: options.vocabulary: expected an array of strings, received ${describe(v)}`);
      if (v.length === 0) throw new TesseraError("E_VALUE", `${what}: options.vocabulary: expected at least one term, received an empty array`);
      const seen = new Set<string>();
      for (const w of v) {
        if (seen.has(w)) throw new TesseraError("E_VALUE", `${what}: options.vocabulary: expected distinct terms, received ${describe(w)} twice`);
        seen.add(w);
      }
      this.fixedVocabulary = [...v];
    } else {
      this.fixedVocabulary = null;
    }
  }

  /** The terms (words, word n-grams joined by a space, or character n-grams) of one document. */
  analyze(doc: string): string[] {
    const text = this.lowercase ? doc.toLowerCase() : doc;
    if (this.analyzer === "word") return this.wordNgrams(this.tokenize(text));
    return this.analyzer === "char" ? this.charNgrams(text) : this.charWbNgrams(text);
  }

  private tokenize(text: string): string[] {
    if (this.tokenPattern === DEFAULT_TOKENS) return text.match(DEFAULT_TOKENS) ?? [];
    const out: string[] = [];
    this.tokenPattern.lastIndex = 0;
    for (const m of text.matchAll(this.tokenPattern)) out.push(m.length > 1 && m[1] !== undefined ? m[1] : m[0]);
    return out;
  }

  private wordNgrams(tokens: string[]): string[] {
    if (this.stopWords !== null) tokens = tokens.filter((t) => !this.stopWords!.has(t));
    const [lo, hi] = this.ngramRange;
    if (hi === 1) return tokens;
    const out = lo === 1 ? tokens.slice() : [];
    for (let n = Math.max(lo, 2); n <= Math.min(hi, tokens.length); n++) {
      for (let i = 0; i + n <= tokens.length; i++) {
        let g = tokens[i];
        for (let j = 1; j < n; j++) g += " " + tokens[i + j];
        out.push(g);
      }
    }
    return out;
  }

  private charNgrams(text: string): string[] {
    const cps = codePoints(text.replace(WHITE_SPACES, " "));
    let [lo] = this.ngramRange;
    const hi = this.ngramRange[1];
    const out: string[] = [];
    if (lo === 1) {
      for (let i = 0; i < cps.length; i++) out.push(cps.slice(i, i + 1));
      lo = 2;
    }
    for (let n = lo; n <= Math.min(hi, cps.length); n++) {
      for (let i = 0; i + n <= cps.length; i++) out.push(cps.slice(i, i + n));
    }
    return out;
  }

  // sklearn's _char_wb_ngrams: each whitespace-separated word padded with one space either side;
  // a word shorter than n gives one (short) n-gram.
  private charWbNgrams(text: string): string[] {
    const [lo, hi] = this.ngramRange;
    const out: string[] = [];
    for (const word of text.replace(WHITE_SPACES, " ").split(/\s+/u)) {
      if (word === "") continue;
      const w = codePoints(" " + word + " ");
      for (let n = lo; n <= hi; n++) {
        let offset = 0;
        out.push(w.slice(offset, offset + n));
        while (offset + n < w.length) {
          offset++;
          out.push(w.slice(offset, offset + n));
        }
        if (offset === 0) break;
      }
    }
    return out;
  }

  /** Whether fit() (or a fixed vocabulary) has set the vocabulary. */
  get fitted(): boolean {
    return this.vocab !== null;
  }

  /** Term → column, like sklearn's vocabulary_. */
  get vocabulary(): ReadonlyMap<string, number> {
    return this.requireVocab("vocabulary");
  }

  /** The column names in order, like getFeatureNamesOut() in sklearn. */
  getFeatureNamesOut(): string[] {
    this.requireVocab("getFeatureNamesOut");
    return this.features.slice();
  }

  protected requireVocab(what: string): Map<string, number> {
    if (this.vocab === null) throw new TesseraError("E_STATE", `${this.constructor.name}.${what}: expected a fitted vectorizer, received one before fit()`);
    return this.vocab;
  }

  /** Learns the vocabulary of `documents`. */
  fit(documents: readonly string[]): this {
    this.fitTransform(documents);
    return this;
  }

  /** Learns the vocabulary and returns the document-term count matrix. */
  fitTransform(documents: readonly string[]): CsrMatrix {
    const what = `${this.constructor.name}.fitTransform`;
    const docs = checkDocuments(what, documents);
    if (this.fixedVocabulary !== null) {
      this.setVocabulary(this.fixedVocabulary);
      return this.countMatrix(docs, this.vocab!, this.binary);
    }
    const seen = new Map<string, number>();
    const { terms, starts } = this.termIds(docs, seen, true);
    const names = [...seen.keys()];
    if (names.length === 0) throw new TesseraError("E_VALUE", `${what}: documents: expected some terms, received an empty vocabulary (perhaps the documents only contain stop words)`);
    // Columns in sorted-term order (sklearn's _sort_features), then pruned (_limit_features).
    const order = names.map((_, i) => i).sort((x, y) => compareCodePoints(names[x], names[y]));
    const sortedCol = new Int32Array(names.length);
    order.forEach((old, col) => { sortedCol[old] = col; });
    const all = toCsr(terms, starts, sortedCol, names.length, false);
    const keep = this.limitFeatures(all, what);
    const newCol = new Int32Array(names.length).fill(-1);
    const kept: string[] = [];
    for (let c = 0; c < names.length; c++) if (keep[c]) { newCol[c] = kept.length; kept.push(names[order[c]]); }
    this.setVocabulary(kept);
    return kept.length === names.length ? (this.binary ? binarize(all) : all) : dropColumns(all, newCol, kept.length, this.binary);
  }

  /** The count matrix of `documents` over the fitted vocabulary (unknown terms are ignored). */
  transform(documents: readonly string[]): CsrMatrix {
    const what = `${this.constructor.name}.transform`;
    const vocab = this.requireVocab("transform");
    return this.countMatrix(checkDocuments(what, documents), vocab, this.binary);
  }

  private setVocabulary(terms: readonly string[]): void {
    this.features = terms.slice();
    this.vocab = new Map(terms.map((t, i) => [t, i]));
  }

  // The term ids of every document back to back (document i at starts[i] .. starts[i + 1]); with
  // grow, unseen terms get the next id, else they are skipped.
  private termIds(docs: readonly string[], vocab: Map<string, number>, grow: boolean): { terms: Int32Array; starts: Int32Array } {
    let terms = new Int32Array(1024), n = 0;
    const starts = new Int32Array(docs.length + 1);
    for (let i = 0; i < docs.length; i++) {
      for (const term of this.analyze(docs[i])) {
        let c = vocab.get(term);
        if (c === undefined) {
          if (!grow) continue;
          c = vocab.size;
          vocab.set(term, c);
        }
        if (n === terms.length) {
          const bigger = new Int32Array(2 * n);
          bigger.set(terms);
          terms = bigger;
        }
        terms[n++] = c;
      }
      starts[i + 1] = n;
    }
    return { terms: terms.subarray(0, n), starts };
  }

  private countMatrix(docs: readonly string[], vocab: Map<string, number>, binary: boolean): CsrMatrix {
    const { terms, starts } = this.termIds(docs, vocab, false);
    return toCsr(terms, starts, null, vocab.size, binary);
  }

  // sklearn's _limit_features: document-frequency bounds, then the maxFeatures terms with the
  // largest total counts, chosen by numpy's argsort of the negated totals.
  private limitFeatures(m: CsrMatrix, what: string): Uint8Array {
    const [nDocs, nTerms] = m.shape;
    const maxCount = this.maxDf === undefined ? nDocs : Number.isInteger(this.maxDf) ? this.maxDf : this.maxDf * nDocs;
    const minCount = Number.isInteger(this.minDf) ? this.minDf : this.minDf * nDocs;
    if (maxCount < minCount) throw new TesseraError("E_VALUE", `${what}: options.maxDf: expected at least as many documents as minDf, received maxDf ${this.maxDf} (${maxCount} documents) < minDf ${this.minDf} (${minCount})`);
    const keep = new Uint8Array(nTerms).fill(1);
    if (maxCount >= nDocs && minCount <= 1 && this.maxFeatures === null) return keep;
    const df = new Float64Array(nTerms), tf = new Float64Array(nTerms);
    for (let p = 0; p < m.nnz; p++) { df[m.indices[p]]++; tf[m.indices[p]] += m.data[p]; }
    let kept = 0;
    for (let c = 0; c < nTerms; c++) {
      if (df[c] > maxCount || df[c] < minCount) keep[c] = 0;
      kept += keep[c];
    }
    if (this.maxFeatures !== null && kept > this.maxFeatures) {
      const cols: number[] = [];
      for (let c = 0; c < nTerms; c++) if (keep[c]) cols.push(c);
      const order = numpyArgsort(Float64Array.from(cols, (c) => -tf[c]));
      keep.fill(0);
      for (let i = 0; i < this.maxFeatures; i++) keep[cols[order[i]]] = 1;
      kept = this.maxFeatures;
    }
    if (kept === 0) throw new TesseraError("E_VALUE", `${what}: options.minDf/maxDf: expected some terms to remain after pruning, received none (try a lower minDf or a higher maxDf)`);
    return keep;
  }
}

// Counts per document from term ids (mapped through `col` when given), columns ascending within a
// row as scipy's sort_indices() leaves them — without sorting: equal ids of a row merge through a
// last-row mark per column, then two counting-sort passes (to columns and back to rows) order them.
function toCsr(terms: Int32Array, starts: Int32Array, col: Int32Array | null, cols: number, binary: boolean): CsrMatrix {
  const rows = starts.length - 1;
  const mark = new Int32Array(cols).fill(-1), slot = new Int32Array(cols);
  const uCol = new Int32Array(terms.length), uVal = new Float64Array(terms.length);
  const indptr = new Int32Array(rows + 1);
  let n = 0;
  for (let i = 0; i < rows; i++) {
    for (let p = starts[i]; p < starts[i + 1]; p++) {
      const c = col === null ? terms[p] : col[terms[p]];
      if (mark[c] !== i) {
        mark[c] = i;
        slot[c] = n;
        uCol[n] = c;
        uVal[n++] = 1;
      } else {
        uVal[slot[c]]++;
      }
    }
    indptr[i + 1] = n;
  }
  const colStart = new Int32Array(cols + 1);
  for (let e = 0; e < n; e++) colStart[uCol[e] + 1]++;
  for (let c = 0; c < cols; c++) colStart[c + 1] += colStart[c];
  const next = colStart.slice(0, cols), byColRow = new Int32Array(n), byColVal = new Float64Array(n);
  for (let i = 0; i < rows; i++) {
    for (let e = indptr[i]; e < indptr[i + 1]; e++) {
      const k = next[uCol[e]]++;
      byColRow[k] = i;
      byColVal[k] = uVal[e];
    }
  }
  const fill = indptr.slice(0, rows), indices = new Int32Array(n), data = new Float64Array(n);
  for (let c = 0; c < cols; c++) {
    for (let k = colStart[c]; k < colStart[c + 1]; k++) {
      const at = fill[byColRow[k]]++;
      indices[at] = c;
      data[at] = binary ? 1 : byColVal[k];
    }
  }
  return new CsrMatrix([rows, cols], indptr, indices, data);
}

// The matrix without the columns whose newCol is -1 (newCol keeps the order of the rest).
function dropColumns(m: CsrMatrix, newCol: Int32Array, cols: number, binary: boolean): CsrMatrix {
  const indptr = new Int32Array(m.shape[0] + 1), indices = new Int32Array(m.nnz), data = new Float64Array(m.nnz);
  let at = 0;
  for (let i = 0; i < m.shape[0]; i++) {
    for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) {
      const c = newCol[m.indices[p]];
      if (c < 0) continue;
      indices[at] = c;
      data[at++] = binary ? 1 : m.data[p];
    }
    indptr[i + 1] = at;
  }
  return new CsrMatrix([m.shape[0], cols], indptr, indices.slice(0, at), data.slice(0, at));
}

function binarize(m: CsrMatrix): CsrMatrix {
  m.data.fill(1);
  return m;
}

/** CountVectorizer followed by tf-idf weighting, like sklearn.feature_extraction.text.TfidfVectorizer. */
export class TfidfVectorizer extends CountVectorizer {
  readonly norm: "l1" | "l2" | null;
  readonly useIdf: boolean;
  readonly smoothIdf: boolean;
  readonly sublinearTf: boolean;
  private idfs: Float64Array | null = null;

  constructor(options: TfidfVectorizerOptions = {}) {
    super(options);
    const o = checkOptions("TfidfVectorizer", options);
    const norm = o.norm === undefined ? "l2" : o.norm;
    if (norm !== "l1" && norm !== "l2" && norm !== null) throw new TesseraError("E_VALUE", `TfidfVectorizer: options.norm: expected "l1", "l2" or null, received ${describe(norm)}`);
    this.norm = norm;
    this.useIdf = o.useIdf === undefined ? true : !!o.useIdf;
    this.smoothIdf = o.smoothIdf === undefined ? true : !!o.smoothIdf;
    this.sublinearTf = !!o.sublinearTf;
  }

  /** The inverse document frequency of each column (sklearn's idf_); needs useIdf. */
  get idf(): Float64Array {
    this.requireVocab("idf");
    if (this.idfs === null) throw new TesseraError("E_STATE", "TfidfVectorizer.idf: expected useIdf: true, received a vectorizer fitted without idf");
    return this.idfs.slice();
  }

  override fitTransform(documents: readonly string[]): CsrMatrix {
    const counts = super.fitTransform(documents);
    this.idfs = null;
    if (this.useIdf) {
      const [n, cols] = counts.shape;
      const df = new Float64Array(cols);
      for (const c of counts.indices) df[c]++;
      const s = this.smoothIdf ? 1 : 0;
      this.idfs = df.map((d) => Math.log((n + s) / (d + s)) + 1);
    }
    return this.weigh(counts);
  }

  override transform(documents: readonly string[]): CsrMatrix {
    return this.weigh(super.transform(documents));
  }

  // sklearn's TfidfTransformer.transform: sublinear tf, times idf, then row normalisation (rows of
  // zeros stay zero).
  private weigh(m: CsrMatrix): CsrMatrix {
    const data = m.data;
    if (this.sublinearTf) for (let p = 0; p < data.length; p++) data[p] = Math.log(data[p]) + 1;
    if (this.idfs !== null) for (let p = 0; p < data.length; p++) data[p] *= this.idfs[m.indices[p]];
    if (this.norm !== null) {
      for (let i = 0; i < m.shape[0]; i++) {
        let s = 0;
        for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) s += this.norm === "l2" ? data[p] * data[p] : Math.abs(data[p]);
        if (s === 0) continue;
        const scale = this.norm === "l2" ? Math.sqrt(s) : s;
        for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) data[p] /= scale;
      }
    }
    return m;
  }
}
