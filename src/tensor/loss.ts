// Losses from logits: cross-entropy matching torch.nn.functional.cross_entropy (ignoreIndex,
// default −100; labelSmoothing; reduction mean | sum | none), MSE and BCE-with-logits composed
// from elementwise ops. Mean cross-entropy divides by the number of non-ignored targets.
import { TesseraError, checkInt, checkNumber, describe } from "../errors.js";
import { Tensor } from "./tensor.js";
import { composite, record } from "./autograd.js";
import { fmt, shapesEqual } from "./shape.js";
import { checkInt32, checkTensor, floatTensor, sameBackend } from "./check.js";
import { mean, sum } from "./reduce.js";
import { div } from "./elementwise.js";

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
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const logits = floatTensor("crossEntropy: input", input);
  const targets = checkInt32("crossEntropy: target", checkTensor("crossEntropy: target", target), "int32 class indices");
  sameBackend("crossEntropy", ["input", "target"], [logits, targets]);
  if (options === null || typeof options !== "object") throw new TesseraError("E_TYPE", `crossEntropy: options: expected an object, received ${describe(options)}`);
  const { ignoreIndex = -100, labelSmoothing = 0, reduction = "mean" } = options;
  checkInt("crossEntropy: ignoreIndex", ignoreIndex, -(2 ** 31), 2 ** 31 - 1);
  checkNumber("crossEntropy: labelSmoothing", labelSmoothing, 0, 1);
  checkReduction("crossEntropy", reduction);
  if (logits.ndim < 1 || !shapesEqual(targets.shape, logits.shape.slice(0, -1))) {
    throw new TesseraError("E_SHAPE", `crossEntropy: target: expected shape ${fmt(logits.shape.slice(0, -1))} for input ${fmt(logits.shape)}, received ${fmt(targets.shape)}`);
  }
  const cols = logits.shape[logits.ndim - 1];
  const rows = targets.size;
  const be = logits.backend;
  if (be.syncRead && rows > 0) {
    const at = be.findOutOfRange(targets.handle, rows, 0, cols - 1, ignoreIndex);
    if (at >= 0) {
      const v = be.readSync(targets.handle, at + 1, "int32")[at];
      throw new TesseraError("E_RANGE", `crossEntropy: target[${at}]: expected a class in [0, ${cols - 1}] or ignoreIndex ${ignoreIndex}, received ${v}`);
    }
  }
  return composite([logits], () => {
    const [losses, lse, count] = Tensor.emptyMany(be, [targets.shape, "float32"], [[rows], "float32"], [[], "float32"]);
    be.crossEntropyForward(logits.handle, targets.handle, losses.handle, lse.handle, count.handle, rows, cols, ignoreIndex, labelSmoothing);
    // The per-row losses carry the gradient; the reductions are ordinary ops on top.
    const perRow = record("crossEntropy", losses, [logits], (g) => {
      const dx = Tensor.empty(logits.shape, "float32", be);
      be.crossEntropyBackward(logits.handle, targets.handle, lse.handle, g.handle, dx.handle, rows, cols, ignoreIndex, labelSmoothing);
      return [dx];
    }, [logits, targets], [lse]);
    if (reduction === "none") return perRow;
    // "mean" divides by the kept count (NaN when every target is ignored, as in PyTorch).
    return reduction === "sum" ? sum(perRow) : div(sum(perRow), count);
  });
}

export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  floatTensor("mseLoss: input", input);
  floatTensor("mseLoss: target", target);
  sameBackend("mseLoss", ["input", "target"], [input, target]);
  checkReduction("mseLoss", reduction);
  if (!shapesEqual(input.shape, target.shape)) throw new TesseraError("E_SHAPE", `mseLoss: target: expected shape ${fmt(input.shape)}, received ${fmt(target.shape)}`);
  return composite([input, target], () => {
    const sq = input.sub(target).square();
    return reduction === "none" ? sq : reduction === "mean" ? mean(sq) : sum(sq);
  });
}

/** Binary cross-entropy on logits, stable form: max(x,0) − x·y + log(1 + exp(−|x|)). */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  floatTensor("binaryCrossEntropyWithLogits: input", input);
  floatTensor("binaryCrossEntropyWithLogits: target", target);
  sameBackend("binaryCrossEntropyWithLogits", ["input", "target"], [input, target]);
  checkReduction("binaryCrossEntropyWithLogits", reduction);
  if (!shapesEqual(input.shape, target.shape)) throw new TesseraError("E_SHAPE", `binaryCrossEntropyWithLogits: target: expected shape ${fmt(input.shape)}, received ${fmt(target.shape)}`);
  return composite([input, target], () => {
    const loss = input.relu().sub(input.mul(target)).add(input.abs().neg().exp().add(1).log());
    return reduction === "none" ? loss : reduction === "mean" ? mean(loss) : sum(loss);
  });
}
