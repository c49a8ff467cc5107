// GPT: the GPT-2 architecture (Radford et al. 2019) as Hugging Face's GPT2LMHeadModel and nanoGPT
// build it — token and learned position embeddings, nLayer pre-norm blocks (causal self-attention
// and a 4× GELU MLP, each with a residual), a final LayerNorm, and a language-model head tied to the
// token embedding. Module names are Hugging Face's (`transformer.h.0.attn.c_attn`), with torch
// Linear layout; ./gpt2-weights.ts converts from and to the Conv1D layout of GPT-2 checkpoints.
// Attention is the fused kernel reading heads in place from c_attn's output; generation keeps a KV
// cache per layer that the same kernel appends to and attends over in one call (./generation.ts).
import { TesseraError, checkInt, checkNumber, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { arange, zeros } from "../tensor/creation.js";
import { add, gelu } from "../tensor/elementwise.js";
import { linear } from "../tensor/matmul.js";
import { crossEntropy } from "../tensor/loss.js";
import { checkInt32, checkTensor } from "../tensor/check.js";
import { fmt } from "../tensor/shape.js";
import { cachedAttention, fusedAttention, type HeadsView } from "../tensor/attention.js";
import { Generator, defaultGenerator } from "../tensor/random.js";
import { noGrad } from "../tensor/autograd.js";
import { tidy } from "../tensor/scope.js";
import { Module } from "../nn/module.js";
import { Linear } from "../nn/linear.js";
import { Embedding } from "../nn/embedding.js";
import { LayerNorm } from "../nn/normalization.js";
import { Dropout } from "../nn/dropout.js";
import { ModuleList } from "../nn/container.js";
import { normal_, zeros_ } from "../nn/init.js";
import { generate, stream, type GenerateOptions } from "./generation.js";
import { gptFromHuggingFace, gptToHuggingFace, loadGPT2, type HuggingFaceGPT2Config } from "./gpt2-weights.js";

export type GPTActivation = "gelu" | "gelu_new";

/** d(x), or x itself when d does nothing (p = 0 or eval mode) — F.dropout would copy. */
function dropoutIfActive(d: Dropout, x: Tensor): Tensor {
  return d.training && d.p > 0 ? d.forward(x) : x;
}

export interface GPTConfig {
  nLayer: number;
  nHead: number;
  nEmbd: number;
  /** Longest sequence (the position table's size; GPT-2's n_positions). */
  blockSize: number;
  vocabSize: number;
  /** Dropout on embeddings, attention weights, and after attention and MLP (default 0). */
  dropout?: number;
  /** Biases in Linear layers and LayerNorms (default true, as GPT-2). */
  bias?: boolean;
  /** "gelu_new": GPT-2's tanh approximation (default); "gelu": the exact erf form (nanoGPT). */
  activation?: GPTActivation;
  /** LayerNorm epsilon (default 1e-5). */
  layerNormEps?: number;
}

export type ResolvedGPTConfig = Required<GPTConfig>;

export function resolveGPTConfig(fn: string, c: unknown): ResolvedGPTConfig {
  if (c === null || typeof c !== "object") fail("E_TYPE", `${fn}: config`, "an object { nLayer, nHead, nEmbd, blockSize, vocabSize }", c);
  const o = c as GPTConfig;
  const nLayer = checkInt(`${fn}: config.nLayer`, o.nLayer, 1);
  const nHead = checkInt(`${fn}: config.nHead`, o.nHead, 1);
  const nEmbd = checkInt(`${fn}: config.nEmbd`, o.nEmbd, 1);
  if (nEmbd % nHead !== 0) throw new TesseraError("E_VALUE", `${fn}: config.nHead: expected a divisor of nEmbd ${nEmbd}, received ${nHead}`);
  const blockSize = checkInt(`${fn}: config.blockSize`, o.blockSize, 1);
  const vocabSize = checkInt(`${fn}: config.vocabSize`, o.vocabSize, 1);
  const dropout = checkNumber(`${fn}: config.dropout`, o.dropout ?? 0, 0, 1);
  const bias = o.bias ?? true;
  if (typeof bias !== "boolean") fail("E_TYPE", `${fn}: config.bias`, "a boolean", bias);
  const activation = o.activation ?? "gelu_new";
  if (activation !== "gelu" && activation !== "gelu_new") fail("E_VALUE", `${fn}: config.activation`, '"gelu" or "gelu_new"', activation);
  const layerNormEps = checkNumber(`${fn}: config.layerNormEps`, o.layerNormEps ?? 1e-5, 0);
  return { nLayer, nHead, nEmbd, blockSize, vocabSize, dropout, bias, activation, layerNormEps };
}

/** Per-layer key and value caches [batch, nHead, capacity, headDim] and how many rows are filled. */
export class KVCache {
  length = 0;
  constructor(readonly keys: Tensor[], readonly values: Tensor[], readonly batch: number, readonly capacity: number) {}

  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t.dispose();
  }
}

