// Clustering with scikit-learn's names and semantics (re-exports only).
export { KMeans } from "./kmeans.js";
export type { KMeansOptions, KMeansInit } from "./kmeans.js";
export { MiniBatchKMeans } from "./minibatch-kmeans.js";
export type { MiniBatchKMeansOptions } from "./minibatch-kmeans.js";
