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
  export const kmeans: i32 = 2;
  export const knn: i32 = 3;
  export const tsne: i32 = 4;
  export const covariance: i32 = 5;
  export const word2vec: i32 = 8;
  export const glove: i32 = 9;
  export const vectorSearch: i32 = 10;
  export const tokenize: i32 = 11; // pretokenize.ts bpeTokenizeTiles: documents encoded on threads
  export const attentionForward: i32 = 12;
  export const attentionBackward: i32 = 13;
  export const attentionDecode: i32 = 14;
  export const gemv: i32 = 15;
}

// What one tile of a k-means job does (kmeans.ts).
export namespace KMeansPhase {
  export const assign: i32 = 0; // label each row by its nearest centre (Lloyd)
  export const elkanInit: i32 = 1; // Elkan's bounds from scratch (sklearn init_bounds_dense)
  export const elkan: i32 = 2; // one Elkan pass: exact distances only where the bounds fail
  export const seed: i32 = 3; // k-means++: distances to the candidate centres, min'd with the closest so far
  export const distances: i32 = 4; // euclidean distance of each row to every centre (transform)
}

// Bits of KMeansJob.flags for the assign and Elkan phases.
export namespace KMeansFlag {
  export const update: i32 = 1; // per-chunk sums and counts of the rows of each cluster
  export const inertia: i32 = 2; // per-chunk Σ‖x − c_label‖², by direct differences
}

// A k-means job record: the Job header, then these fields (byte offsets). Tiles are (run, chunk)
// pairs: tile t works on run t / nChunks, rows of chunk t % nChunks.
export namespace KMeansJob {
  export const phase: i32 = 128;
  export const flags: i32 = 132;
  export const x: i32 = 136; // f32 [n, d] row-major
  export const xNorm: i32 = 140; // f32 [n] squared row norms
  export const n: i32 = 144;
  export const d: i32 = 148;
  export const k: i32 = 152; // centres of a run (seed phase: candidates)
  export const kPad: i32 = 156; // k rounded up to a multiple of 8 (one packed panel)
  export const chunkRows: i32 = 160; // rows per chunk, a multiple of 256
  export const nChunks: i32 = 164;
  export const runs: i32 = 168; // u32 [nRuns] addresses of KMeansRun records
  export const nRuns: i32 = 172;
  export const slices: i32 = 176; // per-participant scratch, sliceBytes each
  export const sliceBytes: i32 = 180;
  export const bytes: i32 = 192;
}

// One centre set (a k-means restart) of a k-means job: addresses of its buffers (byte offsets).
export namespace KMeansRun {
  export const centres: i32 = 0; // f32 [k, d] row-major
  export const packed: i32 = 4; // f32 [kPad / 8][d][8]: centres in panels of 8 (seed phase: candidates)
  export const norms: i32 = 8; // f32 [kPad] squared norms of the packed centres, +Infinity past k
  export const labels: i32 = 12; // i32 [n]
  export const sums: i32 = 16; // f64 [nChunks, k, d] per-chunk sums of rows by cluster
  export const counts: i32 = 20; // f64 [nChunks, k] per-chunk rows by cluster
  export const inertia: i32 = 24; // f64 [nChunks] per-chunk inertia
  export const changed: i32 = 28; // i32 [nChunks] rows whose label changed
  export const upper: i32 = 32; // Elkan: f32 [n] upper bound on the distance to the own centre
  export const lower: i32 = 36; // Elkan: f32 [n, k] lower bounds on the distances to every centre
  export const halfDist: i32 = 40; // Elkan: f32 [k, k] half the distances between centres
  export const nextCentre: i32 = 44; // Elkan: f32 [k] half the distance to the nearest other centre
  export const shift: i32 = 48; // Elkan: f32 [k] centre moves the next pass applies to the bounds
  export const closest: i32 = 52; // seed: f32 [n] squared distance to the nearest chosen centre
  export const trials: i32 = 56; // seed: f32 [nTrials, n] min(closest, squared distance to candidate)
  export const pot: i32 = 60; // seed: f64 [nChunks, nTrials] per-chunk Σ of trials
  export const commit: i32 = 64; // seed: the trial that becomes `closest` before the pass, -1 none
  export const out: i32 = 68; // distances: f32 [n, k]
  export const bytes: i32 = 128;
}

// A k-nearest-neighbours job record (neighbors.ts): every row of x against every other, brute force.
// Tiles are chunks of query rows.
export namespace KnnJob {
  export const x: i32 = 128; // f32 [n, d]
  export const xNorm: i32 = 132; // f32 [n] squared norms
  export const packed: i32 = 136; // f32 [nPad / 8][d][8]: the rows in panels of 8 (kmeans.ts layout)
  export const norms: i32 = 140; // f32 [nPad], +Infinity past n
  export const n: i32 = 144;
  export const d: i32 = 148;
  export const nPad: i32 = 152;
  export const k: i32 = 156;
  export const indices: i32 = 160; // i32 [n, k] out: neighbours by increasing distance
  export const distances: i32 = 164; // f32 [n, k] out: their squared distances
  export const chunkRows: i32 = 168;
  export const slices: i32 = 172;
  export const sliceBytes: i32 = 176;
  export const bytes: i32 = 192;
}

