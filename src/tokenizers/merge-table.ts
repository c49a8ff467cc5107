// The WASM side of BPE encoding: a merge table (left id, right id) → (rank, merged id) built once
// in WASM memory (assembly/bpe.ts), and `merge` which runs rank-based merging over one piece's
// symbol ids. From tiktoken ranks the table holds every split of every token into two tokens, so
// pair-keyed merging reproduces tiktoken's byte-string merging exactly.

import { alloc, free, heapI32, heapU8, kernels } from "../runtime/wasm.js";
import { TesseraError } from "../errors.js";

function nextPow2(n: number): number {
  let c = 16;
  while (c < n) c *= 2;
  return c;
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

  /**
   * tiktoken ranks: tokens[i] has id ids[i] (its rank). Fails with E_FORMAT when two tokens share
   * the same bytes.
   */
  static fromTokens(tokens: Uint8Array[], ids: Int32Array): MergeTable {
    const nTokens = tokens.length;
    let nBytes = 0;
    for (const t of tokens) nBytes += t.length;
    const bytesPtr = alloc(Math.max(16, nBytes));
    const offsetsPtr = alloc((nTokens + 1) * 4);
    const idsPtr = alloc(Math.max(16, nTokens * 4));
    const hashCap = nextPow2(nTokens * 2 + 2);
    const hashPtr = alloc(hashCap * 4);
    try {
      const u8 = heapU8();
      const i32 = heapI32();
      let at = 0;
      for (let i = 0; i < nTokens; i++) {
        i32[(offsetsPtr >> 2) + i] = at;
        u8.set(tokens[i], bytesPtr + at);
        at += tokens[i].length;
      }
      i32[(offsetsPtr >> 2) + nTokens] = at;
      i32.set(ids, idsPtr >> 2);
      const k = kernels();
      const dup = k.bpeBytesHashBuild(hashPtr, hashCap - 1, bytesPtr, offsetsPtr, nTokens);
      if (dup >= 0) {
        throw new TesseraError("E_FORMAT", `ranks: expected each token's bytes once, received a second token with the bytes of another (rank ${ids[dup]})`);
      }
      // Splits per token are few (≈ 2 on cl100k); size the table for 4 per token to stay sparse.
      const t = new MergeTable(nextPow2(nTokens * 4 + 2));
      t.size = k.bpeTableFromTokens(t.table, t.mask, hashPtr, hashCap - 1, bytesPtr, offsetsPtr, idsPtr, nTokens);
      return t;
    } finally {
      free(hashPtr);
      free(idsPtr);
      free(offsetsPtr);
      free(bytesPtr);
    }
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
