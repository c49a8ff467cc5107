// FastText subwords: gensim's n-grams and bucket ids (compute_ngrams, ft_ngram_hashes — fastText's
// FNV-1a over signed bytes) for ASCII, accented, CJK and astral words
// (test/fixtures/make_embeddings_fixtures.py); trained models give out-of-vocabulary words the mean
// of their n-gram vectors and vocabulary words the mean of their own and their n-gram rows.
import { describe, expect, it } from "vitest";
import { embeddings } from "../../src/index.js";
import ft from "../fixtures/embeddings/fasttext.json";
import { plantedCorpus } from "./planted.js";

describe("n-grams and buckets", () => {
  it.each(ft.map((c) => [c.word, c.minN, c.maxN, c.buckets, c] as const))("%s (%i..%i, %i buckets) as gensim", (word, minN, maxN, buckets, c) => {
    expect(embeddings.ngrams(word, minN, maxN)).toEqual(c.ngrams);
    expect(embeddings.ngramHashes(word, minN, maxN, buckets)).toEqual(c.hashes);
  });
});

describe("FastText.train", () => {
  const corpus = plantedCorpus(400, 99);
  const m = embeddings.FastText.train(corpus, { vectorSize: 16, window: 3, minCount: 1, epochs: 3, bucket: 5000, seed: 2, threads: 1, progress: false });
  const wv = m.wv;
  it("gives out-of-vocabulary words the mean of their n-gram vectors", () => {
    const oov = "t3_9";
    expect(wv.keyToIndex.has(oov)).toBe(false);
    expect(wv.has(oov)).toBe(true);
    const hashes = embeddings.ngramHashes(oov, 3, 6, 5000);
    const want = new Float64Array(16);
    for (const h of hashes) for (let j = 0; j < 16; j++) want[j] += wv.subwords!.vectors[h * 16 + j] / hashes.length;
    const got = wv.get(oov);
    got.forEach((v, j) => expect(v).toBeCloseTo(want[j], 6));
    // Shares n-grams with its family: closer to t3_* than to another base's targets.
    expect(wv.similarity(oov, "t3_1")).toBeGreaterThan(wv.similarity(oov, "c5_1") - 1e-6);
    expect(wv.mostSimilar(oov, { topn: 3 }).length).toBe(3);
  });
  it("a word without any n-gram of the range is unknown", () => {
    const short = embeddings.FastText.train(corpus, { vectorSize: 8, minCount: 1, epochs: 1, minN: 5, maxN: 5, bucket: 100, threads: 1, progress: false });
    expect(short.wv.has("ab")).toBe(false); // "<ab>" has 4 characters
    expect(() => short.wv.get("ab")).toThrow(expect.objectContaining({ code: "E_KEY" }));
  });
  it("keeps vectors finite and the options", () => {
    expect(wv.vectors.every(Number.isFinite)).toBe(true);
    expect(m.options.minN).toBe(3);
    expect(m.options.maxN).toBe(6);
  });
});
