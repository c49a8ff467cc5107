// Clustering and embedding metrics with scikit-learn 1.2's definitions, in float64 on the host:
// silhouette_score / silhouette_samples (Rousseeuw 1987; euclidean or precomputed distances),
// adjusted_rand_score (Hubert & Arabie 1985, through the pair confusion matrix, with exact integer
// pair counts) and trustworthiness (Venna & Kaski 2001: how many of each point's k nearest
// neighbours in the embedding are not among its nearest in the input, weighted by their rank).
// Each computes all pairwise distances: O(n²·features) time, O(n) memory per row.
import { TesseraError, checkChoice, checkInt, checkOptionsObject, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { fmt } from "../tensor/shape.js";
import { toMatrix, type Matrix, type MatrixLike } from "../tensor/matrix.js";

export type ClusterLabels = readonly number[] | readonly string[] | Int32Array | Tensor;

/** Labels as dense codes 0..k−1 (by first appearance) and k. */
function encode(fn: string, arg: string, v: unknown): { codes: Int32Array; k: number } {
  let raw: ArrayLike<number | string>;
  if (v instanceof Tensor) {
    if (v.dtype !== "int32") throw new TesseraError("E_DTYPE", `${fn}: ${arg}: expected an int32 tensor of cluster labels, received ${v.dtype} ${fmt(v.shape)}`);
    if (v.ndim !== 1) throw new TesseraError("E_SHAPE", `${fn}: ${arg}: expected a 1-d tensor of labels, received shape ${fmt(v.shape)}`);
    raw = v.data();
  } else if (v instanceof Int32Array || Array.isArray(v)) raw = v as ArrayLike<number | string>;
  else return fail("E_TYPE", `${fn}: ${arg}`, "an array, Int32Array or int32 tensor of cluster labels", v);
  const seen = new Map<number | string, number>();
  const codes = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const x = raw[i];
    if (typeof x === "number") {
      if (!Number.isInteger(x)) fail("E_VALUE", `${fn}: ${arg}[${i}]`, "an integer or string label", x);
    } else if (typeof x !== "string") fail("E_TYPE", `${fn}: ${arg}[${i}]`, "an integer or string label", x);
    let c = seen.get(x);
    if (c === undefined) seen.set(x, (c = seen.size));
    codes[i] = c;
  }
  return { codes, k: seen.size };
}

function rowDistance(m: Matrix, i: number, j: number): number {
  const { data, d } = m;
  let s = 0;
  for (let f = 0; f < d; f++) {
    const t = data[i * d + f] - data[j * d + f];
    s += t * t;
  }
  return Math.sqrt(s);
}

export interface SilhouetteOptions {
  /** "euclidean" (default) or "precomputed" (X is a square distance matrix). */
  metric?: "euclidean" | "precomputed";
}

/** The silhouette of each sample: (b − a) / max(a, b), 0 for a sample alone in its cluster. */
export function silhouetteSamples(X: MatrixLike, labels: ClusterLabels, options?: SilhouetteOptions): Float64Array {
  return silhouette("silhouetteSamples", X, labels, options);
}

/** Mean silhouette over all samples (sklearn.metrics.silhouette_score). */
export function silhouetteScore(X: MatrixLike, labels: ClusterLabels, options?: SilhouetteOptions): number {
  const s = silhouette("silhouetteScore", X, labels, options);
  let total = 0;
  for (let i = 0; i < s.length; i++) total += s[i];
  return total / s.length;
}

function silhouette(fn: string, X: MatrixLike, labels: ClusterLabels, options?: SilhouetteOptions): Float64Array {
  const o = checkOptionsObject(fn, options);
  const metric = o.metric === undefined ? "euclidean" : checkChoice(`${fn}: options.metric`, o.metric, ["euclidean", "precomputed"] as const);
  const m = toMatrix(fn, "X", X);
  const { codes, k } = encode(fn, "labels", labels);
  const n = codes.length;
  if (n !== m.n) throw new TesseraError("E_SHAPE", `${fn}: labels: expected ${m.n} labels (one per sample of X), received ${n}`);
  if (metric === "precomputed") {
    if (m.d !== m.n) throw new TesseraError("E_SHAPE", `${fn}: X: expected a square distance matrix with metric "precomputed", received [${m.n}, ${m.d}]`);
    for (let i = 0; i < n; i++) {
      if (m.data[i * n + i] !== 0) throw new TesseraError("E_VALUE", `${fn}: X[${i}][${i}]: expected 0 on the diagonal of a precomputed distance matrix, received ${m.data[i * n + i]}`);
    }
  }
  if (k < 2 || k > n - 1) throw new TesseraError("E_VALUE", `${fn}: labels: expected 2 to n_samples − 1 = ${n - 1} distinct labels, received ${k}`);
  const freq = new Float64Array(k);
  for (let i = 0; i < n; i++) freq[codes[i]]++;
  const out = new Float64Array(n);
  const sums = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      sums[codes[j]] += metric === "precomputed" ? m.data[i * n + j] : rowDistance(m, i, j);
    }
    const own = codes[i];
    const a = sums[own] / (freq[own] - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own) b = Math.min(b, sums[c] / freq[c]);
    const s = (b - a) / Math.max(a, b);
    out[i] = Number.isFinite(s) ? s : 0; // a singleton cluster (0/0) scores 0, as np.nan_to_num
  }
  return out;
}

