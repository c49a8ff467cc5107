// Hugging Face `tokenizer.json`: load BPE (byte-level or character-level) and WordPiece models with
// the normalizers, pre-tokenizers, post-processors and decoders they commonly use. Anything we
// cannot reproduce exactly, and anything malformed (wrong types, ids that are not int32, added
// tokens that collide, nesting past MAX_DEPTH), is an E_FORMAT error naming the field, never a
// silent approximation. Saving is in tokenizer-json-save.ts.

import { fail, TesseraError } from "../errors.js";
import { BPETokenizer } from "./bpe-tokenizer.js";
import { byteLevelToBytes, utf8Encode } from "./byte-level.js";
import type { Template, TemplateItem } from "./batch.js";
import { PATTERNS, patternRule, type NormalizeOptions, type PatternSpec, type PreTokenizerStep } from "./pre-tokenizers.js";
import { SPLIT_BEHAVIORS, type SplitBehavior } from "./split.js";
import type { AddedTokenOptions } from "./special-tokens.js";
import { isTokenId, MAX_TOKEN_ID } from "./vocab.js";
import { WordPieceTokenizer, type BertNormalizerOptions } from "./wordpiece.js";

type Json = Record<string, unknown>;

/** Sequences (of normalizers, pre-tokenizers, post-processors) nested deeper than this are refused. */
const MAX_DEPTH = 64;

const isObj = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

function need(cond: unknown, arg: string, expected: string, received: unknown): asserts cond {
  if (!cond) fail("E_FORMAT", `tokenizer.json ${arg}`, expected, received);
}

function optionalBool(obj: Json, key: string, arg: string, dflt: boolean): boolean {
  const v = obj[key];
  if (v === undefined || v === null) return dflt;
  need(typeof v === "boolean", `${arg}.${key}`, "true or false", v);
  return v as boolean;
}

function checkDepth(depth: number, arg: string): void {
  if (depth > MAX_DEPTH) throw new TesseraError("E_FORMAT", `tokenizer.json ${arg}: expected Sequences nested at most ${MAX_DEPTH} deep, received deeper nesting`);
}

function readVocab(model: Json): Map<string, number> {
  need(isObj(model.vocab), "model.vocab", "an object of token → id", model.vocab);
  const vocab = new Map<string, number>();
  const seen = new Set<number>();
  for (const [tok, id] of Object.entries(model.vocab as Json)) {
    need(isTokenId(id), `model.vocab[${JSON.stringify(tok)}]`, `a token id, an integer in [0, ${MAX_TOKEN_ID}] (ids are int32 in the kernels)`, id);
    need(!seen.has(id as number), `model.vocab[${JSON.stringify(tok)}]`, "an id no other token has", id);
    seen.add(id as number);
    vocab.set(tok, id as number);
  }
  return vocab;
}

interface Added { ids: Map<string, number>; flags: Map<string, AddedTokenOptions> }

/**
 * added_tokens as content → id and their flags. An id is either new or the id model.vocab gives the
 * same content. Tokens are matched in the text before normalization (normalized: false); one that
 * asks to be matched after a normalizer that could change the text is refused.
 */
