// Pre-tokenization and whole-text BPE encoding over UTF-8 in linear memory: tiktoken's split
// patterns (src/tokenizers/pre-tokenizers.ts PATTERNS: cl100k, o200k, gpt2) written out as
// scanners, or piece bounds the caller found with any other regex; each piece looked up whole in the
// vocabulary (tiktoken), else in a piece cache, else merged (bpe-merge.ts). In JS the regex's match
// objects and the per-piece strings were most of the encode time. Documents of a batch are encoded
// on the worker pool (bpeTokenizeTiles), each participant with its own cache and scratch.
//
// Character classes come from a table of one byte per code point (CharClass in abi.ts) that the
// caller fills from the regex's own \p{..} and \s classes, so the two cannot disagree.

import { BpeEncoder, BytesIndex, CharClass, EncodeState, EncodeStatus, EncodeWorker, Job, JobKind, PieceCache, SplitPattern, TokenizeJob } from "./abi";
import { bpeBytesLookup, bpeMergeBytes } from "./bpe-merge";
import { bytesEqual, hashBytes, prefix8 } from "./bytekeys";
import { claim, jobInit } from "./parallel";

// Class sets as bit masks over CharClass (bit 0, past the end of the text, is in none).
const LETTERS: i32 = (1 << CharClass.upper) | (1 << CharClass.lower) | (1 << CharClass.letter); // \p{L}
const PUNCT: i32 = (1 << CharClass.mark) | (1 << CharClass.other); // [^\s\p{L}\p{N}]
const PREFIX: i32 = PUNCT | (1 << CharClass.space); // [^\r\n\p{L}\p{N}]
const WHITE: i32 = (1 << CharClass.space) | (1 << CharClass.newline); // \s
const DIGITS: i32 = 1 << CharClass.digit;
const UPPERISH: i32 = (1 << CharClass.upper) | (1 << CharClass.letter) | (1 << CharClass.mark); // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
const LOWERISH: i32 = (1 << CharClass.lower) | (1 << CharClass.letter) | (1 << CharClass.mark); // [\p{Ll}\p{Lm}\p{Lo}\p{M}]

// Bytes in the code point last read by classAt.
let cpLen: i32 = 1;

// The code point at p of valid UTF-8, its byte count in cpLen; above U+10FFFF reads as U+FFFD.
@inline function codePointAt(p: usize): u32 {
  const b0 = <u32>load<u8>(p);
  let cp: u32;
  if (b0 < 0x80) {
    cpLen = 1;
    return b0;
  } else if (b0 < 0xE0) {
    cp = ((b0 & 0x1F) << 6) | (<u32>load<u8>(p, 1) & 0x3F);
    cpLen = 2;
  } else if (b0 < 0xF0) {
    cp = ((b0 & 0x0F) << 12) | ((<u32>load<u8>(p, 1) & 0x3F) << 6) | (<u32>load<u8>(p, 2) & 0x3F);
    cpLen = 3;
  } else {
    cp = ((b0 & 0x07) << 18) | ((<u32>load<u8>(p, 1) & 0x3F) << 12) | ((<u32>load<u8>(p, 2) & 0x3F) << 6) | (<u32>load<u8>(p, 3) & 0x3F);
    cpLen = 4;
  }
  return cp < 0x110000 ? cp : 0xFFFD;
}

// Bit of the class of the code point at byte i of valid UTF-8 text[0, n); 1 (class 0) past the end.
@inline function bitAt(text: usize, i: i32, n: i32, classes: usize): i32 {
  if (i >= n) return 1;
  return 1 << <i32>load<u8>(classes + <usize>codePointAt(text + <usize>i));
}

// End of the run of characters in `set` from i.
@inline function runEnd(text: usize, i: i32, n: i32, classes: usize, set: i32): i32 {
  while (bitAt(text, i, n, classes) & set) i += cpLen;
  return i;
}

@inline function byteAt(text: usize, i: i32, n: i32): u32 {
  return i < n ? <u32>load<u8>(text + <usize>i) : 0;
}

