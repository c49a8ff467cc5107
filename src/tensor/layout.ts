// Shape and layout ops: reshape/squeeze/unsqueeze are views (shared storage); permute, transpose,
// slice, expand, concat and gather copy into a new contiguous tensor through the strided-copy
// kernel, and their gradients scatter back through the same strides.
import { TesseraError, fail } from "../errors.js";
import { Binary } from "../backend/backend.js";
import { cpuBackend } from "../backend/cpu-wasm.js";
import { heapF32, heapI32 } from "../runtime/wasm.js";
import { Tensor, type DType } from "./tensor.js";
import { composite, isGradEnabled, record } from "./autograd.js";
import { broadcastStrides, checkShape, fmt, normAxis, sizeOf, stridesOf, type Shape } from "./shape.js";
import { withI32Arrays } from "./scratch.js";
import { checkFloat, checkTensor, zeros } from "./creation.js";
import { sumToShape } from "./reduce.js";

/** Contiguous copy of the strided view (shape, strides, offset) of x. */
function stridedCopy(x: Tensor, shape: Shape, strides: readonly number[], offset: number, dtype: DType = x.dtype): Tensor {
  const out = Tensor.empty(shape, dtype);
  if (out.size > 0) {
    withI32Arrays([shape, strides], (sp, st) => cpuBackend().stridedCopy32(x.ptr, out.ptr, shape.length, sp, st, offset));
  }
  return out;
}

/** Writes contiguous src into the strided view of dst (adds when accumulate). */
function stridedScatter(src: Tensor, dst: Tensor, strides: readonly number[], offset: number, accumulate: boolean): void {
  if (src.size === 0) return;
  withI32Arrays([src.shape, strides], (sp, st) =>
    cpuBackend().stridedScatterF32(src.ptr, dst.ptr, src.ndim, sp, st, offset, accumulate ? 1 : 0));
}

export function reshape(x: Tensor, shape: number[]): Tensor {
  checkTensor("reshape: input", x);
  const infer = shape.indexOf(-1);
  if (shape.some((d, i) => !Number.isInteger(d) || d < -1 || (d === -1 && i !== infer))) {
    fail("E_SHAPE", "reshape: shape", "non-negative integers with at most one -1", shape);
  }
  const known = sizeOf(shape.filter((d) => d !== -1));
  const resolved = shape.slice();
  if (infer >= 0) {
    if (known === 0 || x.size % known !== 0) fail("E_SHAPE", "reshape: shape", `a shape compatible with ${x.size} elements (input ${fmt(x.shape)})`, shape);
    resolved[infer] = x.size / known;
  }
  if (sizeOf(resolved) !== x.size) fail("E_SHAPE", "reshape: shape", `a shape with ${x.size} elements (input ${fmt(x.shape)})`, shape);
  return record("reshape", x.view(resolved), [x], (g) => [g.view(x.shape)]);
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor("unsqueeze: input", x);
  const d = normAxis("unsqueeze: dim", dim, x.ndim + 1);
  const s = x.shape.slice();
  s.splice(d, 0, 1);
  return reshape(x, s);
}

