// Host-side preparation of strided views for the layout and broadcast kernels: dims of size 1 are
// dropped and neighbours that walk memory as one merged (fewer dims, less index arithmetic per
// element on the GPU), and a conservative test of whether a view can reach one address twice.

export interface MergedView {
  n: number;
  shape: number[];
  strides: number[];
}

/** The view (shape, strides) over a contiguous result, with mergeable dims merged. */
export function mergeDims(shape: readonly number[], strides: readonly number[]): MergedView {
  const n = shape.reduce((a, d) => a * d, 1);
  const s: number[] = [];
  const t: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = s.length - 1;
    if (last >= 0 && t[last] === strides[d] * shape[d]) {
      s[last] *= shape[d];
      t[last] = strides[d];
    } else {
      s.push(shape[d]);
      t.push(strides[d]);
    }
  }
  return { n, shape: s, strides: t };
}

export interface MergedBroadcast {
  n: number;
  shape: number[];
  aStrides: number[];
  bStrides: number[];
}

/** mergeDims for two operands read with their own strides into one contiguous result. */
export function mergeBroadcastDims(shape: readonly number[], aStrides: readonly number[], bStrides: readonly number[]): MergedBroadcast {
  const n = shape.reduce((a, d) => a * d, 1);
  const s: number[] = [];
  const ta: number[] = [];
  const tb: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = s.length - 1;
    if (last >= 0 && ta[last] === aStrides[d] * shape[d] && tb[last] === bStrides[d] * shape[d]) {
      s[last] *= shape[d];
      ta[last] = aStrides[d];
      tb[last] = bStrides[d];
    } else {
      s.push(shape[d]);
      ta.push(aStrides[d]);
      tb.push(bStrides[d]);
    }
  }
  return { n, shape: s, aStrides: ta, bStrides: tb };
}

/**
 * False only when every element of the view has its own address: sorted by stride, each dim's
 * stride must exceed the span of the dims below it. (True for some views that do not overlap, which
 * then take the slower, still correct, path.)
 */
export function mayOverlap(shape: readonly number[], strides: readonly number[]): boolean {
  const dims = shape.map((size, d) => ({ size, stride: Math.abs(strides[d]) })).filter((x) => x.size > 1)
    .sort((a, b) => a.stride - b.stride);
  let span = 0; // the largest offset reachable by the dims so far
  for (const { size, stride } of dims) {
    if (stride <= span) return true;
    span += (size - 1) * stride;
  }
  return false;
}
