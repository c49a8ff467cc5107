// BPE training (Sennrich et al. 2016) the way Hugging Face's BpeTrainer does it: pre-tokenize and
// count words, give ids to special tokens first and then to the alphabet sorted by code point, and
// merge the most frequent adjacent pair until the vocabulary is full. Pair counting and merging run
// in WASM (assembly/bpe-train.ts) with exact incremental count updates: only the words holding the merged
// pair are touched. Tie-break (same as HF): equal counts go to the pair with the smaller left id,
// then the smaller right id — so earlier tokens win, and the run is deterministic.

import { fail, checkInt, TesseraError } from "../errors.js";
import { alloc, free, heapI32, kernels } from "../runtime/wasm.js";
import { BpeTrainState } from "../runtime/abi.js";
import { byteLevelAlphabet, byteLevelToBytes, bytesToByteLevel, utf8Decode, utf8Encode, utf8MapInto } from "./byte-level.js";
import { compilePattern, normalize, PreTokenizer, type NormalizeOptions, type PatternSpec } from "./pre-tokenizers.js";
import { BPETokenizer } from "./bpe-tokenizer.js";

export interface TrainOptions {
  /** Final vocabulary size: special tokens + alphabet + merges. */
  vocabSize: number;
  /** Stop when the best pair occurs fewer times than this (default 0: HF's default). */
  minFrequency?: number;
  /** Tokens that get the first ids, in order, and are never split (e.g. ["<|endoftext|>"]). */
  specialTokens?: string[];
  /** Byte-level (GPT-2) symbols, the default; false: Unicode characters. */
  byteLevel?: boolean;
  /** Pre-tokenizer: "gpt2" by default when byte-level, "whitespace" otherwise. */
  pattern?: PatternSpec;
  addPrefixSpace?: boolean;
  normalize?: NormalizeOptions;
}

function nextPow2(n: number): number {
  let c = 16;
  while (c < n) c *= 2;
  return c;
}

/** Pre-tokenized word counts of the corpus, in first-seen order. */
function countWords(texts: Iterable<string>, pre: PreTokenizer, opts: TrainOptions, specials: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  if (texts === null || typeof texts !== "object" || typeof (texts as Iterable<string>)[Symbol.iterator] !== "function") {
    fail("E_TYPE", "texts", "an array or iterable of strings", texts);
  }
  const specialSplit = specials.length
    ? new RegExp(specials.map((s) => s.replace(/[\\^$*+?.()|[\]{}]/g, "\\$&")).join("|"), "g") : null;
  let i = 0;
  for (const raw of texts) {
    if (typeof raw !== "string") fail("E_TYPE", `texts[${i}]`, "a string", raw);
    i++;
    const text = normalize(raw, opts.normalize ?? {});
    const parts = specialSplit ? text.split(specialSplit) : [text];
    for (const part of parts) {
      pre.forEachPiece(part, 0, part.length, (src, s, e) => {
        const w = src.slice(s, e);
        counts.set(w, (counts.get(w) ?? 0) + 1);
      });
    }
  }
  return counts;
}

export function trainBPE(texts: Iterable<string>, options: TrainOptions): BPETokenizer {
  if (options === null || typeof options !== "object") fail("E_TYPE", "options", "an object with vocabSize", options);
  const vocabSize = checkInt("options.vocabSize", options.vocabSize, 1);
  const minFrequency = checkInt("options.minFrequency", options.minFrequency ?? 0, 0);
  const specials = options.specialTokens ?? [];
  if (!Array.isArray(specials) || specials.some((s) => typeof s !== "string" || s.length === 0)) {
    fail("E_TYPE", "options.specialTokens", "an array of non-empty strings", specials);
  }
  const byteLevel = options.byteLevel ?? true;
  const pattern = options.pattern === undefined ? (byteLevel ? "gpt2" : "whitespace") : options.pattern;
  const re = compilePattern(pattern, "options.pattern");
  const counts = countWords(texts, PreTokenizer.fromPattern(re, options.addPrefixSpace ?? false), options, specials);
  if (counts.size === 0) fail("E_VALUE", "texts", "at least one non-empty text", [...(Array.isArray(texts) ? texts : [])]);

  // Ids: special tokens, then the alphabet sorted by code point (the byte-level characters for
  // byte-level training, every byte present even when unseen), then merges.
  const tokens: Uint8Array[] = [];
  const keyToId = new Map<string, number>();
  const keyOf = (b: Uint8Array) => (byteLevel ? bytesToByteLevel(b) : utf8Decode(b));
  const specialMap = new Map<string, number>();
  for (const s of specials) {
    if (specialMap.has(s)) continue;
    specialMap.set(s, tokens.length);
    tokens.push(utf8Encode(s));
  }
  const symbolId = byteLevel ? new Int32Array(256) : null;
  const charId = new Map<string, number>();
  if (byteLevel) {
    const alphabet = byteLevelAlphabet().sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));
    for (const ch of alphabet) {
      const b = byteLevelToBytes(ch)!;
      symbolId![b[0]] = tokens.length;
      keyToId.set(keyOf(b), tokens.length);
      tokens.push(b);
    }
  } else {
    const chars = new Set<string>();
    for (const w of counts.keys()) for (const ch of w) chars.add(ch);
    for (const ch of [...chars].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!)) {
      charId.set(ch, tokens.length);
      const b = utf8Encode(ch);
      keyToId.set(keyOf(b), tokens.length);
      tokens.push(b);
    }
  }
  if (vocabSize < tokens.length) {
    throw new TesseraError("E_VALUE", `options.vocabSize: expected at least ${tokens.length} (${specialMap.size} special tokens + ` +
      `${tokens.length - specialMap.size} alphabet symbols), received ${vocabSize}`);
  }

  // Words as symbol ids.
  const words = [...counts];
  let nSymbols = 0;
  for (const [w] of words) nSymbols += byteLevel ? 3 * w.length : w.length;
  const sym = new Int32Array(nSymbols);
  const wordStart = new Int32Array(words.length);
  const wordLen = new Int32Array(words.length);
  const wordCount = new Int32Array(words.length);
  let at = 0;
  for (let w = 0; w < words.length; w++) {
    const [word, count] = words[w];
    wordStart[w] = at;
    wordCount[w] = Math.min(count, 0x7fffffff);
    let n: number;
    if (byteLevel) {
      n = utf8MapInto(word, 0, word.length, symbolId!, sym, at);
    } else {
      n = 0;
      for (const ch of word) sym[at + n++] = charId.get(ch)!;
    }
    wordLen[w] = n;
    at += n;
  }
  const S = at;

  const merges: number[] = [];
  let scale = 1;
  for (;;) {
    const result = runMerges(sym.subarray(0, S), wordStart, wordLen, wordCount, scale, vocabSize, minFrequency, tokens, keyToId, keyOf, merges);
    if (result) break;
    scale *= 2; // a buffer was too small: start over with larger ones
    tokens.length = specialMap.size + (byteLevel ? 256 : charId.size);
    for (const [k, id] of [...keyToId]) if (id >= tokens.length) keyToId.delete(k);
    merges.length = 0;
  }
  return new BPETokenizer({
    tokens,
    merges: Int32Array.from(merges),
    byteLevel,
    pattern,
    specialTokens: specialMap,
    defaultAllowedSpecial: "all",
    addPrefixSpace: options.addPrefixSpace ?? false,
    normalize: options.normalize,
  });
}

