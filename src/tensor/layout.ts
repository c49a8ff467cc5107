// Shape and layout ops: reshape/squeeze/unsqueeze/detach are views (shared storage, like torch);
// permute, transpose, slice, expand, concat and gather copy into a new contiguous tensor through the
// strided-copy kernel, and their gradients scatter back through the same strides. Index arguments
// are range-checked on the device (findOutOfRange) where it can answer synchronously, else by the
// kernels (reported at the next read).
import { TesseraError, fail } from "../errors.js";
import type { DType } from "../backend/backend.js";
import { Tensor } from "./tensor.js";
import { composite, isGradEnabled, record } from "./autograd.js";
import { broadcastStrides, fmt, sizeOf, stridesOf, type Shape } from "./shape.js";
import {
  checkHasDims, checkInt32, checkShape, checkTensor, floatTensor, normAxis, sameBackend,
} from "./check.js";
import { sumToShape } from "./reduce.js";

/** Contiguous copy of the strided view (shape, strides, offset) of x. */
function stridedCopy(x: Tensor, shape: number[], strides: readonly number[], offset: number): Tensor {
  const out = Tensor.empty(shape, x.dtype, x.backend);
  if (out.size > 0) x.backend.stridedCopy(x.handle, out.handle, shape, strides, offset);
  return out;
}

/** Writes contiguous src into the strided view of dst (adds when accumulate). */
function stridedScatter(src: Tensor, dst: Tensor, strides: readonly number[], offset: number, accumulate: boolean): void {
  if (src.size > 0) dst.backend.stridedScatter(src.handle, dst.handle, src.shape, strides, offset, accumulate);
}

/** A zero-filled float32 tensor like x's shape, on x's device. */
function zerosOn(x: Tensor, shape: readonly number[]): Tensor {
  const t = Tensor.empty(shape, "float32", x.backend);
  x.backend.fill(t.handle, t.size, 0, "float32");
  return t;
}

/** A copy of x's data under `shape` (same size); no autograd. */
export function copyRaw(x: Tensor, shape: readonly number[] = x.shape.slice()): Tensor {
  const out = Tensor.empty(shape, x.dtype, x.backend);
  x.backend.copy(out.handle, x.handle, x.size);
  return out;
}

export function reshape(input: Tensor, shape: number[]): Tensor {
  const x = checkTensor("reshape: input", input);
  if (!Array.isArray(shape)) fail("E_TYPE", "reshape: shape", "an array of integers", shape);
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
  checkShape("reshape: shape", resolved);
  return record("reshape", x.view(resolved), [x], (g) => [g.view(x.shape.slice())]);
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
  return reshape(x, x.ndim > 0 && x.shape[d] === 1 ? x.shape.filter((_, i) => i !== d) : x.shape.slice());
}

export function permute(input: Tensor, dims: number[]): Tensor {
  const x = checkTensor("permute: input", input);
  if (!Array.isArray(dims) || dims.length !== x.ndim) fail("E_SHAPE", "permute: dims", `${x.ndim} dimensions for input ${fmt(x.shape)}`, dims);
  const p = dims.map((d) => normAxis("permute: dims", d, x.ndim));
  if (new Set(p).size !== p.length) fail("E_VALUE", "permute: dims", "a permutation (no repeats)", dims);
  const xs = stridesOf(x.shape);
  const shape = p.map((d) => x.shape[d]);
  let out: Tensor;
  if (x.ndim === 2 && p[0] === 1) {
    out = Tensor.empty(shape, x.dtype, x.backend);
    x.backend.transpose2d(x.handle, out.handle, x.shape[0], x.shape[1]);
  } else out = stridedCopy(x, shape, p.map((d) => xs[d]), 0);
  const inverse = p.map((_, i) => p.indexOf(i));
  return record("permute", out, [x], (g) => [permute(g, inverse)]);
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor("transpose: input", x);
  const a = normAxis("transpose: dim0", dim0, x.ndim);
  const b = normAxis("transpose: dim1", dim1, x.ndim);
  if (x.ndim < 2) return permute(x, x.shape.map((_, i) => i)); // torch: a copy of a 0-d or 1-d tensor
  const dims = x.shape.map((_, i) => i);
  [dims[a], dims[b]] = [dims[b], dims[a]];
  return permute(x, dims);
}

