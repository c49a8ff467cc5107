// Hugging Face `tokenizer.json`: load BPE (byte-level or character-level) and WordPiece models with
// the normalizers, pre-tokenizers, post-processors and decoders they commonly use, and save our BPE
// tokenizers in the same format (Hugging Face tokenizers / tokenizers.js load them back with equal
// output). Anything we cannot reproduce exactly is an E_FORMAT error, never a silent approximation.

import { fail, TesseraError } from "../errors.js";
import { BPETokenizer } from "./bpe-tokenizer.js";
import { byteLevelToBytes, bytesToByteLevel, utf8Encode } from "./byte-level.js";
import { parseTemplate, type Template, type TemplateItem } from "./batch.js";
import { PATTERNS, type NormalizeOptions, type PatternSpec } from "./pre-tokenizers.js";
import { WordPieceTokenizer, type BertNormalizerOptions } from "./wordpiece.js";

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

function need<T>(cond: unknown, arg: string, expected: string, received: unknown): asserts cond {
  if (!cond) fail("E_FORMAT", `tokenizer.json ${arg}`, expected, received);
}

function readVocab(model: Json): Map<string, number> {
  need(isObj(model.vocab), "model.vocab", "an object of token → id", model.vocab);
  const vocab = new Map<string, number>();
  const seen = new Set<number>();
  for (const [tok, id] of Object.entries(model.vocab as Json)) {
    need(Number.isInteger(id) && (id as number) >= 0, `model.vocab[${JSON.stringify(tok)}]`, "a non-negative integer id", id);
    need(!seen.has(id as number), `model.vocab[${JSON.stringify(tok)}]`, "an id no other token has", id);
    seen.add(id as number);
    vocab.set(tok, id as number);
  }
  return vocab;
}

function readAdded(json: Json): Map<string, number> {
  const out = new Map<string, number>();
  const added = json.added_tokens ?? [];
  need(Array.isArray(added), "added_tokens", "an array", added);
  (added as unknown[]).forEach((t, i) => {
    need(isObj(t) && typeof t.content === "string" && Number.isInteger(t.id), `added_tokens[${i}]`, "{ id, content }", t);
    out.set((t as Json).content as string, (t as Json).id as number);
  });
  return out;
}

function readNormalizer(n: unknown): NormalizeOptions {
  if (n === null || n === undefined) return {};
  need(isObj(n), "normalizer", "an object or null", n);
  if (n.type === "NFC") return { nfc: true };
  if (n.type === "Lowercase") return { lowercase: true };
  if (n.type === "Sequence" && Array.isArray(n.normalizers)) {
    return (n.normalizers as unknown[]).reduce<NormalizeOptions>((acc, x) => ({ ...acc, ...readNormalizer(x) }), {});
  }
  fail("E_FORMAT", "tokenizer.json normalizer.type", "NFC, Lowercase or a Sequence of them for BPE", n.type);
}

interface PreTok { byteLevel: boolean; pattern: PatternSpec; addPrefixSpace: boolean }

function readPreTokenizer(p: unknown): PreTok {
  if (p === null || p === undefined) return { byteLevel: false, pattern: null, addPrefixSpace: false };
  need(isObj(p), "pre_tokenizer", "an object or null", p);
  switch (p.type) {
    case "ByteLevel":
      return { byteLevel: true, pattern: p.use_regex === false ? null : "gpt2", addPrefixSpace: p.add_prefix_space === true };
    case "Whitespace":
      return { byteLevel: false, pattern: "whitespace", addPrefixSpace: false };
    case "Split": {
      const pat = isObj(p.pattern) ? p.pattern.Regex ?? p.pattern.String : undefined;
      need(typeof pat === "string" && (p.behavior === "Isolated" || p.behavior === undefined) && !p.invert, "pre_tokenizer (Split)",
        "a Regex pattern with behavior Isolated", p);
      return { byteLevel: false, pattern: isObj(p.pattern) && p.pattern.String !== undefined ? (pat as string).replace(/[\\^$*+?.()|[\]{}]/g, "\\$&") : pat as string, addPrefixSpace: false };
    }
    case "Sequence": {
      need(Array.isArray(p.pretokenizers), "pre_tokenizer.pretokenizers", "an array", p.pretokenizers);
      const parts = (p.pretokenizers as unknown[]).map(readPreTokenizer);
      const split = parts.filter((x) => x.pattern !== null);
      need(split.length <= 1, "pre_tokenizer (Sequence)", "at most one splitting step", p);
      return { byteLevel: parts.some((x) => x.byteLevel), pattern: split[0]?.pattern ?? null, addPrefixSpace: parts.some((x) => x.addPrefixSpace) };
    }
  }
  fail("E_FORMAT", "tokenizer.json pre_tokenizer.type", "ByteLevel, Whitespace, Split or Sequence", p.type);
}

