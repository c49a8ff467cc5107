// Gradient check by central finite differences, accumulated in float64 in TypeScript. The function
// is reduced to a scalar with fixed random weights, L = Σ w·f(x), so every output element is
// checked. The forward runs in float32, so tolerances must allow for ~1e-3 relative noise. Inputs
// are perturbed in place on their device, which must read synchronously (the CPU does).
import { TesseraError, checkNumber, fail } from "../errors.js";
import { Tensor } from "./tensor.js";
import { checkTensor } from "./check.js";
import { noGrad } from "./autograd.js";
import { tidy } from "./scope.js";
import { tensor } from "./creation.js";
import { Generator } from "./random.js";
import { sizeOf } from "./shape.js";

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
  if (typeof fn !== "function") fail("E_TYPE", "gradcheck: fn", "a function", fn);
  if (!Array.isArray(inputs)) fail("E_TYPE", "gradcheck: inputs", "an array of tensors", inputs);
  inputs.forEach((x, i) => checkTensor(`gradcheck: inputs[${i}]`, x));
  if (options === null || typeof options !== "object") fail("E_TYPE", "gradcheck: options", "an object", options);
  const { eps = 1e-2, atol = 1e-2, rtol = 1e-2, seed = 0 } = options;
  checkNumber("gradcheck: options.eps", eps, Number.MIN_VALUE);
  checkNumber("gradcheck: options.atol", atol, 0);
  checkNumber("gradcheck: options.rtol", rtol, 0);
  const gen = new Generator(seed);
  // the probe and fn's intermediates are freed by the tidy (an input that fn returns is not)
  const [shape, device] = noGrad(() => tidy(() => {
    const probe = fn(...inputs);
    if (!(probe instanceof Tensor)) fail("E_TYPE", "gradcheck: fn", "a function that returns a Tensor", probe);
    return [probe.shape.slice(), probe.device] as const;
  }));
  const weights = Float64Array.from({ length: sizeOf(shape) }, () => gen.random() * 2 - 1);
  const weightT = tensor(Float32Array.from(weights), shape, { device });

  const scalar = (): number => noGrad(() => tidy(() => {
    const y = fn(...inputs).data();
    let s = 0;
    for (let i = 0; i < y.length; i++) s += weights[i] * y[i];
    return s;
  }));

  for (const x of inputs) x.zeroGrad();
  try {
    tidy(() => fn(...inputs).mul(weightT).sum().backward());
  } finally {
    weightT.dispose(); // also when backward is refused (no input requires grad)
  }

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
      let up: number, down: number;
      try {
        be.write(x.handle, [orig + eps], "float32", i);
        up = scalar();
        be.write(x.handle, [orig - eps], "float32", i);
        down = scalar();
      } finally {
        be.write(x.handle, [orig], "float32", i); // the input is restored even if fn throws
      }
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
