// PCA with scikit-learn 1.2's semantics (sklearn.decomposition.PCA, svd_solver "full"): the right
// singular vectors of the centred data, taken here as the eigenvectors of the centred product XcᵀXc
// (or, with fewer samples than features, of XcXcᵀ, whose eigenvectors are the left ones) computed in
// float64 by assembly/linalg.ts, so S² = eigenvalue. Signs follow sklearn's svd_flip (each column of
// U has its largest-magnitude entry positive). Explained variance S²/(n − 1), ratios over all
// min(n, d) components, noise variance the mean of the discarded ones; nComponents may be a count
// or a fraction of variance to keep. svdSolver "randomized" (./randomized.ts) is sklearn's
// approximate solver; unlike sklearn's "auto" the default is always the exact one, which measured as
// fast here (bench/README.md). Projections run as float32 matmuls (linear).
import { TesseraError, checkChoice, checkInt, checkOptionsObject, fail, notFitted } from "../errors.js";
import { Generator, defaultGenerator } from "../tensor/random.js";
import { randomizedSvd } from "./randomized.js";
import { classicBackendWith } from "../backend/classic.js";
import { keep } from "../tensor/scope.js";
import { tensor } from "../tensor/creation.js";
import { linear } from "../tensor/matmul.js";
import { noGrad } from "../tensor/autograd.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkFeatures, toMatrix, type Matrix, type MatrixLike } from "../tensor/matrix.js";

export interface PCAOptions {
  /** Components to keep: a count in [0, min(samples, features)], a fraction of variance in (0, 1), or all (default). */
  nComponents?: number;
  /** Scale the projections to unit variance (default false). */
  whiten?: boolean;
  /** "full" (default, exact) or "randomized" (sklearn's approximate truncated SVD; integer nComponents ≥ 1). */
  svdSolver?: "full" | "randomized";
  /** Power iterations of the randomized solver ("auto": 7 for nComponents < 0.1·min(samples, features), else 4). */
  iteratedPower?: number | "auto";
  /** Seed of the randomized solver's test matrix (default: drawn from the global generator). */
  seed?: number;
}

interface Fitted {
  d: number;
  n: number;
  mean: Float64Array;
  components: Float32Array; // [c, d]
  componentsTensor: Tensor;
  explainedVariance: Float64Array;
  explainedVarianceRatio: Float64Array;
  singularValues: Float64Array;
  noiseVariance: number;
  nComponents: number;
  solver: "full" | "randomized";
}

/** x [n, d] (float32 rows) · vᵀ for v [c, d], as float32 [n, c] (a matmul on the default device). */
function project(x: Float32Array, n: number, d: number, v: Float32Array, c: number): Float32Array {
  if (c === 0 || n === 0) return new Float32Array(n * c);
  return noGrad(() => {
    const xt = tensor(x, [n, d]);
    const vt = tensor(v, [c, d]);
    const out = linear(xt, vt);
    const data = out.data() as Float32Array;
    xt.dispose();
    vt.dispose();
    out.dispose();
    return data;
  });
}

/** The rows of m minus mean, as float32 (the values are first rounded to float32, as the kernels see them). */
function centred(m: Matrix, mean: Float64Array): Float32Array {
  const { data, n, d } = m;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = Math.fround(data[i * d + j]) - mean[j];
  return out;
}

/** Row i of m minus mean, dotted with v, in float64. */
function centredDot(m: Matrix, mean: Float64Array, i: number, v: ArrayLike<number>, offset: number): number {
  const { data, d } = m;
  let s = 0;
  for (let f = 0; f < d; f++) s += (Math.fround(data[i * d + f]) - mean[f]) * v[offset + f];
  return s;
}

/**
 * sklearn svd_flip with u_based_decision: the sign that makes the largest-|u| entry of a column
 * positive (the first such entry on ties, as numpy's argmax). `u` is approximate (float32); entries
 * within 1e-5 of the largest are recomputed exactly before deciding.
 */
