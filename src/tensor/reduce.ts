// Reductions over one or more axes (sum, mean, max, min, argmax, argmin) with keepDim, and
// sumToShape — the gradient of broadcasting. The kernels see x as [outer, len, inner]. A 0-d tensor
// reduces over axis 0 / −1 as if it had one length-1 axis, like PyTorch; an empty axis list means
// every axis, as torch.sum(x, dim=[]) does.
import { TesseraError, describe } from "../errors.js";
import type { ReduceOp } from "../backend/backend.js";
import { Tensor } from "./tensor.js";
import { record } from "./autograd.js";
import { sizeOf, fmt, type Shape } from "./shape.js";
import { checkBool, floatTensor, normAxis } from "./check.js";
import { expandRaw } from "./layout.js";

/** [outer, len, inner] around axis; a 0-d tensor is [1, 1, 1]. */
function split(shape: Shape, axis: number): [number, number, number] {
  if (shape.length === 0) return [1, 1, 1];
  return [sizeOf(shape.slice(0, axis)), shape[axis], sizeOf(shape.slice(axis + 1))];
}

/** Reduces one axis, keeping it as size 1. */
function reduceAxisRaw(x: Tensor, axis: number, op: ReduceOp): Tensor {
  const [outer, len, inner] = split(x.shape, axis);
  const shape = x.shape.slice();
  if (shape.length > 0) shape[axis] = 1;
  const out = Tensor.empty(shape, "float32", x.backend);
  x.backend.reduceAxis(op, x.handle, out.handle, outer, len, inner);
  return out;
}

function axesOf(fn: string, x: Tensor, axis: number | number[] | undefined): number[] {
  if (axis === undefined || (Array.isArray(axis) && axis.length === 0)) return x.shape.map((_, i) => i);
  const list = Array.isArray(axis) ? axis : [axis];
  const axes = list.map((a) => normAxis(`${fn}: axis`, a, x.ndim));
  if (new Set(axes).size !== axes.length) throw new TesseraError("E_VALUE", `${fn}: axis: expected distinct axes, received ${describe(axis)}`);
  return axes;
}

