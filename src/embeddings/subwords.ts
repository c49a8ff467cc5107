// FastText character n-grams and their buckets, bit for bit as gensim 4 (gensim.models.fasttext:
// compute_ngrams_bytes, ft_hash_bytes, ft_ngram_hashes) and Facebook's fastText: the n-grams of
// "<word>" counted in characters (UTF-8 sequences), n from minN to maxN, except the lone "<" and
// ">"; each hashed with 32-bit FNV-1a over its UTF-8 bytes taken as *signed* chars (fastText's
// historical quirk, which gensim keeps), modulo the bucket count.

const encoder = new TextEncoder();

/** The UTF-8 byte n-grams of "<word>" in gensim's order (by start, then by length). */
export function ngramBytes(word: string, minN: number, maxN: number): Uint8Array[] {
  const b = encoder.encode(`<${word}>`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < b.length; i++) {
    if ((b[i] & 0xc0) === 0x80) continue; // a continuation byte starts no character
    let j = i, n = 1;
    while (j < b.length && n <= maxN) {
      j++;
      while (j < b.length && (b[j] & 0xc0) === 0x80) j++;
      if (n >= minN && !(n === 1 && (i === 0 || j === b.length))) out.push(b.subarray(i, j));
      n++;
    }
  }
  return out;
}

/** fastText's hash: FNV-1a, each byte sign-extended first. */
export function ftHash(bytes: Uint8Array): number {
  let h = 2166136261;
  for (let i = 0; i < bytes.length; i++) {
    h = (h ^ ((bytes[i] << 24) >> 24)) >>> 0;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}

/** gensim ft_ngram_hashes: the bucket of every n-gram of the word (repeats kept). */
export function ngramHashes(word: string, minN: number, maxN: number, buckets: number): number[] {
  return ngramBytes(word, minN, maxN).map((g) => ftHash(g) % buckets);
}

/** The n-grams as strings, in the order they are hashed (gensim compute_ngrams_bytes, decoded). */
export function ngrams(word: string, minN: number, maxN: number): string[] {
  const dec = new TextDecoder();
  return ngramBytes(word, minN, maxN).map((g) => dec.decode(g));
}
