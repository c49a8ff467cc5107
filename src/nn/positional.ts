// Position information for attention layers, which are otherwise order-blind. Sinusoidal (Vaswani
// et al. 2017): PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d)), added
// to the input and followed by dropout as in the PyTorch tutorial's PositionalEncoding (computed in
// float32 the way torch computes its table, so the two agree at large positions too). Learned: a
// trainable [maxLen, dModel] table added by position (GPT-2's wpe, BERT's position embeddings).
import { TesseraError, checkInt, checkNumber } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { add } from "../tensor/elementwise.js";
import { reshape, slice } from "../tensor/layout.js";
import { dropout } from "../tensor/dropout.js";
import { checkBool, floatTensor } from "../tensor/check.js";
import { fmt } from "../tensor/shape.js";
import { defaultGenerator } from "../tensor/random.js";
import { Module } from "./module.js";

/** The [maxLen, dModel] sinusoidal table, float32 as torch computes it (div_term = exp(2i·(−ln 10000/d))). */
export function sinusoidalTable(maxLen: number, dModel: number): Float32Array {
  checkInt("sinusoidalTable: maxLen", maxLen, 0);
  checkInt("sinusoidalTable: dModel", dModel, 1);
  const f = Math.fround;
  const out = new Float32Array(maxLen * dModel);
  const k = f(-Math.log(10000) / dModel);
  for (let i = 0; 2 * i < dModel; i++) {
    const div = f(Math.exp(f(2 * i * k)));
    for (let pos = 0; pos < maxLen; pos++) {
      const arg = f(pos * div);
      out[pos * dModel + 2 * i] = Math.sin(arg);
      if (2 * i + 1 < dModel) out[pos * dModel + 2 * i + 1] = Math.cos(arg);
    }
  }
  return out;
}

export interface PositionalEncodingOptions {
  /** Longest sequence (default 5000). */
  maxLen?: number;
  /** Dropout after adding positions (default 0.1, as the tutorial). */
  dropout?: number;
  /** Inputs [batch, seq, dModel] (default false: [seq, batch, dModel]); [seq, dModel] also works. */
  batchFirst?: boolean;
  device?: string;
}

/** Adds the [T, dModel] slice of a position table to x ([T, B, d], [B, T, d] or [T, d]). */
function addPositions(fn: string, x: Tensor, table: Tensor, batchFirst: boolean): Tensor {
  const [maxLen, d] = table.shape;
  if (x.ndim < 2 || x.ndim > 3 || x.shape[x.ndim - 1] !== d) {
    throw new TesseraError("E_SHAPE", `${fn}: input: expected [seq, batch, ${d}], [batch, seq, ${d}] or [seq, ${d}], received ${fmt(x.shape)}`);
  }
  const T = x.ndim === 3 && batchFirst ? x.shape[1] : x.shape[0];
  if (T > maxLen) throw new TesseraError("E_SHAPE", `${fn}: input: expected a sequence of at most maxLen = ${maxLen} positions, received ${T} (shape ${fmt(x.shape)})`);
  const pe = slice(table, 0, 0, T);
  return add(x, x.ndim === 3 && !batchFirst ? reshape(pe, [T, 1, d]) : pe);
}

export class PositionalEncoding extends Module {
  readonly pe: Tensor;
  readonly dropout: number;
  readonly batchFirst: boolean;

  constructor(readonly dModel: number, options: PositionalEncodingOptions = {}) {
    super();
    const { maxLen = 5000, dropout: p = 0.1, batchFirst = false, device } = options;
    checkInt("PositionalEncoding: dModel", dModel, 1);
    checkInt("PositionalEncoding: options.maxLen", maxLen, 1);
    this.dropout = checkNumber("PositionalEncoding: options.dropout", p, 0, 1);
    this.batchFirst = checkBool("PositionalEncoding: options.batchFirst", batchFirst);
    this.pe = this.addBuffer("pe", tensor(sinusoidalTable(maxLen, dModel), [maxLen, dModel], { device }));
  }

  forward(x: Tensor): Tensor {
    floatTensor("PositionalEncoding.forward: input", x);
    return dropout(addPositions("PositionalEncoding.forward", x, this.pe, this.batchFirst), this.dropout, this.training);
  }

  protected override extraRepr(): string {
    return `d_model=${this.dModel}, max_len=${this.pe.shape[0]}, dropout=${this.dropout}`;
  }
}

export interface LearnedPositionalEncodingOptions extends PositionalEncodingOptions {
  /** Initial weights N(0, std²) (default 0.02, as GPT-2 and BERT initialise position tables). */
  std?: number;
}

export class LearnedPositionalEncoding extends Module {
  readonly weight: Tensor;
  readonly dropout: number;
  readonly batchFirst: boolean;

  constructor(readonly maxLen: number, readonly dModel: number, options: LearnedPositionalEncodingOptions = {}) {
    super();
    const { dropout: p = 0, batchFirst = false, std = 0.02, device } = options;
    checkInt("LearnedPositionalEncoding: maxLen", maxLen, 1);
    checkInt("LearnedPositionalEncoding: dModel", dModel, 1);
    checkNumber("LearnedPositionalEncoding: options.std", std, 0);
    this.dropout = checkNumber("LearnedPositionalEncoding: options.dropout", p, 0, 1);
    this.batchFirst = checkBool("LearnedPositionalEncoding: options.batchFirst", batchFirst);
    const values = new Float32Array(maxLen * dModel);
    for (let i = 0; i < values.length; i++) values[i] = std * defaultGenerator.normal();
    this.weight = this.addParameter("weight", tensor(values, [maxLen, dModel], { device }));
  }

  forward(x: Tensor): Tensor {
    floatTensor("LearnedPositionalEncoding.forward: input", x);
    return dropout(addPositions("LearnedPositionalEncoding.forward", x, this.weight, this.batchFirst), this.dropout, this.training);
  }

  protected override extraRepr(): string {
    return `${this.maxLen}, ${this.dModel}`;
  }
}
