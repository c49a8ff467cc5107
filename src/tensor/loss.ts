// Losses, matching torch.nn.functional: cross_entropy (ignoreIndex, default −100; labelSmoothing;
// class weights; class-probability targets; reduction mean | sum | none), nll_loss, mse_loss and
// binary_cross_entropy_with_logits. Classes are the LAST dimension ([N, C] or [..., C]), so an LM's
// [B, T, V] logits need no view. The common cross-entropy (index targets, no weights) is one fused
// kernel; weighted and probability forms are composed from logSoftmax and nll_loss like torch's.
// Mean reductions divide by the number (or the total weight) of non-ignored targets.
import { TesseraError, checkInt, checkNumber, describe } from "../errors.js";
import { Tensor } from "./tensor.js";
import { composite, record } from "./autograd.js";
import { fmt, shapesEqual } from "./shape.js";
import { checkInt32, checkTensor, floatTensor, sameBackend } from "./check.js";
import { mean, sum } from "./reduce.js";
import { div, mul } from "./elementwise.js";
import { logSoftmax } from "./softmax.js";

export type Reduction = "mean" | "sum" | "none";

export interface CrossEntropyOptions {
  /** Targets equal to this contribute nothing (default −100). Index targets only. */
  ignoreIndex?: number;
  /** ε in [0, 1]: the target distribution is (1 − ε)·onehot + ε/C. */
  labelSmoothing?: number;
  reduction?: Reduction;
  /** Per-class weights [C]. */
  weight?: Tensor | null;
}

export interface NllLossOptions {
  ignoreIndex?: number;
  reduction?: Reduction;
  weight?: Tensor | null;
}

function checkReduction(fn: string, r: unknown): Reduction {
  if (r !== "mean" && r !== "sum" && r !== "none") throw new TesseraError("E_VALUE", `${fn}: reduction: expected "mean", "sum" or "none", received ${describe(r)}`);
  return r;
}

function checkOptions<T>(fn: string, options: T): T {
  if (options === null || typeof options !== "object") throw new TesseraError("E_TYPE", `${fn}: options: expected an object, received ${describe(options)}`);
  return options;
}

function checkWeight(fn: string, w: unknown, classes: number, input: Tensor): Tensor | null {
  if (w == null) return null;
  const weight = floatTensor(`${fn}: options.weight`, w);
  if (weight.ndim !== 1 || weight.shape[0] !== classes) {
    throw new TesseraError("E_SHAPE", `${fn}: options.weight: expected [${classes}] (one weight per class), received ${fmt(weight.shape)}`);
  }
  sameBackend(fn, ["input", "options.weight"], [input, weight]);
  return weight;
}

/** Index targets: int32, shape = input's without the class dimension, each a class or ignoreIndex. */
function checkIndexTargets(fn: string, input: Tensor, target: Tensor, ignoreIndex: number): void {
  checkInt32(`${fn}: target`, target, "int32 class indices");
  sameBackend(fn, ["input", "target"], [input, target]);
  if (input.ndim < 1 || !shapesEqual(target.shape, input.shape.slice(0, -1))) {
    throw new TesseraError("E_SHAPE", `${fn}: target: expected shape ${fmt(input.shape.slice(0, -1))} for input ${fmt(input.shape)}, received ${fmt(target.shape)}`);
  }
  const cols = input.shape[input.ndim - 1];
  const be = input.backend;
  if (be.syncRead && target.size > 0) {
    const at = be.findOutOfRange(target.handle, target.size, 0, cols - 1, ignoreIndex);
    if (at >= 0) {
      const v = be.readSync(target.handle, at + 1, "int32")[at];
      throw new TesseraError("E_RANGE", `${fn}: target[${at}]: expected a class in [0, ${cols - 1}] or ignoreIndex ${ignoreIndex}, received ${v}`);
    }
  }
}

