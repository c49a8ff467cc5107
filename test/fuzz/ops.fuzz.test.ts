// Op fuzz (issue 8, "keep them out"): thousands of seeded random calls of every op and creation
// function of the public API — random shapes (0-d, 0-size, one element, large-but-bounded, absurd),
// dtypes, axes, values (NaN, ±Inf, −0, huge, denormal), disposed tensors and wrong types. After
// every call: it either succeeded or threw a TesseraError with a declared code (never a RangeError,
// TypeError, WebAssembly trap or a hang); the result equals the float64 reference of
// ./reference.ts (PyTorch semantics) within its stated tolerance, and refusals match the
// reference's validation; memory() stays consistent and its block count is exactly what the live
// tensors (their gradients and graphs included) explain; the sentinel matmul and every live tensor
// keep their values. A failure prints the seed and the call; FUZZ_SEED=<seed> replays it.
import { appendFileSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import * as T from "../../src/index.js";
import { F, Generator, type Tensor } from "../../src/index.js";
import * as R from "./reference.js";
import { Rng, errorContractBreach, fuzzSeeds, liveStorages, memoryBreaches, show } from "./support.js";

const SEEDS = fuzzSeeds([11, 22, 33, 44]);
const CALLS = Number(process.env.FUZZ_CALLS ?? 1500);
/** Pool size: live tensors the calls pick their arguments from. */
const POOL = 40;
/** Any single call slower than this counts as a hang. */
const SLOW_MS = 3000;

type Val = Tensor | unknown;

interface Call {
  op: string;
  args: Val[];
  run: (...args: Val[]) => unknown;
  ref: (ctx: R.Ctx, ...args: unknown[]) => R.RT;
  /** copy_: the result is the target itself, whose values change; effect: only the contract and memory are checked. */
  kind?: "self" | "effect";
  /** For results that are not tensors (item, toArray, …): why `out` differs from the reference, or null. */
  check?: (out: unknown, expected: R.RT) => string | null;
}

class Fuzz {
  readonly pool: Tensor[] = [];
  readonly disposed: Tensor[] = [];
  /** Values of every live storage (shared by views), as the last successful write left them. */
  readonly values = new WeakMap<object, Float64Array>();
  readonly gen = new Generator(0);
  calls = 0;
  constructor(readonly rng: Rng, readonly seed: number) {}

  // ---- values and shapes ----

  dim(): number {
    return this.rng.weighted([[1, 0], [6, 1], [4, 2], [4, 3], [2, 4], [2, 5], [1, 7], [1, 8], [0.5, 13], [0.5, 16], [0.5, 17], [0.3, 33]]);
  }

  shape(maxRank = 4, maxSize = 2048): number[] {
    for (;;) {
      const rank = this.rng.weighted([[1, 0], [3, 1], [4, 2], [2.5, 3], [1, 4], [0.2, 5], [0.1, 6]].filter(([, r]) => r <= maxRank) as [number, number][]);
      const s = Array.from({ length: rank }, () => this.dim());
      if (s.reduce((a, b) => a * b, 1) <= maxSize) return s;
    }
  }

  /** A float value: mostly normal, sometimes one of the awkward ones. */
  special(): number {
    return this.rng.pick([NaN, Infinity, -Infinity, 0, -0, 1e30, -1e30, 3e38, -3e38, 1e-40, -1e-45, 88.8, -104, 1, -1, 0.5, 2 ** 24 + 1]);
  }

  floats(n: number): Float32Array {
    const flavour = this.rng.weighted([[6, "normal"], [3, "spicy"], [1, "ints"], [0.5, "zeros"], [0.5, "wide"]] as const);
    const scale = this.rng.pick([1, 1, 1, 0.01, 100]);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = flavour === "normal" ? this.rng.normal() * scale
        : flavour === "spicy" ? (this.rng.chance(0.15) ? this.special() : this.rng.normal() * scale)
        : flavour === "ints" ? this.rng.range(-4, 4)
        : flavour === "zeros" ? (this.rng.chance(0.5) ? 0 : -0)
        : this.rng.normal() * 10 ** this.rng.range(-20, 20);
    }
    return out;
  }

  ints(n: number, lo: number, hi: number): Int32Array {
    return Int32Array.from({ length: n }, () => this.rng.range(lo, hi));
  }

  // ---- the pool ----

  /** A new tracked tensor (setup, not the call under test). */
  make(shape: number[], dtype: "float32" | "int32" = "float32", data?: Float32Array | Int32Array, requiresGrad = false): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    // argument shapes derived from a 0-size tensor with a dim of 2^31 or more: keep them makeable
    if (n > 2 ** 22) return this.make(shape.map((d) => (d > 4096 ? 3 : d)), dtype, undefined, requiresGrad);
    const values = data ?? (dtype === "int32" ? this.ints(n, -3, 9) : this.floats(n));
    const t = T.tensor(values, shape, { dtype, requiresGrad });
    this.track(t, Float64Array.from(values));
    return t;
  }

  track(t: Tensor, values: Float64Array): void {
    if (!this.values.has(t.storage!)) this.values.set(t.storage!, values);
    if (!this.pool.includes(t)) this.pool.push(t);
  }

  floatT(): Tensor {
    const f = this.pool.filter((t) => t.dtype === "float32");
    if (this.rng.chance(0.005)) return this.make(this.rng.pick([[1 << 18], [512, 513], [3, 129, 257]]), "float32"); // large but bounded
    return f.length > 0 && this.rng.chance(0.7) ? this.rng.pick(f) : this.make(this.shape(), "float32", undefined, this.rng.chance(0.2));
  }

  anyT(): Tensor {
    return this.rng.chance(0.8) && this.pool.length > 0 ? this.rng.pick(this.pool) : this.make(this.shape(), this.rng.chance(0.3) ? "int32" : "float32");
  }

  /** A float tensor of exactly this shape (fresh or from the pool). */
  like(shape: readonly number[], requiresGrad = this.rng.chance(0.2)): Tensor {
    const same = this.pool.filter((t) => t.dtype === "float32" && t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]));
    return same.length > 0 && this.rng.chance(0.4) ? this.rng.pick(same) : this.make(shape.slice(), "float32", undefined, requiresGrad);
  }

  /** A shape that broadcasts against `shape`: leading dims dropped, some dims set to 1. */
  broadcastable(shape: readonly number[]): number[] {
    const drop = this.rng.int(shape.length + 1);
    return shape.slice(drop).map((d) => (this.rng.chance(0.3) ? 1 : d));
  }

  /** Index tensor of `shape` with values in [0, bound) (or, sometimes, just outside). */
  indices(shape: number[], bound: number): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = this.ints(n, 0, Math.max(0, bound - 1));
    if (bound === 0 || this.rng.chance(0.05)) for (let i = 0; i < n; i++) if (this.rng.chance(0.3)) data[i] = this.rng.pick([-1, bound, bound + 7, 2 ** 31 - 1, -(2 ** 31)]);
    return this.make(shape, "int32", data);
  }

  axis(ndim: number): number {
    const n = Math.max(ndim, 1);
    return this.rng.chance(0.9) ? this.rng.range(-n, n - 1) : this.rng.pick([n, -n - 1, 64, -100]);
  }

  /** An argument of the wrong kind. */
  odd(): unknown {
    const cyclic: unknown[] = [1];
    cyclic.push(cyclic);
    const selfFirst: unknown[] = [];
    selfFirst.push(selfFirst);
    const disposed = this.disposed.length > 0 ? this.rng.pick(this.disposed) : null;
    return this.rng.pick([
      null, undefined, "1", "abc", "", 1.5, -1, NaN, Infinity, -Infinity, 2 ** 31, 1e9, -0, true, false, {}, [], [1, 2],
      [[1], [2, 3]], new Float32Array(3), new Int32Array(2), Symbol("s"), 12n, () => 1, new Map(), cyclic, selfFirst, [NaN], [-1], [1.5], [2 ** 31],
      { isTensor: true, shape: [2], dtype: "float32", size: 2 }, disposed, disposed,
    ]);
  }

  /** With probability p, `v` replaced by an odd value (or a disposed / int32 / 0-d tensor). */
  maybe<V>(v: V, p = 0.08): V | unknown {
    if (!this.rng.chance(p)) return v;
    return this.rng.weighted([
      [4, () => this.odd()],
      [1, () => (this.disposed.length > 0 ? this.rng.pick(this.disposed) : null)],
      [1, () => this.make(this.shape(2, 16), "int32")],
      [1, () => this.make([], "float32")],
    ])();
  }

  /** For receivers of method-only calls: sometimes a disposed, int32 or 0-d tensor instead. */
  maybeT(t: Tensor, p = 0.08): Tensor {
    if (!this.rng.chance(p)) return t;
    const d = this.disposed.length > 0 && this.rng.chance(0.5) ? this.rng.pick(this.disposed) : null;
    return d ?? (this.rng.chance(0.5) ? this.make(this.shape(2, 16), "int32") : this.make([], "float32"));
  }

  /** The reference view of an argument. */
  toRef(v: unknown, seen = new Set<unknown>()): unknown {
    if (v instanceof T.Tensor) {
      if (v.isDisposed) return R.DISPOSED;
      const rt = new R.RT(v.shape.slice(), this.values.get(v.storage!)!, v.dtype);
      rt.requiresGrad = v.requiresGrad;
      return rt;
    }
    if (Array.isArray(v) && !seen.has(v)) {
      seen.add(v);
      return v.map((x) => this.toRef(x, seen));
    }
    return v;
  }

  disposeSome(): void {
    while (this.pool.length > POOL) {
      const t = this.pool.splice(this.rng.int(this.pool.length), 1)[0];
      t.dispose();
      this.disposed.push(t);
      if (this.disposed.length > 12) this.disposed.shift();
    }
  }

  /** Every live tensor still holds its values (nothing wrote where it should not). */
  verifyPool(where: string): void {
    for (const t of this.pool) {
      const want = this.values.get(t.storage!)!;
      const got = t.data();
      for (let i = 0; i < want.length; i++) {
        if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
          throw new Error(`${where}: live tensor ${show(t)} changed at element ${i}: ${got[i]} (was ${want[i]})`);
        }
      }
    }
  }
}

