// Shapes: validation, sizes, contiguous strides, broadcasting (NumPy/PyTorch rules) and axes.
import { TesseraError, describe, fail } from "../errors.js";

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function checkShape(arg: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) fail("E_TYPE", arg, "an array of non-negative integers", shape);
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) fail("E_SHAPE", arg, "an array of non-negative integers", shape);
  }
  if (sizeOf(shape) > 2 ** 31 - 1) fail("E_SHAPE", arg, "fewer than 2^31 elements", shape);
  return shape.slice();
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function fmt(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** The broadcast shape of a and b, or E_SHAPE naming both operands. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new TesseraError("E_SHAPE", `${op}: expected shapes that broadcast, received ${fmt(a)} and ${fmt(b)} (dimension ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Element strides of `shape` read as `out` (0 on broadcast dimensions). */
export function broadcastStrides(shape: Shape, out: Shape): number[] {
  const s = stridesOf(shape);
  const off = out.length - shape.length;
  return out.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : s[i - off]));
}

/** Normalises a possibly negative axis; E_RANGE when out of bounds. */
export function normAxis(arg: string, axis: unknown, ndim: number): number {
  const lo = -Math.max(ndim, 1);
  const hi = Math.max(ndim, 1) - 1;
  if (typeof axis !== "number" || !Number.isInteger(axis) || axis < lo || axis > hi) {
    throw new TesseraError(typeof axis === "number" ? "E_RANGE" : "E_TYPE",
      `${arg}: expected an integer axis in [${lo}, ${hi}] for a ${ndim}-d tensor, received ${describe(axis)}`);
  }
  return axis < 0 ? axis + Math.max(ndim, 1) : axis;
}
