// PipelineTokenizer: Hugging Face's tokenizer.json pipeline in full, for the files the byte-level
// BPETokenizer and WordPieceTokenizer do not describe (SentencePiece-style Llama, Mistral, T5,
// XLM-R files: Unigram, byte-fallback BPE, WordLevel, Metaspace, Precompiled ...). encode = added
// tokens split out of the text → normalizer (spans kept, normalized.ts) → pre-tokenizer → model per
// piece → ids with offsets on the original text; decode = ids → tokens → decoder chain.

import { fail } from "../errors.js";
import { checkText } from "./byte-level.js";
import { encodeBatch, type BatchEncoding, type BatchOptions, type Template, type TextInput } from "./batch.js";
import { BPEModel, WordLevelModel } from "./bpe-model.js";
import { NormStr } from "./normalized.js";
import { isObj, need, readDecoder, readNormalizer, readPreTokenizer, type Decoder, type Json, type Normalizer, type PreTokenizerFn } from "./pipeline-components.js";
import { SpecialTokens, type AddedTokenOptions, type SpecialOptions } from "./special-tokens.js";
import { readTemplate, readVocab } from "./tokenizer-json.js";
import { UnigramModel, type TokenModel } from "./unigram.js";
import { trainUnigramPieces, type UnigramTrainOptions } from "./unigram-train.js";
import { isTokenId, MAX_TOKEN_ID } from "./vocab.js";

/** An added token as tokenizer.json lists it. */
export interface AddedToken extends AddedTokenOptions {
  id: number;
  content: string;
  normalized: boolean;
  special: boolean;
}

export interface PipelineParts {
  model: TokenModel;
  normalizer: Normalizer | null;
  preTokenizer: PreTokenizerFn | null;
  decoder: Decoder | null;
  postProcessor: Json | null;
  added: AddedToken[];
}

export class PipelineTokenizer {
  readonly model: TokenModel;
  readonly normalizer: Normalizer | null;
  readonly preTokenizer: PreTokenizerFn | null;
  readonly decoder: Decoder | null;
  readonly postProcessor: Json | null;
  readonly added: readonly AddedToken[];
  /** Added tokens matched in the text as given (normalized: false). */
  readonly specialTokens: SpecialTokens;
  /** Post-processing template for encodeBatch (TemplateProcessing, BertProcessing ...). */
  template: Template | null;
  padToken: string | null = null;
  /** Added tokens matched after normalization (normalized: true), longest first. */
  private readonly normalizedAdded: RegExp | null;
  private readonly addedById = new Map<number, AddedToken>();
  private readonly addedByContent = new Map<string, AddedToken>();
  /** A BPE piece may be cut before this mark (after another character) without changing tokens. */
  private readonly cutMark: RegExp | null;

  constructor(parts: PipelineParts) {
    this.model = parts.model;
    this.normalizer = parts.normalizer;
    this.preTokenizer = parts.preTokenizer;
    this.decoder = parts.decoder;
    this.postProcessor = parts.postProcessor;
    this.added = parts.added;
    this.template = readTemplate(parts.postProcessor);
    const raw = new Map<string, number>(), flags = new Map<string, AddedTokenOptions>(), norm: string[] = [];
    for (const a of parts.added) {
      this.addedById.set(a.id, a);
      this.addedByContent.set(a.content, a);
      if (a.normalized && this.normalizer !== null && !a.special) { norm.push(a.content); continue; }
      raw.set(a.content, a.id);
      flags.set(a.content, { lstrip: a.lstrip, rstrip: a.rstrip, singleWord: a.singleWord });
    }
    this.specialTokens = new SpecialTokens(raw, flags);
    const sorted = norm.filter((t) => t.length > 0).sort((x, y) => y.length - x.length);
    this.normalizedAdded = sorted.length ? new RegExp(sorted.map((t) => t.replace(/[\\^$*+?.()|[\]{}]/g, "\\$&")).join("|"), "gu") : null;
    this.cutMark = this.model instanceof BPEModel && this.model.cutsBefore("\u2581") ? /(?<!\u2581)(?=\u2581)/gu : null;
  }

