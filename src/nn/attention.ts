// nn.MultiheadAttention with torch 1.13's parameters, names, initialisation and forward semantics:
// in_proj_weight [3E, E] (or q/k/v_proj_weight when kdim/vdim differ from E), in_proj_bias,
// out_proj; xavier_uniform_ in-projections and zero biases; masks where true means "do not attend"
// (key_padding_mask [B, S], attn_mask [L, S] or [B·H, L, S]; float masks are added); dropout on the
// attention weights in training. Without needWeights the heads go through the fused attention
// kernel straight from the projection output (no head transposes); with needWeights the weights are
// materialised as torch does (softmax of the full score matrix, then dropout), and returned
// averaged over heads unless averageAttnWeights is false.
import { TesseraError, checkInt, checkNumber } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { tensor, empty, zeros } from "../tensor/creation.js";
import { linear, matmul } from "../tensor/matmul.js";
import { add, mul } from "../tensor/elementwise.js";
import { mean } from "../tensor/reduce.js";
import { permute, reshape, slice } from "../tensor/layout.js";
import { softmax } from "../tensor/softmax.js";
import { dropout } from "../tensor/dropout.js";
import { checkBool, checkTensor, floatTensor, sameBackend } from "../tensor/check.js";
import { fmt, shapesEqual } from "../tensor/shape.js";
import { fusedAttention, type HeadsView, type MaskView } from "../tensor/attention.js";
import { Module } from "./module.js";
import { Linear } from "./linear.js";
import { constant_, xavierUniform_ } from "./init.js";

export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights in training (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Inputs and output as [batch, seq, feature] (default false: [seq, batch, feature]). */
  batchFirst?: boolean;
  /** Feature sizes of key and value (default embedDim). */
  kdim?: number;
  vdim?: number;
  device?: string;
}

export interface MultiheadAttentionForwardOptions {
  /** [B, S] (or [S] unbatched): int32 nonzero = ignore that key, or float32 added to the scores. */
  keyPaddingMask?: Tensor | null;
  /** [L, S] or [B·numHeads, L, S]: int32 nonzero = not allowed, or float32 added to the scores. */
  attnMask?: Tensor | null;
  /** Return the attention weights (default true, as torch; false takes the fused path). */
  needWeights?: boolean;
  /** Average the returned weights over heads (default true). */
  averageAttnWeights?: boolean;
  /** Query i attends only to keys j ≤ i (a tessera extension: no [L, S] mask tensor needed). */
  isCausal?: boolean;
}

interface Layout {
  batched: boolean;
  B: number;
  L: number;
  S: number;
}

export class MultiheadAttention extends Module {
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly inProjWeight: Tensor | null;
  readonly qProjWeight: Tensor | null;
  readonly kProjWeight: Tensor | null;
  readonly vProjWeight: Tensor | null;
  readonly inProjBias: Tensor | null;
  readonly outProj: Linear;

  constructor(readonly embedDim: number, readonly numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    checkInt("MultiheadAttention: embedDim", embedDim, 1);
    checkInt("MultiheadAttention: numHeads", numHeads, 1);
    if (embedDim % numHeads !== 0) {
      throw new TesseraError("E_VALUE", `MultiheadAttention: numHeads: expected a divisor of embedDim ${embedDim}, received ${numHeads} (embed_dim must be divisible by num_heads)`);
    }
    const { dropout: p = 0, bias = true, batchFirst = false, kdim = embedDim, vdim = embedDim, device } = options;
    this.dropout = checkNumber("MultiheadAttention: options.dropout", p, 0, 1);
    checkBool("MultiheadAttention: options.bias", bias);
    this.batchFirst = checkBool("MultiheadAttention: options.batchFirst", batchFirst);
    this.kdim = checkInt("MultiheadAttention: options.kdim", kdim, 1);
    this.vdim = checkInt("MultiheadAttention: options.vdim", vdim, 1);
    this.headDim = embedDim / numHeads;
    const same = kdim === embedDim && vdim === embedDim;
    const xavier = (shape: number[]) => xavierUniform_(empty(shape, { device }));
    this.qProjWeight = this.addParameter("q_proj_weight", same ? null : xavier([embedDim, embedDim]));
    this.kProjWeight = this.addParameter("k_proj_weight", same ? null : xavier([embedDim, kdim]));
    this.vProjWeight = this.addParameter("v_proj_weight", same ? null : xavier([embedDim, vdim]));
    this.inProjWeight = this.addParameter("in_proj_weight", same ? xavier([3 * embedDim, embedDim]) : null);
    this.inProjBias = this.addParameter("in_proj_bias", bias ? zeros([3 * embedDim], { device }) : null);
    this.outProj = this.addModule("out_proj", new Linear(embedDim, embedDim, { bias, device }));
    if (this.outProj.bias) constant_(this.outProj.bias, 0);
  }