/** Elements start ≤ i < end along dim (negative indices count from the end; clamped like Python). */
export function slice(input: Tensor, dim: number, start: number, end?: number): Tensor {
  const x = checkHasDims("slice: input", checkTensor("slice: input", input));
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
    const dx = zerosOn(x, x.shape);
    stridedScatter(g, dx, xs, s * xs[d], false);
    return [dx];
  });
}

/** Copy of x broadcast to `shape` (multiplied by scale); no autograd. */
export function expandRaw(x: Tensor, shape: Shape, scale = 1): Tensor {
  const out = stridedCopy(x, shape.slice(), broadcastStrides(x.shape, shape), 0);
  if (scale !== 1) x.backend.binaryScalar("mul", out.handle, scale, out.handle, out.size, false);
  return out;
}

/** Broadcast x to `shape` (torch.expand; -1 keeps a dimension), as a contiguous copy. */
export function expand(input: Tensor, shape: number[]): Tensor {
  const x = checkTensor("expand: input", input);
  if (!Array.isArray(shape)) fail("E_TYPE", "expand: shape", "an array of integers", shape);
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

/**
 * The strided view (shape, element strides, offset) of x as a new contiguous tensor, like
 * torch.as_strided(...).contiguous(); windows may overlap (im2col), and the gradient adds every
 * element back to where it was read from. Internal: callers guarantee the view stays inside x.
 */
export function asStrided(x: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  return record("asStrided", stridedCopy(x, shape, strides, offset), [x], (g) => {
    const dx = zerosOn(x, x.shape);
    stridedScatter(g, dx, strides, offset, true);
    return [dx];
  });
}

/**
 * torch.nn.functional.pad with mode "constant": pads = [left, right] for the last dimension, then
 * [left, right] pairs for earlier ones ([l0, r0, l1, r1] pads the last two). Non-negative pads.
 */
export function pad(input: Tensor, pads: number[], value = 0): Tensor {
  const x = floatTensor("pad: input", input);
  if (!Array.isArray(pads) || pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
    fail("E_SHAPE", "pad: pads", `an even number of values, at most two per dimension of input ${fmt(x.shape)}`, pads);
  }
  pads.forEach((p) => { if (!Number.isInteger(p) || p < 0) fail("E_VALUE", "pad: pads", "non-negative integers", pads); });
  if (typeof value !== "number") fail("E_TYPE", "pad: value", "a number", value);
  const shape = x.shape.slice();
  let offset = 0;
  const os: number[] = [];
  for (let i = 0; i < pads.length / 2; i++) shape[x.ndim - 1 - i] += pads[2 * i] + pads[2 * i + 1];
  checkShape("pad: result", shape);
  os.push(...stridesOf(shape));
  for (let i = 0; i < pads.length / 2; i++) offset += pads[2 * i] * os[x.ndim - 1 - i];
  const out = Tensor.empty(shape, "float32", x.backend);
  x.backend.fill(out.handle, out.size, value, "float32");
  stridedScatter(x, out, os, offset, false);
  return record("pad", out, [x], (g) => [stridedCopy(g, x.shape.slice(), os, offset)]);
}

/** Joins tensors of equal shape except along axis. */
export function concat(tensors: Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) fail("E_VALUE", "concat: tensors", "a non-empty array of tensors", tensors);
  tensors.forEach((t, i) => checkHasDims(`concat: tensors[${i}]`, checkTensor(`concat: tensors[${i}]`, t)));
  const first = tensors[0];
  sameBackend("concat", tensors.map((_, i) => `tensors[${i}]`), tensors);
  const ax = normAxis("concat: axis", axis, first.ndim);
  tensors.forEach((t, i) => {
    if (t.dtype !== first.dtype) throw new TesseraError("E_DTYPE", `concat: tensors[${i}]: expected dtype ${first.dtype}, received ${t.dtype}`);
    if (t.ndim !== first.ndim || t.shape.some((d, j) => j !== ax && d !== first.shape[j])) {
      throw new TesseraError("E_SHAPE", `concat: tensors[${i}]: expected shape ${fmt(first.shape.map((d, j) => (j === ax ? -1 : d)))} (any size on axis ${ax}), received ${fmt(t.shape)}`);
    }
  });
  const shape = first.shape.slice();
  shape[ax] = tensors.reduce((n, t) => n + t.shape[ax], 0);
  checkShape("concat: result shape", shape);
  const out = Tensor.empty(shape, first.dtype, first.backend);
  const os = stridesOf(shape);
  const offsets: number[] = [];
  let at = 0;
  for (const t of tensors) {
    offsets.push(at * os[ax]);
    stridedScatter(t, out, os, at * os[ax], false); // a plain copy: exact for int32 bits too
    at += t.shape[ax];
  }
  return record("concat", out, tensors, (g) => tensors.map((t, i) => (t.requiresGrad ? stridedCopy(g, t.shape.slice(), os, offsets[i]) : null)));
}