// Length of the contraction 's 't 're 've 'm 'll 'd at i, where text[i] is "'" (any case unless
// lowerOnly, GPT-2's); else 0. Callers check for the "'" first.
@inline function contraction(text: usize, i: i32, n: i32, lowerOnly: bool): i32 {
  const fold: u32 = lowerOnly ? 0 : 32;
  const a = byteAt(text, i + 1, n) | fold;
  if (a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64) return 2; // s t m d
  const b = byteAt(text, i + 2, n) | fold;
  if ((a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C)) return 3; // re ve ll
  return 0;
}

// \p{N}{1,3} from i, whose first character (cpLen0 bytes) is a digit.
@inline function digitsEnd(text: usize, i: i32, cpLen0: i32, n: i32, classes: usize): i32 {
  let e = i + cpLen0;
  for (let k = 1; k < 3 && (bitAt(text, e, n, classes) & DIGITS); k++) e += cpLen;
  return e;
}

// [^\s\p{L}\p{N}]+ from `from`, then the run of \r \n (and "/" when `slash`: o200k) after it.
@inline function punctEnd(text: usize, from: i32, n: i32, classes: usize, slash: bool): i32 {
  let e = runEnd(text, from, n, classes, PUNCT);
  while (e < n) {
    const b = load<u8>(text + <usize>e);
    if (b != 0x0A && b != 0x0D && !(slash && b == 0x2F)) break;
    e++;
  }
  return e;
}

// The whitespace alternatives from i: \s*[\r\n]+ ends after the run's last newline (when
// `newlines`: cl100k, o200k); else \s+(?!\S) leaves the run's last character to the next piece
// unless the run ends the text; else \s+ (one character). An unclassified character is one piece,
// so the scan always advances.
@inline function whitespaceEnd(text: usize, i: i32, n: i32, classes: usize, newlines: bool): i32 {
  let w = i;
  let last = i;
  let lastNewline = -1;
  while (true) {
    const b = bitAt(text, w, n, classes);
    if (!(b & WHITE)) break;
    if (b == 1 << CharClass.newline) lastNewline = w;
    last = w;
    w += cpLen;
  }
  if (w == i) {
    codePointAt(text + <usize>i);
    return i + cpLen;
  }
  if (newlines && lastNewline >= 0) return lastNewline + 1;
  if (w == n || last == i) return w;
  return last;
}

// End of the cl100k piece that starts at byte i (< n): the pattern's alternatives in order.
function cl100kPieceEnd(text: usize, i: i32, n: i32, classes: usize): i32 {
  const b0 = load<u8>(text + <usize>i);
  // (?:'s|'t|'re|'ve|'m|'ll|'d), any case
  const k = b0 == 0x27 ? contraction(text, i, n, false) : 0;
  if (k > 0) return i + k;
  const c0 = bitAt(text, i, n, classes);
  const l0 = cpLen;
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (c0 & LETTERS) return runEnd(text, i + l0, n, classes, LETTERS);
  const c1 = bitAt(text, i + l0, n, classes);
  if ((c0 & PREFIX) && (c1 & LETTERS)) return runEnd(text, i + l0 + cpLen, n, classes, LETTERS);
  // \p{N}{1,3}
  if (c0 & DIGITS) return digitsEnd(text, i, l0, n, classes);
  //  ?[^\s\p{L}\p{N}]+[\r\n]*
  if ((c0 & PUNCT) || (b0 == 0x20 && (c1 & PUNCT))) return punctEnd(text, c0 & PUNCT ? i : i + 1, n, classes, false);
  return whitespaceEnd(text, i, n, classes, true);
}

// End of the upper-case-then-lower-case run from j. The match [UPPERISH]*[LOWERISH]+ of o200k's first
// word alternative ends there, or it is -1 when there is none; upperEnd gets the end of the
// [UPPERISH]* run (the second alternative's [UPPERISH]+, when it is past j).
let upperEnd: i32 = 0;