  /** The same projection with torch's argument order: [output, weights or null]. */
  forward(query: Tensor, key: Tensor, value: Tensor, options: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const fn = "MultiheadAttention.forward";
    const q = floatTensor(`${fn}: query`, query);
    const k = floatTensor(`${fn}: key`, key);
    const v = floatTensor(`${fn}: value`, value);
    sameBackend(fn, ["query", "key", "value"], [q, k, v]);
    const { keyPaddingMask = null, attnMask = null, needWeights = true, averageAttnWeights = true, isCausal = false } = options;
    checkBool(`${fn}: options.needWeights`, needWeights);
    checkBool(`${fn}: options.averageAttnWeights`, averageAttnWeights);
    checkBool(`${fn}: options.isCausal`, isCausal);
    const lay = this.layout(fn, q, k, v);
    const kpm = keyPaddingMask == null ? null : this.checkMask(fn, "options.keyPaddingMask", keyPaddingMask, lay.batched ? [lay.B, lay.S] : [lay.S], q);
    const am = attnMask == null ? null : this.checkAttnMask(fn, attnMask, lay, q);
    const p = this.training ? this.dropout : 0;
    const [qp, kp, vp, shared] = this.project(q, k, v);
    if (!needWeights) {
      const out = this.fused(qp, kp, vp, shared, lay, kpm, am, isCausal, p);
      return [this.outProj.forward(out), null];
    }
    return this.withWeights(qp, kp, vp, lay, kpm, am, isCausal, p, averageAttnWeights);
  }

  private layout(fn: string, q: Tensor, k: Tensor, v: Tensor): Layout {
    if (q.ndim !== 2 && q.ndim !== 3) throw new TesseraError("E_SHAPE", `${fn}: query: expected [L, E] or a batch of them (3 dimensions), received ${fmt(q.shape)}`);
    if (k.ndim !== q.ndim || v.ndim !== q.ndim) {
      throw new TesseraError("E_SHAPE", `${fn}: key, value: expected ${q.ndim} dimensions like query ${fmt(q.shape)}, received ${fmt(k.shape)} and ${fmt(v.shape)}`);
    }
    const E = this.embedDim;
    if (q.shape[q.ndim - 1] !== E) throw new TesseraError("E_SHAPE", `${fn}: query: expected last dimension embedDim = ${E}, received ${fmt(q.shape)}`);
    if (k.shape[k.ndim - 1] !== this.kdim) throw new TesseraError("E_SHAPE", `${fn}: key: expected last dimension kdim = ${this.kdim}, received ${fmt(k.shape)}`);
    if (v.shape[v.ndim - 1] !== this.vdim) throw new TesseraError("E_SHAPE", `${fn}: value: expected last dimension vdim = ${this.vdim}, received ${fmt(v.shape)}`);
    const batched = q.ndim === 3;
    const seqAxis = batched && this.batchFirst ? 1 : 0;
    const B = batched ? q.shape[this.batchFirst ? 0 : 1] : 1;
    const L = q.shape[seqAxis], S = k.shape[seqAxis];
    if (!shapesEqual(k.shape.slice(0, -1), v.shape.slice(0, -1))) {
      throw new TesseraError("E_SHAPE", `${fn}: value: expected the batch and sequence sizes of key ${fmt(k.shape)}, received ${fmt(v.shape)}`);
    }
    if (batched && k.shape[this.batchFirst ? 0 : 1] !== B) {
      throw new TesseraError("E_SHAPE", `${fn}: key: expected batch size ${B} like query ${fmt(q.shape)}, received ${fmt(k.shape)}`);
    }
    return { batched, B, L, S };
  }

