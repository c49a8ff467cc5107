// A float64 reference of tessera's tensor API for the fuzzers: PyTorch's semantics (checked
// against torch 1.13 where they are subtle) plus the validation rules tessera documents where it
// deliberately differs (noted at each rule). Every function takes the same arguments as the public
// call, with each live Tensor replaced by an RT (its values as float64) and a disposed one by
// DISPOSED; it throws Invalid where tessera must throw a TesseraError, TooBig where the result
// cannot fit in WASM memory (E_OOM), and otherwise returns the expected result with a per-element
// tolerance: 0 for ops that round once (exact after Math.fround), an error bound for the others.
import { Generator } from "../../src/index.js";

export type DT = "float32" | "int32";
/** How each result is rounded: to float32 (the default: what tessera's ops compute), or not at all. */
let f: (x: number) => number = Math.fround;
/** Float64 throughout, for the autograd fuzz's finite differences; off again with false. */
export function exactFloat64(on: boolean): void {
  f = on ? (x) => x : Math.fround;
}
/** x rounded as the reference rounds results (float32, or not at all under exactFloat64). */
export const round = (x: number): number => f(x);
/** Unit roundoff of float32. */
export const U = 2 ** -24;
export const FLT_MAX = 3.4028234663852886e38;
/** The most elements tessera allows (sizes are int32) and the bytes WASM memory can hold (2 GiB). */
export const MAX_ELEMENTS = 2 ** 31 - 1;
export const MAX_BYTES = 2 ** 31;
/** Bigger results are not computed by the reference (the fuzzer never asks for them on purpose). */
const REF_LIMIT = 2 ** 23;
/** γ_n of Higham's summation bound: any order of n float32 additions errs by at most γ_n·Σ|x|. */
const gamma = (n: number) => (n * U) / Math.max(1e-3, 1 - n * U);

export class Invalid extends Error {
  override name = "Invalid";
}
export class TooBig extends Error {
  override name = "TooBig";
  constructor(readonly elements: number) {
    super(`${elements} elements`);
  }
}
/** Calls whose outcome tessera does not define (a Tensor passed as an options object): either is fine. */
export class Unspecified extends Error {
  override name = "Unspecified";
}
const invalid = (why: string): never => {
  throw new Invalid(why);
};

/** A reference tensor: float64 values in row-major order. */
export class RT {
  /** Per-element absolute tolerance (NaN: order-dependent overflow, not checked); null: exact. */
  tol: Float64Array | null = null;
  /** Whether the sign of a zero must match (ops that round once, and copies). */
  signedZeros = true;
  /** dropout: each element is x·0 or x·scale (the mask is random). */
  dropoutScale: number | null = null;
  requiresGrad = false;
  constructor(readonly shape: number[], readonly data: Float64Array, readonly dtype: DT = "float32") {}
  get size(): number {
    return this.data.length;
  }
  get ndim(): number {
    return this.shape.length;
  }
}

/** Stands for a disposed tensor argument. */
export const DISPOSED = Object.freeze({ disposed: true });

export interface Ctx {
  gradEnabled: boolean;
}

// ---- argument checks (what tessera validates, in PyTorch's terms) ----

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === "number";
const sizeOf = (s: readonly number[]) => s.reduce((n, d) => n * d, 1);

