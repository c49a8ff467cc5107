// What the op suites share: checks as data (a name and a function that throws on a mismatch, so
// the same case tables run in the suites and in abi-swap.test.ts), float64 comparisons with stated
// tolerances, error-code assertions, seeded inputs, and the gradient helpers (analytic backward vs
// a float64 derivative; gradcheck by finite differences). Values come back with `await t.read()`
// on every device, so the same suites run where reads are asynchronous (a GPU); a check's body is
// an async function run inside a scope that stays open across its awaits and frees what it made.
import { expect, it } from "vitest";
import { gradcheckAsync, tensor, type Tensor } from "../../src/index.js";
import { closeScope, openScope } from "../../src/tensor/scope.js";
import { referenceBackend, type DeviceContext } from "./devices.js";
import { rng } from "../kernels/util.js";

export { erf, erfc, rng } from "../kernels/util.js";

/** One forward-value check: throws (with what differed) when the device disagrees with float64. */
export interface Check {
  readonly name: string;
  readonly run: () => Promise<void>;
}

export interface Tolerance {
  /** Allowed |got − want| ≤ atol + rtol·|want|. */
  rtol: number;
  atol: number;
}

/** Registers each check as a test, inside a scope; on the reference device also checks no buffer leaked. */
export function itChecks(ctx: DeviceContext, checks: readonly Check[]): void {
  for (const c of checks) it(c.name, () => runScoped(ctx, c.run));
}

/** it() whose body runs in a scope; on the reference device the live-buffer count must not grow. */
export function itTidy(ctx: DeviceContext, name: string, fn: () => Promise<void>): void {
  it(name, () => runScoped(ctx, fn));
}

/**
 * Runs fn like tidy() does, but with the scope held open across fn's awaits (tests run one at a
 * time, so only fn's tensors join it): everything fn made is freed when it settles.
 */
export async function scoped(fn: () => Promise<void>): Promise<void> {
  const scope = openScope();
  try {
    await fn();
  } finally {
    closeScope(scope);
  }
}

async function runScoped(ctx: DeviceContext, fn: () => Promise<void>): Promise<void> {
  const before = referenceBackend.live;
  await scoped(fn);
  if (ctx.backend === referenceBackend) expect(referenceBackend.live, "reference buffers still allocated after the test").toBe(before);
}

/** t's values, read as every device allows (`await t.read()`). */
export async function values(t: Tensor): Promise<Float32Array | Int32Array> {
  return t.read();
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
export async function expectTensor(t: Tensor, shape: readonly number[], want: ArrayLike<number>, tol: Tolerance, what: string, signedZeros = false): Promise<void> {
  expectShape(t, shape, what);
  expectClose(await t.read(), want, tol, what, signedZeros);
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

/** fn (which may await reads) rejects with a TesseraError with this code (and a message matching `msg`). */
export async function expectCodeAsync(code: string, fn: () => Promise<unknown>, msg?: RegExp): Promise<void> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected a TesseraError ${code}`).toBeDefined();
  expect((err as Error).name, String(err)).toBe("TesseraError");
  expect((err as { code: string }).code, (err as Error).message).toBe(code);
  if (msg) expect((err as Error).message).toMatch(msg);
}

/**
 * An index out of range: on devices that read synchronously the op itself throws E_RANGE; elsewhere
 * the kernels check and the next read rejects with E_RANGE. Either message must match `msg`.
 */
export async function expectRangeError(make: () => Tensor | Tensor[], msg?: RegExp): Promise<void> {
  let made: Tensor | Tensor[] | null = null;
  let err: unknown;
  try {
    made = make();
  } catch (e) {
    err = e;
  }
  if (made !== null) {
    const outs = Array.isArray(made) ? made : [made];
    expect(outs[0].backend.syncRead, "a device that reads synchronously must refuse the op itself").toBe(false);
    await expectCodeAsync("E_RANGE", async () => { for (const t of outs) await t.read(); }, msg);
    return;
  }
  expect((err as Error)?.name, String(err)).toBe("TesseraError");
  expect((err as { code: string }).code, (err as Error).message).toBe("E_RANGE");
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

/** gradcheck(fn, inputs) passes (values read asynchronously); the inputs are freed by the enclosing scope. */
export async function expectGradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], what: string, atol = GRADCHECK.atol): Promise<void> {
  const r = await gradcheckAsync(fn, inputs, { ...GRADCHECK, atol, seed: 3 });
  if (!r.ok) throw new Error(`${what}: gradcheck failed, worst ${JSON.stringify(r.worst)} (max abs error ${r.maxAbsError})`);
}

/** The gradient autograd gives x for L = Σ w·y with y = fn(x), given the weights as data. */
export async function gradOf(y: Tensor, x: Tensor, weights: ArrayLike<number>): Promise<Float32Array> {
  y.backward(tensor(Float32Array.from(weights), y.shape.slice()));
  if (!x.grad) throw new Error("no gradient reached the input");
  return await x.grad.read() as Float32Array;
}