function casedWordEnd(text: usize, j: i32, n: i32, classes: usize): i32 {
  let a = j;
  let lowerEnd = -1;
  while (true) {
    const b = bitAt(text, a, n, classes);
    if (!(b & UPPERISH)) {
      upperEnd = a;
      // Greedy [UPPERISH]* took the run; [LOWERISH]+ goes on from a lower-case letter after it,
      // else backtracks to the run's last LOWERISH character.
      return b == 1 << CharClass.lower ? runEnd(text, a, n, classes, LOWERISH) : lowerEnd;
    }
    if (b & LOWERISH) lowerEnd = a + cpLen;
    a += cpLen;
  }
}

@inline function withContraction(text: usize, e: i32, n: i32): i32 {
  return byteAt(text, e, n) == 0x27 ? e + contraction(text, e, n, false) : e;
}

// End of the o200k piece that starts at byte i (< n): the pattern's alternatives in order.
function o200kPieceEnd(text: usize, i: i32, n: i32, classes: usize): i32 {
  const c0 = bitAt(text, i, n, classes);
  const l0 = cpLen;
  const b0 = load<u8>(text + <usize>i);
  // [^\r\n\p{L}\p{N}]?[UPPERISH]*[LOWERISH]+(?:contraction)?, the prefix tried first, then
  // [^\r\n\p{L}\p{N}]?[UPPERISH]+[LOWERISH]*(?:contraction)? (its [LOWERISH]* is empty here: a
  // lower-case letter after the run would have matched the first).
  if (c0 & (PREFIX | LETTERS)) {
    let afterPrefix = -1;
    if (c0 & PREFIX) {
      const e = casedWordEnd(text, i + l0, n, classes);
      if (e >= 0) return withContraction(text, e, n);
      afterPrefix = upperEnd;
    }
    if (c0 & (LETTERS | (1 << CharClass.mark))) {
      const e = casedWordEnd(text, i, n, classes);
      if (e >= 0) return withContraction(text, e, n);
    }
    if (afterPrefix > i + l0) return withContraction(text, afterPrefix, n);
    if (c0 & UPPERISH) return withContraction(text, upperEnd, n);
  }
  // \p{N}{1,3}
  if (c0 & DIGITS) return digitsEnd(text, i, l0, n, classes);
  //  ?[^\s\p{L}\p{N}]+[\r\n/]*
  const c1 = bitAt(text, i + l0, n, classes);
  if ((c0 & PUNCT) || (b0 == 0x20 && (c1 & PUNCT))) return punctEnd(text, c0 & PUNCT ? i : i + 1, n, classes, true);
  return whitespaceEnd(text, i, n, classes, true);
}

// End of the GPT-2 (r50k, p50k) piece that starts at byte i (< n).
function gpt2PieceEnd(text: usize, i: i32, n: i32, classes: usize): i32 {
  const b0 = load<u8>(text + <usize>i);
  // 's|'t|'re|'ve|'m|'ll|'d, lower case only
  const k = b0 == 0x27 ? contraction(text, i, n, true) : 0;
  if (k > 0) return i + k;
  const c0 = bitAt(text, i, n, classes);
  const l0 = cpLen;
  // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: one class run, after an optional space
  let set = c0 & (LETTERS | DIGITS | PUNCT) ? c0 : 0;
  let from = i + l0;
  if (set == 0 && b0 == 0x20) {
    const c1 = bitAt(text, i + 1, n, classes);
    if (c1 & (LETTERS | DIGITS | PUNCT)) {
      set = c1;
      from = i + 1 + cpLen;
    }
  }
  if (set != 0) return runEnd(text, from, n, classes, set & LETTERS ? LETTERS : set & DIGITS ? DIGITS : PUNCT);
  return whitespaceEnd(text, i, n, classes, false);
}

@inline function pieceEnd(pattern: i32, text: usize, i: i32, n: i32, classes: usize): i32 {
  if (pattern == SplitPattern.cl100k) return cl100kPieceEnd(text, i, n, classes);
  if (pattern == SplitPattern.o200k) return o200kPieceEnd(text, i, n, classes);
  return gpt2PieceEnd(text, i, n, classes);
}

