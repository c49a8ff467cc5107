// Saves our BPE tokenizers as Hugging Face `tokenizer.json` (Hugging Face tokenizers and
// tokenizers.js load them back with equal output). A tokenizer Hugging Face could not reproduce
// (tiktoken ranks, a prefix space before a split other than ByteLevel's own) is an E_STATE error.

import { TesseraError } from "../errors.js";
import type { BPETokenizer } from "./bpe-tokenizer.js";
import { PipelineTokenizer } from "./pipeline.js";
import { WordPieceTokenizer } from "./wordpiece.js";
import { wordPieceToJson } from "./wordpiece-json.js";
import type { TemplateItem } from "./batch.js";
import { matchesOnly, PATTERNS, type PreTokenizerStep } from "./pre-tokenizers.js";
import type { SplitRule } from "./split.js";

function cannotSave(why: string): never {
  throw new TesseraError("E_STATE", `tokenizer: expected a tokenizer tokenizer.json can describe, received ${why}`);
}

function splitJson(rule: SplitRule): object {
  // The named patterns match every character: Isolated is how Hugging Face's own files spell them.
  const named = matchesOnly(rule) && (rule.re!.source === PATTERNS.cl100k || rule.re!.source === PATTERNS.o200k || rule.re!.source === PATTERNS.gpt2);
  return named ? { type: "Split", pattern: rule.pattern, behavior: "Isolated", invert: false }
    : { type: "Split", pattern: rule.pattern, behavior: rule.behavior, invert: rule.invert };
}

const isSplit = (s: PreTokenizerStep | undefined, source: string): boolean =>
  s?.kind === "split" && matchesOnly(s.rule) && s.rule.re!.source === source;

function preTokenizerJson(steps: readonly PreTokenizerStep[], byteLevel: boolean): object | null {
  const prefix = steps[0]?.kind === "prefixSpace";
  const rest = prefix ? steps.slice(1) : steps;
  if (rest.some((s) => s.kind === "prefixSpace")) cannotSave("a prefix space after a split");
  const splits = rest.map((s) => splitJson((s as { rule: SplitRule }).rule));
  if (byteLevel) {
    // Hugging Face's ByteLevel puts the prefix space first, then (use_regex) splits with GPT-2's pattern.
    if (rest.length === 1 && isSplit(rest[0], PATTERNS.gpt2)) return { type: "ByteLevel", add_prefix_space: prefix, trim_offsets: true, use_regex: true };
    if (prefix && rest.length > 0) cannotSave("a prefix space before a split other than GPT-2's (Hugging Face adds it after the split)");
    return { type: "Sequence", pretokenizers: [...splits, { type: "ByteLevel", add_prefix_space: prefix, trim_offsets: true, use_regex: false }] };
  }
  if (prefix) cannotSave("a prefix space without byte-level BPE");
  if (rest.length === 1 && isSplit(rest[0], PATTERNS.whitespace)) return { type: "Whitespace" };
  if (splits.length === 0) return null;
  return splits.length === 1 ? splits[0] : { type: "Sequence", pretokenizers: splits };
}

/**
 * Merges that rebuild tiktoken ranks (as transformers' TikTokenConverter derives them): each
 * token, in rank order, is merged from its bytes using only lower ranks; the two parts left are its
 * merge. A token no such merging reaches gets none (ignore_merges still finds it whole).
 */
function tiktokenMerges(tok: BPETokenizer): [string, string][] {
  const { ids, bytes } = tok.tokenTable();
  const rank = new Map<string, number>();
  const order: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (tok.specialTokens.byId.has(ids[i])) continue;
    rank.set(String.fromCharCode(...bytes[i]), ids[i]);
    order.push(i);
  }
  order.sort((a, b) => ids[a] - ids[b]);
  const out: [string, string][] = [];
  for (const i of order) {
    const own = ids[i];
    if (bytes[i].length < 2) continue;
    const parts = Array.from(bytes[i], (b) => String.fromCharCode(b));
    for (;;) {
      let best = -1, bestRank = own;
      for (let k = 0; k + 1 < parts.length; k++) {
        const r = rank.get(parts[k] + parts[k + 1]);
        if (r !== undefined && r < bestRank) { best = k; bestRank = r; }
      }
      if (best < 0) break;
      parts.splice(best, 2, parts[best] + parts[best + 1]);
    }
    if (parts.length === 2) out.push([tok.idToToken(rank.get(parts[0])!)!, tok.idToToken(rank.get(parts[1])!)!]);
  }
  return out;
}

/** A tokenizer.json object for any tokenizer we trained or loaded (tiktoken ranks become merges). */
export function toTokenizerJson(tok: BPETokenizer | WordPieceTokenizer | PipelineTokenizer): object {
  if (tok instanceof PipelineTokenizer) return tok.toJSON();
  if (tok instanceof WordPieceTokenizer) return wordPieceToJson(tok);
  const vocab: Record<string, number> = {};
  for (const id of tok.tokenTable().ids) {
    if (!tok.specialTokens.byId.has(id)) vocab[tok.idToToken(id)!] = id;
  }
  for (const [t, id] of tok.specialTokens.map) vocab[t] = id;
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
    pre_tokenizer: preTokenizerJson(tok.preTokenizer.steps, tok.byteLevel),
    post_processor: tok.template ? {
      type: "TemplateProcessing", single: tplItems(tok.template.single), pair: tplItems(tok.template.pair),
      special_tokens: Object.fromEntries([...new Set([...tok.template.single, ...tok.template.pair].flatMap((i) => ("special" in i ? [i.special] : [])))]
        .map((s) => [s, { id: s, ids: [tok.tokenToId(s)], tokens: [s] }])),
    } : tok.byteLevel ? { type: "ByteLevel", add_prefix_space: tok.addPrefixSpace, trim_offsets: false, use_regex: true } : null,
    decoder: tok.byteLevel ? { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true } : { type: "Fuse" },
    model: {
      type: "BPE", dropout: null, unk_token: tok.unkToken ?? null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: tok.ignoreMerges, vocab, merges: tok.tiktokenRanks ? tiktokenMerges(tok) : tok.getMerges(),
    },
  };
}

export function saveTokenizerJson(tok: BPETokenizer | WordPieceTokenizer | PipelineTokenizer): string {
  return JSON.stringify(toTokenizerJson(tok), null, 2);
}
