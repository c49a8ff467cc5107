// Word vectors and retrieval (re-exports only): Word2Vec / FastText, GloVe, KeyedVectors with
// gensim's queries and file formats, sentence vectors, and an exact VectorIndex.
export { Word2Vec, FastText } from "./word2vec.js";
export type { Word2VecOptions, Word2VecProgress } from "./word2vec.js";
export { KeyedVectors } from "./keyed-vectors.js";
export type { Term, MostSimilarOptions, AnalogyOptions, AnalogyResult, AnalogySection, SubwordVectors } from "./keyed-vectors.js";
export type { ReadOptions, ByteSource } from "./formats.js";
export { VectorIndex } from "./vector-index.js";
export type { Metric, SearchOptions, SearchResult } from "./vector-index.js";
export { ngrams, ngramHashes, ftHash } from "./subwords.js";
export { GloVe, Cooccurrence, cooccurrence } from "./glove.js";
export type { GloVeOptions, GloVeProgress, CooccurrenceOptions } from "./glove.js";