function reduce(perRow: Tensor, reduction: Reduction, divisor: Tensor | null): Tensor {
  if (reduction === "none") return perRow;
  if (reduction === "sum") return sum(perRow);
  return divisor === null ? mean(perRow) : div(sum(perRow), divisor);
}

/**
 * −weight[t]·x[t] per row, and the total weight of the kept rows (for the mean). x: [..., C]
 * scores; targets checked by the caller.
 */
function nllRows(x: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number): [Tensor, Tensor] {
  const be = x.backend;
  const cols = x.shape[x.ndim - 1];
  const rows = target.size;
  const [losses, total] = Tensor.emptyMany(be, [target.shape, "float32"], [[], "float32"]);
  be.nllLossForward(x.handle, target.handle, weight?.handle ?? null, losses.handle, total.handle, rows, cols, ignoreIndex);
  // Class weights are constants (torch does not differentiate nll_loss with respect to them).
  record("nllLoss", losses, [x], (g) => {
    const dx = Tensor.empty(x.shape, "float32", be);
    be.nllLossBackward(target.handle, weight?.handle ?? null, g.handle, dx.handle, rows, cols, ignoreIndex);
    return [dx];
  }, weight ? [target, weight] : [target]);
  return [losses, total];
}

/** torch.nn.functional.nll_loss over scores [..., C] (usually log-probabilities) and int32 targets [...]. */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const x = floatTensor("nllLoss: input", input);
  checkTensor("nllLoss: target", target);
  const { ignoreIndex = -100, reduction = "mean", weight: w } = checkOptions("nllLoss", options);
  checkInt("nllLoss: ignoreIndex", ignoreIndex, -(2 ** 31), 2 ** 31 - 1);
  checkReduction("nllLoss", reduction);
  checkIndexTargets("nllLoss", x, target, ignoreIndex);
  const weight = checkWeight("nllLoss", w, x.shape[x.ndim - 1], x);
  return composite([x], () => {
    const [losses, total] = nllRows(x, target, weight, ignoreIndex);
    return reduce(losses, reduction, total);
  });
}

/**
 * torch.nn.functional.cross_entropy. logits [..., C]; target either int32 class indices [...] or
 * float32 class probabilities with the logits' shape.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const logits = floatTensor("crossEntropy: input", input);
  checkTensor("crossEntropy: target", target);
  const { ignoreIndex = -100, labelSmoothing = 0, reduction = "mean", weight: w } = checkOptions("crossEntropy", options);
  checkInt("crossEntropy: ignoreIndex", ignoreIndex, -(2 ** 31), 2 ** 31 - 1);
  checkNumber("crossEntropy: labelSmoothing", labelSmoothing, 0, 1);
  checkReduction("crossEntropy", reduction);
  if (logits.ndim < 1) throw new TesseraError("E_SHAPE", `crossEntropy: input: expected [..., C] logits, received a 0-d tensor`);
  const cols = logits.shape[logits.ndim - 1];
  const weight = checkWeight("crossEntropy", w, cols, logits);
  if (target.dtype === "float32") return crossEntropyProbs(logits, target, labelSmoothing, reduction, weight);
  checkIndexTargets("crossEntropy", logits, target, ignoreIndex);
  if (weight !== null) return crossEntropyWeighted(logits, target, weight, ignoreIndex, labelSmoothing, reduction);
  const rows = target.size;
  const be = logits.backend;
  return composite([logits], () => {
    const [losses, lse, count] = Tensor.emptyMany(be, [target.shape, "float32"], [[rows], "float32"], [[], "float32"]);
    be.crossEntropyForward(logits.handle, target.handle, losses.handle, lse.handle, count.handle, rows, cols, ignoreIndex, labelSmoothing);
    // The per-row losses carry the gradient; the reductions are ordinary ops on top. "mean" divides
    // by the kept count (NaN when every target is ignored, as in PyTorch).
    const perRow = record("crossEntropy", losses, [logits], (g) => {
      const dx = Tensor.empty(logits.shape, "float32", be);
      be.crossEntropyBackward(logits.handle, target.handle, lse.handle, g.handle, dx.handle, rows, cols, ignoreIndex, labelSmoothing);
      return [dx];
    }, [logits, target], [lse]);
    return reduce(perRow, reduction, count);
  });
}

/**
 * Class weights: (1 − ε)·nll(logp, t, w) + (ε/C)·(−Σ_c w_c·logp_c) on kept rows; the mean divides
 * by Σ w[t] over kept rows (torch's formula).
 */