/** Adjusted Rand index of two clusterings (sklearn.metrics.adjusted_rand_score): 1 identical, ~0 random. */
export function adjustedRandScore(labelsTrue: ClusterLabels, labelsPred: ClusterLabels): number {
  const fn = "adjustedRandScore";
  const t = encode(fn, "labelsTrue", labelsTrue);
  const p = encode(fn, "labelsPred", labelsPred);
  const n = t.codes.length;
  if (p.codes.length !== n) throw new TesseraError("E_SHAPE", `${fn}: labelsPred: expected ${n} labels like labelsTrue, received ${p.codes.length}`);
  // Contingency table, sparse.
  const cells = new Map<number, number>();
  const rows = new Float64Array(t.k);
  const cols = new Float64Array(p.k);
  for (let i = 0; i < n; i++) {
    const key = t.codes[i] * p.k + p.codes[i];
    cells.set(key, (cells.get(key) ?? 0) + 1);
    rows[t.codes[i]]++;
    cols[p.codes[i]]++;
  }
  // sklearn pair_confusion_matrix, in exact integers.
  const big = BigInt;
  let sumSquares = 0n;
  let cDotNk = 0n;
  let ctDotNc = 0n;
  for (const [key, v] of cells) {
    const bv = big(v);
    sumSquares += bv * bv;
    cDotNk += bv * big(cols[key % p.k]);
    ctDotNc += bv * big(rows[Math.floor(key / p.k)]);
  }
  const nn = big(n);
  const tp = sumSquares - nn;
  const fp = cDotNk - sumSquares;
  const fn_ = ctDotNc - sumSquares;
  const tn = nn * nn - fp - fn_ - sumSquares;
  if (fn_ === 0n && fp === 0n) return 1;
  return (2 * Number(tp * tn - fn_ * fp)) / Number((tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn));
}

export interface TrustworthinessOptions {
  /** Neighbours k, below samples / 2 (default 5). */
  nNeighbors?: number;
  /** "euclidean" (default) or "precomputed" (X is a square distance matrix). */
  metric?: "euclidean" | "precomputed";
}

/**
 * Trustworthiness of an embedding (sklearn.manifold.trustworthiness): 1 − 2/(n·k·(2n − 3k − 1)) ·
 * Σ_i Σ_{j ∈ kNN_embedded(i)} max(0, rank_X(i, j) − k), rank 1 for the nearest input-space neighbour.
 */
export function trustworthiness(X: MatrixLike, XEmbedded: MatrixLike, options?: TrustworthinessOptions): number {
  const fn = "trustworthiness";
  const o = checkOptionsObject(fn, options);
  const k = o.nNeighbors === undefined ? 5 : checkInt(`${fn}: options.nNeighbors`, o.nNeighbors, 1);
  const metric = o.metric === undefined ? "euclidean" : checkChoice(`${fn}: options.metric`, o.metric, ["euclidean", "precomputed"] as const);
  const x = toMatrix(fn, "X", X);
  const e = toMatrix(fn, "XEmbedded", XEmbedded);
  const n = x.n;
  if (e.n !== n) throw new TesseraError("E_SHAPE", `${fn}: XEmbedded: expected ${n} samples like X, received ${e.n}`);
  if (metric === "precomputed" && x.d !== n) throw new TesseraError("E_SHAPE", `${fn}: X: expected a square distance matrix with metric "precomputed", received [${n}, ${x.d}]`);
  if (k >= n / 2) throw new TesseraError("E_VALUE", `${fn}: options.nNeighbors: expected fewer than n_samples / 2 = ${n / 2} neighbours, received ${k}`);
  const inputRow = new Float64Array(n);
  const sorted = new Float64Array(n - 1);
  const best = new Int32Array(k);
  const bestDist = new Float64Array(k);
  let t = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      inputRow[j] = j === i ? Infinity : metric === "precomputed" ? x.data[i * n + j] : rowDistance(x, i, j);
    }
    // k nearest in the embedding (ties by index): insertion into a sorted list of k
    let size = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const dj = rowDistance(e, i, j);
      if (size === k && dj >= bestDist[k - 1]) continue;
      let at = size < k ? size++ : k - 1;
      while (at > 0 && bestDist[at - 1] > dj) {
        bestDist[at] = bestDist[at - 1];
        best[at] = best[at - 1];
        at--;
      }
      bestDist[at] = dj;
      best[at] = j;
    }
    const nearest = best;
    let s = 0;
    for (let j = 0; j < n; j++) if (j !== i) sorted[s++] = inputRow[j];
    sorted.sort();
    for (const j of nearest) {
      // rank = 1 + the number of other points strictly closer to i in the input space
      let lo = 0, hi = n - 1;
      const v = inputRow[j];
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sorted[mid] < v) lo = mid + 1;
        else hi = mid;
      }
      const rank = lo + 1 - k;
      if (rank > 0) t += rank;
    }
  }
  return 1 - t * (2 / (n * k * (2 * n - 3 * k - 1)));
}
