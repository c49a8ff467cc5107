// Hugging Face transformers' pipeline() over tessera models: a task name and a model (an object or
// a folder with config.json, model.safetensors and tokenizer.json) give an async function from
// text to results shaped as transformers' pipelines return them — text-generation
// [{ generated_text }], text-classification [{ label, score }], feature-extraction
// [1][tokens][hidden] per text, fill-mask [{ score, token, token_str, sequence }]. A folder's
// config.json picks the class: model_type "gpt2" → GPT, "tessera-encoder" → the encoder heads.
import { TesseraError, checkInt, describe, fail } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { noGrad } from "../tensor/autograd.js";
import { tidy } from "../tensor/scope.js";
import type { Module } from "../nn/module.js";
import { GPT } from "../models/gpt.js";
import type { GenerateOptions } from "../models/generation.js";
import { EncoderForMaskedLM, EncoderForSequenceClassification, EncoderModel, loadEncoder, readCheckpoint } from "../models/encoder.js";
import { BPETokenizer } from "../tokenizers/bpe-tokenizer.js";
import { WordPieceTokenizer } from "../tokenizers/wordpiece.js";
import { PipelineTokenizer } from "../tokenizers/pipeline.js";
import { loadTokenizerJson } from "../tokenizers/tokenizer-json.js";
import { readFileBytes } from "../io/file.js";

export type PipelineTask = "text-generation" | "text-classification" | "feature-extraction" | "fill-mask";
/** Any tokenizer tessera loads from tokenizer.json (BPE, WordPiece, or Hugging Face's general pipeline). */
export type TokenizerForPipeline = BPETokenizer | WordPieceTokenizer | PipelineTokenizer;

export interface PipelineOptions {
  /** A tessera model, or a folder holding config.json and model.safetensors (and tokenizer.json). */
  model: Module | string;
  /** A tokenizer, a tokenizer.json path or a folder holding one (default: the model's folder). */
  tokenizer?: TokenizerForPipeline | string;
}

export interface TextGenerationOptions extends GenerateOptions {
  /** Prompt + continuation (default true, as transformers) or the continuation alone. */
  returnFullText?: boolean;
}
export interface GeneratedText { generated_text: string }

export interface TextClassificationOptions {
  /** How many labels per text, best first (default 1); null: all of them. */
  topK?: number | null;
  /** "softmax" (default for several labels), "sigmoid" (default for one) or "none" (raw logits). */
  functionToApply?: "softmax" | "sigmoid" | "none";
}
export interface LabelScore { label: string; score: number }

export interface FillMaskOptions {
  /** Candidates per mask, best first (default 5). */
  topK?: number;
}
export interface FillMaskCandidate { score: number; token: number; token_str: string; sequence: string }

type Input = string | string[];

export interface TextGenerationPipeline {
  (inputs: string, options?: TextGenerationOptions): Promise<GeneratedText[]>;
  (inputs: string[], options?: TextGenerationOptions): Promise<GeneratedText[][]>;
}
export interface TextClassificationPipeline {
  (inputs: Input, options?: TextClassificationOptions): Promise<LabelScore[] | LabelScore[][]>;
}
export interface FeatureExtractionPipeline {
  (inputs: string, options?: object): Promise<number[][][]>;
  (inputs: string[], options?: object): Promise<number[][][][]>;
}
export interface FillMaskPipeline {
  /** One list of candidates per mask (a single list when the text has one mask), per text for a list of texts. */
  (inputs: Input, options?: FillMaskOptions): Promise<FillMaskCandidate[] | FillMaskCandidate[][] | (FillMaskCandidate[] | FillMaskCandidate[][])[]>;
}

/** What every pipeline carries besides being callable. */
export interface PipelineParts {
  readonly task: PipelineTask;
  readonly model: Module;
  readonly tokenizer: TokenizerForPipeline;
}

type PipelineFor<T extends PipelineTask> = PipelineParts & (
  T extends "text-generation" ? TextGenerationPipeline
    : T extends "text-classification" ? TextClassificationPipeline
      : T extends "feature-extraction" ? FeatureExtractionPipeline : FillMaskPipeline);

const TASKS: readonly PipelineTask[] = ["text-generation", "text-classification", "feature-extraction", "fill-mask"];
const FN = "pipeline";

async function loadModel(dir: string): Promise<Module> {
  const { config } = await readCheckpoint(FN, dir);
  const type = (config as { model_type?: unknown } | null)?.model_type;
  if (type === "gpt2") return GPT.fromPretrained(dir);
  if (type === "tessera-encoder") return loadEncoder(dir);
  return fail("E_FORMAT", `${FN}: ${dir}/config.json model_type`, '"gpt2" or "tessera-encoder"', type);
}

async function loadTokenizer(path: string): Promise<TokenizerForPipeline> {
  const file = path.endsWith(".json") ? path : `${path.replace(/\/+$/, "")}/tokenizer.json`;
  let bytes: Uint8Array;
  try {
    bytes = await readFileBytes(FN, file);
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    throw new TesseraError("E_VALUE", `${FN}: options.tokenizer: expected a tokenizer.json, received ${file} that cannot be read (${(e as Error).message})`);
  }
  return loadTokenizerJson(new TextDecoder().decode(bytes));
}