// What one tile (a chunk of rows) of a t-SNE job does (tsne.ts).
export namespace TsnePhase {
  export const perplexity: i32 = 0; // conditional P of each row by the binary search on its σ
  export const barnesHut: i32 = 1; // repulsion from the space-partitioning tree, attraction from sparse P
  export const exactSum: i32 = 2; // Σ_j of the Student-t kernel of each row (the normaliser Z)
  export const exactGrad: i32 = 3; // gradient and KL terms from dense P, given Z
}

// A t-SNE job record: the Job header, then these fields (byte offsets).
export namespace TsneJob {
  export const phase: i32 = 128;
  export const n: i32 = 132;
  export const dims: i32 = 136; // embedding dimensions (1..3 for Barnes–Hut)
  export const chunkRows: i32 = 140;
  export const nChunks: i32 = 144;
  export const y: i32 = 148; // f32 [n, dims] the embedding
  export const pos: i32 = 152; // f32 [n, dims] attractive forces (exact: the gradient)
  export const neg: i32 = 156; // f32 [n, dims] repulsive forces, not yet divided by Z
  export const indptr: i32 = 160; // i32 [n + 1] sparse P (CSR, symmetric, summing to 1)
  export const indices: i32 = 164; // i32 [nnz]
  export const values: i32 = 168; // f32 [nnz]
  export const dense: i32 = 172; // f32 [n, n] dense P (exact)
  export const tree: i32 = 176; // the tree flattened in depth-first order (TsneNode records, tsneBuildTree)
  export const dof: i32 = 184; // f32 degrees of freedom of the Student-t kernel
  export const exaggeration: i32 = 188; // f32 factor on P
  export const computeError: i32 = 192; // 1: accumulate the KL terms
  export const partials: i32 = 196; // f64 [nChunks, 4]: Σ size·q, Σ p·log p, Σ p·log q, Σ p
  export const sumQ: i32 = 200; // f32 Z for exactGrad
  export const order: i32 = 180; // i32 [n] Barnes–Hut rows in the tree's leaf order (spatially coherent)
  export const dist2: i32 = 204; // f32 [n, kNeighbors] squared distances (perplexity phase)
  export const kNeighbors: i32 = 208;
  export const perplexity: i32 = 212; // f32
  export const skipSelf: i32 = 216; // 1: dist2 rows hold all n points, column i of row i is skipped
  export const condP: i32 = 220; // f32 [n, kNeighbors] out: conditional probabilities
  export const slices: i32 = 224; // per-participant scratch (the tree traversal stack)
  export const sliceBytes: i32 = 228;
  export const bytes: i32 = 256;
}

// A cell of the Barnes–Hut tree (tsne.ts): byte offsets; children are 2^dims consecutive cells.
export namespace TsneCell {
  export const firstChild: i32 = 0; // i32, -1 for a leaf
  export const count: i32 = 4; // i32 points in the subtree
  export const point: i32 = 8; // i32 a point of a leaf
  export const sqWidth: i32 = 12; // f32 largest squared side
  export const com: i32 = 16; // f32 [3] centre of mass
  export const lo: i32 = 28; // f32 [3] bounds
  export const hi: i32 = 40; // f32 [3]
  export const depth: i32 = 52; // i32
  export const bytes: i32 = 64;
}

// A node of the flattened Barnes–Hut tree: byte offsets. Nodes are in depth-first order (a node's
// first child, if any, follows it), empty cells left out; `skip` is the index after its subtree.
export namespace TsneNode {
  export const com: i32 = 0; // f32 [3] centre of mass
  export const size: i32 = 12; // f32 points in the subtree
  export const open: i32 = 16; // f32 side² / angle²: the node is one body when distance² > open
  export const skip: i32 = 20; // i32
  export const bytes: i32 = 32;
}

// A covariance job record (linalg.ts): the Job header, then these fields. It computes the upper
// triangle of out = Yᵀ·Y for Y: f64 [m, p] (p a multiple of 4, zero-padded) in blocks of columns;
// tile t is the t-th (row block ≤ column block) pair.
export namespace CovarianceJob {
  export const y: i32 = 128; // f64 [m, p]
  export const m: i32 = 132;
  export const p: i32 = 136;
  export const out: i32 = 140; // f64 [p, p]
  export const blocks: i32 = 144; // column blocks of CovarianceJob.block columns
  export const block: i32 = 148;
  export const bytes: i32 = 192;
}