function readTemplate(p: unknown): Template | null {
  if (!isObj(p)) return null;
  const items = (arr: unknown, arg: string): TemplateItem[] => {
    need(Array.isArray(arr), `post_processor.${arg}`, "an array", arr);
    return (arr as Json[]).map((it) => {
      if (isObj(it) && isObj(it.SpecialToken)) return { special: String(it.SpecialToken.id), typeId: Number(it.SpecialToken.type_id ?? 0) };
      if (isObj(it) && isObj(it.Sequence)) return { sequence: it.Sequence.id === "B" ? "B" : "A", typeId: Number(it.Sequence.type_id ?? 0) };
      fail("E_FORMAT", `tokenizer.json post_processor.${arg}`, "SpecialToken or Sequence items", it);
    });
  };
  if (p.type === "TemplateProcessing") return { single: items(p.single, "single"), pair: items(p.pair, "pair") };
  if (p.type === "BertProcessing" && Array.isArray(p.cls) && Array.isArray(p.sep)) {
    return parseTemplate(`${p.cls[0]} $A ${p.sep[0]}`, `${p.cls[0]} $A ${p.sep[0]} $B:1 ${p.sep[0]}:1`);
  }
  if (p.type === "RobertaProcessing" && Array.isArray(p.cls) && Array.isArray(p.sep)) {
    return parseTemplate(`${p.cls[0]} $A ${p.sep[0]}`, `${p.cls[0]} $A ${p.sep[0]} ${p.sep[0]} $B:0 ${p.sep[0]}`);
  }
  return null;
}

/** Loads a Hugging Face tokenizer.json (text or parsed object). */
export function loadTokenizerJson(input: string | object): BPETokenizer | WordPieceTokenizer {
  let json: unknown = input;
  if (typeof input === "string") {
    try {
      json = JSON.parse(input);
    } catch (e) {
      fail("E_FORMAT", "tokenizer.json", "valid JSON", input);
    }
  }
  if (!isObj(json)) fail("E_FORMAT", "tokenizer.json", "a JSON object", json);
  const model = json.model;
  need(isObj(model), "model", "an object with a type", model);
  const added = readAdded(json);
  const template = readTemplate(json.post_processor);
  const padToken = isObj(json.padding) && typeof json.padding.pad_token === "string" ? json.padding.pad_token : null;
  if (model.type === "WordPiece" || (model.type === undefined && model.continuing_subword_prefix !== undefined && !("merges" in model))) {
    const vocab = readVocab(model);
    const n = json.normalizer;
    let normalizer: BertNormalizerOptions | null = null;
    if (isObj(n) && n.type === "BertNormalizer") {
      normalizer = { cleanText: n.clean_text !== false, handleChineseChars: n.handle_chinese_chars !== false, lowercase: n.lowercase !== false, stripAccents: (n.strip_accents as boolean | null) ?? null };
    } else if (n !== null && n !== undefined) fail("E_FORMAT", "tokenizer.json normalizer.type", "BertNormalizer or null for WordPiece", isObj(n) ? n.type : n);
    const unk = model.unk_token ?? "[UNK]";
    need(typeof unk === "string" && vocab.has(unk), "model.unk_token", "a token of model.vocab", unk);
    const tok = new WordPieceTokenizer({
      vocab, unkToken: unk as string, continuingSubwordPrefix: (model.continuing_subword_prefix as string) ?? "##",
      maxInputCharsPerWord: (model.max_input_chars_per_word as number) ?? 100, normalizer, specialTokens: added,
    });
    tok.template = template;
    tok.padToken = padToken ?? (vocab.has("[PAD]") ? "[PAD]" : null);
    return tok;
  }
  need(model.type === "BPE" || model.type === undefined, "model.type", '"BPE" or "WordPiece"', model.type);
  const vocab = readVocab(model);
  const pre = readPreTokenizer(json.pre_tokenizer);
  const byteLevel = pre.byteLevel || (isObj(json.decoder) && json.decoder.type === "ByteLevel");
  const tokens: (Uint8Array | undefined)[] = [];
  const special = new Set(added.values());
  for (const [t, id] of vocab) {
    if (special.has(id) && added.get(t) === id) { tokens[id] = utf8Encode(t); continue; }
    const b = byteLevel ? byteLevelToBytes(t) : utf8Encode(t);
    need(b !== undefined, `model.vocab[${JSON.stringify(t)}]`, "a token in GPT-2's byte-level alphabet", t);
    tokens[id] = b;
  }
  need(Array.isArray(model.merges), "model.merges", "an array", model.merges);
  const merges = new Int32Array((model.merges as unknown[]).length * 3);
  (model.merges as unknown[]).forEach((m, r) => {
    let pair: unknown[] | undefined;
    if (typeof m === "string") {
      const sp = m.indexOf(" ", 1);
      pair = sp > 0 ? [m.slice(0, sp), m.slice(sp + 1)] : undefined;
    } else if (Array.isArray(m) && m.length === 2) pair = m;
    need(pair !== undefined, `model.merges[${r}]`, '"left right" or ["left", "right"]', m);
    const [a, b] = pair as string[];
    const l = vocab.get(a), rr = vocab.get(b), mg = vocab.get(a + b);
    need(l !== undefined && rr !== undefined && mg !== undefined, `model.merges[${r}]`, "tokens whose parts and concatenation are in model.vocab", m);
    merges[3 * r] = l!;
    merges[3 * r + 1] = rr!;
    merges[3 * r + 2] = mg!;
  });
  const tok = new BPETokenizer({
    tokens, merges, byteLevel, pattern: pre.pattern, specialTokens: added, defaultAllowedSpecial: "all",
    ignoreMerges: model.ignore_merges === true, unkToken: (model.unk_token as string | null) ?? undefined,
    addPrefixSpace: pre.addPrefixSpace, normalize: readNormalizer(json.normalizer),
  });
  tok.template = template;
  tok.padToken = padToken;
  return tok;
}

