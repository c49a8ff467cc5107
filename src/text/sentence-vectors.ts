// Sentence vectors by averaging word vectors, as in the notes' text classification with word2vec
// (001 §1.2.4, get_vector): the mean of the vectors of the words the model knows, zeros when it
// knows none. Summed in float64 like numpy's np.zeros(d) accumulator.
import { TesseraError, describe } from "../errors.js";
import type { KeyedVectors } from "../embeddings/keyed-vectors.js";

export interface SentenceVectorOptions {
  /** Splits a string document into words (default: on whitespace, like Python's str.split()). */
  tokenize?: (doc: string) => readonly string[];
  /** Average unit-length word vectors instead of raw ones (default false). */
  norm?: boolean;
}

/** Row-major [documents, vectorSize] means; `known[i]` counts the words of document i that were averaged. */
export interface SentenceVectors {
  data: Float64Array;
  rows: number;
  cols: number;
  known: Int32Array;
}

const splitWhitespace = (doc: string): string[] => doc.split(/\s+/u).filter((w) => w !== "");

/** The average word vector of each document (a string, or an array of words). */
export function sentenceVectors(kv: KeyedVectors, documents: readonly (string | readonly string[])[], options: SentenceVectorOptions = {}): SentenceVectors {
  if (kv === null || typeof kv !== "object" || typeof kv.get !== "function" || typeof kv.has !== "function") {
    throw new TesseraError("E_TYPE", `sentenceVectors: kv: expected KeyedVectors, received ${describe(kv)}`);
  }
  if (!Array.isArray(documents)) throw new TesseraError("E_TYPE", `sentenceVectors: documents: expected an array of strings or word arrays, received ${describe(documents)}`);
  const tokenize = options.tokenize ?? splitWhitespace;
  if (typeof tokenize !== "function") throw new TesseraError("E_TYPE", `sentenceVectors: options.tokenize: expected a function, received ${describe(tokenize)}`);
  const d = kv.vectorSize, n = documents.length;
  const data = new Float64Array(n * d), known = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const doc = documents[i];
    const words = typeof doc === "string" ? tokenize(doc) : doc;
    if (!Array.isArray(words)) throw new TesseraError("E_TYPE", `sentenceVectors: documents[${i}]: expected a string or an array of words, received ${describe(doc)}`);
    const row = data.subarray(i * d, (i + 1) * d);
    for (const w of words) {
      if (typeof w !== "string") throw new TesseraError("E_TYPE", `sentenceVectors: documents[${i}]: expected words (strings), received ${describe(w)}`);
      if (!kv.has(w)) continue;
      const v = kv.get(w, { norm: !!options.norm });
      for (let j = 0; j < d; j++) row[j] += v[j];
      known[i]++;
    }
    if (known[i] > 0) for (let j = 0; j < d; j++) row[j] /= known[i];
  }
  return { data, rows: n, cols: d, known };
}
