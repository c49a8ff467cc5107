// matmul with torch.matmul's rules (1-D promotion, N-d × 2-D flattened into one GEMM, batch
// broadcasting) and linear (x·Wᵀ + b with the bias fused into the GEMM epilogue). Backward:
// dA = g·Bᵀ, dB = Aᵀ·g, using the transposed GEMM variants rather than transposed copies.
import { TesseraError } from "../errors.js";
import { Tensor } from "./tensor.js";
import { composite, record } from "./autograd.js";
import { broadcastShapes, fmt, sizeOf } from "./shape.js";
import { floatTensor, sameBackend } from "./check.js";
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

/** A new tensor of `shape` = op(a)·op(b) (+ bias), batched over contiguous [batch, ...] operands. */
function gemm(shape: readonly number[], a: Tensor, b: Tensor, s: GemmShape, bias: Tensor | null = null): Tensor {
  const out = Tensor.empty(shape, "float32", a.backend);
  try {
    a.backend.gemm({
      a: a.handle, b: b.handle, c: out.handle, m: s.m, n: s.n, k: s.k, transA: s.transA, transB: s.transB,
      batch: s.batch, strideA: s.m * s.k, strideB: s.k * s.n, strideC: s.m * s.n,
      bias: bias ? bias.handle : null, accumulate: false,
    });
  } catch (e) {
    out.dispose(); // e.g. E_OOM for the packing scratch: leave nothing behind
    throw e;
  }
  return out;
}

/** [batch, m, k] × [batch, k, n] → [batch, m, n] (batch may be 1 for plain 2-D). */
function batchedMatmul(a: Tensor, b: Tensor, batch: number, m: number, k: number, n: number, outShape: number[]): Tensor {
  const out = gemm(outShape, a, b, { batch, m, n, k, transA: false, transB: false });
  return record("matmul", out, [a, b], (g) => [
    a.requiresGrad ? gemm(a.shape.slice(), g, b, { batch, m, n: k, k: n, transA: false, transB: true }) : null,
    b.requiresGrad ? gemm(b.shape.slice(), a, g, { batch, m: k, n, k: m, transA: true, transB: false }) : null,
  ], [a, b]);
}

export function matmul(input: Tensor, other: Tensor): Tensor {
  const a = floatTensor("matmul: input", input);
  const b = floatTensor("matmul: other", other);
  sameBackend("matmul", ["input", "other"], [a, b]);
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
    return composite([a, b], () => {
      const a2 = a.ndim === 1 ? reshape(a, [1, k]) : a;
      const b2 = b.ndim === 1 ? reshape(b, [k, 1]) : b;
      const r = matmul(a2, b2);
      const shape = r.shape.slice();
      if (b.ndim === 1) shape.pop();
      if (a.ndim === 1) shape.splice(shape.length - (b.ndim === 1 ? 1 : 2), 1);
      return reshape(r, shape);
    });
  }
  const n = b.shape[b.ndim - 1];
  if (b.ndim === 2) {
    // [..., m, k] × [k, n]: one GEMM over all leading rows.
    const m = sizeOf(a.shape.slice(0, -1));
    if (a.ndim === 2) return batchedMatmul(a, b, 1, m, k, n, [m, n]);
    return composite([a, b], () => reshape(batchedMatmul(reshape(a, [m, k]), b, 1, m, k, n, [m, n]), [...a.shape.slice(0, -1), n]));
  }
  const batchShape = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), "matmul (batch dimensions)");
  const m = a.shape[a.ndim - 2];
  const shapeA = [...batchShape, m, k];
  const shapeB = [...batchShape, k, n];
  const outShape = [...batchShape, m, n];
  if (isShape(a, shapeA) && isShape(b, shapeB)) return batchedMatmul(a, b, sizeOf(batchShape), m, k, n, outShape);
  return composite([a, b], () => batchedMatmul(isShape(a, shapeA) ? a : expand(a, shapeA), isShape(b, shapeB) ? b : expand(b, shapeB),
    sizeOf(batchShape), m, k, n, outShape));
}

function isShape(x: Tensor, shape: number[]): boolean {
  return x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i]);
}

/** y = x·Wᵀ + b with torch's weight layout [outFeatures, inFeatures]; x: [..., inFeatures]. */
export function linear(input: Tensor, w: Tensor, b?: Tensor | null): Tensor {
  const x = floatTensor("linear: input", input);
  const weight = floatTensor("linear: weight", w);
  const bias = b == null ? null : floatTensor("linear: bias", b);
  sameBackend("linear", ["input", "weight", "bias"], bias ? [x, weight, bias] : [x, weight]);
  if (weight.ndim !== 2) throw new TesseraError("E_SHAPE", `linear: weight: expected [outFeatures, inFeatures], received ${fmt(weight.shape)}`);
  const [outF, inF] = weight.shape;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new TesseraError("E_SHAPE", `linear: input: expected last dimension ${inF} (weight ${fmt(weight.shape)}), received ${fmt(x.shape)}`);
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outF)) {
    throw new TesseraError("E_SHAPE", `linear: bias: expected [${outF}], received ${fmt(bias.shape)}`);
  }
  const m = sizeOf(x.shape.slice(0, -1));
  const linear2d = (x2: Tensor): Tensor => {
    const out = gemm([m, outF], x2, weight, { batch: 1, m, n: outF, k: inF, transA: false, transB: true }, bias);
    return record("linear", out, bias !== null ? [x2, weight, bias] : [x2, weight], (g) => [
      x2.requiresGrad ? gemm(x2.shape.slice(), g, weight, { batch: 1, m, n: inF, k: outF, transA: false, transB: false }) : null,
      weight.requiresGrad ? gemm(weight.shape.slice(), g, x2, { batch: 1, m: outF, n: inF, k: m, transA: true, transB: false }) : null,
      bias?.requiresGrad ? sum(g, 0) : null,
    ], [x2, weight]);
  };
  if (x.ndim === 2) return linear2d(x);
  return composite(bias !== null ? [x, weight, bias] : [x, weight], () => reshape(linear2d(reshape(x, [m, inF])), [...x.shape.slice(0, -1), outF]));
}
