// k-means iterations for several restarts in lock step, with scikit-learn 1.2's control flow
// (sklearn/cluster/_kmeans.py _kmeans_single_lloyd / _kmeans_single_elkan): an assignment pass
// (Lloyd's, or Elkan's bounded one) that also sums each cluster's rows, new centres as the means,
// empty clusters moved to the rows farthest from their centres, and a stop when no label changed
// ("strict convergence") or the squared centre shift is within tol; then one more labelling pass
// with the final centres, which also measures the inertia. Each iteration is one pass over all
// unfinished restarts, so the worker pool sees restarts × chunks tiles at a time.
import type { KMeansSession } from "../backend/backend.js";

export interface KMeansRunResult {
  centres: Float32Array;
  labels: Int32Array;
  inertia: number;
  nIter: number;
}

export interface LloydOptions {
  maxIter: number;
  /** Absolute tolerance on Σ‖shift‖² (sklearn's tol × mean per-feature variance). */
  tol: number;
  elkan: boolean;
}

/**
 * Moves each empty cluster onto one of the rows farthest from their own centres (sklearn
 * _relocate_empty_clusters_dense): sums and counts are the totals of the pass that used `centres`.
 */
export function relocateEmptyClusters(x: Float32Array, d: number, k: number, labels: Int32Array, centres: Float32Array,
  sums: Float64Array, counts: Float64Array): void {
  const empty: number[] = [];
  for (let j = 0; j < k; j++) if (counts[j] === 0) empty.push(j);
  if (empty.length === 0) return;
  const n = labels.length;
  const dist = new Float64Array(n);
  let maxDist = 0;
  for (let i = 0; i < n; i++) {
    const c = labels[i] * d;
    let s = 0;
    for (let f = 0; f < d; f++) {
      const t = x[i * d + f] - centres[c + f];
      s += t * t;
    }
    dist[i] = s;
    if (s > maxDist) maxDist = s;
  }
  // More clusters than distinct rows: relocating is pointless.
  if (maxDist === 0) return;
  const far = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => dist[b] - dist[a] || a - b);
  empty.forEach((j, e) => {
    const i = far[e];
    const old = labels[i];
    for (let f = 0; f < d; f++) {
      sums[old * d + f] -= x[i * d + f];
      sums[j * d + f] = x[i * d + f];
    }
    counts[j] = 1;
    counts[old] -= 1;
  });
}

/** New centres as cluster means (an empty cluster keeps its sum, as sklearn's _average_centers). */
export function averageCentres(sums: Float64Array, counts: Float64Array, k: number, d: number): Float32Array {
  const out = new Float32Array(k * d);
  for (let j = 0; j < k; j++) {
    const inv = counts[j] > 0 ? 1 / counts[j] : 1;
    for (let f = 0; f < d; f++) out[j * d + f] = sums[j * d + f] * inv;
  }
  return out;
}

/** ‖new_j − old_j‖ per centre. */
export function centreShift(a: Float32Array, b: Float32Array, k: number, d: number): Float64Array {
  const out = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let f = 0; f < d; f++) {
      const t = a[j * d + f] - b[j * d + f];
      s += t * t;
    }
    out[j] = Math.sqrt(s);
  }
  return out;
}

/** Runs k-means from `init` (one [k, d] array per run) to convergence on every run of the session. */
export function lloydRuns(session: KMeansSession, x: Float32Array, init: readonly Float32Array[], o: LloydOptions): KMeansRunResult[] {
  const { d, k } = session;
  const all = init.map((_, r) => r);
  const centres: Float32Array[] = init.map((c) => c.slice());
  const nIter = all.map(() => 0);
  all.forEach((r) => session.setCentres(r, centres[r]));
  const kind = o.elkan ? "elkan" : "assign";
  if (o.elkan) session.pass(all, "elkanInit", {});
  let active = all;
  for (let it = 0; it < o.maxIter && active.length > 0; it++) {
    const { changed } = session.pass(active, kind, { update: true });
    const next: number[] = [];
    active.forEach((r, a) => {
      const { sums, counts } = session.clusterSums(r);
      if (counts.some((c) => c === 0)) relocateEmptyClusters(x, d, k, session.labels(r), centres[r], sums, counts);
      const updated = averageCentres(sums, counts, k, d);
      const shift = centreShift(updated, centres[r], k, d);
      centres[r] = updated;
      session.setCentres(r, updated, o.elkan ? Float32Array.from(shift) : null);
      nIter[r] = it + 1;
      if (it > 0 && changed[a] === 0) return; // strict convergence
      let total = 0;
      for (let j = 0; j < k; j++) total += shift[j] * shift[j];
      if (total <= o.tol) return;
      next.push(r);
    });
    active = next;
  }
  // Label with the final centres (a no-op for strictly converged runs) and measure the inertia.
  const { inertia } = session.pass(all, kind, { inertia: true });
  return all.map((r) => ({ centres: centres[r], labels: session.labels(r), inertia: inertia[r], nIter: nIter[r] }));
}

/** sklearn _is_same_clustering: labels1 maps into labels2 consistently (same partition up to renaming). */
export function isSameClustering(labels1: Int32Array, labels2: Int32Array, k: number): boolean {
  const mapping = new Int32Array(k).fill(-1);
  for (let i = 0; i < labels1.length; i++) {
    const m = mapping[labels1[i]];
    if (m === -1) mapping[labels1[i]] = labels2[i];
    else if (m !== labels2[i]) return false;
  }
  return true;
}