class CausalSelfAttention extends Module {
  readonly cAttn: Linear;
  readonly cProj: Linear;
  readonly residDropout: Dropout;

  constructor(private readonly cfg: ResolvedGPTConfig, device?: string) {
    super();
    const { nEmbd, bias } = cfg;
    this.cAttn = this.addModule("c_attn", new Linear(nEmbd, 3 * nEmbd, { bias, device }));
    this.cProj = this.addModule("c_proj", new Linear(nEmbd, nEmbd, { bias, device }));
    this.residDropout = this.addModule("resid_dropout", new Dropout(cfg.dropout));
  }

  /** Views of q, k, v heads inside qkv [B, T, 3C]. */
  private views(qkv: Tensor, T: number): [HeadsView, HeadsView, HeadsView] {
    const C = this.cfg.nEmbd, D = C / this.cfg.nHead;
    const strides: [number, number, number] = [T * 3 * C, D, 3 * C];
    return [{ source: qkv, offset: 0, strides }, { source: qkv, offset: C, strides }, { source: qkv, offset: 2 * C, strides }];
  }

  forward(x: Tensor, cache: KVCache | null = null, layer = 0): Tensor {
    const [B, T, C] = x.shape;
    const H = this.cfg.nHead, D = C / H;
    const qkv = this.cAttn.forward(x);
    const [q, k, v] = this.views(qkv, T);
    const common = { batch: B, heads: H, tq: T, outShape: [B, T, C], outStrides: [T * C, D, C] as [number, number, number], scale: 1 / Math.sqrt(D) };
    const y = cache === null
      ? fusedAttention({ ...common, q, k, v, sharedSources: true, tk: T, dimQK: D, dimV: D, causal: true, causalOffset: 0, masks: [],
        dropout: this.training ? this.cfg.dropout : 0 })
      : cachedAttention({ ...common, q, kNew: k, vNew: v, cacheK: cache.keys[layer], cacheV: cache.values[layer], past: cache.length, dim: D });
    return dropoutIfActive(this.residDropout, this.cProj.forward(y));
  }
}

class MLP extends Module {
  readonly cFc: Linear;
  readonly cProj: Linear;
  readonly dropout: Dropout;

  constructor(private readonly cfg: ResolvedGPTConfig, device?: string) {
    super();
    this.cFc = this.addModule("c_fc", new Linear(cfg.nEmbd, 4 * cfg.nEmbd, { bias: cfg.bias, device }));
    this.cProj = this.addModule("c_proj", new Linear(4 * cfg.nEmbd, cfg.nEmbd, { bias: cfg.bias, device }));
    this.dropout = this.addModule("dropout", new Dropout(cfg.dropout));
  }

  forward(x: Tensor): Tensor {
    const h = gelu(this.cFc.forward(x), this.cfg.activation === "gelu_new" ? "tanh" : "none");
    return dropoutIfActive(this.dropout, this.cProj.forward(h));
  }
}

class Block extends Module {
  readonly ln1: LayerNorm;
  readonly attn: CausalSelfAttention;
  readonly ln2: LayerNorm;
  readonly mlp: MLP;

  constructor(cfg: ResolvedGPTConfig, device?: string) {
    super();
    const norm = () => new LayerNorm(cfg.nEmbd, { eps: cfg.layerNormEps, bias: cfg.bias, device });
    this.ln1 = this.addModule("ln_1", norm());
    this.attn = this.addModule("attn", new CausalSelfAttention(cfg, device));
    this.ln2 = this.addModule("ln_2", norm());
    this.mlp = this.addModule("mlp", new MLP(cfg, device));
  }

