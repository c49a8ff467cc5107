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
  export const geluTanh: i32 = 12; // GELU's tanh approximation (torch approximate="tanh", GPT-2's gelu_new)
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
  export const attentionForward: i32 = 2;
  export const attentionBackward: i32 = 3;
  export const attentionDecode: i32 = 4;
  export const gemv: i32 = 5;
}

// The gemv job record (gemv.ts): its size in bytes, Job header included.
export namespace GemvJob {
  export const bytes: i32 = 192;
}

// How an attention mask's values are read (attention.ts): added to the scores (float32), or an int32
// mask whose nonzero entries keep a position (torch's scaled_dot_product_attention bool mask) or
// drop it (nn.MultiheadAttention's bool masks).
export namespace AttnMask {
  export const none: i32 = 0;
  export const add: i32 = 1;
  export const keepNonzero: i32 = 2;
  export const dropNonzero: i32 = 3;
}

// The attention job record (attention.ts), written by src/backend/cpu-wasm/attention.ts after the
// Job header. Pointers are byte addresses (0 = absent); strides are in elements: q, k, v, out, kNew,
// vNew as (batch, head, row) with the feature dimension contiguous; masks as (batch, head, query,
// key), 0 on broadcast dimensions. dq, dk, dv use q's, k's, v's strides and dout uses out's. With
// kNew set, each head first copies its tq new key/value rows into k/v at rows tk − tq … tk − 1 (a
// KV cache). Query i sees key j when j ≤ i + causalOffset (with causal) and the masks allow it.
export namespace Attn {
  export const q: i32 = 128;
  export const k: i32 = 132;
  export const v: i32 = 136;
  export const out: i32 = 140;
  export const lse: i32 = 144; // f32 [batch, heads, tq] log-sum-exp of each query row's scores
  export const dout: i32 = 148;
  export const dq: i32 = 152;
  export const dk: i32 = 156;
  export const dv: i32 = 160;
  export const mask1: i32 = 164;
  export const mask2: i32 = 168;
  export const kNew: i32 = 172;
  export const vNew: i32 = 176;
  export const batch: i32 = 180;
  export const heads: i32 = 184;
  export const tq: i32 = 188;
  export const tk: i32 = 192;
  export const dimQK: i32 = 196;
  export const dimV: i32 = 200;
  export const causal: i32 = 204;
  export const causalOffset: i32 = 208;
  export const mask1Kind: i32 = 212;
  export const mask2Kind: i32 = 216;
  export const seedLo: i32 = 220;
  export const seedHi: i32 = 224;
  export const scale: i32 = 228; // f32
  export const dropout: i32 = 232; // f32 probability of dropping an attention weight
  export const qStrides: i32 = 236;
  export const kStrides: i32 = 248;
  export const vStrides: i32 = 260;
  export const outStrides: i32 = 272;
  export const mask1Strides: i32 = 284;
  export const mask2Strides: i32 = 300;
  export const kNewStrides: i32 = 316;
  export const vNewStrides: i32 = 328;
  export const slices: i32 = 340; // per-participant scratch, sliceBytes each
  export const sliceBytes: i32 = 344;
  export const bytes: i32 = 384;
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
