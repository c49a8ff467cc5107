// Layer normalisation over the trailing `normalizedShape` dimensions, matching
// torch.nn.functional.layer_norm (biased variance, eps inside the square root). The forward saves
// each row's mean and 1/std for the fused backward kernel.
import { TesseraError, checkNumber } from "../errors.js";
import { cpuBackend } from "../backend/cpu-wasm.js";
import { Tensor } from "./tensor.js";
import { record } from "./autograd.js";
import { fmt, shapesEqual, sizeOf } from "./shape.js";
import { checkFloat, checkTensor } from "./creation.js";

export function layerNorm(x: Tensor, normalizedShape: number | number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  checkFloat("layerNorm: input", checkTensor("layerNorm: input", x));
  const ns = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(ns) || ns.length === 0 || ns.length > x.ndim || !shapesEqual(ns, x.shape.slice(x.ndim - ns.length))) {
    throw new TesseraError("E_SHAPE", `layerNorm: normalizedShape: expected the trailing dimensions of input ${fmt(x.shape)}, received ${JSON.stringify(normalizedShape)}`);
  }
  checkNumber("layerNorm: eps", eps, 0);
  for (const [arg, p] of [["weight", weight], ["bias", bias]] as const) {
    if (p == null) continue;
    checkFloat(`layerNorm: ${arg}`, checkTensor(`layerNorm: ${arg}`, p));
    if (!shapesEqual(p.shape, ns)) throw new TesseraError("E_SHAPE", `layerNorm: ${arg}: expected shape ${fmt(ns)}, received ${fmt(p.shape)}`);
  }
  const cols = sizeOf(ns);
  const rows = cols === 0 ? 0 : x.size / cols;
  const be = cpuBackend();
  const out = Tensor.empty(x.shape);
  const mean = Tensor.empty([rows]);
  const rstd = Tensor.empty([rows]);
  be.layerNormForwardF32(x.ptr, weight ? weight.ptr : 0, bias ? bias.ptr : 0, out.ptr, mean.ptr, rstd.ptr, rows, cols, eps);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return record("layerNorm", out, inputs, (g) => {
    const dx = Tensor.empty(x.shape);
    const dw = weight?.requiresGrad ? Tensor.empty(weight.shape) : null;
    const db = bias?.requiresGrad ? Tensor.empty(bias.shape) : null;
    be.layerNormBackwardF32(x.ptr, weight ? weight.ptr : 0, mean.ptr, rstd.ptr, g.ptr, dx.ptr, dw ? dw.ptr : 0, db ? db.ptr : 0, rows, cols);
    return [dx, ...(weight ? [dw] : []), ...(bias ? [db] : [])];
  }, [mean, rstd]);
}
