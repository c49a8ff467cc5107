// t-SNE with scikit-learn 1.2's semantics (sklearn.manifold.TSNE; van der Maaten & Hinton 2008, van
// der Maaten 2014): joint probabilities from each point's perplexity-calibrated Gaussian over its
// 3·perplexity nearest neighbours (Barnes–Hut) or over all points (exact); an embedding started from
// PCA scaled to standard deviation 1e-4 (or random); gradient descent with gains, momentum 0.5 and
// P × earlyExaggeration for 250 iterations, then momentum 0.8 up to maxIter, stopping early when the
// KL divergence (checked every 50 iterations) has not improved for nIterWithoutProgress iterations
// or the gradient norm falls below minGradNorm. learningRate "auto" is max(n / earlyExaggeration / 4, 50).
import type { TsneSession } from "../backend/backend.js";
import { classicBackendWith } from "../backend/classic.js";
import { TesseraError, checkChoice, checkInt, checkNumber, checkOptionsObject, fail, notFitted } from "../errors.js";
import { PCA } from "../decomposition/pca.js";
import { keep } from "../tensor/scope.js";
import { tensor } from "../tensor/creation.js";
import { Generator, defaultGenerator } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";
import { toMatrix, type Matrix, type MatrixLike } from "../tensor/matrix.js";
import { denseAffinities, sparseAffinities } from "./affinities.js";

const EXPLORATION_N_ITER = 250;
const N_ITER_CHECK = 50;
const MIN_GAIN = 0.01;

export interface TSNEOptions {
  /** Dimensions of the embedding (default 2; at most 3 for Barnes–Hut). */
  nComponents?: number;
  /** Effective number of neighbours, in (0, samples) (default 30). */
  perplexity?: number;
  /** Factor on P during the first 250 iterations (default 12). */
  earlyExaggeration?: number;
  /** Step size, or "auto" (default): max(samples / earlyExaggeration / 4, 50). */
  learningRate?: number | "auto";
  /** Iteration cap, at least 250 (default 1000). */
  maxIter?: number;
  /** Stop after this many iterations without a lower KL divergence (default 300). */
  nIterWithoutProgress?: number;
  /** Stop when the gradient norm falls below this (default 1e-7). */
  minGradNorm?: number;
  /** "pca" (default), "random" (1e-4 × standard normal) or the initial embedding [samples, nComponents]. */
  init?: "pca" | "random" | MatrixLike;
  /** "barnes_hut" (default, O(n log n) per iteration) or "exact" (O(n²)). */
  method?: "barnes_hut" | "exact";
  /** Barnes–Hut opening angle (default 0.5). */
  angle?: number;
  /** Seed of the random initial embedding (default: drawn from the global generator). */
  seed?: number;
}

interface Fitted {
  embedding: Tensor;
  klDivergence: number;
  nIter: number;
  learningRate: number;
  d: number;
}

/** The two-phase schedule of sklearn's _tsne over a session; returns the final KL and the last iteration index. */
function optimise(s: TsneSession, o: { maxIter: number; learningRate: number; earlyExaggeration: number; nIterWithoutProgress: number; minGradNorm: number }): { kl: number; it: number } {
  const descend = (it0: number, nIter: number, momentum: number, exaggeration: number, withoutProgress: number) => {
    s.resetOptimizer();
    let error = Number.MAX_VALUE;
    let best = Number.MAX_VALUE;
    let bestIter = it0;
    let i = it0;
    for (let it = it0; it < nIter; it++) {
      i = it;
      const check = (it + 1) % N_ITER_CHECK === 0;
      const r = s.step({ exaggeration, momentum, learningRate: o.learningRate, minGain: MIN_GAIN, computeError: check || it === nIter - 1 });
      error = r.error;
      if (check) {
        if (error < best) {
          best = error;
          bestIter = it;
        } else if (it - bestIter > withoutProgress) break;
        if (r.gradNorm <= o.minGradNorm) break;
      }
    }
    return { error, it: i };
  };
  let { error, it } = descend(0, EXPLORATION_N_ITER, 0.5, o.earlyExaggeration, EXPLORATION_N_ITER);
  // As in sklearn: it ≤ 249 here, so the second phase always runs.
  if (it < EXPLORATION_N_ITER || o.maxIter - EXPLORATION_N_ITER > 0) {
    ({ error, it } = descend(it + 1, o.maxIter, 0.8, 1, o.nIterWithoutProgress));
  }
  return { kl: error, it };
}