export function squeeze(x: Tensor, dim?: number): Tensor {
  checkTensor("squeeze: input", x);
  if (dim === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const d = normAxis("squeeze: dim", dim, x.ndim);
  return reshape(x, x.shape[d] === 1 ? x.shape.filter((_, i) => i !== d) : x.shape.slice());
}

export function permute(x: Tensor, dims: number[]): Tensor {
  checkTensor("permute: input", x);
  if (dims.length !== x.ndim) fail("E_SHAPE", "permute: dims", `${x.ndim} dimensions for input ${fmt(x.shape)}`, dims);
  const p = dims.map((d) => normAxis("permute: dims", d, x.ndim));
  if (new Set(p).size !== p.length) fail("E_VALUE", "permute: dims", "a permutation (no repeats)", dims);
  const xs = stridesOf(x.shape);
  const shape = p.map((d) => x.shape[d]);
  let out: Tensor;
  if (x.ndim === 2 && p[0] === 1) {
    out = Tensor.empty(shape, x.dtype);
    cpuBackend().transpose2dF32(x.ptr, out.ptr, x.shape[0], x.shape[1]);
  } else out = stridedCopy(x, shape, p.map((d) => xs[d]), 0);
  const inverse = p.map((_, i) => p.indexOf(i));
  return record("permute", out, [x], (g) => [permute(g, inverse)]);
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor("transpose: input", x);
  const a = normAxis("transpose: dim0", dim0, x.ndim);
  const b = normAxis("transpose: dim1", dim1, x.ndim);
  const dims = x.shape.map((_, i) => i);
  [dims[a], dims[b]] = [dims[b], dims[a]];
  return permute(x, dims);
}

/** Elements start ≤ i < end along dim (negative indices count from the end; clamped like Python). */
export function slice(x: Tensor, dim: number, start: number, end?: number): Tensor {
  checkTensor("slice: input", x);
  const d = normAxis("slice: dim", dim, x.ndim);
  const n = x.shape[d];
  const clamp = (arg: string, v: unknown) => {
    if (typeof v !== "number" || !Number.isInteger(v)) fail("E_TYPE", arg, "an integer", v);
    return Math.min(n, Math.max(0, v < 0 ? v + n : v));
  };
  const s = clamp("slice: start", start);
  const e = Math.max(s, end === undefined ? n : clamp("slice: end", end));
  const shape = x.shape.slice();
  shape[d] = e - s;
  const xs = stridesOf(x.shape);
  const out = stridedCopy(x, shape, xs, s * xs[d]);
  return record("slice", out, [x], (g) => {
    const dx = zeros(x.shape);
    stridedScatter(g, dx, xs, s * xs[d], false);
    return [dx];
  });
}

/** Copy of x broadcast to `shape` (multiplied by scale); no autograd. */
export function expandRaw(x: Tensor, shape: Shape, scale = 1): Tensor {
  const out = stridedCopy(x, shape, broadcastStrides(x.shape, shape), 0);
  if (scale !== 1) cpuBackend().binaryScalarF32(Binary.mul, out.ptr, scale, out.ptr, out.size, 0);
  return out;
}

/** Broadcast x to `shape` (torch.expand; -1 keeps a dimension), as a contiguous copy. */
export function expand(x: Tensor, shape: number[]): Tensor {
  checkTensor("expand: input", x);
  const lead = shape.length - x.ndim;
  if (lead < 0) fail("E_SHAPE", "expand: shape", `at least ${x.ndim} dimensions for input ${fmt(x.shape)}`, shape);
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
  checkShape("expand: shape", target);
  target.forEach((d, i) => {
    if (i >= lead && x.shape[i - lead] !== 1 && x.shape[i - lead] !== d) {
      fail("E_SHAPE", "expand: shape", `size ${x.shape[i - lead]} or a broadcast of 1 at dimension ${i} (input ${fmt(x.shape)})`, shape);
    }
  });
  return record("expand", expandRaw(x, target), [x], (g) => [sumToShape(g, x.shape)]);
}

/** Joins tensors of equal shape except along axis. */
export function concat(tensors: Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) fail("E_VALUE", "concat: tensors", "a non-empty array of tensors", tensors);
  tensors.forEach((t, i) => checkTensor(`concat: tensors[${i}]`, t));
  const first = tensors[0];
  const ax = normAxis("concat: axis", axis, first.ndim);
  tensors.forEach((t, i) => {
    if (t.dtype !== first.dtype) throw new TesseraError("E_DTYPE", `concat: tensors[${i}]: expected dtype ${first.dtype}, received ${t.dtype}`);
    if (t.ndim !== first.ndim || t.shape.some((d, j) => j !== ax && d !== first.shape[j])) {
      throw new TesseraError("E_SHAPE", `concat: tensors[${i}]: expected shape ${fmt(first.shape.map((d, j) => (j === ax ? -1 : d)))} (any size on axis ${ax}), received ${fmt(t.shape)}`);
    }
  });
  const shape = first.shape.slice();
  shape[ax] = tensors.reduce((n, t) => n + t.shape[ax], 0);
  const out = Tensor.empty(shape, first.dtype);
  const os = stridesOf(shape);
  const offsets: number[] = [];
  let at = 0;
  for (const t of tensors) {
    offsets.push(at * os[ax]);
    stridedScatter(t, out, os, at * os[ax], false); // a plain copy: exact for int32 bits too
    at += t.shape[ax];
  }
  return record("concat", out, tensors, (g) => tensors.map((t, i) => (t.requiresGrad ? stridedCopy(g, t.shape, os, offsets[i]) : null)));
}

function checkIndices(fn: string, indices: unknown, bound: number): Tensor {
  const idx = checkTensor(`${fn}: indices`, indices);
  if (idx.dtype !== "int32") throw new TesseraError("E_DTYPE", `${fn}: indices: expected an int32 tensor, received ${idx.dtype}`);
  const p = idx.ptr >>> 2;
  const view = heapI32();
  for (let i = 0; i < idx.size; i++) {
    const v = view[p + i];
    if (v < 0 || v >= bound) throw new TesseraError("E_RANGE", `${fn}: indices[${i}]: expected an index in [0, ${bound - 1}], received ${v}`);
  }
  return idx;
}

/** Rows of x (along axis) picked by int32 indices of any shape; torch.index_select / tf.gather. */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  checkFloat("gather: input", checkTensor("gather: input", x));
  const ax = normAxis("gather: axis", axis, x.ndim);
  checkIndices("gather", indices, x.shape[ax]);
  if (ax !== 0) {
    const order = [ax, ...x.shape.map((_, i) => i).filter((i) => i !== ax)];
    // picked: [...indices.shape, ...rest]; move the index dims back to position ax
    const k = indices.ndim;
    const rest = x.ndim - 1;
    const back = [...Array.from({ length: ax }, (_, i) => k + i), ...Array.from({ length: k }, (_, i) => i),
      ...Array.from({ length: rest - ax }, (_, i) => k + ax + i)];
    return composite([x], () => permute(gather(permute(x, order), indices, 0), back));
  }
  const inner = sizeOf(x.shape.slice(1));
  const out = Tensor.empty([...indices.shape, ...x.shape.slice(1)]);
  cpuBackend().embeddingGatherF32(x.ptr, indices.ptr, out.ptr, indices.size, inner);
  return record("gather", out, [x], (g) => {
    const dx = zeros(x.shape);
    cpuBackend().embeddingScatterAddF32(g.ptr, indices.ptr, dx.ptr, indices.size, inner);
    return [dx];
  });
}

