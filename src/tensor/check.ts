// Validation of user arguments, shared by every op: each check throws a TesseraError whose message
// names the argument, what was expected and what was received, before anything is allocated.
import { TesseraError, describe, fail } from "../errors.js";
import type { Backend } from "../backend/backend.js";
import { Tensor } from "./tensor.js";
import { fmt, sizeOf } from "./shape.js";

/** The most dimensions a tensor may have (PyTorch's limit too). */
export const MAX_DIMS = 64;

export function checkTensor(arg: string, v: unknown): Tensor {
  if (!(v instanceof Tensor)) {
    if ((v as { isTensor?: unknown } | null)?.isTensor === true) {
      throw new TesseraError("E_TYPE", `${arg}: expected a Tensor of this copy of tessera, received a Tensor made by another copy of the package (two versions installed side by side?)`);
    }
    fail("E_TYPE", arg, "a Tensor", v);
  }
  v.handle; // disposed → E_DISPOSED
  return v;
}

export function checkFloat(arg: string, t: Tensor): Tensor {
  if (t.dtype !== "float32") throw new TesseraError("E_DTYPE", `${arg}: expected a float32 tensor, received ${t.dtype} ${fmt(t.shape)}`);
  return t;
}

export function checkInt32(arg: string, t: Tensor, what = "an int32 tensor"): Tensor {
  if (t.dtype !== "int32") throw new TesseraError("E_DTYPE", `${arg}: expected ${what}, received ${t.dtype} ${fmt(t.shape)}`);
  return t;
}

/** A float32 tensor argument (the common case). */
export function floatTensor(arg: string, v: unknown): Tensor {
  return checkFloat(arg, checkTensor(arg, v));
}

export function checkBool(arg: string, v: unknown): boolean {
  if (typeof v !== "boolean") fail("E_TYPE", arg, "a boolean", v);
  return v;
}

export function checkShape(arg: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) fail("E_TYPE", arg, "an array of non-negative integers", shape);
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) fail("E_SHAPE", arg, "an array of non-negative integers", shape);
  }
  if (shape.length > MAX_DIMS) fail("E_SHAPE", arg, `at most ${MAX_DIMS} dimensions`, shape);
  if (sizeOf(shape) > 2 ** 31 - 1) fail("E_SHAPE", arg, "fewer than 2^31 elements", shape);
  return shape.slice();
}

/**
 * Normalises a possibly negative axis. A 0-d tensor accepts axis 0 and −1 (its one element is a
 * length-1 axis there), like PyTorch's reductions.
 */
export function normAxis(arg: string, axis: unknown, ndim: number): number {
  const lo = -Math.max(ndim, 1);
  const hi = Math.max(ndim, 1) - 1;
  if (typeof axis !== "number" || !Number.isInteger(axis) || axis < lo || axis > hi) {
    throw new TesseraError(typeof axis === "number" ? "E_RANGE" : "E_TYPE",
      `${arg}: expected an integer axis in [${lo}, ${hi}] for a ${ndim}-d tensor, received ${describe(axis)}`);
  }
  return axis < 0 ? axis + Math.max(ndim, 1) : axis;
}

/** For ops that need a real dimension (slice, concat, …): E_SHAPE on a 0-d tensor. */
export function checkHasDims(arg: string, t: Tensor): Tensor {
  if (t.ndim === 0) throw new TesseraError("E_SHAPE", `${arg}: expected a tensor with at least one dimension, received a 0-d tensor (shape [])`);
  return t;
}

/** The backend shared by all inputs of an op; E_DEVICE, naming the tensor to move, when they differ. */
export function sameBackend(op: string, names: readonly string[], tensors: readonly Tensor[]): Backend {
  const first = tensors[0].backend;
  for (let i = 1; i < tensors.length; i++) {
    const b = tensors[i].backend;
    if (b !== first) {
      throw new TesseraError("E_DEVICE", `${op}: ${names[i]}: expected a tensor on the same device as ${names[0]} (${first.label}), ` +
        `received one on ${b.label}; move it first, e.g. ${names[i]}.to("${first.device}")`);
    }
  }
  return first;
}
