// The WASM module's export list: one line per kernel family (see the files for shape contracts).
export * from "./memory";
export { gemmPrepare, gemmScratchBytes } from "./matmul";
export { gemvPrepare } from "./gemv";
export * from "./elementwise";
export * from "./reduce";
export * from "./layout";
export * from "./embedding";
export * from "./bpe-merge";
export * from "./bpe-train";
export * from "./pretokenize";
export * from "./softmax";
export * from "./norm";
export * from "./loss";
export * from "./dropout";
export * from "./jobs";
export { attentionSliceBytes } from "./attention";
export * from "./optim";
