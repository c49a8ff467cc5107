// KMeans with scikit-learn 1.2's semantics and names (sklearn.cluster.KMeans, camelCased): k-means++
// (greedy, 2 + ⌊ln k⌋ trials), "random" or given initial centres; Lloyd or Elkan iterations; nInit
// restarts, keeping the lowest inertia. As sklearn does, the data are centred on their mean first
// (the distances ‖c‖² − 2·x·c then lose less to rounding) and the tolerance is tol × the mean
// per-feature variance. The restarts run together (cluster/lloyd.ts) on the kernels of
// assembly/kmeans.ts; the random numbers come from tessera's Generator, so a seed reproduces a fit
// here but does not reproduce sklearn's random_state draws.
import { TesseraError, checkChoice, checkInt, checkNumber, checkOptionsObject, fail, notFitted } from "../errors.js";
import { keep } from "../tensor/scope.js";
import { tensor } from "../tensor/creation.js";
import { defaultGenerator } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";
import { centredF32, checkFeatures, columnMeans, toMatrix, type Matrix, type MatrixLike } from "../tensor/matrix.js";
import { isSameClustering, lloydRuns, type KMeansRunResult } from "./lloyd.js";
import { kmeansPlusPlus, localTrials, randomCentres, runGenerators } from "./seeding.js";
import { withKMeansSession } from "./session.js";

export type KMeansInit = "k-means++" | "random" | MatrixLike;

export interface KMeansOptions {
  /** Clusters to form (default 8). */
  nClusters?: number;
  /** "k-means++" (default), "random" (k distinct rows) or the initial centres [nClusters, features]. */
  init?: KMeansInit;
  /** Restarts, keeping the lowest inertia (default 10; "auto": 1 for k-means++, else 10; given centres: 1). */
  nInit?: number | "auto";
  /** Iteration cap per restart (default 300). */
  maxIter?: number;
  /** Relative tolerance on the centre shift (default 1e-4). */
  tol?: number;
  /** "lloyd" (default) or "elkan" (triangle-inequality bounds: fewer distances, n·k floats of memory). */
  algorithm?: "lloyd" | "elkan";
  /** Seed of the restarts' random numbers (default: drawn from the global generator, see manualSeed). */
  seed?: number;
}

/** sklearn _tolerance: tol × mean per-feature variance. */
export function absoluteTolerance(m: Matrix, mean: Float64Array, tol: number): number {
  if (tol === 0) return 0;
  const { data, n, d } = m;
  const ss = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const t = data[i * d + j] - mean[j];
      ss[j] += t * t;
    }
  }
  let total = 0;
  for (let j = 0; j < d; j++) total += ss[j] / n;
  return (total / d) * tol;
}

export function checkSeed(arg: string, v: unknown): number | undefined {
  return v === undefined ? undefined : checkInt(arg, v, 0, Number.MAX_SAFE_INTEGER);
}

/** Labels [n] from the rows of m (centred on `mean`) against centres [k, d] (centred the same way). */
export function predictLabels(fn: string, m: Matrix, mean: Float64Array, centres: Float32Array, k: number): { labels: Int32Array; inertia: number } {
  const xc = centredF32(m, mean);
  return withKMeansSession(fn, xc, m.n, m.d, { k, runs: 1, elkan: false, nTrials: 0 }, (s) => {
    s.setCentres(0, centres);
    const { inertia } = s.pass([0], "assign", { inertia: true });
    return { labels: s.labels(0), inertia: inertia[0] };
  });
}

/** Euclidean distances [n, k] of the rows of m to the centres (both centred on `mean`). */
export function centreDistances(fn: string, m: Matrix, mean: Float64Array, centres: Float32Array, k: number): Tensor {
  const xc = centredF32(m, mean);
  const dist = withKMeansSession(fn, xc, m.n, m.d, { k, runs: 1, elkan: false, nTrials: 0 }, (s) => {
    s.setCentres(0, centres);
    return s.distances(0);
  });
  return tensor(dist, [m.n, k]);
}

export class KMeans {
  readonly nClusters: number;
  readonly init: KMeansInit;
  readonly nInit: number | "auto";
  readonly maxIter: number;
  readonly tol: number;
  readonly algorithm: "lloyd" | "elkan";
  readonly seed: number | undefined;

  private fitted: {
    mean: Float64Array;
    centres: Float32Array; // centred, [k, d]
    centresTensor: Tensor;
    labels: Int32Array;
    inertia: number;
    nIter: number;
    d: number;
  } | null = null;

  constructor(options?: KMeansOptions) {
    const o = checkOptionsObject("KMeans", options);
    this.nClusters = o.nClusters === undefined ? 8 : checkInt("KMeans: options.nClusters", o.nClusters, 1, 2 ** 20);
    const init = o.init ?? "k-means++";
    if (typeof init === "string") checkChoice("KMeans: options.init", init, ["k-means++", "random"] as const);
    else if (init === null || typeof init !== "object") fail("E_TYPE", "KMeans: options.init", '"k-means++", "random" or an array of initial centres', init);
    this.init = init as KMeansInit;
    this.nInit = o.nInit === undefined ? 10 : o.nInit === "auto" ? "auto" : checkInt("KMeans: options.nInit", o.nInit, 1, 10_000);
    this.maxIter = o.maxIter === undefined ? 300 : checkInt("KMeans: options.maxIter", o.maxIter, 1, 1_000_000);
    this.tol = o.tol === undefined ? 1e-4 : checkNumber("KMeans: options.tol", o.tol, 0);
    this.algorithm = o.algorithm === undefined ? "lloyd" : checkChoice("KMeans: options.algorithm", o.algorithm, ["lloyd", "elkan"] as const);
    this.seed = checkSeed("KMeans: options.seed", o.seed);
  }

