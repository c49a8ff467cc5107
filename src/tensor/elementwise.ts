// Elementwise ops with NumPy/PyTorch broadcasting and their gradients. Same-shape operands, a
// number operand and general broadcasting go to different kernels (a one-element tensor operand is
// a broadcast whose backend picks its scalar loop, so no value is read on the host); a broadcast
// operand's gradient is the output gradient summed back to its shape (sumToShape).
import { TesseraError, describe } from "../errors.js";
import type { BinaryOp, UnaryOp } from "../backend/backend.js";
import { Tensor } from "./tensor.js";
import { record } from "./autograd.js";
import { broadcastShapes, broadcastStrides, shapesEqual } from "./shape.js";
import { sumToShape } from "./reduce.js";
import { floatTensor, sameBackend } from "./check.js";

/** a op b with broadcasting; no autograd. a and b are on one backend. */
export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const be = a.backend;
  if (shapesEqual(a.shape, b.shape)) {
    const out = Tensor.empty(a.shape, "float32", be);
    be.binary(op, a.handle, b.handle, out.handle, out.size);
    return out;
  }
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = Tensor.empty(shape, "float32", be);
  if (out.size > 0) {
    be.binaryBroadcast(op, a.handle, b.handle, out.handle, shape, broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape));
  }
  return out;
}

/** a op s (or s op a); no autograd. */
export function scalarRaw(op: BinaryOp, a: Tensor, s: number, scalarFirst = false): Tensor {
  const out = Tensor.empty(a.shape, "float32", a.backend);
  a.backend.binaryScalar(op, a.handle, s, out.handle, out.size, scalarFirst);
  return out;
}

function operands(op: string, a: unknown, b: unknown): [Tensor, Tensor | number] {
  const x = floatTensor(`${op}: input`, a);
  if (typeof b === "number") return [x, b];
  if ((b as { isTensor?: unknown } | null)?.isTensor !== true) {
    throw new TesseraError("E_TYPE", `${op}: other: expected a Tensor or a number, received ${describe(b)}`);
  }
  const y = floatTensor(`${op}: other`, b);
  sameBackend(op, ["input", "other"], [x, y]);
  return [x, y];
}

export function add(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands("add", a, b);
  if (typeof y === "number") return record("add", scalarRaw("add", x, y), [x], (g) => [g]);
  return record("add", binaryRaw("add", x, y), [x, y], (g) => [sumToShape(g, x.shape), sumToShape(g, y.shape)]);
}

export function sub(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands("sub", a, b);
  if (typeof y === "number") return record("sub", scalarRaw("sub", x, y), [x], (g) => [g]);
  return record("sub", binaryRaw("sub", x, y), [x, y], (g) => [
    sumToShape(g, x.shape),
    y.requiresGrad ? unaryRaw("neg", sumToShape(g, y.shape)) : null,
  ]);
}

export function mul(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands("mul", a, b);
  if (typeof y === "number") return record("mul", scalarRaw("mul", x, y), [x], (g) => [scalarRaw("mul", g, y)]);
  return record("mul", binaryRaw("mul", x, y), [x, y], (g) => [
    x.requiresGrad ? sumToShape(binaryRaw("mul", g, y), x.shape) : null,
    y.requiresGrad ? sumToShape(binaryRaw("mul", g, x), y.shape) : null,
  ], [x, y]);
}

export function div(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands("div", a, b);
  if (typeof y === "number") return record("div", scalarRaw("div", x, y), [x], (g) => [scalarRaw("div", g, y)]);
  const out = binaryRaw("div", x, y);
  return record("div", out, [x, y], (g) => [
    x.requiresGrad ? sumToShape(binaryRaw("div", g, y), x.shape) : null,
    // d(x/y)/dy = −out / y
    y.requiresGrad ? sumToShape(unaryRaw("neg", binaryRaw("div", binaryRaw("mul", g, out), y)), y.shape) : null,
  ], [y, out]);
}

/** op(x); no autograd. */
export function unaryRaw(op: UnaryOp, x: Tensor, p = 0): Tensor {
  const out = Tensor.empty(x.shape, "float32", x.backend);
  x.backend.unary(op, x.handle, out.handle, x.size, p);
  return out;
}

// What each derivative reads: the input, the output, or neither (neg).
const READS: Record<UnaryOp, "x" | "y" | null> = {
  neg: null, exp: "y", log: "x", sqrt: "y", tanh: "y", sigmoid: "y", relu: "x", gelu: "x", geluTanh: "x", silu: "x",
  pow: "x", abs: "x", square: "x",
};

function unary(op: UnaryOp, input: Tensor, p = 0): Tensor {
  const x = floatTensor(`${op}: input`, input);
  const out = unaryRaw(op, x, p);
  const reads = READS[op] === "x" ? [x] : READS[op] === "y" ? [out] : [];
  return record(op, out, [x], (g) => {
    const dx = Tensor.empty(x.shape, "float32", x.backend);
    x.backend.unaryBackward(op, x.handle, out.handle, g.handle, dx.handle, x.size, p);
    return [dx];
  }, reads);
}

export const neg = (x: Tensor) => unary("neg", x);
export const exp = (x: Tensor) => unary("exp", x);
export const log = (x: Tensor) => unary("log", x);
export const sqrt = (x: Tensor) => unary("sqrt", x);
export const tanh = (x: Tensor) => unary("tanh", x);
export const sigmoid = (x: Tensor) => unary("sigmoid", x);
export const relu = (x: Tensor) => unary("relu", x);
/** GELU: the exact x·Φ(x) (approximate "none", torch's default) or the tanh form (GPT-2's gelu_new). */
export function gelu(x: Tensor, approximate: "none" | "tanh" = "none"): Tensor {
  if (approximate !== "none" && approximate !== "tanh") {
    throw new TesseraError("E_VALUE", `gelu: approximate: expected "none" or "tanh", received ${describe(approximate)}`);
  }
  return unary(approximate === "tanh" ? "geluTanh" : "gelu", x);
}
export const silu = (x: Tensor) => unary("silu", x);
export const abs = (x: Tensor) => unary("abs", x);
export const square = (x: Tensor) => unary("square", x);

export function pow(x: Tensor, exponent: number): Tensor {
  if (typeof exponent !== "number" || Number.isNaN(exponent)) {
    throw new TesseraError("E_TYPE", `pow: exponent: expected a number, received ${describe(exponent)}`);
  }
  return unary("pow", x, exponent);
}
