// Matrix decompositions with scikit-learn's names and semantics (re-exports only).
export { PCA } from "./pca.js";
export type { PCAOptions } from "./pca.js";
