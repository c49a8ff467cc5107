// Losses from logits: cross-entropy matching torch.nn.functional.cross_entropy (ignoreIndex,
// default −100; labelSmoothing; reduction mean | sum | none), MSE and BCE-with-logits composed
// from elementwise ops. Mean cross-entropy divides by the number of non-ignored targets.
import { TesseraError, checkInt, checkNumber, describe } from "../errors.js";
import { cpuBackend } from "../backend/cpu-wasm.js";
import { heapI32 } from "../runtime/wasm.js";
import { Tensor } from "./tensor.js";
import { composite, record } from "./autograd.js";
import { withI32Arrays } from "./scratch.js";
import { fmt, shapesEqual } from "./shape.js";
import { checkFloat, checkTensor } from "./creation.js";
import { mean, sum } from "./reduce.js";
import { Binary } from "../backend/backend.js";

export type Reduction = "mean" | "sum" | "none";

export interface CrossEntropyOptions {
  ignoreIndex?: number;
  labelSmoothing?: number;
  reduction?: Reduction;
}

function checkReduction(fn: string, r: unknown): Reduction {
  if (r !== "mean" && r !== "sum" && r !== "none") throw new TesseraError("E_VALUE", `${fn}: reduction: expected "mean", "sum" or "none", received ${describe(r)}`);
  return r;
}

/** logits [N, C] (or [..., C]) and int32 targets [N] (or [...]): the loss. */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  checkFloat("crossEntropy: input", checkTensor("crossEntropy: input", logits));
  checkTensor("crossEntropy: target", target);
  if (target.dtype !== "int32") throw new TesseraError("E_DTYPE", `crossEntropy: target: expected int32 class indices, received ${target.dtype}`);
  const { ignoreIndex = -100, labelSmoothing = 0, reduction = "mean" } = options;
  checkInt("crossEntropy: ignoreIndex", ignoreIndex);
  checkNumber("crossEntropy: labelSmoothing", labelSmoothing, 0, 1);
  checkReduction("crossEntropy", reduction);
  if (logits.ndim < 1 || !shapesEqual(target.shape, logits.shape.slice(0, -1))) {
    throw new TesseraError("E_SHAPE", `crossEntropy: target: expected shape ${fmt(logits.shape.slice(0, -1))} for input ${fmt(logits.shape)}, received ${fmt(target.shape)}`);
  }
  const cols = logits.shape[logits.ndim - 1];
  const rows = target.size;
  const t = heapI32();
  for (let i = 0, p = target.ptr >>> 2; i < rows; i++) {
    const v = t[p + i];
    if (v !== ignoreIndex && (v < 0 || v >= cols)) {
      throw new TesseraError("E_RANGE", `crossEntropy: target[${i}]: expected a class in [0, ${cols - 1}] or ignoreIndex ${ignoreIndex}, received ${v}`);
    }
  }
  const be = cpuBackend();
  const losses = Tensor.empty(target.shape);
  const lse = Tensor.empty([rows]);
  const count = be.crossEntropyForwardF32(logits.ptr, target.ptr, losses.ptr, lse.ptr, rows, cols, ignoreIndex, labelSmoothing);
  // The per-row losses carry the gradient; reductions are ordinary ops on top, except that "mean"
  // divides by the kept count (NaN when every target is ignored, as in PyTorch).
  const perRow = record("crossEntropy", losses, [logits], (g) => {
    const dx = Tensor.empty(logits.shape);
    be.crossEntropyBackwardF32(logits.ptr, target.ptr, lse.ptr, dx.ptr, rows, cols, ignoreIndex, labelSmoothing, 1);
    // each row times its upstream gradient: dx [rows, cols] *= g [rows, 1] (broadcast, in place)
    withI32Arrays([[rows, cols], [cols, 1], [1, 0]], (sp, as, bs) => be.binaryBroadcastF32(Binary.mul, dx.ptr, g.ptr, dx.ptr, 2, sp, as, bs));
    return [dx];
  }, [lse]);
  if (reduction === "none") return perRow;
  // "mean" divides by the kept count (NaN when every target is ignored, as in PyTorch).
  const out = composite([perRow], () => (reduction === "sum" ? sum(perRow) : sum(perRow).div(count)));
  if (!perRow.requiresGrad) perRow.dispose();
  return out;
}

export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  checkFloat("mseLoss: input", checkTensor("mseLoss: input", input));
  checkFloat("mseLoss: target", checkTensor("mseLoss: target", target));
  checkReduction("mseLoss", reduction);
  if (!shapesEqual(input.shape, target.shape)) throw new TesseraError("E_SHAPE", `mseLoss: target: expected shape ${fmt(input.shape)}, received ${fmt(target.shape)}`);
  return composite([input, target], () => {
    const sq = input.sub(target).square();
    return reduction === "none" ? sq : reduction === "mean" ? mean(sq) : sum(sq);
  });
}

/** Binary cross-entropy on logits, stable form: max(x,0) − x·y + log(1 + exp(−|x|)). */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  checkFloat("binaryCrossEntropyWithLogits: input", checkTensor("binaryCrossEntropyWithLogits: input", input));
  checkFloat("binaryCrossEntropyWithLogits: target", checkTensor("binaryCrossEntropyWithLogits: target", target));
  checkReduction("binaryCrossEntropyWithLogits", reduction);
  if (!shapesEqual(input.shape, target.shape)) throw new TesseraError("E_SHAPE", `binaryCrossEntropyWithLogits: target: expected shape ${fmt(input.shape)}, received ${fmt(target.shape)}`);
  return composite([input, target], () => {
    const loss = input.relu().sub(input.mul(target)).add(input.abs().neg().exp().add(1).log());
    return reduction === "none" ? loss : reduction === "mean" ? mean(loss) : sum(loss);
  });
}
