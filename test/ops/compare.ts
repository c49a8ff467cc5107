// What the op suites share: checks as data (a name and a function that throws on a mismatch, so
// the same case tables run in the suites and in abi-swap.test.ts), float64 comparisons with stated
// tolerances, error-code assertions, seeded inputs, and the gradient helpers (analytic backward vs
// a float64 derivative; gradcheck by finite differences).
import { expect, it } from "vitest";
import { gradcheck, tensor, tidy, type Tensor } from "../../src/index.js";
import { referenceBackend, type DeviceContext } from "./devices.js";
import { rng } from "../kernels/util.js";

export { erf, erfc, rng } from "../kernels/util.js";

/** One forward-value check: throws (with what differed) when the device disagrees with float64. */
export interface Check {
  readonly name: string;
  readonly run: () => void;
}

export interface Tolerance {
  /** Allowed |got − want| ≤ atol + rtol·|want|. */
  rtol: number;
  atol: number;
}

/** Registers each check as a test, inside tidy(); on the reference device also checks no buffer leaked. */
export function itChecks(ctx: DeviceContext, checks: readonly Check[]): void {
  for (const c of checks) it(c.name, () => runTidy(ctx, c.run));
}

/** it() whose body runs in tidy(); on the reference device the live-buffer count must not grow. */
export function itTidy(ctx: DeviceContext, name: string, fn: () => void): void {
  it(name, () => runTidy(ctx, fn));
}

function runTidy(ctx: DeviceContext, fn: () => void): void {
  const before = referenceBackend.live;
  tidy(fn);
  if (ctx.backend === referenceBackend) expect(referenceBackend.live, "reference buffers still allocated after the test").toBe(before);
}

const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

/**
 * Fails at the first index where |got − want| > atol + rtol·|want|; NaN must meet NaN and ±∞ the
 * same infinity. With signedZeros, a zero must also carry the expected sign.
 */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, what: string, signedZeros = false): void {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} values, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    let ok = same(g, w) || (Number.isFinite(w) && Math.abs(g - w) <= tol.atol + tol.rtol * Math.abs(w));
    if (ok && signedZeros && w === 0 && Object.is(w, -0) !== Object.is(g, -0)) ok = false;
    if (!ok) throw new Error(`${what}[${i}]: got ${fmtNum(g)}, expected ${fmtNum(w)} (rtol ${tol.rtol}, atol ${tol.atol})`);
  }
}

/** Fails where |got − want| > bound[i] (a per-element error bound, e.g. of float32 summation). */
export function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, bound: ArrayLike<number>, what: string): void {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} values, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    if (!(same(got[i], want[i]) || Math.abs(got[i] - want[i]) <= bound[i])) {
      throw new Error(`${what}[${i}]: got ${fmtNum(got[i])}, expected ${fmtNum(want[i])} ± ${bound[i]}`);
    }
  }
}

const fmtNum = (v: number) => (Object.is(v, -0) ? "-0" : String(v));

export function expectShape(t: Tensor, shape: readonly number[], what: string): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${what}: shape [${t.shape.join(", ")}], expected [${shape.join(", ")}]`);
  }
}

/** Shape and values of t against a float64 reference. */
export function expectTensor(t: Tensor, shape: readonly number[], want: ArrayLike<number>, tol: Tolerance, what: string, signedZeros = false): void {
  expectShape(t, shape, what);
  expectClose(t.data(), want, tol, what, signedZeros);
}

/** fn throws a TesseraError with this code (and a message matching `msg`). */
export function expectCode(code: string, fn: () => unknown, msg?: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected a TesseraError ${code}`).toBeDefined();
  expect((err as Error).name, String(err)).toBe("TesseraError");
  expect((err as { code: string }).code, (err as Error).message).toBe(code);
  if (msg) expect((err as Error).message).toMatch(msg);
}

/** n uniform values in [lo, hi) from a seeded generator, as float32 (the numbers the device sees). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.fround(lo + (r() + 1) / 2 * (hi - lo)));
}

export const sizeOf = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);

/** A float32 tensor of `shape` with seeded uniform values on the default device. */
export function randT(shape: readonly number[], seed: number, lo = -1, hi = 1, requiresGrad = false): Tensor {
  return tensor(uniform(sizeOf(shape), seed, lo, hi), shape.slice(), { requiresGrad });
}

export function intT(values: number[], shape?: number[]): Tensor {
  return tensor(values, shape, { dtype: "int32" });
}

/** Contiguous strides of shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** The multi-index of flat element k of shape. */
export function unravel(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = k % shape[d];
    k = Math.floor(k / shape[d]);
  }
  return idx;
}

// Finite differences: eps 1e-2 in float32 forwards, float64 accumulation (src/tensor/gradcheck.ts);
// atol = rtol = 1e-2 because float32 forwards carry ~1e-4 relative noise that 1/(2·eps) amplifies.
export const GRADCHECK = { eps: 1e-2, atol: 1e-2, rtol: 1e-2 };

/** gradcheck(fn, inputs) passes; the inputs are disposed by the enclosing tidy. */
export function expectGradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], what: string, atol = GRADCHECK.atol): void {
  const r = gradcheck(fn, inputs, { ...GRADCHECK, atol, seed: 3 });
  if (!r.ok) throw new Error(`${what}: gradcheck failed, worst ${JSON.stringify(r.worst)} (max abs error ${r.maxAbsError})`);
}

/** The gradient autograd gives x for L = Σ w·y with y = fn(x), given the weights as data. */
export function gradOf(y: Tensor, x: Tensor, weights: ArrayLike<number>): Float32Array {
  y.backward(tensor(Float32Array.from(weights), y.shape.slice()));
  if (!x.grad) throw new Error("no gradient reached the input");
  return x.grad.data() as Float32Array;
}
