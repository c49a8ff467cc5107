// The BPE and WordLevel models of Hugging Face's tokenizer.json pipeline (pipeline.ts), for the
// options the byte-level BPETokenizer does not take: byte_fallback (a character missing from the
// vocabulary becomes its <0xXX> byte tokens, as SentencePiece's Llama-style models do), dropout,
// continuing_subword_prefix / end_of_word_suffix, fuse_unk, ignore_merges. Merging is Hugging
// Face's: a heap of (rank, position), lowest rank first, leftmost on ties, O(n log n) per piece.

import { fail, TesseraError } from "../errors.js";
import { codePointUnits } from "./split.js";
import { byteFallbackIds, type TokenModel } from "./unigram.js";

export interface BPEModelConfig {
  vocab: Map<string, number>;
  /** Merges in rank order as [left, right] token strings. */
  merges: [string, string][];
  unkToken: string | null;
  continuingSubwordPrefix: string | null;
  endOfWordSuffix: string | null;
  fuseUnk: boolean;
  byteFallback: boolean;
  ignoreMerges: boolean;
  /** Probability of skipping each merge (BPE-dropout); null or 0: none. */
  dropout: number | null;
}

const CACHE_LIMIT = 1 << 15;
const CACHE_PIECE_MAX = 64;

/** Min-heap of (rank, position) packed as rank * 2^32 + position (ranks and positions below 2^21 and 2^32). */
class PairHeap {
  private h: number[] = [];
  get size(): number { return this.h.length; }
  push(v: number): void {
    const h = this.h;
    let i = h.push(v) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p] <= v) break;
      h[i] = h[p]; i = p;
    }
    h[i] = v;
  }
  pop(): number {
    const h = this.h, top = h[0], last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= h.length) break;
        if (c + 1 < h.length && h[c + 1] < h[c]) c++;
        if (h[c] >= last) break;
        h[i] = h[c]; i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

const P32 = 2 ** 32;

export class BPEModel implements TokenModel {
  readonly kind = "BPE";
  private readonly byId = new Map<number, string>();
  /** left id → right id → rank; the merged id of rank r is mergedId[r]. */
  private readonly pairs = new Map<number, Map<number, number>>();
  private readonly mergedId: Int32Array;
  private readonly unkId: number | null;
  private readonly maxId: number = -1;
  private readonly cache = new Map<string, number[]>();

  constructor(readonly cfg: BPEModelConfig) {
    for (const [t, id] of cfg.vocab) {
      if (!this.byId.has(id)) this.byId.set(id, t);
      this.maxId = Math.max(this.maxId, id);
    }
    if (cfg.merges.length >= 2 ** 21) fail("E_FORMAT", "tokenizer.json model.merges", "fewer than 2^21 merges", cfg.merges.length);
    this.mergedId = new Int32Array(cfg.merges.length);
    const cut = cfg.continuingSubwordPrefix?.length ?? 0;
    cfg.merges.forEach(([a, b], r) => {
      const l = cfg.vocab.get(a), rr = cfg.vocab.get(b), m = cfg.vocab.get(a + b.slice(cut));
      if (l === undefined || rr === undefined || m === undefined) {
        fail("E_FORMAT", `tokenizer.json model.merges[${r}]`, "tokens whose parts and concatenation are in model.vocab", `${a} ${b}`);
      }
      let row = this.pairs.get(l);
      if (row === undefined) { row = new Map(); this.pairs.set(l, row); }
      if (!row.has(rr)) row.set(rr, r); // Hugging Face keeps the first rank of a repeated pair
      this.mergedId[r] = m;
    });
    const unk = cfg.unkToken === null ? null : cfg.vocab.get(cfg.unkToken);
    if (unk === undefined) fail("E_FORMAT", "tokenizer.json model.unk_token", "a token of model.vocab", cfg.unkToken);
    this.unkId = unk;
    if (cfg.dropout !== null && !(cfg.dropout >= 0 && cfg.dropout <= 1)) fail("E_FORMAT", "tokenizer.json model.dropout", "null or a probability in [0, 1]", cfg.dropout);
  }

  get vocabSize(): number {
    return this.maxId + 1;
  }

  tokenToId(token: string): number | undefined {
    return this.cfg.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.byId.get(id);
  }

  /**
   * Whether a piece may be cut before each `mark` that follows another character without changing
   * the tokens: no token holds such a boundary, and symbols do not depend on word edges.
   */
  cutsBefore(mark: string): boolean {
    if (!this.cfg.vocab.has(mark) || this.cfg.continuingSubwordPrefix !== null || this.cfg.endOfWordSuffix !== null || this.cfg.ignoreMerges) return false;
    for (const t of this.cfg.vocab.keys()) {
      for (let i = t.indexOf(mark, 1); i > 0; i = t.indexOf(mark, i + 1)) if (t.slice(i - mark.length, i) !== mark) return false;
    }
    return true;
  }

