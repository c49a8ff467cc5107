// BPETokenizer: byte-level (GPT-2 / tiktoken) or character-level BPE encoding and decoding.
// encode = special-token split → normalization → pre-tokenization (regex pieces) → per piece: the
// cache, else (tiktoken mode) the whole piece as one token, else rank-based merging in WASM over the
// piece's byte (or character) symbols. Token ids and outputs match tiktoken / Hugging Face tokenizers
// on the same vocabulary; training lives in bpe-train.ts, file formats in tiktoken-format.ts and
// tokenizer-json.ts, batches in batch.ts.

import { fail, TesseraError, checkInt } from "../errors.js";
import { heapI32 } from "../runtime/wasm.js";
import { bytesToByteLevel, byteLevelToBytes, checkText, utf8Decode, utf8DecodeStrict, utf8Encode, utf8MapInto, utf8UnitLength } from "./byte-level.js";
import { MergeTable, TokenBytesIndex } from "./merge-table.js";
import { Cl100kEncoder } from "./cl100k-encoder.js";
import { compilePattern, forEachPiece, normalize, PATTERNS, type NormalizeOptions, type PatternSpec } from "./pre-tokenizers.js";
import { SpecialTokens, type SpecialOptions } from "./special-tokens.js";
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
  /** id → token bytes (UTF-8 for character-level tokens); holes allowed. */
  tokens: (Uint8Array | undefined)[];
  /** (left, right, merged) id triples in rank order (Hugging Face merges); or null with `tiktokenRanks`. */
  merges: Int32Array | null;
  /** tiktoken mode: merge pairs derived from the token bytes, ranks = ids, whole-piece lookup first. */
  tiktokenRanks?: boolean;
  byteLevel: boolean;
  pattern: PatternSpec;
  specialTokens?: Map<string, number>;
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
  private readonly tokens: (Uint8Array | undefined)[];
  private readonly table: MergeTable;
  private readonly re: RegExp | null;
  private readonly byteToId = new Int32Array(256).fill(-1);
  private readonly charToId = new Map<string, number>();
  private readonly unkId: number;
  private readonly wholeToken = new Map<string, number>();
  private readonly cache = new Map<string, number | number[]>();
  /** Whole-text encoding in WASM for byte-level cl100k tokenizers (cl100k-encoder.ts); else null. */
  private readonly wasmEncoder: Cl100kEncoder | null = null;
  private readonly index: TokenBytesIndex | null = null;
  private tokenStrings: string[] | null = null;
  private stringToId: Map<string, number> | null = null;

  constructor(cfg: BPEConfig) {
    this.tokens = cfg.tokens;
    this.byteLevel = cfg.byteLevel;
    this.pattern = cfg.pattern;
    this.re = compilePattern(cfg.pattern);
    this.specialTokens = new SpecialTokens(cfg.specialTokens ?? new Map());
    this.defaultAllowedSpecial = cfg.defaultAllowedSpecial ?? "all";
    this.addPrefixSpace = cfg.addPrefixSpace ?? false;
    this.normalizeOptions = cfg.normalize ?? {};
    this.unkToken = cfg.unkToken;
    this.tiktokenRanks = cfg.tiktokenRanks ?? false;
    this.ignoreMerges = cfg.ignoreMerges ?? this.tiktokenRanks;
    this.merges = cfg.merges;
    for (let id = 0; id < cfg.tokens.length; id++) {
      const b = cfg.tokens[id];
      if (b === undefined || this.specialTokens.byId.has(id)) continue;
      if (this.byteLevel) {
        if (b.length === 1 && this.byteToId[b[0]] < 0) this.byteToId[b[0]] = id;
      } else {
        const s = utf8DecodeStrict(b);
        if (s !== undefined && [...s].length === 1 && !this.charToId.has(s)) this.charToId.set(s, id);
      }
      if (this.ignoreMerges) {
        const s = utf8DecodeStrict(b);
        if (s !== undefined && !this.wholeToken.has(s)) this.wholeToken.set(s, id);
      }
    }
    const unk = cfg.unkToken === undefined ? undefined : this.tokenToId(cfg.unkToken);
    if (cfg.unkToken !== undefined && unk === undefined) fail("E_FORMAT", "unkToken", "a token of the vocabulary", cfg.unkToken);
    this.unkId = unk ?? -1;
    // Whole-text encoding in WASM suits byte-level tokenizers with the cl100k pattern; when they
    // look pieces up whole first, it needs the token-bytes index (tiktoken ranks build it anyway).
    const wasmPath = this.byteLevel && this.re?.source === PATTERNS.cl100k;
    let index: TokenBytesIndex | null = null;
    if (this.tiktokenRanks || (wasmPath && this.ignoreMerges)) {
      const list: Uint8Array[] = [];
      const ids: number[] = [];
      cfg.tokens.forEach((b, id) => {
        if (b !== undefined && !this.specialTokens.byId.has(id)) { list.push(b); ids.push(id); }
      });
      try {
        index = TokenBytesIndex.build(list, Int32Array.from(ids));
      } catch (e) {
        // Repeated token bytes: an error for tiktoken ranks; a hand-made HF vocabulary keeps the JS path.
        if (this.tiktokenRanks || !(e instanceof TesseraError)) throw e;
      }
    }
    if (this.tiktokenRanks) {
      this.table = MergeTable.fromTokens(index!);
    } else {
      const m = cfg.merges ?? new Int32Array(0);
      const quads = new Int32Array((m.length / 3) * 4);
      for (let r = 0; r < m.length / 3; r++) {
        quads[4 * r] = m[3 * r];
        quads[4 * r + 1] = m[3 * r + 1];
        quads[4 * r + 2] = r;
        quads[4 * r + 3] = m[3 * r + 2];
      }
      this.table = MergeTable.fromMerges(quads);
    }
    if (wasmPath && (!this.ignoreMerges || index !== null)) {
      this.wasmEncoder = new Cl100kEncoder(this.table, index, this.byteToId);
      this.index = index;
    } else {
      index?.dispose();
    }
  }

  /** Trains a BPE tokenizer on texts (see bpe-train.ts for the options and the tie-break). */
  static train(texts: Iterable<string>, options: TrainOptions): BPETokenizer {
    return trainBPE(texts, options);
  }

  /** Number of ids (largest id + 1), special tokens included. */
  get vocabSize(): number {
    let n = this.tokens.length;
    for (const id of this.specialTokens.byId.keys()) n = Math.max(n, id + 1);
    return n;
  }

  /** The token's bytes (special tokens: their UTF-8 text), or undefined for an unused id. */
  tokenBytes(id: number): Uint8Array | undefined {
    const sp = this.specialTokens.byId.get(id);
    if (sp !== undefined) return utf8Encode(sp);
    return this.tokens[id];
  }

  /** Token as vocabulary string: GPT-2 byte-level characters when byte-level ("Ġthe"). */
  idToToken(id: number): string | undefined {
    const sp = this.specialTokens.byId.get(id);
    if (sp !== undefined) return sp;
    if (this.tokenStrings === null) {
      this.tokenStrings = this.tokens.map((b) => (b === undefined ? "" : this.byteLevel ? bytesToByteLevel(b) : utf8Decode(b)));
    }
    const b = this.tokens[id];
    return b === undefined ? undefined : this.tokenStrings[id];
  }

  tokenToId(token: string): number | undefined {
    const sp = this.specialTokens.map.get(token);
    if (sp !== undefined) return sp;
    if (this.stringToId === null) {
      const m = new Map<string, number>();
      for (let id = 0; id < this.tokens.length; id++) {
        const s = this.tokens[id] === undefined ? undefined : this.idToToken(id);
        if (s !== undefined && !m.has(s)) m.set(s, id);
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

  /** Ids plus [start, end) offsets into the normalized text when options.returnOffsets. */
  encodeWithOffsets(text: string, options?: EncodeOptions): Encoding {
    checkText("text", text);
    const t = normalize(text, this.normalizeOptions);
    const ids: number[] = [];
    const offsets: [number, number][] | undefined = options?.returnOffsets ? [] : undefined;
    for (const seg of this.specialTokens.segments(t, options, this.defaultAllowedSpecial)) {
      if (seg.special >= 0) {
        ids.push(seg.special);
        offsets?.push([seg.start, seg.end]);
      } else if (seg.end > seg.start) {
        this.encodeOrdinary(t, seg.start, seg.end, ids, offsets);
      }
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
    let src = text;
    let from = start;
    let to = end;
    let shift = 0;
    if (this.addPrefixSpace && text.charCodeAt(start) !== 32) {
      src = " " + text.slice(start, end);
      from = 0;
      to = src.length;
      shift = start - 1;
    }
    const re = this.re;
    if (!offsets && this.wasmEncoder !== null) {
      this.wasmEncoder.encode(from === 0 && to === src.length ? src : src.slice(from, to), out);
      return;
    }
    if (!offsets && re !== null) {
      // The hot path, inlined: regex piece → cache hit (one id stored as a number) → else merge.
      const slice = from === 0 && to === src.length ? src : src.slice(from, to);
      const cache = this.cache;
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(slice)) !== null) {
        const piece = m[0];
        if (piece.length === 0) {
          re.lastIndex++;
          continue;
        }
        const hit = cache.get(piece);
        if (typeof hit === "number") out.push(hit);
        else if (hit !== undefined) for (let i = 0; i < hit.length; i++) out.push(hit[i]);
        else this.encodePiece(slice, m.index, m.index + piece.length, out);
      }
      return;
    }
    forEachPiece(src, from, to, re, (s, e) => {
      const before = out.length;
      this.encodePiece(src, s, e, out);
      if (offsets) this.pieceOffsets(src, s, e, out, before, shift, start, offsets);
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
      const whole = this.wholeToken.get(SURROGATE.test(key) ? key.replace(LONE_SURROGATE, "\uFFFD") : key);
      if (whole !== undefined) {
        out.push(whole);
        if (piece !== null) this.remember(piece, [whole]);
        return;
      }
    }
    const base = this.table.reserve(this.byteLevel ? 3 * len : len);
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
    const ids: number[] = [];
    for (let i = 0; i < m; i++) {
      const id = i32[base + i];
      if (id >= 0) ids.push(id);
    }
    for (const id of ids) out.push(id);
    if (piece !== null) this.remember(piece, ids);
  }

  private remember(piece: string, ids: number[]): void {
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(piece, ids.length === 1 ? ids[0] : ids);
  }

  // Offsets of the tokens out[from..] of piece [s, e) of src. Each UTF-16 unit has a length in
  // symbols (UTF-8 bytes when byte-level, else 1 per code point; 0 for a pair's low half); a token
  // covers whole units, so one ending inside a character's bytes extends to that character's end.
  private pieceOffsets(src: string, s: number, e: number, out: number[], from: number, shift: number,
                       floor: number, offsets: [number, number][]): void {
    const unitLen = (u: number) => {
      const b = utf8UnitLength(src, u);
      return this.byteLevel || b === 0 ? b : 1;
    };
    let u0 = s; // first unit not wholly consumed
    let used = 0; // symbols of unit u0 already consumed
    for (let k = from; k < out.length; k++) {
      const id = out[k];
      let need = id === this.unkId || this.tokens[id] === undefined ? 1
        : this.byteLevel ? this.tokens[id]!.length : [...utf8Decode(this.tokens[id]!)].length;
      while (u0 < e && unitLen(u0) === 0) u0++;
      const a = u0;
      while (need > 0 && u0 < e) {
        const len = unitLen(u0);
        const take = Math.min(need, len - used);
        need -= take;
        used += take;
        if (used >= len) { u0++; used = 0; }
      }
      while (u0 < e && unitLen(u0) === 0) u0++;
      let b = u0;
      if (used > 0) { b = u0 + 1; while (b < e && unitLen(b) === 0) b++; }
      offsets.push([Math.max(floor, a + shift), Math.max(floor, b + shift)]);
    }
  }

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

  /** Frees the WASM tables; the tokenizer is unusable afterwards. */
  dispose(): void {
    this.table.dispose();
    this.wasmEncoder?.dispose();
    this.index?.dispose();
  }

  /** @internal for tokenizer.json export */
  tokenList(): (Uint8Array | undefined)[] {
    return this.tokens;
  }
}

export function checkPositiveInt(arg: string, v: unknown): number {
  return checkInt(arg, v, 1);
}

export { byteLevelToBytes };
