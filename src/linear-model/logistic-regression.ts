// LogisticRegression like scikit-learn's default (penalty "l2", solver "lbfgs"): two classes fit one
// weight vector on the binary log loss, more classes a full softmax (multinomial) with one row per
// class; the loss is Σ log-loss + ½‖W‖²/C with the intercept unpenalised. Minimised by L-BFGS
// (10 correction pairs, Armijo backtracking) in float64 until the largest gradient component is
// below tol, as scipy's L-BFGS-B gtol in sklearn. Starting from zero keeps the multinomial
// intercepts summing to zero, as sklearn's, so coefficients compare one to one.
import { TesseraError, checkInt, checkNumber, describe } from "../errors.js";
import { CsrMatrix } from "../text/sparse.js";
import { accuracyScore } from "../metrics/classification.js";

export type ClassLabel = number | string;

export interface LogisticRegressionOptions {
  /** Inverse regularisation strength (default 1). */
  C?: number;
  /** Fit an intercept (default true). */
  fitIntercept?: boolean;
  /** Iteration limit (default 100, as sklearn). */
  maxIter?: number;
  /** Stop when every gradient component is below this (default 1e-4, as sklearn). */
  tol?: number;
}

/**
 * Samples × features: a CsrMatrix, an array of rows, or `{ data, rows, cols }` row-major. The solver
 * works on a dense float64 copy, so a CsrMatrix costs rows × cols × 8 bytes (sized for thousands of
 * samples and features, not a sparse corpus of millions).
 */
export type FeatureMatrix = CsrMatrix | readonly (ArrayLike<number>)[] | { data: ArrayLike<number>; rows: number; cols: number };

interface Dense {
  x: Float64Array;
  n: number;
  d: number;
}

function toDense(what: string, X: unknown, d?: number): Dense {
  let out: Dense;
  if (X instanceof CsrMatrix) {
    out = { x: X.toDense(), n: X.shape[0], d: X.shape[1] };
  } else if (Array.isArray(X)) {
    const n = X.length;
    const cols = n > 0 && X[0] !== null && typeof X[0] === "object" ? (X[0] as ArrayLike<number>).length : 0;
    const x = new Float64Array(n * cols);
    for (let i = 0; i < n; i++) {
      const row = X[i] as ArrayLike<number>;
      if (row === null || typeof row !== "object" || typeof row.length !== "number") throw new TesseraError("E_TYPE", `${what}: X[${i}]: expected a row of numbers, received ${describe(row)}`);
      if (row.length !== cols) throw new TesseraError("E_SHAPE", `${what}: X[${i}]: expected ${cols} values (as X[0]), received ${row.length}`);
      for (let j = 0; j < cols; j++) x[i * cols + j] = row[j];
    }
    out = { x, n, d: cols };
  } else if (X !== null && typeof X === "object" && "data" in X && "rows" in X && "cols" in X) {
    const m = X as { data: ArrayLike<number>; rows: number; cols: number };
    const n = checkInt(`${what}: X.rows`, m.rows, 0), cols = checkInt(`${what}: X.cols`, m.cols, 0);
    if (m.data.length !== n * cols) throw new TesseraError("E_SHAPE", `${what}: X.data: expected rows × cols = ${n * cols} values, received ${m.data.length}`);
    out = { x: Float64Array.from(m.data), n, d: cols };
  } else {
    throw new TesseraError("E_TYPE", `${what}: X: expected a CsrMatrix, an array of rows or { data, rows, cols }, received ${describe(X)}`);
  }
  for (let i = 0; i < out.x.length; i++) {
    if (!Number.isFinite(out.x[i])) throw new TesseraError("E_VALUE", `${what}: X: expected finite values, received ${out.x[i]} in row ${Math.floor(i / Math.max(1, out.d))}`);
  }
  if (d !== undefined && out.d !== d) throw new TesseraError("E_SHAPE", `${what}: X: expected ${d} features (as in fit), received ${out.d}`);
  return out;
}