  tokenize(s: string, out: number[]): void {
    if (s.length === 0) return;
    const vocab = this.cfg.vocab;
    if (this.cfg.ignoreMerges) {
      const whole = vocab.get(s);
      if (whole !== undefined) { out.push(whole, 0, s.length); return; }
    }
    const dropout = this.cfg.dropout ?? 0;
    const cacheable = dropout === 0 && s.length <= CACHE_PIECE_MAX;
    if (cacheable) {
      const hit = this.cache.get(s);
      if (hit !== undefined) { for (const v of hit) out.push(v); return; }
    }
    const from = out.length;
    this.merge(s, out, dropout);
    if (cacheable) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(s, out.slice(from));
    }
  }

  private merge(s: string, out: number[], dropout: number): void {
    const { continuingSubwordPrefix: prefix, endOfWordSuffix: suffix, byteFallback, fuseUnk } = this.cfg;
    const vocab = this.cfg.vocab;
    // Symbols: id, start, end; linked by prev/next; a merged-away symbol has id -1.
    const id: number[] = [], st: number[] = [], en: number[] = [];
    let unkStart = -1, unkEnd = -1;
    const flushUnk = () => {
      if (unkStart >= 0) { id.push(this.unkId!); st.push(unkStart); en.push(unkEnd); unkStart = -1; }
    };
    for (let i = 0; i < s.length;) {
      const n = codePointUnits(s, i);
      let sym = s.slice(i, i + n);
      if (prefix !== null && i > 0) sym = prefix + sym;
      if (suffix !== null && i + n === s.length) sym += suffix;
      const known = vocab.get(sym);
      if (known !== undefined) {
        flushUnk();
        id.push(known); st.push(i); en.push(i + n);
      } else {
        const bytes = byteFallback ? byteFallbackIds(sym, (t) => vocab.get(t)) : null;
        if (bytes !== null) {
          flushUnk();
          // As spm_encode and Hugging Face report them: the character's span on its last byte, empty before.
          bytes.forEach((b, k) => { id.push(b); st.push(i); en.push(k === bytes.length - 1 ? i + n : i); });
        } else if (this.unkId !== null) {
          if (unkStart >= 0 && !fuseUnk) flushUnk();
          if (unkStart < 0) unkStart = i;
          unkEnd = i + n;
        }
      }
      i += n;
    }
    flushUnk();
    const len = id.length;
    const next = new Int32Array(len), prev = new Int32Array(len);
    for (let k = 0; k < len; k++) { next[k] = k + 1 < len ? k + 1 : -1; prev[k] = k - 1; }
    const heap = new PairHeap();
    const rankOf = (a: number, b: number) => this.pairs.get(a)?.get(b) ?? -1;
    const pushPair = (k: number) => {
      const nk = next[k];
      if (nk < 0) return;
      const r = rankOf(id[k], id[nk]);
      if (r >= 0) heap.push(r * P32 + k);
    };
    for (let k = 0; k + 1 < len; k++) pushPair(k);
    const skipped: number[] = [];
    while (heap.size > 0) {
      const top = heap.pop();
      const r = Math.floor(top / P32), k = top - r * P32;
      const nk = next[k];
      if (id[k] < 0 || nk < 0 || rankOf(id[k], id[nk]) !== r) continue;
      if (dropout > 0 && Math.random() < dropout) { skipped.push(top); continue; }
      for (const v of skipped) heap.push(v);
      skipped.length = 0;
      id[k] = this.mergedId[r];
      en[k] = en[nk];
      id[nk] = -1;
      next[k] = next[nk];
      if (next[nk] >= 0) prev[next[nk]] = k;
      if (prev[k] >= 0) pushPair(prev[k]);
      pushPair(k);
    }
    for (let k = 0; k < len; k++) if (id[k] >= 0) out.push(id[k], st[k], en[k]);
  }

  toJSON(): object {
    const c = this.cfg;
    return {
      type: "BPE", dropout: c.dropout, unk_token: c.unkToken, continuing_subword_prefix: c.continuingSubwordPrefix,
      end_of_word_suffix: c.endOfWordSuffix, fuse_unk: c.fuseUnk, byte_fallback: c.byteFallback, ignore_merges: c.ignoreMerges,
      vocab: Object.fromEntries(c.vocab), merges: c.merges.map(([a, b]) => [a, b]),
    };
  }
}

/** Hugging Face's WordLevel: the whole piece is one token, or the unknown token. */
export class WordLevelModel implements TokenModel {
  readonly kind = "WordLevel";
  private readonly byId = new Map<number, string>();
  private readonly unkId: number | undefined;
  private readonly maxId: number = -1;

  constructor(readonly vocab: Map<string, number>, readonly unkToken: string) {
    for (const [t, i] of vocab) {
      if (!this.byId.has(i)) this.byId.set(i, t);
      this.maxId = Math.max(this.maxId, i);
    }
    this.unkId = vocab.get(unkToken);
  }

  get vocabSize(): number {
    return this.maxId + 1;
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.byId.get(id);
  }

  tokenize(s: string, out: number[]): void {
    if (s.length === 0) return;
    const id = this.vocab.get(s) ?? this.unkId;
    if (id === undefined) throw new TesseraError("E_TOKEN", `text: expected words of the WordLevel vocabulary or an unk_token in it (${JSON.stringify(this.unkToken)} is not), received ${JSON.stringify(s.slice(0, 40))}`);
    out.push(id, 0, s.length);
  }

  toJSON(): object {
    return { type: "WordLevel", vocab: Object.fromEntries(this.vocab), unk_token: this.unkToken };
  }
}
