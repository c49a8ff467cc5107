// Turning a list of samples into a batch, like torch.utils.data.default_collate: tensors are
// stacked on a new first axis, numbers become a [B] tensor (int32 when all are integers, else
// float32), typed arrays and rectangular numeric arrays become [B, ...] tensors, objects collate
// field by field and tuples (arrays holding tensors, objects or mixed things) position by position.
// An array whose leaves are all numbers is data, not a tuple: [[1, 2], [3, 4]] is one [2, 2] sample.
import { TesseraError, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { concat } from "../tensor/layout.js";
import { noGrad } from "../tensor/autograd.js";
import { tidy } from "../tensor/scope.js";
import { fmt, shapesEqual } from "../tensor/shape.js";

const INT_ARRAYS = [Int32Array, Int16Array, Int8Array, Uint16Array, Uint8Array, Uint8ClampedArray];

function isIntegral(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) return false;
  }
  return true;
}

/** Shape of a rectangular nested array of numbers, or null when it is not one. */
function numericShape(v: unknown): number[] | null {
  if (typeof v === "number") return [];
  if (!Array.isArray(v) || v.length === 0) return null;
  const inner = numericShape(v[0]);
  if (inner === null) return null;
  for (let i = 1; i < v.length; i++) {
    const s = numericShape(v[i]);
    if (s === null || !shapesEqual(s, inner)) return null;
  }
  return [v.length, ...inner];
}

function where(path: string, i: number): string {
  return `collate: batch[${i}]${path}`;
}

function collateAt(items: readonly unknown[], path: string): unknown {
  const first = items[0];
  if (first instanceof Tensor) {
    items.forEach((t, i) => {
      if (!(t instanceof Tensor)) fail("E_TYPE", where(path, i), "a Tensor like batch[0]", t);
      if (t.dtype !== first.dtype || !shapesEqual(t.shape, first.shape)) {
        throw new TesseraError("E_SHAPE", `${where(path, i)}: expected a ${first.dtype} tensor of shape ${fmt(first.shape)} like batch[0] (pad variable-length samples, e.g. with paddingCollator), received ${t.dtype} ${fmt(t.shape)}`);
      }
    });
    return noGrad(() => tidy(() => concat((items as Tensor[]).map((t) => t.reshape([1, ...t.shape])), 0)));
  }
  if (typeof first === "number" || typeof first === "boolean") {
    const values = items.map((v, i) => {
      if (typeof v !== typeof first) fail("E_TYPE", where(path, i), `a ${typeof first} like batch[0]`, v);
      return typeof v === "boolean" ? (v ? 1 : 0) : (v as number);
    });
    return tensor(values, [values.length], { dtype: isIntegral(values) ? "int32" : "float32" });
  }
  if (typeof first === "string") {
    items.forEach((v, i) => { if (typeof v !== "string") fail("E_TYPE", where(path, i), "a string like batch[0]", v); });
    return items.slice();
  }
  if (ArrayBuffer.isView(first) && !(first instanceof DataView)) {
    const n = (first as unknown as ArrayLike<number>).length;
    const isInt = INT_ARRAYS.some((C) => first instanceof C);
    items.forEach((v, i) => {
      if (!ArrayBuffer.isView(v) || v.constructor !== first.constructor || (v as unknown as ArrayLike<number>).length !== n) {
        fail("E_SHAPE", where(path, i), `a ${first.constructor.name} of length ${n} like batch[0]`, v);
      }
    });
    const flat = isInt ? new Int32Array(items.length * n) : new Float32Array(items.length * n);
    items.forEach((v, i) => flat.set(v as unknown as ArrayLike<number>, i * n));
    return tensor(flat, [items.length, n], { dtype: isInt ? "int32" : "float32" });
  }
  if (Array.isArray(first)) {
    const shape = numericShape(first);
    if (shape !== null) {
      const flat: number[] = [];
      items.forEach((v, i) => {
        const s = numericShape(v);
        if (s === null || !shapesEqual(s, shape)) fail("E_SHAPE", where(path, i), `a numeric array of shape ${fmt(shape)} like batch[0] (pad variable-length samples, e.g. with paddingCollator)`, v);
        for (const x of (v as unknown[]).flat(Infinity)) flat.push(x as number);
      });
      return tensor(flat, [items.length, ...shape], { dtype: isIntegral(flat) ? "int32" : "float32" });
    }
    items.forEach((v, i) => {
      if (!Array.isArray(v) || v.length !== first.length) fail("E_SHAPE", where(path, i), `a tuple of length ${first.length} like batch[0]`, v);
    });
    return first.map((_, j) => collateAt(items.map((v) => (v as unknown[])[j]), `${path}[${j}]`));
  }
  if (first !== null && typeof first === "object" && Object.getPrototypeOf(first) === Object.prototype) {
    const keys = Object.keys(first);
    items.forEach((v, i) => {
      if (v === null || typeof v !== "object" || Object.keys(v).length !== keys.length || keys.some((k) => !Object.hasOwn(v, k))) {
        fail("E_TYPE", where(path, i), `an object with the keys of batch[0] (${keys.join(", ")})`, v);
      }
    });
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = collateAt(items.map((v) => (v as Record<string, unknown>)[k]), `${path}.${k}`);
    return out;
  }
  return fail("E_TYPE", where(path, 0), "a Tensor, number, boolean, string, typed array, array or plain object", first);
}

/** Collates samples into a batch (see the file comment); the result's tensors are new. */
export function defaultCollate(items: readonly unknown[]): unknown {
  if (!Array.isArray(items)) fail("E_TYPE", "collate: batch", "an array of samples", items);
  if (items.length === 0) throw new TesseraError("E_VALUE", "collate: batch: expected at least one sample, received an empty array");
  // tidy: on an error halfway (a bad field), the tensors already made for other fields are freed
  return tidy(() => collateAt(items, ""));
}