// The end of the piece at byte i under `pattern` (tests drive the scanners through this).
export function splitPieceEnd(pattern: i32, text: usize, i: i32, n: i32, classes: usize): i32 {
  return pieceEnd(pattern, text, i, n, classes);
}

// ---- piece cache: the ids of pieces that went through merging, so a word merges once ----
// cache: the PieceCache record (abi.ts). A slot is 16 bytes {first 8 bytes, arena offset, id count
// << 8 | len} (-1: empty), the length in the low byte as in bpe-merge.ts's slots; the arena holds
// each piece's bytes (padded to 4) then its ids, with 8 bytes of slack at the end. Full (half the
// slots, or the arena) → cleared.

const CACHE_MAX_PIECE: i32 = 255;

export function bpePieceCacheClear(cache: usize): void {
  const slots = <usize>load<i32>(cache + PieceCache.slots);
  const mask = load<i32>(cache + PieceCache.mask);
  for (let i = 0; i <= mask; i++) store<i32>(slots + (<usize>i << 4), -1, 12);
  store<i32>(cache + PieceCache.arenaUsed, 0);
  store<i32>(cache + PieceCache.count, 0);
}

// Appends the cached ids of p[0, n) at out and returns their count, or -1 when not cached.
@inline function cacheGet(cache: usize, p: usize, n: i32, out: usize): i32 {
  if (n > CACHE_MAX_PIECE) return -1;
  const slots = <usize>load<i32>(cache + PieceCache.slots);
  const mask = load<i32>(cache + PieceCache.mask);
  const arena = <usize>load<i32>(cache + PieceCache.arena);
  const first = prefix8(p, n);
  let i = <i32>(hashBytes(p, n, first) & <u32>mask);
  while (true) {
    const slot = slots + (<usize>i << 4);
    const meta = load<i32>(slot, 12);
    if (meta == -1) return -1;
    if ((meta & 255) == n && load<u64>(slot) == first) {
      const data = arena + <usize>load<i32>(slot, 8);
      if (n <= 8 || bytesEqual(data + 8, p + 8, n - 8)) {
        const count = meta >> 8;
        const ids = data + <usize>((n + 3) & ~3);
        for (let j = 0; j < count; j++) store<i32>(out + (<usize>j << 2), load<i32>(ids + (<usize>j << 2)));
        return count;
      }
    }
    i = (i + 1) & mask;
  }
}

// Caches ids[0, count) for p[0, n) (not present).
function cachePut(cache: usize, p: usize, n: i32, ids: usize, count: i32): void {
  if (n > CACHE_MAX_PIECE) return;
  const mask = load<i32>(cache + PieceCache.mask);
  const need = ((n + 3) & ~3) + (count << 2);
  if ((load<i32>(cache + PieceCache.count) + 1) * 2 > mask
    || load<i32>(cache + PieceCache.arenaUsed) + need > load<i32>(cache + PieceCache.arenaCap)) bpePieceCacheClear(cache);
  const slots = <usize>load<i32>(cache + PieceCache.slots);
  const arena = <usize>load<i32>(cache + PieceCache.arena);
  const used = load<i32>(cache + PieceCache.arenaUsed);
  const first = prefix8(p, n);
  let i = <i32>(hashBytes(p, n, first) & <u32>mask);
  while (load<i32>(slots + (<usize>i << 4), 12) != -1) i = (i + 1) & mask;
  const slot = slots + (<usize>i << 4);
  store<u64>(slot, first);
  store<i32>(slot, used, 8);
  store<i32>(slot, (count << 8) | n, 12);
  const data = arena + <usize>used;
  memory.copy(data, p, <usize>n);
  memory.copy(data + <usize>((n + 3) & ~3), ids, <usize>count << 2);
  store<i32>(cache + PieceCache.arenaUsed, used + need);
  store<i32>(cache + PieceCache.count, load<i32>(cache + PieceCache.count) + 1);
}