// ---- the calls ----

const UNARY: R.UnaryName[] = ["neg", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "gelu", "silu", "abs", "square"];
const BINARY: R.BinaryName[] = ["add", "sub", "mul", "div"];
type Spec = [weight: number, make: (z: Fuzz) => Call];

/** x.method(...args) or F.fn(x, ...args), picked at random (both are public); F's form when x is not a Tensor. */
function either(z: Fuzz, name: string): (...a: unknown[]) => unknown {
  const fn = (F as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
  const useF = z.rng.chance(0.4);
  return (x, ...a) => (fn && (useF || !(x instanceof T.Tensor)) ? fn(x, ...a) : (x as Record<string, (...b: unknown[]) => unknown>)[name](...a));
}

function axisList(z: Fuzz, ndim: number): unknown {
  return z.rng.weighted([
    [2, undefined], [3, z.axis(ndim)], [1, []],
    [2, Array.from({ length: z.rng.range(1, Math.max(1, ndim)) }, () => z.axis(ndim))],
    [1, z.rng.pick(["0", 0.5, null, [0, "1"], {}])],
  ]);
}

function keepDim(z: Fuzz): unknown {
  return z.rng.weighted([[3, undefined], [3, false], [3, true], [0.3, "false"], [0.3, 1]]);
}

/** A factorisation of n into a random shape (with an optional −1), or a wrong one. */
function reshapeTarget(z: Fuzz, n: number): unknown[] {
  const dims: number[] = [];
  let rest = n;
  while (rest > 1 && dims.length < 5) {
    const divisors = [...Array(Math.min(rest, 40)).keys()].map((k) => k + 1).filter((k) => rest % k === 0 && k > 1);
    const d = z.rng.pick(divisors.length > 0 ? divisors : [rest]);
    dims.push(d);
    rest /= d;
  }
  if (rest !== 1) dims.push(rest);
  if (n === 0) dims.splice(z.rng.int(dims.length + 1), 0, 0);
  if (z.rng.chance(0.3)) dims.splice(z.rng.int(dims.length + 1), 0, 1);
  const out: unknown[] = dims.slice();
  if (out.length > 0 && z.rng.chance(0.3)) out[z.rng.int(out.length)] = -1;
  if (z.rng.chance(0.1)) out.push(z.rng.pick([2, -1, -2, 1.5, NaN, "3", 2 ** 31, 0]));
  return out;
}

const SPECS: Spec[] = [
  ...UNARY.map((op): Spec => [1, (z) => ({ op, args: [z.maybe(z.floatT())], run: either(z, op), ref: (c, x) => R.unary(c, op, x) })]),
  [2, (z) => ({
    op: "pow", args: [z.maybe(z.floatT()), z.maybe(z.rng.pick([2, 1, 0, 0.5, 3, -1, -0.5, 1.5, -2, 1 / 3, Infinity, -Infinity, 1e40, NaN]))],
    run: either(z, "pow"), ref: (c, x, p) => R.pow(c, x, p),
  })],
  ...BINARY.map((op): Spec => [3, (z) => {
    const x = z.floatT();
    const other = z.rng.weighted<() => unknown>([
      [3, () => z.like(z.broadcastable(x.shape))],
      [1, () => z.like(x.shape)],
      [1, () => x],
      [2, () => z.special()],
      [1, () => z.rng.normal()],
      [1, () => z.floatT()],
      [1, () => z.like([...z.shape(2, x.size > 4096 ? 1 : 8), ...x.shape.map((d) => (z.rng.chance(0.5) ? 1 : d))])],
    ])();
    const swap = z.rng.chance(0.3) && other instanceof T.Tensor;
    return { op, args: swap ? [other, z.maybe(x)] : [z.maybe(x), z.maybe(other)], run: either(z, op), ref: (c, a, b) => R.binary(c, op, a, b) };
  }]),
  ...(["sum", "mean"] as const).map((op): Spec => [3, (z) => {
    const x = z.floatT();
    return { op, args: [z.maybe(x), axisList(z, x.ndim), keepDim(z)], run: either(z, op), ref: (c, a, ax, k) => R.sumLike(c, op, a, ax, k) };
  }]),
  ...(["max", "min", "argmax", "argmin"] as const).map((op): Spec => [2, (z) => {
    const x = z.floatT();
    const axis = z.rng.weighted([[2, undefined], [5, z.axis(x.ndim)], [0.5, z.rng.pick(["0", [0], 1.5, null])]]);
    return { op, args: [z.maybe(x), axis, keepDim(z)], run: either(z, op), ref: (c, a, ax, k) => R.extreme(c, op, a, ax, k) };
  }]),
  [3, (z) => {
    const x = z.anyT();
    const target = z.rng.chance(0.05) ? z.odd() : reshapeTarget(z, x.size);
    const spread = Array.isArray(target) && z.rng.chance(0.5);
    return {
      op: "reshape", args: [z.maybe(x), target],
      run: (a, s) => (spread && a instanceof T.Tensor ? a.reshape(...(s as number[])) : F.reshape(a as Tensor, s as number[])),
      ref: (c, a, s) => R.reshape(c, a, s),
    };
  }],
  [1, (z) => ({ op: "flatten", args: [z.maybeT(z.anyT())], run: (a) => (a as Tensor).flatten(), ref: (c, a) => R.reshape(c, a, [-1]) })],
  [2, (z) => {
    const x = z.anyT();
    const dims: unknown[] = x.shape.map((_, i) => i).sort(() => z.rng.next() - 0.5).map((d) => (z.rng.chance(0.2) ? d - x.ndim : d));
    if (z.rng.chance(0.1)) dims.push(0);
    else if (z.rng.chance(0.1) && dims.length > 1) dims[0] = dims[1];
    const spread = z.rng.chance(0.5);
    return {
      op: "permute", args: [z.maybe(x), z.maybe(dims, 0.03)],
      run: (a, d) => (spread && a instanceof T.Tensor && Array.isArray(d) ? a.permute(...(d as number[])) : F.permute(a as Tensor, d as number[])),
      ref: (c, a, d) => R.permute(c, a, d),
    };
  }],
  [2, (z) => {
    const x = z.anyT();
    if (z.rng.chance(0.25)) return { op: "T", args: [z.maybeT(x)], run: (a) => (a as Tensor).T, ref: (c, a) => R.transpose(c, a, -2, -1) };
    const method = z.rng.chance(0.5);
    return {
      op: "transpose", args: [z.maybe(x), z.maybe(z.axis(x.ndim)), z.maybe(z.axis(x.ndim))],
      run: (a, d0, d1) => (method && a instanceof T.Tensor ? a.transpose(d0 as number, d1 as number) : F.transpose(a as Tensor, d0 as number, d1 as number)),
      // the method's dims default to −2, −1; F.transpose has no defaults
      ref: (c, a, d0, d1) => (method && a instanceof R.RT ? R.transpose(c, a, d0 === undefined ? -2 : d0, d1 === undefined ? -1 : d1) : R.transpose(c, a, d0, d1)),
    };
  }],
  [2, (z) => {
    const x = z.anyT();
    const d = z.axis(x.ndim);
    const n = x.ndim === 0 ? 1 : x.shape[(d + x.ndim) % Math.max(1, x.ndim)] ?? 1;
    const pos = () => (z.rng.chance(0.9) ? z.rng.range(-n - 2, n + 2) : z.rng.pick([2 ** 40, -(2 ** 40), 1.5, NaN]));
    const end = z.rng.chance(0.2) ? undefined : pos();
    return { op: "slice", args: [z.maybe(x), d, z.maybe(pos()), end], run: either(z, "slice"), ref: (c, a, dd, s, e) => R.slice(c, a, dd, s, e) };
  }],
  [2, (z) => {
    const x = z.anyT();
    const target: unknown[] = x.shape.map((d) => (d === 1 && z.rng.chance(0.6) ? z.rng.pick([0, 2, 3, 5]) : z.rng.chance(0.2) ? -1 : d));
    const lead = z.rng.range(0, 2);
    for (let i = 0; i < lead; i++) target.unshift(z.rng.chance(0.1) ? -1 : z.rng.range(0, 4));
    if (z.rng.chance(0.05)) target[0] = z.rng.pick([2 ** 31, 1e9, NaN, 1.5]);
    const spread = z.rng.chance(0.5);
    return {
      op: "expand", args: [z.maybe(x), z.maybe(target, 0.03)],
      run: (a, s) => (spread && a instanceof T.Tensor && Array.isArray(s) ? a.expand(...(s as number[])) : F.expand(a as Tensor, s as number[])),
      ref: (c, a, s) => R.expand(c, a, s),
    };
  }],
  [2, (z) => {
    const x = z.anyT();
    const dim = z.rng.chance(0.3) ? undefined : z.axis(x.ndim);
    return { op: "squeeze", args: [z.maybe(x), dim], run: either(z, "squeeze"), ref: (c, a, d) => R.squeeze(c, a, d) };
  }],
  [2, (z) => {
    const x = z.anyT();
    return { op: "unsqueeze", args: [z.maybe(x), z.maybe(z.axis(x.ndim + 1))], run: either(z, "unsqueeze"), ref: (c, a, d) => R.unsqueeze(c, a, d) };
  }],
  [3, (z) => {
    const x = z.anyT();
    const ax = z.axis(x.ndim);
    const a = ((ax % Math.max(1, x.ndim)) + Math.max(1, x.ndim)) % Math.max(1, x.ndim);
    const parts: unknown[] = [x];
    for (let i = z.rng.range(0, 3); i > 0; i--) {
      const s = x.shape.slice();
      if (s.length > 0) s[a] = z.rng.range(0, 4);
      if (z.rng.chance(0.1) && s.length > 0) s[z.rng.int(s.length)] += 1;
      parts.push(z.rng.chance(0.1) ? z.anyT() : z.make(s, z.rng.chance(0.9) ? x.dtype : "float32", undefined, x.dtype === "float32" && z.rng.chance(0.2)));
    }
    if (z.rng.chance(0.3)) parts.push(parts[0]);
    const list = parts.map((p) => z.maybe(p, 0.04));
    return {
      op: "concat", args: [z.maybe(list, 0.03), z.rng.chance(0.2) ? undefined : ax],
      run: (l, axis) => (z.rng.chance(0.5) ? T.concat(l as Tensor[], axis as number) : F.concat(l as Tensor[], axis as number)),
      ref: (c, l, axis) => R.concat(c, l, axis),
    };
  }],
  [3, (z) => {
    const x = z.floatT();
    const axis = z.rng.chance(0.2) ? undefined : z.axis(x.ndim);
    const a = axis === undefined ? 0 : ((axis % Math.max(1, x.ndim)) + Math.max(1, x.ndim)) % Math.max(1, x.ndim);
    const bound = x.ndim === 0 ? 1 : x.shape[a];
    const idx = z.indices(z.shape(2, 12), bound);
    return { op: "gather", args: [z.maybe(x), z.maybe(idx), axis], run: either(z, "gather"), ref: (c, xx, i, ax) => R.gather(c, xx, i, ax) };
  }],
  [3, (z) => {
    const x = z.floatT();
    const d = z.axis(x.ndim);
    const a = ((d % Math.max(1, x.ndim)) + Math.max(1, x.ndim)) % Math.max(1, x.ndim);
    const shape = x.shape.map((n, i) => (i === a ? z.rng.range(0, 4) : z.rng.chance(0.8) ? z.rng.range(0, n) : n + 1));
    if (z.rng.chance(0.05)) shape.push(1);
    const idx = z.indices(shape, x.ndim === 0 ? 1 : x.shape[a]);
    return { op: "takeAlongDim", args: [z.maybe(x), z.maybe(idx), d], run: either(z, "takeAlongDim"), ref: (c, xx, i, dd) => R.takeAlongDim(c, xx, i, dd) };
  }],
  [2, (z) => {
    const to = z.rng.pick(["float32", "int32"] as const);
    return { op: to === "int32" ? "toInt" : "toFloat", args: [z.maybeT(z.anyT())], run: (a) => (to === "int32" ? (a as Tensor).toInt() : (a as Tensor).toFloat()), ref: (c, a) => R.cast(c, a, to) };
  }],
  [1, (z) => ({ op: "clone", args: [z.maybe(z.anyT())], run: either(z, "clone"), ref: (c, a) => R.clone(c, a) })],
  [1, (z) => ({ op: "detach", args: [z.maybe(z.anyT())], run: either(z, "detach"), ref: (_c, a) => R.detach(a) })],
  [2, (z) => {
    const x = z.anyT();
    const src = z.rng.chance(0.8) ? z.make(x.shape.slice(), x.dtype) : z.anyT();
    const leaf = x.gradFn === null;
    return { op: "copy_", kind: "self", args: [z.maybeT(x, 0.04), z.maybe(src, 0.04)], run: (a, s) => (a as Tensor).copy_(s as Tensor), ref: (c, a, s) => R.copyInto(c, a, s, leaf) };
  }],
  [5, (z) => {
    // every rank combination from 1 to 4 on each side, batch dims broadcast, sometimes mismatched
    const ra = z.rng.range(1, 4), rb = z.rng.range(1, 4);
    const big = z.rng.chance(0.03);
    const m = big ? z.rng.range(60, 130) : z.rng.pick([0, 1, 1, 2, 3, 4, 5, 7, 9, 16, 17]);
    const k = big ? z.rng.range(60, 130) : z.rng.pick([0, 1, 2, 3, 4, 5, 8, 13, 33]);
    const n = big ? z.rng.range(60, 130) : z.rng.pick([0, 1, 1, 2, 3, 4, 6, 9, 16]);
    const batch = big ? [] : Array.from({ length: Math.max(ra, rb) - 2 }, () => z.rng.pick([1, 2, 3]));
    const bA = batch.slice(Math.max(0, batch.length - (ra - 2))).map((d) => (z.rng.chance(0.3) ? 1 : d));
    const bB = batch.slice(Math.max(0, batch.length - (rb - 2))).map((d) => (z.rng.chance(0.3) ? 1 : d));
    const sa = ra === 1 ? [k] : [...bA, m, k];
    const sb = rb === 1 ? [k] : [...bB, k, n];
    if (z.rng.chance(0.05)) sb[rb === 1 ? 0 : sb.length - 2] += 1;
    const a = z.like(sa), b = z.rng.chance(0.05) ? a : z.like(sb);
    return { op: "matmul", args: [z.maybe(a), z.maybe(b)], run: either(z, "matmul"), ref: (c, x, y) => R.matmul(c, x, y) };
  }],
  [3, (z) => {
    const inF = z.rng.pick([0, 1, 2, 3, 5, 8, 17]), outF = z.rng.pick([0, 1, 2, 4, 7, 16]);
    const lead = z.shape(3, 24);
    const x = z.like([...lead, inF]), w = z.like(z.rng.chance(0.05) ? [outF, inF + 1] : [outF, inF]);
    const b = z.rng.weighted<unknown>([[2, undefined], [1, null], [3, z.like([outF])], [0.3, z.like([outF + 1])]]);
    return { op: "linear", args: [z.maybe(x), z.maybe(w), z.maybe(b, 0.04)], run: (xx, ww, bb) => F.linear(xx as Tensor, ww as Tensor, bb as Tensor), ref: (c, xx, ww, bb) => R.linear(c, xx, ww, bb) };
  }],
  ...(["softmax", "logSoftmax"] as const).map((op): Spec => [3, (z) => {
    const x = z.floatT();
    return { op, args: [z.maybe(x), z.rng.chance(0.2) ? undefined : z.maybe(z.axis(x.ndim), 0.03)], run: either(z, op), ref: (c, a, ax) => R.softmax(c, op, a, ax) };
  }]),
  [3, (z) => {
    const x = z.floatT();
    const k = z.rng.range(1, Math.max(1, x.ndim));
    const ns: unknown = z.rng.weighted<unknown>([
      [4, x.shape.slice(x.ndim - k)], [1, x.shape[x.ndim - 1]], [0.5, [2, 3]], [0.5, []], [0.3, z.odd()],
    ]);
    const nsArr = Array.isArray(ns) ? ns : typeof ns === "number" ? [ns] : [1];
    const small = nsArr.every((d) => Number.isInteger(d) && d >= 0) && nsArr.length < 5 && (nsArr as number[]).reduce((a, b) => a * b, 1) <= 4096;
    const aff = () => (z.rng.chance(0.5) ? undefined : z.rng.chance(0.1) ? null : z.like(small ? (nsArr as number[]) : [1]));
    const eps = z.rng.weighted<unknown>([[5, undefined], [1, 0], [1, 1e-3], [0.5, 1], [0.3, 1e30], [0.3, -1], [0.3, NaN], [0.2, Infinity]]);
    return {
      op: "layerNorm", args: [z.maybe(x), ns, z.maybe(aff(), 0.04), z.maybe(aff(), 0.04), eps],
      run: (xx, n, w, b, e) => (z.rng.chance(0.5) || !(xx instanceof T.Tensor) ? F.layerNorm(xx as Tensor, n as number[], w as Tensor, b as Tensor, e as number) : (xx as Tensor).layerNorm(n as number[], w as Tensor, b as Tensor, e as number)),
      ref: (c, xx, n, w, b, e) => R.layerNorm(c, xx, n, w, b, e),
    };
  }],
  [3, (z) => {
    const C = z.rng.pick([0, 1, 2, 3, 5, 10]);
    const lead = z.shape(2, 16);
    const x = z.like([...lead, C]);
    const ignoreIndex = z.rng.weighted<unknown>([[5, undefined], [1, -1], [1, 0], [0.5, 2 ** 31 - 1], [0.2, 1.5], [0.2, "x"]]);
    const ii = typeof ignoreIndex === "number" ? ignoreIndex : -100;
    const n = lead.reduce((a, b) => a * b, 1);
    const tgt = z.ints(n, 0, Math.max(0, C - 1));
    for (let i = 0; i < n; i++) if (C === 0 || z.rng.chance(0.15)) tgt[i] = Number.isInteger(ii) ? ii : -100;
    if (z.rng.chance(0.05) && n > 0) tgt[z.rng.int(n)] = z.rng.pick([C, -5, 2 ** 31 - 1]);
    const targets = z.make(z.rng.chance(0.05) ? [...lead, 1] : lead, "int32", tgt);
    const options = z.rng.weighted<unknown>([
      [3, undefined],
      [6, { ignoreIndex, labelSmoothing: z.rng.pick([undefined, 0, 0, 0.1, 0.5, 1, 1.5, NaN]), reduction: z.rng.pick([undefined, "mean", "sum", "none", "avg"]) }],
      [0.3, z.odd()],
    ]);
    return {
      op: "crossEntropy", args: [z.maybe(x), z.maybe(targets), options],
      run: (xx, t, o) => (z.rng.chance(0.5) || !(xx instanceof T.Tensor) ? F.crossEntropy(xx as Tensor, t as Tensor, o as never) : (xx as Tensor).crossEntropy(t as Tensor, o as never)),
      ref: (c, xx, t, o) => R.crossEntropy(c, xx, t, o),
    };
  }],
  ...(["mseLoss", "binaryCrossEntropyWithLogits"] as const).map((op): Spec => [2, (z) => {
    const x = z.floatT();
    const y = z.rng.chance(0.9) ? z.like(x.shape) : z.floatT();
    const reduction = z.rng.pick([undefined, "mean", "sum", "none", "max", null]);
    return {
      op, args: [z.maybe(x), z.maybe(y), reduction], run: (a, b, r) => F[op](a as Tensor, b as Tensor, r as never),
      ref: (c, a, b, r) => (op === "mseLoss" ? R.mseLoss(c, a, b, r) : R.bceWithLogits(c, a, b, r)),
    };
  }]),
  [2, (z) => {
    const w = z.like(z.rng.chance(0.9) ? [z.rng.range(0, 6), z.rng.range(0, 5)] : z.shape(3, 8));
    const ids = z.indices(z.shape(3, 12), w.shape[0] ?? 1);
    return { op: "embedding", args: [z.maybe(ids), z.maybe(w)], run: (i, ww) => (z.rng.chance(0.5) && i instanceof T.Tensor ? i.embedding(ww as Tensor) : F.embedding(ww as Tensor, i as Tensor)), ref: (c, i, ww) => R.embedding(c, ww, i) };
  }],
  [2, (z) => {
    const p = z.rng.pick([undefined, 0, 0.1, 0.5, 0.9, 1, 1e-9, -0.1, 1.5, NaN]);
    const training = z.rng.pick([undefined, true, true, false, 1]);
    const g = z.rng.chance(0.8) ? new Generator(z.rng.int(1000)) : z.rng.pick([undefined, null, {}, "g"]);
    return { op: "dropout", args: [z.maybe(z.floatT()), p, training, g], run: (x, pp, t, gg) => F.dropout(x as Tensor, pp as number, t as boolean, gg as Generator), ref: (c, x, pp, t, gg) => R.dropout(c, x, pp, t, gg) };
  }],
  // ---- autograd entry points: any outcome within the error contract ----
  [2, (z) => {
    const t = z.anyT();
    const gradient = z.rng.weighted<() => unknown>([
      [3, () => undefined], [3, () => z.like(t.shape)], [1, () => t], [1, () => z.odd()],
      [1, () => (z.disposed.length > 0 ? z.rng.pick(z.disposed) : null)], [1, () => z.make(t.shape.slice(), "int32")], [1, () => z.floatT()],
    ])();
    return {
      op: "backward", kind: "effect", args: [z.maybeT(t), gradient], run: (a, g) => (a as Tensor).backward(g as Tensor),
      ref: () => {
        throw new R.Unspecified("backward: whether the graph is still there depends on earlier calls");
      },
    };
  }],
  [1, (z) => ({ op: "zeroGrad", kind: "effect", args: [z.anyT()], run: (a) => (a as Tensor).zeroGrad(), ref: () => new R.RT([], new Float64Array(0)) })],
  [1, (z) => {
    const flag = z.rng.pick<unknown>([undefined, true, true, false, "yes", 1, null]);
    return {
      op: "requiresGrad_", kind: "effect", args: [z.maybeT(z.anyT()), flag],
      run: (a, f) => {
        const t = a as Tensor;
        if (t.requiresGrad_(f as boolean) !== t) throw new Error("requiresGrad_ did not return its tensor");
        if (t.requiresGrad !== (f === undefined ? true : f)) throw new Error(`requiresGrad is ${t.requiresGrad} after requiresGrad_(${String(f)})`);
      },
      ref: (_c, a, f) => {
        const t = a as R.RT;
        if (a === R.DISPOSED) throw new R.Unspecified("requiresGrad_ on a disposed tensor only sets a flag");
        const flag = f === undefined ? true : f;
        if (typeof flag !== "boolean") throw new R.Invalid("requiresGrad_: not a boolean");
        if (flag && t.dtype !== "float32") throw new R.Invalid("requiresGrad_: int32");
        if (!flag && t.requiresGrad && !(a as R.RT & { leaf?: boolean }).leaf) throw new R.Unspecified("requiresGrad_(false) on a non-leaf is E_GRAD");
        return new R.RT([], new Float64Array(0));
      },
    };
  }],
  [1, (z) => {
    const device = z.rng.pick<unknown>(["cpu", "cpu", "webgpu", "cuda", null, 0]);
    const t = z.maybeT(z.anyT());
    return {
      op: "to", args: [t, device],
      run: (a, d) => (a as Tensor).to(d as string),
      ref: (_c, a, d) => {
        if (a === R.DISPOSED) throw new R.Invalid("to: disposed");
        if (d !== "cpu") throw new R.Invalid("to: not a registered device");
        return a as R.RT;
      },
      check: (out) => (out === t ? null : "to(\"cpu\") did not return the tensor itself"),
    };
  }],
  [1, (z) => {
    const x = z.like(z.shape(2, 8), true);
    const fn = z.rng.pick<unknown>([(a: Tensor) => a.mul(2).sum(), (a: Tensor) => a.tanh(), (a: Tensor) => a, null, () => 3]);
    const options = z.rng.pick<unknown>([undefined, { eps: 1e-2 }, { atol: -1 }, null, { eps: "x" }]);
    return {
      op: "gradcheck", kind: "effect", args: [fn, z.rng.chance(0.9) ? [z.maybe(x, 0.1)] : z.odd(), options],
      run: (f, i, o) => T.gradcheck(f as never, i as Tensor[], o as never),
      ref: () => {
        throw new R.Unspecified("gradcheck: the contract only");
      },
    };
  }],
  // ---- creation ----
  [3, (z) => {
    const shape = z.shape(3, 24);
    const n = shape.reduce((a, b) => a * b, 1);
    const dtype = z.rng.pick([undefined, "float32", "int32", "float64", 3]);
    const isInt = dtype === "int32";
    const flat = isInt ? Array.from(z.ints(n, -(2 ** 31), 2 ** 31 - 1)) : Array.from(z.floats(n));
    if (isInt && z.rng.chance(0.1) && n > 0) flat[z.rng.int(n)] = z.rng.pick([1.5, 2 ** 31, NaN]);
    const nest = (d: number, off: number): unknown => (d === shape.length ? flat[off] : Array.from({ length: shape[d] }, (_, i) => nest(d + 1, off * shape[d] + i)));
    const data = z.rng.weighted<() => unknown>([
      [3, () => nest(0, 0)],
      [2, () => (isInt ? Int32Array.from(flat) : Float32Array.from(flat))],
      [1, () => Float64Array.from(flat)],
      [1, () => z.special()],
      [0.5, () => z.odd()],
      [0.3, () => [[1, 2], [3]]],
      [0.3, () => [1, [2]]],
      [0.3, () => Array.from({ length: 70 }).reduce<unknown>((acc) => [acc], 1)],
    ])();
    const shapeArg = z.rng.chance(0.7) ? undefined : z.rng.chance(0.8) ? reshapeTarget(z, Array.isArray(data) || ArrayBuffer.isView(data) ? n : 1).map((d) => (d === -1 ? 1 : d)) : z.odd();
    const options = z.rng.weighted<unknown>([[3, undefined], [4, { dtype, requiresGrad: z.rng.pick([undefined, false, true, "yes"]) }], [0.3, z.odd()], [0.3, { device: z.rng.pick(["cpu", "gpu", 0]) }]]);
    return { op: "tensor", args: [data, shapeArg, options], run: (d, s, o) => T.tensor(d as never, s as number[], o as never), ref: (_c, d, s, o) => R.tensor(d, s, o) };
  }],
  [2, (z) => {
    const fn = z.rng.pick(["zeros", "ones", "full"] as const);
    const shape: unknown = z.rng.weighted<unknown>([[8, z.shape(4, 64)], [1, [2 ** 31]], [1, [1e9]], [0.5, [2 ** 30]], [0.5, [2 ** 15, 2 ** 15]], [0.5, [2 ** 16, 2 ** 16]], [0.5, [3, NaN]], [0.5, [-1]], [0.5, [1.5]], [0.5, [0, 2 ** 31]], [0.5, Array(65).fill(1)], [0.5, z.odd()]]);
    const value = fn === "full" ? z.rng.weighted<unknown>([[4, z.special()], [1, 7], [0.5, 1.5], [0.3, "1"]]) : fn === "zeros" ? 0 : 1;
    const options = z.rng.weighted<unknown>([[4, undefined], [3, { dtype: z.rng.pick(["float32", "int32"]) }], [0.5, { requiresGrad: true }], [0.3, z.odd()]]);
    const run = fn === "full" ? (s: unknown, v: unknown, o: unknown) => T.full(s as number[], v as number, o as never)
      : (s: unknown, _v: unknown, o: unknown) => T[fn](s as number[], o as never);
    return { op: fn, args: [shape, value, options], run, ref: (_c, s, v, o) => R.full(s, v, o) };
  }],
  [1, (z) => ({ op: "zerosLike", args: [z.maybe(z.anyT(), 0.2)], run: (t) => T.zerosLike(t as Tensor), ref: (_c, t) => R.zerosLike(t) })],
  [2, (z) => {
    const x = z.maybeT(z.anyT(), 0.1);
    const how = z.rng.pick(["item", "toArray", "dataInto", "data"] as const);
    const out = how === "dataInto" ? z.rng.pick([new Float32Array(Math.max(0, x.size + z.rng.range(-1, 2))), new Int32Array(x.size), new Float64Array(x.size), null]) : undefined;
    return {
      op: how, args: [x, out],
      run: (t, o) => (how === "item" ? (t as Tensor).item() : how === "toArray" ? (t as Tensor).toArray() : how === "data" ? (t as Tensor).data() : (t as Tensor).dataInto(o as Float32Array)),
      ref: (_c, t, o) => R.read(how, t, o),
      check: (got, want) => {
        const flat: number[] = how === "toArray" ? [got as number].flat(64) as number[] : how === "item" ? [got as number] : Array.from(got as ArrayLike<number>).slice(0, want.size);
        if (how === "dataInto" && got !== out) return "dataInto did not return its argument";
        if (how === "toArray" && want.ndim > 0) {
          let level: unknown = got;
          for (const d of want.shape) {
            if (!Array.isArray(level) || level.length !== d) return `toArray: not nested as ${JSON.stringify(want.shape)}`;
            if (d === 0) break;
            level = level[0];
          }
        }
        return R.mismatch(flat, want);
      },
    };
  }],
  [2, (z) => {
    // the large ends give at least 1e9 elements (E_OOM) or 2^31 (E_RANGE): never a size that fits
    const num = () => z.rng.weighted<unknown>([[5, z.rng.range(-10, 20)], [2, z.rng.normal() * 5], [0.5, 3e9], [0.3, 2 ** 31 + 5], [0.2, 1e12], [0.3, NaN], [0.3, Infinity], [0.2, "3"]]);
    const args = z.rng.chance(0.4) ? [num()] : [num(), num(), z.rng.weighted<unknown>([[4, undefined], [3, z.rng.pick([1, 2, -1, 0.5, -0.25, 3])], [0.5, 0], [0.3, NaN]])];
    const options = z.rng.weighted<unknown>([[5, undefined], [2, { dtype: z.rng.pick(["float32", "int32"]) }], [0.3, z.rng.pick(["cuda", null, 5])]]);
    return {
      op: "arange", args: [...args, ...(args.length === 1 ? [undefined, undefined] : []), options],
      run: (a, b, s, o) => T.arange(a as number, b as number, s as number, o as never), ref: (_c, a, b, s, o) => R.arange(a, b, s, o),
    };
  }],
  [2, (z) => {
    const fn = z.rng.pick(["randn", "rand"] as const);
    const seed = z.rng.int(1e6);
    const shape: unknown = z.rng.weighted<unknown>([[8, z.shape(3, 64)], [0.5, [1e9]], [0.5, [2 ** 29]], [0.3, [2 ** 31]], [0.3, z.odd()]]);
    const options = z.rng.weighted<unknown>([[3, undefined], [4, { generator: new Generator(seed) }], [1, { generator: new Generator(seed), requiresGrad: true }], [0.3, { dtype: "int32" }], [0.3, { generator: z.rng.pick([null, {}, 5]) }], [0.3, z.odd()]]);
    return {
      op: fn, args: [shape, options],
      run: (s, o) => {
        T.manualSeed(seed); // the default generator, when no generator is given
        return T[fn](s as number[], o as never);
      },
      ref: (_c, s, o) => R.random(fn, s, o, new Generator(seed)),
    };
  }],
];

const TOTAL_WEIGHT = SPECS.reduce((s, [w]) => s + w, 0);

function pickSpec(rng: Rng): Spec[1] {
  let r = rng.next() * TOTAL_WEIGHT;
  for (const [w, make] of SPECS) if ((r -= w) < 0) return make;
  return SPECS[0][1];
}

/** Per op: calls that succeeded and calls refused with a TesseraError (all seeds). */
const stats = new Map<string, { ok: number; refused: number }>();

/** One call: run it, compare with the reference, check the invariants. Throws a replayable description on failure. */
function step(z: Fuzz, call: Call, sentinel: Sentinel, baseline: number): void {
  const where = `seed ${z.seed}, call #${z.calls}: ${call.op}(${call.args.map((a) => show(a)).join(", ")})`; // before the call: inputs as they were
  const gradEnabled = z.rng.chance(0.85);
  const ctx: R.Ctx = { gradEnabled };
  const refArgs = call.args.map((a) => z.toRef(a));
  let expected: R.RT | null = null, refError: Error | null = null;
  try {
    expected = call.ref(ctx, ...refArgs);
  } catch (e) {
    if (!(e instanceof R.Invalid) && !(e instanceof R.TooBig) && !(e instanceof R.Unspecified)) throw e;
    refError = e;
  }
  let out: unknown, error: unknown = null;
  const t0 = performance.now();
  try {
    out = gradEnabled ? call.run(...call.args) : T.noGrad(() => call.run(...call.args));
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - t0;
  if (ms > SLOW_MS) throw new Error(`${where}: took ${ms.toFixed(0)} ms (a hang)`);
  const fail = (why: string) => {
    if (process.env.FUZZ_DUMP) {
      // the full arguments and result, for reducing a failure to a repro
      const dump = (v: unknown): unknown => (v instanceof T.Tensor ? (v.isDisposed ? "disposed" : { shape: v.shape, dtype: v.dtype, data: Array.from(v.data()).map(String) }) : Array.isArray(v) ? v.map(dump) : typeof v === "bigint" || typeof v === "symbol" ? String(v) : v);
      writeFileSync(process.env.FUZZ_DUMP, JSON.stringify({ where, why, args: call.args.map(dump), out: dump(out) }, null, 1));
    }
    throw new Error(`${where}: ${why}`);
  };

  const count = stats.get(call.op) ?? { ok: 0, refused: 0 };
  stats.set(call.op, count);
  if (error === null) count.ok++;
  else count.refused++;
  if (error !== null) {
    const breach = errorContractBreach(error);
    if (breach) fail(breach);
    const code = (error as T.TesseraError).code;
    if (refError === null) fail(`refused a valid call with ${code}: ${(error as Error).message}`);
    if (refError instanceof R.TooBig && code !== "E_OOM" && code !== "E_SHAPE") fail(`expected E_OOM for ${refError.message}, got ${code}`);
  } else {
    if (refError instanceof R.Invalid) fail(`accepted an invalid call (${refError.message}); returned ${show(out)}`);
    if (call.check) {
      const bad = call.check(out, expected!);
      if (bad) fail(bad);
    } else if (call.kind === "effect") {
      // (backward, zeroGrad, requiresGrad_, gradcheck: their effects show in the invariants below)
    } else if (call.kind === "self") {
      const target = call.args[0] as Tensor;
      if (out !== target) fail("copy_ did not return its target");
      z.values.set(target.storage!, Float64Array.from(expected!.data));
    } else if (refError instanceof R.Unspecified) {
      if (out instanceof T.Tensor) z.track(out, Float64Array.from(out.data()));
    } else if (out instanceof T.Tensor) {
      checkTensorResult(z, out, expected, refError, fail);
    } else fail(`returned ${show(out)}, not a tensor`);
  }

  // allocator invariants, exact block count, sentinels
  const problems = memoryBreaches();
  if (problems.length > 0) fail(`memory(): ${problems.join("; ")}`);
  const explained = liveStorages([...z.pool, ...sentinel.tensors]).size;
  const blocks = T.memory().numBlocks;
  if (blocks !== baseline + explained) fail(`numBlocks ${blocks}, live tensors explain ${baseline + explained} (${blocks - baseline - explained > 0 ? "leak" : "double free"})`);
  sentinel.check(where);
}

function checkTensorResult(z: Fuzz, out: Tensor, expected: R.RT | null, refError: Error | null, fail: (why: string) => never): void {
  if (refError instanceof R.TooBig) {
    // allowed to succeed when it fits; the values are not computed by the reference
    z.pool.push(out);
    z.values.set(out.storage!, Float64Array.from(out.data()));
    return;
  }
  const want = expected!;
  if (out.isDisposed) fail("returned a disposed tensor");
  if (out.shape.length !== want.shape.length || out.shape.some((d, i) => d !== want.shape[i])) fail(`shape ${JSON.stringify(out.shape)}, expected ${JSON.stringify(want.shape)}`);
  if (out.size !== want.size) fail(`size ${out.size}, expected ${want.size}`);
  if (out.dtype !== want.dtype) fail(`dtype ${out.dtype}, expected ${want.dtype}`);
  if (out.requiresGrad !== want.requiresGrad) fail(`requiresGrad ${out.requiresGrad}, expected ${want.requiresGrad}`);
  const got = out.data();
  const bad = R.mismatch(got, want);
  if (bad) fail(`values: ${bad}`);
  const known = z.values.get(out.storage!);
  if (known) {
    // a view of a live tensor: same values as its storage
    for (let i = 0; i < got.length; i++) if (!Object.is(known[i], got[i]) && !(Number.isNaN(known[i]) && Number.isNaN(got[i]))) fail(`view differs from its storage at ${i}`);
  } else z.values.set(out.storage!, Float64Array.from(got));
  if (!z.pool.includes(out)) z.pool.push(out);
}

/** Tensors made before the fuzz with a known product; every call must leave them and matmul intact. */
class Sentinel {
  readonly a: Tensor;
  readonly b: Tensor;
  readonly want: number[];
  readonly aVals: number[];
  readonly bVals: number[];
  constructor() {
    this.aVals = Array.from({ length: 5 * 7 }, (_, i) => ((i * 7) % 11) - 5);
    this.bVals = Array.from({ length: 7 * 3 }, (_, i) => ((i * 5) % 9) - 4);
    this.a = T.tensor(this.aVals, [5, 7]);
    this.b = T.tensor(this.bVals, [7, 3]);
    this.want = [];
    for (let i = 0; i < 5; i++) for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 7; k++) s += this.aVals[i * 7 + k] * this.bVals[k * 3 + j];
      this.want.push(s);
    }
  }
  get tensors(): Tensor[] {
    return [this.a, this.b];
  }
  check(where: string): void {
    const c = T.noGrad(() => this.a.matmul(this.b));
    const got = Array.from(c.data());
    c.dispose();
    if (got.some((v, i) => v !== this.want[i])) throw new Error(`${where}: sentinel matmul gives ${JSON.stringify(got)}, expected ${JSON.stringify(this.want)}`);
    if (Array.from(this.a.data()).some((v, i) => v !== this.aVals[i]) || Array.from(this.b.data()).some((v, i) => v !== this.bVals[i])) {
      throw new Error(`${where}: a sentinel tensor was overwritten`);
    }
  }
  dispose(): void {
    this.a.dispose();
    this.b.dispose();
  }
}

