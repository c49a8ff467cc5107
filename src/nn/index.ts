// torch.nn for tessera: modules, layers, losses and nn.init (re-exports only).
export { Module } from "./module.js";
export type { StateDict, LoadResult } from "./module.js";
export { Linear } from "./linear.js";
export type { LinearOptions } from "./linear.js";
export * as init from "./init.js";
export { RNN, LSTM, GRU } from "./rnn.js";
export type { RNNOptions, SimpleRNNOptions } from "./rnn.js";
