// Saves WordPiece tokenizers as Hugging Face's BERT tokenizer.json (BertNormalizer, BertPreTokenizer,
// TemplateProcessing, WordPiece decoder and model), for saveTokenizerJson; loadTokenizerJson reads
// them back, and Hugging Face tokenizers / tokenizers.js load them with equal ids.
import type { TemplateItem } from "./batch.js";
import type { WordPieceTokenizer } from "./wordpiece.js";

const templateItems = (items: TemplateItem[]) => items.map((it) => ("special" in it
  ? { SpecialToken: { id: it.special, type_id: it.typeId } } : { Sequence: { id: it.sequence, type_id: it.typeId } }));

/** The tokenizer.json object of a WordPiece tokenizer. */
export function wordPieceToJson(tok: WordPieceTokenizer): object {
  const n = tok.normalizer, t = tok.template;
  const specials = t ? [...new Set([...t.single, ...t.pair].flatMap((i) => ("special" in i ? [i.special] : [])))] : [];
  return {
    version: "1.0", truncation: null, padding: null,
    added_tokens: [...tok.specialTokens.map].map(([content, id]) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: n === null ? null : {
      type: "BertNormalizer", clean_text: n.cleanText !== false, handle_chinese_chars: n.handleChineseChars !== false,
      strip_accents: n.stripAccents ?? null, lowercase: n.lowercase !== false,
    },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: t === null ? null : {
      type: "TemplateProcessing", single: templateItems(t.single), pair: templateItems(t.pair),
      special_tokens: Object.fromEntries(specials.map((s) => [s, { id: s, ids: [tok.tokenToId(s)], tokens: [s] }])),
    },
    decoder: { type: "WordPiece", prefix: tok.prefix, cleanup: true },
    model: {
      type: "WordPiece", unk_token: tok.unkToken, continuing_subword_prefix: tok.prefix, max_input_chars_per_word: tok.maxInputCharsPerWord,
      vocab: Object.fromEntries(tok.vocab),
    },
  };
}
