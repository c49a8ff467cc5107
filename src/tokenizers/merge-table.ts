// The WASM side of BPE encoding: a merge table (left id, right id) → (rank, merged id) built once
// in WASM memory (assembly/bpe-merge.ts), and `merge` which runs rank-based merging over one piece's
// symbol ids. From tiktoken ranks the table holds every split of every token into two tokens, so
// pair-keyed merging reproduces tiktoken's byte-string merging exactly; TokenBytesIndex is the
// vocabulary's bytes → id hash those pairs are derived from and tiktoken's whole-piece lookup uses.
//
// Memory: merging n symbols needs 4n bytes of ids plus bpeMergeScratchBytes(n) (24 bytes per
// symbol in all). A table keeps scratch for SMALL_PIECE symbols; a longer piece gets a block of its
// own that `trim()` frees once the call that needed it is over. Blocks are allocated before the
// ones they replace are freed, so an E_OOM leaves the object as it was.

import { heapI32, heapU8, kernels } from "../runtime/wasm.js";
import { BytesIndex } from "../runtime/abi.js";
import { TesseraError } from "../errors.js";
import { WasmBlocks } from "./wasm-blocks.js";

/** Pieces up to this many symbols merge in the scratch a table keeps (≈ 400 KB). */
export const SMALL_PIECE = 1 << 14;

/** Bytes of WASM memory a piece of n symbols needs to merge (ids and merge scratch). */
export function mergeBytes(n: number): number {
  return 4 * n + kernels().bpeMergeScratchBytes(n);
}

function nextPow2(n: number): number {
  let c = 16;
  while (c < n) c *= 2;
  return c;
}

/** Token index × 256 + length must fit the hash slot's i32 (bpe-merge.ts bytesSlot). */
const MAX_INDEXED_TOKENS = (1 << 23) - 1;

/**
 * The vocabulary's token bytes in WASM memory with a hash from bytes to token index (and each
 * token's id): the whole-piece lookup of tiktoken encoding, and the source of its merge pairs.
 * `struct` points at the BytesIndex record (abi.ts) for kernels that take it whole.
 */
export class TokenBytesIndex {
  readonly struct: number;
  readonly hash: number;
  readonly mask: number;
  readonly bytes: number;
  readonly offsets: number;
  readonly ids: number;
  private readonly blocks: WasmBlocks;

  private constructor(readonly size: number, nBytes: number) {
    this.blocks = new WasmBlocks(this, "TokenBytesIndex");
    const hashCap = nextPow2(size * 2 + 2);
    try {
      this.bytes = this.blocks.alloc(nBytes + 16); // the kernels read keys 8 bytes at a time
      this.offsets = this.blocks.alloc((size + 1) * 4);
      this.ids = this.blocks.alloc(Math.max(16, size * 4));
      this.hash = this.blocks.alloc(hashCap * 16);
      this.struct = this.blocks.alloc(BytesIndex.size);
    } catch (e) {
      this.blocks.dispose();
      throw e;
    }
    this.mask = hashCap - 1;
    const i32 = heapI32();
    const s = this.struct >> 2;
    i32[s + (BytesIndex.hash >> 2)] = this.hash;
    i32[s + (BytesIndex.mask >> 2)] = this.mask;
    i32[s + (BytesIndex.bytes >> 2)] = this.bytes;
    i32[s + (BytesIndex.offsets >> 2)] = this.offsets;
  }

  /** tokens[i] has id ids[i]. Fails with E_FORMAT when two tokens share the same bytes. */
  static build(tokens: readonly Uint8Array[], ids: Int32Array): TokenBytesIndex {
    if (tokens.length > MAX_INDEXED_TOKENS) {
      throw new TesseraError("E_FORMAT", `vocabulary: expected at most ${MAX_INDEXED_TOKENS} tokens, received ${tokens.length}`);
    }
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

  /** Id of the token whose bytes are WASM memory [p, p + n) (with 8 bytes of slack after), or −1. */
  lookup(p: number, n: number): number {
    this.blocks.check();
    return kernels().bpeBytesLookup(this.hash, this.mask, this.bytes, this.offsets, p, n);
  }

  /** WASM bytes held. */
  get wasmBytes(): number {
    return this.blocks.bytes;
  }

  dispose(): void {
    this.blocks.dispose();
  }
}

export class MergeTable {
  private readonly table: number;
  private readonly mask: number;
  private readonly blocks: WasmBlocks;
  /** The scratch kept between calls: SMALL_PIECE ids, then merge scratch for as many symbols. */
  private readonly smallScratch: number;
  /** A block for the current long piece (0: none); trim() frees it. */
  private largeScratch = 0;
  private largeSymbols = 0;
  /** Where the last reserve() put the ids, and for how many symbols. */
  private scratch = 0;
  private scratchSymbols = 0;
  /** Number of (left, right) pairs in the table. */
  size = 0;

