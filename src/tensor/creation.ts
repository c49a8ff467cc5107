// Making tensors: from JS data (nested arrays, typed arrays, numbers) and from fills, ranges and
// the seeded generator, on the default device or the one named in options. All validation of user
// data happens here, before anything is allocated.
import { TesseraError, checkInt, checkNumber, fail } from "../errors.js";
import type { Backend } from "../backend/backend.js";
import { defaultBackend, resolveDevice } from "../backend/device.js";
import { Tensor, type DType, type NestedArray } from "./tensor.js";
import { sizeOf, type Shape } from "./shape.js";
import { MAX_DIMS, checkShape, checkTensor } from "./check.js";
import { Generator, defaultGenerator } from "./random.js";

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** "cpu" (default: the current default device, see setDevice) or another registered device. */
  device?: string;
}

export type TensorData = NestedArray | Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array;

interface Options {
  dtype: DType;
  requiresGrad: boolean;
  backend: Backend;
}

function checkOptions(fn: string, o: unknown): Options {
  if (o === undefined) return { dtype: "float32", requiresGrad: false, backend: defaultBackend() };
  if (o === null || typeof o !== "object") fail("E_TYPE", `${fn}: options`, "an object", o);
  const { dtype = "float32", requiresGrad = false, device } = o as TensorOptions;
  if (dtype !== "float32" && dtype !== "int32") fail("E_DTYPE", `${fn}: options.dtype`, '"float32" or "int32"', dtype);
  if (typeof requiresGrad !== "boolean") fail("E_TYPE", `${fn}: options.requiresGrad`, "a boolean", requiresGrad);
  if (requiresGrad && dtype !== "float32") fail("E_DTYPE", `${fn}: options.requiresGrad`, "float32 for a tensor that requires grad", dtype);
  const backend = device === undefined ? defaultBackend() : resolveDevice(`${fn}: options.device`, device);
  return { dtype, requiresGrad, backend };
}

/** The shape of nested arrays, read along first elements; E_SHAPE past MAX_DIMS levels (a cyclic array would never end). */
function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let d: NestedArray = data;
  while (Array.isArray(d)) {
    if (shape.length === MAX_DIMS) fail("E_SHAPE", "tensor: data", `at most ${MAX_DIMS} levels of nested arrays`, data);
    shape.push(d.length);
    d = d[0];
  }
  return shape;
}

function flatten(data: NestedArray, shape: number[], out: number[], dim: number, path: string): void {
  if (dim === shape.length) {
    if (typeof data !== "number") fail("E_TYPE", `tensor: data${path}`, "a number", data);
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    fail("E_SHAPE", `tensor: data${path}`, `an array of length ${shape[dim]} (data must be rectangular)`, data);
  }
  for (let i = 0; i < data.length; i++) flatten(data[i], shape, out, dim + 1, `${path}[${i}]`);
}

/** Copies values into a new tensor, checking int32 values are integers in range. */
function fromValues(values: ArrayLike<number>, shape: readonly number[], o: Options): Tensor {
  if (o.dtype === "int32" && !(values instanceof Int32Array)) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) fail("E_DTYPE", `tensor: data[${i}]`, "an int32 integer for dtype int32", v);
    }
  }
  const t = Tensor.empty(shape, o.dtype, o.backend);
  o.backend.write(t.handle, values, o.dtype);
  t.requiresGrad = o.requiresGrad;
  return t;
}

/** tensor([[1, 2], [3, 4]]), tensor(float32Array, [2, 2]), tensor(3.5). */
export function tensor(data: TensorData, shape?: Shape, options?: TensorOptions): Tensor {
  const o = checkOptions("tensor", options);
  if (ArrayBuffer.isView(data)) {
    if (data instanceof DataView || data instanceof BigInt64Array || data instanceof BigUint64Array) {
      fail("E_TYPE", "tensor: data", "a number, a (nested) array of numbers or a numeric typed array", data);
    }
    const values = data as unknown as ArrayLike<number>;
    const s = shape === undefined ? [values.length] : checkShape("tensor: shape", shape);
    if (sizeOf(s) !== values.length) fail("E_SHAPE", "tensor: shape", `a shape with ${values.length} elements to match data`, shape);
    return fromValues(values, s, o);
  }
  if (typeof data !== "number" && !Array.isArray(data)) {
    fail("E_TYPE", "tensor: data", "a number, a (nested) array of numbers or a typed array", data);
  }
  const inferred = inferShape(data);
  const flat: number[] = [];
  flatten(data, inferred, flat, 0, "");
  const s = shape === undefined ? checkShape("tensor: data", inferred) : checkShape("tensor: shape", shape);
  if (sizeOf(s) !== flat.length) fail("E_SHAPE", "tensor: shape", `a shape with ${flat.length} elements to match data`, shape);
  return fromValues(flat, s, o);
}

