// The contract between the kernels and their callers: every op code and every record layout that
// crosses the WASM boundary, in one place. scripts/build-wasm.mjs turns each namespace below into a
// `const` object of the same name in src/runtime/abi.ts (and the WebGPU shaders read the same
// codes), so no side keeps a hand copy. Only `export const name: i32 = <integer>;` lines belong here.

// Unary elementwise ops (elementwise.ts unaryF32 / unaryBackwardF32).
export namespace Unary {
  export const neg: i32 = 0;
  export const exp: i32 = 1;
  export const log: i32 = 2;
  export const sqrt: i32 = 3;
  export const tanh: i32 = 4;
  export const sigmoid: i32 = 5;
  export const relu: i32 = 6;
  export const gelu: i32 = 7;
  export const silu: i32 = 8;
  export const pow: i32 = 9;
  export const abs: i32 = 10;
  export const square: i32 = 11;
}

// Binary elementwise ops (elementwise.ts binary*F32).
export namespace Binary {
  export const add: i32 = 0;
  export const sub: i32 = 1;
  export const mul: i32 = 2;
  export const div: i32 = 3;
  export const maximum: i32 = 4;
  export const minimum: i32 = 5;
}

// Reductions along one axis (reduce.ts reduceAxisF32).
export namespace Reduce {
  export const sum: i32 = 0;
  export const mean: i32 = 1;
  export const max: i32 = 2;
  export const min: i32 = 3;
}

// The worker pool's control block (src/runtime/pool.ts allocates it; parallel.ts reads it). Byte
// offsets; `gen` sits on its own cache line because sleeping workers poll it.
export namespace Ctl {
  export const active: i32 = 0; // participants inside join()
  export const open: i32 = 4; // 1 while the job accepts participants
  export const job: i32 = 8; // byte address of the job record
  export const live: i32 = 12; // pool workers with a higher index leave (src/runtime/pool.ts)
  export const gen: i32 = 64; // bumped to wake workers
  export const bytes: i32 = 128;
}

// The header every job record starts with (parallel.ts); the kind's own fields follow at `payload`.
export namespace Job {
  export const next: i32 = 0; // next tile to claim (own cache line: every participant hits it)
  export const kind: i32 = 64; // a JobKind
  export const threads: i32 = 68; // participants admitted (worker index < threads)
  export const tiles: i32 = 72; // tiles in the job
  export const payload: i32 = 128;
}

// What jobs.ts join() dispatches on.
export namespace JobKind {
  export const gemm: i32 = 1;
}

// BPE training state (bpe-train.ts): i32 fields at these byte offsets, written by the caller
// (pointers and capacities) and updated by the kernels (counts).
export namespace BpeTrainState {
  export const sym: i32 = 0; // i32 symbols; word w at sym[wordStart[w] .. + wordLen[w])
  export const wordStart: i32 = 4;
  export const wordLen: i32 = 8;
  export const wordCount: i32 = 12;
  export const nWords: i32 = 16;
  export const table: i32 = 20; // i32 pair index per slot, -1 empty
  export const tableMask: i32 = 24;
  export const pairs: i32 = 28; // 16 bytes per pair: left, right, count, occurrence list head
  export const maxPairs: i32 = 32;
  export const nPairs: i32 = 36;
  export const occ: i32 = 40; // 8 bytes per node: word, next node
  export const occCap: i32 = 44;
  export const nOcc: i32 = 48;
  export const heap: i32 = 52; // 8 bytes per entry: count, pair
  export const heapCap: i32 = 56;
  export const heapSize: i32 = 60;
  export const wordStamp: i32 = 64; // i32 per word: last step that merged it
  export const pairStamp: i32 = 68; // i32 per pair: last step that queued it
  export const step: i32 = 72;
  export const touched: i32 = 76; // i32 list of pairs whose count rose this step
  export const nTouched: i32 = 80;
  export const overflow: i32 = 84;
  export const pairBytes: i32 = 16; // one entry of `pairs`: left, right, count, head
  export const bytes: i32 = 128;
}

// Recurrent layers (rnn.ts): the cell of a layer and the job kinds of its time steps, which jobs.ts
// join() dispatches on beside JobKind's (numbered apart from them).
export namespace Rnn {
  export const lstm: i32 = 0; // gates i, f, g, o (torch order)
  export const gru: i32 = 1; // gates r, z, n
  export const rnnTanh: i32 = 2;
  export const rnnRelu: i32 = 3;
  export const forwardJob: i32 = 32; // one forward time step
  export const backwardJob: i32 = 33; // one backward time step
}

// The vocabulary's token-bytes index (bpe-merge.ts bytesSlot; src/tokenizers/merge-table.ts
// TokenBytesIndex): i32 fields at these byte offsets, pointers into WASM memory.
export namespace BytesIndex {
  export const hash: i32 = 0; // 16-byte slots: first 8 bytes, id, token index << 8 | min(len, 255)
  export const mask: i32 = 4;
  export const bytes: i32 = 8; // every token's bytes back to back, 8 bytes of slack at the end
  export const offsets: i32 = 12; // i32 per token + 1: token t is bytes[offsets[t] .. offsets[t + 1])
  export const size: i32 = 16;
}

// The piece cache of whole-text encoding (pretokenize.ts; src/tokenizers/cl100k-encoder.ts).
export namespace PieceCache {
  export const slots: i32 = 0; // 16-byte slots: first 8 bytes, arena offset, id count << 8 | len
  export const mask: i32 = 4;
  export const arena: i32 = 8; // each piece's bytes (padded to 4) then its ids
  export const arenaCap: i32 = 12;
  export const arenaUsed: i32 = 16;
  export const count: i32 = 20;
  export const size: i32 = 32;
}

// Whole-text encoding's resumable state (pretokenize.ts bpeEncodeCl100k): where it stopped, the
// ids written to `out` since the caller last drained it, and the length of a piece it left to the
// caller. The kernel returns one of EncodeStatus.
export namespace EncodeState {
  export const pos: i32 = 0; // byte offset in the text of the next piece
  export const count: i32 = 4; // ids in out
  export const pieceLen: i32 = 8; // with EncodeStatus.longPiece: bytes of the piece at pos
  export const size: i32 = 16;
}

export namespace EncodeStatus {
  export const done: i32 = 0;
  export const longPiece: i32 = 1; // the piece at pos is longer than the scratch: the caller merges it
  export const outFull: i32 = 2; // out has no room for the next piece: the caller drains it
}
