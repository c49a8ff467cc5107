// The training vocabulary and corpus as gensim 4 builds them (Word2Vec.scan_vocab / prepare_vocab /
// make_cum_table): counts in first-appearance order, max_vocab_size pruning after each sentence
// (counts below 1, 2, 3 … go), min_count, then np.argsort(counts)[::-1] for the final order (so ties
// land where gensim puts them); subsampling thresholds sample_int and the cumulative
// unigram^ns_exponent table over [0, 2^31 − 1]. One pass over the sentences (an iterator is read
// once): tokens are kept as provisional ids and mapped to final ids at the end.
import { TesseraError, describe } from "../errors.js";
import { numpyArgsort } from "./numpy-sort.js";

/** A tokenized sentence, or a string split on whitespace like the notes' `sentence.split()`. */
export type Sentence = readonly string[] | string;
export type Sentences = Iterable<Sentence>;

export interface VocabOptions {
  minCount: number;
  /** Prune to this many word types while counting (gensim max_vocab_size); null: no limit. */
  maxVocabSize: number | null;
  /** Most frequent first, as gensim (default true); false keeps first-appearance order. */
  sorted?: boolean;
}

export interface Corpus {
  /** Final vocabulary, most frequent first (gensim's index_to_key). */
  words: string[];
  /** counts[i]: occurrences of words[i] (after pruning, as gensim keeps them). */
  counts: Float64Array;
  /** The corpus as final ids, words outside the vocabulary dropped, sentences back to back. */
  ids: Int32Array;
  /** sentStart[s] .. sentStart[s + 1]: sentence s in ids (sentences left empty are dropped). */
  sentStart: Int32Array;
  /** Raw words (vocabulary or not) of each kept sentence, and of the whole corpus. */
  sentRaw: Int32Array;
  rawWords: number;
  sentences: number;
}

const WHITESPACE = /\s+/;
/** Longest sentence trained in one piece (assembly/w2v.ts W2V_MAX_SENTENCE; gensim's 10 000 per job). */
export const MAX_SENTENCE = 10000;

/** The tokens of one sentence (strings are split on whitespace). */
export function sentenceTokens(s: unknown, arg: string): readonly string[] {
  if (typeof s === "string") {
    const t = s.trim();
    return t === "" ? [] : t.split(WHITESPACE);
  }
  if (!Array.isArray(s)) throw new TesseraError("E_TYPE", `${arg}: expected a sentence (an array of strings or a string), received ${describe(s)}`);
  return s as readonly string[];
}

/** Iterates `sentences`, checking the container. */
export function iterateSentences(sentences: unknown, arg: string): Iterable<unknown> {
  if (sentences === null || typeof sentences !== "object" || typeof (sentences as Iterable<unknown>)[Symbol.iterator] !== "function" || typeof sentences === "string") {
    throw new TesseraError("E_TYPE", `${arg}: expected an iterable of sentences (arrays of strings or strings), received ${describe(sentences)}`);
  }
  return sentences as Iterable<unknown>;
}

