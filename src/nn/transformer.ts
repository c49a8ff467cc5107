// The Transformer of Vaswani et al. (2017) as torch.nn 1.13 builds it: TransformerEncoderLayer
// (self-attention and a two-layer feed-forward block, each with residual, dropout and LayerNorm —
// after the sum by default, before the block with normFirst), TransformerDecoderLayer (adds
// cross-attention over the encoder's memory), stacks of clones (TransformerEncoder/Decoder, with an
// optional final norm) and Transformer (encoder-decoder with final norms and xavier_uniform_ on
// every matrix). State-dict keys are torch's (`layers.0.self_attn.in_proj_weight`, `norm1.bias`…),
// so torch weights load directly. Masks follow nn.MultiheadAttention (true / −∞ = not allowed).
import { TesseraError, checkInt, checkNumber, fail } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { add, gelu, relu } from "../tensor/elementwise.js";
import { checkBool } from "../tensor/check.js";
import { Module } from "./module.js";
import { ModuleList } from "./container.js";
import { Linear } from "./linear.js";
import { LayerNorm } from "./normalization.js";
import { Dropout } from "./dropout.js";
import { MultiheadAttention, causalMask } from "./attention.js";
import { xavierUniform_ } from "./init.js";

export type TransformerActivation = "relu" | "gelu";

export interface TransformerLayerOptions {
  /** Hidden size of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block, and on attention weights (default 0.1). */
  dropout?: number;
  activation?: TransformerActivation;
  /** LayerNorm epsilon (default 1e-5). */
  layerNormEps?: number;
  /** [batch, seq, feature] (default false: [seq, batch, feature]). */
  batchFirst?: boolean;
  /** Pre-norm: x + block(norm(x)) instead of norm(x + block(x)) (default false). */
  normFirst?: boolean;
  device?: string;
}

interface ResolvedLayerOptions {
  dimFeedforward: number;
  dropout: number;
  activation: TransformerActivation;
  layerNormEps: number;
  batchFirst: boolean;
  normFirst: boolean;
  device?: string;
}

function resolve(fn: string, o: TransformerLayerOptions): ResolvedLayerOptions {
  if (o === null || typeof o !== "object") fail("E_TYPE", `${fn}: options`, "an object", o);
  const { dimFeedforward = 2048, dropout = 0.1, activation = "relu", layerNormEps = 1e-5, batchFirst = false, normFirst = false, device } = o;
  checkInt(`${fn}: options.dimFeedforward`, dimFeedforward, 1);
  checkNumber(`${fn}: options.dropout`, dropout, 0, 1);
  if (activation !== "relu" && activation !== "gelu") fail("E_VALUE", `${fn}: options.activation`, '"relu" or "gelu"', activation);
  checkNumber(`${fn}: options.layerNormEps`, layerNormEps, 0);
  checkBool(`${fn}: options.batchFirst`, batchFirst);
  checkBool(`${fn}: options.normFirst`, normFirst);
  return { dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, device };
}

export interface EncoderLayerForwardOptions {
  /** [L, L] or [B·nhead, L, L]: int32 nonzero = not allowed, or float32 added (torch's src_mask). */
  srcMask?: Tensor | null;
  /** [B, L]: int32 nonzero = padding. */
  srcKeyPaddingMask?: Tensor | null;
  /** Causal self-attention without a mask tensor (fused kernel's causal mode). */
  isCausal?: boolean;
}

export class TransformerEncoderLayer extends Module {
  readonly options: ResolvedLayerOptions;
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;

  constructor(readonly dModel: number, readonly nhead: number, options: TransformerLayerOptions = {}) {
    super();
    checkInt("TransformerEncoderLayer: dModel", dModel, 1);
    const o = this.options = resolve("TransformerEncoderLayer", options);
    const device = o.device;
    this.selfAttn = this.addModule("self_attn", new MultiheadAttention(dModel, nhead, { dropout: o.dropout, batchFirst: o.batchFirst, device }));
    this.linear1 = this.addModule("linear1", new Linear(dModel, o.dimFeedforward, { device }));
    this.dropout = this.addModule("dropout", new Dropout(o.dropout));
    this.linear2 = this.addModule("linear2", new Linear(o.dimFeedforward, dModel, { device }));
    this.norm1 = this.addModule("norm1", new LayerNorm(dModel, { eps: o.layerNormEps, device }));
    this.norm2 = this.addModule("norm2", new LayerNorm(dModel, { eps: o.layerNormEps, device }));
    this.dropout1 = this.addModule("dropout1", new Dropout(o.dropout));
    this.dropout2 = this.addModule("dropout2", new Dropout(o.dropout));
  }