function flipSign(u: ArrayLike<number>, stride: number, col: number, n: number, exact: (i: number) => number): number {
  let best = 0;
  let bestAbs = -1;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(u[i * stride + col]);
    if (a > bestAbs) {
      bestAbs = a;
      best = i;
    }
  }
  const near: number[] = [];
  for (let i = 0; i < n; i++) if (Math.abs(u[i * stride + col]) >= bestAbs * (1 - 1e-5)) near.push(i);
  if (near.length > 1) {
    let e = -1;
    for (const i of near) {
      const a = Math.abs(exact(i));
      if (a > e) {
        e = a;
        best = i;
      }
    }
    return exact(best) < 0 ? -1 : 1;
  }
  return u[best * stride + col] < 0 ? -1 : 1;
}

export class PCA {
  readonly nComponents: number | undefined;
  readonly whiten: boolean;
  readonly svdSolver: "full" | "randomized";
  readonly iteratedPower: number | "auto";
  readonly seed: number | undefined;
  private fitted: Fitted | null = null;

  constructor(options?: PCAOptions) {
    const o = checkOptionsObject("PCA", options);
    const nc = o.nComponents;
    if (nc !== undefined) {
      if (typeof nc !== "number" || !Number.isFinite(nc) || nc < 0 || (!Number.isInteger(nc) && nc >= 1)) {
        fail(typeof nc === "number" ? "E_RANGE" : "E_TYPE", "PCA: options.nComponents", "a non-negative integer or a fraction in (0, 1)", nc);
      }
    }
    this.nComponents = nc as number | undefined;
    if (o.whiten !== undefined && typeof o.whiten !== "boolean") fail("E_TYPE", "PCA: options.whiten", "a boolean", o.whiten);
    this.whiten = (o.whiten as boolean | undefined) ?? false;
    this.svdSolver = o.svdSolver === undefined ? "full" : checkChoice("PCA: options.svdSolver", o.svdSolver, ["full", "randomized"] as const);
    this.iteratedPower = o.iteratedPower === undefined || o.iteratedPower === "auto" ? "auto" : checkInt("PCA: options.iteratedPower", o.iteratedPower, 0, 1000);
    this.seed = o.seed === undefined ? undefined : checkInt("PCA: options.seed", o.seed, 0, Number.MAX_SAFE_INTEGER);
  }


  fit(X: MatrixLike): this {
    this.fitScores(X, false);
    return this;
  }

  /** Fits and returns the projections [samples, nComponents] of X. */
  fitTransform(X: MatrixLike): Tensor {
    return tensor(this.fitScores(X, true)!, [this.fitted!.n, this.fitted!.nComponents]);
  }