/**
 * torch.gather(x, dim, indices): out[i][j][k] = x[i][indices[i][j][k]][k] for dim 1 (likewise for
 * any dim). indices has x's rank and, off `dim`, sizes no larger than x's; out has its shape. The
 * gradient adds each element of dOut into the picked position (repeats add up).
 */
export function takeAlongDim(x: Tensor, indices: Tensor, dim: number): Tensor {
  checkFloat("takeAlongDim: input", checkTensor("takeAlongDim: input", x));
  const d = normAxis("takeAlongDim: dim", dim, x.ndim);
  const idx = checkIndices("takeAlongDim", indices, x.shape[d]);
  if (idx.ndim !== x.ndim || idx.shape.some((n, i) => i !== d && n > x.shape[i])) {
    fail("E_SHAPE", "takeAlongDim: indices", `rank ${x.ndim} with sizes at most [${x.shape.map((n, i) => (i === d ? "any" : n)).join(", ")}]`, idx.shape);
  }
  // Flat offsets into x of every picked element, then a width-1 gather over x's elements.
  const xs = stridesOf(x.shape);
  const n = idx.size;
  const flat = Tensor.empty(idx.shape, "int32");
  const i32 = heapI32();
  const ip = idx.ptr >>> 2;
  const fp = flat.ptr >>> 2;
  const pos = new Array<number>(idx.ndim).fill(0);
  for (let e = 0; e < n; e++) {
    let off = 0;
    for (let a = 0; a < idx.ndim; a++) off += (a === d ? i32[ip + e] : pos[a]) * xs[a];
    i32[fp + e] = off;
    for (let a = idx.ndim - 1; a >= 0 && ++pos[a] === idx.shape[a]; a--) pos[a] = 0;
  }
  const out = Tensor.empty(idx.shape);
  cpuBackend().embeddingGatherF32(x.ptr, flat.ptr, out.ptr, n, 1);
  return record("takeAlongDim", out, [x], (g) => {
    const dx = zeros(x.shape);
    cpuBackend().embeddingScatterAddF32(g.ptr, flat.ptr, dx.ptr, n, 1);
    return [dx];
  }, [flat]);
}

export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor("cast: input", x);
  if (dtype !== "float32" && dtype !== "int32") fail("E_DTYPE", "cast: dtype", '"float32" or "int32"', dtype);
  if (dtype === x.dtype) return clone(x);
  const out = Tensor.empty(x.shape, dtype);
  const src = x.data();
  if (dtype === "int32") heapI32().set(Array.from(src, (v) => (Number.isFinite(v) ? Math.trunc(v) | 0 : 0)), out.ptr >>> 2);
  else heapF32().set(src, out.ptr >>> 2);
  return out;
}

export function clone(x: Tensor): Tensor {
  checkTensor("clone: input", x);
  const out = Tensor.empty(x.shape, x.dtype);
  cpuBackend().copyBytes(out.ptr, x.ptr, x.size * 4);
  return record("clone", out, [x], (g) => [g]);
}

/** Overwrites x's values with src's (same shape and dtype), like torch's `x.copy_(src)`; no autograd. */
export function copyInto(x: Tensor, src: Tensor): Tensor {
  checkTensor("copy_: input", x);
  checkTensor("copy_: src", src);
  if (src.dtype !== x.dtype || src.size !== x.size || src.ndim !== x.ndim || src.shape.some((d, i) => d !== x.shape[i])) {
    throw new TesseraError("E_SHAPE", `copy_: src: expected ${x.dtype} ${fmt(x.shape)}, received ${src.dtype} ${fmt(src.shape)}`);
  }
  if (isGradEnabled() && x.requiresGrad && x.gradFn === null) {
    throw new TesseraError("E_GRAD", "copy_: expected noGrad() around an in-place update of a leaf that requires grad, received a call with autograd recording");
  }
  cpuBackend().copyBytes(x.ptr, src.ptr, x.size * 4);
  return x;
}

/** Same data, cut from the graph (shares storage, like torch's detach). */
export function detach(x: Tensor): Tensor {
  checkTensor("detach: input", x);
  return x.view(x.shape);
}

export function setRequiresGrad(x: Tensor, flag: boolean): void {
  if (typeof flag !== "boolean") fail("E_TYPE", "requiresGrad_: flag", "a boolean", flag);
  if (x.gradFn !== null && !flag) throw new TesseraError("E_GRAD", "requiresGrad_(false): expected a leaf tensor, received one produced by an op (use detach())");
  if (flag && x.dtype !== "float32") throw new TesseraError("E_DTYPE", `requiresGrad_: expected a float32 tensor, received ${x.dtype}`);
  x.requiresGrad = flag;
}

