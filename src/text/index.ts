// Text features (re-exports only): scikit-learn's CountVectorizer / TfidfVectorizer with sparse CSR
// output, its English stop words, and sentence vectors averaged from word vectors.
export { CountVectorizer, TfidfVectorizer } from "./vectorizers.js";
export type { Analyzer, CountVectorizerOptions, TfidfVectorizerOptions } from "./vectorizers.js";
export { CsrMatrix } from "./sparse.js";
export { ENGLISH_STOP_WORDS } from "./stop-words.js";
export { sentenceVectors } from "./sentence-vectors.js";
export type { SentenceVectorOptions, SentenceVectors } from "./sentence-vectors.js";
