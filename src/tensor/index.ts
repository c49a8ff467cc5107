// The tensor package's public surface: the Tensor class, creation, ops as functions, autograd.
export { Tensor, isTensor } from "./tensor.js";
export type { DType, NestedArray } from "./tensor.js";
export { tensor, empty, zeros, ones, full, zerosLike, arange, randn, rand } from "./creation.js";
export type { TensorOptions, RandomOptions, TensorData } from "./creation.js";
export { Generator, manualSeed } from "./random.js";
export { tidy, keep } from "./scope.js";
export { noGrad, isGradEnabled } from "./autograd.js";
export { gradcheck, gradcheckAsync } from "./gradcheck.js";
export type { GradcheckOptions, GradcheckResult } from "./gradcheck.js";
export * as F from "./functional.js";
export { concat } from "./layout.js";
