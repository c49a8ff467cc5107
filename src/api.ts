// The public surface without automatic initialisation (for workerd and for callers that pass
// their own module to init()). Re-exports only.
export { TesseraError } from "./errors.js";
export type { ErrorCode } from "./errors.js";
export { init, initSync, isInitialized, setWasmPaths } from "./runtime/wasm.js";
export type { BuildName, InitOptions, WasmPaths, Runtime, Features } from "./runtime/wasm.js";
export { info, memory } from "./runtime/info.js";
export type { Info, MemoryInfo } from "./runtime/info.js";
export { setThreads, shutdownThreads } from "./runtime/pool.js";
export { setDevice, getDevice } from "./backend/device.js";
export { initWebGpu, webgpuStats, setAutoThresholds, autoStats } from "./backend/webgpu/init.js";
export type { WebGpuOptions } from "./backend/webgpu/init.js";
export type { AutoStats, AutoThresholds } from "./backend/auto-backend.js";
export type { GpuStats } from "./backend/webgpu/context.js";
export type { WebGpuStatus } from "./runtime/webgpu.js";
export * from "./tokenizers/index.js";
export * from "./tensor/index.js";
export * as nn from "./nn/index.js";
export * as optim from "./optim/index.js";
export * as io from "./io/index.js";
export * as data from "./data/index.js";
export * as metrics from "./metrics/index.js";
export * as rl from "./rl/index.js";
export * as reasoning from "./reasoning/index.js";
export { fit } from "./train/index.js";
export type { FitOptions, History, OptimizerLike, SchedulerLike, EarlyStoppingOptions, StepInfo, EpochInfo, CheckpointOptions, CheckpointFiles } from "./train/index.js";
