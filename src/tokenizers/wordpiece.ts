// WordPiece encoding for BERT-style vocabularies (Hugging Face tokenizers' WordPiece model): the
// BERT normalizer (clean control characters, space out CJK ideographs, lowercase, strip accents),
// split on whitespace and punctuation, then per word greedy longest-match-first over the vocabulary
// with "##" marking a continuation; a word with any unmatched rest, or longer than
// maxInputCharsPerWord code points, becomes [UNK]. Candidates never exceed the longest vocabulary
// entry, so a word of n units costs O(n · L²) for entries of at most L units (Hugging Face tries
// every end: O(n²)). No training here (BERT vocabularies come trained).

import { checkInt, fail } from "../errors.js";
import { checkText } from "./byte-level.js";
import { encodeBatch, type BatchEncoding, type BatchOptions, type Template, type TextInput } from "./batch.js";
import { SpecialTokens, type AddedTokenOptions, type SpecialOptions } from "./special-tokens.js";
import { cleanUpTokenization } from "./pipeline-components.js";

export interface BertNormalizerOptions {
  cleanText?: boolean;
  handleChineseChars?: boolean;
  lowercase?: boolean;
  /** Default: same as lowercase (Hugging Face's rule when strip_accents is null). */
  stripAccents?: boolean | null;
}

export interface WordPieceConfig {
  vocab: Map<string, number>;
  unkToken?: string;
  continuingSubwordPrefix?: string;
  maxInputCharsPerWord?: number;
  /** null: no normalizer. */
  normalizer?: BertNormalizerOptions | null;
  /** Added tokens matched in text before normalization ([CLS], [SEP], [MASK] ...). */
  specialTokens?: Map<string, number>;
  /** Hugging Face added-token flags of those tokens (lstrip, rstrip, singleWord). */
  addedTokenOptions?: ReadonlyMap<string, AddedTokenOptions>;
}

