// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_: the L2 norm of all
// gradients together; when it exceeds maxNorm every gradient is scaled by maxNorm / (norm + 1e-6).
// Composed from tensor ops in place on .grad; fit uses it until optim.clipGradNorm_ exists.
import type { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../tensor/autograd.js";
import { tidy } from "../tensor/scope.js";

/** Clips the gradients of `params` in place; returns the total norm before clipping (may be NaN/Infinity). */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  return noGrad(() => tidy(() => {
    const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
    if (grads.length === 0) return 0;
    let total = grads[0].square().sum();
    for (let i = 1; i < grads.length; i++) total = total.add(grads[i].square().sum());
    const norm = Math.sqrt(total.item());
    const coef = maxNorm / (norm + 1e-6);
    if (Number.isFinite(norm) && coef < 1) for (const g of grads) g.copy_(g.mul(coef));
    return norm;
  }));
}