function checkInputs(task: string, inputs: unknown): string[] {
  const list = typeof inputs === "string" ? [inputs] : inputs;
  if (!Array.isArray(list) || list.length === 0 || list.some((s) => typeof s !== "string")) {
    fail("E_TYPE", `${task}: inputs`, "a string or a non-empty array of strings", inputs);
  }
  return list as string[];
}

function checkOptions(task: string, options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object") fail("E_TYPE", `${task}: options`, "an object", options);
  return options as Record<string, unknown>;
}

/** Padded ids and attention mask of texts, cut to what the encoder can take. */
function encodeTexts(tok: TokenizerForPipeline, texts: string[], model: EncoderModel): { ids: Tensor; attentionMask: Tensor; rows: number[][] } {
  const enc = tok.encodeBatch(texts, { padding: true, truncation: true, maxLength: model.config.maxPositions, padId: model.config.padTokenId ?? 0, returnAttentionMask: true });
  const T = enc.inputIds[0].length;
  if (T === 0) throw new TesseraError("E_VALUE", `${FN}: inputs: expected text that gives at least one token, received ${describe(texts[0])}`);
  const ids = tensor(Int32Array.from(enc.inputIds.flat()), [texts.length, T], { dtype: "int32" });
  const attentionMask = tensor(Int32Array.from(enc.attentionMask!.flat()), [texts.length, T], { dtype: "int32" });
  const rows = enc.inputIds.map((r, i) => r.filter((_, j) => enc.attentionMask![i][j] === 1));
  return { ids, attentionMask, rows };
}

function trunkOf(model: Module): EncoderModel {
  if (model instanceof EncoderModel) return model;
  if (model instanceof EncoderForSequenceClassification || model instanceof EncoderForMaskedLM) return model.bert;
  return fail("E_TYPE", `${FN}: options.model`, "an encoder model (EncoderModel, EncoderForSequenceClassification or EncoderForMaskedLM) for feature-extraction", model);
}

function needModel<M>(task: string, model: Module, cls: abstract new (...a: never[]) => M, what: string): M {
  if (!(model instanceof cls)) fail("E_TYPE", `${FN}("${task}"): options.model`, what, model);
  return model as M;
}

function textGeneration(model: Module, tok: TokenizerForPipeline): TextGenerationPipeline {
  const gpt = needModel("text-generation", model, GPT, "a GPT (or a folder with a GPT-2 checkpoint)");
  return (async (inputs: Input, options?: TextGenerationOptions) => {
    const texts = checkInputs("text-generation", inputs);
    const { returnFullText = true, ...generate } = checkOptions("text-generation", options) as TextGenerationOptions;
    if (typeof returnFullText !== "boolean") fail("E_TYPE", "text-generation: options.returnFullText", "a boolean", returnFullText);
    const out = texts.map((text) => {
      const ids = tok.encode(text);
      if (ids.length === 0) throw new TesseraError("E_VALUE", `text-generation: inputs: expected a prompt that gives at least one token, received ${describe(text)}`);
      const continuation = tok.decode(gpt.generate([ids], generate)[0]);
      return [{ generated_text: returnFullText ? text + continuation : continuation }];
    });
    return typeof inputs === "string" ? out[0] : out;
  }) as TextGenerationPipeline;
}

function textClassification(model: Module, tok: TokenizerForPipeline): TextClassificationPipeline {
  const clf = needModel("text-classification", model, EncoderForSequenceClassification, "an EncoderForSequenceClassification (or a folder with one)");
  const labels = clf.config.labels;
  return async (inputs, options) => {
    const texts = checkInputs("text-classification", inputs);
    const o = checkOptions("text-classification", options) as TextClassificationOptions;
    const topK = o.topK === null ? labels.length : Math.min(labels.length, checkInt("text-classification: options.topK", o.topK ?? 1, 1));
    const fn = o.functionToApply ?? (labels.length === 1 ? "sigmoid" : "softmax");
    if (fn !== "softmax" && fn !== "sigmoid" && fn !== "none") fail("E_VALUE", "text-classification: options.functionToApply", '"softmax", "sigmoid" or "none"', fn);
    const logits = noGrad(() => tidy(() => {
      const { ids, attentionMask } = encodeTexts(tok, texts, clf.bert);
      const z = clf.forward(ids, attentionMask);
      return Array.from((fn === "softmax" ? z.softmax(-1) : fn === "sigmoid" ? z.sigmoid() : z).data());
    }));
    const out = texts.map((_, i) => labels.map((label, j) => ({ label, score: logits[i * labels.length + j] }))
      .sort((a, b) => b.score - a.score).slice(0, topK));
    // transformers: one result per text with the default top_k, a list per text otherwise
    if (o.topK === undefined || o.topK === 1) return out.map((r) => r[0]);
    return typeof inputs === "string" ? out[0] : out;
  };
}