export function full(shape: Shape, value: number, options?: TensorOptions): Tensor {
  const o = checkOptions("full", options);
  const s = checkShape("full: shape", shape);
  if (typeof value !== "number") fail("E_TYPE", "full: value", "a number", value);
  if (o.dtype === "int32") checkInt("full: value", value, -(2 ** 31), 2 ** 31 - 1);
  const t = Tensor.empty(s, o.dtype, o.backend);
  o.backend.fill(t.handle, t.size, value, o.dtype);
  t.requiresGrad = o.requiresGrad;
  return t;
}

/** An uninitialised tensor (contents undefined), like torch.empty: for buffers the caller fills. */
export function empty(shape: Shape, options?: TensorOptions): Tensor {
  const o = checkOptions("empty", options);
  const t = Tensor.empty(checkShape("empty: shape", shape), o.dtype, o.backend);
  t.requiresGrad = o.requiresGrad;
  return t;
}

export function zeros(shape: Shape, options?: TensorOptions): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: Shape, options?: TensorOptions): Tensor {
  return full(shape, 1, options);
}

export function zerosLike(input: Tensor): Tensor {
  const t = checkTensor("zerosLike: input", input);
  return full(t.shape, 0, { dtype: t.dtype, device: t.device });
}

// Generated values (arange, randn, rand) go to the device in chunks of this many, after the tensor
// is allocated: an impossible size is E_OOM at once, not a host array of a billion numbers first.
const CHUNK = 65536;

/** Fills t (already allocated) with value(i) for i in [0, t.size), a chunk at a time. */
function fillGenerated(t: Tensor, value: (i: number) => number): Tensor {
  const be = t.backend;
  for (let at = 0; at < t.size; at += CHUNK) {
    const chunk = t.dtype === "int32" ? new Int32Array(Math.min(CHUNK, t.size - at)) : new Float32Array(Math.min(CHUNK, t.size - at));
    for (let i = 0; i < chunk.length; i++) chunk[i] = value(at + i);
    be.write(t.handle, chunk, t.dtype, at);
  }
  return t;
}

/** arange(end) or arange(start, end, step), like torch.arange. */
export function arange(start: number, end?: number, step = 1, options?: TensorOptions): Tensor {
  if (end === undefined) [start, end] = [0, start];
  checkNumber("arange: start", start);
  checkNumber("arange: end", end);
  checkNumber("arange: step", step);
  if (step === 0) fail("E_VALUE", "arange: step", "a non-zero number", step);
  if (options !== undefined && (options === null || typeof options !== "object")) fail("E_TYPE", "arange: options", "an object", options);
  const n = Math.max(0, Math.ceil((end - start) / step));
  if (n > 2 ** 31 - 1) fail("E_RANGE", "arange", "fewer than 2^31 elements", n);
  // like torch: integer values only when start, end and step are all integers (arange(5.5) is float)
  const dtype = options?.dtype ?? (Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step) ? "int32" : "float32");
  const o = checkOptions("arange", { ...options, dtype });
  if (o.dtype === "int32" && n > 0) {
    const last = start + (n - 1) * step;
    for (const [i, v] of [[0, start], [1, start + step], [n - 1, last]] as const) {
      if (i < n && (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31)) fail("E_DTYPE", `arange: value ${i}`, "an int32 integer for dtype int32", v);
    }
  }
  const t = fillGenerated(Tensor.empty([n], o.dtype, o.backend), (i) => start + i * step);
  t.requiresGrad = o.requiresGrad;
  return t;
}

function randomTensor(fn: string, shape: Shape, options: RandomOptions | undefined, draw: (g: Generator) => number): Tensor {
  const s = checkShape(`${fn}: shape`, shape);
  if (options !== undefined && (options === null || typeof options !== "object")) fail("E_TYPE", `${fn}: options`, "an object", options);
  const { generator = defaultGenerator, ...rest } = options ?? {};
  if (!(generator instanceof Generator)) fail("E_TYPE", `${fn}: options.generator`, "a Generator", generator);
  const o = checkOptions(fn, rest);
  if (o.dtype === "int32") throw new TesseraError("E_DTYPE", `${fn}: options.dtype: expected "float32", received "int32"`);
  const t = fillGenerated(Tensor.empty(s, "float32", o.backend), () => draw(generator));
  t.requiresGrad = o.requiresGrad;
  return t;
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

/** Standard normal samples from the seeded generator (manualSeed or options.generator). */
export function randn(shape: Shape, options?: RandomOptions): Tensor {
  return randomTensor("randn", shape, options, (g) => g.normal());
}

/** Uniform [0, 1) samples from the seeded generator. */
export function rand(shape: Shape, options?: RandomOptions): Tensor {
  return randomTensor("rand", shape, options, (g) => g.random());
}
