// Language-model data from a token stream. chunkTokens is Hugging Face run_clm's group_texts:
// concatenate the tokenised texts and cut them into blocks of blockSize, dropping the remainder.
// CausalLMDataset serves next-token pairs: window i starts at s = i·stride and gives
// input = tokens[s … s+n−1], target = tokens[s+1 … s+n] (the same window shifted by one, as
// nanoGPT's get_batch); stride n (the default) tiles the stream, stride 1 takes every offset. Batches
// are [input, target] int32 tensors [B, n], one tensor each, ready for fit() and GPT.loss.
import { TesseraError, checkInt, fail } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import type { Dataset } from "./dataset.js";

type Tokens = readonly number[] | Int32Array | Uint16Array | Uint32Array | Uint8Array;

function checkTokens(fn: string, arg: string, t: unknown): Tokens {
  const ok = Array.isArray(t) || t instanceof Int32Array || t instanceof Uint16Array || t instanceof Uint32Array || t instanceof Uint8Array;
  if (!ok) fail("E_TYPE", `${fn}: ${arg}`, "an array or integer typed array of token ids", t);
  const s = t as Tokens;
  if (Array.isArray(s)) {
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (typeof v !== "number" || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) fail("E_VALUE", `${fn}: ${arg}[${i}]`, "an int32 token id", v);
    }
  }
  return s;
}

export interface ChunkOptions {
  /** Keep a last, shorter block instead of dropping it (default false, as group_texts). */
  keepRemainder?: boolean;
}

/** Token texts (one stream or several, concatenated in order) cut into blocks of blockSize ids. */
export function chunkTokens(tokens: Tokens | readonly Tokens[], blockSize: number, options: ChunkOptions = {}): Int32Array[] {
  const fn = "chunkTokens";
  checkInt(`${fn}: blockSize`, blockSize, 1);
  const keep = options.keepRemainder ?? false;
  if (typeof keep !== "boolean") fail("E_TYPE", `${fn}: options.keepRemainder`, "a boolean", keep);
  const parts: Tokens[] = Array.isArray(tokens) && tokens.length > 0 && typeof tokens[0] !== "number"
    ? (tokens as readonly unknown[]).map((t, i) => checkTokens(fn, `tokens[${i}]`, t))
    : [checkTokens(fn, "tokens", tokens)];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Int32Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const n = keep ? Math.ceil(total / blockSize) : Math.floor(total / blockSize);
  return Array.from({ length: n }, (_, i) => all.slice(i * blockSize, Math.min(total, (i + 1) * blockSize)));
}

export interface CausalLMOptions {
  /** Tokens between the starts of consecutive windows (default blockSize: no overlap). */
  stride?: number;
}

/** Next-token windows over one token stream: item i is [input, target], int32 [blockSize] each. */
export class CausalLMDataset implements Dataset<[Tensor, Tensor], [Tensor, Tensor]> {
  readonly tokens: Int32Array;
  readonly stride: number;
  readonly length: number;

  constructor(tokens: Tokens, readonly blockSize: number, options: CausalLMOptions = {}) {
    const fn = "CausalLMDataset";
    this.tokens = Int32Array.from(checkTokens(fn, "tokens", tokens));
    checkInt(`${fn}: blockSize`, blockSize, 1);
    this.stride = checkInt(`${fn}: options.stride`, options.stride ?? blockSize, 1);
    if (this.tokens.length < blockSize + 1) {
      throw new TesseraError("E_VALUE", `${fn}: tokens: expected at least blockSize + 1 = ${blockSize + 1} tokens (a window and its next token), received ${this.tokens.length}`);
    }
    this.length = Math.floor((this.tokens.length - 1 - blockSize) / this.stride) + 1;
  }

  /** Input and target ids of window i, as plain arrays. */
  window(index: number): { input: Int32Array; target: Int32Array } {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) fail("E_RANGE", "CausalLMDataset.window: index", `an index in [0, ${this.length - 1}]`, index);
    const s = index * this.stride;
    return { input: this.tokens.slice(s, s + this.blockSize), target: this.tokens.slice(s + 1, s + 1 + this.blockSize) };
  }

  get(index: number): [Tensor, Tensor] {
    const { input, target } = this.window(index);
    return [tensor(input, [this.blockSize], { dtype: "int32" }), tensor(target, [this.blockSize], { dtype: "int32" })];
  }

  /** [inputs, targets], int32 [indices.length, blockSize] each. */
  getBatch(indices: readonly number[]): [Tensor, Tensor] {
    if (!Array.isArray(indices) || indices.length === 0) fail("E_VALUE", "CausalLMDataset.getBatch: indices", "a non-empty array of indices", indices);
    const n = this.blockSize;
    const x = new Int32Array(indices.length * n), y = new Int32Array(indices.length * n);
    indices.forEach((i, b) => {
      const { input, target } = this.window(i);
      x.set(input, b * n);
      y.set(target, b * n);
    });
    return [tensor(x, [indices.length, n], { dtype: "int32" }), tensor(y, [indices.length, n], { dtype: "int32" })];
  }
}
