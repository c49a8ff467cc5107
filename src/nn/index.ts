// torch.nn for tessera: modules, layers, losses and nn.init (re-exports only).
export { Module } from "./module.js";
export type { StateDict, LoadResult } from "./module.js";
export { Linear } from "./linear.js";
export type { LinearOptions } from "./linear.js";
export { Embedding } from "./embedding.js";
export type { EmbeddingOptions } from "./embedding.js";
export { LayerNorm } from "./normalization.js";
export type { LayerNormOptions } from "./normalization.js";
export { Dropout } from "./dropout.js";
export { Sequential, ModuleList } from "./container.js";
export { ReLU, GELU, Tanh, Sigmoid, SiLU, Softmax, LogSoftmax, Identity } from "./activation.js";
export { Conv1d } from "./conv.js";
export type { Conv1dModuleOptions } from "./conv.js";
export { MSELoss, CrossEntropyLoss, NLLLoss, BCEWithLogitsLoss } from "./loss.js";
export * as init from "./init.js";
export { RNN, LSTM, GRU } from "./rnn.js";
export type { RNNOptions, SimpleRNNOptions } from "./rnn.js";