// BERT's punctuation: ASCII non-alphanumeric printable characters plus Unicode P*.
const BERT_PIECES = /[^\s\p{P}!-\/:-@\[-`{-~]+|[\p{P}!-\/:-@\[-`{-~]/gu;
const CJK = /([\u4E00-\u9FFF\u3400-\u4DBF\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B820}-\u{2CEAF}\uF900-\uFAFF\u{2F800}-\u{2FA1F}])/gu;
const CONTROL = /[\0\uFFFD]|(?![\t\n\r])[\p{Cc}\p{Cf}]/gu;
const LONE_SURROGATE = /\p{Cs}/gu;

export class WordPieceTokenizer {
  readonly vocab: Map<string, number>;
  readonly unkToken: string;
  readonly prefix: string;
  readonly maxInputCharsPerWord: number;
  readonly normalizer: BertNormalizerOptions | null;
  readonly specialTokens: SpecialTokens;
  template: Template | null = null;
  padToken: string | null = null;
  private readonly idToTokenMap = new Map<number, string>();
  private readonly maxId: number = -1;
  /** Longest vocabulary entry in UTF-16 units: no longer candidate can match. */
  private readonly longest: number = 0;
  private readonly unkId: number;

  constructor(cfg: WordPieceConfig) {
    this.vocab = cfg.vocab;
    this.unkToken = cfg.unkToken ?? "[UNK]";
    this.prefix = cfg.continuingSubwordPrefix ?? "##";
    this.maxInputCharsPerWord = checkInt("maxInputCharsPerWord", cfg.maxInputCharsPerWord ?? 100, 0);
    this.normalizer = cfg.normalizer === undefined ? { cleanText: true, handleChineseChars: true, lowercase: true } : cfg.normalizer;
    this.specialTokens = new SpecialTokens(cfg.specialTokens ?? new Map(), cfg.addedTokenOptions);
    for (const [t, id] of this.vocab) {
      this.idToTokenMap.set(id, t);
      this.maxId = Math.max(this.maxId, id);
      this.longest = Math.max(this.longest, t.length);
    }
    for (const [t, id] of this.specialTokens.map) {
      if (!this.idToTokenMap.has(id)) this.idToTokenMap.set(id, t);
      this.maxId = Math.max(this.maxId, id);
    }
    const unk = this.vocab.get(this.unkToken);
    if (unk === undefined) fail("E_FORMAT", "unkToken", "a token of the vocabulary", this.unkToken);
    this.unkId = unk;
  }

  /** Largest id + 1. */
  get vocabSize(): number {
    return this.maxId + 1;
  }

  tokenToId(token: string): number | undefined {
    return this.specialTokens.map.get(token) ?? this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.idToTokenMap.get(id);
  }

  private normalize(text: string): string {
    const n = this.normalizer;
    if (n === null) return text;
    // A lone surrogate reaches Hugging Face (Rust, UTF-8) as U+FFFD, which clean_text removes.
    let t = text.replace(LONE_SURROGATE, "\uFFFD");
    if (n.cleanText ?? true) t = t.replace(CONTROL, "").replace(/\s/gu, " ");
    if (n.handleChineseChars ?? true) t = t.replace(CJK, " $1 ");
    const lower = n.lowercase ?? true;
    if (n.stripAccents ?? lower) t = t.normalize("NFD").replace(/\p{Mn}/gu, "");
    if (lower) t = t.toLowerCase();
    return t;
  }

  encode(text: string, options?: SpecialOptions): number[] {
    return this.encodeWithOffsets(checkText("text", text), options).ids;
  }

  countTokens(text: string, options?: SpecialOptions): number {
    return this.encode(text, options).length;
  }

  /** Ids and, with returnOffsets, offsets into the text segment after normalization. */
  encodeWithOffsets(text: string, options?: SpecialOptions & { returnOffsets?: boolean }): { ids: number[]; offsets?: [number, number][] } {
    checkText("text", text);
    return this.specialTokens.encodeSegments(text, options, (start, end, ids, offsets) => {
      const norm = this.normalize(text.slice(start, end));
      BERT_PIECES.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = BERT_PIECES.exec(norm)) !== null) this.encodeWord(m[0], start + m.index, ids, offsets);
    });
  }

  private encodeWord(word: string, at: number, ids: number[], offsets?: [number, number][]): void {
    let chars = 0;
    for (let i = 0; i < word.length; i++) if (!isLowSurrogateOfPair(word, i)) chars++;
    if (chars > this.maxInputCharsPerWord) {
      ids.push(this.unkId);
      offsets?.push([at, at + word.length]);
      return;
    }
    const found: number[] = [];
    const spans: [number, number][] = [];
    for (let start = 0; start < word.length;) {
      // Longest first, from the longest candidate a vocabulary entry could equal, one code point at a time.
      let end = Math.min(word.length, start + this.longest);
      if (isLowSurrogateOfPair(word, end)) end--;
      let id: number | undefined;
      for (; end > start; end -= isLowSurrogateOfPair(word, end - 1) ? 2 : 1) {
        const sub = word.slice(start, end);
        id = this.vocab.get(start > 0 ? this.prefix + sub : sub);
        if (id !== undefined) break;
      }
      if (id === undefined) {
        ids.push(this.unkId);
        offsets?.push([at, at + word.length]);
        return;
      }
      found.push(id);
      spans.push([at + start, at + end]);
      start = end;
    }
    for (let i = 0; i < found.length; i++) {
      ids.push(found[i]);
      offsets?.push(spans[i]);
    }
  }

  /** Hugging Face's WordPiece decoder: tokens joined by spaces, " ##" glued, cleanup of " ." etc. */
  decode(ids: ArrayLike<number>, options?: { skipSpecialTokens?: boolean }): string {
    if (ids === null || typeof ids !== "object" || typeof ids.length !== "number") fail("E_TYPE", "ids", "an array of token ids", ids);
    const toks: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const t = this.idToTokenMap.get(ids[i]);
      if (t === undefined) fail("E_TOKEN", `ids[${i}]`, `a token id of this vocabulary (0 to ${this.vocabSize - 1})`, ids[i]);
      if (options?.skipSpecialTokens && this.specialTokens.map.has(t)) continue;
      toks.push(t);
    }
    return cleanUpTokenization(toks.map((t, i) => (i > 0 && t.startsWith(this.prefix) ? t.slice(this.prefix.length) : i > 0 ? " " + t : t)).join(""));
  }

  encodeBatch(inputs: TextInput[], options?: BatchOptions): BatchEncoding {
    return encodeBatch(this, inputs, options);
  }

  /** Nothing to free (WordPiece holds no WASM memory); present so any tokenizer can be disposed. */
  dispose(): void {}
}

/** Whether s[i] is the low half of a surrogate pair (so i is inside a code point). */
function isLowSurrogateOfPair(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0xdc00 || c > 0xdfff || i === 0) return false;
  const p = s.charCodeAt(i - 1);
  return p >= 0xd800 && p <= 0xdbff;
}
