// Autoregressive generation for causal language models, with Hugging Face's decoding rules as
// separate functions over one logit vector (plain arrays, so each is testable on worked numbers):
// repetitionPenalty (HF's RepetitionPenaltyLogitsProcessor: a seen token's logit is divided by the
// penalty when positive, multiplied when negative), temperature, topK (ties with the k-th value
// kept), topP (nucleus: the smallest top set whose probability reaches p), minP (drop tokens below
// minP × the top probability), then greedy argmax or a seeded draw — applied in HF's order. The loop
// runs the prompt through the model once (prefill), then one token at a time against a KV cache;
// without the cache it recomputes the whole prefix each step and gives the same tokens.
import { TesseraError, checkInt, checkNumber, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { slice } from "../tensor/layout.js";
import { noGrad } from "../tensor/autograd.js";
import { tidy } from "../tensor/scope.js";
import { Generator, defaultGenerator } from "../tensor/random.js";

// ---- decoding functions over one logit vector ----

type Logits = ArrayLike<number>;

function checkLogits(fn: string, logits: unknown): Logits {
  if (!(Array.isArray(logits) || logits instanceof Float32Array || logits instanceof Float64Array)) {
    fail("E_TYPE", `${fn}: logits`, "an array or Float32Array/Float64Array of logits", logits);
  }
  if ((logits as Logits).length === 0) fail("E_VALUE", `${fn}: logits`, "at least one logit", logits);
  return logits as Logits;
}

/** The index of the largest logit (the first one on ties). */
export function greedy(logits: Logits): number {
  const x = checkLogits("greedy", logits);
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best] || (Number.isNaN(x[best]) && !Number.isNaN(x[i]))) best = i;
  return best;
}

/** Probabilities softmax(logits) in float64 (−∞ logits get 0). */
export function softmaxProbs(logits: Logits): Float64Array {
  const x = checkLogits("softmaxProbs", logits);
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  const p = new Float64Array(x.length);
  if (m === -Infinity) return p.fill(1 / x.length);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (p[i] = Math.exp(x[i] - m));
  for (let i = 0; i < x.length; i++) p[i] /= s;
  return p;
}

/** logits / temperature (> 1 flattens the distribution, < 1 sharpens it; 0 is greedy: see generate). */
export function applyTemperature(logits: Logits, temperature: number): Float64Array {
  const x = checkLogits("applyTemperature", logits);
  const t = checkNumber("applyTemperature: temperature", temperature, 0);
  if (t === 0) throw new TesseraError("E_RANGE", "applyTemperature: temperature: expected a number > 0 (temperature 0 means greedy decoding), received 0");
  return Float64Array.from(x, (v) => v / t);
}

/** Keeps the k largest logits (and any tied with the k-th), −∞ elsewhere; k = 0 keeps all. */
export function topK(logits: Logits, k: number): Float64Array {
  const x = checkLogits("topK", logits);
  checkInt("topK: k", k, 0);
  const out = Float64Array.from(x);
  if (k === 0 || k >= x.length) return out;
  const kth = Float64Array.from(x).sort()[x.length - k]; // the k-th largest
  for (let i = 0; i < out.length; i++) if (out[i] < kth) out[i] = -Infinity;
  return out;
}

/** Indices of x from the smallest to the largest value (stable). */
function ascending(x: Logits): Uint32Array {
  const idx = Uint32Array.from({ length: x.length }, (_, i) => i);
  return idx.sort((a, b) => (x[a] - x[b]) || (a - b));
}

/**
 * Nucleus filtering as HF's TopPLogitsWarper: sorted ascending, a token is removed when the
 * cumulative probability up to and including it is ≤ 1 − p; the top minTokensToKeep always stay.
 */
export function topP(logits: Logits, p: number, minTokensToKeep = 1): Float64Array {
  const x = checkLogits("topP", logits);
  if (typeof p !== "number" || !(p > 0 && p <= 1)) fail(typeof p === "number" ? "E_RANGE" : "E_TYPE", "topP: p", "a number in (0, 1]", p);
  checkInt("topP: minTokensToKeep", minTokensToKeep, 1);
  const out = Float64Array.from(x);
  const order = ascending(x);
  const probs = softmaxProbs(x);
  let cum = 0;
  for (let r = 0; r < order.length - minTokensToKeep; r++) {
    cum += probs[order[r]];
    if (cum <= 1 - p) out[order[r]] = -Infinity;
    else break;
  }
  return out;
}