/**
 * int32 indices on x's device with every value in [0, bound). The values are checked where the
 * device reads synchronously; elsewhere the kernels check them and the next read reports E_RANGE.
 */
function checkIndices(fn: string, x: Tensor, indices: unknown, bound: number): Tensor {
  const idx = checkInt32(`${fn}: indices`, checkTensor(`${fn}: indices`, indices));
  sameBackend(fn, ["input", "indices"], [x, idx]);
  const be = idx.backend;
  if (bound === 0 && idx.size > 0) { // every index is out of range: findOutOfRange cannot say so
    const v = be.syncRead ? String(be.readSync(idx.handle, 1, "int32")[0]) : "an index"; // not read on a GPU
    throw new TesseraError("E_RANGE", `${fn}: indices[0]: expected an index in [0, -1], received ${v} (the axis has length 0)`);
  }
  if (be.syncRead && idx.size > 0) {
    // findOutOfRange lets one value through (`except`, here 0, valid whenever bound > 0); on an
    // empty axis no index is valid, so the first one is already out of range.
    const at = bound === 0 ? 0 : be.findOutOfRange(idx.handle, idx.size, 0, bound - 1, 0);
    if (at >= 0) {
      const v = be.readSync(idx.handle, at + 1, "int32")[at];
      throw new TesseraError("E_RANGE", `${fn}: indices[${at}]: expected an index in [0, ${bound - 1}], received ${v}`);
    }
  }
  return idx;
}

/** Rows of x (along axis) picked by int32 indices of any shape; torch.index_select / tf.gather. */
export function gather(input: Tensor, indices: Tensor, axis = 0): Tensor {
  const x = floatTensor("gather: input", input);
  const ax = normAxis("gather: axis", axis, x.ndim);
  const bound = x.ndim === 0 ? 1 : x.shape[ax];
  const idx = checkIndices("gather", x, indices, bound);
  if (ax !== 0) {
    const order = [ax, ...x.shape.map((_, i) => i).filter((i) => i !== ax)];
    // picked: [...indices.shape, ...rest]; move the index dims back to position ax
    const k = idx.ndim;
    const rest = x.ndim - 1;
    const back = [...Array.from({ length: ax }, (_, i) => k + i), ...Array.from({ length: k }, (_, i) => i),
      ...Array.from({ length: rest - ax }, (_, i) => k + ax + i)];
    return composite([x], () => permute(gather(permute(x, order), idx, 0), back));
  }
  const inner = sizeOf(x.shape.slice(1));
  const out = Tensor.empty([...idx.shape, ...x.shape.slice(1)], "float32", x.backend);
  x.backend.gatherRows(x.handle, idx.handle, out.handle, idx.size, inner);
  return record("gather", out, [x], (g) => {
    const dx = zerosOn(x, x.shape);
    x.backend.scatterAddRows(g.handle, idx.handle, dx.handle, idx.size, inner);
    return [dx];
  }, [idx]);
}

