// GPT-2 checkpoints in Hugging Face's format: config.json (n_layer, n_head, n_embd, n_positions,
// vocab_size, activation_function, layer_norm_epsilon, …) and safetensors with GPT2LMHeadModel's
// names, with or without the `transformer.` prefix. HF's Conv1D stores c_attn, c_proj and c_fc
// weights as [in, out]; tessera's Linear is [out, in], so they are transposed on the way in and out.
// The causal-mask buffers older checkpoints carry (`h.N.attn.bias`, `h.N.attn.masked_bias`) are
// skipped, and `lm_head.weight` is the tied token embedding. Every disagreement between config and
// weights (missing, unexpected and mis-shaped tensors) is reported together, before anything loads.
import { TesseraError, describe, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { transpose } from "../tensor/layout.js";
import { noGrad } from "../tensor/autograd.js";
import { fmt, shapesEqual } from "../tensor/shape.js";
import { loadSafetensors, saveSafetensors } from "../io/safetensors.js";
import { skipInit } from "../nn/init.js";
import { GPT, type GPTConfig, type ResolvedGPTConfig, resolveGPTConfig } from "./gpt.js";

/** Hugging Face's GPT2Config fields that tessera reads (others are kept but ignored). */
export interface HuggingFaceGPT2Config {
  n_layer: number;
  n_head: number;
  n_embd: number;
  n_positions?: number;
  n_ctx?: number;
  vocab_size: number;
  activation_function?: string;
  layer_norm_epsilon?: number;
  resid_pdrop?: number;
  [key: string]: unknown;
}

const ACTIVATIONS: Record<string, GPTConfig["activation"]> = { gelu_new: "gelu_new", gelu_pytorch_tanh: "gelu_new", gelu: "gelu" };

/** A GPTConfig from a Hugging Face GPT-2 config.json (object or JSON text). */
export function gptConfigFromHuggingFace(json: unknown): GPTConfig {
  const fn = "gptConfigFromHuggingFace";
  let c: unknown = json;
  if (typeof json === "string") {
    try {
      c = JSON.parse(json);
    } catch (e) {
      throw new TesseraError("E_FORMAT", `${fn}: config: expected JSON text, received text that does not parse (${String(e)})`);
    }
  }
  if (c === null || typeof c !== "object" || Array.isArray(c)) fail("E_TYPE", `${fn}: config`, "a GPT-2 config.json object", c);
  const o = c as HuggingFaceGPT2Config;
  const missing = ["n_layer", "n_head", "n_embd", "vocab_size"].filter((k) => o[k] === undefined);
  if (o.n_positions === undefined && o.n_ctx === undefined) missing.push("n_positions");
  if (missing.length > 0) throw new TesseraError("E_KEY", `${fn}: config: expected the GPT-2 fields ${missing.join(", ")}, received none for them`);
  const act = o.activation_function ?? "gelu_new";
  const activation = ACTIVATIONS[act];
  if (activation === undefined) throw new TesseraError("E_VALUE", `${fn}: config.activation_function: expected "gelu_new", "gelu_pytorch_tanh" or "gelu", received ${describe(act)}`);
  return {
    nLayer: o.n_layer, nHead: o.n_head, nEmbd: o.n_embd, blockSize: (o.n_positions ?? o.n_ctx)!, vocabSize: o.vocab_size,
    activation, layerNormEps: o.layer_norm_epsilon ?? 1e-5, dropout: 0, bias: true,
  };
}

/** The Hugging Face config.json of a tessera GPT (GPT2LMHeadModel). */
export function gptConfigToHuggingFace(c: ResolvedGPTConfig): HuggingFaceGPT2Config {
  return {
    architectures: ["GPT2LMHeadModel"], model_type: "gpt2", n_layer: c.nLayer, n_head: c.nHead, n_embd: c.nEmbd,
    n_positions: c.blockSize, n_ctx: c.blockSize, vocab_size: c.vocabSize, activation_function: c.activation,
    layer_norm_epsilon: c.layerNormEps, resid_pdrop: c.dropout, embd_pdrop: c.dropout, attn_pdrop: c.dropout,
    tie_word_embeddings: true,
  };
}

const CONV1D = /\.(c_attn|c_proj|c_fc)\.weight$/;
const SKIPPED = /^h\.\d+\.attn\.(bias|masked_bias)$/;

/** HF names (without the prefix) and HF shapes of a GPT-2 of this config. */
function expectedHF(c: ResolvedGPTConfig): Map<string, number[]> {
  const C = c.nEmbd;
  const m = new Map<string, number[]>([["wte.weight", [c.vocabSize, C]], ["wpe.weight", [c.blockSize, C]]]);
  for (let i = 0; i < c.nLayer; i++) {
    const p = `h.${i}.`;
    m.set(`${p}ln_1.weight`, [C]);
    if (c.bias) m.set(`${p}ln_1.bias`, [C]);
    m.set(`${p}attn.c_attn.weight`, [C, 3 * C]);
    if (c.bias) m.set(`${p}attn.c_attn.bias`, [3 * C]);
    m.set(`${p}attn.c_proj.weight`, [C, C]);
    if (c.bias) m.set(`${p}attn.c_proj.bias`, [C]);
    m.set(`${p}ln_2.weight`, [C]);
    if (c.bias) m.set(`${p}ln_2.bias`, [C]);
    m.set(`${p}mlp.c_fc.weight`, [C, 4 * C]);
    if (c.bias) m.set(`${p}mlp.c_fc.bias`, [4 * C]);
    m.set(`${p}mlp.c_proj.weight`, [4 * C, C]);
    if (c.bias) m.set(`${p}mlp.c_proj.bias`, [C]);
  }
  m.set("ln_f.weight", [C]);
  if (c.bias) m.set("ln_f.bias", [C]);
  return m;
}

/**
 * A GPT with the weights of a Hugging Face GPT-2 checkpoint: its config.json (object or text) and
 * its safetensors bytes (or tensors already loaded, by HF name).
 */
export function gptFromHuggingFace(config: unknown, weights: Uint8Array | ArrayBuffer | Record<string, Tensor>): GPT {
  const fn = "GPT.fromHuggingFace";
  const cfg = resolveGPTConfig(fn, gptConfigFromHuggingFace(config));
  const loaded = weights instanceof Uint8Array || weights instanceof ArrayBuffer ? loadSafetensors(weights).tensors : null;
  const given = loaded ?? weights;
  if (given === null || typeof given !== "object") fail("E_TYPE", `${fn}: weights`, "safetensors bytes or an object of tensors", weights);
  try {
    const byName = new Map<string, Tensor>();
    for (const [k, t] of Object.entries(given as Record<string, Tensor>)) byName.set(k.startsWith("transformer.") ? k.slice("transformer.".length) : k, t);
    const want = expectedHF(cfg);
    const problems: string[] = [];
    const missing = [...want.keys()].filter((k) => !byName.has(k));
    const unexpected = [...byName.keys()].filter((k) => !want.has(k) && !SKIPPED.test(k) && k !== "lm_head.weight");
    if (missing.length) problems.push(`missing tensor(s) for config ${JSON.stringify({ n_layer: cfg.nLayer, n_embd: cfg.nEmbd })}: ${missing.join(", ")}`);
    if (unexpected.length) problems.push(`tensor(s) the config has no place for: ${unexpected.join(", ")}`);
    for (const [k, shape] of want) {
      const t = byName.get(k);
      if (t === undefined) continue;
      if (!(t instanceof Tensor) || t.dtype !== "float32") problems.push(`${k}: expected a float32 tensor, received ${describe(t)}`);
      else if (!shapesEqual(t.shape, shape)) problems.push(`${k}: expected shape ${fmt(shape)} from the config, received ${fmt(t.shape)}`);
    }
    const head = byName.get("lm_head.weight");
    if (head !== undefined && !shapesEqual(head.shape, [cfg.vocabSize, cfg.nEmbd])) problems.push(`lm_head.weight: expected shape ${fmt([cfg.vocabSize, cfg.nEmbd])} (tied to wte), received ${fmt(head.shape)}`);
    if (problems.length) {
      throw new TesseraError(missing.length || unexpected.length ? "E_KEY" : "E_SHAPE", `${fn}: config and weights disagree:\n  ${problems.join("\n  ")}`);
    }
    const model = skipInit(() => new GPT(cfg)); // every weight is loaded next
    try {
      const dict: Record<string, Tensor> = {};
      noGrad(() => {
        for (const k of want.keys()) {
          const t = byName.get(k)!;
          dict[`transformer.${k}`] = CONV1D.test(k) ? transpose(t, 0, 1) : t;
        }
        model.loadStateDict(dict);
      });
      for (const [k, t] of Object.entries(dict)) if (CONV1D.test(k)) t.dispose();
    } catch (e) {
      model.dispose();
      throw e;
    }
    return model;
  } finally {
    if (loaded) for (const t of Object.values(loaded)) t.dispose();
  }
}

/** The model as a Hugging Face GPT-2 checkpoint: config.json object and safetensors bytes (HF names, Conv1D layout). */
export function gptToHuggingFace(model: GPT): { config: HuggingFaceGPT2Config; weights: Uint8Array } {
  if (!(model instanceof GPT)) fail("E_TYPE", "GPT.toHuggingFace: model", "a GPT", model);
  const dict: Record<string, Tensor> = {};
  const made: Tensor[] = [];
  try {
    noGrad(() => {
      for (const [k, p] of model.namedParameters()) {
        const name = k.startsWith("transformer.") ? k.slice("transformer.".length) : k;
        const t = CONV1D.test(name) ? transpose(p, 0, 1) : p.detach();
        made.push(t);
        dict[name] = t;
      }
    });
    return { config: gptConfigToHuggingFace(model.config), weights: saveSafetensors(dict) };
  } finally {
    for (const t of made) t.dispose();
  }
}

const FS_MODULE = "node:fs/promises";

/** GPT.fromHuggingFace over a directory holding config.json and model.safetensors (node:fs runtimes). */
export async function loadGPT2(dir: string): Promise<GPT> {
  if (typeof dir !== "string" || dir === "") fail("E_TYPE", "loadGPT2: dir", "a directory path", dir);
  let fs: { readFile(p: string): Promise<Uint8Array> };
  try {
    fs = (await import(/* @vite-ignore */ FS_MODULE)) as typeof fs;
  } catch {
    throw new TesseraError("E_DEVICE", "loadGPT2: expected a runtime with node:fs to read a directory, received none; use GPT.fromHuggingFace(config, bytes)");
  }
  const join = (f: string) => `${dir.replace(/\/+$/, "")}/${f}`;
  const [config, weights] = await Promise.all([fs.readFile(join("config.json")), fs.readFile(join("model.safetensors"))]);
  return gptFromHuggingFace(new TextDecoder().decode(config), weights);
}
