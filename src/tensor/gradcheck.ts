// Gradient check by central finite differences, accumulated in float64 in TypeScript. The function
// is reduced to a scalar with fixed random weights, L = Σ w·f(x), so every output element is
// checked. The forward runs in float32, so tolerances must allow for ~1e-3 relative noise. Inputs
// are perturbed in place on their device. One procedure, written as a generator that yields the
// tensors whose values it needs: gradcheck reads them synchronously (CPU devices), gradcheckAsync
// awaits t.read() (any device, a GPU included).
import { TesseraError, checkNumber, fail } from "../errors.js";
import { Tensor } from "./tensor.js";
import { checkTensor } from "./check.js";
import { noGrad } from "./autograd.js";
import { tidy } from "./scope.js";
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

type Values = Float32Array | Int32Array;

/** The check; each `yield t` hands back t's values (and the caller disposes t if it was temporary). */
function* check(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions): Iterator<[Tensor, boolean], GradcheckResult, Values> {
  if (typeof fn !== "function") fail("E_TYPE", "gradcheck: fn", "a function", fn);
  if (!Array.isArray(inputs)) fail("E_TYPE", "gradcheck: inputs", "an array of tensors", inputs);
  inputs.forEach((x, i) => checkTensor(`gradcheck: inputs[${i}]`, x));
  if (options === null || typeof options !== "object") fail("E_TYPE", "gradcheck: options", "an object", options);
  const { eps = 1e-2, atol = 1e-2, rtol = 1e-2, seed = 0 } = options;
  checkNumber("gradcheck: options.eps", eps, Number.MIN_VALUE);
  checkNumber("gradcheck: options.atol", atol, 0);
  checkNumber("gradcheck: options.rtol", rtol, 0);
  const gen = new Generator(seed);
  // the probe and fn's intermediates are freed by the tidy (an input that fn returns is not); the
  // weights live where fn's output does (its backend, not just a device name)
  const [shape, backend] = noGrad(() => tidy(() => {
    const probe = fn(...inputs);
    if (!(probe instanceof Tensor)) fail("E_TYPE", "gradcheck: fn", "a function that returns a Tensor", probe);
    return [probe.shape.slice(), probe.backend] as const;
  }));
  const weights = Float64Array.from({ length: sizeOf(shape) }, () => gen.random() * 2 - 1);

  // fn's output at the current inputs, its intermediates freed; the driver frees it once read
  // (unless fn returned an input itself).
  const output = (): [Tensor, boolean] => {
    const y = noGrad(() => tidy(() => fn(...inputs)));
    return [y, !inputs.includes(y)];
  };
  const weighted = (y: Values): number => {
    let s = 0;
    for (let i = 0; i < y.length; i++) s += weights[i] * y[i];
    return s;
  };

  for (const x of inputs) x.zeroGrad();
  const weightT = Tensor.empty(shape, "float32", backend);
  try {
    backend.write(weightT.handle, Float32Array.from(weights), "float32");
    tidy(() => fn(...inputs).mul(weightT).sum().backward());
  } finally {
    weightT.dispose(); // also when the write or backward fails (no input requires grad)
  }

  let maxAbsError = 0;
  let ok = true;
  let worst: GradcheckResult["worst"] = null;
  for (let which = 0; which < inputs.length; which++) {
    const x = inputs[which];
    if (!x.requiresGrad) continue;
    if (!x.grad) throw new TesseraError("E_GRAD", `gradcheck: input ${which}: expected a gradient after backward, received none`);
    const analytic = yield [x.grad, false];
    const be = x.backend;
    const values = yield [x, false];
    for (let i = 0; i < x.size; i++) {
      const orig = values[i];
      let up: number, down: number;
      try {
        be.write(x.handle, [orig + eps], "float32", i);
        up = weighted(yield output());
        be.write(x.handle, [orig - eps], "float32", i);
        down = weighted(yield output());
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
  }
  return { ok, maxAbsError, worst };
}

/** Compares autograd's gradients of fn at `inputs` with finite differences (devices that read synchronously). */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const it = check(fn, inputs, options);
  let step = it.next();
  while (!step.done) {
    const [t, temporary] = step.value;
    const v = t.data();
    if (temporary) t.dispose();
    step = it.next(v);
  }
  return step.value;
}

/** gradcheck on any device: values are read with `await t.read()` (a GPU included). */
export async function gradcheckAsync(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): Promise<GradcheckResult> {
  const it = check(fn, inputs, options);
  let step = it.next();
  while (!step.done) {
    const [t, temporary] = step.value;
    const v = await t.read();
    if (temporary) t.dispose();
    step = it.next(v);
  }
  return step.value;
}
