// Datasets, batching and collators, with torch.utils.data's names (re-exports only).
export { TensorDataset, ArrayDataset, Subset, randomSplit, randomPermutation, isDataset } from "./dataset.js";
export type { Dataset, RandomSplitOptions } from "./dataset.js";
export { DataLoader } from "./loader.js";
export type { DataLoaderOptions } from "./loader.js";
export { defaultCollate } from "./collate.js";
export { padSequences, paddingCollator } from "./padding.js";
export type { PaddingOptions, PaddedBatch } from "./padding.js";
export { CausalLMDataset, chunkTokens } from "./causal-lm.js";
export type { CausalLMOptions, ChunkOptions } from "./causal-lm.js";
export { maskTokens, maskedLMCollator } from "./masked-lm.js";
export type { MaskedLMOptions } from "./masked-lm.js";
