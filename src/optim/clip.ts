// Gradient clipping as torch.nn.utils.clip_grad_norm_ and clip_grad_value_ (PyTorch 1.13).
// clipGradNorm_: the total p-norm of all gradients taken together (as if concatenated into one
// vector) from one fused pass per gradient (backend normPartial: Σ|g|^p, or max|g| for the inf norm,
// accumulated in float64), then every gradient scaled in place by maxNorm / (total + 1e-6) when that
// is below 1. Parameters without a .grad are ignored; each gradient counts once.
import { TesseraError, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";

export interface ClipGradNormOptions {
  /** Throw (E_VALUE) instead of scaling when the total norm is NaN or ±inf (default false, as torch). */
  errorIfNonfinite?: boolean;
}

/** The live float32 gradients of `parameters` (a Tensor or an iterable of them), each once. */
function gradsOf(fn: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters]
    : parameters !== null && typeof parameters === "object" && Symbol.iterator in parameters ? [...parameters]
    : fail("E_TYPE", `${fn}: parameters`, "a Tensor or an iterable of Tensors", parameters);
  const grads = new Set<Tensor>();
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) fail("E_TYPE", `${fn}: parameters[${i}]`, "a Tensor", p);
    if (p.isDisposed) throw new TesseraError("E_DISPOSED", `${fn}: parameters[${i}]: expected a live tensor, received tensor #${p.id} that was disposed`);
    const g = p.grad;
    if (g === null) return;
    if (g.isDisposed) throw new TesseraError("E_DISPOSED", `${fn}: parameters[${i}].grad: expected a live tensor, received one that was disposed`);
    grads.add(g);
  });
  return [...grads];
}

/**
 * Scales the gradients of `parameters` in place so that their total `normType`-norm is at most
 * maxNorm; returns the total norm before clipping (torch returns it as a 0-d tensor; here it is a
 * number, read from the device anyway to decide the scale). normType: any p > 0, or Infinity / "inf"
 * for max|g|. maxNorm = Infinity only measures. Reads each gradient once more to scale it when clipping.
 */
export function clipGradNorm_(parameters: Tensor | Iterable<Tensor>, maxNorm: number, normType: number | "inf" = 2,
  options: ClipGradNormOptions = {}): number {
  const fn = "clipGradNorm_";
  if (typeof maxNorm !== "number" || !(maxNorm >= 0)) fail(typeof maxNorm === "number" ? "E_RANGE" : "E_TYPE", `${fn}: maxNorm`, "a number >= 0", maxNorm);
  const p = normType === "inf" ? Infinity : normType;
  if (typeof p !== "number" || !(p > 0)) fail(typeof p === "number" ? "E_RANGE" : "E_TYPE", `${fn}: normType`, "a number > 0, Infinity or \"inf\"", normType);
  if (options === null || typeof options !== "object") fail("E_TYPE", `${fn}: options`, "an object", options);
  const { errorIfNonfinite = false } = options;
  if (typeof errorIfNonfinite !== "boolean") fail("E_TYPE", `${fn}: options.errorIfNonfinite`, "a boolean", errorIfNonfinite);
  const grads = gradsOf(fn, parameters);
  for (const g of grads) {
    if (!g.backend.syncRead) throw new TesseraError("E_DEVICE", `${fn}: expected gradients on a device that can be read synchronously, received one on ${g.backend.label}`);
  }
  if (grads.length === 0) return 0;
  let total = 0;
  if (p === Infinity) {
    for (const g of grads) total = Math.max(total, g.backend.normPartial(g.handle, g.size, p));
  } else {
    for (const g of grads) total += g.backend.normPartial(g.handle, g.size, p);
    total = p === 2 ? Math.sqrt(total) : p === 1 ? total : total ** (1 / p);
  }
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new TesseraError("E_VALUE", `${fn}: the total norm of order ${p} for gradients from \`parameters\` is non-finite (${total}), so it cannot be clipped. ` +
      "To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false");
  }
  const coef = maxNorm / (total + 1e-6);
  // torch multiplies by min(coef, 1) unconditionally; a factor of 1 changes nothing, so skip it (NaN scales)
  if (!(coef >= 1)) {
    for (const g of grads) {
      g.backend.binaryScalar("mul", g.handle, coef, g.handle, g.size, false);
      g.storage!.version++;
    }
  }
  return total;
}

/** Clamps every gradient of `parameters` to [−clipValue, clipValue] in place (NaN stays NaN). */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  const fn = "clipGradValue_";
  if (typeof clipValue !== "number" || !(clipValue >= 0)) fail(typeof clipValue === "number" ? "E_RANGE" : "E_TYPE", `${fn}: clipValue`, "a number >= 0", clipValue);
  for (const g of gradsOf(fn, parameters)) {
    g.backend.binaryScalar("maximum", g.handle, -clipValue, g.handle, g.size, false);
    g.backend.binaryScalar("minimum", g.handle, clipValue, g.handle, g.size, false);
    g.storage!.version++;
  }
}