function readAdded(json: Json, vocab: Map<string, number>): Added {
  const ids = new Map<string, number>();
  const flags = new Map<string, AddedTokenOptions>();
  const byId = new Map<number, string>();
  const vocabById = new Map<number, string>();
  for (const [t, id] of vocab) vocabById.set(id, t);
  const added = json.added_tokens ?? [];
  need(Array.isArray(added), "added_tokens", "an array", added);
  (added as unknown[]).forEach((t, i) => {
    const arg = `added_tokens[${i}]`;
    need(isObj(t) && typeof t.content === "string", arg, "{ id, content }", t);
    const { id, content } = t as { id: unknown; content: string };
    need(isTokenId(id), `${arg}.id`, `a token id, an integer in [0, ${MAX_TOKEN_ID}]`, id);
    const prevId = ids.get(content), prevContent = byId.get(id as number), inVocab = vocabById.get(id as number);
    need(prevId === undefined || prevId === id, `${arg}.id`, `the id an earlier added token with the same content has (${prevId})`, id);
    need(prevContent === undefined || prevContent === content, `${arg}.id`, `an id no other added token has (${JSON.stringify(prevContent)} has it)`, id);
    need(inVocab === undefined || inVocab === content, `${arg}.id`, `an id model.vocab does not give another token (${JSON.stringify(inVocab)} has it)`, id);
    const normalized = optionalBool(t as Json, "normalized", arg, false);
    need(!normalized || json.normalizer === null || json.normalizer === undefined, `${arg}.normalized`,
      "false when there is a normalizer (tokens are matched before normalization)", true);
    optionalBool(t as Json, "special", arg, true);
    flags.set(content, {
      lstrip: optionalBool(t as Json, "lstrip", arg, false),
      rstrip: optionalBool(t as Json, "rstrip", arg, false),
      singleWord: optionalBool(t as Json, "single_word", arg, false),
    });
    ids.set(content, id as number);
    byId.set(id as number, content);
  });
  return { ids, flags };
}

function readNormalizer(n: unknown, depth = 0): NormalizeOptions {
  checkDepth(depth, "normalizer");
  if (n === null || n === undefined) return {};
  need(isObj(n), "normalizer", "an object or null", n);
  if (n.type === "NFC") return { nfc: true };
  if (n.type === "Lowercase") return { lowercase: true };
  if (n.type === "Sequence") {
    need(Array.isArray(n.normalizers), "normalizer.normalizers", "an array", n.normalizers);
    const parts = (n.normalizers as unknown[]).map((x) => readNormalizer(x, depth + 1));
    // NFC and lowercasing commute with each other, so the order inside a Sequence does not matter.
    return parts.reduce<NormalizeOptions>((acc, x) => ({ ...acc, ...x }), {});
  }
  fail("E_FORMAT", "tokenizer.json normalizer.type", "NFC, Lowercase or a Sequence of them for BPE", n.type);
}

interface PreTok { steps: PreTokenizerStep[]; byteLevel: boolean; addPrefixSpace: boolean }

function compileSplit(p: Json): PreTokenizerStep {
  const pat = p.pattern;
  need(isObj(pat) && Object.keys(pat).length === 1 && (typeof pat.Regex === "string" || typeof pat.String === "string"),
    "pre_tokenizer (Split).pattern", '{ "Regex": string } or { "String": string }', pat);
  need(SPLIT_BEHAVIORS.includes(p.behavior as SplitBehavior), "pre_tokenizer (Split).behavior", SPLIT_BEHAVIORS.join(", "), p.behavior);
  const invert = optionalBool(p, "invert", "pre_tokenizer (Split)", false);
  const behavior = p.behavior as SplitBehavior;
  const literal = (pat as Json).String as string | undefined;
  if (literal !== undefined) {
    // Hugging Face: an empty String pattern matches nothing.
    const re = literal === "" ? null : new RegExp(literal.replace(/[\\^$*+?.()|[\]{}]/g, "\\$&"), "gu");
    return { kind: "split", rule: { re, behavior, invert, pattern: { String: literal } } };
  }
  const source = (pat as Json).Regex as string;
  let re: RegExp;
  try {
    re = new RegExp(source, "gu");
  } catch {
    fail("E_FORMAT", "tokenizer.json pre_tokenizer (Split).pattern.Regex", "a regular expression JavaScript compiles (with the u flag)", source);
  }
  return { kind: "split", rule: { re, behavior, invert, pattern: { Regex: source } } };
}