export class TSNE {
  readonly nComponents: number;
  readonly perplexity: number;
  readonly earlyExaggeration: number;
  readonly learningRate: number | "auto";
  readonly maxIter: number;
  readonly nIterWithoutProgress: number;
  readonly minGradNorm: number;
  readonly init: "pca" | "random" | MatrixLike;
  readonly method: "barnes_hut" | "exact";
  readonly angle: number;
  readonly seed: number | undefined;
  private fitted: Fitted | null = null;

  constructor(options?: TSNEOptions) {
    const o = checkOptionsObject("TSNE", options);
    this.nComponents = o.nComponents === undefined ? 2 : checkInt("TSNE: options.nComponents", o.nComponents, 1, 1024);
    this.perplexity = o.perplexity === undefined ? 30 : checkNumber("TSNE: options.perplexity", o.perplexity, 0);
    if (this.perplexity <= 0) fail("E_RANGE", "TSNE: options.perplexity", "a number > 0", this.perplexity);
    this.earlyExaggeration = o.earlyExaggeration === undefined ? 12 : checkNumber("TSNE: options.earlyExaggeration", o.earlyExaggeration, 1);
    this.learningRate = o.learningRate === undefined || o.learningRate === "auto" ? "auto" : checkNumber("TSNE: options.learningRate", o.learningRate, 0);
    if (this.learningRate !== "auto" && this.learningRate <= 0) fail("E_RANGE", "TSNE: options.learningRate", '"auto" or a number > 0', this.learningRate);
    this.maxIter = o.maxIter === undefined ? 1000 : checkInt("TSNE: options.maxIter", o.maxIter, EXPLORATION_N_ITER, 1_000_000);
    this.nIterWithoutProgress = o.nIterWithoutProgress === undefined ? 300 : checkInt("TSNE: options.nIterWithoutProgress", o.nIterWithoutProgress, -1);
    this.minGradNorm = o.minGradNorm === undefined ? 1e-7 : checkNumber("TSNE: options.minGradNorm", o.minGradNorm, 0);
    const init = o.init ?? "pca";
    if (typeof init === "string") checkChoice("TSNE: options.init", init, ["pca", "random"] as const);
    else if (init === null || typeof init !== "object") fail("E_TYPE", "TSNE: options.init", '"pca", "random" or an initial embedding', init);
    this.init = init as TSNE["init"];
    this.method = o.method === undefined ? "barnes_hut" : checkChoice("TSNE: options.method", o.method, ["barnes_hut", "exact"] as const);
    if (this.method === "barnes_hut" && this.nComponents > 3) {
      fail("E_RANGE", "TSNE: options.nComponents", "at most 3 for method \"barnes_hut\" (it relies on a quad-tree or oct-tree; use method \"exact\")", this.nComponents);
    }
    this.angle = o.angle === undefined ? 0.5 : checkNumber("TSNE: options.angle", o.angle, 0, 1);
    this.seed = o.seed === undefined ? undefined : checkInt("TSNE: options.seed", o.seed, 0, Number.MAX_SAFE_INTEGER);
  }

  /** Embeds X [samples, features]; returns the embedding [samples, nComponents]. */
  fitTransform(X: MatrixLike): Tensor {
    return this.fit(X).embedding;
  }

