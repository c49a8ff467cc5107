// Gradient check by central finite differences, accumulated in float64 in TypeScript. The function
// is reduced to a scalar with fixed random weights, L = Σ w·f(x), so every output element is
// checked. The forward runs in float32, so tolerances must allow for ~1e-3 relative noise. Inputs
// are perturbed in place on their device. One procedure, written as a generator that yields the
// tensors whose values it needs: gradcheck reads them synchronously (CPU devices), gradcheckAsync
// awaits t.read() (any device, a GPU included).
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

type Values = Float32Array | Int32Array;

/** The check; each `yield t` hands back t's values (and the caller disposes t if it was temporary). */
function* check(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions): Iterator<[Tensor, boolean], GradcheckResult, Values> {
  const { eps = 1e-2, atol = 1e-2, rtol = 1e-2, seed = 0 } = options;
  const gen = new Generator(seed);
  const probe = noGrad(() => fn(...inputs));
  const weights = Float64Array.from({ length: probe.size }, () => gen.random() * 2 - 1);
  const backend = probe.backend; // the weights live where fn's output does (not just a device name)
  probe.dispose();
  const weightT = Tensor.empty(probe.shape, "float32", backend);
  backend.write(weightT.handle, Float32Array.from(weights), "float32");

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
  tidy(() => fn(...inputs).mul(weightT).sum().backward());
  weightT.dispose();

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
      be.write(x.handle, [orig + eps], "float32", i);
      const up = weighted(yield output());
      be.write(x.handle, [orig - eps], "float32", i);
      const down = weighted(yield output());
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