describe("op fuzz", () => {
  afterAll(() => {
    const total = [...stats.values()].reduce((n, c) => n + c.ok + c.refused, 0);
    console.log(`op fuzz: ${total} calls over ${stats.size} ops (ok/refused): ${[...stats].map(([op, c]) => `${op} ${c.ok}/${c.refused}`).join(", ")}`);
    // every op was exercised both ways, so the fuzz cannot silently stop reaching one
    if (process.env.FUZZ_SEED === undefined) for (const [op, c] of stats) expect(c.ok, `${op} never succeeded`).toBeGreaterThan(0);
  });

  it.each(SEEDS)("seed %i: random public-API calls keep the error, value and memory contracts", (seed) => {
    const rng = new Rng(seed);
    const z = new Fuzz(rng, seed);
    const sentinel = new Sentinel();
    sentinel.check("before the fuzz"); // warms up the backend's scratch
    const baseline = T.memory().numBlocks - liveStorages(sentinel.tensors).size;
    try {
      for (z.calls = 0; z.calls < CALLS; z.calls++) {
        const call = pickSpec(rng)(z);
        if (process.env.FUZZ_LOG) appendFileSync(process.env.FUZZ_LOG, `${z.calls} ${call.op}(${call.args.map((a) => show(a)).join(", ").slice(0, 300)})\n`);
        step(z, call, sentinel, baseline);
        z.disposeSome();
        if (z.calls % 100 === 99) z.verifyPool(`seed ${seed}, after call #${z.calls}`);
      }
      z.verifyPool(`seed ${seed}, at the end`);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n  replay: FUZZ_SEED=${seed} npx vitest run test/fuzz/ops.fuzz.test.ts`, { cause: e });
    } finally {
      for (const t of z.pool) t.dispose();
      sentinel.dispose();
    }
    expect(T.memory().numBlocks, `seed ${seed}: every fuzz tensor disposed`).toBe(baseline);
    expect(memoryBreaches()).toEqual([]);
  });
});