// Encodes the pieces of UTF-8 text[0, n) from state.pos on into `out`, resuming where a previous
// call stopped. enc: a BpeEncoder record; with SplitPattern.pieces, n is the number of
// [start, end) byte pairs at enc.bounds and state.pos a pair index. w: an EncodeWorker record (its
// cache, scratch of `cap` symbols, out with room for outCap ids, state). text has 8 bytes of slack
// past its end. Returns an EncodeStatus: done; outFull (the next piece might not fit in out: the
// caller takes the ids and sets state.count to 0); longPiece (the piece at state.pieceStart has
// state.pieceLen > cap bytes: the caller merges it with scratch of its own; state.pos is already
// past it). Either way the caller calls again. Memory stays bounded by cap and outCap, however long
// the text or a piece.
export function bpeEncodeText(enc: usize, text: usize, n: i32, w: usize): i32 {
  const pattern = load<i32>(enc + BpeEncoder.pattern);
  const classes = <usize>load<i32>(enc + BpeEncoder.classes);
  const bounds = <usize>load<i32>(enc + BpeEncoder.bounds);
  const byteToId = <usize>load<i32>(enc + BpeEncoder.byteToId);
  const table = <usize>load<i32>(enc + BpeEncoder.table);
  const mask = load<i32>(enc + BpeEncoder.mask);
  const index = <usize>load<i32>(enc + BpeEncoder.index);
  const cache = <usize>load<i32>(w + EncodeWorker.cache);
  const out = <usize>load<i32>(w + EncodeWorker.out);
  const outCap = load<i32>(w + EncodeWorker.outCap);
  const cap = load<i32>(w + EncodeWorker.cap);
  const ids = <usize>load<i32>(w + EncodeWorker.scratch);
  const mergeScratch = ids + (<usize>cap << 2);
  const state = w + EncodeWorker.state;
  let i = load<i32>(state + EncodeState.pos);
  let k = load<i32>(state + EncodeState.count);
  let status = EncodeStatus.done;
  while (i < n) {
    let s = i, e: i32;
    if (pattern == SplitPattern.pieces) {
      s = load<i32>(bounds + (<usize>i << 3));
      e = load<i32>(bounds + (<usize>i << 3), 4);
      i++;
    } else {
      e = pieceEnd(pattern, text, i, n, classes);
      i = e;
    }
    const len = e - s;
    const p = text + <usize>s;
    if (len > cap) {
      store<i32>(state + EncodeState.pieceStart, s);
      store<i32>(state + EncodeState.pieceLen, len);
      status = EncodeStatus.longPiece;
      break;
    }
    if (k + len > outCap) { // a piece of len bytes has at most len ids
      i = pattern == SplitPattern.pieces ? i - 1 : s;
      status = EncodeStatus.outFull;
      break;
    }
    if (index != 0) {
      const id = bpeBytesLookup(<usize>load<i32>(index + BytesIndex.hash), load<i32>(index + BytesIndex.mask),
        <usize>load<i32>(index + BytesIndex.bytes), <usize>load<i32>(index + BytesIndex.offsets), p, len);
      if (id >= 0) {
        store<i32>(out + (<usize>k << 2), id);
        k++;
        continue;
      }
    }
    const hit = cacheGet(cache, p, len, out + (<usize>k << 2));
    if (hit >= 0) {
      k += hit;
      continue;
    }
    const m = bpeMergeBytes(table, mask, p, len, byteToId, ids, mergeScratch);
    memory.copy(out + (<usize>k << 2), ids, <usize>m << 2);
    cachePut(cache, p, len, ids, m);
    k += m;
  }
  store<i32>(state + EncodeState.pos, i);
  store<i32>(state + EncodeState.count, k);
  return status;
}