function featureExtraction(model: Module, tok: TokenizerForPipeline): FeatureExtractionPipeline {
  const trunk = trunkOf(model);
  return (async (inputs: Input, options?: object) => {
    const texts = checkInputs("feature-extraction", inputs);
    checkOptions("feature-extraction", options);
    const out = texts.map((text) => noGrad(() => tidy(() => {
      const { ids, attentionMask } = encodeTexts(tok, [text], trunk);
      return trunk.forward(ids, attentionMask).toArray() as number[][][];
    })));
    return typeof inputs === "string" ? out[0] : out;
  }) as FeatureExtractionPipeline;
}

const MASK_TOKENS = ["[MASK]", "<mask>"];

function fillMask(model: Module, tok: TokenizerForPipeline): FillMaskPipeline {
  const mlm = needModel("fill-mask", model, EncoderForMaskedLM, "an EncoderForMaskedLM (or a folder with one)");
  const maskToken = MASK_TOKENS.find((t) => tok.tokenToId(t) !== undefined);
  if (maskToken === undefined) throw new TesseraError("E_VALUE", `${FN}("fill-mask"): options.tokenizer: expected a tokenizer with a mask token (${MASK_TOKENS.join(" or ")}), received one without`);
  const maskId = tok.tokenToId(maskToken)!;
  return async (inputs, options) => {
    const texts = checkInputs("fill-mask", inputs);
    const o = checkOptions("fill-mask", options) as FillMaskOptions;
    const topK = Math.min(mlm.config.vocabSize, checkInt("fill-mask: options.topK", o.topK ?? 5, 1));
    const out = texts.map((text) => {
      const { rows, probs } = noGrad(() => tidy(() => {
        const { ids, attentionMask, rows } = encodeTexts(tok, [text], mlm.bert);
        return { rows, probs: mlm.forward(ids, attentionMask).softmax(-1).data() as Float32Array };
      }));
      const ids = rows[0];
      const positions = ids.flatMap((id, j) => (id === maskId ? [j] : []));
      if (positions.length === 0) throw new TesseraError("E_VALUE", `fill-mask: inputs: expected text with the mask token ${maskToken}, received ${describe(text)}`);
      const V = mlm.config.vocabSize;
      const perMask = positions.map((pos) => {
        const p = probs.subarray(pos * V, (pos + 1) * V);
        const best = Array.from(p.keys()).sort((a, b) => p[b] - p[a]).slice(0, topK);
        return best.map((token) => {
          const filled = ids.slice();
          filled[pos] = token;
          return { score: p[token], token, token_str: tok.decode([token]), sequence: tok.decode(filled, { skipSpecialTokens: true }) };
        });
      });
      return perMask.length === 1 ? perMask[0] : perMask;
    });
    return typeof inputs === "string" ? out[0] : out;
  };
}

/**
 * A Hugging Face-style pipeline for `task` over a tessera model (an object, or a folder with
 * config.json + model.safetensors + tokenizer.json). The result is an async function of a text or
 * a list of texts with transformers' output shapes; it also carries task, model and tokenizer.
 * The model is put in eval mode.
 */
export async function pipeline<T extends PipelineTask>(task: T, options: PipelineOptions): Promise<PipelineFor<T>> {
  if (!TASKS.includes(task)) fail("E_VALUE", `${FN}: task`, TASKS.map((t) => `"${t}"`).join(", "), task);
  if (options === null || typeof options !== "object") fail("E_TYPE", `${FN}: options`, "an object { model, tokenizer }", options);
  const { model: m, tokenizer: t } = options;
  if (typeof m !== "string" && (m === null || typeof m !== "object" || typeof (m as Module).namedParameters !== "function")) {
    fail("E_TYPE", `${FN}: options.model`, "a tessera model or a folder path", m);
  }
  let tokenizer: TokenizerForPipeline;
  if (t instanceof BPETokenizer || t instanceof WordPieceTokenizer || t instanceof PipelineTokenizer) tokenizer = t;
  else if (typeof t === "string") tokenizer = await loadTokenizer(t);
  else if (t === undefined && typeof m === "string") tokenizer = await loadTokenizer(m);
  else return fail("E_TYPE", `${FN}: options.tokenizer`, "a BPETokenizer, WordPieceTokenizer or PipelineTokenizer, or a path to tokenizer.json (needed when the model is an object)", t);
  const model = typeof m === "string" ? await loadModel(m) : m;
  let run;
  try {
    run = task === "text-generation" ? textGeneration(model, tokenizer)
      : task === "text-classification" ? textClassification(model, tokenizer)
        : task === "feature-extraction" ? featureExtraction(model, tokenizer) : fillMask(model, tokenizer);
  } catch (e) {
    if (typeof m === "string") model.dispose(); // loaded here for a task it cannot do
    throw e;
  }
  model.eval();
  return Object.assign(run, { task, model, tokenizer }) as unknown as PipelineFor<T>;
}