  forward(x: Tensor, cache: KVCache | null = null, layer = 0): Tensor {
    const h = add(x, this.attn.forward(this.ln1.forward(x), cache, layer));
    return add(h, this.mlp.forward(this.ln2.forward(h)));
  }
}

/** Hugging Face's GPT2Model: the trunk under `transformer.`. */
class GPTTrunk extends Module {
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly drop: Dropout;
  readonly h: ModuleList<Block>;
  readonly lnF: LayerNorm;

  constructor(cfg: ResolvedGPTConfig, device?: string) {
    super();
    this.wte = this.addModule("wte", new Embedding(cfg.vocabSize, cfg.nEmbd, { device }));
    this.wpe = this.addModule("wpe", new Embedding(cfg.blockSize, cfg.nEmbd, { device }));
    this.drop = this.addModule("drop", new Dropout(cfg.dropout));
    this.h = this.addModule("h", new ModuleList(Array.from({ length: cfg.nLayer }, () => new Block(cfg, device))));
    this.lnF = this.addModule("ln_f", new LayerNorm(cfg.nEmbd, { eps: cfg.layerNormEps, bias: cfg.bias, device }));
  }

  forward(): never {
    throw new TesseraError("E_STATE", "GPT.transformer.forward(): call the GPT model's forward()");
  }
}

export interface GPTOptions {
  device?: string;
  /** Seeds the initialisation (default: the global generator). */
  generator?: Generator;
}

export class GPT extends Module {
  readonly config: ResolvedGPTConfig;
  readonly transformer: GPTTrunk;

  constructor(config: GPTConfig, options: GPTOptions = {}) {
    super();
    this.config = resolveGPTConfig("GPT", config);
    const { device, generator = defaultGenerator } = options;
    if (!(generator instanceof Generator)) fail("E_TYPE", "GPT: options.generator", "a Generator", generator);
    this.transformer = this.addModule("transformer", new GPTTrunk(this.config, device));
    this.initWeights(generator);
  }

  /** A GPT from a Hugging Face GPT-2 config.json (object or text) and safetensors bytes (see ./gpt2-weights.ts). */
  static fromHuggingFace(config: unknown, weights: Uint8Array | ArrayBuffer | Record<string, Tensor>): GPT {
    return gptFromHuggingFace(config, weights);
  }

  /** fromHuggingFace over a directory with config.json and model.safetensors (Node, Deno, Bun). */
  static fromPretrained(dir: string): Promise<GPT> {
    return loadGPT2(dir);
  }

  /** This model as a Hugging Face GPT-2 checkpoint: config.json object and safetensors bytes. */
  toHuggingFace(): { config: HuggingFaceGPT2Config; weights: Uint8Array } {
    return gptToHuggingFace(this);
  }

  /**
   * GPT-2's initialisation (as nanoGPT): N(0, 0.02) for Linear and Embedding weights, zero biases,
   * and N(0, 0.02/√(2·nLayer)) for the projections that write into the residual stream.
   */
  private initWeights(g: Generator): void {
    const std = 0.02, projStd = 0.02 / Math.sqrt(2 * this.config.nLayer);
    for (const [name, p] of this.namedParameters()) {
      if (name.endsWith("c_proj.weight")) normal_(p, 0, projStd, g);
      else if (p.ndim === 2) normal_(p, 0, std, g);
      else if (name.includes(".ln_") || name.includes("ln_f")) continue; // LayerNorm: ones / zeros already
      else zeros_(p);
    }
  }

  /** The token embedding, which is also the output head (weight tying). */
  get lmHeadWeight(): Tensor {
    return this.transformer.wte.weight;
  }

  private checkIds(fn: string, ids: unknown, past: number): Tensor {
    const t = checkInt32(`${fn}: ids`, checkTensor(`${fn}: ids`, ids), "int32 token ids");
    if (t.ndim !== 2) throw new TesseraError("E_SHAPE", `${fn}: ids: expected [batch, seq], received ${fmt(t.shape)}`);
    const T = t.shape[1];
    if (past + T > this.config.blockSize) {
      throw new TesseraError("E_SHAPE", `${fn}: ids: expected a sequence of at most blockSize = ${this.config.blockSize} tokens${past ? ` (with ${past} cached)` : ""}, received ${past + T}`);
    }
    return t;
  }

