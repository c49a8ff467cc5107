// MiniBatchKMeans with scikit-learn 1.2's semantics (sklearn.cluster.MiniBatchKMeans; Sculley 2010):
// nInit k-means++ seedings on random subsets of initSize rows, the one with the lowest inertia on a
// validation subset kept; then steps on batches drawn with replacement, each moving a centre to the
// running mean of every row it has been given (learning rate 1/count), centres with too few rows
// moved onto random batch rows now and then, and a stop when an exponentially weighted average of
// the batch inertia has not improved for maxNoImprovement steps (or the centres moved less than tol).
import { TesseraError, checkChoice, checkInt, checkNumber, checkOptionsObject, fail, notFitted } from "../errors.js";
import { keep } from "../tensor/scope.js";
import { tensor } from "../tensor/creation.js";
import { Generator, defaultGenerator } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";
import { centredF32, checkFeatures, columnMeans, toMatrix, type Matrix, type MatrixLike } from "../tensor/matrix.js";
import { absoluteTolerance, centreDistances, checkSeed, predictLabels, type KMeansInit } from "./kmeans.js";
import { gatherRows, kmeansPlusPlus, localTrials, randomCentres } from "./seeding.js";
import { withKMeansSession } from "./session.js";

export interface MiniBatchKMeansOptions {
  nClusters?: number;
  /** "k-means++" (default), "random" or the initial centres [nClusters, features]. */
  init?: KMeansInit;
  /** Passes over the data, in batches (default 100). */
  maxIter?: number;
  batchSize?: number;
  /** Label every training sample after fitting (default true; else inertia is estimated). */
  computeLabels?: boolean;
  seed?: number;
  /** Stop when the squared centre shift of a step is within tol × mean feature variance (default 0: off). */
  tol?: number;
  /** Stop after this many steps without a better smoothed inertia (default 10; null: never). */
  maxNoImprovement?: number | null;
  /** Rows drawn for each seeding (default 3·batchSize, at least 3·nClusters). */
  initSize?: number;
  /** Seedings tried (default 3). */
  nInit?: number;
  /** Centres with fewer rows than this fraction of the largest count get moved (default 0.01). */
  reassignmentRatio?: number;
}

export class MiniBatchKMeans {
  readonly nClusters: number;
  readonly init: KMeansInit;
  readonly maxIter: number;
  readonly batchSize: number;
  readonly computeLabels: boolean;
  readonly seed: number | undefined;
  readonly tol: number;
  readonly maxNoImprovement: number | null;
  readonly initSize: number | undefined;
  readonly nInit: number;
  readonly reassignmentRatio: number;

  private fitted: {
    mean: Float64Array;
    centres: Float32Array;
    centresTensor: Tensor;
    labels: Int32Array | null;
    inertia: number;
    nIter: number;
    nSteps: number;
    d: number;
  } | null = null;

  constructor(options?: MiniBatchKMeansOptions) {
    const o = checkOptionsObject("MiniBatchKMeans", options);
    this.nClusters = o.nClusters === undefined ? 8 : checkInt("MiniBatchKMeans: options.nClusters", o.nClusters, 1, 2 ** 20);
    const init = o.init ?? "k-means++";
    if (typeof init === "string") checkChoice("MiniBatchKMeans: options.init", init, ["k-means++", "random"] as const);
    else if (init === null || typeof init !== "object") fail("E_TYPE", "MiniBatchKMeans: options.init", '"k-means++", "random" or an array of initial centres', init);
    this.init = init as KMeansInit;
    this.maxIter = o.maxIter === undefined ? 100 : checkInt("MiniBatchKMeans: options.maxIter", o.maxIter, 1, 1_000_000);
    this.batchSize = o.batchSize === undefined ? 1024 : checkInt("MiniBatchKMeans: options.batchSize", o.batchSize, 1, 2 ** 24);
    if (o.computeLabels !== undefined && typeof o.computeLabels !== "boolean") fail("E_TYPE", "MiniBatchKMeans: options.computeLabels", "a boolean", o.computeLabels);
    this.computeLabels = (o.computeLabels as boolean | undefined) ?? true;
    this.seed = checkSeed("MiniBatchKMeans: options.seed", o.seed);
    this.tol = o.tol === undefined ? 0 : checkNumber("MiniBatchKMeans: options.tol", o.tol, 0);
    this.maxNoImprovement = o.maxNoImprovement === undefined ? 10 : o.maxNoImprovement === null ? null
      : checkInt("MiniBatchKMeans: options.maxNoImprovement", o.maxNoImprovement, 0);
    this.initSize = o.initSize === undefined ? undefined : checkInt("MiniBatchKMeans: options.initSize", o.initSize, 1);
    this.nInit = o.nInit === undefined ? 3 : checkInt("MiniBatchKMeans: options.nInit", o.nInit, 1, 10_000);
    this.reassignmentRatio = o.reassignmentRatio === undefined ? 0.01 : checkNumber("MiniBatchKMeans: options.reassignmentRatio", o.reassignmentRatio, 0);
  }

