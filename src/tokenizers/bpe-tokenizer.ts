// BPETokenizer: byte-level (GPT-2 / tiktoken) or character-level BPE encoding and decoding.
// encode = special-token split → normalization of the text between them → pre-tokenization (the
// PreTokenizer's steps) → per piece: the cache, else (tiktoken mode) the whole piece as one token,
// else rank-based merging in WASM over the piece's byte (or character) symbols. Token ids and
// outputs match tiktoken / Hugging Face tokenizers on the same vocabulary; training lives in
// bpe-train.ts, file formats in tiktoken-format.ts and tokenizer-json(-save).ts, batches in batch.ts.

import { fail, TesseraError } from "../errors.js";
import { heapI32 } from "../runtime/wasm.js";
import { bytesToByteLevel, checkText, utf8Decode, utf8DecodeStrict, utf8Encode, utf8Length, utf8MapInto } from "./byte-level.js";
import { MergeTable, SMALL_PIECE, TokenBytesIndex } from "./merge-table.js";
import { Cl100kEncoder } from "./cl100k-encoder.js";
import { compilePattern, matchesOnly, normalize, PATTERNS, PreTokenizer, type NormalizeOptions, type PatternSpec, type PreTokenizerStep } from "./pre-tokenizers.js";
import { codePointUnits } from "./split.js";
import { TokenTable } from "./vocab.js";
import { pieceOffsets } from "./token-offsets.js";
import { SpecialTokens, type AddedTokenOptions, type SpecialOptions } from "./special-tokens.js";
import { encodeBatch, type BatchEncoding, type BatchOptions, type Template, type TextInput } from "./batch.js";
import type { TrainOptions } from "./bpe-train.js";
import { trainBPE } from "./bpe-train.js";

export interface EncodeOptions extends SpecialOptions {
  /** Also return [start, end) UTF-16 offsets of each token in the (normalized) text. */
  returnOffsets?: boolean;
}

export interface Encoding {
  ids: number[];
  offsets?: [number, number][];
}

/** Everything a BPETokenizer is made of; the loaders and the trainer fill it. */
export interface BPEConfig {
  /** id → token bytes (UTF-8 for character-level tokens): an array (holes allowed), a Map for sparse ids, or a TokenTable. */
  tokens: readonly (Uint8Array | undefined)[] | ReadonlyMap<number, Uint8Array> | TokenTable;
  /** (left, right, merged) id triples in rank order (Hugging Face merges); or null with `tiktokenRanks`. */
  merges: Int32Array | null;
  /** tiktoken mode: merge pairs derived from the token bytes, ranks = ids, whole-piece lookup first. */
  tiktokenRanks?: boolean;
  byteLevel: boolean;
  /** Split pattern: pieces are its matches, text no match covers is dropped (tiktoken; the named patterns match every character). */
  pattern: PatternSpec;
  /** Hugging Face pre-tokenizer steps (Split rules, prefix spaces) in order; when given, `pattern` and `addPrefixSpace` only describe. */
  preTokenizer?: PreTokenizerStep[];
  specialTokens?: Map<string, number>;
  /** Hugging Face added-token flags of special tokens (lstrip, rstrip, singleWord). */
  addedTokenOptions?: ReadonlyMap<string, AddedTokenOptions>;
  /** Default for `allowedSpecial`: "none" like tiktoken, "all" like Hugging Face. */
  defaultAllowedSpecial?: "all" | "none";
  /** Look the whole piece up in the vocabulary before merging (tiktoken; HF `ignore_merges`). */
  ignoreMerges?: boolean;
  unkToken?: string;
  /** Hugging Face ByteLevel `add_prefix_space`: a space before text that does not start with one. */
  addPrefixSpace?: boolean;
  normalize?: NormalizeOptions;
}

const CACHE_LIMIT = 1 << 16;
const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /\p{Cs}/gu;
const CACHE_PIECE_MAX = 48;

