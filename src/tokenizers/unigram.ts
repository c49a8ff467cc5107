// The Unigram model (SentencePiece's, as Hugging Face's Unigram runs it): each piece of text is cut
// where the sum of the pieces' log-probabilities is highest (Viterbi over a character trie of the
// vocabulary). A character no piece starts with costs the lowest score minus 10 and becomes the
// unknown token; unknowns in a row fuse into one; with byte_fallback an unknown becomes its UTF-8
// bytes as <0xXX> tokens when all of them are in the vocabulary.

import { fail } from "../errors.js";
import { utf8Encode } from "./byte-level.js";
import { codePointUnits } from "./split.js";

/** A model: cuts one pre-tokenized piece into tokens (id, start, end in UTF-16 units of the piece). */
export interface TokenModel {
  readonly kind: "Unigram" | "BPE" | "WordLevel";
  tokenize(piece: string, out: number[]): void;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  /** Largest id + 1. */
  readonly vocabSize: number;
  toJSON(): object;
}

const UNK_PENALTY = 10;

interface TrieNode { id: number; next: Map<number, TrieNode> | null }

/** "<0x41>": the byte-fallback token of a byte. */
export const byteToken = (b: number): string => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;

/** ids of the byte tokens of text's UTF-8, or null when one is missing. */
export function byteFallbackIds(text: string, lookup: (t: string) => number | undefined): number[] | null {
  const out: number[] = [];
  for (const b of utf8Encode(text)) {
    const id = lookup(byteToken(b));
    if (id === undefined) return null;
    out.push(id);
  }
  return out;
}

export class UnigramModel implements TokenModel {
  readonly kind = "Unigram";
  private readonly root: TrieNode = { id: -1, next: null };
  private readonly ids = new Map<string, number>();
  private readonly unkScore: number;

  constructor(readonly pieces: readonly (readonly [string, number])[], readonly unkId: number | null, readonly byteFallback: boolean) {
    let min = Infinity;
    pieces.forEach(([p, score], id) => {
      if (!this.ids.has(p)) this.ids.set(p, id);
      min = Math.min(min, score);
      let node = this.root;
      for (const ch of p) {
        const c = ch.codePointAt(0)!;
        node.next ??= new Map();
        let n = node.next.get(c);
        if (n === undefined) { n = { id: -1, next: null }; node.next.set(c, n); }
        node = n;
      }
      if (node.id < 0 && p.length > 0) node.id = id;
    });
    this.unkScore = (pieces.length > 0 ? min : 0) - UNK_PENALTY;
  }

  get vocabSize(): number {
    return this.pieces.length;
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.pieces[id]?.[0];
  }

  tokenize(s: string, out: number[]): void {
    const n = s.length;
    if (n === 0) return;
    const score = new Float64Array(n + 1).fill(-Infinity);
    const from = new Int32Array(n + 1).fill(-1);
    const tok = new Int32Array(n + 1).fill(-1);
    score[0] = 0;
    for (let i = 0; i < n; i = i + codePointUnits(s, i)) {
      const base = score[i];
      const mb = codePointUnits(s, i);
      let single = false;
      let node = this.root;
      for (let j = i; j < n && node.next !== null;) {
        const c = s.codePointAt(j)!;
        const nx = node.next.get(c);
        if (nx === undefined) break;
        node = nx;
        j += c > 0xffff ? 2 : 1;
        if (node.id < 0) continue;
        const cand = base + this.pieces[node.id][1];
        if (from[j] < 0 || cand > score[j]) { score[j] = cand; from[j] = i; tok[j] = node.id; }
        if (j - i === mb) single = true;
      }
      if (!single) {
        const j = i + mb, cand = base + this.unkScore;
        if (from[j] < 0 || cand > score[j]) { score[j] = cand; from[j] = i; tok[j] = -2; }
      }
    }
    // Walk back, fusing unknowns in a row.
    const path: number[] = [];
    for (let j = n; j > 0; j = from[j]) {
      if (tok[j] === -2 && path.length > 0 && path[path.length - 3] === -2) path[path.length - 2] = from[j];
      else path.push(tok[j], from[j], j);
    }
    for (let k = path.length - 3; k >= 0; k -= 3) {
      const id = path[k], a = path[k + 1], b = path[k + 2];
      if (id !== -2) { out.push(id, a, b); continue; }
      if (this.byteFallback) {
        const bytes = byteFallbackIds(s.slice(a, b), (t) => this.ids.get(t));
        if (bytes !== null) {
          for (const id of bytes) out.push(id, a, b); // Hugging Face gives every byte token the unknown run's span
          continue;
        }
      }
      if (this.unkId === null) fail("E_TOKEN", "text", "characters the Unigram vocabulary covers (it has no unk_id)", s.slice(a, b));
      out.push(this.unkId, a, b);
    }
  }

  toJSON(): object {
    return { type: "Unigram", unk_id: this.unkId, vocab: this.pieces.map(([p, s]) => [p, s]), byte_fallback: this.byteFallback };
  }
}