  /** Embeddings of ids at positions past … past+T−1. */
  private embed(ids: Tensor, past: number): Tensor {
    const T = ids.shape[1];
    const pos = arange(past, past + T, 1, { dtype: "int32", device: ids.device });
    const x = add(this.transformer.wte.forward(ids), this.transformer.wpe.forward(pos));
    return dropoutIfActive(this.transformer.drop, x);
  }

  /** Logits [batch, seq, vocabSize] for int32 ids [batch, seq] (seq ≤ blockSize). */
  forward(ids: Tensor): Tensor {
    const t = this.checkIds("GPT.forward", ids, 0);
    return this.head(this.trunk(t, null));
  }

  private trunk(ids: Tensor, cache: KVCache | null): Tensor {
    let x = this.embed(ids, cache?.length ?? 0);
    let i = 0;
    for (const block of this.transformer.h) x = block.forward(x, cache, i++);
    return this.transformer.lnF.forward(x);
  }

  private head(x: Tensor): Tensor {
    return linear(x, this.lmHeadWeight);
  }

  /**
   * Mean next-token cross-entropy of ids [batch, seq] against targets [batch, seq] (int32; −100
   * ignored), computed from the logits in one fused kernel.
   */
  loss(ids: Tensor, targets: Tensor): Tensor {
    return crossEntropy(this.forward(ids), targets);
  }

  /** An empty KV cache for `batch` sequences of up to `capacity` (≤ blockSize) tokens. */
  createCache(batch: number, capacity = this.config.blockSize): KVCache {
    checkInt("GPT.createCache: batch", batch, 1);
    checkInt("GPT.createCache: capacity", capacity, 1, this.config.blockSize);
    const { nLayer, nHead, nEmbd } = this.config;
    const shape = [batch, nHead, capacity, nEmbd / nHead];
    const device = this.lmHeadWeight.device;
    const make = () => Array.from({ length: nLayer }, () => zeros(shape, { device }));
    return new KVCache(make(), make(), batch, capacity);
  }

  /**
   * Logits [batch, T, vocabSize] for the next T tokens of each sequence, given the cache of what
   * came before; appends their keys and values to the cache. Runs without autograd.
   */
  forwardCached(ids: Tensor, cache: KVCache): Tensor {
    if (!(cache instanceof KVCache)) fail("E_TYPE", "GPT.forwardCached: cache", "a KVCache from createCache()", cache);
    const t = this.checkIds("GPT.forwardCached", ids, cache.length);
    if (t.shape[0] !== cache.batch) throw new TesseraError("E_SHAPE", `GPT.forwardCached: ids: expected batch ${cache.batch} (the cache's), received ${fmt(t.shape)}`);
    if (cache.length + t.shape[1] > cache.capacity) {
      throw new TesseraError("E_SHAPE", `GPT.forwardCached: ids: expected at most ${cache.capacity - cache.length} more tokens (cache capacity ${cache.capacity}, ${cache.length} cached), received ${t.shape[1]}`);
    }
    return noGrad(() => tidy(() => {
      const x = this.trunk(t, cache);
      cache.length += t.shape[1];
      return this.head(x);
    }));
  }

  /** Token ids continuing each prompt (see GenerateOptions); one array per sequence. */
  generate(ids: Tensor | number[] | number[][], options: GenerateOptions = {}): number[][] {
    return generate(this, ids, options);
  }

  /** The same as generate, one token at a time: yields { token, sequence } as each is chosen. */
  stream(ids: Tensor | number[] | number[][], options: GenerateOptions = {}): AsyncGenerator<{ token: number; sequence: number }> {
    return stream(this, ids, options);
  }

  protected override extraRepr(): string {
    const c = this.config;
    return `nLayer=${c.nLayer}, nHead=${c.nHead}, nEmbd=${c.nEmbd}, blockSize=${c.blockSize}, vocabSize=${c.vocabSize}`;
  }
}