/**
 * torch.gather(x, dim, indices): out[i][j][k] = x[i][indices[i][j][k]][k] for dim 1 (likewise for
 * any dim). indices has x's rank and, off `dim`, sizes no larger than x's; out has its shape. The
 * gradient adds each element of dOut into the picked position (repeats add up).
 */
export function takeAlongDim(input: Tensor, indices: Tensor, dim: number): Tensor {
  const x = floatTensor("takeAlongDim: input", input);
  const d = normAxis("takeAlongDim: dim", dim, x.ndim);
  const idx = checkIndices("takeAlongDim", x, indices, x.ndim === 0 ? 1 : x.shape[d]);
  if (idx.ndim !== x.ndim || idx.shape.some((n, i) => i !== d && n > x.shape[i])) {
    fail("E_SHAPE", "takeAlongDim: indices", `rank ${x.ndim} with sizes at most [${x.shape.map((n, i) => (i === d ? "any" : n)).join(", ")}]`, idx.shape);
  }
  // Flat offsets into x of every picked element (a kernel), then a width-1 gather over x's elements.
  const be = x.backend;
  const flat = Tensor.empty(idx.shape, "int32", be);
  if (flat.size > 0) be.alongDimOffsets(idx.handle, flat.handle, idx.shape, stridesOf(x.shape), d);
  const out = Tensor.empty(idx.shape, "float32", be);
  be.gatherRows(x.handle, flat.handle, out.handle, flat.size, 1);
  return record("takeAlongDim", out, [x], (g) => {
    const dx = zerosOn(x, x.shape);
    be.scatterAddRows(g.handle, flat.handle, dx.handle, flat.size, 1);
    return [dx];
  }, [], [flat]);
}

export function cast(input: Tensor, dtype: DType): Tensor {
  const x = checkTensor("cast: input", input);
  if (dtype !== "float32" && dtype !== "int32") fail("E_DTYPE", "cast: dtype", '"float32" or "int32"', dtype);
  if (dtype === x.dtype) return clone(x);
  const out = Tensor.empty(x.shape.slice(), dtype, x.backend);
  x.backend.cast(x.handle, out.handle, x.size, dtype);
  return out;
}

export function clone(input: Tensor): Tensor {
  const x = checkTensor("clone: input", input);
  return record("clone", copyRaw(x), [x], (g) => [g]);
}

/** Overwrites x's values with src's (same shape and dtype), like torch's `x.copy_(src)`; no autograd. */
export function copyInto(target: Tensor, source: Tensor): Tensor {
  const x = checkTensor("copy_: input", target);
  const src = checkTensor("copy_: src", source);
  sameBackend("copy_", ["input", "src"], [x, src]);
  if (src.dtype !== x.dtype || src.ndim !== x.ndim || src.shape.some((d, i) => d !== x.shape[i])) {
    throw new TesseraError("E_SHAPE", `copy_: src: expected ${x.dtype} ${fmt(x.shape)}, received ${src.dtype} ${fmt(src.shape)}`);
  }
  if (isGradEnabled() && x.requiresGrad && x.gradFn === null) {
    throw new TesseraError("E_GRAD", "copy_: expected noGrad() around an in-place update of a leaf that requires grad, received a call with autograd recording");
  }
  x.backend.copy(x.handle, src.handle, x.size);
  x.storage!.version++;
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