function readPreTokenizer(p: unknown, depth = 0): PreTok {
  checkDepth(depth, "pre_tokenizer");
  if (p === null || p === undefined) return { steps: [], byteLevel: false, addPrefixSpace: false };
  need(isObj(p), "pre_tokenizer", "an object or null", p);
  switch (p.type) {
    case "ByteLevel": {
      const prefix = optionalBool(p, "add_prefix_space", "pre_tokenizer (ByteLevel)", false);
      const steps: PreTokenizerStep[] = prefix ? [{ kind: "prefixSpace" }] : [];
      if (optionalBool(p, "use_regex", "pre_tokenizer (ByteLevel)", true)) {
        steps.push({ kind: "split", rule: { ...patternRule(new RegExp(PATTERNS.gpt2, "gu")), behavior: "Isolated", invert: false } });
      }
      return { steps, byteLevel: true, addPrefixSpace: prefix };
    }
    case "Whitespace":
      return { steps: [{ kind: "split", rule: patternRule(new RegExp(PATTERNS.whitespace, "gu")) }], byteLevel: false, addPrefixSpace: false };
    case "Split":
      return { steps: [compileSplit(p)], byteLevel: false, addPrefixSpace: false };
    case "Sequence": {
      need(Array.isArray(p.pretokenizers), "pre_tokenizer.pretokenizers", "an array", p.pretokenizers);
      const out: PreTok = { steps: [], byteLevel: false, addPrefixSpace: false };
      for (const x of p.pretokenizers as unknown[]) {
        // After ByteLevel, Hugging Face's later steps would see byte-level characters ("Ġ" for a space).
        need(!out.byteLevel, "pre_tokenizer (Sequence)", "ByteLevel as its last step", p);
        const part = readPreTokenizer(x, depth + 1);
        out.steps.push(...part.steps);
        out.byteLevel ||= part.byteLevel;
        out.addPrefixSpace ||= part.addPrefixSpace;
      }
      return out;
    }
  }
  fail("E_FORMAT", "tokenizer.json pre_tokenizer.type", "ByteLevel, Whitespace, Split or Sequence", p.type);
}

function readTypeId(v: unknown, arg: string): number {
  if (v === undefined || v === null) return 0;
  need(typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff, arg, "a non-negative integer type id", v);
  return v as number;
}

/** The post-processor's template, or null when it adds no tokens (ByteLevel, none). */
function readTemplate(p: unknown, depth = 0): Template | null {
  checkDepth(depth, "post_processor");
  if (p === null || p === undefined) return null;
  need(isObj(p), "post_processor", "an object or null", p);
  const items = (arr: unknown, arg: string): TemplateItem[] => {
    need(Array.isArray(arr), `post_processor.${arg}`, "an array", arr);
    return (arr as unknown[]).map((it, i) => {
      const at = `post_processor.${arg}[${i}]`;
      if (isObj(it) && isObj(it.SpecialToken)) {
        need(typeof it.SpecialToken.id === "string", `${at}.SpecialToken.id`, "a token string", it.SpecialToken.id);
        return { special: it.SpecialToken.id as string, typeId: readTypeId(it.SpecialToken.type_id, `${at}.SpecialToken.type_id`) };
      }
      if (isObj(it) && isObj(it.Sequence)) {
        need(it.Sequence.id === "A" || it.Sequence.id === "B", `${at}.Sequence.id`, '"A" or "B"', it.Sequence.id);
        return { sequence: it.Sequence.id as "A" | "B", typeId: readTypeId(it.Sequence.type_id, `${at}.Sequence.type_id`) };
      }
      fail("E_FORMAT", `tokenizer.json ${at}`, "SpecialToken or Sequence items", it);
    });
  };
  const pairOf = (v: unknown, arg: string): string => {
    need(Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && isTokenId(v[1]), `post_processor.${arg}`, '["token", id]', v);
    return (v as [string, number])[0];
  };
  switch (p.type) {
    case "ByteLevel":
      return null; // offsets only
    case "TemplateProcessing":
      return { single: items(p.single, "single"), pair: items(p.pair, "pair") };
    case "BertProcessing": {
      const cls = { special: pairOf(p.cls, "cls"), typeId: 0 }, sep = { special: pairOf(p.sep, "sep"), typeId: 0 };
      const a = { sequence: "A" as const, typeId: 0 }, b = { sequence: "B" as const, typeId: 1 };
      return { single: [cls, a, sep], pair: [cls, a, sep, b, { ...sep, typeId: 1 }] };
    }
    case "RobertaProcessing": {
      const cls = { special: pairOf(p.cls, "cls"), typeId: 0 }, sep = { special: pairOf(p.sep, "sep"), typeId: 0 };
      const a = { sequence: "A" as const, typeId: 0 }, b = { sequence: "B" as const, typeId: 0 };
      return { single: [cls, a, sep], pair: [cls, a, sep, sep, b, sep] };
    }
    case "Sequence": {
      need(Array.isArray(p.processors), "post_processor.processors", "an array", p.processors);
      const found = (p.processors as unknown[]).map((x) => readTemplate(x, depth + 1)).filter((t) => t !== null);
      need(found.length <= 1, "post_processor (Sequence)", "at most one processor that adds tokens", p);
      return found[0] ?? null;
    }
  }
  fail("E_FORMAT", "tokenizer.json post_processor.type", "TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel or a Sequence of them", p.type);
}