export class BPETokenizer {
  readonly byteLevel: boolean;
  readonly pattern: PatternSpec;
  readonly preTokenizer: PreTokenizer;
  readonly specialTokens: SpecialTokens;
  readonly defaultAllowedSpecial: "all" | "none";
  readonly addPrefixSpace: boolean;
  readonly normalizeOptions: NormalizeOptions;
  readonly unkToken: string | undefined;
  readonly ignoreMerges: boolean;
  readonly tiktokenRanks: boolean;
  /** (left, right, merged) in rank order, kept for saving; null for tiktoken ranks. */
  readonly merges: Int32Array | null;
  /** Post-processing template for encodeBatch ([CLS] $A [SEP] ...); see batch.ts parseTemplate. */
  template: Template | null = null;
  /** Token used to pad batches. */
  padToken: string | null = null;
  private readonly vocab: TokenTable;
  private readonly table: MergeTable;
  /** Pre-tokenization as [prefix space?, one split whose pieces are its matches]: the inlined hot path; else null. */
  private readonly fast: { prefix: boolean; re: RegExp } | null = null;
  private readonly byteToId = new Int32Array(256).fill(-1);
  private readonly charToId = new Map<string, number>();
  private readonly unkId: number;
  /** Token text → id for the whole-piece lookup of the JS path (ignoreMerges), made on first use. */
  private wholeToken: Map<string, number> | null = null;
  private readonly cache = new Map<string, number | number[]>();
  /** Whole-text encoding in WASM for byte-level cl100k tokenizers (cl100k-encoder.ts); else null. */
  private readonly wasmEncoder: Cl100kEncoder | null = null;
  private readonly index: TokenBytesIndex | null = null;
  private tokenStrings: string[] | null = null;
  private stringToId: Map<string, number> | null = null;
  private disposed = false;

