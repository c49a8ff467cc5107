// Layer normalisation over the trailing `normalizedShape` dimensions, matching
// torch.nn.functional.layer_norm (biased variance, eps inside the square root). The forward saves
// each row's mean and 1/std for the fused backward kernel.
import { TesseraError, checkNumber, describe } from "../errors.js";
import { Tensor } from "./tensor.js";
import { record } from "./autograd.js";
import { fmt, shapesEqual, sizeOf } from "./shape.js";
import { floatTensor, sameBackend } from "./check.js";

export function layerNorm(input: Tensor, normalizedShape: number | number[], w?: Tensor | null, b?: Tensor | null, eps = 1e-5): Tensor {
  const x = floatTensor("layerNorm: input", input);
  const ns = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(ns) || ns.length === 0 || ns.length > x.ndim || !shapesEqual(ns, x.shape.slice(x.ndim - ns.length))) {
    throw new TesseraError("E_SHAPE", `layerNorm: normalizedShape: expected the trailing dimensions of input ${fmt(x.shape)}, received ${describe(normalizedShape)}`);
  }
  checkNumber("layerNorm: eps", eps, 0);
  const weight = w == null ? null : floatTensor("layerNorm: weight", w);
  const bias = b == null ? null : floatTensor("layerNorm: bias", b);
  for (const [arg, p] of [["weight", weight], ["bias", bias]] as const) {
    if (p !== null && !shapesEqual(p.shape, ns)) throw new TesseraError("E_SHAPE", `layerNorm: ${arg}: expected shape ${fmt(ns)}, received ${fmt(p.shape)}`);
  }
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  sameBackend("layerNorm", ["input", ...(weight ? ["weight"] : []), ...(bias ? ["bias"] : [])], inputs);
  const cols = sizeOf(ns);
  const rows = cols === 0 ? 0 : x.size / cols;
  const be = x.backend;
  const [out, mean, rstd] = Tensor.emptyMany(be, [x.shape, "float32"], [[rows], "float32"], [[rows], "float32"]);
  be.layerNormForward(x.handle, weight?.handle ?? null, bias?.handle ?? null, out.handle, mean.handle, rstd.handle, rows, cols, eps);
  return record("layerNorm", out, inputs, (g) => {
    const dx = Tensor.empty(x.shape, "float32", be);
    const dw = weight?.requiresGrad ? Tensor.empty(weight.shape, "float32", be) : null;
    const db = bias?.requiresGrad ? Tensor.empty(bias.shape, "float32", be) : null;
    be.layerNormBackward(x.handle, weight?.handle ?? null, mean.handle, rstd.handle, g.handle, dx.handle,
      dw?.handle ?? null, db?.handle ?? null, rows, cols);
    return [dx, ...(weight ? [dw] : []), ...(bias ? [db] : [])];
  }, weight ? [x, weight] : [x], [mean, rstd]);
}
