// What fit() accepts, checked in full before the first step so a typo fails in milliseconds, not
// after an epoch. The optimizer and scheduler are duck-typed to PyTorch's shape (param groups with a
// mutable lr, step(), zeroGrad(), optional stateDict()), so any optimizer written that way works.
import { TesseraError, checkInt, checkNumber, describe, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { Module } from "../nn/module.js";
import { DataLoader } from "../data/loader.js";
import { isDataset, type Dataset } from "../data/dataset.js";
import { resolveCheckpoint, type CheckpointOptions, type ResolvedCheckpoint } from "./checkpoint.js";

/** What fit reads of a parameter group: its tensors and learning rate (other options are the optimizer's). */
export interface ParamGroup {
  params: Tensor[];
  lr: number;
}

/** PyTorch's optimizer shape: torch.optim.SGD / Adam and tessera's optim.* all fit it. */
export interface OptimizerLike {
  readonly paramGroups: readonly ParamGroup[];
  step(): void;
  zeroGrad(): void;
  stateDict?(): unknown;
}

export interface SchedulerLike {
  step(): void;
}

export type MetricFn = (yTrue: Int32Array, yPred: Int32Array) => number;
export type MetricName = "accuracy" | "precision" | "recall" | "f1";
export type TrainData = DataLoader<any, any> | Dataset<any> | readonly unknown[];

export interface EarlyStoppingOptions {
  /** Epochs without improvement after which training stops (default 0; as in Keras, 0 and 1 both stop at the first). */
  patience?: number;
  /** The smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Put back the weights of the best epoch when training ends (default false). */
  restoreBest?: boolean;
  /** "evalLoss" (default when evalData is given), "trainLoss", or a metric name. */
  monitor?: string;
  /** "min" for losses, "max" for metrics (default "auto": by the monitored name). */
  mode?: "min" | "max" | "auto";
}

export interface StepInfo {
  epoch: number;
  /** Batch within the epoch (1-based) and the number of batches. */
  batch: number;
  batches: number;
  /** Optimizer steps so far. */
  step: number;
  loss: number;
  lr: number;
}

export interface EpochInfo {
  epoch: number;
  trainLoss: number;
  evalLoss: number | null;
  metrics: Record<string, number>;
  lr: number;
  seconds: number;
  step: number;
}

export interface FitOptions {
  /** Passes over trainData (default 1). */
  epochs?: number;
  /** Batch size when trainData / evalData are datasets or arrays (default 32). */
  batchSize?: number;
  /** Reshuffle the training data every epoch (default true; datasets and arrays only). */
  shuffle?: boolean;
  /** Seed of the shuffling order (default: the global generator, see manualSeed). */
  seed?: number;
  optimizer: OptimizerLike;
  scheduler?: SchedulerLike;
  /** When scheduler.step() runs: after every "epoch" (default, like StepLR) or every optimizer "step" (warmup, OneCycle). */
  schedulerInterval?: "epoch" | "step";
  /** (output, target) → scalar loss tensor, e.g. F.crossEntropy. */
  lossFn: (output: any, target: any) => Tensor;
  /** How a batch reaches the model (default: [inputs..., target] arrays, or objects with labels). */
  forward?: (model: Module, batch: any) => { output: unknown; target: unknown };
  evalData?: TrainData;
  /** Metrics of the eval data (or of the training batches without evalData): names (precision/recall/f1 macro-averaged) or functions of (yTrue, yPred). */
  metrics?: readonly MetricName[] | Record<string, MetricFn>;
  /** Output → predicted class ids for metrics (default: argmax of the last axis, or logit > 0 for one column). */
  predict?: (output: Tensor) => Tensor | Int32Array;
  earlyStopping?: EarlyStoppingOptions;
  /** Batches whose gradients are summed before each optimizer step (default 1); the loss is divided by it. */
  gradAccumulation?: number;
  /** Clip the global gradient norm to this before each step (torch.nn.utils.clip_grad_norm_). */
  clipNorm?: number;
  /** After every batch; returning false stops training. */
  onStep?: (info: StepInfo) => void | boolean | Promise<void | boolean>;
  /** After every epoch; returning false stops training. */
  onEpoch?: (info: EpochInfo) => void | boolean | Promise<void | boolean>;
  checkpoint?: CheckpointOptions;
  /** A progress line on stderr when it is a terminal (default true). */
  progress?: boolean;
}

export interface Resolved {
  model: Module;
  train: DataLoader<any, any>;
  eval: DataLoader<any, any> | null;
  epochs: number;
  optimizer: OptimizerLike;
  params: Tensor[];
  scheduler: SchedulerLike | null;
  schedulerPerStep: boolean;
  lossFn: FitOptions["lossFn"];
  forward: NonNullable<FitOptions["forward"]>;
  metrics: [string, MetricFn | MetricName][];
  predict: NonNullable<FitOptions["predict"]> | null;
  early: { patience: number; minDelta: number; restoreBest: boolean; monitor: string; mode: "min" | "max" } | null;
  accumulate: number;
  clipNorm: number | null;
  onStep: NonNullable<FitOptions["onStep"]> | null;
  onEpoch: NonNullable<FitOptions["onEpoch"]> | null;
  checkpoint: ResolvedCheckpoint | null;
  progress: boolean;
}

const METRIC_NAMES: readonly string[] = ["accuracy", "precision", "recall", "f1"];

function optionalFunction<T>(name: string, v: unknown): T | null {
  if (v === undefined) return null;
  if (typeof v !== "function") fail("E_TYPE", `fit: options.${name}`, "a function", v);
  return v as T;
}

/** Batches are [inputs..., target] arrays, or objects with labels (the model gets the whole object). */
export function defaultForward(model: Module, batch: unknown): { output: unknown; target: unknown } {
  if (Array.isArray(batch)) {
    if (batch.length < 2) throw new TesseraError("E_VALUE", `fit: batch: expected [inputs..., target], received an array of length ${batch.length}; pass options.forward for other batches`);
    return { output: model.forward(...batch.slice(0, -1)), target: batch[batch.length - 1] };
  }
  if (batch !== null && typeof batch === "object" && !(batch instanceof Tensor)) {
    const b = batch as Record<string, unknown>;
    const key = "labels" in b ? "labels" : "label" in b ? "label" : null;
    if (key !== null) return { output: model.forward(batch), target: b[key] };
  }
  throw new TesseraError("E_TYPE", `fit: batch: expected [input, target] or an object with labels, received ${describe(batch)}; pass options.forward(model, batch) => ({ output, target }) for other batches`);
}

function loaderFor(arg: string, data: unknown, batchSize: number | undefined, shuffle: boolean, seed: number | undefined, explicit: boolean): DataLoader<any, any> {
  if (data instanceof DataLoader) {
    if (explicit) fail("E_VALUE", `fit: options`, `no batchSize, shuffle or seed when ${arg} is a DataLoader (set them on the DataLoader)`, "options with them");
    return data;
  }
  if (!Array.isArray(data) && !isDataset(data)) fail("E_TYPE", `fit: ${arg}`, "a DataLoader, a dataset (length and get(index)) or an array of samples", data);
  if ((data as { length: number }).length === 0) throw new TesseraError("E_VALUE", `fit: ${arg}: expected at least one sample, received an empty dataset`);
  return new DataLoader(data as Dataset<unknown>, { batchSize: batchSize ?? 32, shuffle, seed });
}

export function resolveOptions(model: unknown, trainData: unknown, options: unknown): Resolved {
  if (!(model instanceof Module)) fail("E_TYPE", "fit: model", "an nn.Module", model);
  if (options === null || typeof options !== "object") fail("E_TYPE", "fit: options", "an object with at least optimizer and lossFn", options);
  const o = options as FitOptions;
  const epochs = checkInt("fit: options.epochs", o.epochs ?? 1, 1);
  if (o.batchSize !== undefined) checkInt("fit: options.batchSize", o.batchSize, 1);
  if (o.shuffle !== undefined && typeof o.shuffle !== "boolean") fail("E_TYPE", "fit: options.shuffle", "a boolean", o.shuffle);
  if (o.seed !== undefined) checkInt("fit: options.seed", o.seed);

  const opt = o.optimizer as unknown as Record<string, unknown> | undefined;
  if (opt === undefined || opt === null || typeof opt !== "object" || typeof opt.step !== "function" || typeof opt.zeroGrad !== "function" || !Array.isArray(opt.paramGroups)) {
    fail("E_TYPE", "fit: options.optimizer", "an optimizer with step(), zeroGrad() and paramGroups (e.g. optim.SGD)", opt);
  }
  const params: Tensor[] = [];
  (opt.paramGroups as unknown[]).forEach((g, i) => {
    const group = g as ParamGroup;
    if (group === null || typeof group !== "object" || !Array.isArray(group.params)) fail("E_TYPE", `fit: options.optimizer.paramGroups[${i}]`, "a group with params", g);
    if (typeof group.lr !== "number" || !Number.isFinite(group.lr)) fail("E_TYPE", `fit: options.optimizer.paramGroups[${i}].lr`, "a finite number", group.lr);
    group.params.forEach((p, j) => { if (!(p instanceof Tensor)) fail("E_TYPE", `fit: options.optimizer.paramGroups[${i}].params[${j}]`, "a Tensor", p); params.push(p); });
  });
  if (params.length === 0) fail("E_VALUE", "fit: options.optimizer.paramGroups", "at least one parameter to train", opt.paramGroups);

  const sched = o.scheduler as unknown as Record<string, unknown> | undefined;
  if (sched !== undefined && (sched === null || typeof sched !== "object" || typeof sched.step !== "function")) fail("E_TYPE", "fit: options.scheduler", "a scheduler with step()", sched);
  const interval = o.schedulerInterval ?? "epoch";
  if (interval !== "epoch" && interval !== "step") fail("E_VALUE", "fit: options.schedulerInterval", '"epoch" or "step"', interval);
  if (typeof o.lossFn !== "function") fail("E_TYPE", "fit: options.lossFn", "a loss function (output, target) => scalar tensor, e.g. F.crossEntropy", o.lossFn);
  const forward = optionalFunction<Resolved["forward"]>("forward", o.forward) ?? defaultForward;

  let metrics: [string, MetricFn | MetricName][] = [];
  if (o.metrics !== undefined) {
    if (Array.isArray(o.metrics)) {
      metrics = o.metrics.map((m, i) => {
        if (!METRIC_NAMES.includes(m)) fail("E_VALUE", `fit: options.metrics[${i}]`, `one of ${METRIC_NAMES.map((n) => JSON.stringify(n)).join(", ")} (or pass { name: (yTrue, yPred) => number })`, m);
        return [m, m] as [string, MetricName];
      });
    } else if (o.metrics !== null && typeof o.metrics === "object") {
      metrics = Object.entries(o.metrics).map(([k, f]) => {
        if (typeof f !== "function") fail("E_TYPE", `fit: options.metrics.${k}`, "a function (yTrue, yPred) => number", f);
        return [k, f as MetricFn];
      });
    } else fail("E_TYPE", "fit: options.metrics", "an array of metric names or an object of metric functions", o.metrics);
    const clash = metrics.find(([k]) => k === "trainLoss" || k === "evalLoss" || k === "lr");
    if (clash) fail("E_VALUE", "fit: options.metrics", "names other than trainLoss, evalLoss and lr", clash[0]);
  }

  let early: Resolved["early"] = null;
  if (o.earlyStopping !== undefined) {
    const e = o.earlyStopping;
    if (e === null || typeof e !== "object") fail("E_TYPE", "fit: options.earlyStopping", "an object", e);
    const patience = checkInt("fit: options.earlyStopping.patience", e.patience ?? 0, 0);
    const minDelta = checkNumber("fit: options.earlyStopping.minDelta", e.minDelta ?? 0, 0);
    const restoreBest = e.restoreBest ?? false;
    if (typeof restoreBest !== "boolean") fail("E_TYPE", "fit: options.earlyStopping.restoreBest", "a boolean", restoreBest);
    const monitor = e.monitor ?? (o.evalData !== undefined ? "evalLoss" : "trainLoss");
    const known = ["trainLoss", "evalLoss", ...metrics.map(([k]) => k)];
    if (!known.includes(monitor)) fail("E_VALUE", "fit: options.earlyStopping.monitor", `one of ${known.join(", ")}`, monitor);
    if (monitor === "evalLoss" && o.evalData === undefined) fail("E_VALUE", "fit: options.earlyStopping.monitor", '"trainLoss" or a metric when there is no evalData', monitor);
    const mode = e.mode ?? "auto";
    if (mode !== "min" && mode !== "max" && mode !== "auto") fail("E_VALUE", "fit: options.earlyStopping.mode", '"min", "max" or "auto"', mode);
    early = { patience, minDelta, restoreBest, monitor, mode: mode === "auto" ? (monitor.endsWith("Loss") ? "min" : "max") : mode };
  }

  const accumulate = checkInt("fit: options.gradAccumulation", o.gradAccumulation ?? 1, 1);
  const clipNorm = o.clipNorm === undefined ? null : checkNumber("fit: options.clipNorm", o.clipNorm, 0);
  if (clipNorm === 0) fail("E_RANGE", "fit: options.clipNorm", "a positive number", clipNorm);
  const progress = o.progress ?? true;
  if (typeof progress !== "boolean") fail("E_TYPE", "fit: options.progress", "a boolean", progress);

  const explicit = o.batchSize !== undefined || o.shuffle !== undefined || o.seed !== undefined;
  const train = loaderFor("trainData", trainData, o.batchSize, o.shuffle ?? true, o.seed, explicit);
  const evalLoader = o.evalData === undefined ? null : loaderFor("evalData", o.evalData, o.batchSize, false, undefined, false);
  return {
    model, train, eval: evalLoader, epochs, optimizer: o.optimizer, params,
    scheduler: o.scheduler ?? null, schedulerPerStep: interval === "step",
    lossFn: o.lossFn, forward, metrics, predict: optionalFunction("predict", o.predict), early, accumulate, clipNorm,
    onStep: optionalFunction("onStep", o.onStep), onEpoch: optionalFunction("onEpoch", o.onEpoch),
    checkpoint: resolveCheckpoint(o.checkpoint), progress,
  };
}
