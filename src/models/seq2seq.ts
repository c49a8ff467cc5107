// Seq2Seq: a recurrent encoder–decoder with additive attention (Bahdanau, Cho & Bengio 2015). The
// encoder (nn.GRU or nn.LSTM, batch-first) reads the source once; each decoder step scores every
// encoder output against the previous decoder state, e_j = vᵀ·tanh(W·s + U·h_j) (U·h_j computed once
// per source), takes the softmax-weighted context, feeds [embedding of the previous token; context]
// to the decoder cell, and predicts the next token from [state; context]. Training is teacher-forced
// (forward(src, tgtIn) → logits); greedyDecode and beamSearch generate. Padding in the source
// (srcPadId) gets no attention. Token ids are read on the host (validation, masks and the decoding
// loops), so the model runs on devices that read synchronously (cpu, auto).
import { TesseraError, checkInt, checkNumber, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { add, tanh } from "../tensor/elementwise.js";
import { concat, gather, reshape, slice } from "../tensor/layout.js";
import { matmul } from "../tensor/matmul.js";
import { logSoftmax, softmax } from "../tensor/softmax.js";
import { fmt } from "../tensor/shape.js";
import { noGrad } from "../tensor/autograd.js";
import { tidy } from "../tensor/scope.js";
import { Module } from "../nn/module.js";
import { checkDecodeOptions, checkNotAllPadding, tokenIdRows, type DecodeOptions } from "./token-ids.js";
import { Linear } from "../nn/linear.js";
import { Embedding } from "../nn/embedding.js";
import { GRU, LSTM } from "../nn/rnn.js";

export type Seq2SeqCell = "gru" | "lstm";

export interface Seq2SeqConfig {
  srcVocabSize: number;
  tgtVocabSize: number;
  /** Token embedding width (default 64). */
  embeddingDim?: number;
  /** Encoder and decoder hidden size (default 128). */
  hiddenSize?: number;
  /** Width of the additive attention's hidden layer (default hiddenSize). */
  attentionSize?: number;
  /** "gru" (default) or "lstm", for both encoder and decoder. */
  cell?: Seq2SeqCell;
  /** Stacked layers in the encoder and the decoder (default 1). */
  numLayers?: number;
  /** Dropout between stacked layers, in training (default 0). */
  dropout?: number;
  /** The source padding id: such positions get no attention (default null: none). */
  srcPadId?: number | null;
  device?: string;
}

export interface BeamSearchOptions extends DecodeOptions {
  /** Hypotheses kept per step (default 4). */
  numBeams?: number;
  /** Finished hypotheses score Σ log p / length^lengthPenalty, as Hugging Face (default 1). */
  lengthPenalty?: number;
}

/** The decoder state: h [L, B, H] (GRU), or [h, c] (LSTM). */
export type Seq2SeqState = Tensor | [Tensor, Tensor];

/** What a decoder step needs from the encoder, for B source rows. */
export interface Seq2SeqMemory {
  /** Encoder outputs [B, S, H]. */
  values: Tensor;
  /** U·h_j + b: [B, S, A]. */
  keys: Tensor;
  /** [B, 1, S]: 0 where attended, −∞ on padding; null without srcPadId. */
  mask: Tensor | null;
  /** The encoder's final state: the decoder's initial one. */
  state: Seq2SeqState;
}

/** e_j = vᵀ·tanh(W·s + U·h_j), softmax over j, context = Σ_j α_j·h_j. */
export class AdditiveAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly v: Linear;

  constructor(queryDim: number, keyDim: number, attentionSize: number, device?: string) {
    super();
    this.query = this.addModule("query", new Linear(queryDim, attentionSize, { bias: false, device }));
    this.key = this.addModule("key", new Linear(keyDim, attentionSize, { device }));
    this.v = this.addModule("v", new Linear(attentionSize, 1, { bias: false, device }));
  }

  /** U·h + b for every source position: [B, S, A] (once per source). */
  keys(values: Tensor): Tensor {
    return this.key.forward(values);
  }

  /** s [B, Hq] → [context [B, Hk], weights [B, S]]. */
  forward(s: Tensor, keys: Tensor, values: Tensor, mask: Tensor | null): [Tensor, Tensor] {
    const [B, S, A] = keys.shape;
    const q = reshape(this.query.forward(s), [B, 1, A]);
    let scores = reshape(this.v.forward(tanh(add(keys, q))), [B, 1, S]);
    if (mask) scores = add(scores, mask);
    const w = softmax(scores, -1);
    return [reshape(matmul(w, values), [B, values.shape[2]]), reshape(w, [B, S])];
  }
}

