// A BERT-style Transformer encoder (Devlin et al. 2019) built from nn's layers: token and learned
// position embeddings with a LayerNorm, a stack of post-norm nn.TransformerEncoderLayer (GELU,
// batch first) with a key-padding mask from the attention mask, and two heads — sequence
// classification pooled at the first token ([CLS]: Linear + tanh as BERT's pooler, then a Linear
// to the labels) and a masked-LM head (Linear + GELU + LayerNorm, then the token embedding as
// output matrix plus a bias, as BERT ties them). A folder holds config.json (Hugging Face's BERT
// field names plus architectures, id2label/label2id) and model.safetensors with tessera's module
// names; a classifier loads a masked-LM checkpoint's encoder and starts a new head (pretrain →
// fine-tune), as Hugging Face's from_pretrained does.
import { TesseraError, checkInt, checkNumber, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { arange, tensor, zeros } from "../tensor/creation.js";
import { add, gelu, tanh } from "../tensor/elementwise.js";
import { linear } from "../tensor/matmul.js";
import { checkInt32, checkTensor } from "../tensor/check.js";
import { fmt } from "../tensor/shape.js";
import { Generator, defaultGenerator } from "../tensor/random.js";
import { noGrad } from "../tensor/autograd.js";
import { tidy } from "../tensor/scope.js";
import { Module } from "../nn/module.js";
import { Linear } from "../nn/linear.js";
import { Embedding } from "../nn/embedding.js";
import { LayerNorm } from "../nn/normalization.js";
import { Dropout } from "../nn/dropout.js";
import { TransformerEncoder, TransformerEncoderLayer } from "../nn/transformer.js";
import { normal_, ones_, skipInit, zeros_ } from "../nn/init.js";
import { loadSafetensors, saveSafetensors } from "../io/safetensors.js";
import { makeDirectory, readFileBytes, writeFileAtomic } from "../io/file.js";

export interface EncoderConfig {
  vocabSize: number;
  /** Width of every hidden state (BERT's hidden_size). */
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  /** Feed-forward width (default 4 · hiddenSize). */
  intermediateSize?: number;
  /** Longest sequence, [CLS] and [SEP] included (default 512). */
  maxPositions?: number;
  /** Dropout on embeddings, attention weights, residual branches and before the classifier (default 0.1). */
  dropout?: number;
  activation?: "gelu" | "relu";
  layerNormEps?: number;
  /** Id of the padding token (its embedding row is kept at zero, as nn.Embedding's paddingIdx). */
  padTokenId?: number;
  /** Label names by class index; their count is the classifier's output size (default ["LABEL_0", "LABEL_1"]). */
  labels?: string[];
}

export type ResolvedEncoderConfig = Required<Omit<EncoderConfig, "padTokenId">> & { padTokenId: number | null };

export function resolveEncoderConfig(fn: string, c: unknown): ResolvedEncoderConfig {
  if (c === null || typeof c !== "object") fail("E_TYPE", `${fn}: config`, "an object { vocabSize, hiddenSize, numLayers, numHeads }", c);
  const o = c as EncoderConfig;
  const vocabSize = checkInt(`${fn}: config.vocabSize`, o.vocabSize, 1);
  const hiddenSize = checkInt(`${fn}: config.hiddenSize`, o.hiddenSize, 1);
  const numLayers = checkInt(`${fn}: config.numLayers`, o.numLayers, 1);
  const numHeads = checkInt(`${fn}: config.numHeads`, o.numHeads, 1);
  if (hiddenSize % numHeads !== 0) throw new TesseraError("E_VALUE", `${fn}: config.numHeads: expected a divisor of hiddenSize ${hiddenSize}, received ${numHeads}`);
  const intermediateSize = checkInt(`${fn}: config.intermediateSize`, o.intermediateSize ?? 4 * hiddenSize, 1);
  const maxPositions = checkInt(`${fn}: config.maxPositions`, o.maxPositions ?? 512, 1);
  const dropout = checkNumber(`${fn}: config.dropout`, o.dropout ?? 0.1, 0, 1);
  const activation = o.activation ?? "gelu";
  if (activation !== "gelu" && activation !== "relu") fail("E_VALUE", `${fn}: config.activation`, '"gelu" or "relu"', activation);
  const layerNormEps = checkNumber(`${fn}: config.layerNormEps`, o.layerNormEps ?? 1e-12, 0);
  const padTokenId = o.padTokenId === undefined || o.padTokenId === null ? null : checkInt(`${fn}: config.padTokenId`, o.padTokenId, 0, vocabSize - 1);
  const labels = o.labels ?? ["LABEL_0", "LABEL_1"];
  if (!Array.isArray(labels) || labels.length === 0 || labels.some((l) => typeof l !== "string")) fail("E_TYPE", `${fn}: config.labels`, "a non-empty array of label names", labels);
  if (new Set(labels).size !== labels.length) fail("E_VALUE", `${fn}: config.labels`, "distinct label names", labels);
  return { vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, maxPositions, dropout, activation, layerNormEps, padTokenId, labels: labels.slice() };
}

/** Ids [batch, seq] and, optionally, attentionMask [batch, seq] (1 = token, 0 = padding). */
export interface EncoderInput {
  ids: Tensor;
  attentionMask?: Tensor | null;
}

/** A tensor of ids, or an object with ids and attentionMask (a padding collator's batch). */
export type EncoderInputLike = Tensor | EncoderInput;

class EncoderEmbeddings extends Module {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly norm: LayerNorm;
  readonly dropout: Dropout;

  constructor(cfg: ResolvedEncoderConfig) {
    super();
    this.wordEmbeddings = this.addModule("word_embeddings", new Embedding(cfg.vocabSize, cfg.hiddenSize, { paddingIdx: cfg.padTokenId ?? undefined }));
    this.positionEmbeddings = this.addModule("position_embeddings", new Embedding(cfg.maxPositions, cfg.hiddenSize));
    this.norm = this.addModule("LayerNorm", new LayerNorm(cfg.hiddenSize, { eps: cfg.layerNormEps }));
    this.dropout = this.addModule("dropout", new Dropout(cfg.dropout));
  }

  forward(ids: Tensor): Tensor {
    const pos = arange(0, ids.shape[1], 1, { dtype: "int32", device: ids.device });
    return this.dropout.forward(this.norm.forward(add(this.wordEmbeddings.forward(ids), this.positionEmbeddings.forward(pos))));
  }
}

/** The encoder trunk: hidden states [batch, seq, hiddenSize] for ids [batch, seq]. */
export class EncoderModel extends Module {
  readonly config: ResolvedEncoderConfig;
  readonly embeddings: EncoderEmbeddings;
  readonly encoder: TransformerEncoder;

  constructor(config: EncoderConfig | ResolvedEncoderConfig) {
    super();
    const cfg = this.config = resolveEncoderConfig("EncoderModel", config);
    this.embeddings = this.addModule("embeddings", new EncoderEmbeddings(cfg));
    const layer = new TransformerEncoderLayer(cfg.hiddenSize, cfg.numHeads, {
      dimFeedforward: cfg.intermediateSize, dropout: cfg.dropout, activation: cfg.activation, layerNormEps: cfg.layerNormEps, batchFirst: true,
    });
    this.encoder = this.addModule("encoder", new TransformerEncoder(layer, cfg.numLayers));
    layer.dispose();
  }

  /** Checks ids (and mask) and returns them with the key-padding mask the layers take (nonzero = padding). */
  private inputs(fn: string, input: unknown, mask: unknown): [Tensor, Tensor | null] {
    let ids = input, attentionMask = mask;
    if (input !== null && typeof input === "object" && !(input instanceof Tensor)) {
      const o = input as Partial<EncoderInput>;
      if (!("ids" in o)) fail("E_TYPE", `${fn}: input`, "an int32 ids tensor or an object { ids, attentionMask }", input);
      ids = o.ids;
      attentionMask = o.attentionMask ?? mask;
    }
    const t = checkInt32(`${fn}: ids`, checkTensor(`${fn}: ids`, ids), "int32 token ids");
    if (t.ndim !== 2) throw new TesseraError("E_SHAPE", `${fn}: ids: expected [batch, seq], received ${fmt(t.shape)}`);
    if (t.shape[1] === 0 || t.shape[1] > this.config.maxPositions) {
      throw new TesseraError("E_SHAPE", `${fn}: ids: expected 1 to maxPositions = ${this.config.maxPositions} tokens per sequence, received ${t.shape[1]}`);
    }
    const vocab = this.config.vocabSize;
    const bad = (t.data() as Int32Array).findIndex((v) => v < 0 || v >= vocab);
    if (bad >= 0) throw new TesseraError("E_RANGE", `${fn}: ids: expected token ids in [0, ${vocab}), received ${(t.data() as Int32Array)[bad]} at flat index ${bad}`);
    if (attentionMask === undefined || attentionMask === null) return [t, null];
    const m = checkTensor(`${fn}: attentionMask`, attentionMask);
    if (m.ndim !== 2 || m.shape[0] !== t.shape[0] || m.shape[1] !== t.shape[1]) {
      throw new TesseraError("E_SHAPE", `${fn}: attentionMask: expected shape ${fmt(t.shape)} like ids, received ${fmt(m.shape)}`);
    }
    const values = m.data();
    if (values.every((v) => v !== 0)) return [t, null];
    return [t, tensor(Int32Array.from(values, (v) => (v === 0 ? 1 : 0)), m.shape, { dtype: "int32", device: t.device })];
  }

  /** Hidden states [batch, seq, hiddenSize]; attentionMask (1 = token, 0 = padding) keeps padding out of attention. */
  forward(input: EncoderInputLike, attentionMask: Tensor | null = null): Tensor {
    const [ids, padding] = this.inputs("EncoderModel.forward", input, attentionMask);
    return this.encoder.forward(this.embeddings.forward(ids), { srcKeyPaddingMask: padding });
  }
}

/** BERT's initialisation: N(0, 0.02) for matrices and embeddings, zero biases, LayerNorm 1 and 0; the padding row zero. */
function initWeights(model: Module, g: Generator): void {
  for (const [name, p] of model.namedParameters()) {
    if (p.ndim >= 2) normal_(p, 0, 0.02, g);
    else zeros_(p);
    if (name.endsWith("word_embeddings.weight")) {
      const pad = (model as { config?: ResolvedEncoderConfig }).config?.padTokenId ?? null;
      if (pad !== null) {
        const values = Float32Array.from(p.data());
        values.fill(0, pad * p.shape[1], (pad + 1) * p.shape[1]);
        noGrad(() => tidy(() => { p.copy_(tensor(values, p.shape, { device: p.device })); }));
      }
    }
  }
  for (const m of model.modules()) if (m instanceof LayerNorm) {
    if (m.weight) ones_(m.weight);
    if (m.bias) zeros_(m.bias);
  }
}

export interface EncoderOptions {
  /** Seeds the initialisation (default: the global generator). */
  generator?: Generator;
}

/** Hugging Face config.json fields of an encoder checkpoint (BERT's names). */
export interface EncoderConfigJson {
  model_type: "tessera-encoder";
  architectures: string[];
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  max_position_embeddings: number;
  hidden_dropout_prob: number;
  hidden_act: string;
  layer_norm_eps: number;
  pad_token_id: number | null;
  id2label: Record<string, string>;
  label2id: Record<string, number>;
}

export function encoderConfigToJson(cfg: ResolvedEncoderConfig, architecture: string): EncoderConfigJson {
  return {
    model_type: "tessera-encoder", architectures: [architecture],
    vocab_size: cfg.vocabSize, hidden_size: cfg.hiddenSize, num_hidden_layers: cfg.numLayers, num_attention_heads: cfg.numHeads,
    intermediate_size: cfg.intermediateSize, max_position_embeddings: cfg.maxPositions, hidden_dropout_prob: cfg.dropout,
    hidden_act: cfg.activation, layer_norm_eps: cfg.layerNormEps, pad_token_id: cfg.padTokenId,
    id2label: Object.fromEntries(cfg.labels.map((l, i) => [String(i), l])), label2id: Object.fromEntries(cfg.labels.map((l, i) => [l, i])),
  };
}

export function encoderConfigFromJson(fn: string, json: unknown): ResolvedEncoderConfig {
  if (json === null || typeof json !== "object") fail("E_FORMAT", `${fn}: config.json`, "a JSON object", json);
  const j = json as Partial<EncoderConfigJson>;
  if (j.model_type !== "tessera-encoder") fail("E_FORMAT", `${fn}: config.json model_type`, '"tessera-encoder"', j.model_type);
  let labels: string[] | undefined;
  if (j.id2label !== undefined) {
    if (j.id2label === null || typeof j.id2label !== "object") fail("E_FORMAT", `${fn}: config.json id2label`, "an object index → label", j.id2label);
    const n = Object.keys(j.id2label).length;
    labels = Array.from({ length: n }, (_, i) => {
      const l = (j.id2label as Record<string, unknown>)[String(i)];
      if (typeof l !== "string") fail("E_FORMAT", `${fn}: config.json id2label["${i}"]`, "a label name (keys 0 … n−1)", l);
      return l;
    });
  }
  return resolveEncoderConfig(`${fn}: config.json`, {
    vocabSize: j.vocab_size, hiddenSize: j.hidden_size, numLayers: j.num_hidden_layers, numHeads: j.num_attention_heads,
    intermediateSize: j.intermediate_size, maxPositions: j.max_position_embeddings, dropout: j.hidden_dropout_prob,
    activation: j.hidden_act as "gelu", layerNormEps: j.layer_norm_eps, padTokenId: j.pad_token_id ?? undefined, labels,
  });
}

/** What a folder holds: config.json and model.safetensors, read. */
export async function readCheckpoint(fn: string, dir: unknown): Promise<Checkpoint> {
  if (typeof dir !== "string" || dir === "") fail("E_TYPE", `${fn}: dir`, "a directory path", dir);
  const join = (f: string) => `${dir.replace(/\/+$/, "")}/${f}`;
  const read = async (f: string) => {
    try {
      return await readFileBytes(fn, join(f));
    } catch (e) {
      if (e instanceof TesseraError) throw e;
      throw new TesseraError("E_VALUE", `${fn}: dir: expected a folder holding ${f}, received ${join(f)} that cannot be read (${(e as Error).message})`);
    }
  };
  const [configBytes, weights] = await Promise.all([read("config.json"), read("model.safetensors")]);
  let config: unknown;
  try {
    config = JSON.parse(new TextDecoder().decode(configBytes));
  } catch {
    throw new TesseraError("E_FORMAT", `${fn}: ${join("config.json")}: expected valid JSON, received unparsable text`);
  }
  return { config, weights };
}

/** The parts every encoder checkpoint class shares: the trunk under `bert`, save and load. */
abstract class EncoderWithHead extends Module {
  readonly config: ResolvedEncoderConfig;
  readonly bert: EncoderModel;
  /** Prefixes of the head's parameters in a checkpoint (they start fresh when a checkpoint lacks them). */
  protected abstract readonly headPrefixes: readonly string[];

  constructor(config: EncoderConfig | ResolvedEncoderConfig) {
    super();
    this.bert = this.addModule("bert", new EncoderModel(config));
    this.config = this.bert.config;
  }

  /** This model as config.json (object) and model.safetensors (bytes). */
  toPretrained(): { config: EncoderConfigJson; weights: Uint8Array } {
    const dict = this.stateDict();
    try {
      return { config: encoderConfigToJson(this.config, this.constructor.name), weights: saveSafetensors(dict) };
    } finally {
      for (const t of Object.values(dict)) t.dispose();
    }
  }

  /** Writes config.json and model.safetensors into dir (created if missing; Node, Deno, Bun). */
  async savePretrained(dir: string): Promise<void> {
    const fn = `${this.constructor.name}.savePretrained`;
    if (typeof dir !== "string" || dir === "") fail("E_TYPE", `${fn}: dir`, "a directory path", dir);
    const { config, weights } = this.toPretrained();
    await makeDirectory(fn, dir);
    const base = dir.replace(/\/+$/, "");
    await writeFileAtomic(fn, `${base}/model.safetensors`, weights);
    await writeFileAtomic(fn, `${base}/config.json`, new TextEncoder().encode(JSON.stringify(config, null, 2)));
  }

  /**
   * Copies a checkpoint's weights in: the trunk must be complete; the head is loaded when the
   * checkpoint has it and keeps its fresh initialisation when it has none (another head's checkpoint).
   * Returns the keys that started fresh.
   */
  loadCheckpoint(fn: string, weights: Uint8Array | ArrayBuffer): string[] {
    const loaded = loadSafetensors(weights).tensors;
    try {
      const own = new Map(this.namedParameters());
      const isHead = (k: string) => this.headPrefixes.some((p) => k.startsWith(p));
      const headKeys = [...own.keys()].filter(isHead);
      const hasHead = headKeys.some((k) => k in loaded);
      const wanted = [...own.keys()].filter((k) => hasHead || !isHead(k));
      const missing = wanted.filter((k) => !(k in loaded));
      if (missing.length) throw new TesseraError("E_KEY", `${fn}: model.safetensors: expected every weight of the model, missing ${missing.join(", ")}`);
      this.loadStateDict(Object.fromEntries(wanted.map((k) => [k, loaded[k]])), { strict: false });
      return hasHead ? [] : headKeys;
    } finally {
      for (const t of Object.values(loaded)) t.dispose();
    }
  }
}

type Checkpoint = { config: unknown; weights: Uint8Array };

/** Shared body of the fromPretrained statics: configure (labels may be overridden), initialise, load. */
function fromCheckpoint<M extends EncoderWithHead>(fn: string, { config, weights }: Checkpoint, make: (cfg: ResolvedEncoderConfig) => M, labels?: string[]): { model: M; fresh: string[] } {
  let cfg = encoderConfigFromJson(fn, config);
  if (labels !== undefined) cfg = resolveEncoderConfig(fn, { ...cfg, labels, padTokenId: cfg.padTokenId ?? undefined });
  const model = skipInit(() => make(cfg));
  initWeights(model, defaultGenerator);
  try {
    return { model, fresh: model.loadCheckpoint(fn, weights) };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Encoder + BERT pooler on the first token ([CLS]) + Linear to config.labels.length logits. */
export class EncoderForSequenceClassification extends EncoderWithHead {
  protected readonly headPrefixes = ["pooler.", "classifier."];
  readonly pooler: Linear;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(config: EncoderConfig | ResolvedEncoderConfig, options: EncoderOptions = {}) {
    super(config);
    this.pooler = this.addModule("pooler", new Linear(this.config.hiddenSize, this.config.hiddenSize));
    this.dropout = this.addModule("dropout", new Dropout(this.config.dropout));
    this.classifier = this.addModule("classifier", new Linear(this.config.hiddenSize, this.config.labels.length));
    initWeights(this, checkGenerator("EncoderForSequenceClassification", options));
  }

  /**
   * A classifier from a folder (config.json + model.safetensors). From a masked-LM or other
   * encoder checkpoint the trunk loads and pooler and classifier start fresh (as Hugging Face's
   * "newly initialized" weights); options.labels sets the label names of a new head.
   */
  static async fromPretrained(dir: string, options: { labels?: string[] } = {}): Promise<EncoderForSequenceClassification> {
    const fn = "EncoderForSequenceClassification.fromPretrained";
    return EncoderForSequenceClassification.fromCheckpoint(fn, await readCheckpoint(fn, dir), options.labels);
  }

  static fromCheckpoint(fn: string, checkpoint: Checkpoint, labels?: string[]): EncoderForSequenceClassification {
    const { model, fresh } = fromCheckpoint(fn, checkpoint, (cfg) => new EncoderForSequenceClassification(cfg), labels);
    model.newlyInitialized = fresh;
    return model;
  }

  /** Parameter names that fromPretrained initialised fresh (empty when the checkpoint had this head). */
  newlyInitialized: string[] = [];

  /** Logits [batch, labels] from the hidden state of each sequence's first token. */
  forward(input: EncoderInputLike, attentionMask: Tensor | null = null): Tensor {
    const h = this.bert.forward(input, attentionMask);
    const cls = h.slice(1, 0, 1).squeeze(1);
    return this.classifier.forward(this.dropout.forward(tanh(this.pooler.forward(cls))));
  }
}

/** Encoder + BERT's masked-LM head: logits over the vocabulary at every position (fill-mask, MLM pretraining). */
export class EncoderForMaskedLM extends EncoderWithHead {
  protected readonly headPrefixes = ["cls."];
  readonly cls: MaskedLMHead;

  constructor(config: EncoderConfig | ResolvedEncoderConfig, options: EncoderOptions = {}) {
    super(config);
    this.cls = this.addModule("cls", new MaskedLMHead(this.config));
    initWeights(this, checkGenerator("EncoderForMaskedLM", options));
  }

  /** A masked-LM encoder from a folder (config.json + model.safetensors); a missing head starts fresh. */
  static async fromPretrained(dir: string): Promise<EncoderForMaskedLM> {
    const fn = "EncoderForMaskedLM.fromPretrained";
    return EncoderForMaskedLM.fromCheckpoint(fn, await readCheckpoint(fn, dir));
  }

  static fromCheckpoint(fn: string, checkpoint: Checkpoint): EncoderForMaskedLM {
    return fromCheckpoint(fn, checkpoint, (cfg) => new EncoderForMaskedLM(cfg)).model;
  }

  /** Logits [batch, seq, vocabSize] over the vocabulary at every position. */
  forward(input: EncoderInputLike, attentionMask: Tensor | null = null): Tensor {
    return this.cls.forward(this.bert.forward(input, attentionMask), this.bert.embeddings.wordEmbeddings.weight);
  }
}

/** BERT's prediction head: dense + GELU + LayerNorm, then the (tied) token embedding and a bias. */
class MaskedLMHead extends Module {
  readonly dense: Linear;
  readonly norm: LayerNorm;
  readonly bias: Tensor;

  constructor(cfg: ResolvedEncoderConfig) {
    super();
    this.dense = this.addModule("dense", new Linear(cfg.hiddenSize, cfg.hiddenSize));
    this.norm = this.addModule("LayerNorm", new LayerNorm(cfg.hiddenSize, { eps: cfg.layerNormEps }));
    this.bias = this.addParameter("bias", zeros([cfg.vocabSize]));
  }

  forward(h: Tensor, embedding: Tensor): Tensor {
    return linear(this.norm.forward(gelu(this.dense.forward(h))), embedding, this.bias);
  }
}

function checkGenerator(fn: string, options: EncoderOptions): Generator {
  if (options === null || typeof options !== "object") fail("E_TYPE", `${fn}: options`, "an object", options);
  const g = options.generator ?? defaultGenerator;
  if (!(g instanceof Generator)) fail("E_TYPE", `${fn}: options.generator`, "a Generator", g);
  return g;
}

/** An encoder checkpoint of either head, picked by config.json's architectures. */
export async function loadEncoder(dir: string): Promise<EncoderForSequenceClassification | EncoderForMaskedLM> {
  const fn = "loadEncoder";
  const checkpoint = await readCheckpoint(fn, dir);
  const arch = (checkpoint.config as { architectures?: unknown } | null)?.architectures;
  const name = Array.isArray(arch) ? arch[0] : undefined;
  if (name === "EncoderForSequenceClassification") return EncoderForSequenceClassification.fromCheckpoint(fn, checkpoint);
  if (name === "EncoderForMaskedLM") return EncoderForMaskedLM.fromCheckpoint(fn, checkpoint);
  return fail("E_FORMAT", `${fn}: config.json architectures`, '["EncoderForSequenceClassification"] or ["EncoderForMaskedLM"]', arch);
}
