// matmul with torch.matmul's rules (1-D promotion, N-d × 2-D flattened into one GEMM, batch
// broadcasting) and linear (x·Wᵀ + b with the bias fused into the GEMM epilogue). Backward:
// dA = g·Bᵀ, dB = Aᵀ·g, using the transposed GEMM variants rather than transposed copies.
import { TesseraError } from "../errors.js";
import { cpuBackend } from "../backend/cpu-wasm.js";
import { Tensor } from "./tensor.js";
import { record } from "./autograd.js";
import { broadcastShapes, fmt, sizeOf } from "./shape.js";
import { checkFloat, checkTensor } from "./creation.js";
import { expand, reshape } from "./layout.js";
import { sum } from "./reduce.js";

interface GemmShape {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}

/** out = op(a)·op(b) (+ bias), batched over contiguous [batch, ...] operands. */
function gemmInto(out: Tensor, a: Tensor, b: Tensor, s: GemmShape, bias: Tensor | null = null): Tensor {
  cpuBackend().gemm({
    a: a.ptr, b: b.ptr, c: out.ptr, m: s.m, n: s.n, k: s.k, transA: s.transA, transB: s.transB,
    batch: s.batch, strideA: s.m * s.k, strideB: s.k * s.n, strideC: s.m * s.n,
    bias: bias ? bias.ptr : 0, accumulate: false,
  });
  return out;
}

/** [batch, m, k] × [batch, k, n] → [batch, m, n] (batch may be 1 for plain 2-D). */
function batchedMatmul(a: Tensor, b: Tensor, batch: number, m: number, k: number, n: number, outShape: number[]): Tensor {
  const out = gemmInto(Tensor.empty(outShape), a, b, { batch, m, n, k, transA: false, transB: false });
  return record("matmul", out, [a, b], (g) => [
    a.requiresGrad ? gemmInto(Tensor.empty(a.shape), g, b, { batch, m, n: k, k: n, transA: false, transB: true }) : null,
    b.requiresGrad ? gemmInto(Tensor.empty(b.shape), a, g, { batch, m: k, n, k: m, transA: true, transB: false }) : null,
  ]);
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  checkFloat("matmul: input", checkTensor("matmul: input", a));
  checkFloat("matmul: other", checkTensor("matmul: other", b));
  if (a.ndim === 0 || b.ndim === 0) {
    throw new TesseraError("E_SHAPE", `matmul: expected tensors with at least one dimension, received ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  const k = a.shape[a.ndim - 1];
  const kb = b.ndim === 1 ? b.shape[0] : b.shape[b.ndim - 2];
  if (k !== kb) {
    throw new TesseraError("E_SHAPE", `matmul: expected input's last dimension to equal other's ${b.ndim === 1 ? "only" : "second-to-last"} dimension, received ${fmt(a.shape)} and ${fmt(b.shape)} (${k} vs ${kb})`);
  }
  // 1-D operands are promoted to matrices and the added dimension is dropped from the result.
  if (a.ndim === 1 || b.ndim === 1) {
    const a2 = a.ndim === 1 ? reshape(a, [1, k]) : a;
    const b2 = b.ndim === 1 ? reshape(b, [k, 1]) : b;
    const r = matmul(a2, b2);
    const shape = r.shape.slice();
    if (b.ndim === 1) shape.pop();
    if (a.ndim === 1) shape.splice(shape.length - (b.ndim === 1 ? 1 : 2), 1);
    return reshape(r, shape);
  }
  const n = b.shape[b.ndim - 1];
  if (b.ndim === 2) {
    // [..., m, k] × [k, n]: one GEMM over all leading rows.
    const m = sizeOf(a.shape.slice(0, -1));
    const a2 = a.ndim === 2 ? a : reshape(a, [m, k]);
    const r = batchedMatmul(a2, b, 1, m, k, n, [m, n]);
    return a.ndim === 2 ? r : reshape(r, [...a.shape.slice(0, -1), n]);
  }
  const batchShape = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), "matmul (batch dimensions)");
  const m = a.shape[a.ndim - 2];
  const ae = expandTo(a, [...batchShape, m, k]);
  const bEx = expandTo(b, [...batchShape, k, n]);
  return batchedMatmul(ae, bEx, sizeOf(batchShape), m, k, n, [...batchShape, m, n]);
}

function expandTo(x: Tensor, shape: number[]): Tensor {
  return x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i]) ? x : expand(x, shape);
}

/** y = x·Wᵀ + b with torch's weight layout [outFeatures, inFeatures]; x: [..., inFeatures]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkFloat("linear: input", checkTensor("linear: input", x));
  checkFloat("linear: weight", checkTensor("linear: weight", weight));
  if (weight.ndim !== 2) throw new TesseraError("E_SHAPE", `linear: weight: expected [outFeatures, inFeatures], received ${fmt(weight.shape)}`);
  const [outF, inF] = weight.shape;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new TesseraError("E_SHAPE", `linear: input: expected last dimension ${inF} (weight ${fmt(weight.shape)}), received ${fmt(x.shape)}`);
  }
  if (bias != null) {
    checkFloat("linear: bias", checkTensor("linear: bias", bias));
    if (bias.ndim !== 1 || bias.shape[0] !== outF) throw new TesseraError("E_SHAPE", `linear: bias: expected [${outF}], received ${fmt(bias.shape)}`);
  }
  const m = sizeOf(x.shape.slice(0, -1));
  const x2 = x.ndim === 2 ? x : reshape(x, [m, inF]);
  const out = gemmInto(Tensor.empty([m, outF]), x2, weight, { batch: 1, m, n: outF, k: inF, transA: false, transB: true }, bias ?? null);
  const inputs = bias != null ? [x2, weight, bias] : [x2, weight];
  const y = record("linear", out, inputs, (g) => [
    x2.requiresGrad ? gemmInto(Tensor.empty(x2.shape), g, weight, { batch: 1, m, n: inF, k: outF, transA: false, transB: false }) : null,
    weight.requiresGrad ? gemmInto(Tensor.empty(weight.shape), g, x2, { batch: 1, m: outF, n: inF, k: m, transA: true, transB: false }) : null,
    bias?.requiresGrad ? sum(g, 0) : null,
  ]);
  return x.ndim === 2 ? y : reshape(y, [...x.shape.slice(0, -1), outF]);
}