  forward(src: Tensor, options: EncoderLayerForwardOptions = {}): Tensor {
    const { srcMask = null, srcKeyPaddingMask = null, isCausal = false } = options;
    const sa = (x: Tensor) => this.dropout1.forward(this.selfAttn.forward(x, x, x, { attnMask: srcMask, keyPaddingMask: srcKeyPaddingMask, needWeights: false, isCausal })[0]);
    const ff = (x: Tensor) => this.dropout2.forward(feedForward(x, this.linear1, this.linear2, this.dropout, this.options.activation));
    let x = src;
    if (this.options.normFirst) {
      x = add(x, sa(this.norm1.forward(x)));
      return add(x, ff(this.norm2.forward(x)));
    }
    x = this.norm1.forward(add(x, sa(x)));
    return this.norm2.forward(add(x, ff(x)));
  }

  /** A new layer with the same options and a copy of these weights (torch's deepcopy in the stacks). */
  clone(): TransformerEncoderLayer {
    return copyWeights(this, new TransformerEncoderLayer(this.dModel, this.nhead, this.options));
  }
}

export interface DecoderLayerForwardOptions {
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
  /** Causal self-attention over the target without a mask tensor. */
  tgtIsCausal?: boolean;
}

export class TransformerDecoderLayer extends Module {
  readonly options: ResolvedLayerOptions;
  readonly selfAttn: MultiheadAttention;
  readonly multiheadAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly norm3: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly dropout3: Dropout;

  constructor(readonly dModel: number, readonly nhead: number, options: TransformerLayerOptions = {}) {
    super();
    checkInt("TransformerDecoderLayer: dModel", dModel, 1);
    const o = this.options = resolve("TransformerDecoderLayer", options);
    const device = o.device;
    this.selfAttn = this.addModule("self_attn", new MultiheadAttention(dModel, nhead, { dropout: o.dropout, batchFirst: o.batchFirst, device }));
    this.multiheadAttn = this.addModule("multihead_attn", new MultiheadAttention(dModel, nhead, { dropout: o.dropout, batchFirst: o.batchFirst, device }));
    this.linear1 = this.addModule("linear1", new Linear(dModel, o.dimFeedforward, { device }));
    this.dropout = this.addModule("dropout", new Dropout(o.dropout));
    this.linear2 = this.addModule("linear2", new Linear(o.dimFeedforward, dModel, { device }));
    this.norm1 = this.addModule("norm1", new LayerNorm(dModel, { eps: o.layerNormEps, device }));
    this.norm2 = this.addModule("norm2", new LayerNorm(dModel, { eps: o.layerNormEps, device }));
    this.norm3 = this.addModule("norm3", new LayerNorm(dModel, { eps: o.layerNormEps, device }));
    this.dropout1 = this.addModule("dropout1", new Dropout(o.dropout));
    this.dropout2 = this.addModule("dropout2", new Dropout(o.dropout));
    this.dropout3 = this.addModule("dropout3", new Dropout(o.dropout));
  }

  forward(tgt: Tensor, memory: Tensor, options: DecoderLayerForwardOptions = {}): Tensor {
    const { tgtMask = null, memoryMask = null, tgtKeyPaddingMask = null, memoryKeyPaddingMask = null, tgtIsCausal = false } = options;
    const sa = (x: Tensor) => this.dropout1.forward(this.selfAttn.forward(x, x, x, { attnMask: tgtMask, keyPaddingMask: tgtKeyPaddingMask, needWeights: false, isCausal: tgtIsCausal })[0]);
    const mha = (x: Tensor) => this.dropout2.forward(this.multiheadAttn.forward(x, memory, memory, { attnMask: memoryMask, keyPaddingMask: memoryKeyPaddingMask, needWeights: false })[0]);
    const ff = (x: Tensor) => this.dropout3.forward(feedForward(x, this.linear1, this.linear2, this.dropout, this.options.activation));
    let x = tgt;
    if (this.options.normFirst) {
      x = add(x, sa(this.norm1.forward(x)));
      x = add(x, mha(this.norm2.forward(x)));
      return add(x, ff(this.norm3.forward(x)));
    }
    x = this.norm1.forward(add(x, sa(x)));
    x = this.norm2.forward(add(x, mha(x)));
    return this.norm3.forward(add(x, ff(x)));
  }

  clone(): TransformerDecoderLayer {
    return copyWeights(this, new TransformerDecoderLayer(this.dModel, this.nhead, this.options));
  }
}

/** `to` with a copy of `from`'s parameters and buffers. */
function copyWeights<M extends Module>(from: Module, to: M): M {
  const sd = from.stateDict();
  try {
    to.loadStateDict(sd);
  } finally {
    for (const t of Object.values(sd)) t.dispose();
  }
  return to;
}

function feedForward(x: Tensor, l1: Linear, l2: Linear, drop: Dropout, activation: TransformerActivation): Tensor {
  const h = l1.forward(x);
  return l2.forward(drop.forward(activation === "relu" ? relu(h) : gelu(h)));
}

export class TransformerEncoder extends Module {
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly norm: LayerNorm | null;

