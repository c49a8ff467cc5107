// Ops as free functions, like torch.nn.functional and torch.* (re-exports only).
export { add, sub, mul, div, neg, exp, log, sqrt, tanh, sigmoid, relu, gelu, silu, abs, square, pow } from "./elementwise.js";
export { sum, mean, max, min, argmax, argmin } from "./reduce.js";
export { reshape, permute, transpose, slice, expand, concat, gather, takeAlongDim, unsqueeze, squeeze, clone, detach, pad } from "./layout.js";
export { conv1d } from "./conv.js";
export type { Conv1dOptions } from "./conv.js";
export { matmul, linear } from "./matmul.js";
export { softmax, logSoftmax } from "./softmax.js";
export { layerNorm } from "./norm.js";
export { crossEntropy, nllLoss, mseLoss, binaryCrossEntropyWithLogits } from "./loss.js";
export type { CrossEntropyOptions, NllLossOptions, Reduction } from "./loss.js";
export { embedding } from "./embedding.js";
export { dropout } from "./dropout.js";
export { scaledDotProductAttention } from "./attention.js";
export type { ScaledDotProductAttentionOptions } from "./attention.js";