const label = (fn: string) => `Seq2Seq.${fn}`;

export class Seq2Seq extends Module {
  readonly config: Required<Omit<Seq2SeqConfig, "device" | "srcPadId">> & { srcPadId: number | null };
  readonly srcEmbedding: Embedding;
  readonly tgtEmbedding: Embedding;
  readonly encoder: GRU | LSTM;
  readonly decoder: GRU | LSTM;
  readonly attention: AdditiveAttention;
  readonly out: Linear;

  constructor(config: Seq2SeqConfig) {
    super();
    const fn = "Seq2Seq";
    if (config === null || typeof config !== "object") fail("E_TYPE", `${fn}: config`, "an object { srcVocabSize, tgtVocabSize, … }", config);
    const srcVocabSize = checkInt(`${fn}: config.srcVocabSize`, config.srcVocabSize, 1);
    const tgtVocabSize = checkInt(`${fn}: config.tgtVocabSize`, config.tgtVocabSize, 1);
    const embeddingDim = checkInt(`${fn}: config.embeddingDim`, config.embeddingDim ?? 64, 1);
    const hiddenSize = checkInt(`${fn}: config.hiddenSize`, config.hiddenSize ?? 128, 1);
    const attentionSize = checkInt(`${fn}: config.attentionSize`, config.attentionSize ?? hiddenSize, 1);
    const numLayers = checkInt(`${fn}: config.numLayers`, config.numLayers ?? 1, 1);
    const dropout = checkNumber(`${fn}: config.dropout`, config.dropout ?? 0, 0, 1);
    const cell = config.cell ?? "gru";
    if (cell !== "gru" && cell !== "lstm") fail("E_VALUE", `${fn}: config.cell`, '"gru" or "lstm"', cell);
    const srcPadId = config.srcPadId ?? null;
    if (srcPadId !== null) checkInt(`${fn}: config.srcPadId`, srcPadId, 0, srcVocabSize - 1);
    this.config = { srcVocabSize, tgtVocabSize, embeddingDim, hiddenSize, attentionSize, cell, numLayers, dropout, srcPadId };
    const device = config.device;
    const Cell = cell === "gru" ? GRU : LSTM;
    const rnn = { numLayers, dropout, batchFirst: true, device };
    this.srcEmbedding = this.addModule("src_embedding", new Embedding(srcVocabSize, embeddingDim, { device }));
    this.tgtEmbedding = this.addModule("tgt_embedding", new Embedding(tgtVocabSize, embeddingDim, { device }));
    this.encoder = this.addModule("encoder", new Cell(embeddingDim, hiddenSize, rnn));
    this.attention = this.addModule("attention", new AdditiveAttention(hiddenSize, hiddenSize, attentionSize, device));
    this.decoder = this.addModule("decoder", new Cell(embeddingDim + hiddenSize, hiddenSize, rnn));
    this.out = this.addModule("out", new Linear(2 * hiddenSize, tgtVocabSize, { device }));
  }

  /** Runs the encoder over src (int32 [B, S]). */
  encode(src: Tensor): Seq2SeqMemory {
    return this.encodeRows(label("encode"), src).memory;
  }

  private encodeRows(fn: string, src: unknown): { memory: Seq2SeqMemory; rows: number[][] } {
    const { t, rows } = tokenIdRows(fn, "src", src, this.config.srcVocabSize);
    const pad = this.config.srcPadId;
    let mask: Tensor | null = null;
    if (pad !== null) {
      checkNotAllPadding(fn, "src", rows, pad);
      mask = tensor(rows.flat().map((v) => (v === pad ? -Infinity : 0)), [rows.length, 1, t.shape[1]], { device: t.device });
    }
    const emb = this.srcEmbedding.forward(t);
    const [values, state] = this.encoder.forward(emb) as [Tensor, Seq2SeqState];
    return { memory: { values, keys: this.attention.keys(values), mask, state }, rows };
  }

  /** The top layer's h [B, H] of a state. */
  private top(state: Seq2SeqState): Tensor {
    const h = Array.isArray(state) ? state[0] : state;
    const L = h.shape[0];
    return reshape(slice(h, 0, L - 1, L), h.shape.slice(1));
  }