  /** numLayers clones of encoderLayer (same initial weights, as torch's deepcopy), then norm if given. */
  constructor(encoderLayer: TransformerEncoderLayer, readonly numLayers: number, options: { norm?: LayerNorm | null } = {}) {
    super();
    if (!(encoderLayer instanceof TransformerEncoderLayer)) fail("E_TYPE", "TransformerEncoder: encoderLayer", "a TransformerEncoderLayer", encoderLayer);
    checkInt("TransformerEncoder: numLayers", numLayers, 1);
    this.layers = this.addModule("layers", new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.clone())));
    this.norm = this.addModule("norm", options.norm ?? null);
  }

  forward(src: Tensor, options: { mask?: Tensor | null; srcKeyPaddingMask?: Tensor | null; isCausal?: boolean } = {}): Tensor {
    let x = src;
    for (const layer of this.layers) x = layer.forward(x, { srcMask: options.mask, srcKeyPaddingMask: options.srcKeyPaddingMask, isCausal: options.isCausal });
    return this.norm ? this.norm.forward(x) : x;
  }
}

export class TransformerDecoder extends Module {
  readonly layers: ModuleList<TransformerDecoderLayer>;
  readonly norm: LayerNorm | null;

  constructor(decoderLayer: TransformerDecoderLayer, readonly numLayers: number, options: { norm?: LayerNorm | null } = {}) {
    super();
    if (!(decoderLayer instanceof TransformerDecoderLayer)) fail("E_TYPE", "TransformerDecoder: decoderLayer", "a TransformerDecoderLayer", decoderLayer);
    checkInt("TransformerDecoder: numLayers", numLayers, 1);
    this.layers = this.addModule("layers", new ModuleList(Array.from({ length: numLayers }, () => decoderLayer.clone())));
    this.norm = this.addModule("norm", options.norm ?? null);
  }

  forward(tgt: Tensor, memory: Tensor, options: DecoderLayerForwardOptions = {}): Tensor {
    let x = tgt;
    for (const layer of this.layers) x = layer.forward(x, memory, options);
    return this.norm ? this.norm.forward(x) : x;
  }
}

export interface TransformerOptions extends TransformerLayerOptions {
  /** Default 512. */
  dModel?: number;
  /** Default 8. */
  nhead?: number;
  numEncoderLayers?: number;
  numDecoderLayers?: number;
}

export interface TransformerForwardOptions {
  srcMask?: Tensor | null;
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
  tgtIsCausal?: boolean;
}

export class Transformer extends Module {
  readonly encoder: TransformerEncoder;
  readonly decoder: TransformerDecoder;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(options: TransformerOptions = {}) {
    super();
    const { dModel = 512, nhead = 8, numEncoderLayers = 6, numDecoderLayers = 6, ...layer } = options;
    checkInt("Transformer: options.dModel", dModel, 1);
    checkInt("Transformer: options.numEncoderLayers", numEncoderLayers, 1);
    checkInt("Transformer: options.numDecoderLayers", numDecoderLayers, 1);
    const o = resolve("Transformer", layer);
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = o.batchFirst;
    const norm = () => new LayerNorm(dModel, { eps: o.layerNormEps, device: o.device });
    const encoderLayer = new TransformerEncoderLayer(dModel, nhead, o);
    const decoderLayer = new TransformerDecoderLayer(dModel, nhead, o);
    this.encoder = this.addModule("encoder", new TransformerEncoder(encoderLayer, numEncoderLayers, { norm: norm() }));
    this.decoder = this.addModule("decoder", new TransformerDecoder(decoderLayer, numDecoderLayers, { norm: norm() }));
    encoderLayer.dispose(); // the stacks hold clones
    decoderLayer.dispose();
    for (const p of this.parameters()) if (p.ndim > 1) xavierUniform_(p);
  }

  forward(src: Tensor, tgt: Tensor, options: TransformerForwardOptions = {}): Tensor {
    const batchAxis = this.batchFirst ? 0 : 1;
    if (src.ndim === 3 && tgt.ndim === 3 && src.shape[batchAxis] !== tgt.shape[batchAxis]) {
      throw new TesseraError("E_SHAPE", `Transformer.forward: tgt: expected batch size ${src.shape[batchAxis]} like src, received ${tgt.shape[batchAxis]} (the batch number of src and tgt must be equal)`);
    }
    const memory = this.encoder.forward(src, { mask: options.srcMask, srcKeyPaddingMask: options.srcKeyPaddingMask });
    return this.decoder.forward(tgt, memory, {
      tgtMask: options.tgtMask, memoryMask: options.memoryMask, tgtKeyPaddingMask: options.tgtKeyPaddingMask,
      memoryKeyPaddingMask: options.memoryKeyPaddingMask, tgtIsCausal: options.tgtIsCausal,
    });
  }

  /** torch's Transformer.generate_square_subsequent_mask: [sz, sz] float, −∞ above the diagonal. */
  static generateSquareSubsequentMask(sz: number, device?: string): Tensor {
    checkInt("generateSquareSubsequentMask: sz", sz, 0);
    return causalMask(sz, sz, device);
  }
}