  private checkMask(fn: string, arg: string, m: unknown, shape: number[], q: Tensor): Tensor {
    const t = checkTensor(`${fn}: ${arg}`, m);
    sameBackend(fn, ["query", arg], [q, t]);
    if (!shapesEqual(t.shape, shape)) throw new TesseraError("E_SHAPE", `${fn}: ${arg}: expected shape ${fmt(shape)}, received ${fmt(t.shape)}`);
    return t;
  }

  private checkAttnMask(fn: string, m: unknown, lay: Layout, q: Tensor): Tensor {
    const t = checkTensor(`${fn}: options.attnMask`, m);
    sameBackend(fn, ["query", "options.attnMask"], [q, t]);
    const two = [lay.L, lay.S], three = [lay.B * this.numHeads, lay.L, lay.S];
    if (!shapesEqual(t.shape, two) && !shapesEqual(t.shape, three)) {
      throw new TesseraError("E_SHAPE", `${fn}: options.attnMask: expected shape ${fmt(two)} or ${fmt(three)}, received ${fmt(t.shape)}`);
    }
    return t;
  }

  /** q, k, v projections; `shared` when they are column ranges of one or two fused outputs. */
  private project(q: Tensor, k: Tensor, v: Tensor): [HeadsSource, HeadsSource, HeadsSource, boolean] {
    const E = this.embedDim;
    const b = this.inProjBias;
    const bias = (i: number) => (b === null ? null : slice(b, 0, i * E, (i + 1) * E));
    if (this.inProjWeight !== null) {
      const w = this.inProjWeight;
      if (q === k && k === v) {
        const qkv = linear(q, w, b);
        return [{ t: qkv, col: 0 }, { t: qkv, col: E }, { t: qkv, col: 2 * E }, true];
      }
      const qp = linear(q, slice(w, 0, 0, E), bias(0));
      if (k === v) {
        const kv = linear(k, slice(w, 0, E, 3 * E), b === null ? null : slice(b, 0, E, 3 * E));
        return [{ t: qp, col: 0 }, { t: kv, col: 0 }, { t: kv, col: E }, true];
      }
      return [{ t: qp, col: 0 }, { t: linear(k, slice(w, 0, E, 2 * E), bias(1)), col: 0 }, { t: linear(v, slice(w, 0, 2 * E, 3 * E), bias(2)), col: 0 }, false];
    }
    return [{ t: linear(q, this.qProjWeight!, bias(0)), col: 0 }, { t: linear(k, this.kProjWeight!, bias(1)), col: 0 },
      { t: linear(v, this.vProjWeight!, bias(2)), col: 0 }, false];
  }

  /** Head view of a projection output [B, T, W] / [T, B, W] / [T, W] starting at column col. */
  private heads(s: HeadsSource, T: number, B: number): HeadsView {
    const W = s.t.shape[s.t.ndim - 1];
    const D = this.headDim;
    const strides: [number, number, number] = this.batchFirst || s.t.ndim === 2 ? [T * W, D, W] : [W, D, B * W];
    return { source: s.t, offset: s.col, strides };
  }