  private constructor(capacity: number) {
    this.blocks = new WasmBlocks(this, "tokenizer merge table");
    try {
      this.table = this.blocks.alloc(capacity * 16);
      this.smallScratch = this.blocks.alloc(mergeBytes(SMALL_PIECE) + 16);
    } catch (e) {
      this.blocks.dispose();
      throw e;
    }
    this.mask = capacity - 1;
    kernels().bpeTableClear(this.table, capacity);
  }

  /**
   * Hugging Face merges: (left, right, merged) id triples, rank = position. A pair listed twice
   * keeps its last rank, as Hugging Face's BPE builder does (its merge map keeps the last insert).
   */
  static fromMerges(triples: Int32Array): MergeTable {
    const n = triples.length / 3;
    const t = new MergeTable(nextPow2(n * 2 + 2));
    // Kernel rows are (left, right, rank, merged) and the first insertion of a pair wins: insert
    // from the last rank down.
    const reversed = new Int32Array(n * 4);
    for (let k = 0; k < n; k++) {
      const r = n - 1 - k;
      reversed.set([triples[3 * r], triples[3 * r + 1], r, triples[3 * r + 2]], 4 * k);
    }
    let p = 0;
    try {
      p = t.blocks.alloc(Math.max(16, reversed.byteLength));
      heapI32().set(reversed, p >> 2);
      t.size = kernels().bpeTableInsertMany(t.table, t.mask, p, n);
    } catch (e) {
      t.dispose();
      throw e;
    } finally {
      t.blocks.free(p);
    }
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
    this.blocks.check();
    return { table: this.table, mask: this.mask };
  }

  /** The scratch kept between calls, for kernels that merge on their own: ids then merge scratch. */
  get keptScratch(): { ptr: number; symbols: number } {
    this.blocks.check();
    return { ptr: this.smallScratch, symbols: SMALL_PIECE };
  }

  /** Rank of the merge (left, right), or -1. */
  rank(left: number, right: number): number {
    this.blocks.check();
    return kernels().bpeTableRank(this.table, this.mask, left, right);
  }

  /** A symbol buffer for n ids in WASM memory; returns its i32 index (re-derive views after). */
  reserve(n: number): number {
    this.blocks.check();
    if (n <= SMALL_PIECE) {
      this.scratch = this.smallScratch;
      this.scratchSymbols = SMALL_PIECE;
    } else {
      if (n > this.largeSymbols) {
        const bytes = mergeBytes(n) + 16;
        if (bytes > 0x7fffffff) {
          throw new TesseraError("E_OOM", `merging a piece of ${n} symbols: expected at most ${0x7fffffff} bytes of scratch, received a need for ${bytes}`);
        }
        const p = this.blocks.alloc(bytes); // before freeing the old block: an E_OOM changes nothing
        this.blocks.free(this.largeScratch);
        this.largeScratch = p;
        this.largeSymbols = n;
      }
      this.scratch = this.largeScratch;
      this.scratchSymbols = this.largeSymbols;
    }
    return this.scratch >> 2;
  }

  /** Merges the n ids at the reserved buffer in place; returns the new count. */
  merge(n: number): number {
    this.blocks.check();
    const ids = this.scratch;
    return kernels().bpeMerge(this.table, this.mask, ids, n, ids + this.scratchSymbols * 4);
  }

  /**
   * Merges the bytes WASM [p, p + n) as symbols (byteToId: WASM [256] i32, −1 = no token); the ids
   * are heapI32()[at, at + count) until the next call or trim(). Uses a block of its own when
   * n > SMALL_PIECE.
   */
  mergeBytes(p: number, n: number, byteToId: number): { at: number; count: number } {
    const base = this.reserve(n);
    const count = kernels().bpeMergeBytes(this.table, this.mask, p, n, byteToId, base << 2, (base << 2) + this.scratchSymbols * 4);
    return { at: base, count };
  }

  /** Frees the block of a long piece, if any: between calls a table keeps only its small scratch. */
  trim(): void {
    if (this.largeScratch === 0) return;
    this.blocks.free(this.largeScratch);
    this.largeScratch = 0;
    this.largeSymbols = 0;
    if (this.scratch !== this.smallScratch) {
      this.scratch = this.smallScratch;
      this.scratchSymbols = SMALL_PIECE;
    }
  }

  /** WASM bytes held (the table, the kept scratch, a long piece's block until trim()). */
  get wasmBytes(): number {
    return this.blocks.bytes;
  }

  dispose(): void {
    this.largeScratch = 0;
    this.blocks.dispose();
  }
}
