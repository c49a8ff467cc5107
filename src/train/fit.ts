// fit(): the training loop, Keras' model.fit over PyTorch's pieces. Per batch, inside tidy():
// forward, loss, a finiteness check on the loss *before* backward and the optimizer step (so a NaN
// never reaches the weights), backward (loss / gradAccumulation); every gradAccumulation batches
// optional global-norm clipping, optimizer.step(), zeroGrad(), scheduler. Per epoch: evaluation
// (eval mode, noGrad), metrics, early stopping on a monitored value with a saved copy of the best
// weights, checkpoints, callbacks, and a progress line on a terminal. Memory stays flat: every
// tensor a step makes is freed when the step ends.
import { TesseraError, describe } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import type { Module } from "../nn/module.js";
import { noGrad } from "../tensor/autograd.js";
import { keep, scoped, tidy } from "../tensor/scope.js";
import { fmt } from "../tensor/shape.js";
import type { DataLoader } from "../data/loader.js";
import { accuracyScore, f1Score, precisionScore, recallScore } from "../metrics/classification.js";
import { clipGradNorm_ } from "../optim/clip.js";
import { writeCheckpoint } from "./checkpoint.js";
import { formatEpochSummary, stderrProgressBar, type ProgressBar } from "./progress.js";
import { resolveOptions, type EpochInfo, type FitOptions, type MetricFn, type MetricName, type Resolved, type TrainData } from "./options.js";

export interface History {
  /** Per epoch (index i is epoch i + 1). */
  epoch: number[];
  trainLoss: number[];
  /** Empty without evalData. */
  evalLoss: number[];
  /** Per metric name, per epoch (of evalData, or of the training batches without it). */
  metrics: Record<string, number[]>;
  /** Learning rate of the first param group at the end of each epoch. */
  lr: number[];
  seconds: number[];
  /** Optimizer steps taken. */
  steps: number;
  /** The epoch with the best monitored value (early stopping only) and that value. */
  bestEpoch: number | null;
  bestValue: number | null;
  /** Why training ended. */
  stopReason: "completed" | "earlyStopping" | "callback";
}

const NAMED: Record<MetricName, MetricFn> = {
  accuracy: (t, p) => accuracyScore(t, p),
  precision: (t, p) => precisionScore(t, p, { average: "macro", zeroDivision: 0 }) as number,
  recall: (t, p) => recallScore(t, p, { average: "macro", zeroDivision: 0 }) as number,
  f1: (t, p) => f1Score(t, p, { average: "macro", zeroDivision: 0 }) as number,
};

function nonFinite(what: string, epoch: number, batch: number, step: number, value: number): TesseraError {
  return new TesseraError("E_VALUE", `fit: epoch ${epoch}, batch ${batch} (optimizer step ${step + 1}): the ${what} is ${value}; ` +
    `training stopped before the optimizer step, so the weights are those after step ${step} ` +
    "(try a lower learning rate, clipNorm, or check the data for NaN/Inf)");
}

/** Class ids predicted from a model output: argmax of the last axis, or logit > 0 for a single column. */
function predictedClasses(output: unknown, predict: Resolved["predict"]): Int32Array {
  if (predict) {
    const p = predict(output as Tensor);
    if (p instanceof Int32Array) return p;
    if (p instanceof Tensor) return Int32Array.from(p.data(), (v) => Math.trunc(v));
    throw new TesseraError("E_TYPE", `fit: options.predict: expected a Tensor or Int32Array of class ids, received ${describe(p)}`);
  }
  if (!(output instanceof Tensor) || output.dtype !== "float32") {
    throw new TesseraError("E_TYPE", `fit: metrics: expected the model output to be a float32 tensor, received ${describe(output)}; pass options.predict`);
  }
  const last = output.ndim === 0 ? 1 : output.shape[output.ndim - 1];
  if (output.ndim >= 2 && last >= 2) return output.argmax(-1).data() as Int32Array;
  return Int32Array.from(output.data(), (v) => (v > 0 ? 1 : 0));
}

/** Class ids of a target: int32 labels, integral floats (BCE targets), or one-hot / soft rows (argmax). */
function targetClasses(target: unknown, outputShape: readonly number[] | null): Int32Array {
  if (!(target instanceof Tensor)) throw new TesseraError("E_TYPE", `fit: metrics: expected the target to be a tensor, received ${describe(target)}`);
  if (target.dtype === "int32") return target.data() as Int32Array;
  const last = target.ndim === 0 ? 1 : target.shape[target.ndim - 1];
  if (target.ndim >= 2 && last >= 2 && outputShape !== null && outputShape.length === target.ndim) return target.argmax(-1).data() as Int32Array;
  const values = target.data();
  return Int32Array.from(values, (v, i) => {
    if (!Number.isInteger(v)) throw new TesseraError("E_VALUE", `fit: metrics: target[${i}] = ${v} is not a class id; pass int32 labels or options.predict`);
    return v;
  });
}