/** HF's MinPLogitsWarper: removes tokens whose probability is below minP × the top probability. */
export function minP(logits: Logits, minPValue: number, minTokensToKeep = 1): Float64Array {
  const x = checkLogits("minP", logits);
  checkNumber("minP: minP", minPValue, 0, 1);
  checkInt("minP: minTokensToKeep", minTokensToKeep, 1);
  const out = Float64Array.from(x);
  const probs = softmaxProbs(x);
  let top = 0;
  for (const q of probs) top = Math.max(top, q);
  const keep = new Set(Array.from(ascending(x)).slice(-minTokensToKeep));
  for (let i = 0; i < out.length; i++) if (probs[i] < minPValue * top && !keep.has(i)) out[i] = -Infinity;
  return out;
}

/** HF's repetition penalty: each token already seen has its logit divided by `penalty` if positive, multiplied if negative. */
export function applyRepetitionPenalty(logits: Logits, previous: Iterable<number>, penalty: number): Float64Array {
  const x = checkLogits("applyRepetitionPenalty", logits);
  if (typeof penalty !== "number" || !(penalty > 0) || !Number.isFinite(penalty)) fail(typeof penalty === "number" ? "E_RANGE" : "E_TYPE", "applyRepetitionPenalty: penalty", "a finite number > 0", penalty);
  const out = Float64Array.from(x);
  for (const id of new Set(previous)) {
    if (!Number.isInteger(id) || id < 0 || id >= out.length) fail("E_RANGE", "applyRepetitionPenalty: previous", `token ids in [0, ${out.length - 1}]`, id);
    out[id] = x[id] < 0 ? x[id] * penalty : x[id] / penalty;
  }
  return out;
}

/** A token drawn from softmax(logits) with the generator's next uniform number. */
export function sample(logits: Logits, generator: Generator = defaultGenerator): number {
  const probs = softmaxProbs(checkLogits("sample", logits));
  const u = generator.random();
  let cum = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] === 0) continue;
    cum += probs[i];
    last = i;
    if (u < cum) return i;
  }
  return last; // u beyond the float64 sum's rounding
}

// ---- generation ----

export interface GenerateOptions {
  /** Tokens to add to each sequence at most (default 20). */
  maxNewTokens?: number;
  /** Sample from the filtered distribution; false (the default, as HF) picks the argmax. */
  doSample?: boolean;
  /** ≥ 0; 0 decodes greedily (default 1). */
  temperature?: number;
  /** Keep the k most likely tokens (0, the default, keeps all). */
  topK?: number;
  /** In (0, 1] (default 1: off). */
  topP?: number;
  /** In [0, 1] (default 0: off). */
  minP?: number;
  /** > 0 (default 1: off); applied to every token of the sequence so far, prompt included. */
  repetitionPenalty?: number;
  /** A sequence ends after producing one of these (the stop token is part of the output). */
  stopTokens?: number[];
  /** Seeds a generator for sampling (default: the global generator). */
  seed?: number;
  /** Keep keys and values between steps (default true); false recomputes the prefix every step. */
  useCache?: boolean;
}

/** What generation needs from a model: the KV-cache API of GPT. */
export interface CausalLM {
  readonly config: { blockSize: number; vocabSize: number };
  forward(ids: Tensor): Tensor;
  forwardCached(ids: Tensor, cache: { length: number; dispose(): void }): Tensor;
  createCache(batch: number, capacity?: number): { length: number; dispose(): void };
}

interface Resolved {
  maxNewTokens: number;
  doSample: boolean;
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repetitionPenalty: number;
  stop: Set<number>;
  generator: Generator;
  useCache: boolean;
}