  fit(X: MatrixLike): this {
    const fn = "TSNE.fit";
    const m = toMatrix(fn, "X", X, { minRows: 2 });
    const { n } = m;
    if (this.perplexity >= n) {
      throw new TesseraError("E_VALUE", `${fn}: options.perplexity: expected a perplexity less than the number of samples (${n}), received ${this.perplexity}`);
    }
    const b = classicBackendWith(fn, "nearestNeighbors", "conditionalProbabilities", "tsne");
    const lr = this.learningRate === "auto" ? Math.max(n / this.earlyExaggeration / 4, 50) : this.learningRate;
    const y0 = this.initialEmbedding(fn, m);
    const p = this.method === "barnes_hut" ? sparseAffinities(b, m, this.perplexity) : denseAffinities(b, m, this.perplexity);
    const dof = Math.max(this.nComponents - 1, 1);
    const s = b.tsne(n, this.nComponents, p, { method: this.method, angle: this.angle, degreesOfFreedom: dof });
    let result: { kl: number; it: number };
    let y: Float32Array;
    try {
      s.setEmbedding(y0);
      result = optimise(s, { maxIter: this.maxIter, learningRate: lr, earlyExaggeration: this.earlyExaggeration,
        nIterWithoutProgress: this.nIterWithoutProgress, minGradNorm: this.minGradNorm });
      y = s.embedding();
    } finally {
      s.dispose();
    }
    this.fitted?.embedding.dispose();
    this.fitted = { embedding: keep(tensor(y, [n, this.nComponents])), klDivergence: result.kl, nIter: result.it, learningRate: lr, d: m.d };
    return this;
  }

  private initialEmbedding(fn: string, m: Matrix): Float32Array {
    const { n } = m;
    const c = this.nComponents;
    if (typeof this.init !== "string") {
      const e = toMatrix(fn, "options.init", this.init);
      if (e.n !== n || e.d !== c) throw new TesseraError("E_SHAPE", `${fn}: options.init: expected an initial embedding of shape [${n}, ${c}], received [${e.n}, ${e.d}]`);
      return Float32Array.from(e.data);
    }
    if (this.init === "random") {
      const g = this.seed === undefined ? new Generator(defaultGenerator.nextU32()) : new Generator(this.seed);
      return Float32Array.from({ length: n * c }, () => 1e-4 * g.normal());
    }
    if (c > Math.min(m.n, m.d)) {
      throw new TesseraError("E_RANGE", `${fn}: options.nComponents: expected at most min(samples, features) = ${Math.min(m.n, m.d)} with init "pca", received ${c}`);
    }
    const z = new PCA({ nComponents: c }).fitTransform({ data: m.data, shape: [n, m.d] });
    const y = z.data() as Float32Array;
    z.dispose();
    // Scaled so that the first component has standard deviation 1e-4 (np.std, population).
    let mean = 0;
    for (let i = 0; i < n; i++) mean += y[i * c] / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (y[i * c] - mean) ** 2 / n;
    const scale = Math.sqrt(v) > 0 ? 1e-4 / Math.sqrt(v) : 1;
    for (let i = 0; i < y.length; i++) y[i] = y[i] * scale;
    return y;
  }

  private state(what: string): Fitted {
    return this.fitted ?? notFitted("TSNE", what);
  }

  /** The embedding [samples, nComponents] of the last fit (owned by the model). */
  get embedding(): Tensor { return this.state("embedding").embedding; }
  /** KL divergence after optimisation. */
  get klDivergence(): number { return this.state("klDivergence").klDivergence; }
  /** Index of the last iteration run, as sklearn's n_iter_ (999 after the full 1000). */
  get nIter(): number { return this.state("nIter").nIter; }
  /** The learning rate used ("auto" resolved), sklearn's learning_rate_. */
  get effectiveLearningRate(): number { return this.state("effectiveLearningRate").learningRate; }
  get nFeaturesIn(): number { return this.state("nFeaturesIn").d; }
}