function readBertNormalizer(n: unknown): BertNormalizerOptions | null {
  if (n === null || n === undefined) return null;
  need(isObj(n) && n.type === "BertNormalizer", "normalizer.type", "BertNormalizer or null for WordPiece", isObj(n) ? n.type : n);
  const strip = n.strip_accents;
  need(strip === undefined || strip === null || typeof strip === "boolean", "normalizer.strip_accents", "true, false or null", strip);
  return {
    cleanText: optionalBool(n, "clean_text", "normalizer", true),
    handleChineseChars: optionalBool(n, "handle_chinese_chars", "normalizer", true),
    lowercase: optionalBool(n, "lowercase", "normalizer", true),
    stripAccents: (strip as boolean | null | undefined) ?? null,
  };
}

function checkTokens(tok: BPETokenizer | WordPieceTokenizer, template: Template | null, padToken: string | null): void {
  for (const it of template ? [...template.single, ...template.pair] : []) {
    if ("special" in it) need(tok.tokenToId(it.special) !== undefined, "post_processor", "special tokens present in the vocabulary", it.special);
  }
  if (padToken !== null) need(tok.tokenToId(padToken) !== undefined, "padding.pad_token", "a token of the vocabulary", padToken);
}

function loadWordPiece(json: Json, model: Json, added: Added, vocab: Map<string, number>): WordPieceTokenizer {
  const pre = json.pre_tokenizer;
  need(isObj(pre) && pre.type === "BertPreTokenizer", "pre_tokenizer.type", "BertPreTokenizer for WordPiece", isObj(pre) ? pre.type : pre);
  const unk = model.unk_token ?? "[UNK]";
  need(typeof unk === "string" && vocab.has(unk), "model.unk_token", "a token of model.vocab", unk);
  const prefix = model.continuing_subword_prefix ?? "##";
  need(typeof prefix === "string", "model.continuing_subword_prefix", "a string", prefix);
  const maxChars = model.max_input_chars_per_word ?? 100;
  need(typeof maxChars === "number" && Number.isSafeInteger(maxChars) && maxChars >= 0, "model.max_input_chars_per_word", "a non-negative integer", maxChars);
  return new WordPieceTokenizer({
    vocab, unkToken: unk as string, continuingSubwordPrefix: prefix as string, maxInputCharsPerWord: maxChars as number,
    normalizer: readBertNormalizer(json.normalizer), specialTokens: added.ids, addedTokenOptions: added.flags,
  });
}