  /**
   * One decoder step for B rows: the embeddings emb [B, E] of the previous tokens → logits [B, V],
   * the new state and the attention weights [B, S].
   */
  private stepEmbedded(memory: Seq2SeqMemory, emb: Tensor, state: Seq2SeqState): { logits: Tensor; state: Seq2SeqState; weights: Tensor } {
    const [context, weights] = this.attention.forward(this.top(state), memory.keys, memory.values, memory.mask);
    const B = emb.shape[0];
    const x = reshape(concat([emb, context], 1), [B, 1, emb.shape[1] + context.shape[1]]);
    const [out, next] = (this.decoder as GRU).forward(x, state as Tensor) as [Tensor, Seq2SeqState];
    const s = reshape(out, [B, this.config.hiddenSize]);
    return { logits: this.out.forward(concat([s, context], 1)), state: next, weights };
  }

  /** Teacher forcing: src [B, S], tgtIn [B, T] (<S> then the target shifted right) → logits [B, T, V]. */
  forward(src: Tensor, tgtIn: Tensor): Tensor {
    return this.teacherForced(label("forward"), src, tgtIn).logits;
  }

  /** The attention weights [B, T, S] of each teacher-forced step: where output t looks in the source. */
  attentionWeights(src: Tensor, tgtIn: Tensor): Tensor {
    return this.teacherForced(label("attentionWeights"), src, tgtIn).weights;
  }

  private teacherForced(fn: string, src: unknown, tgtIn: unknown): { logits: Tensor; weights: Tensor } {
    const { memory } = this.encodeRows(fn, src);
    const { t: tgt } = tokenIdRows(fn, "tgtIn", tgtIn, this.config.tgtVocabSize);
    const [B, T] = tgt.shape;
    if (B !== memory.values.shape[0]) throw new TesseraError("E_SHAPE", `${fn}: tgtIn: expected batch size ${memory.values.shape[0]} like src, received ${fmt(tgt.shape)}`);
    const emb = this.tgtEmbedding.forward(tgt);
    const S = memory.values.shape[1];
    let state = memory.state;
    const logits: Tensor[] = [];
    const weights: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const step = this.stepEmbedded(memory, reshape(slice(emb, 1, t, t + 1), [B, this.config.embeddingDim]), state);
      state = step.state;
      logits.push(reshape(step.logits, [B, 1, this.config.tgtVocabSize]));
      weights.push(reshape(step.weights, [B, 1, S]));
    }
    return { logits: concat(logits, 1), weights: concat(weights, 1) };
  }

  /** The most likely token at each step until eos or maxLength; one id list per source row (eos left out). */
  greedyDecode(src: Tensor, options: DecodeOptions): number[][] {
    const fn = label("greedyDecode");
    const { bos, eos, maxLength } = checkDecodeOptions(fn, options, this.config.tgtVocabSize);
    return noGrad(() => tidy(() => {
      const { memory, rows } = this.encodeRows(fn, src);
      const B = rows.length;
      const outs: number[][] = rows.map(() => []);
      const done = new Array<boolean>(B).fill(false);
      let prev = new Array<number>(B).fill(bos);
      let state = memory.state;
      for (let t = 0; t < maxLength && done.includes(false); t++) {
        const step = tidy(() => {
          const s = this.stepEmbedded(memory, this.tgtEmbedding.forward(tensor(prev, [B], { dtype: "int32", device: memory.values.device })), state);
          return { ids: Array.from(s.logits.argmax(1).data()), state: s.state };
        });
        if (state !== memory.state) disposeState(state);
        state = step.state;
        prev = step.ids;
        prev.forEach((id, b) => {
          if (done[b]) return;
          if (id === eos) done[b] = true;
          else outs[b].push(id);
        });
      }
      return outs;
    }));
  }

  /**
   * Beam search per source row: numBeams hypotheses extended by their numBeams best tokens each step,
   * the best numBeams kept; a hypothesis ending in eos is finished. Returns the best finished
   * hypothesis per row (eos left out), or the best open one when none finished within maxLength.
   */
  beamSearch(src: Tensor, options: BeamSearchOptions): number[][] {
    const fn = label("beamSearch");
    const { bos, eos, maxLength } = checkDecodeOptions(fn, options, this.config.tgtVocabSize);
    const k = checkInt(`${fn}: options.numBeams`, options.numBeams ?? 4, 1);
    const alpha = checkNumber(`${fn}: options.lengthPenalty`, options.lengthPenalty ?? 1);
    return noGrad(() => tidy(() => {
      const { memory, rows } = this.encodeRows(fn, src);
      return rows.map((_, b) => tidy(() => this.beamRow(rowMemory(memory, b), bos, eos, maxLength, k, alpha)));
    }));
  }

  private beamRow(memory: Seq2SeqMemory, bos: number, eos: number, maxLength: number, k: number, alpha: number): number[] {
    const device = memory.values.device;
    const V = this.config.tgtVocabSize;
    const scoreOf = (logp: number, len: number) => logp / len ** alpha;
    let beams = [{ ids: [] as number[], logp: 0 }];
    let state = memory.state;
    const finished: { ids: number[]; score: number }[] = [];
    for (let t = 0; t < maxLength && beams.length > 0; t++) {
      const n = beams.length;
      const step = tidy(() => {
        const prev = tensor(beams.map((h) => h.ids.at(-1) ?? bos), [n], { dtype: "int32", device });
        const s = this.stepEmbedded(n === 1 ? memory : expandMemory(memory, n), this.tgtEmbedding.forward(prev), state);
        return { logp: logSoftmax(s.logits, -1).data(), state: s.state };
      });
      const cands: { from: number; id: number; logp: number }[] = [];
      for (let i = 0; i < n; i++) for (let id = 0; id < V; id++) cands.push({ from: i, id, logp: beams[i].logp + step.logp[i * V + id] });
      cands.sort((x, y) => y.logp - x.logp);
      // Hugging Face's rule: eos among the k best candidates finishes a hypothesis; the k best
      // others go on
      const next: { from: number; ids: number[]; logp: number }[] = [];
      for (let r = 0; r < cands.length && next.length < k; r++) {
        const c = cands[r];
        const ids = [...beams[c.from].ids, c.id];
        if (c.id !== eos) next.push({ from: c.from, ids, logp: c.logp });
        else if (r < k) finished.push({ ids: ids.slice(0, -1), score: scoreOf(c.logp, ids.length) });
      }
      if (state !== memory.state) disposeState(state);
      state = next.length > 0 ? tidy(() => reorderState(step.state, next.map((h) => h.from), device)) : step.state;
      if (next.length > 0) disposeState(step.state);
      beams = next;
      // done (HF's early_stopping=False test): k finished and the best open beam scores below the
      // k-th best finished one
      const kth = finished.map((f) => f.score).sort((x, y) => y - x)[k - 1];
      if (kth !== undefined && beams.every((h) => scoreOf(h.logp, h.ids.length + 1) <= kth)) break;
    }
    if (finished.length === 0) return beams[0]?.ids ?? [];
    return finished.reduce((m, f) => (f.score > m.score ? f : m)).ids;
  }
}