  /**
   * Trains a Unigram tokenizer the way SentencePiece does (EM with pruning, unigram-train.ts) and
   * wraps it as a T5-style pipeline: Metaspace (prepend "▁" to every word, split), Unigram,
   * Metaspace decoder; the special tokens (default ["<unk>"], the first is the unknown token) are
   * added tokens.
   */
  static trainUnigram(texts: readonly string[], options: UnigramTrainOptions): PipelineTokenizer {
    const pieces = trainUnigramPieces(texts, options);
    const specials = options.specialTokens ?? ["<unk>"];
    const meta = { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true };
    return loadPipeline({
      model: { type: "Unigram", unk_id: 0, vocab: pieces, byte_fallback: false },
      added_tokens: specials.map((content, id) => ({ id, content, special: true, normalized: false })),
      normalizer: null, pre_tokenizer: meta, post_processor: null, decoder: meta,
    });
  }

  /** Largest id + 1 over the model and the added tokens. */
  get vocabSize(): number {
    let n = this.model.vocabSize;
    for (const id of this.addedById.keys()) n = Math.max(n, id + 1);
    return n;
  }

  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.model.tokenToId(token);
  }

  idToToken(id: number): string | undefined {
    return this.addedById.get(id)?.content ?? this.model.idToToken(id);
  }

  encode(text: string, options?: SpecialOptions): number[] {
    return this.encodeWithOffsets(text, options).ids;
  }

  countTokens(text: string, options?: SpecialOptions): number {
    return this.encode(text, options).length;
  }

  /** Ids and, with returnOffsets, [start, end) UTF-16 offsets in the text as given (before normalization). */
  encodeWithOffsets(text: string, options?: SpecialOptions & { returnOffsets?: boolean }): { ids: number[]; offsets?: [number, number][] } {
    checkText("text", text);
    const toks: number[] = [];
    return this.specialTokens.encodeSegments(text, options, (start, end, ids, offsets) => {
      let ns = NormStr.of(text.slice(start, end), start);
      if (this.normalizer !== null) ns = this.normalizer.run(ns, start);
      for (const part of this.splitNormalizedAdded(ns)) {
        if (typeof part === "number") continue;
        if (part.id >= 0) { ids.push(part.id); offsets?.push(part.ns.span(0, part.ns.s.length)); continue; }
        const pieces = this.preTokenizer === null ? [part.ns] : this.preTokenizer.run(part.ns);
        for (const piece of pieces) {
          for (const sub of this.cut(piece)) {
            toks.length = 0;
            this.model.tokenize(sub.s, toks);
            for (let k = 0; k < toks.length; k += 3) {
              ids.push(toks[k]);
              offsets?.push(sub.span(toks[k + 1], toks[k + 2]));
            }
          }
        }
      }
    });
  }

  private splitNormalizedAdded(ns: NormStr): { id: number; ns: NormStr }[] {
    const re = this.normalizedAdded;
    if (re === null) return [{ id: -1, ns }];
    const out: { id: number; ns: NormStr }[] = [];
    let prev = 0;
    re.lastIndex = 0;
    for (let m = re.exec(ns.s); m !== null; m = re.exec(ns.s)) {
      if (m.index > prev) out.push({ id: -1, ns: ns.slice(prev, m.index) });
      out.push({ id: this.addedByContent.get(m[0])!.id, ns: ns.slice(m.index, m.index + m[0].length) });
      prev = m.index + m[0].length;
    }
    if (prev < ns.s.length || out.length === 0) out.push({ id: -1, ns: ns.slice(prev, ns.s.length) });
    return out;
  }

  private cut(piece: NormStr): NormStr[] {
    const re = this.cutMark;
    if (re === null) return [piece];
    const out: NormStr[] = [];
    let prev = 0;
    re.lastIndex = 0;
    for (let m = re.exec(piece.s); m !== null; m = re.exec(piece.s)) {
      if (m.index > prev) out.push(piece.slice(prev, m.index));
      prev = m.index;
      re.lastIndex = m.index + 1;
    }
    out.push(piece.slice(prev, piece.s.length));
    return out;
  }

  /** Text of ids through the decoder chain (tokens joined by spaces when the file has no decoder). */
  decode(ids: ArrayLike<number>, options?: { skipSpecialTokens?: boolean }): string {
    if (ids === null || typeof ids !== "object" || typeof ids.length !== "number") fail("E_TYPE", "ids", "an array of token ids", ids);
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const t = this.idToToken(ids[i]);
      if (t === undefined) fail("E_TOKEN", `ids[${i}]`, `a token id of this vocabulary (0 to ${this.vocabSize - 1})`, ids[i]);
      if (options?.skipSpecialTokens && this.addedById.get(ids[i])?.special) continue;
      tokens.push(t);
    }
    return this.decoder === null ? tokens.join(" ") : this.decoder.run(tokens).join("");
  }

  encodeBatch(inputs: TextInput[], options?: BatchOptions): BatchEncoding {
    return encodeBatch(this, inputs, options);
  }

  /** Nothing to free (the pipeline holds no WASM memory); present so any tokenizer can be disposed. */
  dispose(): void {}

  /** The tokenizer.json object (Hugging Face's layout). */
  toJSON(): object {
    return {
      version: "1.0", truncation: null,
      padding: this.padToken === null ? null : { strategy: "BatchLongest", direction: "Right", pad_to_multiple_of: null, pad_id: this.tokenToId(this.padToken), pad_type_id: 0, pad_token: this.padToken },
      added_tokens: this.added.map((a) => ({ id: a.id, content: a.content, single_word: !!a.singleWord, lstrip: !!a.lstrip, rstrip: !!a.rstrip, normalized: a.normalized, special: a.special })),
      normalizer: this.normalizer?.json ?? null,
      pre_tokenizer: this.preTokenizer?.json ?? null,
      post_processor: this.postProcessor,
      decoder: this.decoder?.json ?? null,
      model: this.model.toJSON(),
    };
  }
}

