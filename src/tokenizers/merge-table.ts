// The WASM side of BPE encoding: a merge table (left id, right id) → (rank, merged id) built once
// in WASM memory (assembly/bpe.ts), and `merge` which runs rank-based merging over one piece's
// symbol ids. From tiktoken ranks the table holds every split of every token into two tokens, so
// pair-keyed merging reproduces tiktoken's byte-string merging exactly; TokenBytesIndex is the
// vocabulary's bytes → id hash those pairs are derived from and tiktoken's whole-piece lookup uses.

import { alloc, free, heapI32, heapU8, kernels } from "../runtime/wasm.js";
import { TesseraError } from "../errors.js";

function nextPow2(n: number): number {
  let c = 16;
  while (c < n) c *= 2;
  return c;
}

/**
 * The vocabulary's token bytes in WASM memory with a hash from bytes to token index (and each
 * token's id): the whole-piece lookup of tiktoken encoding, and the source of its merge pairs.
 * `struct` points at i32 {hash, mask, bytes, offsets} for kernels that take it whole.
 */
export class TokenBytesIndex {
  readonly struct: number;
  readonly hash: number;
  readonly mask: number;
  readonly bytes: number;
  readonly offsets: number;
  readonly ids: number;

  private constructor(readonly size: number, nBytes: number) {
    const hashCap = nextPow2(size * 2 + 2);
    this.bytes = alloc(nBytes + 16); // the kernels read keys 8 bytes at a time
    this.offsets = alloc((size + 1) * 4);
    this.ids = alloc(Math.max(16, size * 4));
    this.hash = alloc(hashCap * 16);
    this.mask = hashCap - 1;
    this.struct = alloc(32);
    heapI32().set([this.hash, this.mask, this.bytes, this.offsets], this.struct >> 2);
  }

  /** tokens[i] has id ids[i]. Fails with E_FORMAT when two tokens share the same bytes. */
  static build(tokens: Uint8Array[], ids: Int32Array): TokenBytesIndex {
    let nBytes = 0;
    for (const t of tokens) nBytes += t.length;
    const x = new TokenBytesIndex(tokens.length, nBytes);
    const u8 = heapU8();
    const i32 = heapI32();
    let at = 0;
    for (let i = 0; i < tokens.length; i++) {
      i32[(x.offsets >> 2) + i] = at;
      u8.set(tokens[i], x.bytes + at);
      at += tokens[i].length;
    }
    i32[(x.offsets >> 2) + tokens.length] = at;
    i32.set(ids, x.ids >> 2);
    const dup = kernels().bpeBytesHashBuild(x.hash, x.mask, x.bytes, x.offsets, x.ids, tokens.length);
    if (dup >= 0) {
      x.dispose();
      throw new TesseraError("E_FORMAT", `ranks: expected each token's bytes once, received a second token with the bytes of another (rank ${ids[dup]})`);
    }
    return x;
  }

  private live = true;

  dispose(): void {
    if (!this.live) return;
    this.live = false;
    for (const p of [this.struct, this.hash, this.ids, this.offsets, this.bytes]) free(p);
  }
}

export class MergeTable {
  private table = 0;
  private mask = 0;
  private scratch = 0;
  private scratchSymbols = 0;
  /** Number of (left, right) pairs in the table. */
  size = 0;

  private constructor(capacity: number) {
    this.table = alloc(capacity * 16);
    this.mask = capacity - 1;
    kernels().bpeTableClear(this.table, capacity);
  }

  /** Hugging Face merges: quads of (left, right, rank, merged), ranks in merge order. */
  static fromMerges(quads: Int32Array): MergeTable {
    const n = quads.length / 4;
    const t = new MergeTable(nextPow2(n * 2 + 2));
    const p = alloc(Math.max(16, quads.byteLength));
    heapI32().set(quads, p >> 2);
    t.size = kernels().bpeTableInsertMany(t.table, t.mask, p, n);
    free(p);
    return t;
  }

  /** tiktoken ranks: every split of each token of `index` into two tokens becomes a pair. */
  static fromTokens(index: TokenBytesIndex): MergeTable {
    // Splits per token are few (≈ 2 on cl100k); size the table for 4 per token to stay sparse.
    const t = new MergeTable(nextPow2(index.size * 4 + 2));
    t.size = kernels().bpeTableFromTokens(t.table, t.mask, index.hash, index.mask, index.bytes, index.offsets, index.ids, index.size);
    return t;
  }

  /** The table's address and hash mask, for kernels that merge on their own (pretokenize.ts). */
  get address(): { table: number; mask: number } {
    return { table: this.table, mask: this.mask };
  }

  /** Rank of the merge (left, right), or -1. */
  rank(left: number, right: number): number {
    return kernels().bpeTableRank(this.table, this.mask, left, right);
  }

  /** A symbol buffer for `maxSymbols` ids in WASM memory; returns its i32 index (re-derive views after). */
  reserve(maxSymbols: number): number {
    if (maxSymbols > this.scratchSymbols) {
      if (this.scratch) free(this.scratch);
      const n = Math.max(256, maxSymbols * 2);
      // ids (4n) + links (8n) + heap (24n) + alignment
      this.scratch = alloc(n * 36 + 16);
      this.scratchSymbols = n;
    }
    return this.scratch >> 2;
  }

  /** Merges the n ids at the reserved buffer in place; returns the new count. */
  merge(n: number): number {
    const ids = this.scratch;
    return kernels().bpeMerge(this.table, this.mask, ids, n, ids + this.scratchSymbols * 4);
  }

  dispose(): void {
    if (this.table) free(this.table);
    if (this.scratch) free(this.scratch);
    this.table = 0;
    this.scratch = 0;
    this.scratchSymbols = 0;
  }
}
