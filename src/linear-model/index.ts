// Linear models (re-exports only): scikit-learn's LogisticRegression (L2, lbfgs, multinomial).
export { LogisticRegression } from "./logistic-regression.js";
export type { LogisticRegressionOptions, ClassLabel, FeatureMatrix } from "./logistic-regression.js";