  private fused(qp: HeadsSource, kp: HeadsSource, vp: HeadsSource, shared: boolean, lay: Layout, kpm: Tensor | null, am: Tensor | null,
    isCausal: boolean, p: number): Tensor {
    const { B, L, S, batched } = lay;
    const E = this.embedDim, H = this.numHeads, D = this.headDim;
    const masks: MaskView[] = [];
    if (am !== null) {
      const kind = am.dtype === "float32" ? "add" : "dropNonzero";
      masks.push(am.ndim === 2 ? { tensor: am, kind, offset: 0, strides: [0, 0, S, 1] } : { tensor: am, kind, offset: 0, strides: [H * L * S, L * S, S, 1] });
    }
    if (kpm !== null) masks.push({ tensor: kpm, kind: kpm.dtype === "float32" ? "add" : "dropNonzero", offset: 0, strides: [batched ? S : 0, 0, 0, 1] });
    const outShape = !batched ? [L, E] : this.batchFirst ? [B, L, E] : [L, B, E];
    const outStrides: [number, number, number] = !batched || this.batchFirst ? [L * E, D, E] : [E, D, B * E];
    return fusedAttention({
      q: this.heads(qp, L, B), k: this.heads(kp, S, B), v: this.heads(vp, S, B), sharedSources: shared,
      batch: B, heads: H, tq: L, tk: S, dimQK: D, dimV: D, outShape, outStrides,
      scale: 1 / Math.sqrt(D), causal: isCausal, causalOffset: 0, masks, dropout: p,
    });
  }

  /** torch's explicit path: scores [B, H, L, S], masks added, softmax, dropout, weights·V. */
  private withWeights(qp: HeadsSource, kp: HeadsSource, vp: HeadsSource, lay: Layout, kpm: Tensor | null, am: Tensor | null,
    isCausal: boolean, p: number, average: boolean): [Tensor, Tensor] {
    const { B, L, S, batched } = lay;
    const E = this.embedDim, H = this.numHeads, D = this.headDim;
    // [.., W] projection columns col … col+E → [B, H, T, D]
    const split = (s: HeadsSource, T: number): Tensor => {
      const cols = s.t.shape[s.t.ndim - 1] === E ? s.t : slice(s.t, -1, s.col, s.col + E);
      const bt = !batched ? reshape(cols, [1, T, H, D]) : this.batchFirst ? reshape(cols, [B, T, H, D]) : permute(reshape(cols, [T, B, H, D]), [1, 0, 2, 3]);
      return permute(bt, [0, 2, 1, 3]);
    };
    const qh = split(qp, L), kh = split(kp, S), vh = split(vp, S);
    let scores = mul(matmul(qh, permute(kh, [0, 1, 3, 2])), 1 / Math.sqrt(D));
    if (am !== null) scores = add(scores, am.ndim === 2 ? additive(am) : reshape(additive(am), [B, H, L, S]));
    if (kpm !== null) scores = add(scores, reshape(additive(kpm), [B, 1, 1, S]));
    if (isCausal) scores = add(scores, causalMask(L, S, scores.device));
    let weights = softmax(scores, -1);
    if (p > 0) weights = dropout(weights, p, true);
    const ctx = permute(matmul(weights, vh), [0, 2, 1, 3]); // [B, L, H, D]
    const merged = !batched ? reshape(ctx, [L, E]) : this.batchFirst ? reshape(ctx, [B, L, E]) : permute(reshape(ctx, [B, L, E]), [1, 0, 2]);
    const out = this.outProj.forward(merged);
    let w = average ? mean(weights, 1) : weights;
    if (!batched) w = reshape(w, w.shape.slice(1));
    return [out, w];
  }

  protected override extraRepr(): string {
    return `embed_dim=${this.embedDim}, num_heads=${this.numHeads}, dropout=${this.dropout}, batch_first=${this.batchFirst}`;
  }
}

interface HeadsSource {
  t: Tensor;
  col: number;
}

/** A float32 mask as is; an int32 one as 0 / −∞ (nonzero = not allowed), read on the host. */
function additive(m: Tensor): Tensor {
  if (m.dtype === "float32") return m;
  const src = m.data();
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? -Infinity : 0;
  return tensor(out, m.shape.slice(), { device: m.device });
}

/** [L, S] with −∞ above the diagonal (key j > query i). */
export function causalMask(L: number, S: number, device?: string): Tensor {
  const out = new Float32Array(L * S);
  for (let i = 0; i < L; i++) for (let j = i + 1; j < S; j++) out[i * S + j] = -Infinity;
  return tensor(out, [L, S], { device });
}