function resolve(fn: string, o: unknown, vocab: number): Resolved {
  if (o === null || typeof o !== "object") fail("E_TYPE", `${fn}: options`, "an object", o);
  const { maxNewTokens = 20, doSample = false, temperature = 1, topK: k = 0, topP: p = 1, minP: mp = 0, repetitionPenalty = 1,
    stopTokens = [], seed, useCache = true } = o as GenerateOptions;
  checkInt(`${fn}: options.maxNewTokens`, maxNewTokens, 0);
  if (typeof doSample !== "boolean") fail("E_TYPE", `${fn}: options.doSample`, "a boolean", doSample);
  checkNumber(`${fn}: options.temperature`, temperature, 0);
  checkInt(`${fn}: options.topK`, k, 0);
  if (typeof p !== "number" || !(p > 0 && p <= 1)) fail(typeof p === "number" ? "E_RANGE" : "E_TYPE", `${fn}: options.topP`, "a number in (0, 1]", p);
  checkNumber(`${fn}: options.minP`, mp, 0, 1);
  if (typeof repetitionPenalty !== "number" || !(repetitionPenalty > 0) || !Number.isFinite(repetitionPenalty)) {
    fail(typeof repetitionPenalty === "number" ? "E_RANGE" : "E_TYPE", `${fn}: options.repetitionPenalty`, "a finite number > 0", repetitionPenalty);
  }
  if (!Array.isArray(stopTokens)) fail("E_TYPE", `${fn}: options.stopTokens`, "an array of token ids", stopTokens);
  stopTokens.forEach((t, i) => checkInt(`${fn}: options.stopTokens[${i}]`, t, 0, vocab - 1));
  if (seed !== undefined) checkInt(`${fn}: options.seed`, seed);
  if (typeof useCache !== "boolean") fail("E_TYPE", `${fn}: options.useCache`, "a boolean", useCache);
  return {
    maxNewTokens, doSample, temperature, topK: k, topP: p, minP: mp, repetitionPenalty, stop: new Set(stopTokens),
    generator: seed === undefined ? defaultGenerator : new Generator(seed), useCache,
  };
}

/** Prompts as rows of token ids, all of one length ≥ 1 and ≤ blockSize. */
function prompts(fn: string, ids: unknown, cfg: CausalLM["config"]): number[][] {
  let rows: number[][];
  if (ids instanceof Tensor) {
    if (ids.dtype !== "int32" || (ids.ndim !== 1 && ids.ndim !== 2)) throw new TesseraError("E_SHAPE", `${fn}: ids: expected int32 [seq] or [batch, seq], received ${ids.dtype} [${ids.shape.join(", ")}]`);
    const flat = Array.from(ids.data());
    const T = ids.shape[ids.ndim - 1];
    rows = ids.ndim === 1 ? [flat] : Array.from({ length: ids.shape[0] }, (_, b) => flat.slice(b * T, (b + 1) * T));
  } else if (Array.isArray(ids) && ids.every((v) => typeof v === "number")) {
    rows = [ids as number[]];
  } else if (Array.isArray(ids) && ids.length > 0 && ids.every((r) => Array.isArray(r))) {
    rows = ids as number[][];
  } else {
    return fail("E_TYPE", `${fn}: ids`, "an int32 tensor, an array of token ids or an array of such arrays", ids);
  }
  const T = rows[0].length;
  if (T === 0) fail("E_VALUE", `${fn}: ids`, "a prompt of at least one token", ids);
  rows.forEach((r, b) => {
    if (r.length !== T) throw new TesseraError("E_SHAPE", `${fn}: ids[${b}]: expected ${T} tokens like ids[0] (prompts of one length), received ${r.length}`);
    r.forEach((t, i) => checkInt(`${fn}: ids[${b}][${i}]`, t, 0, cfg.vocabSize - 1));
  });
  if (T > cfg.blockSize) throw new TesseraError("E_SHAPE", `${fn}: ids: expected a prompt of at most blockSize = ${cfg.blockSize} tokens, received ${T}`);
  return rows.map((r) => r.slice());
}

/** The next token of one sequence from its logits, by the options' rules in HF's order. */
function choose(logits: Float32Array, history: number[], o: Resolved): number {
  let x: Logits = logits;
  if (o.repetitionPenalty !== 1) x = applyRepetitionPenalty(x, history, o.repetitionPenalty);
  if (!o.doSample || o.temperature === 0) return greedy(x);
  if (o.temperature !== 1) x = applyTemperature(x, o.temperature);
  if (o.topK > 0) x = topK(x, o.topK);
  if (o.topP < 1) x = topP(x, o.topP);
  if (o.minP > 0) x = minP(x, o.minP);
  return sample(x, o.generator);
}

