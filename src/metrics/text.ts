// Text-generation metrics: perplexity (exp of the mean next-token cross-entropy), corpus BLEU as
// sacrebleu 2 computes it (13a tokenization, clipped n-gram counts summed over the corpus, closest
// reference length for the brevity penalty, smoothing none | floor | add-k | exp) and ROUGE-N / L /
// Lsum as Google's rouge-score package computes them (lower-cased [a-z0-9] tokens, no stemmer;
// several references → the best F1). BLEU reproduces the worked numbers of notes 004.
import { TesseraError, checkInt, checkNumber, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { crossEntropy } from "../tensor/loss.js";
import { noGrad } from "../tensor/autograd.js";
import { tidy } from "../tensor/scope.js";

/**
 * Perplexity = exp(mean negative log-likelihood per token). Either the mean NLL itself (a number,
 * e.g. a validation loss), or logits [..., vocab] with int32 targets [...] (entries equal to
 * ignoreIndex, default −100, are skipped, like Hugging Face's label padding).
 */
export function perplexity(meanNll: number): number;
export function perplexity(logits: Tensor, targets: Tensor, options?: { ignoreIndex?: number }): number;
export function perplexity(input: number | Tensor, targets?: Tensor, options: { ignoreIndex?: number } = {}): number {
  if (typeof input === "number") return Math.exp(checkNumber("perplexity: meanNll", input, 0));
  if (!(input instanceof Tensor)) fail("E_TYPE", "perplexity: input", "a mean NLL (number) or a logits tensor", input);
  if (!(targets instanceof Tensor)) fail("E_TYPE", "perplexity: targets", "an int32 tensor of token ids", targets);
  if (targets.dtype !== "int32") fail("E_DTYPE", "perplexity: targets", "int32 token ids", targets.dtype);
  const ignoreIndex = checkInt("perplexity: options.ignoreIndex", options.ignoreIndex ?? -100);
  const ids = targets.data() as Int32Array;
  if (!ids.some((t) => t !== ignoreIndex)) throw new TesseraError("E_VALUE", `perplexity: targets: expected at least one token that is not ignoreIndex ${ignoreIndex}, received none`);
  return Math.exp(noGrad(() => tidy(() => crossEntropy(input, targets, { ignoreIndex }).item())));
}

// ---------------------------------------------------------------- BLEU

export type BleuSmoothing = "none" | "floor" | "add-k" | "exp";

export interface BleuOptions {
  /** sacrebleu's smooth_method (default "exp", as sacrebleu's corpus BLEU). */
  smoothing?: BleuSmoothing;
  /** Epsilon for "floor" (default 0.1) or k for "add-k" (default 1). */
  smoothValue?: number;
  /** Longest n-gram (default 4). */
  maxNgramOrder?: number;
  /** Average only up to the longest order the hypotheses have n-grams of (sentence-level BLEU). */
  effectiveOrder?: boolean;
  /** Lower-case before tokenizing (default false). */
  lowercase?: boolean;
  /** "13a" (default, mteval-v13a as sacrebleu), "none" (split on spaces) or a function. */
  tokenize?: "13a" | "none" | ((text: string) => string[]);
}

export interface BleuResult {
  /** BLEU on 0…100. */
  score: number;
  /** Clipped n-gram matches per order, summed over the corpus. */
  counts: number[];
  /** Hypothesis n-grams per order. */
  totals: number[];
  /** Precision per order on 0…100 (after smoothing). */
  precisions: number[];
  /** Brevity penalty exp(1 − refLen/sysLen) when the hypotheses are shorter, else 1. */
  bp: number;
  sysLen: number;
  refLen: number;
}

const SMOOTH_DEFAULT: Record<BleuSmoothing, number> = { none: 0, floor: 0.1, "add-k": 1, exp: 0 };

/** sacrebleu's tokenizer_13a (mteval-v13a.pl): punctuation split off, periods and commas unless next to digits. */
export function tokenize13a(text: string): string[] {
  let line = text.replace(/<skipped>/g, "").replace(/-\n/g, "").replace(/\n/g, " ");
  if (line.includes("&")) line = line.replace(/&quot;/g, '"').replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">");
  line = ` ${line} `
    .replace(/([{-~[-` -&(-+:-@/])/g, " $1 ")
    .replace(/([^0-9])([.,])/g, "$1 $2 ")
    .replace(/([.,])([^0-9])/g, " $1 $2")
    .replace(/([0-9])(-)/g, "$1 $2 ");
  return line.split(/\s+/).filter(Boolean);
}

function ngramCounts(tokens: readonly string[], maxOrder: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = `${n}\u0000${tokens.slice(i, i + n).join("\u0000")}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** predictions[i] with references[i] (one string or several); the shapes evaluate.load("sacrebleu") takes. */
function checkCorpus(fn: string, predictions: unknown, references: unknown): [string[], string[][]] {
  if (!Array.isArray(predictions)) fail("E_TYPE", `${fn}: predictions`, "an array of strings", predictions);
  if (!Array.isArray(references)) fail("E_TYPE", `${fn}: references`, "an array with one reference (string) or several (string[]) per prediction", references);
  if (predictions.length !== references.length) throw new TesseraError("E_SHAPE", `${fn}: references: expected ${predictions.length} entries (one per prediction), received ${references.length}`);
  if (predictions.length === 0) throw new TesseraError("E_VALUE", `${fn}: predictions: expected at least one prediction, received an empty array`);
  predictions.forEach((p, i) => { if (typeof p !== "string") fail("E_TYPE", `${fn}: predictions[${i}]`, "a string", p); });
  const refs = references.map((r, i) => {
    const list = typeof r === "string" ? [r] : r;
    if (!Array.isArray(list) || list.length === 0 || list.some((s) => typeof s !== "string")) fail("E_TYPE", `${fn}: references[${i}]`, "a string or a non-empty array of strings", r);
    return list as string[];
  });
  return [predictions as string[], refs];
}

/**
 * Corpus BLEU (Papineni et al. 2002) exactly as sacrebleu 2's corpus_bleu / evaluate's "sacrebleu":
 * predictions[i] is scored against references[i] (a string or several strings).
 */
export function bleu(predictions: readonly string[], references: readonly (string | readonly string[])[], options: BleuOptions = {}): BleuResult {
  const fn = "bleu";
  const [preds, refs] = checkCorpus(fn, predictions, references);
  if (options === null || typeof options !== "object") fail("E_TYPE", `${fn}: options`, "an object", options);
  const { smoothing = "exp", maxNgramOrder = 4, effectiveOrder = false, lowercase = false, tokenize = "13a" } = options;
  if (!(smoothing in SMOOTH_DEFAULT)) fail("E_VALUE", `${fn}: options.smoothing`, '"none", "floor", "add-k" or "exp"', smoothing);
  const smoothValue = checkNumber(`${fn}: options.smoothValue`, options.smoothValue ?? SMOOTH_DEFAULT[smoothing], 0);
  const maxOrder = checkInt(`${fn}: options.maxNgramOrder`, maxNgramOrder, 1, 16);
  const split = tokenize === "13a" ? tokenize13a : tokenize === "none" ? (s: string) => s.split(" ").filter(Boolean)
    : typeof tokenize === "function" ? tokenize : fail("E_VALUE", `${fn}: options.tokenize`, '"13a", "none" or a function', tokenize);
  const toks = (s: string) => split(lowercase ? s.toLowerCase() : s);

  const correct = new Array<number>(maxOrder).fill(0), total = new Array<number>(maxOrder).fill(0);
  let sysLen = 0, refLen = 0;
  preds.forEach((p, i) => {
    const hyp = toks(p);
    const hypCounts = ngramCounts(hyp, maxOrder);
    const refMax = new Map<string, number>();
    let closest = Infinity, closestDiff = Infinity;
    for (const r of refs[i]) {
      const ref = toks(r);
      const diff = Math.abs(hyp.length - ref.length);
      if (diff < closestDiff || (diff === closestDiff && ref.length < closest)) { closest = ref.length; closestDiff = diff; }
      for (const [k, c] of ngramCounts(ref, maxOrder)) refMax.set(k, Math.max(refMax.get(k) ?? 0, c));
    }
    sysLen += hyp.length;
    refLen += closest;
    for (let n = 1; n <= maxOrder; n++) total[n - 1] += Math.max(0, hyp.length - n + 1);
    for (const [k, c] of hypCounts) {
      const n = Number(k.slice(0, k.indexOf("\u0000")));
      correct[n - 1] += Math.min(c, refMax.get(k) ?? 0);
    }
  });
  return bleuScore(correct, total, sysLen, refLen, smoothing, smoothValue, effectiveOrder);
}

/** sacrebleu's BLEU.compute_bleu: smoothed precisions, geometric mean, brevity penalty. */
function bleuScore(counts: number[], totals: number[], sysLen: number, refLen: number, smoothing: BleuSmoothing, smoothValue: number, effectiveOrder: boolean): BleuResult {
  const maxOrder = counts.length;
  const correct = counts.slice(), total = totals.slice();
  const precisions = new Array<number>(maxOrder).fill(0);
  let expFactor = 1, order = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (smoothing === "add-k" && n > 1) { correct[n - 1] += smoothValue; total[n - 1] += smoothValue; }
    if (total[n - 1] === 0) break;
    if (effectiveOrder) order = n;
    if (correct[n - 1] === 0) {
      if (smoothing === "exp") { expFactor *= 2; precisions[n - 1] = 100 / (expFactor * total[n - 1]); }
      else if (smoothing === "floor") precisions[n - 1] = (100 * smoothValue) / total[n - 1];
    } else precisions[n - 1] = (100 * correct[n - 1]) / total[n - 1];
  }
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  // sacrebleu's my_log: log(0) counts as −9999999999, which makes the score 0
  const logSum = precisions.slice(0, order).reduce((s, p) => s + (p === 0 ? -9999999999 : Math.log(p)), 0);
  return { score: bp * Math.exp(logSum / order), counts, totals, precisions, bp, sysLen, refLen };
}

// ---------------------------------------------------------------- ROUGE

export type RougeType = "rouge1" | "rouge2" | "rougeL" | "rougeLsum" | `rouge${number}`;

export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

export interface RougeOptions {
  /** Which scores (default ["rouge1", "rouge2", "rougeL", "rougeLsum"]); "rougeN" for any N ≥ 1. */
  rougeTypes?: readonly RougeType[];
  /** A tokenizer instead of rouge-score's (lower case, runs of [a-z0-9]). */
  tokenize?: (text: string) => string[];
}

export interface RougeResult {
  /** Per type: precision, recall and F1 averaged over the predictions. */
  scores: Record<string, RougeScore>;
  /** Per type: the score of each prediction (its best reference by F1). */
  perPrediction: Record<string, RougeScore[]>;
}

/** rouge-score's default tokenizer (no stemmer): lower case, everything but [a-z0-9] is a separator. */
export function rougeTokenize(text: string): string[] {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, " ").split(" ").filter(Boolean);
}

function score(hits: number, predTotal: number, refTotal: number): RougeScore {
  const precision = predTotal > 0 ? hits / predTotal : 0;
  const recall = refTotal > 0 ? hits / refTotal : 0;
  return { precision, recall, fmeasure: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 };
}

function ngrams(tokens: readonly string[], n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const k = tokens.slice(i, i + n).join(" ");
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

function rougeN(ref: readonly string[], pred: readonly string[], n: number): RougeScore {
  const r = ngrams(ref, n), p = ngrams(pred, n);
  let hits = 0;
  for (const [k, c] of p) hits += Math.min(c, r.get(k) ?? 0);
  return score(hits, Math.max(0, pred.length - n + 1), Math.max(0, ref.length - n + 1));
}

function lcsTable(ref: readonly string[], can: readonly string[]): Int32Array[] {
  const t = Array.from({ length: ref.length + 1 }, () => new Int32Array(can.length + 1));
  for (let i = 1; i <= ref.length; i++) {
    for (let j = 1; j <= can.length; j++) t[i][j] = ref[i - 1] === can[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
  }
  return t;
}

/** Indices into ref of one longest common subsequence (rouge-score's _backtrack_norec). */
function lcsIndices(ref: readonly string[], can: readonly string[]): number[] {
  const t = lcsTable(ref, can);
  const out: number[] = [];
  let i = ref.length, j = can.length;
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) { out.push(i - 1); i--; j--; }
    else if (t[i][j - 1] > t[i - 1][j]) j--;
    else i--;
  }
  return out.reverse();
}

function rougeL(ref: readonly string[], pred: readonly string[]): RougeScore {
  if (ref.length === 0 || pred.length === 0) return score(0, 0, 0);
  return score(lcsTable(ref, pred)[ref.length][pred.length], pred.length, ref.length);
}

/** Summary-level LCS over newline-separated sentences (rouge-score's _summary_level_lcs, union LCS). */
function rougeLsum(refSents: string[][], predSents: string[][]): RougeScore {
  const m = refSents.reduce((s, x) => s + x.length, 0), n = predSents.reduce((s, x) => s + x.length, 0);
  if (m === 0 || n === 0) return score(0, 0, 0);
  const count = (sents: string[][]) => {
    const c = new Map<string, number>();
    for (const s of sents) for (const t of s) c.set(t, (c.get(t) ?? 0) + 1);
    return c;
  };
  const cr = count(refSents), cc = count(predSents);
  let hits = 0;
  for (const r of refSents) {
    const union = [...new Set(predSents.flatMap((c) => lcsIndices(r, c)))].sort((a, b) => a - b);
    for (const i of union) {
      const t = r[i];
      if ((cc.get(t) ?? 0) > 0 && (cr.get(t) ?? 0) > 0) { hits++; cc.set(t, cc.get(t)! - 1); cr.set(t, cr.get(t)! - 1); }
    }
  }
  return score(hits, n, m);
}

/**
 * ROUGE-N, ROUGE-L and ROUGE-Lsum (Lin 2004) as rouge-score's RougeScorer (use_stemmer false):
 * each prediction against its reference(s), the best reference by F1, then the mean over predictions
 * (evaluate's use_aggregator bootstraps around this mean; the per-prediction scores are returned too).
 */
export function rouge(predictions: readonly string[], references: readonly (string | readonly string[])[], options: RougeOptions = {}): RougeResult {
  const fn = "rouge";
  const [preds, refs] = checkCorpus(fn, predictions, references);
  if (options === null || typeof options !== "object") fail("E_TYPE", `${fn}: options`, "an object", options);
  const { rougeTypes = ["rouge1", "rouge2", "rougeL", "rougeLsum"], tokenize = rougeTokenize } = options;
  if (!Array.isArray(rougeTypes) || rougeTypes.length === 0) fail("E_TYPE", `${fn}: options.rougeTypes`, 'a non-empty array like ["rouge1", "rougeL"]', rougeTypes);
  if (typeof tokenize !== "function") fail("E_TYPE", `${fn}: options.tokenize`, "a function text → tokens", tokenize);
  const scorers = rougeTypes.map((type): [string, (r: string, p: string) => RougeScore] => {
    if (type === "rougeL") return [type, (r, p) => rougeL(tokenize(r), tokenize(p))];
    if (type === "rougeLsum") {
      const sents = (s: string) => s.split("\n").map(tokenize).filter((x) => x.length > 0);
      return [type, (r, p) => rougeLsum(sents(r), sents(p))];
    }
    const m = /^rouge([1-9][0-9]*)$/.exec(String(type));
    if (!m) fail("E_VALUE", `${fn}: options.rougeTypes`, '"rougeN" (N ≥ 1), "rougeL" or "rougeLsum"', type);
    const n = Number(m[1]);
    return [type, (r, p) => rougeN(tokenize(r), tokenize(p), n)];
  });
  const scores: Record<string, RougeScore> = {}, perPrediction: Record<string, RougeScore[]> = {};
  for (const [type, scorer] of scorers) {
    const each = preds.map((p, i) => refs[i].map((r) => scorer(r, p)).reduce((best, s) => (s.fmeasure > best.fmeasure ? s : best)));
    const mean = (k: keyof RougeScore) => each.reduce((s, x) => s + x[k], 0) / each.length;
    perPrediction[type] = each;
    scores[type] = { precision: mean("precision"), recall: mean("recall"), fmeasure: mean("fmeasure") };
  }
  return { scores, perPrediction };
}