function crossEntropyWeighted(logits: Tensor, target: Tensor, weight: Tensor, ignoreIndex: number, eps: number, reduction: Reduction): Tensor {
  const cols = logits.shape[logits.ndim - 1];
  return composite([logits], () => {
    const logp = logSoftmax(logits, -1);
    const [nll, total] = nllRows(logp, target, weight, ignoreIndex);
    let perRow = nll;
    if (eps > 0) {
      // 1 on kept rows, 0 on ignored ones: nll of all-ones scores is −1 where a target counts.
      const ones = Tensor.empty(logits.shape, "float32", logits.backend);
      logits.backend.fill(ones.handle, ones.size, 1, "float32");
      const [negKept] = nllRows(ones, target, null, ignoreIndex);
      const smooth = mul(sum(mul(logp, weight), -1), negKept); // = −Σ w·logp on kept rows, 0 elsewhere
      perRow = mul(nll, 1 - eps).add(mul(smooth, eps / cols));
    }
    return reduce(perRow, reduction, total);
  });
}

/** Probability targets: −Σ_c w_c·p'_c·logp_c with p' = (1 − ε)·p + ε/C; the mean divides by the row count. */
function crossEntropyProbs(logits: Tensor, target: Tensor, eps: number, reduction: Reduction, weight: Tensor | null): Tensor {
  sameBackend("crossEntropy", ["input", "target"], [logits, target]);
  if (!shapesEqual(target.shape, logits.shape)) {
    throw new TesseraError("E_SHAPE", `crossEntropy: target: expected class probabilities of shape ${fmt(logits.shape)} (or int32 indices of shape ${fmt(logits.shape.slice(0, -1))}), received float32 ${fmt(target.shape)}`);
  }
  const cols = logits.shape[logits.ndim - 1];
  return composite([logits, target], () => {
    const logp = logSoftmax(logits, -1);
    const p = eps > 0 ? mul(target, 1 - eps).add(eps / cols) : target;
    const weighted = weight ? mul(mul(logp, p), weight) : mul(logp, p);
    return reduce(mul(sum(weighted, -1), -1), reduction, null);
  });
}

export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  floatTensor("mseLoss: input", input);
  floatTensor("mseLoss: target", target);
  sameBackend("mseLoss", ["input", "target"], [input, target]);
  checkReduction("mseLoss", reduction);
  if (!shapesEqual(input.shape, target.shape)) throw new TesseraError("E_SHAPE", `mseLoss: target: expected shape ${fmt(input.shape)}, received ${fmt(target.shape)}`);
  return composite([input, target], () => reduce(input.sub(target).square(), reduction, null));
}

/** Binary cross-entropy on logits, stable form: max(x,0) − x·y + log(1 + exp(−|x|)). */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  floatTensor("binaryCrossEntropyWithLogits: input", input);
  floatTensor("binaryCrossEntropyWithLogits: target", target);
  sameBackend("binaryCrossEntropyWithLogits", ["input", "target"], [input, target]);
  checkReduction("binaryCrossEntropyWithLogits", reduction);
  if (!shapesEqual(input.shape, target.shape)) throw new TesseraError("E_SHAPE", `binaryCrossEntropyWithLogits: target: expected shape ${fmt(input.shape)}, received ${fmt(target.shape)}`);
  return composite([input, target], () =>
    reduce(input.relu().sub(input.mul(target)).add(input.abs().neg().exp().add(1).log()), reduction, null));
}
