// The public surface without automatic initialisation (for workerd and for callers that pass
// their own module to init()). Re-exports only.
export { TesseraError } from "./errors.js";
export type { ErrorCode } from "./errors.js";
export { init, isInitialized } from "./runtime/wasm.js";
export type { BuildName, InitOptions } from "./runtime/wasm.js";
export { info, memory } from "./runtime/info.js";
export { setThreads } from "./runtime/pool.js";
export { setDevice, getDevice } from "./backend/device.js";
export * from "./tokenizers/index.js";
export * from "./tensor/index.js";
export * as nn from "./nn/index.js";
export * as optim from "./optim/index.js";
export * as io from "./io/index.js";
export * as data from "./data/index.js";
export * as metrics from "./metrics/index.js";
export * as models from "./models/index.js";
export { fit } from "./train/index.js";
export type { FitOptions, History, OptimizerLike, SchedulerLike, EarlyStoppingOptions, StepInfo, EpochInfo, CheckpointOptions, CheckpointFiles } from "./train/index.js";
export { pipeline } from "./pipelines/index.js";
export type { PipelineTask, PipelineOptions, PipelineTokenizer, GeneratedText, LabelScore, FillMaskCandidate } from "./pipelines/index.js";