function outShape(shape: Shape, axes: number[], keepDim: boolean): number[] {
  return keepDim ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/**
 * x reduced over `axes` (kept as size 1), one kernel call per axis, last axis first; x itself when
 * there is none. An intermediate is freed if a later step fails (E_OOM).
 */
function reduceAxesRaw(x: Tensor, axes: readonly number[], op: ReduceOp): Tensor {
  let cur = x;
  try {
    for (const a of [...axes].sort((p, q) => q - p)) {
      const next = reduceAxisRaw(cur, a, op);
      if (cur !== x) cur.dispose();
      cur = next;
    }
  } catch (e) {
    if (cur !== x) cur.dispose();
    throw e;
  }
  return cur;
}

/**
 * A tensor of `shape` filled with value: the sum (0) or mean (NaN) of an empty input. Reducing an
 * empty tensor axis by axis could make an intermediate far larger than input and output — the
 * product of the other dims, e.g. [1e5, 0, 1e4] → [1e5, 1, 1e4] — or one that cannot be allocated.
 */
function filled(x: Tensor, shape: number[], value: number): Tensor {
  const out = Tensor.empty(shape, "float32", x.backend);
  x.backend.fill(out.handle, out.size, value, "float32");
  return out;
}

/** Sum or mean over axes; one kernel call per axis. */
function sumLike(fn: "sum" | "mean", input: Tensor, axis: number | number[] | undefined, keepDim: boolean): Tensor {
  const x = floatTensor(`${fn}: input`, input);
  checkBool(`${fn}: keepDim`, keepDim);
  const axes = x.ndim === 0 ? [] : axesOf(fn, x, axis);
  if (x.ndim === 0 && axis !== undefined) axesOf(fn, x, axis); // validates; a 0-d sum is its value
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  const shape = outShape(x.shape, axes, keepDim);
  let out: Tensor;
  if (x.size === 0) out = filled(x, shape, fn === "sum" ? 0 : NaN);
  else {
    // a 0-d input goes through the kernel too, which adds to +0 like torch (−0 sums to +0)
    const cur = x.ndim === 0 ? reduceAxisRaw(x, 0, fn) : reduceAxesRaw(x, axes, fn);
    out = cur.view(shape);
    cur.dispose();
  }
  return record(fn, out, [x], (g) => {
    const kept = g.view(outShape(x.shape, axes, true));
    const dx = expandRaw(kept, x.shape, fn === "mean" ? 1 / count : 1);
    kept.dispose();
    return [dx];
  });
}

export function sum(x: Tensor, axis?: number | number[], keepDim = false): Tensor {
  return sumLike("sum", x, axis, keepDim);
}

export function mean(x: Tensor, axis?: number | number[], keepDim = false): Tensor {
  return sumLike("mean", x, axis, keepDim);
}

interface ArgAxis {
  /** x read as 1-D when no axis was given. */
  flat: boolean;
  ax: number;
  outer: number;
  len: number;
  inner: number;
  shape: number[];
}

function argAxis(fn: string, x: Tensor, axis: number | undefined, keepDim: boolean): ArgAxis {
  checkBool(`${fn}: keepDim`, keepDim);
  const flat = axis === undefined;
  const ax = flat ? 0 : normAxis(`${fn}: axis`, axis, x.ndim);
  const [outer, len, inner] = flat ? [1, x.size, 1] : split(x.shape, ax);
  if (len === 0) throw new TesseraError("E_SHAPE", `${fn}: input: expected a non-empty reduction axis, received shape ${fmt(x.shape)}`);
  const shape = flat ? (keepDim ? x.shape.map(() => 1) : []) : x.ndim === 0 ? [] : outShape(x.shape, [ax], keepDim);
  return { flat, ax, outer, len, inner, shape };
}

/** argmax/argmin indices over one axis (or the flattened tensor), int32. */
function argRaw(fn: "argmax" | "argmin", input: Tensor, axis: number | undefined, keepDim: boolean): Tensor {
  const x = floatTensor(`${fn}: input`, input);
  const a = argAxis(fn, x, axis, keepDim);
  const out = Tensor.empty(a.shape, "int32", x.backend);
  x.backend.argReduceAxis(fn === "argmax" ? "max" : "min", x.handle, out.handle, a.outer, a.len, a.inner);
  return out;
}

export const argmax = (x: Tensor, axis?: number, keepDim = false) => argRaw("argmax", x, axis, keepDim);
export const argmin = (x: Tensor, axis?: number, keepDim = false) => argRaw("argmin", x, axis, keepDim);

/** max/min values over one axis (or everything); the gradient flows to the first extreme element. */
function extreme(fn: "max" | "min", input: Tensor, axis: number | undefined, keepDim: boolean): Tensor {
  const x = floatTensor(`${fn}: input`, input);
  const a = argAxis(fn, x, axis, keepDim);
  const be = x.backend;
  const [idx, out] = Tensor.emptyMany(be, [[a.outer * a.inner], "int32"], [a.shape, "float32"]);
  be.argReduceAxis(fn, x.handle, idx.handle, a.outer, a.len, a.inner);
  be.reduceAxis(fn, x.handle, out.handle, a.outer, a.len, a.inner);
  return record(fn, out, [x], (g) => {
    const dx = Tensor.empty(x.shape, "float32", be);
    be.scatterAxis(idx.handle, g.handle, dx.handle, a.outer, a.len, a.inner);
    return [dx];
  }, [], [idx]);
}

export const max = (x: Tensor, axis?: number, keepDim = false) => extreme("max", x, axis, keepDim);
export const min = (x: Tensor, axis?: number, keepDim = false) => extreme("min", x, axis, keepDim);

/** Sums g over the axes that broadcasting expanded, giving a tensor of `shape` (a view when none). */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  if (axes.length === 0) return g.view(shape.slice());
  if (g.size === 0) return filled(g, shape.slice(), 0);
  const cur = reduceAxesRaw(g, axes, "sum");
  const out = cur.view(shape.slice());
  cur.dispose();
  return out;
}
