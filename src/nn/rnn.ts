// nn.RNN, nn.LSTM, nn.GRU with torch's constructor options, shapes, parameter names
// (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, …_reverse, …_l1), weight layout, gate order
// and default init U(−1/√H, 1/√H) for every parameter. The whole stack runs as one op
// (tensor/rnn.ts) on fused recurrent kernels. Left out: proj_size (LSTM projections) and packed
// variable-length sequences.
import { TesseraError, checkInt, describe, fail } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { empty } from "../tensor/creation.js";
import { rnn, type RnnMode } from "../tensor/rnn.js";
import { Module } from "./module.js";
import { uniform_ } from "./init.js";

export interface RNNOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Learn bias_ih and bias_hh (default true). */
  bias?: boolean;
  /** Input and output as [B, T, features] instead of [T, B, features] (states stay [L·D, B, H]). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0; [0, 1)). */
  dropout?: number;
  /** Run a second direction from the last step to the first; outputs are concatenated (default false). */
  bidirectional?: boolean;
  /** Where the parameters live (default: the current default device). */
  device?: string;
}

export interface SimpleRNNOptions extends RNNOptions {
  /** The cell's activation (default "tanh"). */
  nonlinearity?: "tanh" | "relu";
}

const GATES: Record<RnnMode, number> = { lstm: 4, gru: 3, rnnTanh: 1, rnnRelu: 1 };

abstract class RNNBase extends Module {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** The parameters in torch's `_flat_weights` order (per layer, per direction). */
  protected readonly flatWeights: Tensor[] = [];

  constructor(protected readonly mode: RnnMode, readonly inputSize: number, readonly hiddenSize: number, options: RNNOptions) {
    super();
    const cls = new.target.name;
    checkInt(`${cls}: inputSize`, inputSize, 0);
    checkInt(`${cls}: hiddenSize`, hiddenSize, 1);
    if (options === null || typeof options !== "object") fail("E_TYPE", `${cls}: options`, "an object", options);
    const { numLayers = 1, bias = true, batchFirst = false, dropout = 0, bidirectional = false, device } = options;
    this.numLayers = checkInt(`${cls}: options.numLayers`, numLayers, 1);
    for (const [arg, v] of [["bias", bias], ["batchFirst", batchFirst], ["bidirectional", bidirectional]] as const) {
      if (typeof v !== "boolean") fail("E_TYPE", `${cls}: options.${arg}`, "a boolean", v);
    }
    if (typeof dropout !== "number" || !(dropout >= 0 && dropout < 1)) {
      fail(typeof dropout === "number" ? "E_RANGE" : "E_TYPE", `${cls}: options.dropout`, "a probability in [0, 1)", dropout);
    }
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.dropout = dropout;
    this.bidirectional = bidirectional;
    const D = bidirectional ? 2 : 1;
    const GH = GATES[mode] * hiddenSize;
    const bound = 1 / Math.sqrt(hiddenSize);
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < D; d++) {
        const suffix = `_l${l}${d ? "_reverse" : ""}`;
        const shapes: [string, number[]][] = [
          [`weight_ih${suffix}`, [GH, l === 0 ? inputSize : D * hiddenSize]],
          [`weight_hh${suffix}`, [GH, hiddenSize]],
          ...(bias ? [[`bias_ih${suffix}`, [GH]], [`bias_hh${suffix}`, [GH]]] as [string, number[]][] : []),
        ];
        for (const [name, shape] of shapes) {
          this.flatWeights.push(this.addParameter(name, uniform_(empty(shape, { device }), -bound, bound)));
        }
      }
    }
  }

  /** "LSTM(10, 50)": how messages name this layer. */
  protected get label(): string {
    return `${this.constructor.name}(${this.inputSize}, ${this.hiddenSize})`;
  }

  protected run(input: Tensor, h0: Tensor | null, c0: Tensor | null) {
    return rnn(input, h0, c0, this.flatWeights, {
      mode: this.mode, inputSize: this.inputSize, hiddenSize: this.hiddenSize, numLayers: this.numLayers,
      bidirectional: this.bidirectional, batchFirst: this.batchFirst, bias: this.bias, dropout: this.dropout,
      training: this.training, name: this.label,
    });
  }

  protected override extraRepr(): string {
    const extras = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.numLayers !== 1) extras.push(`num_layers=${this.numLayers}`);
    if (!this.bias) extras.push("bias=False");
    if (this.batchFirst) extras.push("batch_first=True");
    if (this.dropout !== 0) extras.push(`dropout=${this.dropout}`);
    if (this.bidirectional) extras.push("bidirectional=True");
    return extras.join(", ");
  }
}

/** Elman RNN: h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh), act tanh or relu. */
export class RNN extends RNNBase {
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, options: SimpleRNNOptions = {}) {
    const nonlinearity = options?.nonlinearity ?? "tanh";
    if (nonlinearity !== "tanh" && nonlinearity !== "relu") {
      throw new TesseraError("E_VALUE", `RNN: options.nonlinearity: expected "tanh" or "relu", received ${describe(nonlinearity)}`);
    }
    super(nonlinearity === "relu" ? "rnnRelu" : "rnnTanh", inputSize, hiddenSize, options);
    this.nonlinearity = nonlinearity;
  }

  /** Returns [output, hN]; h0 defaults to zeros. */
  forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const r = this.run(input, h0 ?? null, null);
    return [r.output, r.hN];
  }

  protected override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity === "relu" ? ", nonlinearity='relu'" : "");
  }
}

/** LSTM with gates i, f, g, o (Hochreiter & Schmidhuber 1997; torch's equations). */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super("lstm", inputSize, hiddenSize, options);
  }

  /** Returns [output, [hN, cN]]; the states default to zeros. */
  forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    if (hx != null && (!Array.isArray(hx) || hx.length !== 2)) fail("E_TYPE", `${this.label}: hx`, "[h0, c0]", hx);
    const r = this.run(input, hx?.[0] ?? null, hx?.[1] ?? null);
    return [r.output, [r.hN, r.cN!]];
  }
}

/** GRU with gates r, z, n; n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)) (Cho et al. 2014, torch's form). */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super("gru", inputSize, hiddenSize, options);
  }

  /** Returns [output, hN]; h0 defaults to zeros. */
  forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const r = this.run(input, h0 ?? null, null);
    return [r.output, r.hN];
  }
}
