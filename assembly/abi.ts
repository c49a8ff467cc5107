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
  export const tokenize: i32 = 2; // pretokenize.ts bpeTokenizeTiles: documents encoded on threads
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

// Whole-text encoding's resumable state (pretokenize.ts bpeEncodeText): where it stopped, the
// ids written to `out` since the caller last drained it, and the piece it left to the caller. The
// kernel returns one of EncodeStatus.
export namespace EncodeState {
  export const pos: i32 = 0; // byte offset in the text of the next piece (SplitPattern.pieces: its index)
  export const count: i32 = 4; // ids in out
  export const pieceLen: i32 = 8; // with EncodeStatus.longPiece: bytes of the piece left to the caller
  export const pieceStart: i32 = 12; // with EncodeStatus.longPiece: its byte offset (pos is already past it)
  export const size: i32 = 16;
}

export namespace EncodeStatus {
  export const done: i32 = 0;
  export const longPiece: i32 = 1; // the piece at pos is longer than the scratch: the caller merges it
  export const outFull: i32 = 2; // out has no room for the next piece: the caller drains it
}

// How whole-text encoding cuts text into pieces (pretokenize.ts): the scanners of tiktoken's
// patterns, or piece bounds the caller found with any other regex.
export namespace SplitPattern {
  export const cl100k: i32 = 0;
  export const o200k: i32 = 1;
  export const gpt2: i32 = 2; // r50k_base / p50k_base
  export const pieces: i32 = 3; // text's pieces given as [start, end) byte pairs
}

// Code-point classes of the scanners' table (pretokenize.ts), filled by the caller from the JS
// regex's own Unicode classes; 0 = not yet classified.
export namespace CharClass {
  export const upper: i32 = 1; // Unicode categories Lu, Lt
  export const lower: i32 = 2; // Ll
  export const letter: i32 = 3; // Lm, Lo
  export const mark: i32 = 4; // M
  export const digit: i32 = 5; // N
  export const space: i32 = 6; // \s other than \r \n
  export const newline: i32 = 7; // \r \n
  export const other: i32 = 8;
}

// A tokenizer's read-only encoding tables (pretokenize.ts; src/tokenizers/wasm-encoder.ts): i32
// fields at these byte offsets, pointers into WASM memory.
export namespace BpeEncoder {
  export const pattern: i32 = 0; // a SplitPattern
  export const classes: i32 = 4; // one byte per code point (pretokenize.ts CharClass), 0 unclassified
  export const byteToId: i32 = 8; // [256] i32, -1: no token
  export const table: i32 = 12; // merge table (bpe-merge.ts)
  export const mask: i32 = 16;
  export const index: i32 = 20; // BytesIndex record for the whole-piece lookup, or 0
  export const bounds: i32 = 24; // SplitPattern.pieces: [start, end) i32 byte pairs
  export const size: i32 = 32;
}

// What one participant of a tokenize job (or a single-threaded caller) encodes with: its own piece
// cache, merge scratch and id buffer, and an EncodeState at `state`.
export namespace EncodeWorker {
  export const cache: i32 = 0; // PieceCache record
  export const scratch: i32 = 4; // `cap` ids then bpeMergeScratchBytes(cap) bytes
  export const cap: i32 = 8;
  export const out: i32 = 12; // ids, room for outCap
  export const outCap: i32 = 16;
  export const state: i32 = 32; // EncodeState, inline
  export const size: i32 = 48;
}

// Payload of a JobKind.tokenize job (after Job.payload): documents concatenated as UTF-8, each
// encoded by whichever participant claims its tile.
export namespace TokenizeJob {
  export const encoder: i32 = 0; // BpeEncoder record
  export const text: i32 = 4; // UTF-8 of every document, 8 bytes of slack at the end
  export const docs: i32 = 8; // [nDocs + 1] i32 byte offsets
  export const nDocs: i32 = 12;
  export const docsPerTile: i32 = 16;
  export const out: i32 = 20; // ids: document d's at out + 4·docs[d] (≤ one id per byte); 0: count only
  export const counts: i32 = 24; // [nDocs] i32 ids per document; -1: a piece too long for the scratch (caller redoes it)
  export const workers: i32 = 28; // EncodeWorker records, one per participant index
  export const size: i32 = 32;
}