function loadBPE(json: Json, model: Json, added: Added, vocab: Map<string, number>): BPETokenizer {
  need(model.dropout === undefined || model.dropout === null || model.dropout === 0, "model.dropout", "null (BPE dropout is not reproduced)", model.dropout);
  for (const key of ["continuing_subword_prefix", "end_of_word_suffix"]) {
    need(model[key] === undefined || model[key] === null || model[key] === "", `model.${key}`, "null or an empty string", model[key]);
  }
  need(model.byte_fallback !== true, "model.byte_fallback", "false (byte fallback is not reproduced)", model.byte_fallback);
  const unk = model.unk_token ?? null;
  need(unk === null || typeof unk === "string", "model.unk_token", "a token string or null", unk);
  need(unk === null || model.fuse_unk !== true, "model.fuse_unk", "false (fusing unknown tokens is not reproduced)", model.fuse_unk);
  const ignoreMerges = optionalBool(model, "ignore_merges", "model", false);
  const pre = readPreTokenizer(json.pre_tokenizer);
  const byteLevel = pre.byteLevel || (isObj(json.decoder) && json.decoder.type === "ByteLevel");
  const tokens = new Map<number, Uint8Array>();
  for (const [t, id] of vocab) {
    if (added.ids.get(t) === id) { tokens.set(id, utf8Encode(t)); continue; }
    const b = byteLevel ? byteLevelToBytes(t) : utf8Encode(t);
    need(b !== undefined, `model.vocab[${JSON.stringify(t)}]`, "a token in GPT-2's byte-level alphabet", t);
    tokens.set(id, b);
  }
  need(Array.isArray(model.merges), "model.merges", "an array", model.merges);
  const list = model.merges as unknown[];
  const merges = new Int32Array(list.length * 3);
  list.forEach((m, r) => {
    // Hugging Face splits a string merge on its spaces and needs exactly two parts.
    const pair = typeof m === "string" ? m.split(" ") : m;
    need(Array.isArray(pair) && pair.length === 2 && typeof pair[0] === "string" && typeof pair[1] === "string",
      `model.merges[${r}]`, '"left right" or ["left", "right"]', m);
    const [a, b] = pair as string[];
    const l = vocab.get(a), rr = vocab.get(b), mg = vocab.get(a + b);
    need(l !== undefined && rr !== undefined && mg !== undefined, `model.merges[${r}]`, "tokens whose parts and concatenation are in model.vocab", m);
    merges[3 * r] = l!;
    merges[3 * r + 1] = rr!;
    merges[3 * r + 2] = mg!;
  });
  const source = pre.steps.length === 1 && pre.steps[0].kind === "split" ? pre.steps[0].rule.re?.source ?? null : null;
  return new BPETokenizer({
    tokens, merges, byteLevel, pattern: source as PatternSpec, preTokenizer: pre.steps, specialTokens: added.ids, addedTokenOptions: added.flags,
    defaultAllowedSpecial: "all", ignoreMerges, unkToken: (unk as string | null) ?? undefined,
    addPrefixSpace: pre.addPrefixSpace, normalize: readNormalizer(json.normalizer),
  });
}

/** Loads a Hugging Face tokenizer.json (text or parsed object). */
export function loadTokenizerJson(input: string | object): BPETokenizer | WordPieceTokenizer {
  let json: unknown = input;
  if (typeof input === "string") {
    try {
      json = JSON.parse(input);
    } catch {
      fail("E_FORMAT", "tokenizer.json", "valid JSON", input);
    }
  }
  if (!isObj(json)) fail("E_FORMAT", "tokenizer.json", "a JSON object", json);
  const model = json.model;
  need(isObj(model), "model", "an object with a type", model);
  const template = readTemplate(json.post_processor);
  let padToken: string | null = null;
  if (isObj(json.padding) && json.padding.pad_token !== undefined) {
    need(typeof json.padding.pad_token === "string", "padding.pad_token", "a token string", json.padding.pad_token);
    padToken = json.padding.pad_token as string;
  }
  const wordPiece = model.type === "WordPiece" || (model.type === undefined && model.continuing_subword_prefix !== undefined && !("merges" in model));
  need(wordPiece || model.type === "BPE" || model.type === undefined, "model.type", '"BPE" or "WordPiece"', model.type);
  const vocab = readVocab(model);
  const added = readAdded(json, vocab);
  const tok = wordPiece ? loadWordPiece(json, model, added, vocab) : loadBPE(json, model, added, vocab);
  try {
    if (wordPiece && padToken === null && vocab.has("[PAD]")) padToken = "[PAD]";
    checkTokens(tok, template, padToken);
  } catch (e) {
    tok.dispose();
    throw e;
  }
  tok.template = template;
  tok.padToken = padToken;
  return tok;
}