// A word2vec training job (w2v.ts): the Job header, then these fields (byte offsets; pointers are
// u32 byte addresses). Job tile t trains corpus tile tileFirst + t of the current epoch; a corpus
// tile is a batch of whole sentences of at most ~10 000 raw words (gensim's job).
export namespace W2vJob {
  export const ids: i32 = 128; // i32 [tokens] the corpus as word ids, in-vocabulary words only
  export const sentStart: i32 = 132; // i32 [sentences + 1] where each sentence starts in ids
  export const tileStart: i32 = 136; // i32 [tiles + 1] first sentence of each corpus tile
  export const tileAlpha: i32 = 140; // f32 [tiles] learning rate of each tile this epoch
  export const tileFirst: i32 = 144;
  export const syn0: i32 = 148; // f32 [rows, dim] input vectors: words, then n-gram buckets
  export const syn1: i32 = 152; // f32 [vocab, dim] output vectors (syn1neg)
  export const cumTable: i32 = 156; // u32 [vocab] gensim's cumulative unigram^ns_exponent table
  export const guide: i32 = 160; // i32 [guideSize + 1] first cumTable entry of each slice of the domain
  export const guideShift: i32 = 164;
  export const sampleInt: i32 = 168; // u32 [vocab] keep a word when a 32-bit draw is <= this; 0 ptr: no subsampling
  export const expTable: i32 = 172; // f32 [expTableSize] sigmoid, then f32 [expTableSize] log(sigmoid)
  export const subStart: i32 = 176; // i32 [vocab + 1] into subRows; 0 ptr: a word's input is its own row
  export const subRows: i32 = 180; // i32 rows of syn0 that make each word's input (the word, its n-grams)
  export const vocab: i32 = 184;
  export const dim: i32 = 188;
  export const window: i32 = 192;
  export const negative: i32 = 196;
  export const sg: i32 = 200; // 1 skip-gram, 0 CBOW
  export const cbowMean: i32 = 204;
  export const shrink: i32 = 208; // 1: each position draws a reduced window in [1, window]
  export const epoch: i32 = 212;
  export const seedLo: i32 = 216;
  export const seedHi: i32 = 220;
  export const scratch: i32 = 224; // per-participant scratch, scratchBytes each
  export const scratchBytes: i32 = 228;
  export const tileLoss: i32 = 232; // f64 [tiles] sum of -log σ over the predictions made
  export const tilePreds: i32 = 236; // f64 [tiles] predictions that entered the loss
  export const tileWords: i32 = 240; // i32 [tiles] words left after subsampling
  export const bytes: i32 = 256;
}

// A GloVe epoch (glove.ts): AdaGrad over co-occurrence records; tile t is records
// [t·chunk, min((t+1)·chunk, records)).
export namespace GloveJob {
  export const rows: i32 = 128; // i32 [records] word of each record
  export const cols: i32 = 132; // i32 [records] context word
  export const logX: i32 = 136; // f32 [records] log of the weighted count
  export const weight: i32 = 140; // f32 [records] min(1, (x / xMax)^alpha)
  export const records: i32 = 144;
  export const chunk: i32 = 148;
  export const w: i32 = 152; // f32 [vocab, dim] word vectors
  export const c: i32 = 156; // f32 [vocab, dim] context vectors
  export const bw: i32 = 160; // f32 [vocab] word biases
  export const bc: i32 = 164; // f32 [vocab] context biases
  export const gw: i32 = 168; // AdaGrad sums of squared gradients, shaped like w, c, bw, bc (start at 1)
  export const gc: i32 = 172;
  export const gbw: i32 = 176;
  export const gbc: i32 = 180;
  export const dim: i32 = 184;
  export const learningRate: i32 = 188; // f32
  export const tileLoss: i32 = 192; // f64 [tiles] sum of ½·f(x)·(w·c + b + b~ − log x)²
  export const bytes: i32 = 256;
}

// Exact top-k search over a flat matrix (vector-index.ts). Tiles are (query block, row chunk)
// pairs: tile t works on queries of block t / chunks, rows of chunk t % chunks, and leaves its
// k best (score desc, row asc) sorted in its slot of outScores / outRows.
export namespace SearchJob {
  export const base: i32 = 128; // f32 [rows, dimPad] stored vectors, zero-padded to dimPad
  export const invNorm: i32 = 132; // f32 [rows] 1/‖x‖ (0 for a zero vector): cosine only
  export const rows: i32 = 136; // rows searched (a prefix of the stored ones)
  export const dimPad: i32 = 140; // a multiple of 4
  export const queries: i32 = 144; // f32 [nq, dimPad] (unit length for cosine)
  export const nq: i32 = 148;
  export const k: i32 = 152;
  export const metric: i32 = 156; // a Metric
  export const queryBlock: i32 = 160; // queries per tile
  export const chunks: i32 = 164; // row chunks
  export const chunkRows: i32 = 168; // rows per chunk (the last may have fewer)
  export const outScores: i32 = 172; // f32 [chunks, nq, k] (l2: squared distances, ascending)
  export const outRows: i32 = 176; // i32 [chunks, nq, k], -1 where fewer than k rows qualify
  export const scratch: i32 = 180; // per-participant scratch, vectorSearchScratchBytes() each
  export const bytes: i32 = 192;
}

// Scores of vector-index.ts: larger is better for ip and cosine, smaller for l2 (squared distance).
export namespace Metric {
  export const ip: i32 = 0;
  export const cosine: i32 = 1;
  export const l2: i32 = 2;
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
