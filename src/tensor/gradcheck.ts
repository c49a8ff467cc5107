// Gradient check by central finite differences, accumulated in float64 in TypeScript. The function
// is reduced to a scalar with fixed random weights, L = Σ w·f(x), so every output element is
// checked. The forward runs in float32, so tolerances must allow for ~1e-3 relative noise. Inputs
// are perturbed in place on their device, which must read synchronously (the CPU does).
import { TesseraError } from "../errors.js";
import { Tensor } from "./tensor.js";
import { noGrad } from "./autograd.js";
import { tidy } from "./scope.js";
import { Generator } from "./random.js";

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  maxAbsError: number;
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
}

/** Compares autograd's gradients of fn at `inputs` with finite differences. */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const { eps = 1e-2, atol = 1e-2, rtol = 1e-2, seed = 0 } = options;
  const gen = new Generator(seed);
  const probe = noGrad(() => fn(...inputs));
  const weights = Float64Array.from({ length: probe.size }, () => gen.random() * 2 - 1);
  const backend = probe.backend; // the weights live where fn's output does (not just a device name)
  probe.dispose();
  const weightT = Tensor.empty(probe.shape, "float32", backend);
  backend.write(weightT.handle, Float32Array.from(weights), "float32");

  const scalar = (): number => noGrad(() => tidy(() => {
    const y = fn(...inputs).data();
    let s = 0;
    for (let i = 0; i < y.length; i++) s += weights[i] * y[i];
    return s;
  }));

  for (const x of inputs) x.zeroGrad();
  tidy(() => fn(...inputs).mul(weightT).sum().backward());
  weightT.dispose();

  let maxAbsError = 0;
  let ok = true;
  let worst: GradcheckResult["worst"] = null;
  inputs.forEach((x, which) => {
    if (!x.requiresGrad) return;
    if (!x.grad) throw new TesseraError("E_GRAD", `gradcheck: input ${which}: expected a gradient after backward, received none`);
    const analytic = x.grad.data();
    const be = x.backend;
    const values = x.data();
    for (let i = 0; i < x.size; i++) {
      const orig = values[i];
      be.write(x.handle, [orig + eps], "float32", i);
      const up = scalar();
      be.write(x.handle, [orig - eps], "float32", i);
      const down = scalar();
      be.write(x.handle, [orig], "float32", i);
      const numeric = (up - down) / (2 * eps);
      const err = Math.abs(numeric - analytic[i]);
      if (err > maxAbsError) {
        maxAbsError = err;
        worst = { input: which, index: i, analytic: analytic[i], numeric };
      }
      if (!(err <= atol + rtol * Math.abs(numeric))) ok = false;
    }
    x.zeroGrad();
  });
  return { ok, maxAbsError, worst };
}
