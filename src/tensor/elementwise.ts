// Elementwise ops with NumPy/PyTorch broadcasting and their gradients. Same-shape, scalar and
// general broadcast cases go to different kernels; a broadcast operand's gradient is the output
// gradient summed back to its shape (sumToShape).
import { TesseraError, describe } from "../errors.js";
import { Binary, Unary, type BinaryOp, type UnaryOp } from "../backend/backend.js";
import { cpuBackend } from "../backend/cpu-wasm.js";
import { Tensor } from "./tensor.js";
import { record } from "./autograd.js";
import { broadcastShapes, broadcastStrides, shapesEqual } from "./shape.js";
import { withI32Arrays } from "./scratch.js";
import { sumToShape } from "./reduce.js";
import { checkFloat, checkTensor } from "./creation.js";

function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const be = cpuBackend();
  const code = Binary[op];
  if (shapesEqual(a.shape, b.shape)) {
    const out = Tensor.empty(a.shape);
    be.binaryF32(code, a.ptr, b.ptr, out.ptr, out.size);
    return out;
  }
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = Tensor.empty(shape);
  if (b.size === 1 && shapesEqual(shape, a.shape)) {
    be.binaryScalarF32(code, a.ptr, b.item(), out.ptr, out.size, 0);
  } else if (a.size === 1 && shapesEqual(shape, b.shape)) {
    be.binaryScalarF32(code, b.ptr, a.item(), out.ptr, out.size, 1);
  } else if (out.size > 0) {
    withI32Arrays([shape, broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)], (sp, as, bs) =>
      be.binaryBroadcastF32(code, a.ptr, b.ptr, out.ptr, shape.length, sp, as, bs));
  }
  return out;
}

function scalarRaw(op: BinaryOp, a: Tensor, s: number, scalarFirst: boolean): Tensor {
  const out = Tensor.empty(a.shape);
  cpuBackend().binaryScalarF32(Binary[op], a.ptr, s, out.ptr, out.size, scalarFirst ? 1 : 0);
  return out;
}

function operands(op: string, a: unknown, b: unknown): [Tensor, Tensor | number] {
  checkFloat(`${op}: input`, checkTensor(`${op}: input`, a));
  if (typeof b === "number") return [a as Tensor, b];
  if (!(b instanceof Tensor)) throw new TesseraError("E_TYPE", `${op}: other: expected a Tensor or a number, received ${describe(b)}`);
  checkFloat(`${op}: other`, checkTensor(`${op}: other`, b));
  return [a as Tensor, b];
}

export function add(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands("add", a, b);
  if (typeof y === "number") return record("add", scalarRaw("add", x, y, false), [x], (g) => [g]);
  const out = binaryRaw("add", x, y);
  return record("add", out, [x, y], (g) => [sumToShape(g, x.shape), sumToShape(g, y.shape)]);
}

export function sub(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands("sub", a, b);
  if (typeof y === "number") return record("sub", scalarRaw("sub", x, y, false), [x], (g) => [g]);
  const out = binaryRaw("sub", x, y);
  return record("sub", out, [x, y], (g) => [sumToShape(g, x.shape), y.requiresGrad ? negRaw(sumToShape(g, y.shape)) : null]);
}

export function mul(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands("mul", a, b);
  if (typeof y === "number") return record("mul", scalarRaw("mul", x, y, false), [x], (g) => [scalarRaw("mul", g, y, false)]);
  const out = binaryRaw("mul", x, y);
  return record("mul", out, [x, y], (g) => [
    x.requiresGrad ? reduced(binaryRaw("mul", g, y), x) : null,
    y.requiresGrad ? reduced(binaryRaw("mul", g, x), y) : null,
  ]);
}

export function div(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands("div", a, b);
  if (typeof y === "number") return record("div", scalarRaw("div", x, y, false), [x], (g) => [scalarRaw("div", g, y, false)]);
  const out = binaryRaw("div", x, y);
  return record("div", out, [x, y], (g) => [
    x.requiresGrad ? reduced(binaryRaw("div", g, y), x) : null,
    // d(x/y)/dy = -out / y
    y.requiresGrad ? reduced(negRaw(binaryRaw("div", binaryRaw("mul", g, out), y), true), y) : null,
  ]);
}

/** Sums a gradient back to `like`'s shape and frees the full-size intermediate. */
function reduced(g: Tensor, like: Tensor): Tensor {
  if (shapesEqual(g.shape, like.shape)) return g;
  const r = sumToShape(g, like.shape);
  g.dispose();
  return r;
}

function negRaw(x: Tensor, inPlace = false): Tensor {
  const out = inPlace ? x : Tensor.empty(x.shape);
  cpuBackend().unaryF32(Unary.neg, x.ptr, out.ptr, x.size, 0);
  return out;
}

function unary(op: UnaryOp, x: Tensor, p = 0): Tensor {
  checkFloat(`${op}: input`, checkTensor(`${op}: input`, x));
  const be = cpuBackend();
  const out = Tensor.empty(x.shape);
  be.unaryF32(Unary[op], x.ptr, out.ptr, x.size, p);
  return record(op, out, [x], (g) => {
    const dx = Tensor.empty(x.shape);
    be.unaryBackwardF32(Unary[op], x.ptr, out.ptr, g.ptr, dx.ptr, x.size, p);
    return [dx];
  });
}

export const neg = (x: Tensor) => unary("neg", x);
export const exp = (x: Tensor) => unary("exp", x);
export const log = (x: Tensor) => unary("log", x);
export const sqrt = (x: Tensor) => unary("sqrt", x);
export const tanh = (x: Tensor) => unary("tanh", x);
export const sigmoid = (x: Tensor) => unary("sigmoid", x);
export const relu = (x: Tensor) => unary("relu", x);
export const gelu = (x: Tensor) => unary("gelu", x);
export const silu = (x: Tensor) => unary("silu", x);
export const abs = (x: Tensor) => unary("abs", x);
export const square = (x: Tensor) => unary("square", x);

export function pow(x: Tensor, exponent: number): Tensor {
  if (typeof exponent !== "number" || Number.isNaN(exponent)) {
    throw new TesseraError("E_TYPE", `pow: exponent: expected a number, received ${describe(exponent)}`);
  }
  return unary("pow", x, exponent);
}