class GrowableInt32 {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

/**
 * Counts and maps the corpus in one pass. Words of the final vocabulary keep gensim's order; every
 * other token is dropped from `ids` (raw counts keep them, for progress and learning-rate decay).
 */
export function buildCorpus(sentences: unknown, o: VocabOptions, arg: string): Corpus {
  const it = iterateSentences(sentences, arg);
  // Provisional ids: a word gets a new one each time it enters the counts (again after pruning).
  const provWord: string[] = [];
  const live = new Map<string, number>(); // word → provisional id while counted
  const count: number[] = [];
  const tokens = new GrowableInt32();
  const sentEnd = new GrowableInt32();
  const sentRaw = new GrowableInt32();
  let rawWords = 0;
  let minReduce = 1;
  let s = 0;
  for (const sentence of it) {
    const words = sentenceTokens(sentence, `${arg}[${s}]`);
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      if (typeof w !== "string") throw new TesseraError("E_TYPE", `${arg}[${s}][${i}]: expected a string token, received ${describe(w)}`);
      let id = live.get(w);
      if (id === undefined) {
        id = provWord.length;
        provWord.push(w);
        count.push(0);
        live.set(w, id);
      }
      count[id]++;
      tokens.push(id);
    }
    rawWords += words.length;
    sentEnd.push(tokens.length);
    sentRaw.push(words.length);
    s++;
    if (o.maxVocabSize !== null && live.size > o.maxVocabSize) {
      // gensim utils.prune_vocab: drop every word counted fewer than minReduce times, then raise it.
      for (const [w, id] of live) if (count[id] < minReduce) live.delete(w);
      minReduce++;
    }
  }
  // Retained words in first-appearance order of their surviving entry (Python dict order).
  const retained: string[] = [];
  const retainedCount: number[] = [];
  const entries = [...live.entries()].sort((a, b) => a[1] - b[1]);
  for (const [w, id] of entries) {
    if (count[id] >= o.minCount) {
      retained.push(w);
      retainedCount.push(count[id]);
    }
  }
  const order = o.sorted === false ? Int32Array.from(retained, (_, i) => i) : numpyArgsort(retainedCount).reverse();
  const words = Array.from(order, (i) => retained[i]);
  const counts = Float64Array.from(order, (i) => retainedCount[i]);
  const finalId = new Map<string, number>();
  words.forEach((w, i) => finalId.set(w, i));
  const provToFinal = new Int32Array(provWord.length);
  for (let p = 0; p < provWord.length; p++) provToFinal[p] = finalId.get(provWord[p]) ?? -1;
  // Tokens outside the vocabulary go, sentences left empty go (their raw words count with the next
  // kept one), sentences longer than MAX_SENTENCE words are cut into pieces.
  const tok = tokens.view(), ends = sentEnd.view(), raws = sentRaw.view();
  const ids = new Int32Array(tok.length);
  const starts: number[] = [0];
  const keptRaw: number[] = [];
  let n = 0, from = 0, pendingRaw = 0;
  for (let si = 0; si < ends.length; si++) {
    let pieceStart = n;
    pendingRaw += raws[si];
    for (let p = from; p < ends[si]; p++) {
      const f = provToFinal[tok[p]];
      if (f < 0) continue;
      ids[n++] = f;
      if (n - pieceStart === MAX_SENTENCE) {
        starts.push(n);
        keptRaw.push(pendingRaw);
        pendingRaw = 0;
        pieceStart = n;
      }
    }
    from = ends[si];
    if (n > pieceStart) {
      starts.push(n);
      keptRaw.push(pendingRaw);
      pendingRaw = 0;
    }
  }
  if (pendingRaw > 0 && keptRaw.length > 0) keptRaw[keptRaw.length - 1] += pendingRaw;
  return {
    words, counts, ids: ids.slice(0, n), sentStart: Int32Array.from(starts), sentRaw: Int32Array.from(keptRaw),
    rawWords, sentences: s,
  };
}

/** gensim's sample_int per word: keep a word when a uniform 32-bit draw is <= it. */
export function sampleThresholds(counts: Float64Array, sample: number): Uint32Array {
  const out = new Uint32Array(counts.length);
  let total = 0;
  for (const c of counts) total += c;
  const threshold = sample < 1 ? sample * total : Math.trunc(sample * (3 + Math.sqrt(5)) / 2);
  for (let i = 0; i < counts.length; i++) {
    const v = counts[i];
    let p = (Math.sqrt(v / threshold) + 1) * (threshold / v);
    if (!(p < 1)) p = 1;
    out[i] = Math.trunc(p * (2 ** 32 - 1)) >>> 0;
  }
  return out;
}

/** Python's round(): to nearest, ties to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x), d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** gensim make_cum_table: cumulative count^exponent scaled to [0, 2^31 − 1], rounded half to even. */
export function cumTable(counts: Float64Array, exponent: number, domain = 2 ** 31 - 1): Uint32Array {
  let z = 0;
  for (const c of counts) z += c ** exponent;
  const out = new Uint32Array(counts.length);
  let cum = 0;
  for (let i = 0; i < counts.length; i++) {
    cum += counts[i] ** exponent;
    out[i] = roundHalfEven(cum / z * domain);
  }
  return out;
}

/**
 * For each of 2^bits slices of the domain, the first table entry whose value reaches the slice's
 * start (bisect_left), so a draw is searched only between two neighbouring entries.
 */
export function cumGuide(cum: Uint32Array, bits = 12, domainBits = 31): { guide: Int32Array; shift: number } {
  const shift = domainBits - bits;
  const size = 1 << bits;
  const guide = new Int32Array(size + 1);
  let w = 0;
  for (let g = 0; g <= size; g++) {
    const x = g * 2 ** shift;
    while (w < cum.length && cum[w] < x) w++;
    guide[g] = Math.min(w, cum.length - 1);
  }
  return { guide, shift };
}
