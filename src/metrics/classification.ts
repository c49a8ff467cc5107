// Classification metrics with scikit-learn's semantics (sklearn.metrics 1.2): accuracy_score,
// precision / recall / F-beta with average binary | micro | macro | weighted | null (per label),
// labels, pos_label, sample_weight and zero_division ("warn" acts as 0, without the warning), and
// confusion_matrix with normalize. Labels are integers or strings (arrays, Int32Array, or 1-d
// int32 tensors); the label set is the sorted union of y_true and y_pred unless `labels` is given.
import { TesseraError, describe, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { fmt } from "../tensor/shape.js";

export type Label = number | string;
export type LabelArray = readonly Label[] | Int32Array | Tensor;
export type Average = "binary" | "micro" | "macro" | "weighted";
export type ZeroDivision = "warn" | 0 | 1;

export interface SampleWeightOption {
  /** One non-negative weight per sample. */
  sampleWeight?: readonly number[] | Float32Array | Float64Array;
}

export interface PrfOptions extends SampleWeightOption {
  /** Labels to include (and their order for average null); default: sorted union of both inputs. */
  labels?: readonly Label[];
  /** The positive class for average "binary" (default 1). */
  posLabel?: Label;
  /** How to combine per-label scores (default "binary", as in scikit-learn); null: one per label. */
  average?: Average | null;
  /** The score where a denominator is zero (default "warn", which gives 0). */
  zeroDivision?: ZeroDivision;
}

export interface PrfResult<T> {
  precision: T;
  recall: T;
  fScore: T;
  /** Weighted count of true samples per label (only for average null). */
  support: number[] | null;
}

function toLabels(fn: string, arg: string, v: unknown): Label[] {
  let out: Label[];
  if (v instanceof Tensor) {
    if (v.dtype !== "int32") throw new TesseraError("E_DTYPE", `${fn}: ${arg}: expected an int32 tensor of class labels, received ${v.dtype} ${fmt(v.shape)}`);
    if (v.ndim !== 1) throw new TesseraError("E_SHAPE", `${fn}: ${arg}: expected a 1-d tensor of labels, received shape ${fmt(v.shape)}`);
    out = Array.from(v.data());
  } else if (v instanceof Int32Array) out = Array.from(v);
  else if (Array.isArray(v)) out = v.slice();
  else return fail("E_TYPE", `${fn}: ${arg}`, "an array, Int32Array or int32 tensor of class labels", v);
  const kind = typeof out[0];
  out.forEach((x, i) => {
    if (typeof x === "number") {
      if (!Number.isInteger(x)) fail("E_VALUE", `${fn}: ${arg}[${i}]`, "an integer class label (scores or probabilities are not labels: take argmax or a threshold first)", x);
    } else if (typeof x !== "string") fail("E_TYPE", `${fn}: ${arg}[${i}]`, "an integer or string label", x);
    if (typeof x !== kind) fail("E_TYPE", `${fn}: ${arg}[${i}]`, `a ${kind} label like ${arg}[0] (mixed label types)`, x);
  });
  return out;
}

function compareLabels(a: Label, b: Label): number {
  return typeof a === "number" && typeof b === "number" ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function pair(fn: string, yTrue: unknown, yPred: unknown): [Label[], Label[]] {
  const t = toLabels(fn, "yTrue", yTrue);
  const p = toLabels(fn, "yPred", yPred);
  if (t.length !== p.length) throw new TesseraError("E_SHAPE", `${fn}: yPred: expected ${t.length} labels like yTrue, received ${p.length} (inconsistent numbers of samples)`);
  if (t.length === 0) throw new TesseraError("E_VALUE", `${fn}: yTrue: expected at least one sample, received none`);
  if (typeof t[0] !== typeof p[0]) fail("E_TYPE", `${fn}: yPred`, `${typeof t[0]} labels like yTrue (mixed label types)`, p[0]);
  return [t, p];
}

function weights(fn: string, w: unknown, n: number): number[] | null {
  if (w === undefined || w === null) return null;
  if (!Array.isArray(w) && !(w instanceof Float32Array) && !(w instanceof Float64Array)) fail("E_TYPE", `${fn}: options.sampleWeight`, "an array of weights", w);
  const arr = Array.from(w as ArrayLike<number>);
  if (arr.length !== n) throw new TesseraError("E_SHAPE", `${fn}: options.sampleWeight: expected ${n} weights (one per sample), received ${arr.length}`);
  arr.forEach((x, i) => { if (typeof x !== "number" || !Number.isFinite(x) || x < 0) fail("E_VALUE", `${fn}: options.sampleWeight[${i}]`, "a finite non-negative weight", x); });
  return arr;
}

function uniqueSorted(...lists: Label[][]): Label[] {
  return [...new Set(lists.flat())].sort(compareLabels);
}

function checkOptions(fn: string, o: unknown): Record<string, unknown> {
  if (o === undefined) return {};
  if (o === null || typeof o !== "object") fail("E_TYPE", `${fn}: options`, "an object", o);
  return o as Record<string, unknown>;
}

/** Fraction (normalize, default) or weighted count of exact matches: sklearn.metrics.accuracy_score. */
export function accuracyScore(yTrue: LabelArray, yPred: LabelArray, options: SampleWeightOption & { normalize?: boolean } = {}): number {
  const fn = "accuracyScore";
  const o = checkOptions(fn, options);
  const [t, p] = pair(fn, yTrue, yPred);
  const w = weights(fn, o.sampleWeight, t.length);
  const normalize = o.normalize ?? true;
  if (typeof normalize !== "boolean") fail("E_TYPE", `${fn}: options.normalize`, "a boolean", normalize);
  let hit = 0, total = 0;
  for (let i = 0; i < t.length; i++) {
    const wi = w === null ? 1 : w[i];
    if (t[i] === p[i]) hit += wi;
    total += wi;
  }
  if (!normalize) return hit;
  if (total === 0) throw new TesseraError("E_VALUE", `${fn}: options.sampleWeight: weights sum to zero`);
  return hit / total;
}

/**
 * Counts C[i][j] of samples with true label labels[i] predicted as labels[j]
 * (sklearn.metrics.confusion_matrix); normalize over "true" (rows), "pred" (columns) or "all".
 */
export function confusionMatrix(yTrue: LabelArray, yPred: LabelArray,
  options: SampleWeightOption & { labels?: readonly Label[]; normalize?: "true" | "pred" | "all" | null } = {}): number[][] {
  const fn = "confusionMatrix";
  const o = checkOptions(fn, options);
  const [t, p] = pair(fn, yTrue, yPred);
  const w = weights(fn, o.sampleWeight, t.length);
  let labels: Label[];
  if (o.labels === undefined) labels = uniqueSorted(t, p);
  else {
    labels = toLabels(fn, "options.labels", o.labels);
    if (labels.length === 0) throw new TesseraError("E_VALUE", `${fn}: options.labels: expected at least one label, received none`);
    if (!labels.some((l) => t.includes(l))) throw new TesseraError("E_VALUE", `${fn}: options.labels: expected at least one label that occurs in yTrue, received ${describe(labels)}`);
  }
  const normalize = o.normalize ?? null;
  if (normalize !== null && normalize !== "true" && normalize !== "pred" && normalize !== "all") fail("E_VALUE", `${fn}: options.normalize`, '"true", "pred", "all" or null', normalize);
  const index = new Map(labels.map((l, i) => [l, i]));
  const k = labels.length;
  const cm = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let s = 0; s < t.length; s++) {
    const i = index.get(t[s]);
    const j = index.get(p[s]);
    if (i !== undefined && j !== undefined) cm[i][j] += w === null ? 1 : w[s];
  }
  // 0/0 gives 0, as sklearn's nan_to_num does
  const div = (a: number, b: number) => (b === 0 ? 0 : a / b);
  if (normalize === "true") return cm.map((row) => { const s = row.reduce((a, b) => a + b, 0); return row.map((v) => div(v, s)); });
  if (normalize === "pred") {
    const cols = cm[0].map((_, j) => cm.reduce((a, row) => a + row[j], 0));
    return cm.map((row) => row.map((v, j) => div(v, cols[j])));
  }
  if (normalize === "all") {
    const s = cm.flat().reduce((a, b) => a + b, 0);
    return cm.map((row) => row.map((v) => div(v, s)));
  }
  return cm;
}

function zeroDivisionValue(fn: string, z: unknown): 0 | 1 {
  if (z === "warn" || z === 0) return 0;
  if (z === 1) return 1;
  return fail("E_VALUE", `${fn}: options.zeroDivision`, '"warn", 0 or 1', z);
}

/**
 * Precision, recall, F-beta and support, as sklearn.metrics.precision_recall_fscore_support: per
 * label (average null) or averaged.
 */
export function precisionRecallFscoreSupport(yTrue: LabelArray, yPred: LabelArray, options: PrfOptions & { beta?: number } = {}): PrfResult<number | number[]> {
  return prf("precisionRecallFscoreSupport", yTrue, yPred, options);
}

function prf(fn: string, yTrue: LabelArray, yPred: LabelArray, options: PrfOptions & { beta?: number }): PrfResult<number | number[]> {
  const o = checkOptions(fn, options);
  const [t, p] = pair(fn, yTrue, yPred);
  const w = weights(fn, o.sampleWeight, t.length);
  const average = o.average === undefined ? "binary" : o.average;
  if (average !== null && average !== "binary" && average !== "micro" && average !== "macro" && average !== "weighted") {
    fail("E_VALUE", `${fn}: options.average`, '"binary", "micro", "macro", "weighted" or null', average);
  }
  const zd = zeroDivisionValue(fn, o.zeroDivision ?? "warn");
  const beta = o.beta ?? 1;
  if (typeof beta !== "number" || !(beta >= 0)) fail("E_VALUE", `${fn}: beta`, "a number ≥ 0", beta);
  const present = uniqueSorted(t, p);
  let labels: Label[];
  if (average === "binary") {
    if (present.length > 2) {
      throw new TesseraError("E_VALUE", `${fn}: options.average: the target is multiclass (${present.length} labels) but average is "binary"; choose "micro", "macro", "weighted" or null`);
    }
    const pos = o.posLabel ?? 1;
    if (typeof pos !== "number" && typeof pos !== "string") fail("E_TYPE", `${fn}: options.posLabel`, "a label", pos);
    if (!present.includes(pos) && present.length >= 2) {
      throw new TesseraError("E_VALUE", `${fn}: options.posLabel: ${describe(pos)} is not a valid label; it should be one of ${describe(present)}`);
    }
    labels = [pos];
  } else if (o.labels !== undefined) {
    labels = toLabels(fn, "options.labels", o.labels);
    if (labels.length === 0) throw new TesseraError("E_VALUE", `${fn}: options.labels: expected at least one label, received none`);
  } else labels = present;

  const index = new Map(labels.map((l, i) => [l, i]));
  const k = labels.length;
  let tp = new Array<number>(k).fill(0);
  let predSum = new Array<number>(k).fill(0);
  let trueSum = new Array<number>(k).fill(0);
  for (let s = 0; s < t.length; s++) {
    const ws = w === null ? 1 : w[s];
    const i = index.get(t[s]);
    const j = index.get(p[s]);
    if (i !== undefined) trueSum[i] += ws;
    if (j !== undefined) predSum[j] += ws;
    if (i !== undefined && i === j) tp[i] += ws;
  }
  if (average === "micro") {
    const sum = (a: number[]) => [a.reduce((x, y) => x + y, 0)];
    [tp, predSum, trueSum] = [sum(tp), sum(predSum), sum(trueSum)];
  }
  const divide = (num: number[], den: number[]) => num.map((v, i) => (den[i] === 0 ? zd : v / den[i]));
  const precision = divide(tp, predSum);
  const recall = divide(tp, trueSum);
  const b2 = beta * beta;
  const fScore = beta === Infinity ? recall.slice() : precision.map((pr, i) => {
    const denom = b2 * pr + recall[i];
    return denom === 0 ? 0 : ((1 + b2) * pr * recall[i]) / denom;
  });
  if (average === null) return { precision, recall, fScore, support: trueSum };
  let avgWeights: number[] | null = null;
  if (average === "weighted") {
    avgWeights = trueSum;
    if (trueSum.reduce((a, b) => a + b, 0) === 0) {
      // sklearn: every selected label is absent from yTrue
      return predSum.reduce((a, b) => a + b, 0) === 0
        ? { precision: zd, recall: zd, fScore: zd, support: null }
        : { precision: 0, recall: zd, fScore: 0, support: null };
    }
  }
  const mean = (xs: number[]) => {
    if (avgWeights === null) return xs.reduce((a, b) => a + b, 0) / xs.length;
    const total = avgWeights.reduce((a, b) => a + b, 0);
    return xs.reduce((a, x, i) => a + x * avgWeights![i], 0) / total;
  };
  return { precision: mean(precision), recall: mean(recall), fScore: mean(fScore), support: null };
}

/** sklearn.metrics.precision_score: tp / (tp + fp). */
export function precisionScore(yTrue: LabelArray, yPred: LabelArray, options: PrfOptions = {}): number | number[] {
  return prf("precisionScore", yTrue, yPred, options).precision;
}

/** sklearn.metrics.recall_score: tp / (tp + fn). */
export function recallScore(yTrue: LabelArray, yPred: LabelArray, options: PrfOptions = {}): number | number[] {
  return prf("recallScore", yTrue, yPred, options).recall;
}

/** sklearn.metrics.f1_score: the harmonic mean of precision and recall. */
export function f1Score(yTrue: LabelArray, yPred: LabelArray, options: PrfOptions = {}): number | number[] {
  return prf("f1Score", yTrue, yPred, { ...checkOptions("f1Score", options), beta: 1 }).fScore;
}

/** sklearn.metrics.fbeta_score: recall weighted beta times as much as precision. */
export function fbetaScore(yTrue: LabelArray, yPred: LabelArray, beta: number, options: PrfOptions = {}): number | number[] {
  if (typeof beta !== "number" || !(beta >= 0)) fail("E_VALUE", "fbetaScore: beta", "a number ≥ 0", beta);
  return prf("fbetaScore", yTrue, yPred, { ...checkOptions("fbetaScore", options), beta }).fScore;
}
