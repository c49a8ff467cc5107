// Making tensors: from JS data (nested arrays, typed arrays, numbers) and from fills, ranges and
// the seeded generator. All validation of user data happens here, before anything is allocated.
import { TesseraError, checkInt, checkNumber, fail } from "../errors.js";
import { heapF32, heapI32 } from "../runtime/wasm.js";
import { cpuBackend } from "../backend/cpu-wasm.js";
import { Tensor, type DType, type NestedArray } from "./tensor.js";
import { checkShape, fmt, sizeOf, type Shape } from "./shape.js";
import { defaultGenerator, type Generator } from "./random.js";

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export type TensorData = NestedArray | Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array;

function checkOptions(fn: string, o: unknown): { dtype: DType; requiresGrad: boolean } {
  if (o === undefined) return { dtype: "float32", requiresGrad: false };
  if (o === null || typeof o !== "object") fail("E_TYPE", `${fn}: options`, "an object", o);
  const { dtype = "float32", requiresGrad = false } = o as TensorOptions;
  if (dtype !== "float32" && dtype !== "int32") fail("E_DTYPE", `${fn}: options.dtype`, '"float32" or "int32"', dtype);
  if (typeof requiresGrad !== "boolean") fail("E_TYPE", `${fn}: options.requiresGrad`, "a boolean", requiresGrad);
  if (requiresGrad && dtype !== "float32") fail("E_DTYPE", `${fn}: options.requiresGrad`, "float32 for a tensor that requires grad", dtype);
  return { dtype, requiresGrad };
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let d: NestedArray = data;
  while (Array.isArray(d)) {
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

/** Copies values into a new tensor's memory, checking int32 values are integers in range. */
function fromValues(values: ArrayLike<number>, shape: Shape, dtype: DType, requiresGrad: boolean): Tensor {
  if (dtype === "int32") {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) fail("E_DTYPE", `tensor: data[${i}]`, "an int32 integer for dtype int32", v);
    }
  }
  const t = Tensor.empty(shape, dtype);
  const p = t.ptr >>> 2;
  if (dtype === "int32") heapI32().set(values, p);
  else heapF32().set(values, p);
  t.requiresGrad = requiresGrad;
  return t;
}

/** tensor([[1, 2], [3, 4]]), tensor(float32Array, [2, 2]), tensor(3.5). */
export function tensor(data: TensorData, shape?: Shape, options?: TensorOptions): Tensor {
  const { dtype, requiresGrad } = checkOptions("tensor", options);
  if (ArrayBuffer.isView(data)) {
    const values = data as unknown as ArrayLike<number>;
    const s = shape === undefined ? [values.length] : checkShape("tensor: shape", shape);
    if (sizeOf(s) !== values.length) fail("E_SHAPE", "tensor: shape", `a shape with ${values.length} elements to match data`, shape);
    return fromValues(values, s, dtype, requiresGrad);
  }
  if (typeof data !== "number" && !Array.isArray(data)) {
    fail("E_TYPE", "tensor: data", "a number, a (nested) array of numbers or a typed array", data);
  }
  const inferred = inferShape(data);
  const flat: number[] = [];
  flatten(data, inferred, flat, 0, "");
  const s = shape === undefined ? inferred : checkShape("tensor: shape", shape);
  if (sizeOf(s) !== flat.length) fail("E_SHAPE", "tensor: shape", `a shape with ${flat.length} elements to match data`, shape);
  return fromValues(flat, s, dtype, requiresGrad);
}

export function full(shape: Shape, value: number, options?: TensorOptions): Tensor {
  const { dtype, requiresGrad } = checkOptions("full", options);
  const s = checkShape("full: shape", shape);
  if (typeof value !== "number") fail("E_TYPE", "full: value", "a number", value);
  const t = Tensor.empty(s, dtype);
  if (dtype === "int32") {
    checkInt("full: value", value, -(2 ** 31), 2 ** 31 - 1);
    cpuBackend().fillI32(t.ptr, t.size, value);
  } else cpuBackend().fillF32(t.ptr, t.size, value);
  t.requiresGrad = requiresGrad;
  return t;
}

export function zeros(shape: Shape, options?: TensorOptions): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: Shape, options?: TensorOptions): Tensor {
  return full(shape, 1, options);
}

export function zerosLike(t: Tensor): Tensor {
  return full(t.shape, 0, { dtype: t.dtype });
}

/** arange(end) or arange(start, end, step), like torch.arange. */
export function arange(start: number, end?: number, step = 1, options?: TensorOptions): Tensor {
  if (end === undefined) [start, end] = [0, start];
  checkNumber("arange: start", start);
  checkNumber("arange: end", end);
  checkNumber("arange: step", step);
  if (step === 0) fail("E_VALUE", "arange: step", "a non-zero number", step);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const values = Array.from({ length: n }, (_, i) => start + i * step);
  const dtype = options?.dtype ?? (Number.isInteger(start) && Number.isInteger(step) ? "int32" : "float32");
  return fromValues(values, [n], dtype, checkOptions("arange", { ...options, dtype }).requiresGrad);
}

function randomTensor(fn: string, shape: Shape, options: RandomOptions | undefined, draw: (g: Generator) => number): Tensor {
  const s = checkShape(`${fn}: shape`, shape);
  const { generator = defaultGenerator, ...rest } = options ?? {};
  const { requiresGrad } = checkOptions(fn, rest);
  if (rest.dtype === "int32") throw new TesseraError("E_DTYPE", `${fn}: options.dtype: expected "float32", received "int32"`);
  const t = Tensor.empty(s);
  const view = heapF32();
  const p = t.ptr >>> 2;
  for (let i = 0; i < t.size; i++) view[p + i] = draw(generator);
  t.requiresGrad = requiresGrad;
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

export function checkTensor(arg: string, v: unknown): Tensor {
  if (!(v instanceof Tensor)) fail("E_TYPE", arg, "a Tensor", v);
  v.ptr; // E_DISPOSED
  return v;
}

export function checkFloat(arg: string, t: Tensor): Tensor {
  if (t.dtype !== "float32") throw new TesseraError("E_DTYPE", `${arg}: expected a float32 tensor, received ${t.dtype} ${fmt(t.shape)}`);
  return t;
}

