// softmax and logSoftmax over any axis (the kernels work on rows; other axes are moved last and
// back). Stable: the kernels subtract the row maximum. Backward uses the saved output:
// softmax: dx = y·(dy − Σdy·y); logSoftmax: dx = dy − exp(y)·Σdy.
import { cpuBackend } from "../backend/cpu-wasm.js";
import { Tensor } from "./tensor.js";
import { record } from "./autograd.js";
import { normAxis } from "./shape.js";
import { checkFloat, checkTensor } from "./creation.js";
import { transpose } from "./layout.js";

function rowwise(fn: "softmax" | "logSoftmax", x: Tensor, axis: number): Tensor {
  checkFloat(`${fn}: input`, checkTensor(`${fn}: input`, x));
  const ax = normAxis(`${fn}: axis`, axis, x.ndim);
  if (x.ndim > 0 && ax !== x.ndim - 1) {
    const moved = transpose(x, ax, -1);
    const y = rowwise(fn, moved, -1);
    return transpose(y, ax, -1);
  }
  const cols = x.ndim === 0 ? 1 : x.shape[x.ndim - 1];
  const rows = cols === 0 ? 0 : x.size / cols;
  const be = cpuBackend();
  const out = Tensor.empty(x.shape);
  (fn === "softmax" ? be.softmaxRowsF32 : be.logSoftmaxRowsF32)(x.ptr, out.ptr, rows, cols);
  return record(fn, out, [x], (g) => {
    const dx = Tensor.empty(x.shape);
    (fn === "softmax" ? be.softmaxBackwardRowsF32 : be.logSoftmaxBackwardRowsF32)(out.ptr, g.ptr, dx.ptr, rows, cols);
    return [dx];
  });
}

export const softmax = (x: Tensor, axis = -1) => rowwise("softmax", x, axis);
export const logSoftmax = (x: Tensor, axis = -1) => rowwise("logSoftmax", x, axis);
