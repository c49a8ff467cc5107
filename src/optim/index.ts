// torch.optim for tessera: optimizers with fused update kernels, gradient clipping, learning-rate
// schedulers (re-exports only).
export { Optimizer } from "./optimizer.js";
export type { OptimizerStateDict, ParamGroup, ParamGroupInput, ParamState, Params } from "./optimizer.js";
export { SGD } from "./sgd.js";
export type { SgdOptions } from "./sgd.js";
export { Adam, AdamW } from "./adam.js";
export type { AdamOptions } from "./adam.js";
export { Adagrad } from "./adagrad.js";
export type { AdagradOptions } from "./adagrad.js";
export { RMSprop } from "./rmsprop.js";
export type { RmspropOptions } from "./rmsprop.js";
export { clipGradNorm_, clipGradValue_ } from "./clip.js";
export type { ClipGradNormOptions } from "./clip.js";
export {
  LRScheduler, LambdaLR, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR,
  getLinearScheduleWithWarmup, getCosineScheduleWithWarmup,
} from "./lr-scheduler.js";
