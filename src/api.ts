// The public surface without automatic initialisation (for workerd and for callers that pass
// their own module to init()). Re-exports only.
export { TesseraError } from "./errors.js";
export type { ErrorCode } from "./errors.js";
export { init, isInitialized } from "./runtime/wasm.js";
export type { BuildName, InitOptions } from "./runtime/wasm.js";
export { info, memory } from "./runtime/info.js";
export { setThreads, shutdownThreads } from "./runtime/pool.js";
export * from "./tokenizers/index.js";
export * from "./tensor/index.js";
