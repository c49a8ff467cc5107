// The training loop and its pieces (re-exports only).
export { fit } from "./fit.js";
export type { History } from "./fit.js";
export type { FitOptions, OptimizerLike, SchedulerLike, ParamGroup, EarlyStoppingOptions, StepInfo, EpochInfo, MetricFn, MetricName, TrainData } from "./options.js";
export type { CheckpointOptions, CheckpointFiles, CheckpointInfo } from "./checkpoint.js";
export { formatProgress, formatEpochSummary, formatDuration, formatLoss, ProgressBar } from "./progress.js";
export type { ProgressState, ProgressStream } from "./progress.js";