function sortLabels(labels: ClassLabel[]): ClassLabel[] {
  return typeof labels[0] === "number"
    ? (labels as number[]).sort((a, b) => a - b)
    : (labels as string[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Minimises f by L-BFGS from x (updated in place); returns the iterations used. */
function lbfgs(f: (x: Float64Array, g: Float64Array) => number, x: Float64Array, maxIter: number, tol: number): number {
  const m = 10, n = x.length;
  const S: Float64Array[] = [], Y: Float64Array[] = [], rho: number[] = [];
  const g = new Float64Array(n), gNew = new Float64Array(n), xNew = new Float64Array(n), dir = new Float64Array(n);
  let fx = f(x, g);
  const alpha = new Float64Array(m);
  const dot = (a: Float64Array, b: Float64Array) => { let s = 0; for (let i = 0; i < n; i++) s += a[i] * b[i]; return s; };
  const gmax = (v: Float64Array) => { let s = 0; for (let i = 0; i < n; i++) s = Math.max(s, Math.abs(v[i])); return s; };
  for (let it = 0; it < maxIter; it++) {
    if (gmax(g) <= tol) return it;
    // Two-loop recursion: dir = −H·g.
    for (let i = 0; i < n; i++) dir[i] = -g[i];
    for (let j = S.length - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dot(S[j], dir);
      for (let i = 0; i < n; i++) dir[i] -= alpha[j] * Y[j][i];
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dot(S[last], Y[last]) / dot(Y[last], Y[last]);
      for (let i = 0; i < n; i++) dir[i] *= gamma;
    } else {
      const scale = 1 / Math.max(1, Math.sqrt(dot(g, g)));
      for (let i = 0; i < n; i++) dir[i] *= scale;
    }
    for (let j = 0; j < S.length; j++) {
      const b = rho[j] * dot(Y[j], dir);
      for (let i = 0; i < n; i++) dir[i] += S[j][i] * (alpha[j] - b);
    }
    let slope = dot(g, dir);
    if (slope >= 0) { // not a descent direction: restart from steepest descent
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -g[i];
      slope = -dot(g, g);
    }
    let step = 1, fNew = 0;
    for (let tries = 0; ; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * dir[i];
      fNew = f(xNew, gNew);
      if (fNew <= fx + 1e-4 * step * slope) break;
      if (tries === 60) return it; // no decrease representable in float64: converged as far as it goes
      step *= 0.5;
    }
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) { s[i] = xNew[i] - x[i]; y[i] = gNew[i] - g[i]; }
    const sy = dot(s, y);
    if (sy > 1e-12 * dot(y, y)) {
      if (S.length === m) { S.shift(); Y.shift(); rho.shift(); }
      S.push(s); Y.push(y); rho.push(1 / sy);
    }
    x.set(xNew);
    g.set(gNew);
    const stalled = fNew >= fx; // the loss no longer resolves the step: as close as float64 gets
    fx = fNew;
    if (stalled) return it + 1;
  }
  return maxIter;
}

/** L2-regularised logistic regression (binary or multinomial), like sklearn.linear_model.LogisticRegression. */
export class LogisticRegression {
  readonly C: number;
  readonly fitIntercept: boolean;
  readonly maxIter: number;
  readonly tol: number;
  private labels: ClassLabel[] | null = null;
  private W: Float64Array = new Float64Array(0); // [rows, d] with rows = 1 (binary) or nClasses
  private b: Float64Array = new Float64Array(0);
  private d = 0;
  /** L-BFGS iterations of the last fit (sklearn's n_iter_). */
  nIter = 0;

  constructor(options: LogisticRegressionOptions = {}) {
    if (options === null || typeof options !== "object") throw new TesseraError("E_TYPE", `LogisticRegression: options: expected an object, received ${describe(options)}`);
    this.C = options.C === undefined ? 1 : checkNumber("LogisticRegression: options.C", options.C, Number.MIN_VALUE);
    this.fitIntercept = options.fitIntercept === undefined ? true : !!options.fitIntercept;
    this.maxIter = options.maxIter === undefined ? 100 : checkInt("LogisticRegression: options.maxIter", options.maxIter, 1);
    this.tol = options.tol === undefined ? 1e-4 : checkNumber("LogisticRegression: options.tol", options.tol, 0);
  }

  /** The class labels in sorted order (sklearn's classes_). */
  get classes(): ClassLabel[] {
    return this.fitted("classes").slice();
  }

  /** Weights, [1, nFeatures] for two classes (the second class's side), else [nClasses, nFeatures]; row-major. */
  get coef(): Float64Array {
    this.fitted("coef");
    return this.W.slice();
  }

  /** Intercepts, one (two classes) or one per class. */
  get intercept(): Float64Array {
    this.fitted("intercept");
    return this.b.slice();
  }

  private fitted(what: string): ClassLabel[] {
    if (this.labels === null) throw new TesseraError("E_STATE", `LogisticRegression.${what}: expected a fitted model, received one before fit()`);
    return this.labels;
  }

  /** Fits on X (samples × features) and labels y (numbers or strings, at least two classes). */
  fit(X: FeatureMatrix, y: readonly ClassLabel[] | Int32Array): this {
    const { x, n, d } = toDense("LogisticRegression.fit", X);
    if (y === null || typeof y !== "object" || typeof y.length !== "number") throw new TesseraError("E_TYPE", `LogisticRegression.fit: y: expected an array of labels, received ${describe(y)}`);
    if (y.length !== n) throw new TesseraError("E_SHAPE", `LogisticRegression.fit: y: expected ${n} labels (one per row of X), received ${y.length}`);
    if (n === 0) throw new TesseraError("E_VALUE", "LogisticRegression.fit: X: expected at least one sample, received 0");
    const kind = typeof y[0];
    for (let i = 0; i < n; i++) {
      const t = typeof y[i];
      if ((t !== "number" && t !== "string") || t !== kind || (t === "number" && !Number.isFinite(y[i]))) {
        throw new TesseraError("E_TYPE", `LogisticRegression.fit: y[${i}]: expected a finite number or a string like y[0], received ${describe(y[i])}`);
      }
    }
    const classes = sortLabels([...new Set(Array.from(y as ArrayLike<ClassLabel>))]);
    if (classes.length < 2) throw new TesseraError("E_VALUE", `LogisticRegression.fit: y: expected at least two classes, received only ${describe(classes[0])}`);
    const index = new Map(classes.map((c, i) => [c, i]));
    const target = Int32Array.from(Array.from(y as ArrayLike<ClassLabel>), (c) => index.get(c)!);
    const K = classes.length, rows = K === 2 ? 1 : K, bias = this.fitIntercept ? 1 : 0;
    const stride = d + bias;
    const theta = new Float64Array(rows * stride);
    const lambda = 1 / this.C;
    const z = new Float64Array(rows);
    const loss = (w: Float64Array, g: Float64Array): number => {
      g.fill(0);
      let f = 0;
      for (let i = 0; i < n; i++) {
        const xi = x.subarray(i * d, (i + 1) * d);
        for (let r = 0; r < rows; r++) {
          let s = bias ? w[r * stride + d] : 0;
          for (let j = 0; j < d; j++) s += w[r * stride + j] * xi[j];
          z[r] = s;
        }
        if (rows === 1) {
          // log(1 + e^{−m}) with margin m = ±z, and its derivative, without overflow.
          const sign = target[i] === 1 ? 1 : -1, m = sign * z[0];
          f += m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
          const p = 1 / (1 + Math.exp(-z[0]));
          z[0] = p - (target[i] === 1 ? 1 : 0);
        } else {
          let mx = -Infinity;
          for (let r = 0; r < rows; r++) mx = Math.max(mx, z[r]);
          let sum = 0;
          for (let r = 0; r < rows; r++) sum += Math.exp(z[r] - mx);
          f += mx + Math.log(sum) - z[target[i]];
          for (let r = 0; r < rows; r++) z[r] = Math.exp(z[r] - mx) / sum - (r === target[i] ? 1 : 0);
        }
        for (let r = 0; r < rows; r++) {
          const e = z[r];
          for (let j = 0; j < d; j++) g[r * stride + j] += e * xi[j];
          if (bias) g[r * stride + d] += e;
        }
      }
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < d; j++) {
          const v = w[r * stride + j];
          f += 0.5 * lambda * v * v;
          g[r * stride + j] += lambda * v;
        }
      }
      return f;
    };
    this.nIter = lbfgs(loss, theta, this.maxIter, this.tol);
    if (!theta.every(Number.isFinite)) throw new TesseraError("E_VALUE", "LogisticRegression.fit: expected the optimisation to stay finite, received non-finite weights (scale the features)");
    this.W = new Float64Array(rows * d);
    this.b = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      this.W.set(theta.subarray(r * stride, r * stride + d), r * d);
      if (bias) this.b[r] = theta[r * stride + d];
    }
    this.d = d;
    this.labels = classes;
    return this;
  }

  /** Raw scores: [n] for two classes (positive means the second class), else [n, nClasses]. */
  decisionFunction(X: FeatureMatrix): Float64Array {
    this.fitted("decisionFunction");
    const { x, n, d } = toDense("LogisticRegression.decisionFunction", X, this.d);
    const rows = this.b.length;
    const out = new Float64Array(n * rows);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < rows; r++) {
        let s = this.b[r];
        for (let j = 0; j < d; j++) s += this.W[r * d + j] * x[i * d + j];
        out[i * rows + r] = s;
      }
    }
    return out;
  }

  /** Class probabilities, [n, nClasses] row-major, columns in classes order. */
  predictProba(X: FeatureMatrix): Float64Array {
    const z = this.decisionFunction(X);
    const K = this.labels!.length;
    if (K === 2) {
      const out = new Float64Array(z.length * 2);
      for (let i = 0; i < z.length; i++) {
        const p = 1 / (1 + Math.exp(-z[i]));
        out[2 * i] = 1 - p;
        out[2 * i + 1] = p;
      }
      return out;
    }
    for (let i = 0; i < z.length; i += K) {
      let mx = -Infinity, sum = 0;
      for (let r = 0; r < K; r++) mx = Math.max(mx, z[i + r]);
      for (let r = 0; r < K; r++) sum += (z[i + r] = Math.exp(z[i + r] - mx));
      for (let r = 0; r < K; r++) z[i + r] /= sum;
    }
    return z;
  }

  /** The most probable class of each row (the first class on a tie, as numpy's argmax). */
  predict(X: FeatureMatrix): ClassLabel[] {
    const z = this.decisionFunction(X);
    const classes = this.labels!;
    if (classes.length === 2) return Array.from(z, (s) => classes[s > 0 ? 1 : 0]);
    const K = classes.length, out: ClassLabel[] = [];
    for (let i = 0; i < z.length; i += K) {
      let best = 0;
      for (let r = 1; r < K; r++) if (z[i + r] > z[i + best]) best = r;
      out.push(classes[best]);
    }
    return out;
  }

  /** Mean accuracy of predict(X) against y (metrics.accuracyScore). */
  score(X: FeatureMatrix, y: readonly number[] | readonly string[]): number {
    return accuracyScore(y, this.predict(X) as number[] | string[]);
  }
}
