// Initial centres for k-means, as scikit-learn 1.2 chooses them (sklearn/cluster/_kmeans.py):
// greedy k-means++ (Arthur & Vassilvitskii 2007) — each new centre is the best of 2 + ⌊ln k⌋
// candidates drawn with probability proportional to the squared distance to the nearest centre so
// far, "best" meaning the lowest potential Σ min d² — and "random" (k distinct rows). Every run
// draws from its own generator, so the restarts advance together in one pass per step.
import type { KMeansSession } from "../backend/backend.js";
import { Generator } from "../tensor/random.js";

/** sklearn's n_local_trials default. */
export function localTrials(k: number): number {
  return 2 + Math.floor(Math.log(k));
}

/** Rows `ids` of x [n, d] as one [ids.length, d] array. */
export function gatherRows(x: Float32Array, d: number, ids: ArrayLike<number>): Float32Array {
  const out = new Float32Array(ids.length * d);
  for (let i = 0; i < ids.length; i++) out.set(x.subarray(ids[i] * d, ids[i] * d + d), i * d);
  return out;
}

/**
 * k-means++ centres [k, d] for each run in `runs` (their generators in `rngs`), on the session's
 * rows x [n, d] (the same float32 values the session holds).
 */
export function kmeansPlusPlus(session: KMeansSession, x: Float32Array, runs: readonly number[], rngs: readonly Generator[],
  nTrials: number): Float32Array[] {
  const { n, d, k } = session;
  const chosen = runs.map(() => [] as number[]);
  // The first centre: one row drawn uniformly (randint(n_samples)).
  let candidates = runs.map((_, i) => [rngs[i].int(n)]);
  let pots = session.seed(runs, candidates.map((ids) => gatherRows(x, d, ids)), runs.map(() => -1));
  const best = runs.map(() => 0);
  const current = pots.map((p) => p[0]);
  runs.forEach((_, i) => chosen[i].push(candidates[i][0]));
  for (let c = 1; c < k; c++) {
    candidates = runs.map((r, i) => {
      // Draws proportional to the squared distance to the nearest centre so far.
      const targets = Float64Array.from({ length: nTrials }, () => rngs[i].random() * current[i]);
      return Array.from(session.seedSearch(r, best[i], targets));
    });
    pots = session.seed(runs, candidates.map((ids) => gatherRows(x, d, ids)), best);
    runs.forEach((_, i) => {
      let b = 0;
      for (let t = 1; t < nTrials; t++) if (pots[i][t] < pots[i][b]) b = t;
      best[i] = b;
      current[i] = pots[i][b];
      chosen[i].push(candidates[i][b]);
    });
  }
  return chosen.map((ids) => gatherRows(x, d, ids));
}

/** k distinct rows drawn uniformly (numpy permutation(n)[:k]) as centres [k, d]. */
export function randomCentres(x: Float32Array, n: number, d: number, k: number, rng: Generator): Float32Array {
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return gatherRows(x, d, perm.subarray(0, k));
}

/**
 * Independent generators for `count` runs: from `seed`, or, without one, from the global generator
 * (so manualSeed reproduces a fit, as numpy's global state does for random_state=None).
 */
export function runGenerators(seed: number | undefined, count: number, global: Generator): Generator[] {
  const master = seed === undefined ? new Generator(global.nextU32()) : new Generator(seed);
  return Array.from({ length: count }, () => new Generator(master.nextU32()));
}
