// softmax and logSoftmax over any axis (the kernels work on rows; other axes are moved last and
// back). Stable: the kernels subtract the row maximum. Backward uses the saved output:
// softmax: dx = y·(dy − Σdy·y); logSoftmax: dx = dy − exp(y)·Σdy.
import { Tensor } from "./tensor.js";
import { composite, record } from "./autograd.js";
import { floatTensor, normAxis } from "./check.js";
import { transpose } from "./layout.js";

function rowwise(fn: "softmax" | "logSoftmax", input: Tensor, axis: number): Tensor {
  const x = floatTensor(`${fn}: input`, input);
  const ax = normAxis(`${fn}: axis`, axis, x.ndim);
  if (x.ndim > 0 && ax !== x.ndim - 1) {
    return composite([x], () => transpose(rowwise(fn, transpose(x, ax, -1), -1), ax, -1));
  }
  const cols = x.ndim === 0 ? 1 : x.shape[x.ndim - 1];
  const rows = cols === 0 ? 0 : x.size / cols;
  const be = x.backend;
  const out = Tensor.empty(x.shape, "float32", be);
  if (fn === "softmax") be.softmaxRows(x.handle, out.handle, rows, cols);
  else be.logSoftmaxRows(x.handle, out.handle, rows, cols);
  return record(fn, out, [x], (g) => {
    const dx = Tensor.empty(x.shape, "float32", be);
    if (fn === "softmax") be.softmaxBackwardRows(out.handle, g.handle, dx.handle, rows, cols);
    else be.logSoftmaxBackwardRows(out.handle, g.handle, dx.handle, rows, cols);
    return [dx];
  }, [out]);
}

export const softmax = (x: Tensor, axis = -1) => rowwise("softmax", x, axis);
export const logSoftmax = (x: Tensor, axis = -1) => rowwise("logSoftmax", x, axis);