function samplesIn(target: unknown): number {
  return target instanceof Tensor && target.ndim > 0 ? target.shape[0] : 1;
}

function checkLoss(loss: unknown, epoch: number, batch: number): Tensor {
  if (!(loss instanceof Tensor)) throw new TesseraError("E_TYPE", `fit: epoch ${epoch}, batch ${batch}: lossFn: expected a scalar Tensor, received ${describe(loss)}`);
  if (loss.size !== 1 || loss.dtype !== "float32") {
    throw new TesseraError("E_SHAPE", `fit: epoch ${epoch}, batch ${batch}: lossFn: expected a one-element float32 tensor (use reduction "mean" or "sum"), received ${loss.dtype} ${fmt(loss.shape)}`);
  }
  return loss;
}

class Collector {
  readonly yTrue: number[] = [];
  readonly yPred: number[] = [];

  add(output: unknown, target: unknown, predict: Resolved["predict"]): void {
    const p = predictedClasses(output, predict);
    const t = targetClasses(target, output instanceof Tensor ? output.shape : null);
    if (p.length !== t.length) {
      throw new TesseraError("E_SHAPE", `fit: metrics: ${p.length} predictions for ${t.length} targets; pass options.predict to map outputs to one class id per target`);
    }
    for (let i = 0; i < p.length; i++) { this.yPred.push(p[i]); this.yTrue.push(t[i]); }
  }

  compute(metrics: Resolved["metrics"]): Record<string, number> {
    const out: Record<string, number> = {};
    if (this.yTrue.length === 0) return out;
    const t = Int32Array.from(this.yTrue);
    const p = Int32Array.from(this.yPred);
    for (const [name, m] of metrics) out[name] = (typeof m === "string" ? NAMED[m] : m)(t, p);
    return out;
  }
}

/** Iterates a loader, handing each batch with the tensors its making created (freed by the caller). */
function* batchesOf(loader: DataLoader<any, any>): Generator<[unknown, Set<Tensor>]> {
  const it = loader[Symbol.iterator]();
  for (;;) {
    const [next, created] = scoped(() => it.next());
    if (next.done) {
      for (const t of created) t.dispose();
      return;
    }
    yield [next.value, created];
  }
}

function evaluate(r: Resolved, collector: Collector | null): number {
  r.model.eval();
  let sum = 0;
  let n = 0;
  try {
    for (const [batch, created] of batchesOf(r.eval!)) {
      try {
        noGrad(() => tidy(() => {
          const { output, target } = r.forward(r.model, batch);
          const loss = r.lossFn(output, target);
          if (!(loss instanceof Tensor) || loss.size !== 1) throw new TesseraError("E_SHAPE", `fit: evaluation: lossFn: expected a scalar tensor, received ${describe(loss)}`);
          const k = samplesIn(target);
          sum += loss.item() * k;
          n += k;
          collector?.add(output, target, r.predict);
        }));
      } finally {
        for (const t of created) t.dispose();
      }
    }
  } finally {
    r.model.train();
  }
  return sum / n;
}

/** Copies of the model's state (parameters and buffers), kept out of tidy scopes. */
class Snapshot {
  private saved: Map<string, Tensor> | null = null;

  take(model: Module): void {
    noGrad(() => tidy(() => {
      const state = model.stateDict();
      if (this.saved === null) this.saved = new Map(Object.entries(state).map(([k, v]) => [k, keep(v.clone())]));
      else for (const [k, v] of Object.entries(state)) this.saved.get(k)!.copy_(v);
    }));
  }

  restore(model: Module): void {
    if (this.saved !== null) model.loadStateDict(this.saved);
  }

  dispose(): void {
    for (const t of this.saved?.values() ?? []) t.dispose();
    this.saved = null;
  }
}

/**
 * Trains `model` on `trainData` (a DataLoader, a dataset or an array of samples) and returns the
 * history of losses, metrics and learning rates per epoch. See FitOptions for every option.
 */