function readAddedTokens(json: Json): AddedToken[] {
  const list = json.added_tokens ?? [];
  need(Array.isArray(list), "added_tokens", "an array", list);
  const byContent = new Map<string, number>(), byId = new Map<number, string>();
  return (list as unknown[]).map((t, i) => {
    const at = `added_tokens[${i}]`;
    need(isObj(t) && typeof t.content === "string", at, "{ id, content }", t);
    need(isTokenId(t.id), `${at}.id`, `a token id, an integer in [0, ${MAX_TOKEN_ID}]`, t.id);
    const id = t.id as number, content = t.content as string;
    need((byContent.get(content) ?? id) === id, `${at}.id`, `the id the earlier added token ${JSON.stringify(content)} has (${byContent.get(content)})`, id);
    need((byId.get(id) ?? content) === content, `${at}.id`, `an id no other added token has (${JSON.stringify(byId.get(id))} has it)`, id);
    byContent.set(content, id);
    byId.set(id, content);
    const flag = (k: string, d: boolean) => {
      const v = t[k];
      need(v === undefined || v === null || typeof v === "boolean", `${at}.${k}`, "true or false", v);
      return (v as boolean | null | undefined) ?? d;
    };
    const special = flag("special", false);
    return { id, content, special, normalized: flag("normalized", !special), lstrip: flag("lstrip", false), rstrip: flag("rstrip", false), singleWord: flag("single_word", false) };
  });
}

function readUnigram(model: Json): UnigramModel {
  need(Array.isArray(model.vocab), "model.vocab", "an array of [piece, score]", model.vocab);
  const seen = new Set<string>();
  const pieces = (model.vocab as unknown[]).map((e, i) => {
    need(Array.isArray(e) && e.length === 2 && typeof e[0] === "string" && typeof e[1] === "number" && Number.isFinite(e[1]),
      `model.vocab[${i}]`, "[piece, finite score]", e);
    need(!seen.has(e[0]), `model.vocab[${i}]`, "a piece no earlier entry has", e[0]);
    seen.add(e[0]);
    return [e[0], e[1]] as const;
  });
  need(pieces.length - 1 <= MAX_TOKEN_ID, "model.vocab", `at most ${MAX_TOKEN_ID + 1} pieces`, pieces.length);
  const unk = model.unk_id ?? null;
  need(unk === null || (Number.isSafeInteger(unk) && (unk as number) >= 0 && (unk as number) < pieces.length), "model.unk_id",
    `null or an index into model.vocab (0 to ${pieces.length - 1})`, unk);
  const bf = model.byte_fallback ?? false;
  need(typeof bf === "boolean", "model.byte_fallback", "true or false", bf);
  return new UnigramModel(pieces, unk as number | null, bf as boolean);
}