  /** Clusters X [samples, features]. */
  fit(X: MatrixLike): this {
    const fn = "KMeans.fit";
    const m = toMatrix(fn, "X", X);
    const k = this.nClusters;
    if (m.n < k) throw new TesseraError("E_VALUE", `${fn}: X: expected at least nClusters = ${k} samples, received ${m.n}`);
    const mean = columnMeans(m);
    const xc = centredF32(m, mean);
    const tol = absoluteTolerance(m, mean, this.tol);
    let given: Float32Array | null = null;
    if (typeof this.init !== "string") {
      const c = toMatrix(fn, "options.init", this.init);
      if (c.n !== k || c.d !== m.d) {
        throw new TesseraError("E_SHAPE", `${fn}: options.init: expected initial centres of shape [${k}, ${m.d}] (nClusters × features of X), received [${c.n}, ${c.d}]`);
      }
      given = centredF32(c, mean);
    }
    const nInit = given ? 1 : this.nInit === "auto" ? (this.init === "k-means++" ? 1 : 10) : this.nInit;
    const elkan = this.algorithm === "elkan" && k > 1; // sklearn uses Lloyd for one cluster
    const nTrials = this.init === "k-means++" ? localTrials(k) : 0;
    const rngs = runGenerators(this.seed, nInit, defaultGenerator);
    const runs = rngs.map((_, r) => r);
    const results = withKMeansSession(fn, xc, m.n, m.d, { k, runs: nInit, elkan, nTrials }, (s) => {
      const init = given ? [given]
        : this.init === "random" ? rngs.map((g) => randomCentres(xc, m.n, m.d, k, g))
        : kmeansPlusPlus(s, xc, runs, rngs, nTrials);
      return lloydRuns(s, xc, init, { maxIter: this.maxIter, tol, elkan });
    });
    // The first run, then any later one with a lower inertia that is not the same clustering
    // (rounding can make a relabelled copy of the best look slightly better).
    let best: KMeansRunResult = results[0];
    for (const r of results.slice(1)) {
      if (r.inertia < best.inertia && !isSameClustering(r.labels, best.labels, k)) best = r;
    }
    const centres = new Float32Array(k * m.d);
    for (let j = 0; j < k; j++) for (let f = 0; f < m.d; f++) centres[j * m.d + f] = best.centres[j * m.d + f] + mean[f];
    this.fitted?.centresTensor.dispose();
    this.fitted = {
      mean, centres: best.centres, centresTensor: keep(tensor(centres, [k, m.d])), labels: best.labels,
      inertia: best.inertia, nIter: best.nIter, d: m.d,
    };
    return this;
  }

  private state(what: string): NonNullable<KMeans["fitted"]> {
    return this.fitted ?? notFitted("KMeans", what);
  }

  /** Centres [nClusters, features] (owned by the model: clone it to keep it past the next fit). */
  get clusterCenters(): Tensor { return this.state("clusterCenters").centresTensor; }
  /** The cluster of each training sample. */
  get labels(): Int32Array { return this.state("labels").labels; }
  /** Σ of squared distances of the training samples to their centres. */
  get inertia(): number { return this.state("inertia").inertia; }
  /** Iterations of the best restart. */
  get nIter(): number { return this.state("nIter").nIter; }
  get nFeaturesIn(): number { return this.state("nFeaturesIn").d; }

  private input(fn: string, X: MatrixLike): Matrix {
    const s = this.state(fn);
    const m = toMatrix(`KMeans.${fn}`, "X", X);
    checkFeatures(`KMeans.${fn}`, "X", m, s.d);
    return m;
  }

  /** The nearest centre of each sample. */
  predict(X: MatrixLike): Int32Array {
    const m = this.input("predict", X);
    const s = this.fitted!;
    return predictLabels("KMeans.predict", m, s.mean, s.centres, this.nClusters).labels;
  }

  fitPredict(X: MatrixLike): Int32Array {
    return this.fit(X).labels.slice();
  }

  /** Euclidean distances [samples, nClusters] to every centre. */
  transform(X: MatrixLike): Tensor {
    const m = this.input("transform", X);
    const s = this.fitted!;
    return centreDistances("KMeans.transform", m, s.mean, s.centres, this.nClusters);
  }

  fitTransform(X: MatrixLike): Tensor {
    return this.fit(X).transform(X);
  }

  /** Minus the inertia of X against the centres (higher is better, as sklearn's score). */
  score(X: MatrixLike): number {
    const m = this.input("score", X);
    const s = this.fitted!;
    return -predictLabels("KMeans.score", m, s.mean, s.centres, this.nClusters).inertia;
  }
}