export async function fit(model: Module, trainData: TrainData, options: FitOptions): Promise<History> {
  const r = resolveOptions(model, trainData, options);
  const history: History = {
    epoch: [], trainLoss: [], evalLoss: [], metrics: Object.fromEntries(r.metrics.map(([k]) => [k, []])), lr: [], seconds: [],
    steps: 0, bestEpoch: null, bestValue: null, stopReason: "completed",
  };
  const bar: ProgressBar | null = r.progress ? stderrProgressBar() : null;
  const snapshot = r.early?.restoreBest ? new Snapshot() : null;
  const wasTraining = model.training;
  const lr = () => r.optimizer.paramGroups[0]?.lr ?? NaN;
  let step = 0;
  let wait = 0;
  let stop = false;

  const optimizerStep = (epoch: number, batch: number) => {
    tidy(() => {
      if (r.clipNorm !== null) {
        const norm = clipGradNorm_(r.params, r.clipNorm);
        if (!Number.isFinite(norm)) throw nonFinite("gradient norm", epoch, batch, step, norm);
      }
      r.optimizer.step();
      return r.optimizer; // state the optimizer made in step() (momentum buffers) is reachable from it: kept
    });
    r.optimizer.zeroGrad();
    step++;
    if (r.scheduler !== null && r.schedulerPerStep) tidy(() => { r.scheduler!.step(); return r.scheduler; });
  };

  model.train();
  r.optimizer.zeroGrad();
  try {
    for (let epoch = 1; epoch <= r.epochs && !stop; epoch++) {
      const start = performance.now();
      const batches = r.train.length;
      const trainCollector = r.metrics.length > 0 && r.eval === null ? new Collector() : null;
      let lossSum = 0;
      let samples = 0;
      let batch = 0;
      let pending = 0; // micro-batches whose gradients wait for the optimizer step
      for (const [data, created] of batchesOf(r.train)) {
        batch++;
        let value: number;
        try {
          value = tidy(() => {
            const { output, target } = r.forward(model, data);
            const loss = checkLoss(r.lossFn(output, target), epoch, batch);
            const v = loss.item();
            if (!Number.isFinite(v)) throw nonFinite("loss", epoch, batch, step, v);
            if (!loss.requiresGrad) {
              throw new TesseraError("E_GRAD", `fit: epoch ${epoch}, batch ${batch}: the loss does not require grad (are all parameters frozen, or was it computed under noGrad()?)`);
            }
            (r.accumulate > 1 ? loss.div(r.accumulate) : loss).backward();
            trainCollector?.add(output, target, r.predict);
            const k = samplesIn(target);
            lossSum += v * k;
            samples += k;
            return v;
          });
          if (++pending === r.accumulate) {
            optimizerStep(epoch, batch);
            pending = 0;
          }
        } finally {
          for (const t of created) t.dispose();
        }
        bar?.update({ epoch, epochs: r.epochs, batch, batches, loss: lossSum / samples, elapsed: (performance.now() - start) / 1000 });
        if (r.onStep !== null && (await r.onStep({ epoch, batch, batches, step, loss: value, lr: lr() })) === false) {
          stop = true;
          history.stopReason = "callback";
          break;
        }
      }
      if (pending > 0) optimizerStep(epoch, batch); // the last, shorter accumulation window

      const evalCollector = r.metrics.length > 0 && r.eval !== null ? new Collector() : null;
      const trainLoss = lossSum / samples;
      const evalLoss = r.eval !== null ? evaluate(r, evalCollector) : null;
      const metrics = (evalCollector ?? trainCollector)?.compute(r.metrics) ?? {};
      const seconds = (performance.now() - start) / 1000;
      const info: EpochInfo = { epoch, trainLoss, evalLoss, metrics, lr: lr(), seconds, step };
      history.epoch.push(epoch);
      history.trainLoss.push(trainLoss);
      if (evalLoss !== null) history.evalLoss.push(evalLoss);
      for (const [k] of r.metrics) history.metrics[k].push(metrics[k] ?? NaN);
      history.lr.push(info.lr);
      history.seconds.push(seconds);
      history.steps = step;
      bar?.end(formatEpochSummary(epoch, r.epochs, { loss: trainLoss, evalLoss, ...metrics, lr: info.lr }, seconds));

      if (r.early !== null) {
        const e = r.early;
        const value = e.monitor === "trainLoss" ? trainLoss : e.monitor === "evalLoss" ? evalLoss! : metrics[e.monitor];
        const best = history.bestValue;
        const improved = Number.isFinite(value) && (best === null || (e.mode === "min" ? value < best - e.minDelta : value > best + e.minDelta));
        if (improved) {
          history.bestValue = value;
          history.bestEpoch = epoch;
          wait = 0;
          snapshot?.take(model);
        } else if (++wait >= e.patience) {
          stop = true;
          history.stopReason = "earlyStopping";
        }
      }
      if (r.scheduler !== null && !r.schedulerPerStep) tidy(() => { r.scheduler!.step(); return r.scheduler; });
      if (r.checkpoint !== null && (epoch % r.checkpoint.every === 0 || epoch === r.epochs || stop)) {
        await writeCheckpoint(r.checkpoint, model, r.optimizer, { epoch, step });
      }
      if (r.onEpoch !== null && (await r.onEpoch(info)) === false && !stop) {
        stop = true;
        history.stopReason = "callback";
      }
    }
    if (snapshot !== null && history.bestEpoch !== null && history.bestEpoch !== history.epoch[history.epoch.length - 1]) snapshot.restore(model);
  } catch (e) {
    r.optimizer.zeroGrad();
    bar?.end("training stopped");
    throw e;
  } finally {
    snapshot?.dispose();
    model.train(wasTraining);
  }
  return history;
}