// Runs the tiles of a JobKind.tokenize job (TokenizeJob in abi.ts) as participant `worker`: each
// tile is docsPerTile documents, each encoded whole into its place in `out` (room for one id per
// byte, so out never fills), or counted through the worker's own id buffer when out is 0. A
// document with a piece longer than the worker's scratch gets count -1: the caller encodes it.
export function bpeTokenizeTiles(job: usize, worker: i32): void {
  const p = job + Job.payload;
  const enc = <usize>load<i32>(p + TokenizeJob.encoder);
  const text = <usize>load<i32>(p + TokenizeJob.text);
  const docs = <usize>load<i32>(p + TokenizeJob.docs);
  const nDocs = load<i32>(p + TokenizeJob.nDocs);
  const perTile = load<i32>(p + TokenizeJob.docsPerTile);
  const out = <usize>load<i32>(p + TokenizeJob.out);
  const counts = <usize>load<i32>(p + TokenizeJob.counts);
  const w = <usize>load<i32>(p + TokenizeJob.workers) + <usize>worker * EncodeWorker.size;
  const state = w + EncodeWorker.state;
  const ownOut = load<i32>(w + EncodeWorker.out);
  const ownCap = load<i32>(w + EncodeWorker.outCap);
  for (;;) {
    const t = claim(job);
    if (t < 0) break;
    const end = min(nDocs, (t + 1) * perTile);
    for (let d = t * perTile; d < end; d++) {
      const s = load<i32>(docs + (<usize>d << 2));
      const len = load<i32>(docs + (<usize>d << 2), 4) - s;
      if (out != 0) {
        store<i32>(w + EncodeWorker.out, <i32>(out + (<usize>s << 2)));
        store<i32>(w + EncodeWorker.outCap, len);
      }
      store<i32>(state + EncodeState.pos, 0);
      store<i32>(state + EncodeState.count, 0);
      let total = 0;
      for (;;) {
        const status = bpeEncodeText(enc, text + <usize>s, len, w);
        total += load<i32>(state + EncodeState.count);
        if (status == EncodeStatus.done) break;
        if (status == EncodeStatus.longPiece) { total = -1; break; }
        store<i32>(state + EncodeState.count, 0); // counting: the ids are dropped
      }
      store<i32>(counts + (<usize>d << 2), total);
    }
  }
  store<i32>(w + EncodeWorker.out, ownOut);
  store<i32>(w + EncodeWorker.outCap, ownCap);
}

// Writes a JobKind.tokenize job at `job` (Job.payload + TokenizeJob.size bytes) for runJob.
export function bpeTokenizePrepare(job: usize, encoder: usize, text: usize, docs: usize, nDocs: i32, docsPerTile: i32,
                                   out: usize, counts: usize, workers: usize, threads: i32): void {
  jobInit(job, JobKind.tokenize, threads, (nDocs + docsPerTile - 1) / docsPerTile);
  const p = job + Job.payload;
  store<i32>(p + TokenizeJob.encoder, <i32>encoder);
  store<i32>(p + TokenizeJob.text, <i32>text);
  store<i32>(p + TokenizeJob.docs, <i32>docs);
  store<i32>(p + TokenizeJob.nDocs, nDocs);
  store<i32>(p + TokenizeJob.docsPerTile, docsPerTile);
  store<i32>(p + TokenizeJob.out, <i32>out);
  store<i32>(p + TokenizeJob.counts, <i32>counts);
  store<i32>(p + TokenizeJob.workers, <i32>workers);
}

// Code points of UTF-8 text[0, n) whose class is still 0, each once (marked 255 until the caller
// classifies them), into out[0, max); returns how many (stops at max).
export function splitUnclassified(text: usize, n: i32, classes: usize, out: usize, max: i32): i32 {
  let k = 0;
  for (let i = 0; i < n && k < max; i += cpLen) {
    const cp = codePointAt(text + <usize>i);
    if (load<u8>(classes + <usize>cp) == 0) {
      store<u8>(classes + <usize>cp, 255);
      store<i32>(out + (<usize>k << 2), <i32>cp);
      k++;
    }
  }
  return k;
}
