// The 2-D inputs of the classic estimators and metrics (cluster/, manifold/, decomposition/,
// metrics/, plot/): an array of rows, `{ data, shape: [n, d] }` over a flat array, or a 2-D tensor —
// validated (rectangular, finite, non-empty) into one row-major array, as scikit-learn's check_array
// does before any algorithm runs: float32 data stays a Float32Array (a flat Float32Array is used
// as it is, never written), anything else becomes a Float64Array.
import { TesseraError, fail } from "../errors.js";
import { Tensor } from "./tensor.js";
import { fmt } from "./shape.js";

/** A matrix given as rows, a flat array with its shape, or a 2-D tensor. */
export type MatrixLike =
  | readonly (readonly number[] | Float32Array | Float64Array)[]
  | { data: ArrayLike<number>; shape: readonly [number, number] | readonly number[] }
  | Tensor;

/** A validated matrix: n rows of d values, row-major (read only). */
export interface Matrix {
  data: Float64Array | Float32Array;
  n: number;
  d: number;
}

export interface MatrixOptions {
  /** Fewest rows accepted (default 1). */
  minRows?: number;
  /** Allow NaN / ±Infinity (default false: E_VALUE naming the element). */
  allowNonFinite?: boolean;
}

function checkFinite(fn: string, arg: string, m: Matrix): void {
  const { data, d } = m;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const r = Math.floor(i / d);
      throw new TesseraError("E_VALUE", `${fn}: ${arg}[${r}][${i - r * d}]: expected a finite number (NaN and Infinity are not allowed), received ${data[i]}`);
    }
  }
}

/** Validates a MatrixLike as one row-major array (copied unless it is a flat Float32Array). */
export function toMatrix(fn: string, arg: string, x: unknown, options: MatrixOptions = {}): Matrix {
  let m: Matrix;
  if (x instanceof Tensor) {
    if (x.ndim !== 2) throw new TesseraError("E_SHAPE", `${fn}: ${arg}: expected a 2-d tensor [samples, features], received shape ${fmt(x.shape)}`);
    // The estimators run on the CPU whatever the default device; a GPU tensor cannot come back synchronously.
    if (!x.backend.syncRead) {
      throw new TesseraError("E_DEVICE", `${fn}: ${arg}: expected a tensor the host can read synchronously (cpu or auto device), received one on ${x.backend.label}; pass { data: await ${arg}.read(), shape: ${arg}.shape }`);
    }
    const v = x.data();
    m = { data: v instanceof Float32Array ? v : Float64Array.from(v), n: x.shape[0], d: x.shape[1] };
  } else if (Array.isArray(x)) {
    const n = x.length;
    if (n === 0) throw new TesseraError("E_VALUE", `${fn}: ${arg}: expected at least one sample, received an empty array`);
    const first = x[0] as unknown;
    if (!Array.isArray(first) && !(first instanceof Float32Array) && !(first instanceof Float64Array)) {
      fail("E_TYPE", `${fn}: ${arg}[0]`, "a row (an array of numbers): X is an array of rows", first);
    }
    const d = (first as ArrayLike<number>).length;
    const data = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const row = x[i] as unknown;
      if (!Array.isArray(row) && !(row instanceof Float32Array) && !(row instanceof Float64Array)) fail("E_TYPE", `${fn}: ${arg}[${i}]`, "a row (an array of numbers)", row);
      const r = row as ArrayLike<number>;
      if (r.length !== d) {
        throw new TesseraError("E_SHAPE", `${fn}: ${arg}[${i}]: expected a row of ${d} values like ${arg}[0] (rows must have equal lengths), received ${r.length}`);
      }
      if (ArrayBuffer.isView(r)) {
        data.set(r, i * d);
        continue;
      }
      for (let j = 0; j < d; j++) {
        const v = r[j];
        if (typeof v !== "number") fail("E_TYPE", `${fn}: ${arg}[${i}][${j}]`, "a number", v);
        data[i * d + j] = v;
      }
    }
    m = { data, n, d };
  } else if (x !== null && typeof x === "object" && "data" in x && "shape" in x) {
    const { data, shape } = x as { data: unknown; shape: unknown };
    if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
      fail("E_SHAPE", `${fn}: ${arg}.shape`, "[samples, features] (two non-negative integers)", shape);
    }
    const [n, d] = shape as number[];
    if (!ArrayBuffer.isView(data) && !Array.isArray(data)) fail("E_TYPE", `${fn}: ${arg}.data`, "a Float32Array, Float64Array or array of numbers", data);
    const flat = data as ArrayLike<number>;
    if (flat.length !== n * d) {
      throw new TesseraError("E_SHAPE", `${fn}: ${arg}.data: expected ${n * d} values for shape ${fmt([n, d])}, received ${flat.length}`);
    }
    if (flat instanceof Float32Array || flat instanceof Float64Array) m = { data: flat, n, d };
    else {
      const out = new Float64Array(n * d);
      if (ArrayBuffer.isView(flat)) out.set(flat);
      else {
        for (let i = 0; i < out.length; i++) {
          const v = flat[i];
          if (typeof v !== "number") fail("E_TYPE", `${fn}: ${arg}.data[${i}]`, "a number", v);
          out[i] = v;
        }
      }
      m = { data: out, n, d };
    }
  } else {
    return fail("E_TYPE", `${fn}: ${arg}`, "an array of rows, { data, shape: [n, d] } or a 2-d tensor", x);
  }
  const minRows = options.minRows ?? 1;
  if (m.n < minRows) {
    throw new TesseraError("E_VALUE", `${fn}: ${arg}: expected at least ${minRows} sample${minRows === 1 ? "" : "s"}, received ${m.n}`);
  }
  if (m.d < 1) throw new TesseraError("E_VALUE", `${fn}: ${arg}: expected at least one feature, received rows of length 0`);
  if (!options.allowNonFinite) checkFinite(fn, arg, m);
  return m;
}

/** Checks a fitted estimator's feature count against new data. */
export function checkFeatures(fn: string, arg: string, m: Matrix, want: number): void {
  if (m.d !== want) {
    throw new TesseraError("E_SHAPE", `${fn}: ${arg}: expected ${want} features per sample (as in fit), received ${m.d}`);
  }
}

/** Column means in float64. */
export function columnMeans(m: Matrix): Float64Array {
  const { data, n, d } = m;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  return mean;
}

/** A float32 copy of m with `mean` subtracted from every row (in float64, then rounded). */
export function centredF32(m: Matrix, mean: Float64Array): Float32Array {
  const { data, n, d } = m;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = data[i * d + j] - mean[j];
  return out;
}