function stateTensors(s: Seq2SeqState): Tensor[] {
  return Array.isArray(s) ? s : [s];
}

function disposeState(s: Seq2SeqState): void {
  for (const t of stateTensors(s)) t.dispose();
}

/** The beams' states picked by `from` (index_select over the batch axis). */
function reorderState(s: Seq2SeqState, from: number[], device: string): Seq2SeqState {
  const idx = tensor(from, [from.length], { dtype: "int32", device });
  const pick = (t: Tensor) => gather(t, idx, 1);
  return Array.isArray(s) ? [pick(s[0]), pick(s[1])] : pick(s);
}

/** Row b of a batch's memory (a batch of one). */
function rowMemory(m: Seq2SeqMemory, b: number): Seq2SeqMemory {
  const row = (t: Tensor) => slice(t, 0, b, b + 1);
  const st = (t: Tensor) => slice(t, 1, b, b + 1);
  return {
    values: row(m.values), keys: row(m.keys), mask: m.mask ? row(m.mask) : null,
    state: Array.isArray(m.state) ? [st(m.state[0]), st(m.state[1])] : st(m.state),
  };
}

/** A batch-of-one memory repeated for n beams. */
function expandMemory(m: Seq2SeqMemory, n: number): Seq2SeqMemory {
  const rep = (t: Tensor) => gather(t, tensor(new Array<number>(n).fill(0), [n], { dtype: "int32", device: t.device }), 0);
  return { values: rep(m.values), keys: rep(m.keys), mask: m.mask ? rep(m.mask) : null, state: m.state };
}