  fit(X: MatrixLike): this {
    const fn = "MiniBatchKMeans.fit";
    const m = toMatrix(fn, "X", X);
    const { n, d } = m;
    const k = this.nClusters;
    if (n < k) throw new TesseraError("E_VALUE", `${fn}: X: expected at least nClusters = ${k} samples, received ${n}`);
    const mean = columnMeans(m);
    const xc = centredF32(m, mean);
    const tol = absoluteTolerance(m, mean, this.tol);
    const batchSize = Math.min(this.batchSize, n);
    let initSize = this.initSize ?? 3 * batchSize;
    if (initSize < k) initSize = 3 * k;
    initSize = Math.min(initSize, n);
    const rng = this.seed === undefined ? new Generator(defaultGenerator.nextU32()) : new Generator(this.seed);
    const draw = (count: number) => Int32Array.from({ length: count }, () => rng.int(n));

    let given: Float32Array | null = null;
    if (typeof this.init !== "string") {
      const c = toMatrix(fn, "options.init", this.init);
      if (c.n !== k || c.d !== d) throw new TesseraError("E_SHAPE", `${fn}: options.init: expected initial centres of shape [${k}, ${d}], received [${c.n}, ${c.d}]`);
      given = centredF32(c, mean);
    }
    // Seedings, judged on one validation subset.
    const valid = gatherRows(xc, d, draw(initSize));
    let centres: Float32Array | null = null;
    let bestInertia = Infinity;
    for (let t = 0; t < (given ? 1 : this.nInit); t++) {
      let cand: Float32Array;
      if (given) cand = given;
      else {
        const sub = initSize < n ? gatherRows(xc, d, draw(initSize)) : xc;
        const rows = sub.length / d;
        cand = this.init === "random" ? randomCentres(sub, rows, d, k, rng)
          : withKMeansSession(fn, sub, rows, d, { k, runs: 1, elkan: false, nTrials: localTrials(k) },
            (s) => kmeansPlusPlus(s, sub, [0], [rng], localTrials(k))[0]);
      }
      const inertia = withKMeansSession(fn, valid, initSize, d, { k, runs: 1, elkan: false, nTrials: 0 }, (s) => {
        s.setCentres(0, cand);
        return s.pass([0], "assign", { inertia: true }).inertia[0];
      });
      if (centres === null || inertia < bestInertia) {
        centres = cand;
        bestInertia = inertia;
      }
    }
    let c = centres!.slice();
    const counts = new Float64Array(k);
    let ewa: number | null = null;
    let ewaMin: number | null = null;
    let noImprovement = 0;
    let sinceReassign = 0;
    const nSteps = Math.floor((this.maxIter * n) / batchSize);
    let step = 0;
    withKMeansSession(fn, new Float32Array(batchSize * d), batchSize, d, { k, runs: 1, elkan: false, nTrials: 0 }, (s, b, h) => {
      for (; step < nSteps; step++) {
        const batch = gatherRows(xc, d, draw(batchSize));
        b.write(h, batch, "float32");
        s.refresh();
        // sklearn _random_reassign, evaluated before the step
        sinceReassign += batchSize;
        let reassign = false;
        if (counts.some((v) => v === 0) || sinceReassign >= 10 * k) {
          sinceReassign = 0;
          reassign = true;
        }
        s.setCentres(0, c);
        const batchInertia = s.pass([0], "assign", { update: true, inertia: true }).inertia[0];
        const { sums, counts: got } = s.clusterSums(0);
        const next = new Float32Array(k * d);
        for (let j = 0; j < k; j++) {
          const w = got[j];
          if (w > 0) {
            const total = counts[j] + w;
            for (let f = 0; f < d; f++) next[j * d + f] = (c[j * d + f] * counts[j] + sums[j * d + f]) / total;
            counts[j] = total;
          } else {
            next.set(c.subarray(j * d, j * d + d), j * d);
          }
        }
        if (reassign && this.reassignmentRatio > 0) this.reassign(next, counts, batch, batchSize, d, k, rng);
        let shift2 = 0;
        if (tol > 0) for (let i = 0; i < k * d; i++) shift2 += (next[i] - c[i]) ** 2;
        c = next;
        // sklearn _mini_batch_convergence
        const bi = batchInertia / batchSize;
        if (step === 0) continue;
        if (ewa === null) ewa = bi;
        else {
          const alpha = Math.min((batchSize * 2) / (n + 1), 1);
          ewa = ewa * (1 - alpha) + bi * alpha;
        }
        if (tol > 0 && shift2 <= tol) break;
        if (ewaMin === null || ewa < ewaMin) {
          noImprovement = 0;
          ewaMin = ewa;
        } else noImprovement++;
        if (this.maxNoImprovement !== null && noImprovement >= this.maxNoImprovement) break;
      }
    });
    const stepsRun = Math.min(step + 1, nSteps);
    let labels: Int32Array | null = null;
    let inertia: number;
    if (this.computeLabels) ({ labels, inertia } = predictLabels(fn, m, mean, c, k));
    else inertia = (ewa ?? 0) * n;
    const full = new Float32Array(k * d);
    for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) full[j * d + f] = c[j * d + f] + mean[f];
    this.fitted?.centresTensor.dispose();
    this.fitted = {
      mean, centres: c, centresTensor: keep(tensor(full, [k, d])), labels, inertia,
      nSteps: stepsRun, nIter: Math.ceil((stepsRun * batchSize) / n), d,
    };
    return this;
  }

  // sklearn _mini_batch_step's reassignment: centres with weight below ratio × the largest move onto
  // distinct random rows of the batch, and their weights become the smallest remaining weight.
  private reassign(centres: Float32Array, counts: Float64Array, batch: Float32Array, rows: number, d: number, k: number, rng: Generator): void {
    let maxCount = 0;
    for (let j = 0; j < k; j++) maxCount = Math.max(maxCount, counts[j]);
    const move = Array.from({ length: k }, (_, j) => counts[j] < this.reassignmentRatio * maxCount);
    if (move.filter(Boolean).length > 0.5 * rows) {
      const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => counts[a] - counts[b] || a - b);
      for (const j of order.slice(Math.floor(0.5 * rows))) move[j] = false;
    }
    const targets = move.flatMap((v, j) => (v ? [j] : []));
    if (targets.length === 0) return;
    const perm = Int32Array.from({ length: rows }, (_, i) => i);
    targets.forEach((j, t) => {
      const r = t + rng.int(rows - t);
      const tmp = perm[t];
      perm[t] = perm[r];
      perm[r] = tmp;
      centres.set(batch.subarray(perm[t] * d, perm[t] * d + d), j * d);
    });
    let minKept = Infinity;
    for (let j = 0; j < k; j++) if (!move[j]) minKept = Math.min(minKept, counts[j]);
    for (const j of targets) counts[j] = minKept;
  }

  private state(what: string): NonNullable<MiniBatchKMeans["fitted"]> {
    return this.fitted ?? notFitted("MiniBatchKMeans", what);
  }

  get clusterCenters(): Tensor { return this.state("clusterCenters").centresTensor; }
  get labels(): Int32Array {
    const s = this.state("labels");
    if (!s.labels) throw new TesseraError("E_STATE", "MiniBatchKMeans: labels: expected a model fitted with computeLabels true, received one fitted with computeLabels false");
    return s.labels;
  }
  get inertia(): number { return this.state("inertia").inertia; }
  /** Passes over the data (sklearn n_iter_). */
  get nIter(): number { return this.state("nIter").nIter; }
  /** Batches processed (sklearn n_steps_). */
  get nSteps(): number { return this.state("nSteps").nSteps; }
  get nFeaturesIn(): number { return this.state("nFeaturesIn").d; }

  private input(fn: string, X: MatrixLike): Matrix {
    const s = this.state(fn);
    const m = toMatrix(`MiniBatchKMeans.${fn}`, "X", X);
    checkFeatures(`MiniBatchKMeans.${fn}`, "X", m, s.d);
    return m;
  }

  predict(X: MatrixLike): Int32Array {
    const m = this.input("predict", X);
    return predictLabels("MiniBatchKMeans.predict", m, this.fitted!.mean, this.fitted!.centres, this.nClusters).labels;
  }

  fitPredict(X: MatrixLike): Int32Array {
    this.fit(X);
    return this.fitted!.labels?.slice() ?? this.predict(X);
  }

  transform(X: MatrixLike): Tensor {
    const m = this.input("transform", X);
    return centreDistances("MiniBatchKMeans.transform", m, this.fitted!.mean, this.fitted!.centres, this.nClusters);
  }

  fitTransform(X: MatrixLike): Tensor {
    return this.fit(X).transform(X);
  }

  score(X: MatrixLike): number {
    const m = this.input("score", X);
    return -predictLabels("MiniBatchKMeans.score", m, this.fitted!.mean, this.fitted!.centres, this.nClusters).inertia;
  }
}