// One training run in WASM memory; false when a buffer overflowed (the caller retries larger).
function runMerges(sym: Int32Array, wordStart: Int32Array, wordLen: Int32Array, wordCount: Int32Array, scale: number,
                   vocabSize: number, minFrequency: number, tokens: Uint8Array[], keyToId: Map<string, number>,
                   keyOf: (b: Uint8Array) => string, merges: number[]): boolean {
  const k = kernels();
  const nSym = sym.length;
  const W = wordStart.length;
  const maxPairs = (nSym + 4096) * scale;
  const occCap = (2 * nSym + 4096) * scale;
  const heapCap = (2 * nSym + 4096) * scale;
  const tableCap = nextPow2(maxPairs * 2);
  const S = BpeTrainState;
  const sizes = [S.bytes, 4 * nSym, 4 * W, 4 * W, 4 * W, 4 * W, 4 * tableCap, S.pairBytes * maxPairs, 4 * maxPairs, 4 * maxPairs, 8 * occCap, 8 * heapCap];
  const total = sizes.reduce((a, b) => a + ((b + 15) & ~15), 0);
  const base = alloc(total);
  try {
    const ptrs: number[] = [];
    let p = base;
    for (const s of sizes) { ptrs.push(p); p += (s + 15) & ~15; }
    const [state, symP, startP, lenP, countP, wordStampP, tableP, pairsP, pairStampP, touchedP, occP, heapP] = ptrs;
    let i32 = heapI32();
    i32.fill(0, state >> 2, (state + S.bytes) >> 2);
    i32.set(sym, symP >> 2);
    i32.set(wordStart, startP >> 2);
    i32.set(wordLen, lenP >> 2);
    i32.set(wordCount, countP >> 2);
    const fields: [number, number][] = [[S.sym, symP], [S.wordStart, startP], [S.wordLen, lenP], [S.wordCount, countP],
      [S.nWords, W], [S.table, tableP], [S.tableMask, tableCap - 1], [S.pairs, pairsP], [S.maxPairs, maxPairs],
      [S.occ, occP], [S.occCap, occCap], [S.heap, heapP], [S.heapCap, heapCap], [S.wordStamp, wordStampP],
      [S.pairStamp, pairStampP], [S.touched, touchedP]];
    for (const [offset, value] of fields) i32[(state + offset) >> 2] = value;
    if (k.bpeTrainInit(state) < 0) return false;
    while (tokens.length < vocabSize) {
      const pair = k.bpeTrainNext(state, minFrequency);
      if (pair < 0) break;
      i32 = heapI32();
      const left = i32[(pairsP + S.pairBytes * pair) >> 2];
      const right = i32[(pairsP + S.pairBytes * pair + 4) >> 2];
      const a = tokens[left], b = tokens[right];
      const bytes = new Uint8Array(a.length + b.length);
      bytes.set(a);
      bytes.set(b, a.length);
      const key = keyOf(bytes);
      let id = keyToId.get(key);
      if (id === undefined) {
        id = tokens.length;
        tokens.push(bytes);
        keyToId.set(key, id);
      }
      merges.push(left, right, id);
      if (k.bpeTrainMerge(state, pair, id) < 0) return false;
    }
    return true;
  } finally {
    free(base);
  }
}
