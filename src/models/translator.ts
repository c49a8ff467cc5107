// TransformerTranslator: the encoder–decoder of "Attention Is All You Need" (Vaswani et al. 2017) as
// PyTorch's translation tutorial builds it — token embeddings scaled by √dModel plus sinusoidal
// positions, nn.Transformer (batch-first), and a Linear generator onto the target vocabulary.
// forward(src, tgtIn) is teacher-forced with a causal target mask; greedyDecode encodes once and
// re-runs the decoder over the growing prefix. Padding ids (srcPadId / tgtPadId) become key-padding
// masks. Token ids are read on the host (validation, masks, decoding).
import { TesseraError, checkInt, checkNumber, fail } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { mul } from "../tensor/elementwise.js";
import { reshape, slice } from "../tensor/layout.js";
import { fmt } from "../tensor/shape.js";
import { noGrad } from "../tensor/autograd.js";
import { tidy } from "../tensor/scope.js";
import { Module } from "../nn/module.js";
import { Linear } from "../nn/linear.js";
import { Embedding } from "../nn/embedding.js";
import { PositionalEncoding } from "../nn/positional.js";
import { Transformer, type TransformerActivation } from "../nn/transformer.js";
import { checkDecodeOptions, checkNotAllPadding, tokenIdRows, type DecodeOptions } from "./token-ids.js";

export interface TransformerTranslatorConfig {
  srcVocabSize: number;
  tgtVocabSize: number;
  /** Model width (default 64); a multiple of nhead. */
  dModel?: number;
  /** Attention heads (default 2). */
  nhead?: number;
  /** Encoder and decoder layers (default 3 each). */
  numEncoderLayers?: number;
  numDecoderLayers?: number;
  /** Feed-forward width (default 4·dModel). */
  dimFeedforward?: number;
  /** Dropout in the layers and after the positions (default 0.1). */
  dropout?: number;
  activation?: TransformerActivation;
  /** Longest source or target sequence (default 256). */
  maxLen?: number;
  /** Padding ids of each side: masked as keys (default null: none). */
  srcPadId?: number | null;
  tgtPadId?: number | null;
  device?: string;
}

const label = (fn: string) => `TransformerTranslator.${fn}`;

export class TransformerTranslator extends Module {
  readonly config: Required<Omit<TransformerTranslatorConfig, "device" | "srcPadId" | "tgtPadId">> & { srcPadId: number | null; tgtPadId: number | null };
  readonly srcEmbedding: Embedding;
  readonly tgtEmbedding: Embedding;
  readonly positional: PositionalEncoding;
  readonly transformer: Transformer;
  readonly generator: Linear;

  constructor(config: TransformerTranslatorConfig) {
    super();
    const fn = "TransformerTranslator";
    if (config === null || typeof config !== "object") fail("E_TYPE", `${fn}: config`, "an object { srcVocabSize, tgtVocabSize, … }", config);
    const srcVocabSize = checkInt(`${fn}: config.srcVocabSize`, config.srcVocabSize, 1);
    const tgtVocabSize = checkInt(`${fn}: config.tgtVocabSize`, config.tgtVocabSize, 1);
    const dModel = checkInt(`${fn}: config.dModel`, config.dModel ?? 64, 1);
    const nhead = checkInt(`${fn}: config.nhead`, config.nhead ?? 2, 1);
    if (dModel % nhead !== 0) throw new TesseraError("E_VALUE", `${fn}: config.nhead: expected a divisor of dModel ${dModel}, received ${nhead}`);
    const numEncoderLayers = checkInt(`${fn}: config.numEncoderLayers`, config.numEncoderLayers ?? 3, 1);
    const numDecoderLayers = checkInt(`${fn}: config.numDecoderLayers`, config.numDecoderLayers ?? 3, 1);
    const dimFeedforward = checkInt(`${fn}: config.dimFeedforward`, config.dimFeedforward ?? 4 * dModel, 1);
    const dropout = checkNumber(`${fn}: config.dropout`, config.dropout ?? 0.1, 0, 1);
    const activation = config.activation ?? "relu";
    const maxLen = checkInt(`${fn}: config.maxLen`, config.maxLen ?? 256, 1);
    const pad = (arg: "srcPadId" | "tgtPadId", vocab: number) => {
      const v = config[arg] ?? null;
      return v === null ? null : checkInt(`${fn}: config.${arg}`, v, 0, vocab - 1);
    };
    this.config = {
      srcVocabSize, tgtVocabSize, dModel, nhead, numEncoderLayers, numDecoderLayers, dimFeedforward, dropout, activation, maxLen,
      srcPadId: pad("srcPadId", srcVocabSize), tgtPadId: pad("tgtPadId", tgtVocabSize),
    };
    const device = config.device;
    this.srcEmbedding = this.addModule("src_embedding", new Embedding(srcVocabSize, dModel, { device }));
    this.tgtEmbedding = this.addModule("tgt_embedding", new Embedding(tgtVocabSize, dModel, { device }));
    this.positional = this.addModule("positional_encoding", new PositionalEncoding(dModel, { maxLen, dropout, batchFirst: true, device }));
    this.transformer = this.addModule("transformer", new Transformer({
      dModel, nhead, numEncoderLayers, numDecoderLayers, dimFeedforward, dropout, activation, batchFirst: true, device,
    }));
    this.generator = this.addModule("generator", new Linear(dModel, tgtVocabSize, { device }));
  }

