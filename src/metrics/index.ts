// Evaluation metrics with scikit-learn's names and semantics (re-exports only).
export { accuracyScore, precisionScore, recallScore, f1Score, fbetaScore, precisionRecallFscoreSupport, confusionMatrix } from "./classification.js";
export type { Label, LabelArray, Average, ZeroDivision, PrfOptions, PrfResult, SampleWeightOption } from "./classification.js";
export { silhouetteScore, silhouetteSamples, adjustedRandScore, trustworthiness } from "./clustering.js";
export type { ClusterLabels, SilhouetteOptions, TrustworthinessOptions } from "./clustering.js";
export { perplexity, bleu, rouge, tokenize13a, rougeTokenize } from "./text.js";
export type { BleuOptions, BleuResult, BleuSmoothing, RougeOptions, RougeResult, RougeScore, RougeType } from "./text.js";