function tensorArg(what: string, v: unknown): RT {
  if (v === DISPOSED) invalid(`${what}: disposed`);
  if (!(v instanceof RT)) invalid(`${what}: not a tensor`);
  return v as RT;
}
function floatArg(what: string, v: unknown): RT {
  const t = tensorArg(what, v);
  if (t.dtype !== "float32") invalid(`${what}: int32 where float32 is needed`);
  return t;
}
function intTensorArg(what: string, v: unknown): RT {
  const t = tensorArg(what, v);
  if (t.dtype !== "int32") invalid(`${what}: float32 where int32 is needed`);
  return t;
}
function boolArg(what: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") invalid(`${what}: not a boolean`);
  return v as boolean;
}
/** An axis of an ndim-d tensor; a 0-d tensor has axis 0 / −1 (PyTorch's wrap rule). */
function axisArg(what: string, v: unknown, ndim: number): number {
  const n = Math.max(ndim, 1);
  if (!isInt(v) || v < -n || v >= n) invalid(`${what}: axis ${String(v)} out of range for ${ndim}-d`);
  return (v as number) < 0 ? (v as number) + n : (v as number);
}
function finiteArg(what: string, v: unknown, lo = -Infinity, hi = Infinity): number {
  if (!isNum(v) || !Number.isFinite(v) || v < lo || v > hi) invalid(`${what}: ${String(v)} not a finite number in [${lo}, ${hi}]`);
  return v as number;
}
/** A shape: at most 64 non-negative integer dims and fewer than 2^31 elements (tessera's sizes are int32). */
export function shapeArg(what: string, v: unknown): number[] {
  if (!Array.isArray(v)) invalid(`${what}: not an array`);
  const s = v as unknown[];
  if (s.some((d) => !isInt(d) || d < 0)) invalid(`${what}: not non-negative integers`);
  if (s.length > 64) invalid(`${what}: more than 64 dims`);
  if (sizeOf(s as number[]) > MAX_ELEMENTS) invalid(`${what}: 2^31 elements or more`);
  return (s as number[]).slice();
}
/** A new result of `shape`: TooBig when it cannot be allocated (E_OOM) or the reference would not compute it. */
function alloc(shape: number[], dtype: DT = "float32"): RT {
  const n = sizeOf(shape);
  if (n > REF_LIMIT) throw new TooBig(n);
  return new RT(shape, new Float64Array(n), dtype);
}
const strides = (s: readonly number[]) => {
  const out = new Array<number>(s.length);
  for (let i = s.length - 1, acc = 1; i >= 0; acc *= s[i], i--) out[i] = acc;
  return out;
};

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1, db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) invalid(`shapes ${JSON.stringify(a)} and ${JSON.stringify(b)} do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}
/** For each flat index of `out`, the flat index into a tensor of `shape` broadcast to it. */
function broadcastIndex(shape: readonly number[], out: readonly number[]): Int32Array {
  const n = sizeOf(out);
  const idx = new Int32Array(n);
  const s = strides(shape), os = strides(out), off = out.length - shape.length;
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (let d = off; d < out.length; d++) {
      const c = Math.floor(i / os[d]) % out[d];
      if (shape[d - off] !== 1) j += c * s[d - off];
    }
    idx[i] = j;
  }
  return idx;
}

// ---- elementwise ----

/** erfc in float64: the Taylor series of erf below 0.5, Lentz's continued fraction above (~1e-15 relative). */
function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const z = Math.abs(x);
  let r: number;
  if (z > 27) r = 0; // below the smallest double
  else if (z < 0.5) {
    // erf series
    let sum = z, term = z;
    const z2 = z * z;
    for (let k = 1; k < 60; k++) {
      term *= -z2 / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const erf = (2 / Math.sqrt(Math.PI)) * sum;
    r = 1 - erf;
  } else {
    // Lentz continued fraction for erfc(z) = exp(−z²)/√π · 1/(z + 1/2/(z + 1/(z + 3/2/(z + …))))
    let fv = z, C = z, D = 0;
    for (let k = 1; k < 500; k++) {
      const a = k / 2;
      D = z + a * D;
      D = D === 0 ? 1e-300 : 1 / D;
      C = z + a / C;
      if (C === 0) C = 1e-300;
      const delta = C * D;
      fv *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    r = Math.exp(-z * z) / Math.sqrt(Math.PI) / fv;
  }
  return x < 0 ? 2 - r : r;
}

/** pow with C's (and torch's) special cases, which Math.pow does not share: 1^y = 1, (−1)^±∞ = 1. */
function cpow(x: number, p: number): number {
  if (x === 1 || p === 0) return 1;
  if (x === -1 && (p === Infinity || p === -Infinity)) return 1;
  return Math.pow(x, p);
}

export type UnaryName = "neg" | "exp" | "log" | "sqrt" | "tanh" | "sigmoid" | "relu" | "gelu" | "silu" | "abs" | "square";

/** The value and tolerance (absolute, from x and the value) of each unary op. */
const UNARY: Record<UnaryName, [(x: number) => number, ((x: number, y: number) => number) | 0]> = {
  neg: [(x) => -x, 0],
  abs: [(x) => Math.abs(x), 0],
  square: [(x) => x * x, 0],
  sqrt: [(x) => Math.sqrt(x), 0],
  // torch.relu keeps NaN and −0
  relu: [(x) => (x < 0 ? 0 : x), 0],
  // Cephes expf: ~1 ulp; results under 2^-126 may flush to 0
  exp: [(x) => Math.exp(x), (_x, y) => 4 * U * Math.abs(y) + 1e-37],
  log: [(x) => Math.log(x), (_x, y) => 2 * U * Math.abs(y) + 1e-37],
  tanh: [(x) => Math.tanh(x), (_x, y) => 8 * U * Math.abs(y) + 1e-37],
  sigmoid: [(x) => 1 / (1 + Math.exp(-x)), (_x, y) => 8 * U * Math.abs(y) + 1e-37],
  // x·sigmoid(x): sigmoid is 0 once e^−x overflows (x < −88.7), where silu is still ≈ −3e-37
  silu: [(x) => x / (1 + Math.exp(-x)), (_x, y) => 8 * U * Math.abs(y) + 1e-36],
  // x·Φ(x), Φ through erfc. Tessera gives gelu(−∞) = 0 (the limit); torch 1.13 gives NaN there
  // (−∞·0). The kernel's erfc has ~1e-7 relative error, amplified in the far left tail where the
  // exponent −x²/2 is large.
  gelu: [(x) => (x === -Infinity ? 0 : (x * erfc(-x / Math.SQRT2)) / 2), (x, y) => 4e-7 * Math.abs(x) + (2e-6 + 2e-7 * x * x) * Math.abs(y) + 1e-37],
};

function mapUnary(x: RT, fn: (v: number) => number, tol: ((x: number, y: number) => number) | 0): RT {
  const out = alloc(x.shape.slice());
  const t = tol === 0 ? null : new Float64Array(x.size);
  for (let i = 0; i < x.size; i++) {
    const y = fn(x.data[i]);
    out.data[i] = f(y);
    if (t) t[i] = tol(x.data[i], y);
  }
  out.tol = t;
  return out;
}

/** Ops whose zeros may have either sign: torch's gelu gives +0 for −0 and for x ≪ 0 (tessera −0 and +0). */
const UNSIGNED_ZEROS = new Set<UnaryName>(["gelu"]);

function differentiable(out: RT, ctx: Ctx, ...inputs: (RT | null)[]): RT {
  out.requiresGrad = ctx.gradEnabled && inputs.some((t) => t !== null && t.requiresGrad);
  return out;
}

export function unary(ctx: Ctx, op: UnaryName, x: unknown): RT {
  const t = floatArg(`${op}: input`, x);
  const [fn, tol] = UNARY[op];
  const out = mapUnary(t, fn, tol);
  out.signedZeros = !UNSIGNED_ZEROS.has(op);
  return differentiable(out, ctx, t);
}

export function pow(ctx: Ctx, x: unknown, p: unknown): RT {
  const t = floatArg("pow: input", x);
  // Tessera refuses a NaN exponent (torch would return NaN, or 1 for a base of 1).
  if (!isNum(p) || Number.isNaN(p)) invalid("pow: exponent not a number");
  const e = f(p as number); // the kernel takes the exponent as float32, like torch for a float32 tensor
  const exact = e === 1 || e === 2;
  return differentiable(mapUnary(t, (v) => (e === 2 ? v * v : cpow(v, e)), exact ? 0 : (_x, y) => 4 * U * Math.abs(y) + 1e-37), ctx, t);
}

export type BinaryName = "add" | "sub" | "mul" | "div";
const BINARY: Record<BinaryName, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b,
};

/** a op b, b a tensor or a number (rounded to float32 first, as torch does for a float32 tensor). */
export function binary(ctx: Ctx, op: BinaryName, a: unknown, b: unknown): RT {
  const x = floatArg(`${op}: input`, a);
  const fn = BINARY[op];
  if (isNum(b)) {
    const s = f(b);
    return differentiable(mapUnary(x, (v) => fn(v, s), 0), ctx, x);
  }
  // Tessera takes a Tensor or a number; torch would also take a bool.
  const y = floatArg(`${op}: other`, b);
  const shape = broadcastShape(x.shape, y.shape);
  const out = alloc(shape);
  const ia = broadcastIndex(x.shape, shape), ib = broadcastIndex(y.shape, shape);
  for (let i = 0; i < out.size; i++) out.data[i] = f(fn(x.data[ia[i]], y.data[ib[i]]));
  return differentiable(out, ctx, x, y);
}

// ---- reductions ----

/** Output shape and, for each output element, the input indices it reduces. */
function reduceGroups(shape: readonly number[], axes: readonly number[], keepDim: boolean): [number[], number[][]] {
  const outKeep = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keepDim ? outKeep : shape.filter((_, i) => !axes.includes(i));
  if (sizeOf(outKeep) > REF_LIMIT) throw new TooBig(sizeOf(outKeep));
  const groups: number[][] = Array.from({ length: sizeOf(outKeep) }, () => []);
  const n = sizeOf(shape), s = strides(shape), ks = strides(outKeep);
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (let d = 0; d < shape.length; d++) if (!axes.includes(d)) j += (Math.floor(i / s[d]) % shape[d]) * ks[d];
    groups[j].push(i);
  }
  return [outShape, groups];
}

/** Σ of values with the bound any float32 summation order meets (NaN where finite terms may overflow). */
function sumWithBound(vals: number[]): [number, number] {
  let s = 0, abs = 0, nonFinite = false;
  for (const v of vals) {
    s += v;
    if (Number.isFinite(v)) abs += Math.abs(v);
    else nonFinite = true;
  }
  if (abs > FLT_MAX / 2) return [s, NaN];
  return [s, nonFinite ? 0 : gamma(vals.length) * abs + 1e-37];
}

function axesArg(fn: string, axis: unknown, ndim: number): number[] {
  if (axis === undefined || (Array.isArray(axis) && axis.length === 0)) return Array.from({ length: ndim }, (_, i) => i);
  const list = Array.isArray(axis) ? axis : [axis];
  const axes = list.map((a) => axisArg(`${fn}: axis`, a, ndim));
  if (new Set(axes).size !== axes.length) invalid(`${fn}: repeated axes`);
  return ndim === 0 ? [] : axes;
}

export function sumLike(ctx: Ctx, fn: "sum" | "mean", x: unknown, axis: unknown, keepDim: unknown): RT {
  const t = floatArg(`${fn}: input`, x);
  const keep = boolArg(`${fn}: keepDim`, keepDim, false);
  const axes = axesArg(fn, axis, t.ndim);
  const [shape, groups] = reduceGroups(t.shape, axes, keep);
  const out = alloc(shape);
  out.tol = new Float64Array(out.size);
  // every float32 sum starts from +0, as torch's do: a sum of −0 is +0
  groups.forEach((g, j) => {
    const [s, bound] = sumWithBound(g.map((i) => t.data[i]));
    const n = g.length;
    out.data[j] = f(fn === "mean" ? s / n : s);
    out.tol![j] = fn === "mean" ? bound / n + U * Math.abs(s / n) : bound;
  });
  return differentiable(out, ctx, t);
}

function argAxisCheck(fn: string, t: RT, axis: unknown, keepDim: unknown): { keep: boolean; ax: number | null } {
  const keep = boolArg(`${fn}: keepDim`, keepDim, false);
  const ax = axis === undefined ? null : axisArg(`${fn}: axis`, axis, t.ndim);
  const len = ax === null ? t.size : t.ndim === 0 ? 1 : t.shape[ax];
  if (len === 0) invalid(`${fn}: empty reduction`);
  return { keep, ax };
}

/** max/min/argmax/argmin over one axis or (axis undefined) everything. NaN is the extreme, first wins. */
export function extreme(ctx: Ctx, fn: "max" | "min" | "argmax" | "argmin", x: unknown, axis: unknown, keepDim: unknown): RT {
  const t = floatArg(`${fn}: input`, x);
  const { keep, ax } = argAxisCheck(fn, t, axis, keepDim);
  const axes = ax === null || t.ndim === 0 ? Array.from({ length: t.ndim }, (_, i) => i) : [ax];
  const [shape, groups] = reduceGroups(t.shape, axes, keep);
  const isArg = fn === "argmax" || fn === "argmin";
  const isMax = fn === "max" || fn === "argmax";
  const out = alloc(ax === null && !keep ? [] : shape, isArg ? "int32" : "float32");
  // Tessera's no-axis form with keepDim keeps every dim as 1 (torch has no keepdim without dim).
  groups.forEach((g, j) => {
    let best = 0;
    for (let k = 1; k < g.length; k++) {
      const b = t.data[g[best]], v = t.data[g[k]];
      if (Number.isNaN(b)) break;
      if (Number.isNaN(v) || (isMax ? v > b : v < b)) best = k;
    }
    if (isArg) {
      // the flat index when no axis is given, else the index along the axis
      out.data[j] = ax === null ? g[best] : best;
    } else out.data[j] = t.data[g[best]];
  });
  // max of [−0, 0] is either zero in torch (it depends on the order); tessera may pick either.
  out.signedZeros = false;
  return isArg ? out : differentiable(out, ctx, t);
}

// ---- layout ----

function viewOf(ctx: Ctx, t: RT, shape: number[]): RT {
  const out = new RT(shape, t.data, t.dtype);
  out.requiresGrad = t.requiresGrad && ctx.gradEnabled;
  return out;
}

export function reshape(ctx: Ctx, x: unknown, shape: unknown): RT {
  const t = tensorArg("reshape: input", x);
  if (!Array.isArray(shape)) invalid("reshape: shape not an array");
  const s = shape as unknown[];
  if (s.some((d) => !isInt(d) || d < -1) || s.filter((d) => d === -1).length > 1) invalid("reshape: bad shape");
  const dims = s as number[];
  const infer = dims.indexOf(-1);
  const resolved = dims.slice();
  if (infer >= 0) {
    const known = sizeOf(dims.filter((d) => d !== -1));
    if (known === 0 || t.size % known !== 0) invalid("reshape: cannot infer -1");
    resolved[infer] = t.size / known;
  }
  if (sizeOf(resolved) !== t.size) invalid("reshape: size mismatch");
  shapeArg("reshape: shape", resolved);
  const out = viewOf(ctx, t, resolved);
  out.requiresGrad = t.requiresGrad && ctx.gradEnabled;
  return out;
}

export function squeeze(ctx: Ctx, x: unknown, dim: unknown): RT {
  const t = tensorArg("squeeze: input", x);
  if (dim === undefined) return viewOf(ctx, t, t.shape.filter((d) => d !== 1));
  const d = axisArg("squeeze: dim", dim, t.ndim);
  return viewOf(ctx, t, t.ndim > 0 && t.shape[d] === 1 ? t.shape.filter((_, i) => i !== d) : t.shape.slice());
}

export function unsqueeze(ctx: Ctx, x: unknown, dim: unknown): RT {
  const t = tensorArg("unsqueeze: input", x);
  const d = axisArg("unsqueeze: dim", dim, t.ndim + 1);
  const s = t.shape.slice();
  s.splice(d, 0, 1);
  if (s.length > 64) invalid("unsqueeze: more than 64 dims");
  return viewOf(ctx, t, s);
}

export function permute(ctx: Ctx, x: unknown, dims: unknown): RT {
  const t = tensorArg("permute: input", x);
  if (!Array.isArray(dims) || dims.length !== t.ndim) invalid("permute: dims length");
  const p = (dims as unknown[]).map((d) => axisArg("permute: dims", d, t.ndim));
  if (new Set(p).size !== p.length) invalid("permute: repeated dims");
  const shape = p.map((d) => t.shape[d]);
  const out = alloc(shape, t.dtype);
  const ts = strides(t.shape), os = strides(shape);
  for (let i = 0; i < out.size; i++) {
    let j = 0;
    for (let d = 0; d < shape.length; d++) j += (Math.floor(i / os[d]) % shape[d]) * ts[p[d]];
    out.data[i] = t.data[j];
  }
  return differentiable(out, ctx, t);
}

export function transpose(ctx: Ctx, x: unknown, d0: unknown, d1: unknown): RT {
  const t = tensorArg("transpose: input", x);
  const a = axisArg("transpose: dim0", d0, t.ndim), b = axisArg("transpose: dim1", d1, t.ndim);
  const dims = t.shape.map((_, i) => i);
  if (t.ndim >= 2) [dims[a], dims[b]] = [dims[b], dims[a]];
  return permute(ctx, t, dims);
}

export function slice(ctx: Ctx, x: unknown, dim: unknown, start: unknown, end: unknown): RT {
  const t = tensorArg("slice: input", x);
  if (t.ndim === 0) invalid("slice: 0-d input");
  const d = axisArg("slice: dim", dim, t.ndim);
  const n = t.shape[d];
  const clamp = (v: unknown) => {
    if (!isInt(v)) invalid("slice: start/end not an integer");
    const k = v as number;
    return Math.min(n, Math.max(0, k < 0 ? k + n : k));
  };
  const s = clamp(start);
  const e = Math.max(s, end === undefined ? n : clamp(end));
  const shape = t.shape.slice();
  shape[d] = e - s;
  const out = alloc(shape, t.dtype);
  const ts = strides(t.shape), os = strides(shape);
  for (let i = 0; i < out.size; i++) {
    let j = 0;
    for (let k = 0; k < shape.length; k++) j += ((Math.floor(i / os[k]) % shape[k]) + (k === d ? s : 0)) * ts[k];
    out.data[i] = t.data[j];
  }
  return differentiable(out, ctx, t);
}

export function expand(ctx: Ctx, x: unknown, shape: unknown): RT {
  const t = tensorArg("expand: input", x);
  if (!Array.isArray(shape)) invalid("expand: shape not an array");
  const s = shape as unknown[];
  const lead = s.length - t.ndim;
  if (lead < 0) invalid("expand: fewer dims than the input");
  // −1 keeps an existing dim; in a new leading dim it is an error, as in torch
  const target = s.map((d, i) => (d === -1 && i >= lead ? t.shape[i - lead] : d));
  shapeArg("expand: shape", target);
  target.forEach((d, i) => {
    if (i >= lead && t.shape[i - lead] !== 1 && t.shape[i - lead] !== d) invalid("expand: incompatible dim");
  });
  const out = alloc(target as number[], t.dtype);
  const idx = broadcastIndex(t.shape, out.shape);
  for (let i = 0; i < out.size; i++) out.data[i] = t.data[idx[i]];
  return differentiable(out, ctx, t);
}

export function concat(ctx: Ctx, tensors: unknown, axis: unknown): RT {
  if (!Array.isArray(tensors) || tensors.length === 0) invalid("concat: not a non-empty array");
  const ts = (tensors as unknown[]).map((v, i) => tensorArg(`concat: tensors[${i}]`, v));
  if (ts.some((t) => t.ndim === 0)) invalid("concat: 0-d tensor");
  const first = ts[0];
  const ax = axisArg("concat: axis", axis === undefined ? 0 : axis, first.ndim);
  // Tessera needs one dtype and equal ranks (torch would promote dtypes and skip legacy [0] tensors).
  for (const t of ts) {
    if (t.dtype !== first.dtype) invalid("concat: dtypes differ");
    if (t.ndim !== first.ndim || t.shape.some((d, j) => j !== ax && d !== first.shape[j])) invalid("concat: shapes differ");
  }
  const shape = first.shape.slice();
  shape[ax] = ts.reduce((n, t) => n + t.shape[ax], 0);
  shapeArg("concat: result", shape);
  const out = alloc(shape, first.dtype);
  const outer = sizeOf(shape.slice(0, ax)), inner = sizeOf(shape.slice(ax + 1));
  let at = 0;
  for (const t of ts) {
    const len = t.shape[ax];
    for (let o = 0; o < outer; o++) {
      for (let l = 0; l < len * inner; l++) out.data[(o * shape[ax] + at) * inner + l] = t.data[o * len * inner + l];
    }
    at += len;
  }
  return differentiable(out, ctx, ...ts);
}

function checkIndexValues(fn: string, idx: RT, bound: number): void {
  for (let i = 0; i < idx.size; i++) {
    if (idx.data[i] < 0 || idx.data[i] >= bound) invalid(`${fn}: index ${idx.data[i]} out of [0, ${bound})`);
  }
}

/** tf.gather / torch.index_select with indices of any shape: out = x.shape[:ax] + idx.shape + x.shape[ax+1:]. */
export function gather(ctx: Ctx, x: unknown, indices: unknown, axis: unknown): RT {
  // Tessera's gather is float32-only (torch.index_select also takes integer tensors).
  const t = floatArg("gather: input", x);
  const ax = axisArg("gather: axis", axis === undefined ? 0 : axis, t.ndim);
  const idx = intTensorArg("gather: indices", indices);
  const bound = t.ndim === 0 ? 1 : t.shape[ax];
  checkIndexValues("gather", idx, bound);
  const before = t.shape.slice(0, ax), after = t.shape.slice(ax + 1);
  const shape = [...before, ...idx.shape, ...after];
  shapeArg("gather: result", shape);
  const out = alloc(shape);
  const outer = sizeOf(before), inner = sizeOf(after);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < idx.size; k++) {
      for (let l = 0; l < inner; l++) out.data[(o * idx.size + k) * inner + l] = t.data[(o * bound + idx.data[k]) * inner + l];
    }
  }
  return differentiable(out, ctx, t);
}

/** torch.gather(x, dim, idx). */
export function takeAlongDim(ctx: Ctx, x: unknown, indices: unknown, dim: unknown): RT {
  const t = floatArg("takeAlongDim: input", x);
  const d = axisArg("takeAlongDim: dim", dim, t.ndim);
  const idx = intTensorArg("takeAlongDim: indices", indices);
  checkIndexValues("takeAlongDim", idx, t.ndim === 0 ? 1 : t.shape[d]);
  if (idx.ndim !== t.ndim || idx.shape.some((n, i) => i !== d && n > t.shape[i])) invalid("takeAlongDim: index shape");
  const out = alloc(idx.shape.slice());
  const xs = strides(t.shape), is = strides(idx.shape);
  for (let i = 0; i < out.size; i++) {
    let j = 0;
    for (let k = 0; k < idx.ndim; k++) j += (k === d ? idx.data[i] : Math.floor(i / is[k]) % idx.shape[k]) * xs[k];
    out.data[i] = t.data[j];
  }
  return differentiable(out, ctx, t);
}

/**
 * float32 → int32 truncates toward zero, NaN → 0, saturating (tessera's choice: the conversion is
 * undefined behaviour in C++, and torch 1.13 on x86 gives INT_MIN for all three cases).
 */
export function cast(ctx: Ctx, x: unknown, dtype: DT): RT {
  const t = tensorArg("cast: input", x);
  const out = alloc(t.shape.slice(), dtype);
  for (let i = 0; i < t.size; i++) {
    const v = t.data[i];
    out.data[i] = dtype === "float32" ? f(v) : Number.isNaN(v) ? 0 : Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(v))) + 0;
  }
  if (dtype === t.dtype) out.requiresGrad = ctx.gradEnabled && t.requiresGrad; // a clone
  return out;
}

export function clone(ctx: Ctx, x: unknown): RT {
  const t = tensorArg("clone: input", x);
  const out = new RT(t.shape.slice(), t.data.slice(), t.dtype);
  return differentiable(out, ctx, t);
}

export function detach(x: unknown): RT {
  const t = tensorArg("detach: input", x);
  return new RT(t.shape.slice(), t.data, t.dtype);
}

/** copy_: same dtype and shape; refused on a leaf that requires grad while recording. Returns the new values. */
export function copyInto(ctx: Ctx, x: unknown, src: unknown, xIsLeaf: boolean): RT {
  const t = tensorArg("copy_: input", x);
  const s = tensorArg("copy_: src", src);
  if (s.dtype !== t.dtype || s.ndim !== t.ndim || s.shape.some((d, i) => d !== t.shape[i])) invalid("copy_: shape or dtype");
  if (ctx.gradEnabled && t.requiresGrad && xIsLeaf) invalid("copy_: leaf that requires grad");
  const out = new RT(t.shape.slice(), s.data.slice(), t.dtype);
  out.requiresGrad = t.requiresGrad;
  return out;
}

// ---- matmul, linear ----

/** C[m,n] = A[m,k]·B[k,n] at the given element offsets, with the bound of a float32 dot product. */
function gemmInto(out: RT, oOff: number, a: Float64Array, aOff: number, b: Float64Array, bOff: number, m: number, k: number, n: number,
  bias: Float64Array | null): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias ? bias[j] : 0, abs = bias && Number.isFinite(bias[j]) ? Math.abs(bias[j]) : 0, nonFinite = bias ? !Number.isFinite(bias[j]) : false;
      for (let l = 0; l < k; l++) {
        const p = a[aOff + i * k + l] * b[bOff + l * n + j];
        s += p;
        if (Number.isFinite(p)) abs += Math.abs(p);
        else nonFinite = true;
      }
      const o = oOff + i * n + j;
      out.data[o] = f(s);
      // FMA (the relaxed builds) and any blocking stay within γ_{k+1}·Σ|a·b|; a finite product
      // past float32's range overflows in some orders only: not checked.
      out.tol![o] = abs > FLT_MAX / 4 ? NaN : nonFinite ? 0 : gamma(k + 2) * abs + 1e-35;
    }
  }
}

export function matmul(ctx: Ctx, x: unknown, y: unknown): RT {
  const a = floatArg("matmul: input", x), b = floatArg("matmul: other", y);
  if (a.ndim === 0 || b.ndim === 0) invalid("matmul: 0-d operand");
  const k = a.shape[a.ndim - 1];
  const kb = b.ndim === 1 ? b.shape[0] : b.shape[b.ndim - 2];
  if (k !== kb) invalid("matmul: inner dims differ");
  const a2 = a.ndim === 1 ? [1, k] : a.shape;
  const b2 = b.ndim === 1 ? [k, 1] : b.shape;
  const m = a2[a2.length - 2], n = b2[b2.length - 1];
  const batch = broadcastShape(a2.slice(0, -2), b2.slice(0, -2));
  const full = [...batch, m, n];
  shapeArg("matmul: result", full);
  const res = alloc(full);
  res.tol = new Float64Array(res.size);
  const nb = sizeOf(batch);
  const ia = broadcastIndex(a2.slice(0, -2), batch), ib = broadcastIndex(b2.slice(0, -2), batch);
  for (let i = 0; i < nb; i++) gemmInto(res, i * m * n, a.data, ia[i] * m * k, b.data, ib[i] * k * n, m, k, n, null);
  const shape = full.slice();
  if (b.ndim === 1) shape.pop();
  if (a.ndim === 1) shape.splice(shape.length - (b.ndim === 1 ? 1 : 2), 1);
  const out = new RT(shape, res.data);
  out.tol = res.tol;
  out.signedZeros = false;
  return differentiable(out, ctx, a, b);
}

export function linear(ctx: Ctx, x: unknown, w: unknown, b: unknown): RT {
  const t = floatArg("linear: input", x);
  const wt = floatArg("linear: weight", w);
  const bias = b === null || b === undefined ? null : floatArg("linear: bias", b);
  if (wt.ndim !== 2) invalid("linear: weight not 2-d");
  const [outF, inF] = wt.shape;
  if (t.ndim === 0 || t.shape[t.ndim - 1] !== inF) invalid("linear: input's last dim");
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outF)) invalid("linear: bias shape");
  const m = sizeOf(t.shape.slice(0, -1));
  const shape = [...t.shape.slice(0, -1), outF];
  const out = alloc(shape);
  out.tol = new Float64Array(out.size);
  // Wᵀ as [inF, outF]
  const wT = new Float64Array(inF * outF);
  for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) wT[i * outF + o] = wt.data[o * inF + i];
  gemmInto(out, 0, t.data, 0, wT, 0, m, inF, outF, bias ? bias.data : null);
  out.signedZeros = false; // a GEMM's zero sign depends on where the bias enters the sum
  return differentiable(out, ctx, t, wt, bias);
}

// ---- softmax, layer norm, losses ----

/** Rows of `x` along `ax` (each a list of flat indices). */
function rowsAlong(shape: readonly number[], ax: number): number[][] {
  if (shape.length === 0) return [[0]];
  if (sizeOf(shape) === 0) return []; // (a 0-size tensor may have a dim of 2^31 or more)
  return reduceGroups(shape, [ax], true)[1];
}

export function softmax(ctx: Ctx, fn: "softmax" | "logSoftmax", x: unknown, axis: unknown): RT {
  const t = floatArg(`${fn}: input`, x);
  const ax = axisArg(`${fn}: axis`, axis === undefined ? -1 : axis, t.ndim);
  const out = alloc(t.shape.slice());
  out.tol = new Float64Array(out.size);
  for (const row of rowsAlong(t.shape, ax)) {
    const v = row.map((i) => t.data[i]);
    // the maximum ignoring NaN; a NaN still makes the whole row NaN through the sum, as in torch
    const m = v.reduce((p, q) => (q > p ? q : p), -Infinity);
    const e = v.map((q) => Math.exp(q - m));
    const s = e.reduce((p, q) => p + q, 0);
    const ls = Math.log(s);
    // x − m rounds by an ulp of |x − m|, which exp turns into that relative error (plus its own
    // 2 ulp); the sum s gathers them weighted by e, and γ_cols for the additions
    const d = v.map((q) => (Number.isFinite(q - m) ? Math.abs(q - m) : 0));
    const relS = (2 * U * e.reduce((acc, ej, j) => acc + (Number.isFinite(ej) ? ej * d[j] : 0), 0)) / s + 4 * U + gamma(v.length + 4);
    row.forEach((i, k) => {
      if (fn === "softmax") {
        const y = e[k] / s;
        out.data[i] = f(y);
        out.tol![i] = Math.abs(y) * (2 * U * d[k] + 6 * U + relS) + 2e-38;
      } else {
        const y = v[k] - m - ls;
        out.data[i] = f(y);
        out.tol![i] = 2 * U * (d[k] + Math.abs(ls) + Math.abs(y)) + relS + 1e-37;
      }
      if (!Number.isFinite(out.tol![i])) out.tol![i] = 0; // the value is ±∞ or NaN: exact
    });
  }
  return differentiable(out, ctx, t);
}

export function layerNorm(ctx: Ctx, x: unknown, normalizedShape: unknown, w: unknown, b: unknown, eps: unknown): RT {
  const t = floatArg("layerNorm: input", x);
  const ns = isNum(normalizedShape) ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(ns) || ns.length === 0 || ns.length > t.ndim || ns.some((d, i) => d !== t.shape[t.ndim - ns.length + i])) {
    invalid("layerNorm: normalizedShape");
  }
  const e = finiteArg("layerNorm: eps", eps === undefined ? 1e-5 : eps, 0);
  const weight = w === null || w === undefined ? null : floatArg("layerNorm: weight", w);
  const bias = b === null || b === undefined ? null : floatArg("layerNorm: bias", b);
  for (const p of [weight, bias]) if (p && (p.ndim !== (ns as number[]).length || p.shape.some((d, i) => d !== (ns as number[])[i]))) invalid("layerNorm: affine shape");
  const cols = sizeOf(ns as number[]);
  const rows = cols === 0 ? 0 : t.size / cols;
  const out = alloc(t.shape.slice());
  out.tol = new Float64Array(out.size);
  // x̂ = 0 times a negative weight: torch's fused formula gives +0, tessera's −0
  out.signedZeros = false;
  for (let r = 0; r < rows; r++) {
    const v = Array.from(t.data.subarray(r * cols, (r + 1) * cols));
    const mean = v.reduce((p, q) => p + q, 0) / cols;
    const variance = v.reduce((p, q) => p + (q - mean) * (q - mean), 0) / cols;
    const rstd = 1 / Math.sqrt(variance + f(e));
    const R = v.reduce((p, q) => (Number.isFinite(q) ? Math.max(p, Math.abs(q)) : p), 0);
    // the float32 mean errs by γ·R, each x − mean by another ulp: in units of std that is
    // (R·rstd)·γ, and 1/std gets the relative error of the variance, about twice that
    const dev = (gamma(cols + 4) * R + 2 * U * R) * rstd;
    const relStd = 2 * dev * dev + 4 * gamma(cols + 4);
    // Σx or Σ(x − mean)² past float32's range: the float32 statistics overflow (torch gives NaN,
    // tessera the affine part alone); not checked
    // and squared deviations under float32's normal range (eps 0, denormal rows) lose all precision
    const overflow = cols * R > FLT_MAX / 2 || variance * cols > FLT_MAX / 2 || variance + f(e) < 1e-30;
    for (let j = 0; j < cols; j++) {
      const i = r * cols + j;
      const xh = (v[j] - mean) * rstd;
      const wj = weight ? weight.data[j] : 1, bj = bias ? bias.data[j] : 0;
      const y = xh * wj + bj;
      out.data[i] = f(y);
      const tol = (4 * dev + relStd * Math.abs(xh) + 4 * U * Math.abs(xh)) * Math.abs(wj) + 2 * U * Math.abs(y) + 1e-37;
      // x̂·w past float32's range overflows before b is added: not checked either
      out.tol[i] = Number.isFinite(tol) && !overflow && Math.abs(xh * wj) < FLT_MAX / 2 ? tol : NaN;
    }
  }
  return differentiable(out, ctx, t, weight, bias);
}

function reductionArg(fn: string, r: unknown): "mean" | "sum" | "none" {
  if (r === undefined) return "mean";
  if (r !== "mean" && r !== "sum" && r !== "none") invalid(`${fn}: reduction`);
  return r as "mean" | "sum" | "none";
}

function reduceLoss(ctx: Ctx, losses: RT, reduction: "mean" | "sum" | "none", count: number, ...inputs: (RT | null)[]): RT {
  if (reduction === "none") return differentiable(losses, ctx, ...inputs);
  const vals = Array.from(losses.data);
  const [s, bound] = sumWithBound(vals);
  let extra = 0;
  for (let i = 0; i < losses.size; i++) extra += losses.tol ? losses.tol[i] : 0;
  const out = new RT([], new Float64Array([f(reduction === "mean" ? s / count : s)]));
  const tol = bound + extra + U * Math.abs(s);
  out.tol = new Float64Array([reduction === "mean" ? tol / count + U * Math.abs(s / count) : tol]);
  out.signedZeros = false;
  return differentiable(out, ctx, ...inputs);
}

/** torch.nn.functional.cross_entropy over the last dim, ignoreIndex and label smoothing. */
export function crossEntropy(ctx: Ctx, x: unknown, target: unknown, options: unknown): RT {
  const t = floatArg("crossEntropy: input", x);
  const y = intTensorArg("crossEntropy: target", target);
  const o = options === undefined ? {} : options;
  if (o === null || typeof o !== "object") invalid("crossEntropy: options");
  const { ignoreIndex = -100, labelSmoothing = 0, reduction } = o as Record<string, unknown>;
  if (!isInt(ignoreIndex) || ignoreIndex < -(2 ** 31) || ignoreIndex > 2 ** 31 - 1) invalid("crossEntropy: ignoreIndex");
  const eps = finiteArg("crossEntropy: labelSmoothing", labelSmoothing, 0, 1);
  const red = reductionArg("crossEntropy", reduction);
  if (t.ndim < 1 || y.ndim !== t.ndim - 1 || y.shape.some((d, i) => d !== t.shape[i])) invalid("crossEntropy: target shape");
  const C = t.shape[t.ndim - 1];
  for (let i = 0; i < y.size; i++) if ((y.data[i] < 0 || y.data[i] >= C) && y.data[i] !== ignoreIndex) invalid("crossEntropy: class out of range");
  const losses = alloc(y.shape.slice());
  losses.tol = new Float64Array(losses.size);
  let count = 0;
  for (let r = 0; r < y.size; r++) {
    if (y.data[r] === ignoreIndex) continue;
    count++;
    const v = Array.from(t.data.subarray(r * C, (r + 1) * C));
    const m = v.reduce((p, q) => (q > p ? q : p), -Infinity);
    const lse = m + Math.log(v.reduce((p, q) => p + Math.exp(q - m), 0));
    const xt = v[y.data[r]];
    const meanX = v.reduce((p, q) => p + q, 0) / C;
    const loss = (1 - f(eps)) * (lse - xt) + (eps === 0 ? 0 : f(eps) * (lse - meanX));
    losses.data[r] = f(loss);
    const R = v.reduce((p, q) => (Number.isFinite(q) ? Math.max(p, Math.abs(q)) : p), 0);
    losses.tol[r] = (4 * U * (R + Math.abs(lse) + 4) + gamma(C + 4) * (R + 1)) * 4 + 4 * U * Math.abs(loss);
    // the smoothing term's float32 row sum overflows past float32's range: not checked
    if (eps !== 0 && C * R > FLT_MAX / 2) losses.tol[r] = NaN;
  }
  losses.signedZeros = false;
  return reduceLoss(ctx, losses, red, count, t);
}

/** mseLoss is composed of sub, square and mean: each step rounds to float32 as the composition does. */
export function mseLoss(ctx: Ctx, a: unknown, b: unknown, reduction: unknown): RT {
  const x = floatArg("mseLoss: input", a), y = floatArg("mseLoss: target", b);
  const red = reductionArg("mseLoss", reduction);
  if (x.ndim !== y.ndim || x.shape.some((d, i) => d !== y.shape[i])) invalid("mseLoss: shapes differ");
  const losses = alloc(x.shape.slice());
  for (let i = 0; i < x.size; i++) {
    const d = f(x.data[i] - y.data[i]);
    losses.data[i] = f(d * d);
  }
  return reduceLoss(ctx, losses, red, x.size, x, y);
}

/** max(x,0) − x·y + log(1 + exp(−|x|)), composed of float32 ops (so x = +∞, y = 0 is NaN, not torch's +∞). */
export function bceWithLogits(ctx: Ctx, a: unknown, b: unknown, reduction: unknown): RT {
  const x = floatArg("binaryCrossEntropyWithLogits: input", a), y = floatArg("binaryCrossEntropyWithLogits: target", b);
  const red = reductionArg("binaryCrossEntropyWithLogits", reduction);
  if (x.ndim !== y.ndim || x.shape.some((d, i) => d !== y.shape[i])) invalid("bce: shapes differ");
  const losses = alloc(x.shape.slice());
  losses.tol = new Float64Array(losses.size);
  for (let i = 0; i < x.size; i++) {
    const xi = x.data[i];
    const lhs = f((xi < 0 ? 0 : xi) - f(xi * y.data[i]));
    const l = f(lhs + f(Math.log(f(Math.exp(-Math.abs(xi)) + 1))));
    losses.data[i] = l;
    losses.tol[i] = 4 * U * Math.abs(lhs) + 4e-7 + 2 * U * Math.abs(l);
  }
  losses.signedZeros = false;
  return reduceLoss(ctx, losses, red, x.size, x, y);
}

export function embedding(ctx: Ctx, weight: unknown, ids: unknown): RT {
  const w = tensorArg("embedding: weight", weight);
  if (w.ndim !== 2) invalid("embedding: weight not 2-d");
  return gather(ctx, w, ids, 0);
}

/** dropout: identity copy in eval or for p = 0, else each element x·0 or x·(1/(1−p)). */
export function dropout(ctx: Ctx, x: unknown, p: unknown, training: unknown, generator: unknown): RT {
  const t = floatArg("dropout: input", x);
  const prob = finiteArg("dropout: p", p === undefined ? 0.5 : p, 0, 1);
  const train = boolArg("dropout: training", training, true);
  if (generator !== undefined && !(generator instanceof Generator)) invalid("dropout: generator");
  const out = new RT(t.shape.slice(), t.data.slice());
  if (train && prob !== 0) out.dropoutScale = f(prob < 1 ? f(1 / f(1 - f(prob))) : 0);
  return differentiable(out, ctx, t);
}

// ---- creation ----

interface CreateOptions {
  dtype: DT;
  requiresGrad: boolean;
}

function optionsArg(fn: string, o: unknown, extra: string[] = []): CreateOptions & Record<string, unknown> {
  if (o === undefined) return { dtype: "float32", requiresGrad: false };
  if (o === null || typeof o !== "object") invalid(`${fn}: options not an object`);
  // any object is read for its fields; what a Tensor's fields mean as options is not defined
  if (o === DISPOSED || o instanceof RT) throw new Unspecified(`${fn}: a tensor as options`);
  const { dtype = "float32", requiresGrad = false, device } = o as Record<string, unknown>;
  if (dtype !== "float32" && dtype !== "int32") invalid(`${fn}: dtype`);
  if (typeof requiresGrad !== "boolean") invalid(`${fn}: requiresGrad`);
  if (requiresGrad && dtype !== "float32") invalid(`${fn}: requiresGrad on int32`);
  if (device !== undefined && device !== "cpu") invalid(`${fn}: device`);
  void extra;
  return { ...(o as object), dtype: dtype as DT, requiresGrad: requiresGrad as boolean };
}

function fromValues(values: ArrayLike<number>, shape: number[], o: CreateOptions, int32Checked = false): RT {
  const n = sizeOf(shape);
  if (n * 4 > MAX_BYTES - 2 ** 20) throw new TooBig(n);
  const out = alloc(shape, o.dtype);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (o.dtype === "int32") {
      if (!int32Checked && (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31)) invalid("tensor: not an int32 value");
      out.data[i] = v;
    } else out.data[i] = f(v);
  }
  out.requiresGrad = o.requiresGrad;
  return out;
}

/** Nested-array shape by first elements; E_SHAPE past 64 levels (a cyclic array must not hang). */
function inferShape(data: unknown): number[] {
  const shape: number[] = [];
  let d = data;
  while (Array.isArray(d)) {
    if (shape.length > 64) invalid("tensor: more than 64 levels");
    shape.push(d.length);
    d = d[0];
  }
  return shape;
}

export function tensor(data: unknown, shape: unknown, options: unknown): RT {
  const o = optionsArg("tensor", options);
  if (ArrayBuffer.isView(data)) {
    if (data instanceof DataView || data instanceof BigInt64Array || data instanceof BigUint64Array) invalid("tensor: data");
    const values = data as unknown as ArrayLike<number>;
    const s = shape === undefined ? [values.length] : shapeArg("tensor: shape", shape);
    if (sizeOf(s) !== values.length) invalid("tensor: shape does not match data");
    return fromValues(values, s, o, data instanceof Int32Array);
  }
  if (!isNum(data) && !Array.isArray(data)) invalid("tensor: data");
  const inferred = inferShape(data);
  const flat: number[] = [];
  const walk = (d: unknown, dim: number) => {
    if (dim === inferred.length) {
      if (!isNum(d)) invalid("tensor: leaf not a number");
      flat.push(d as number);
      return;
    }
    if (!Array.isArray(d) || d.length !== inferred[dim]) invalid("tensor: ragged");
    for (const e of d) walk(e, dim + 1);
  };
  walk(data, 0);
  const s = shape === undefined ? shapeArg("tensor: data", inferred) : shapeArg("tensor: shape", shape);
  if (sizeOf(s) !== flat.length) invalid("tensor: shape does not match data");
  return fromValues(flat, s, o);
}

export function full(shape: unknown, value: unknown, options: unknown): RT {
  const o = optionsArg("full", options);
  const s = shapeArg("full: shape", shape);
  if (!isNum(value)) invalid("full: value");
  if (o.dtype === "int32" && (!Number.isInteger(value) || (value as number) < -(2 ** 31) || (value as number) > 2 ** 31 - 1)) invalid("full: int32 value");
  const n = sizeOf(s);
  if (n * 4 > MAX_BYTES - 2 ** 20) throw new TooBig(n);
  const out = alloc(s, o.dtype);
  out.data.fill(o.dtype === "float32" ? f(value as number) : (value as number));
  out.requiresGrad = o.requiresGrad;
  return out;
}

export function zerosLike(t: unknown): RT {
  const x = tensorArg("zerosLike: input", t);
  return full(x.shape.slice(), 0, { dtype: x.dtype });
}

/** item(), toArray(), data(), dataInto(out): the values a reader must return. */
export function read(how: "item" | "toArray" | "data" | "dataInto", t: unknown, out: unknown): RT {
  const x = tensorArg(`${how}: tensor`, t);
  if (how === "item" && x.size !== 1) invalid("item: not one element");
  if (how === "dataInto") {
    const want = x.dtype === "int32" ? Int32Array : Float32Array;
    if (!(out instanceof want)) invalid("dataInto: wrong array type");
    if ((out as Float32Array).length < x.size) invalid("dataInto: array too short");
  }
  return new RT(x.shape.slice(), x.data, x.dtype);
}

/** arange(end) or arange(start, end, step); int32 when start, end and step are all integers, as in torch. */
export function arange(start: unknown, end: unknown, step: unknown, options: unknown): RT {
  let s = start, e = end;
  if (e === undefined) [s, e] = [0, s];
  const a = finiteArg("arange: start", s), b = finiteArg("arange: end", e), st = finiteArg("arange: step", step === undefined ? 1 : step);
  if (st === 0) invalid("arange: step 0");
  if (options !== undefined && (options === null || typeof options !== "object")) invalid("arange: options");
  const n = Math.max(0, Math.ceil((b - a) / st));
  if (n > MAX_ELEMENTS) invalid("arange: too many elements");
  const dtype = (options as { dtype?: DT } | undefined)?.dtype ?? (Number.isInteger(a) && Number.isInteger(b) && Number.isInteger(st) ? "int32" : "float32");
  const o = optionsArg("arange", { ...(options as object), dtype });
  // int32 values must be integers in range (torch would make int64 ones)
  if (o.dtype === "int32" && n > 0) {
    for (const v of [a, a + st, a + (n - 1) * st].slice(0, Math.min(n + 1, 3))) if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) invalid("arange: int32 value out of range");
  }
  if (n * 4 > MAX_BYTES - 2 ** 20) throw new TooBig(n);
  if (n > REF_LIMIT) throw new TooBig(n);
  return fromValues(Array.from({ length: n }, (_, i) => a + i * st), [n], o);
}

/** randn / rand: the values come from a Generator seeded like the one tessera used. */
export function random(fn: "randn" | "rand", shape: unknown, options: unknown, twin: Generator): RT {
  const s = shapeArg(`${fn}: shape`, shape);
  const o = options === undefined ? {} : options;
  if (o === null || typeof o !== "object") invalid(`${fn}: options`);
  if (o === DISPOSED || o instanceof RT) throw new Unspecified(`${fn}: a tensor as options`);
  const { generator, ...rest } = o as Record<string, unknown>;
  if (generator !== undefined && !(generator instanceof Generator)) invalid(`${fn}: generator`);
  const opts = optionsArg(fn, rest);
  if (opts.dtype === "int32") invalid(`${fn}: int32`);
  const n = sizeOf(s);
  if (n * 4 > MAX_BYTES - 2 ** 20 || n > REF_LIMIT) throw new TooBig(n);
  const vals = Array.from({ length: n }, () => (fn === "randn" ? twin.normal() : twin.random()));
  return fromValues(vals, s, opts);
}

// ---- comparing a result with the reference ----

/** The first element where `got` differs from `ref` beyond its tolerance, or null. */
export function mismatch(got: ArrayLike<number>, ref: RT): string | null {
  if (got.length !== ref.size) return `length ${got.length}, expected ${ref.size}`;
  for (let i = 0; i < ref.size; i++) {
    const g = got[i], r = ref.data[i];
    const where = () => `element ${i}: got ${fmtNum(g)}, expected ${fmtNum(r)}`;
    if (ref.dropoutScale !== null) {
      const kept = f(r * ref.dropoutScale), dropped = r * 0;
      if (!same(g, kept) && !same(g, dropped)) return `${where()} (dropout: x·0 = ${fmtNum(dropped)} or x·scale = ${fmtNum(kept)})`;
      continue;
    }
    const tol = ref.tol ? ref.tol[i] : 0;
    // a NaN expected is a NaN required, even where the value is otherwise not checked
    if (Number.isNaN(r) && !Number.isNaN(g)) return where();
    if (Number.isNaN(tol)) continue;
    if (Number.isNaN(r) || Number.isNaN(g)) {
      if (Number.isNaN(r) !== Number.isNaN(g)) return where();
      continue;
    }
    if (tol === 0) {
      if (g !== r || (ref.signedZeros && ref.dtype === "float32" && r === 0 && !Object.is(g, r))) return where();
      continue;
    }
    if (!Number.isFinite(r) || !Number.isFinite(g)) {
      if (g === r) continue;
      // at the edge of float32's range an approximate op may round either way
      const edge = Number.isFinite(g) ? Math.abs(g) >= FLT_MAX * (1 - 1e-4) && Math.sign(g) === Math.sign(r)
        : Math.abs(r) + tol >= FLT_MAX * (1 - 1e-4) && Math.sign(g) === Math.sign(r);
      if (!edge) return where();
      continue;
    }
    if (!(Math.abs(g - r) <= tol)) return `${where()} (tolerance ${tol.toExponential(2)})`;
    if (ref.signedZeros && r === 0 && g === 0 && !Object.is(g, r)) return `${where()} (sign of zero)`;
  }
  return null;
}

function same(a: number, b: number): boolean {
  return (Number.isNaN(a) && Number.isNaN(b)) || Object.is(a, b) || (a === 0 && b === 0);
}

export function fmtNum(v: number): string {
  return Object.is(v, -0) ? "-0" : String(v);
}