  constructor(cfg: BPEConfig) {
    const t = cfg.tokens;
    this.vocab = t instanceof TokenTable ? t : t instanceof Map ? TokenTable.fromEntries(t) : TokenTable.fromArray(t as (Uint8Array | undefined)[]);
    this.byteLevel = cfg.byteLevel;
    this.pattern = cfg.pattern;
    this.addPrefixSpace = cfg.addPrefixSpace ?? false;
    this.preTokenizer = cfg.preTokenizer ? new PreTokenizer(cfg.preTokenizer) : PreTokenizer.fromPattern(compilePattern(cfg.pattern), this.addPrefixSpace);
    this.specialTokens = new SpecialTokens(cfg.specialTokens ?? new Map(), cfg.addedTokenOptions);
    this.defaultAllowedSpecial = cfg.defaultAllowedSpecial ?? "all";
    this.normalizeOptions = cfg.normalize ?? {};
    this.unkToken = cfg.unkToken;
    this.tiktokenRanks = cfg.tiktokenRanks ?? false;
    this.ignoreMerges = cfg.ignoreMerges ?? this.tiktokenRanks;
    this.merges = cfg.merges;
    const steps = this.preTokenizer.steps;
    const prefix = steps[0]?.kind === "prefixSpace";
    const split = steps[prefix ? 1 : 0];
    if (steps.length === (prefix ? 2 : 1) && split.kind === "split" && matchesOnly(split.rule)) this.fast = { prefix, re: split.rule.re! };
    const { ids, bytes } = this.vocab;
    const ordinary: Uint8Array[] = [];
    const ordinaryIds: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i], b = bytes[i];
      if (this.specialTokens.byId.has(id)) continue;
      ordinary.push(b);
      ordinaryIds.push(id);
      if (this.byteLevel) {
        if (b.length === 1 && this.byteToId[b[0]] < 0) this.byteToId[b[0]] = id;
      } else {
        const s = utf8DecodeStrict(b);
        if (s !== undefined && [...s].length === 1 && !this.charToId.has(s)) this.charToId.set(s, id);
      }
    }
    const unk = cfg.unkToken === undefined ? undefined : this.tokenToId(cfg.unkToken);
    if (cfg.unkToken !== undefined && unk === undefined) fail("E_FORMAT", "unkToken", "a token of the vocabulary", cfg.unkToken);
    this.unkId = unk ?? -1;
    // Hugging Face's BPE gives a symbol missing from the vocabulary the unk token (else drops it).
    if (this.byteLevel && this.unkId >= 0) for (let b = 0; b < 256; b++) if (this.byteToId[b] < 0) this.byteToId[b] = this.unkId;
    // Whole-text encoding in WASM suits byte-level tokenizers with the cl100k pattern; when they
    // look pieces up whole first, it needs the token-bytes index (tiktoken ranks build it anyway).
    const wasmPath = this.byteLevel && this.fast !== null && this.fast.re.source === PATTERNS.cl100k;
    let index: TokenBytesIndex | null = null;
    if (this.tiktokenRanks || (wasmPath && this.ignoreMerges)) {
      try {
        index = TokenBytesIndex.build(ordinary, Int32Array.from(ordinaryIds));
      } catch (e) {
        // Repeated token bytes: an error for tiktoken ranks; a hand-made HF vocabulary keeps the JS path.
        if (this.tiktokenRanks || !(e instanceof TesseraError) || e.code !== "E_FORMAT") throw e;
      }
    }
    let table: MergeTable | null = null;
    try {
      if (this.tiktokenRanks) {
        table = MergeTable.fromTokens(index!);
      } else {
        table = MergeTable.fromMerges(cfg.merges ?? new Int32Array(0));
      }
      if (wasmPath && (!this.ignoreMerges || index !== null)) {
        this.wasmEncoder = new Cl100kEncoder(table, index, this.byteToId);
        this.index = index;
      } else {
        index?.dispose();
      }
    } catch (e) {
      // A constructor that throws leaves no WASM memory behind.
      index?.dispose();
      table?.dispose();
      throw e;
    }
    this.table = table;
  }

  /** Trains a BPE tokenizer on texts (see bpe-train.ts for the options and the tie-break). */
  static train(texts: Iterable<string>, options: TrainOptions): BPETokenizer {
    return trainBPE(texts, options);
  }

  /** Number of ids (largest id + 1), special tokens included. */
  get vocabSize(): number {
    let n = this.vocab.maxId + 1;
    for (const id of this.specialTokens.byId.keys()) n = Math.max(n, id + 1);
    return n;
  }

  /** The token's bytes (special tokens: their UTF-8 text), or undefined for an unused id. */
  tokenBytes(id: number): Uint8Array | undefined {
    const sp = this.specialTokens.byId.get(id);
    if (sp !== undefined) return utf8Encode(sp);
    return this.vocab.get(id);
  }

  /** Token as vocabulary string: GPT-2 byte-level characters when byte-level ("Ġthe"). */
  idToToken(id: number): string | undefined {
    const sp = this.specialTokens.byId.get(id);
    if (sp !== undefined) return sp;
    const slot = this.vocab.slot(id);
    if (slot < 0) return undefined;
    const strings = (this.tokenStrings ??= new Array<string>(this.vocab.size));
    const b = this.vocab.bytes[slot];
    return (strings[slot] ??= this.byteLevel ? bytesToByteLevel(b) : utf8Decode(b));
  }

  tokenToId(token: string): number | undefined {
    const sp = this.specialTokens.map.get(token);
    if (sp !== undefined) return sp;
    if (this.stringToId === null) {
      const m = new Map<string, number>();
      const ids = this.vocab.ids;
      for (let i = 0; i < ids.length; i++) {
        const s = this.idToToken(ids[i])!;
        if (!m.has(s)) m.set(s, ids[i]);
      }
      this.stringToId = m;
    }
    return this.stringToId.get(token);
  }

  /** Merges in rank order as vocabulary strings (Hugging Face `merges`); empty for tiktoken ranks. */
  getMerges(): [string, string][] {
    const m = this.merges;
    if (m === null) return [];
    const out: [string, string][] = [];
    for (let r = 0; r < m.length; r += 3) out.push([this.idToToken(m[r])!, this.idToToken(m[r + 1])!]);
    return out;
  }

  /** Token strings of the ids (byte-level characters when byte-level). */
  convertIdsToTokens(ids: ArrayLike<number>): string[] {
    return Array.from(ids, (id) => this.idToToken(id) ?? "");
  }

  /** Token ids of text. */
  encode(text: string, options?: SpecialOptions): number[] {
    return this.encodeWithOffsets(checkText("text", text), options).ids;
  }

  /**
   * Ids plus [start, end) offsets when options.returnOffsets. Special tokens are found in the text
   * as given (Hugging Face's normalized: false), then the text between them is normalized and
   * encoded; offsets index the text with each such part normalized (the input itself when the
   * tokenizer has no normalizer).
   */
  encodeWithOffsets(text: string, options?: EncodeOptions): Encoding {
    checkText("text", text);
    if (this.disposed) throw new TesseraError("E_DISPOSED", "tokenizer: expected a live tokenizer, received one whose dispose() has run");
    const normalizes = this.normalizeOptions.nfc === true || this.normalizeOptions.lowercase === true;
    const ids: number[] = [];
    const offsets: [number, number][] | undefined = options?.returnOffsets ? [] : undefined;
    let at = 0; // where the current part starts in the normalized text
    try {
      for (const seg of this.specialTokens.segments(text, options, this.defaultAllowedSpecial)) {
        if (seg.special >= 0) {
          ids.push(seg.special);
          offsets?.push([at, at + seg.end - seg.start]);
          at += seg.end - seg.start;
        } else if (seg.end > seg.start && !normalizes) {
          this.encodeOrdinary(text, seg.start, seg.end, ids, offsets);
          at = seg.end;
        } else if (seg.end > seg.start) {
          const part = normalize(text.slice(seg.start, seg.end), this.normalizeOptions);
          const first = offsets?.length ?? 0;
          this.encodeOrdinary(part, 0, part.length, ids, offsets);
          if (offsets) for (let k = first; k < offsets.length; k++) offsets[k] = [offsets[k][0] + at, offsets[k][1] + at];
          at += part.length;
        }
      }
    } finally {
      this.table.trim(); // a long piece's scratch does not outlive the call
    }
    return offsets ? { ids, offsets } : { ids };
  }

  /** Number of tokens encode(text) returns. */
  countTokens(text: string, options?: SpecialOptions): number {
    return this.encode(text, options).length;
  }

  encodeBatch(inputs: TextInput[], options?: BatchOptions): BatchEncoding {
    return encodeBatch(this, inputs, options);
  }

  private encodeOrdinary(text: string, start: number, end: number, out: number[], offsets?: [number, number][]): void {
    const fast = this.fast;
    if (!offsets && fast !== null) {
      const src = fast.prefix && text.charCodeAt(start) !== 32 ? " " + text.slice(start, end) : null;
      const slice = src ?? (start === 0 && end === text.length ? text : text.slice(start, end));
      if (this.wasmEncoder !== null) {
        this.wasmEncoder.encode(slice, out);
        return;
      }
      // The hot path, inlined: regex piece → cache hit (one id stored as a number) → else merge.
      const re = fast.re;
      const cache = this.cache;
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(slice)) !== null) {
        const piece = m[0];
        if (piece.length === 0) {
          re.lastIndex = m.index + codePointUnits(slice, m.index); // a whole code point: never inside a surrogate pair
          continue;
        }
        const hit = cache.get(piece);
        if (typeof hit === "number") out.push(hit);
        else if (hit !== undefined) for (let i = 0; i < hit.length; i++) out.push(hit[i]);
        else this.encodePiece(slice, m.index, m.index + piece.length, out);
      }
      return;
    }
    this.preTokenizer.forEachPiece(text, start, end, (src, s, e, shift, floor) => {
      const before = out.length;
      this.encodePiece(src, s, e, out);
      if (offsets) pieceOffsets(src, s, e, out, before, shift, floor, offsets, this.symbolsOf, this.byteLevel);
    });
  }

  private encodePiece(text: string, start: number, end: number, out: number[]): void {
    const len = end - start;
    const piece = len <= CACHE_PIECE_MAX ? text.slice(start, end) : null;
    if (piece !== null) {
      const hit = this.cache.get(piece);
      if (typeof hit === "number") {
        out.push(hit);
        return;
      }
      if (hit !== undefined) {
        for (let i = 0; i < hit.length; i++) out.push(hit[i]);
        return;
      }
    }
    if (this.ignoreMerges) {
      const key = piece ?? text.slice(start, end);
      const whole = (this.wholeToken ??= this.wholeTokenMap()).get(SURROGATE.test(key) ? key.replace(LONE_SURROGATE, "\uFFFD") : key);
      if (whole !== undefined) {
        out.push(whole);
        if (piece !== null) this.remember(piece, [whole]);
        return;
      }
    }
    // Symbols: UTF-8 bytes (at most 3 per unit; counted exactly for a long piece, so its block is
    // 24 bytes per byte) or code points.
    const base = this.table.reserve(!this.byteLevel ? len : 3 * len <= SMALL_PIECE ? 3 * len : utf8Length(text, start, end));
    let n: number;
    if (this.byteLevel) {
      n = utf8MapInto(text, start, end, this.byteToId, heapI32(), base);
    } else {
      const i32 = heapI32();
      n = 0;
      for (const ch of text.slice(start, end)) i32[base + n++] = this.charToId.get(ch) ?? this.unkId;
    }
    const m = this.table.merge(n);
    const i32 = heapI32();
    const at = out.length;
    for (let i = 0; i < m; i++) {
      const id = i32[base + i];
      if (id >= 0) out.push(id);
    }
    if (piece !== null) this.remember(piece, out.slice(at));
  }

  private wholeTokenMap(): Map<string, number> {
    const m = new Map<string, number>();
    const { ids, bytes } = this.vocab;
    for (let i = 0; i < ids.length; i++) {
      if (this.specialTokens.byId.has(ids[i])) continue;
      const s = utf8DecodeStrict(bytes[i]);
      if (s !== undefined && !m.has(s)) m.set(s, ids[i]);
    }
    return m;
  }

  private remember(piece: string, ids: number[]): void {
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(piece, ids.length === 1 ? ids[0] : ids);
  }

  // Symbols a token covers: its bytes when byte-level, else its code points (1 for unk or unused ids).
  private readonly symbolsOf = (id: number): number => {
    const b = id === this.unkId ? undefined : this.vocab.get(id);
    if (b === undefined) return 1;
    return this.byteLevel ? b.length : [...utf8Decode(b)].length;
  };

  /** Bytes of the ids concatenated (special tokens as their text). */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    if (ids === null || typeof ids !== "object" || typeof ids.length !== "number") fail("E_TYPE", "ids", "an array of token ids", ids);
    const parts: Uint8Array[] = [];
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const b = Number.isInteger(id) ? this.tokenBytes(id) : undefined;
      if (b === undefined) {
        throw new TesseraError("E_TOKEN", `ids[${i}]: expected a token id of this vocabulary (0 to ${this.vocabSize - 1}), received ${String(id)}`);
      }
      parts.push(b);
      n += b.length;
    }
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  /** Text of the ids; invalid UTF-8 (a character split across a cut) becomes U+FFFD, like tiktoken. */
  decode(ids: ArrayLike<number>, options?: { skipSpecialTokens?: boolean }): string {
    if (options?.skipSpecialTokens) ids = Array.from(ids).filter((id) => !this.specialTokens.byId.has(id));
    return utf8Decode(this.decodeBytes(ids));
  }

  /**
   * Frees the WASM tables (≈ 17 MB for cl100k); the tokenizer throws E_DISPOSED afterwards. A
   * tokenizer dropped without dispose() is freed by a FinalizationRegistry after garbage collection
   * — eventually, and never inside a synchronous loop.
   */
  dispose(): void {
    this.disposed = true;
    this.table.dispose();
    this.wasmEncoder?.dispose();
    this.index?.dispose();
  }

  /** WASM bytes this tokenizer holds now (tables, kept scratch, whole-text encoder buffers). */
  get wasmBytes(): number {
    return this.table.wasmBytes + (this.wasmEncoder?.wasmBytes ?? 0) + (this.index?.wasmBytes ?? 0);
  }

  /** @internal id → bytes, for tokenizer.json export */
  tokenTable(): TokenTable {
    return this.vocab;
  }
}
