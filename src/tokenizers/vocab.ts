// A tokenizer's id → token-bytes table. Vocabularies are dense in practice, but a file may name any
// id up to MAX_TOKEN_ID, so the table keeps its ids sorted beside their bytes and finds an id's slot
// through a dense index only when that index is at most a few times the vocabulary's size, else
// through a Map: loading and lookups cost O(tokens), never O(largest id).

import { TesseraError } from "../errors.js";

/**
 * Largest token id: the WASM kernels hold ids in i32 slots with −1 for "no token", so ids are
 * non-negative int32 (Hugging Face allows u32; ids from 2^31 on are rejected with E_FORMAT).
 */
export const MAX_TOKEN_ID = 0x7fffffff;

/** Holey arrays longer than this are read through their keys (a plain loop would visit every hole). */
const DENSE_SCAN_LIMIT = 1 << 22;

export function isTokenId(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_TOKEN_ID;
}

export function tokenIdError(arg: string, v: unknown): TesseraError {
  return new TesseraError("E_FORMAT", `${arg}: expected a token id, an integer in [0, ${MAX_TOKEN_ID}] (ids are int32 in the kernels), received ${String(v)}`);
}

export class TokenTable {
  /** Ids in ascending order. */
  readonly ids: Int32Array;
  /** bytes[i] is the token with id ids[i]. */
  readonly bytes: Uint8Array[];
  /** Largest id, or −1 when empty. */
  readonly maxId: number;
  private readonly denseSlot: Int32Array | null;
  private readonly sparseSlot: Map<number, number> | null;

  private constructor(ids: Int32Array, bytes: Uint8Array[]) {
    this.ids = ids;
    this.bytes = bytes;
    const n = ids.length;
    this.maxId = n === 0 ? -1 : ids[n - 1];
    if (this.maxId < 4 * n + 1024) {
      this.denseSlot = new Int32Array(this.maxId + 1).fill(-1);
      for (let i = 0; i < n; i++) this.denseSlot[ids[i]] = i;
      this.sparseSlot = null;
    } else {
      this.denseSlot = null;
      this.sparseSlot = new Map();
      for (let i = 0; i < n; i++) this.sparseSlot.set(ids[i], i);
    }
  }

  /** From (id, bytes) pairs in any order; ids must be valid and distinct (`arg` names the source). */
  static fromEntries(entries: Iterable<readonly [number, Uint8Array]>, arg = "tokens"): TokenTable {
    const ids: number[] = [];
    const bytes: Uint8Array[] = [];
    for (const [id, b] of entries) { ids.push(id); bytes.push(b); }
    return TokenTable.fromLists(ids, bytes, arg);
  }

  /** From parallel lists: bytes[i] is the token with id ids[i], in any order. */
  static fromLists(ids: readonly number[], bytes: readonly Uint8Array[], arg = "tokens"): TokenTable {
    let sorted = true;
    for (let i = 0; i < ids.length; i++) {
      if (!isTokenId(ids[i])) throw tokenIdError(`${arg} id`, ids[i]);
      if (!(bytes[i] instanceof Uint8Array)) throw new TesseraError("E_TYPE", `${arg}[${ids[i]}]: expected token bytes as a Uint8Array`);
      if (i > 0 && ids[i] <= ids[i - 1]) sorted = false;
    }
    // Files list their ids in order; sort only when they do not.
    const order = Int32Array.from({ length: ids.length }, (_, i) => i);
    if (!sorted) order.sort((a, b) => ids[a] - ids[b]);
    const outIds = new Int32Array(ids.length);
    const outBytes: Uint8Array[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      outIds[i] = ids[order[i]];
      outBytes[i] = bytes[order[i]];
      if (i > 0 && outIds[i] === outIds[i - 1]) throw new TesseraError("E_FORMAT", `${arg}: expected each id once, received id ${outIds[i]} twice`);
    }
    return new TokenTable(outIds, outBytes);
  }

  /** From an id-indexed array, holes allowed (a holey array of length 2^31 costs its entries, not its length). */
  static fromArray(tokens: readonly (Uint8Array | undefined)[], arg = "tokens"): TokenTable {
    const ids: number[] = [];
    const bytes: Uint8Array[] = [];
    if (tokens.length <= DENSE_SCAN_LIMIT) {
      for (let id = 0; id < tokens.length; id++) {
        const b = tokens[id];
        if (b !== undefined) { ids.push(id); bytes.push(b); }
      }
    } else {
      for (const key of Object.keys(tokens)) {
        const id = Number(key);
        const b = tokens[id];
        if (Number.isInteger(id) && b !== undefined) { ids.push(id); bytes.push(b); }
      }
    }
    return TokenTable.fromLists(ids, bytes, arg);
  }

  get size(): number {
    return this.ids.length;
  }

  /** Position of id in ids/bytes, or −1. */
  slot(id: number): number {
    if (this.denseSlot !== null) return id >= 0 && id <= this.maxId && Number.isInteger(id) ? this.denseSlot[id] : -1;
    return this.sparseSlot!.get(id) ?? -1;
  }

  get(id: number): Uint8Array | undefined {
    const s = this.slot(id);
    return s < 0 ? undefined : this.bytes[s];
  }
}
