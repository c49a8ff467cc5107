// The float64 brute-force reference for flat k-nearest-neighbour search (test/kernels and
// test/embeddings vector-index suites): every row scored in float64 from the same float32 inputs,
// ordered best first — score descending (ip, cosine) or squared distance ascending (l2) — ties by
// row ascending; cosine divides by the row norm and skips zero rows.
export type KnnMetric = "ip" | "cosine" | "l2";

export function bruteForceKnn(base: ArrayLike<number>, rows: number, dim: number, q: ArrayLike<number>, k: number, metric: KnnMetric): { rows: number[]; scores: number[] } {
  const list: [number, number][] = [];
  let qn = 0;
  for (let j = 0; j < dim; j++) qn += q[j] * q[j];
  qn = Math.sqrt(qn);
  for (let r = 0; r < rows; r++) {
    let s = 0, n = 0;
    for (let j = 0; j < dim; j++) {
      const x = base[r * dim + j];
      s += metric === "l2" ? (q[j] - x) ** 2 : q[j] * x;
      n += x * x;
    }
    if (metric === "cosine") {
      if (n === 0) continue;
      s = qn === 0 ? 0 : s / Math.sqrt(n) / qn;
    }
    list.push([s, r]);
  }
  list.sort((a, b) => (a[0] !== b[0] ? (metric === "l2" ? a[0] - b[0] : b[0] - a[0]) : a[1] - b[1]));
  const top = list.slice(0, k);
  return { rows: top.map((t) => t[1]), scores: top.map((t) => t[0]) };
}

/**
 * Checks a returned top-k list (rows, scores; -1 padding) against the reference: exact (same rows,
 * same scores) when `tol` is 0; else every returned row's reference score within tol of the
 * reference's score at that rank (so only near-ties may swap) and the returned score within tol.
 */
export function expectKnn(gotRows: ArrayLike<number>, gotScores: ArrayLike<number>, ref: { rows: number[]; scores: number[] },
  all: Map<number, number>, k: number, tol: number, where: string): void {
  for (let i = 0; i < k; i++) {
    if (i >= ref.rows.length) {
      if (gotRows[i] !== -1 || !Number.isNaN(gotScores[i])) throw new Error(`${where} rank ${i}: expected padding (-1, NaN), received (${gotRows[i]}, ${gotScores[i]})`);
      continue;
    }
    if (tol === 0) {
      if (gotRows[i] !== ref.rows[i] || gotScores[i] !== ref.scores[i]) throw new Error(`${where} rank ${i}: expected row ${ref.rows[i]} score ${ref.scores[i]}, received row ${gotRows[i]} score ${gotScores[i]}`);
      continue;
    }
    const s = all.get(gotRows[i]);
    if (s === undefined || Math.abs(s - ref.scores[i]) > tol || Math.abs(gotScores[i] - ref.scores[i]) > tol) {
      throw new Error(`${where} rank ${i}: expected score ${ref.scores[i]} (row ${ref.rows[i]}), received row ${gotRows[i]} (reference score ${s}) with score ${gotScores[i]}`);
    }
  }
  const seen = new Set(Array.from(gotRows).filter((r) => r >= 0));
  if (seen.size !== Math.min(k, ref.rows.length)) throw new Error(`${where}: expected distinct rows, received ${Array.from(gotRows).join(",")}`);
}

/** Reference scores of every row, by row, for expectKnn's tolerance path. */
export function scoreMap(base: ArrayLike<number>, rows: number, dim: number, q: ArrayLike<number>, metric: KnnMetric): Map<number, number> {
  const r = bruteForceKnn(base, rows, dim, q, rows, metric);
  return new Map(r.rows.map((row, i) => [row, r.scores[i]]));
}