/** A tokenizer.json object for a BPE tokenizer we trained or loaded (not for tiktoken ranks). */
export function toTokenizerJson(tok: BPETokenizer): object {
  if (tok.tiktokenRanks) {
    throw new TesseraError("E_STATE", "tokenizer: expected a BPE tokenizer with merges (trained or loaded from tokenizer.json), received one built from tiktoken ranks (save it with serializeTiktokenRanks)");
  }
  const vocab: Record<string, number> = {};
  const list = tok.tokenList();
  for (let id = 0; id < list.length; id++) {
    if (list[id] === undefined || tok.specialTokens.byId.has(id)) continue;
    vocab[tok.idToToken(id)!] = id;
  }
  for (const [t, id] of tok.specialTokens.map) vocab[t] = id;
  const src = typeof tok.pattern === "string" ? ((PATTERNS as Record<string, string>)[tok.pattern] ?? tok.pattern) : tok.pattern instanceof RegExp ? tok.pattern.source : null;
  const split = src === null ? null : { type: "Split", pattern: { Regex: src }, behavior: "Isolated", invert: false };
  let pre: object | null;
  if (tok.byteLevel) {
    pre = src === PATTERNS.gpt2 ? { type: "ByteLevel", add_prefix_space: tok.addPrefixSpace, trim_offsets: true, use_regex: true }
      : { type: "Sequence", pretokenizers: [...(split ? [split] : []), { type: "ByteLevel", add_prefix_space: tok.addPrefixSpace, trim_offsets: true, use_regex: false }] };
  } else {
    pre = src === PATTERNS.whitespace ? { type: "Whitespace" } : split;
  }
  const norm = tok.normalizeOptions;
  const normalizers = [...(norm.nfc ? [{ type: "NFC" }] : []), ...(norm.lowercase ? [{ type: "Lowercase" }] : [])];
  const tplItems = (items: TemplateItem[]) => items.map((it) => ("special" in it
    ? { SpecialToken: { id: it.special, type_id: it.typeId } } : { Sequence: { id: it.sequence, type_id: it.typeId } }));
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [...tok.specialTokens.map].map(([content, id]) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: normalizers.length === 0 ? null : normalizers.length === 1 ? normalizers[0] : { type: "Sequence", normalizers },
    pre_tokenizer: pre,
    post_processor: tok.template ? {
      type: "TemplateProcessing", single: tplItems(tok.template.single), pair: tplItems(tok.template.pair),
      special_tokens: Object.fromEntries([...new Set([...tok.template.single, ...tok.template.pair].flatMap((i) => ("special" in i ? [i.special] : [])))]
        .map((s) => [s, { id: s, ids: [tok.tokenToId(s)], tokens: [s] }])),
    } : tok.byteLevel ? { type: "ByteLevel", add_prefix_space: tok.addPrefixSpace, trim_offsets: false, use_regex: true } : null,
    decoder: tok.byteLevel ? { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true } : { type: "Fuse" },
    model: {
      type: "BPE", dropout: null, unk_token: tok.unkToken ?? null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: tok.ignoreMerges, vocab, merges: tok.getMerges(),
    },
  };
}

export function saveTokenizerJson(tok: BPETokenizer): string {
  return JSON.stringify(toTokenizerJson(tok), null, 2);
}

export { bytesToByteLevel };