  private fitScores(X: MatrixLike, wantScores: boolean): Float32Array | null {
    const fn = wantScores ? "PCA.fitTransform" : "PCA.fit";
    const m = toMatrix(fn, "X", X, { minRows: 2 });
    const { n, d } = m;
    const k = Math.min(n, d);
    let nc = this.nComponents ?? k;
    if (Number.isInteger(nc) && nc > k) {
      throw new TesseraError("E_RANGE", `${fn}: options.nComponents: expected an integer in [0, ${k}] (min(samples, features) of X), received ${nc}`);
    }
    const b = classicBackendWith(fn, "centredProduct", "symmetricEigen");
    if (this.svdSolver === "randomized") return this.fitRandomized(fn, m, nc, b, wantScores);
    const gram = n < d;
    const h = b.alloc(n * d);
    let prod: { mean: Float64Array; matrix: Float64Array };
    try {
      b.write(h, m.data, "float32");
      prod = b.centredProduct(h, n, d, gram);
    } finally {
      b.free(h);
    }
    const { mean } = prod;
    const eig = b.symmetricEigen(prod.matrix, k);
    // Descending order.
    const S = new Float64Array(k);
    const ev = new Float64Array(k);
    const vec = new Float64Array(k * k); // row j: eigenvector of the j-th largest value
    for (let j = 0; j < k; j++) {
      const src = k - 1 - j;
      const lambda = Math.max(eig.values[src], 0);
      S[j] = Math.sqrt(lambda);
      ev[j] = lambda / (n - 1);
      vec.set(eig.vectors.subarray(src * k, src * k + k), j * k);
    }
    let total = 0;
    for (let j = 0; j < k; j++) total += ev[j];
    const ratio = ev.map((v) => (total > 0 ? v / total : 0));
    if (!Number.isInteger(nc)) {
      // sklearn: searchsorted(cumsum(ratio), fraction, side="right") + 1
      let cum = 0;
      let c = 0;
      while (c < k && (cum += ratio[c]) <= nc) c++;
      nc = Math.min(c + 1, k);
    }
    const xc = centred(m, mean);
    const components = new Float32Array(nc * d);
    let scores: Float32Array | null = null;
    if (!gram) {
      // Components are the eigenvectors; U = Xc·V / S decides the signs.
      for (let j = 0; j < nc; j++) components.set(vec.subarray(j * k, j * k + d), j * d);
      scores = project(xc, n, d, components, nc);
      for (let j = 0; j < nc; j++) {
        const exact = (i: number) => centredDot(m, mean, i, vec, j * k);
        if (flipSign(scores, nc, j, n, exact) < 0) {
          for (let f = 0; f < d; f++) components[j * d + f] = -components[j * d + f];
          for (let i = 0; i < n; i++) scores[i * nc + j] = -scores[i * nc + j];
        }
      }
    } else {
      // The eigenvectors are U's columns (exact); V_j = Xcᵀ·u_j / S_j.
      for (let j = 0; j < nc; j++) {
        const u = vec.subarray(j * k, j * k + n);
        const sign = flipSign(u, 1, 0, n, (i) => u[i]);
        const row = new Float64Array(d);
        for (let i = 0; i < n; i++) {
          const w = u[i] * sign;
          if (w !== 0) for (let f = 0; f < d; f++) row[f] += (Math.fround(m.data[i * d + f]) - mean[f]) * w;
        }
        let norm = 0;
        for (let f = 0; f < d; f++) norm += row[f] * row[f];
        norm = Math.sqrt(norm);
        // A zero singular value leaves V_j undetermined; any unit vector orthogonal to the others will do.
        if (norm <= 1e-12 * (S[0] || 1)) this.completeBasis(components, j, d, row);
        else for (let f = 0; f < d; f++) components[j * d + f] = row[f] / norm;
      }
      if (wantScores) scores = project(xc, n, d, components, nc);
    }
    let noise = 0;
    if (nc < k) {
      for (let j = nc; j < k; j++) noise += ev[j];
      noise /= k - nc;
    }
    if (scores && this.whiten) {
      for (let j = 0; j < nc; j++) {
        const s = ev[j] > 0 ? 1 / Math.sqrt(ev[j]) : 0;
        for (let i = 0; i < n; i++) scores[i * nc + j] *= s;
      }
    }
    this.fitted?.componentsTensor.dispose();
    this.fitted = {
      d, n, mean, components, componentsTensor: keep(tensor(components, [nc, d])),
      explainedVariance: ev.slice(0, nc), explainedVarianceRatio: ratio.slice(0, nc), singularValues: S.slice(0, nc),
      noiseVariance: noise, nComponents: nc, solver: "full",
    };
    return wantScores ? scores : null;
  }

