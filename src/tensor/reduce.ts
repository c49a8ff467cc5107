// Reductions over one or more axes (sum, mean, max, min, argmax, argmin) with keepDim, and
// sumToShape — the gradient of broadcasting. The kernel sees x as [outer, len, inner].
import { TesseraError, describe } from "../errors.js";
import { Reduce } from "../backend/backend.js";
import { cpuBackend } from "../backend/cpu-wasm.js";
import { Tensor } from "./tensor.js";
import { record } from "./autograd.js";
import { normAxis, sizeOf, fmt, type Shape } from "./shape.js";
import { checkFloat, checkTensor } from "./creation.js";
import { expandRaw } from "./layout.js";

function split(shape: Shape, axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis], sizeOf(shape.slice(axis + 1))];
}

/** Reduces one axis, keeping it as size 1. */
function reduceAxisRaw(x: Tensor, axis: number, op: keyof typeof Reduce): Tensor {
  const [outer, len, inner] = split(x.shape, axis);
  const shape = x.shape.slice();
  shape[axis] = 1;
  const out = Tensor.empty(shape);
  cpuBackend().reduceAxisF32(Reduce[op], x.ptr, out.ptr, outer, len, inner);
  return out;
}

function axesOf(fn: string, x: Tensor, axis: number | number[] | undefined): number[] {
  if (axis === undefined) return x.shape.map((_, i) => i);
  const list = Array.isArray(axis) ? axis : [axis];
  const axes = list.map((a) => normAxis(`${fn}: axis`, a, x.ndim));
  if (new Set(axes).size !== axes.length) throw new TesseraError("E_VALUE", `${fn}: axis: expected distinct axes, received ${describe(axis)}`);
  return axes;
}

function outShape(shape: Shape, axes: number[], keepDim: boolean): number[] {
  return keepDim ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/** Sum (op "sum") or sum/count (op "mean") over axes; one kernel call per axis. */
function sumLike(fn: "sum" | "mean", x: Tensor, axis: number | number[] | undefined, keepDim: boolean): Tensor {
  checkFloat(`${fn}: input`, checkTensor(`${fn}: input`, x));
  const axes = axesOf(fn, x, axis);
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  let cur = x;
  if (x.ndim === 0 || axes.length === 0) cur = x.view(x.shape); // nothing to reduce: a copy-free view
  for (const a of [...axes].sort((p, q) => q - p)) {
    const next = reduceAxisRaw(cur, a, fn);
    if (cur !== x) cur.dispose();
    cur = next;
  }
  const out = cur.view(outShape(x.shape, axes, keepDim));
  cur.dispose();
  return record(fn, out, [x], (g) => {
    const keep = g.view(outShape(x.shape, axes, true));
    const dx = expandRaw(keep, x.shape, fn === "mean" ? 1 / count : 1);
    keep.dispose();
    return [dx];
  });
}

export function sum(x: Tensor, axis?: number | number[], keepDim = false): Tensor {
  return sumLike("sum", x, axis, keepDim);
}

export function mean(x: Tensor, axis?: number | number[], keepDim = false): Tensor {
  return sumLike("mean", x, axis, keepDim);
}

/** argmax/argmin indices over one axis (or the flattened tensor), int32. */
function argRaw(fn: "argmax" | "argmin", x: Tensor, axis: number | undefined, keepDim: boolean): Tensor {
  checkFloat(`${fn}: input`, checkTensor(`${fn}: input`, x));
  const flat = axis === undefined;
  const src = flat ? x.view([x.size]) : x;
  const ax = flat ? 0 : normAxis(`${fn}: axis`, axis, x.ndim);
  if (src.shape[ax] === 0 || src.ndim === 0 && src.size === 0) {
    if (flat) src.dispose();
    throw new TesseraError("E_SHAPE", `${fn}: input: expected a non-empty reduction axis, received shape ${fmt(x.shape)}`);
  }
  const [outer, len, inner] = src.ndim === 0 ? [1, 1, 1] : split(src.shape, ax);
  const out = Tensor.empty(flat ? (keepDim ? x.shape.map(() => 1) : []) : outShape(x.shape, [ax], keepDim), "int32");
  const be = cpuBackend();
  (fn === "argmax" ? be.argmaxAxisF32 : be.argminAxisF32)(src.ptr, out.ptr, outer, len, inner);
  if (flat) src.dispose();
  return out;
}

export const argmax = (x: Tensor, axis?: number, keepDim = false) => argRaw("argmax", x, axis, keepDim);
export const argmin = (x: Tensor, axis?: number, keepDim = false) => argRaw("argmin", x, axis, keepDim);

/** max/min values over one axis (or everything); the gradient flows to the first extreme element. */
function extreme(fn: "max" | "min", x: Tensor, axis: number | undefined, keepDim: boolean): Tensor {
  const idx = argRaw(fn === "max" ? "argmax" : "argmin", x, axis, true);
  const flat = axis === undefined;
  const src = flat ? x.view([x.size]) : x;
  const ax = flat ? 0 : normAxis(`${fn}: axis`, axis, x.ndim);
  const vals = src.ndim === 0 ? src.view([]) : reduceAxisRaw(src, ax, fn);
  const out = vals.view(flat ? (keepDim ? x.shape.map(() => 1) : []) : outShape(x.shape, [ax], keepDim));
  vals.dispose();
  if (flat) src.dispose();
  return record(fn, out, [x], (g) => {
    const dx = Tensor.empty(x.shape);
    const [outer, len, inner] = x.ndim === 0 ? [1, 1, 1] : split(flat ? [x.size] : x.shape, ax);
    cpuBackend().scatterAxisF32(idx.ptr, g.ptr, dx.ptr, outer, len, inner);
    return [dx];
  }, [idx]);
}

export const max = (x: Tensor, axis?: number, keepDim = false) => extreme("max", x, axis, keepDim);
export const min = (x: Tensor, axis?: number, keepDim = false) => extreme("min", x, axis, keepDim);

/** Sums g over the axes that broadcasting expanded, giving a tensor of `shape`. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  if (axes.length === 0) return g.view(shape);
  const s = sum(g, axes, false);
  const out = s.view(shape);
  s.dispose();
  return out;
}
