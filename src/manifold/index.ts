// Manifold learning with scikit-learn's names and semantics (re-exports only).
export { TSNE } from "./tsne.js";
export type { TSNEOptions } from "./tsne.js";
