// t-SNE's joint probabilities P, as scikit-learn 1.2 builds them (sklearn/manifold/_t_sne.py
// _joint_probabilities_nn / _joint_probabilities): conditional probabilities p_j|i from each row's
// squared distances by the perplexity search (on the backend), then P = (p_j|i + p_i|j) / Σ —
// sparse over the 3·perplexity nearest neighbours for Barnes–Hut, dense (floored at machine
// epsilon) for the exact method.
import type { Backend, Handle, TsneAffinities } from "../backend/backend.js";
import type { Matrix } from "../tensor/matrix.js";

const MACHINE_EPSILON = 2.220446049250313e-16;

type AffinityBackend = Backend & Required<Pick<Backend, "nearestNeighbors" | "conditionalProbabilities">>;

/** P over the k = min(n − 1, ⌊3·perplexity + 1⌋) nearest neighbours (CSR, rows sorted by column). */
export function sparseAffinities(b: AffinityBackend, m: Matrix, perplexity: number): TsneAffinities & { kind: "sparse" } {
  const { n, d } = m;
  const k = Math.min(n - 1, Math.floor(3 * perplexity + 1));
  // Neighbours of the centred rows: the same distances, less cancellation in ‖x‖² + ‖y‖² − 2·x·y.
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += m.data[i * d + j] / n;
  const xc = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) xc[i * d + j] = Math.fround(m.data[i * d + j]) - mean[j];
  const h: Handle = b.alloc(n * d);
  let nn: { indices: Int32Array; distances: Float32Array };
  try {
    b.write(h, xc, "float32");
    nn = b.nearestNeighbors(h, n, d, k);
  } finally {
    b.free(h);
  }
  // sklearn sorts each row's neighbours by column index before the search (sort_indices).
  const order = new Int32Array(k);
  const dist = new Float32Array(n * k);
  const cols = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) order[t] = t;
    order.sort((a, c) => nn.indices[i * k + a] - nn.indices[i * k + c]);
    for (let t = 0; t < k; t++) {
      cols[i * k + t] = nn.indices[i * k + order[t]];
      dist[i * k + t] = nn.distances[i * k + order[t]];
    }
  }
  const cond = b.conditionalProbabilities(dist, n, k, perplexity, false);
  return symmetrize(n, k, cols, cond);
}

/** (C + Cᵀ) / Σ for C [n, n] with k entries per row (cols sorted per row). */
export function symmetrize(n: number, k: number, cols: Int32Array, cond: Float32Array): TsneAffinities & { kind: "sparse" } {
  // Cᵀ row by row: entries (j → i) collected in increasing i, so each list is sorted.
  const tCount = new Int32Array(n + 1);
  for (let e = 0; e < n * k; e++) tCount[cols[e] + 1]++;
  for (let i = 0; i < n; i++) tCount[i + 1] += tCount[i];
  const tCols = new Int32Array(n * k);
  const tVals = new Float64Array(n * k);
  const fill = tCount.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = cols[i * k + t];
      tCols[fill[j]] = i;
      tVals[fill[j]++] = cond[i * k + t];
    }
  }
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(2 * n * k);
  const values = new Float64Array(2 * n * k);
  let nnz = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let a = i * k;
    const aEnd = a + k;
    let c = tCount[i];
    const cEnd = tCount[i + 1];
    while (a < aEnd || c < cEnd) {
      const ja = a < aEnd ? cols[a] : n;
      const jc = c < cEnd ? tCols[c] : n;
      let v = 0;
      let j: number;
      if (ja <= jc) {
        j = ja;
        v += cond[a++];
        if (jc === ja) v += tVals[c++];
      } else {
        j = jc;
        v += tVals[c++];
      }
      indices[nnz] = j;
      values[nnz++] = v;
      total += v;
    }
    indptr[i + 1] = nnz;
  }
  const sum = Math.max(total, MACHINE_EPSILON);
  const p = new Float32Array(nnz);
  for (let e = 0; e < nnz; e++) p[e] = values[e] / sum;
  return { kind: "sparse", indptr, indices: indices.slice(0, nnz), values: p };
}

/** Dense P [n, n] from all pairwise squared distances (sklearn pairwise_distances, then float32). */
export function denseAffinities(b: AffinityBackend, m: Matrix, perplexity: number): TsneAffinities & { kind: "dense" } {
  const { n, d, data } = m;
  const dist = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let f = 0; f < d; f++) {
        const t = Math.fround(data[i * d + f]) - Math.fround(data[j * d + f]);
        s += t * t;
      }
      dist[i * n + j] = dist[j * n + i] = s;
    }
  }
  const cond = b.conditionalProbabilities(dist, n, n, perplexity, true);
  let total = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) total += cond[i * n + j] + cond[j * n + i];
  const sum = Math.max(total, MACHINE_EPSILON);
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i !== j) values[i * n + j] = Math.max((cond[i * n + j] + cond[j * n + i]) / sum, MACHINE_EPSILON);
    }
  }
  return { kind: "dense", values };
}