function optString(model: Json, key: string): string | null {
  const v = model[key] ?? null;
  need(v === null || typeof v === "string", `model.${key}`, "a string or null", v);
  return v === "" && key !== "unk_token" ? null : (v as string | null);
}

function readBPEModel(model: Json): BPEModel {
  const vocab = readVocab(model);
  need(Array.isArray(model.merges), "model.merges", "an array", model.merges);
  const merges = (model.merges as unknown[]).map((m, r) => {
    const pair = typeof m === "string" ? m.split(" ") : m;
    need(Array.isArray(pair) && pair.length === 2 && typeof pair[0] === "string" && typeof pair[1] === "string" && pair[0] !== "" && pair[1] !== "",
      `model.merges[${r}]`, '"left right" or ["left", "right"] (two non-empty tokens)', m);
    return [pair[0], pair[1]] as [string, string];
  });
  const flag = (k: string) => {
    const v = model[k] ?? false;
    need(typeof v === "boolean", `model.${k}`, "true or false", v);
    return v as boolean;
  };
  const dropout = model.dropout ?? null;
  need(dropout === null || (typeof dropout === "number" && dropout >= 0 && dropout <= 1), "model.dropout", "null or a probability in [0, 1]", dropout);
  return new BPEModel({
    vocab, merges, unkToken: optString(model, "unk_token"), continuingSubwordPrefix: optString(model, "continuing_subword_prefix"),
    endOfWordSuffix: optString(model, "end_of_word_suffix"), fuseUnk: flag("fuse_unk"), byteFallback: flag("byte_fallback"),
    ignoreMerges: flag("ignore_merges"), dropout: dropout === 0 ? null : (dropout as number | null),
  });
}

/** Loads a parsed tokenizer.json into a PipelineTokenizer (loadTokenizerJson decides when). */
export function loadPipeline(json: Json): PipelineTokenizer {
  const m = json.model;
  need(isObj(m), "model", "an object with a type", m);
  need(m.type === "Unigram" || m.type === "BPE" || m.type === "WordLevel", "model.type", '"BPE", "Unigram", "WordLevel" or "WordPiece"', m.type);
  let model: TokenModel;
  if (m.type === "Unigram") model = readUnigram(m);
  else if (m.type === "BPE") model = readBPEModel(m);
  else {
    const unk = m.unk_token ?? "<unk>";
    need(typeof unk === "string", "model.unk_token", "a string", unk);
    model = new WordLevelModel(readVocab(m), unk);
  }
  const added = readAddedTokens(json);
  for (const a of added) {
    const v = model.idToToken(a.id);
    need(v === undefined || v === a.content, `added_tokens (${JSON.stringify(a.content)}).id`,
      `an id model.vocab does not give another token (${JSON.stringify(v)} has it)`, a.id);
  }
  const post = json.post_processor ?? null;
  need(post === null || isObj(post), "post_processor", "an object or null", post);
  const tok = new PipelineTokenizer({
    model, added, normalizer: readNormalizer(json.normalizer), preTokenizer: readPreTokenizer(json.pre_tokenizer),
    decoder: readDecoder(json.decoder), postProcessor: post as Json | null,
  });
  for (const it of tok.template ? [...tok.template.single, ...tok.template.pair] : []) {
    if ("special" in it) need(tok.tokenToId(it.special) !== undefined, "post_processor", "special tokens present in the vocabulary", it.special);
  }
  if (isObj(json.padding) && json.padding.pad_token !== undefined) {
    const p = json.padding.pad_token;
    need(typeof p === "string" && tok.tokenToId(p) !== undefined, "padding.pad_token", "a token of the vocabulary", p);
    tok.padToken = p as string;
  }
  return tok;
}