/** Last-position logits [batch, vocab] of a [batch, T, vocab] tensor, on the host. */
function lastLogits(logits: Tensor): Float32Array[] {
  const [B, T, V] = logits.shape;
  const last = T === 1 ? logits : slice(logits, 1, T - 1, T);
  const flat = last.data() as Float32Array;
  return Array.from({ length: B }, (_, b) => flat.subarray(b * V, (b + 1) * V));
}

/** The generation loop: yields (sequence, token) as tokens are chosen, round by round. */
function* steps(fn: string, model: CausalLM, ids: unknown, options: unknown): IterableIterator<{ token: number; sequence: number }> {
  const cfg = model.config;
  const o = resolve(fn, options, cfg.vocabSize);
  const seqs = prompts(fn, ids, cfg);
  const B = seqs.length;
  const done = new Array<boolean>(B).fill(o.maxNewTokens === 0);
  const asTensor = (rows: number[][]) => tensor(rows.flat(), [B, rows[0].length], { dtype: "int32" });
  let cache = o.useCache ? model.createCache(B, cfg.blockSize) : null;
  try {
    // Logits for the next token of every sequence: through the cache while the whole context fits
    // in it, else (and without a cache) from the last blockSize tokens recomputed.
    const next = (newTokens: number): Float32Array[] => noGrad(() => tidy(() => {
      const ctxLen = seqs[0].length;
      if (cache !== null && cache.length + newTokens === ctxLen && ctxLen <= cfg.blockSize) {
        return lastLogits(model.forwardCached(asTensor(seqs.map((s) => s.slice(ctxLen - newTokens))), cache));
      }
      if (cache !== null && ctxLen <= cfg.blockSize) {
        cache.length = 0; // cannot happen in order; rebuild from the context
        return lastLogits(model.forwardCached(asTensor(seqs), cache));
      }
      const window = seqs.map((s) => s.slice(Math.max(0, s.length - cfg.blockSize)));
      return lastLogits(model.forward(asTensor(window)));
    }));
    let logits = o.maxNewTokens > 0 ? next(seqs[0].length) : [];
    for (let step = 0; step < o.maxNewTokens; step++) {
      for (let b = 0; b < B; b++) {
        if (done[b]) continue;
        const token = choose(logits[b], seqs[b], o);
        seqs[b].push(token);
        if (o.stop.has(token)) done[b] = true;
        yield { token, sequence: b };
      }
      if (done.every(Boolean) || step === o.maxNewTokens - 1) break;
      // Finished sequences repeat their last token as a placeholder so the batch stays rectangular.
      const len = Math.max(...seqs.map((s) => s.length));
      for (let b = 0; b < B; b++) while (seqs[b].length < len) seqs[b].push(seqs[b][seqs[b].length - 1]);
      logits = next(1);
    }
  } finally {
    cache?.dispose();
    cache = null;
  }
}

function validateModel(fn: string, model: unknown): CausalLM {
  const m = model as CausalLM;
  if (m === null || typeof m !== "object" || typeof m.forwardCached !== "function" || typeof m.createCache !== "function") {
    fail("E_TYPE", `${fn}: model`, "a causal language model (GPT)", model);
  }
  return m;
}

/** New tokens for each prompt (stop tokens included, prompts not), as arrays of ids. */
export function generate(model: CausalLM, ids: Tensor | number[] | number[][], options: GenerateOptions = {}): number[][] {
  const m = validateModel("generate", model);
  const out: number[][] = [];
  for (const { token, sequence } of steps("generate", m, ids, options)) (out[sequence] ??= []).push(token);
  const rows = ids instanceof Tensor ? (ids.ndim === 1 ? 1 : ids.shape[0]) : Array.isArray(ids[0]) ? ids.length : 1;
  for (let b = 0; b < rows; b++) out[b] ??= [];
  return out;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (typeof g.setImmediate === "function") g.setImmediate(resolve);
  else setTimeout(resolve, 0);
});

/** generate() as an async iterator: { token, sequence } for each token as it is chosen. */
export async function* stream(model: CausalLM, ids: Tensor | number[] | number[][], options: GenerateOptions = {}): AsyncGenerator<{ token: number; sequence: number }> {
  const m = validateModel("stream", model);
  for (const t of steps("stream", m, ids, options)) {
    yield t;
    await yieldToEventLoop();
  }
}