  // sklearn PCA._fit_truncated with randomized_svd.
  private fitRandomized(fn: string, m: Matrix, nc: number, b: Parameters<typeof randomizedSvd>[0], wantScores: boolean): Float32Array | null {
    const { n, d } = m;
    const k = Math.min(n, d);
    if (!Number.isInteger(nc) || nc < 1) {
      throw new TesseraError("E_RANGE", `${fn}: options.nComponents: expected an integer in [1, ${k}] with svdSolver "randomized", received ${nc}`);
    }
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let f = 0; f < d; f++) mean[f] += Math.fround(m.data[i * d + f]);
    for (let f = 0; f < d; f++) mean[f] /= n;
    const xc = centred(m, mean);
    let total = 0;
    const ss = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < d; f++) {
        const t = Math.fround(m.data[i * d + f]) - mean[f];
        ss[f] += t * t;
      }
    }
    for (let f = 0; f < d; f++) total += ss[f] / (n - 1);
    const nIter = this.iteratedPower === "auto" ? (nc < 0.1 * k ? 7 : 4) : this.iteratedPower;
    const rng = this.seed === undefined ? new Generator(defaultGenerator.nextU32()) : new Generator(this.seed);
    const { U, S, Vt } = randomizedSvd(b, xc, n, d, nc, nIter, rng);
    const ev = S.map((s) => (s * s) / (n - 1));
    let kept = 0;
    for (let j = 0; j < nc; j++) kept += ev[j];
    const components = Float32Array.from(Vt);
    this.fitted?.componentsTensor.dispose();
    this.fitted = {
      d, n, mean, components, componentsTensor: keep(tensor(components, [nc, d])),
      explainedVariance: ev, explainedVarianceRatio: ev.map((v) => (total > 0 ? v / total : 0)), singularValues: S,
      noiseVariance: nc < k ? (total - kept) / (k - nc) : 0, nComponents: nc, solver: "randomized",
    };
    if (!wantScores) return null;
    // sklearn fit_transform: U·S, or U·sqrt(n − 1) with whiten
    for (let j = 0; j < nc; j++) {
      const w = this.whiten ? Math.sqrt(n - 1) : S[j];
      for (let i = 0; i < n; i++) U[i * nc + j] *= w;
    }
    return U;
  }

  // Gram–Schmidt from the unit vectors e_0, e_1, … against the components before row j.
  private completeBasis(components: Float32Array, j: number, d: number, out: Float64Array): void {
    for (let e = 0; e < d; e++) {
      out.fill(0);
      out[e] = 1;
      for (let r = 0; r < j; r++) {
        let dot = 0;
        for (let f = 0; f < d; f++) dot += out[f] * components[r * d + f];
        for (let f = 0; f < d; f++) out[f] -= dot * components[r * d + f];
      }
      let norm = 0;
      for (let f = 0; f < d; f++) norm += out[f] * out[f];
      norm = Math.sqrt(norm);
      if (norm > 1e-6) {
        for (let f = 0; f < d; f++) components[j * d + f] = out[f] / norm;
        return;
      }
    }
  }

  private state(what: string): Fitted {
    return this.fitted ?? notFitted("PCA", what);
  }

  /** Principal axes [nComponents, features], by decreasing explained variance (owned by the model). */
  get components(): Tensor { return this.state("components").componentsTensor; }
  get explainedVariance(): Float64Array { return this.state("explainedVariance").explainedVariance; }
  get explainedVarianceRatio(): Float64Array { return this.state("explainedVarianceRatio").explainedVarianceRatio; }
  get singularValues(): Float64Array { return this.state("singularValues").singularValues; }
  /** Per-feature mean of the training data. */
  get mean(): Float64Array { return this.state("mean").mean; }
  get noiseVariance(): number { return this.state("noiseVariance").noiseVariance; }
  /** Components kept (resolved when nComponents was a fraction). */
  get nComponentsFitted(): number { return this.state("nComponentsFitted").nComponents; }
  get nFeaturesIn(): number { return this.state("nFeaturesIn").d; }
  get nSamples(): number { return this.state("nSamples").n; }
  /** The solver the last fit used. */
  get fittedSolver(): "full" | "randomized" { return this.state("fittedSolver").solver; }

  /** Projections [samples, nComponents] of X onto the components. */
  transform(X: MatrixLike): Tensor {
    const s = this.state("transform");
    const m = toMatrix("PCA.transform", "X", X);
    checkFeatures("PCA.transform", "X", m, s.d);
    const out = project(centred(m, s.mean), m.n, s.d, s.components, s.nComponents);
    if (this.whiten) {
      const c = s.nComponents;
      for (let j = 0; j < c; j++) {
        const w = s.explainedVariance[j] > 0 ? 1 / Math.sqrt(s.explainedVariance[j]) : 0;
        for (let i = 0; i < m.n; i++) out[i * c + j] *= w;
      }
    }
    return tensor(out, [m.n, s.nComponents]);
  }

  /** Back from projections [samples, nComponents] to the feature space. */
  inverseTransform(Z: MatrixLike): Tensor {
    const s = this.state("inverseTransform");
    const m = toMatrix("PCA.inverseTransform", "Z", Z);
    checkFeatures("PCA.inverseTransform", "Z", m, s.nComponents);
    const { d, nComponents: c } = s;
    const out = new Float32Array(m.n * d);
    for (let i = 0; i < m.n; i++) {
      for (let f = 0; f < d; f++) {
        let v = s.mean[f];
        for (let j = 0; j < c; j++) {
          const w = this.whiten ? Math.sqrt(s.explainedVariance[j]) : 1;
          v += m.data[i * c + j] * w * s.components[j * d + f];
        }
        out[i * d + f] = v;
      }
    }
    return tensor(out, [m.n, d]);
  }
}