  /** Embedding·√dModel + positions for ids t [B, L]. */
  private embed(e: Embedding, t: Tensor): Tensor {
    return this.positional.forward(mul(e.forward(t), Math.sqrt(this.config.dModel)));
  }

  /** int32 [B, L]: 1 on padding (nn.MultiheadAttention's bool key-padding mask), or null. */
  private paddingMask(fn: string, arg: string, rows: number[][], pad: number | null, device: string): Tensor | null {
    if (pad === null) return null;
    checkNotAllPadding(fn, arg, rows, pad);
    return tensor(rows.flat().map((v) => (v === pad ? 1 : 0)), [rows.length, rows[0].length], { dtype: "int32", device });
  }

  private ids(fn: string, arg: "src" | "tgtIn", x: unknown) {
    const vocab = arg === "src" ? this.config.srcVocabSize : this.config.tgtVocabSize;
    const r = tokenIdRows(fn, arg, x, vocab);
    if (r.t.shape[1] > this.config.maxLen) {
      throw new TesseraError("E_SHAPE", `${fn}: ${arg}: expected at most maxLen = ${this.config.maxLen} tokens, received ${fmt(r.t.shape)}`);
    }
    return r;
  }

  /** The encoder's output [B, S, dModel] and the source padding mask. */
  encode(src: Tensor): { memory: Tensor; srcPadding: Tensor | null } {
    return this.encodeRows(label("encode"), src).encoded;
  }

  private encodeRows(fn: string, src: unknown) {
    const { t, rows } = this.ids(fn, "src", src);
    const srcPadding = this.paddingMask(fn, "src", rows, this.config.srcPadId, t.device);
    const memory = this.transformer.encoder.forward(this.embed(this.srcEmbedding, t), { srcKeyPaddingMask: srcPadding });
    return { encoded: { memory, srcPadding }, rows };
  }

  /** Logits [B, T, V] for target prefixes tgt [B, T] (each position sees itself and earlier ones). */
  private decode(memory: Tensor, srcPadding: Tensor | null, tgt: Tensor, tgtPadding: Tensor | null): Tensor {
    const out = this.transformer.decoder.forward(this.embed(this.tgtEmbedding, tgt), memory, {
      tgtIsCausal: true, tgtKeyPaddingMask: tgtPadding, memoryKeyPaddingMask: srcPadding,
    });
    return this.generator.forward(out);
  }

  /** Teacher forcing: src [B, S], tgtIn [B, T] (bos then the target shifted right) → logits [B, T, V]. */
  forward(src: Tensor, tgtIn: Tensor): Tensor {
    const fn = label("forward");
    const { encoded, rows } = this.encodeRows(fn, src);
    const tgt = this.ids(fn, "tgtIn", tgtIn);
    if (tgt.rows.length !== rows.length) throw new TesseraError("E_SHAPE", `${fn}: tgtIn: expected batch size ${rows.length} like src, received ${fmt(tgt.t.shape)}`);
    const tgtPadding = this.config.tgtPadId === null ? null
      : tensor(tgt.rows.flat().map((v) => (v === this.config.tgtPadId ? 1 : 0)), tgt.t.shape.slice(), { dtype: "int32", device: tgt.t.device });
    return this.decode(encoded.memory, encoded.srcPadding, tgt.t, tgtPadding);
  }

  /** The most likely token at each step until eos or maxLength; one id list per source row (eos left out). */
  greedyDecode(src: Tensor, options: DecodeOptions): number[][] {
    const fn = label("greedyDecode");
    const { bos, eos, maxLength: asked } = checkDecodeOptions(fn, options, this.config.tgtVocabSize);
    const maxLength = Math.min(asked, this.config.maxLen - 1); // the prefix, bos included, fits the position table
    return noGrad(() => tidy(() => {
      const { encoded, rows } = this.encodeRows(fn, src);
      const B = rows.length;
      const prefixes = rows.map(() => [bos]);
      const done = new Array<boolean>(B).fill(false);
      for (let t = 0; t < maxLength && done.includes(false); t++) {
        const next = tidy(() => {
          const tgt = tensor(prefixes.flat(), [B, t + 1], { dtype: "int32", device: encoded.memory.device });
          const logits = this.decode(encoded.memory, encoded.srcPadding, tgt, null);
          return Array.from(reshape(slice(logits, 1, t, t + 1), [B, this.config.tgtVocabSize]).argmax(1).data());
        });
        next.forEach((id, b) => {
          // finished rows keep growing with eos (their later positions never affect the others)
          prefixes[b].push(done[b] ? eos : id);
          if (id === eos) done[b] = true;
        });
      }
      return prefixes.map((p) => {
        const end = p.indexOf(eos, 1);
        return p.slice(1, end < 0 ? p.length : end);
      });
    }));
  }
}
