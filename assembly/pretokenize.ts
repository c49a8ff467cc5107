// Pre-tokenization and whole-text BPE encoding over UTF-8 in linear memory: the cl100k_base split
// pattern (src/tokenizers/pre-tokenizers.ts PATTERNS.cl100k) written out as a scanner, each piece
// looked up whole in the vocabulary (tiktoken) and otherwise merged (bpe-merge.ts). In JS the regex's
// match objects and the per-piece strings were most of the encode time.
//
// Character classes come from a table of one byte per code point that the caller fills from the
// regex's own `\p{L}`, `\p{N}`, `\s` (so the two cannot disagree): 0 = not yet classified.

import { BytesIndex, EncodeState, EncodeStatus, PieceCache } from "./abi";
import { bpeBytesLookup, bpeMergeBytes } from "./bpe-merge";
import { bytesEqual, hashBytes, prefix8 } from "./bytekeys";

const LETTER: i32 = 1;
const DIGIT: i32 = 2;
const SPACE: i32 = 3; // \s other than \r \n
const NEWLINE: i32 = 4; // \r \n
const OTHER: i32 = 5; // [^\s\p{L}\p{N}]

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

// Class of the code point at byte i of valid UTF-8 text[0, n), or 0 past the end.
@inline function classAt(text: usize, i: i32, n: i32, classes: usize): i32 {
  if (i >= n) return 0;
  return <i32>load<u8>(classes + <usize>codePointAt(text + <usize>i));
}

@inline function runEnd(text: usize, i: i32, n: i32, classes: usize, k: i32): i32 {
  while (classAt(text, i, n, classes) == k) i += cpLen;
  return i;
}

@inline function lower(text: usize, i: i32, n: i32): u32 {
  return i < n ? <u32>load<u8>(text + <usize>i) | 32 : 0;
}

// Length of the contraction 's 't 're 've 'm 'll 'd (any case) at i, where text[i] is "'"; else 0.
function contraction(text: usize, i: i32, n: i32): i32 {
  const a = lower(text, i + 1, n);
  if (a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64) return 2; // s t m d
  const b = lower(text, i + 2, n);
  if ((a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C)) return 3; // re ve ll
  return 0;
}

// End of the cl100k piece that starts at byte i (< n): the pattern's alternatives in order.
export function cl100kPieceEnd(text: usize, i: i32, n: i32, classes: usize): i32 {
  const c0 = classAt(text, i, n, classes);
  const l0 = cpLen;
  const b0 = load<u8>(text + <usize>i);
  // (?:'s|'t|'re|'ve|'m|'ll|'d)
  if (b0 == 0x27) {
    const k = contraction(text, i, n);
    if (k > 0) return i + k;
  }
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (c0 == LETTER) return runEnd(text, i + l0, n, classes, LETTER);
  const c1 = classAt(text, i + l0, n, classes);
  if ((c0 == OTHER || c0 == SPACE) && c1 == LETTER) return runEnd(text, i + l0 + cpLen, n, classes, LETTER);
  // \p{N}{1,3}
  if (c0 == DIGIT) {
    let e = i + l0;
    for (let k = 1; k < 3 && classAt(text, e, n, classes) == DIGIT; k++) e += cpLen;
    return e;
  }
  //  ?[^\s\p{L}\p{N}]+[\r\n]*
  if (c0 == OTHER || (b0 == 0x20 && c1 == OTHER)) {
    let e = runEnd(text, c0 == OTHER ? i : i + 1, n, classes, OTHER);
    while (e < n && (load<u8>(text + <usize>e) == 0x0A || load<u8>(text + <usize>e) == 0x0D)) e++;
    return e;
  }
  // The whitespace run [i, w): \s*[\r\n]+ ends after its last newline; else \s+(?!\S) leaves the
  // run's last character to the next piece unless the run ends the text; else \s+ (one character).
  let w = i;
  let last = i;
  let lastNewline = -1;
  while (true) {
    const c = classAt(text, w, n, classes);
    if (c != SPACE && c != NEWLINE) break;
    if (c == NEWLINE) lastNewline = w;
    last = w;
    w += cpLen;
  }
  if (w == i) return i + l0; // an unclassified character: one piece, so the scan always advances
  if (lastNewline >= 0) return lastNewline + 1;
  if (w == n || last == i) return w;
  return last;
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

// Encodes UTF-8 text[pos, n) (cl100k pieces) into out, resuming where a previous call stopped.
// state: the EncodeState record, in and out. byteToId: [256] i32 (-1: no token, dropped). index: 0,
// or the BytesIndex record of the vocabulary's token bytes (bpe-merge.ts) for the whole-piece
// lookup. cache: the piece cache above. text has 8 bytes of slack past n. out: room for outCap ids.
// scratch: `cap` symbol ids then bpeMergeScratchBytes(cap) bytes, cap ≤ outCap.
// Returns an EncodeStatus: done; outFull (the next piece might not fit in out: the caller takes
// the ids and sets state.count to 0); longPiece (the piece at state.pos has state.pieceLen > cap
// bytes: the caller merges it with scratch of its own and moves state.pos past it). Either way the
// caller calls again. Memory stays bounded by cap and outCap, however long the text or a piece.
export function bpeEncodeCl100k(text: usize, n: i32, classes: usize, byteToId: usize, table: usize, mask: i32,
                                index: usize, cache: usize, out: usize, outCap: i32, scratch: usize, cap: i32, state: usize): i32 {
  let i = load<i32>(state + EncodeState.pos);
  let k = load<i32>(state + EncodeState.count);
  const ids = scratch;
  const mergeScratch = scratch + (<usize>cap << 2);
  let status = EncodeStatus.done;
  while (i < n) {
    const e = cl100kPieceEnd(text, i, n, classes);
    const len = e - i;
    const p = text + <usize>i;
    if (len > cap) {
      store<i32>(state + EncodeState.pieceLen, len);
      status = EncodeStatus.longPiece;
      break;
    }
    if (k + len > outCap) { // a piece of len bytes has at most len ids
      status = EncodeStatus.outFull;
      break;
    }
    if (index != 0) {
      const id = bpeBytesLookup(<usize>load<i32>(index + BytesIndex.hash), load<i32>(index + BytesIndex.mask),
        <usize>load<i32>(index + BytesIndex.bytes), <usize>load<i32>(index + BytesIndex.offsets), p, len);
      if (id >= 0) {
        store<i32>(out + (<usize>k << 2), id);
        k++;
        i = e;
        continue;
      }
    }
    const hit = cacheGet(cache, p, len, out + (<usize>k << 2));
    if (hit >= 0) {
      k += hit;
      i = e;
      continue;
    }
    const m = bpeMergeBytes(table, mask, p, len, byteToId, ids, mergeScratch);
    memory.copy(out + (<usize>k << 2), ids, <usize>m << 2);
    cachePut(cache, p, len, ids, m);
    k += m;
    i = e;
  }
  store<i32>(state + EncodeState.pos, i);
  store<i32>(state + EncodeState.count, k);
  return status;
}

// Code points of UTF-8 text[0, n) whose class is still 0, each once (marked 255 until the caller
// classifies them), into out[0, max); returns how many (stops at max).
export function cl100kUnclassified(text: usize, n: i32, classes: usize, out: usize, max: i32): i32 {
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
