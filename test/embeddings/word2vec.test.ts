// Word2Vec.train: onProgress (words, words/s, gensim's running loss) on every slice and a loss that
// falls over epochs, one thread reproducible for a seed, Hogwild threads still learning the planted
// families, and bad input — empty corpus, no word above minCount, vectorSize ≤ 0, window ≤ 0,
// unknown options, hierarchical softmax — as TesseraError naming the argument.
import { describe, expect, it } from "vitest";
import { embeddings } from "../../src/index.js";
import { plantedCorpus } from "./planted.js";

const corpus = plantedCorpus(600, 7);
const small = { vectorSize: 16, window: 3, minCount: 1, epochs: 3, progress: false } as const;

describe("Word2Vec.train", () => {
  it("reports progress and a falling loss", () => {
    const seen: embeddings.Word2VecProgress[] = [];
    const m = embeddings.Word2Vec.train(corpus, { ...small, sg: 1, threads: 1, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    const ends = seen.filter((p) => p.words === p.wordsPerEpoch);
    expect(ends.map((p) => p.epoch)).toEqual([1, 2, 3]);
    expect(m.corpusWords).toBe(600 * 9);
    for (const p of seen) {
      expect(p.words).toBeLessThanOrEqual(p.wordsPerEpoch);
      expect(p.effectiveWords).toBeLessThanOrEqual(p.words);
      expect(p.wordsPerSecond).toBeGreaterThan(0);
      expect(p.loss).toBeGreaterThan(0);
    }
    expect(ends.map((p) => p.loss)).toEqual(m.epochLosses);
    expect(m.epochLosses[2]).toBeLessThan(m.epochLosses[0]);
  });
  it("is reproducible on one thread", () => {
    const a = embeddings.Word2Vec.train(corpus, { ...small, seed: 5, threads: 1 });
    const b = embeddings.Word2Vec.train(corpus, { ...small, seed: 5, threads: 1 });
    const c = embeddings.Word2Vec.train(corpus, { ...small, seed: 6, threads: 1 });
    expect(a.wv.vectors).toEqual(b.wv.vectors);
    expect(a.wv.vectors).not.toEqual(c.wv.vectors);
  });
  it("learns with two Hogwild threads", () => {
    const m = embeddings.Word2Vec.train(plantedCorpus(3500, 12345), { vectorSize: 24, window: 3, minCount: 1, epochs: 5, sg: 1, threads: 2, progress: false });
    expect(m.wv.mostSimilar("t2_0", { topn: 3 }).every(([w]) => /^(t2_|c2_)/.test(w))).toBe(true);
    expect(m.wv.vectors.every(Number.isFinite)).toBe(true);
  });
  it("accepts whitespace-separated strings like the notes' sentence.split()", () => {
    const m = embeddings.Word2Vec.train(corpus.map((s) => s.join(" ")), { ...small, seed: 5, threads: 1 });
    const n = embeddings.Word2Vec.train(corpus, { ...small, seed: 5, threads: 1 });
    expect(m.wv.vectors).toEqual(n.wv.vectors);
  });
});

describe("bad input", () => {
  const cases: [string, unknown, Record<string, unknown>, string, RegExp][] = [
    ["empty corpus", [], {}, "E_VALUE", /non-empty corpus/],
    ["sentences without words", [[], ""], {}, "E_VALUE", /non-empty corpus/],
    ["no word above minCount", [["a", "b"], ["c"]], { minCount: 2 }, "E_VALUE", /minCount = 2/],
    ["vectorSize 0", corpus, { vectorSize: 0 }, "E_RANGE", /vectorSize/],
    ["vectorSize -3", corpus, { vectorSize: -3 }, "E_RANGE", /vectorSize/],
    ["window 0", corpus, { window: 0 }, "E_RANGE", /window/],
    ["negative 0", corpus, { negative: 0 }, "E_RANGE", /negative/],
    ["hs 1", corpus, { hs: 1 }, "E_VALUE", /hs/],
    ["sg 2", corpus, { sg: 2 }, "E_VALUE", /sg/],
    ["alpha 0", corpus, { alpha: 0 }, "E_RANGE", /alpha/],
    ["an unknown option", corpus, { vector_size: 10 }, "E_VALUE", /vector_size/],
    ["a non-iterable", 42, {}, "E_TYPE", /sentences/],
    ["a number token", [["a", 3]], {}, "E_TYPE", /sentences\[0\]\[1\]/],
    ["minN > maxN", corpus, { minN: 4, maxN: 3 }, "E_VALUE", /minN/],
  ];
  it.each(cases)("%s", (_, s, o, code, msg) => {
    const f = () => embeddings.Word2Vec.train(s as string[][], { progress: false, ...o });
    expect(f).toThrow(expect.objectContaining({ code }));
    expect(f).toThrow(msg);
  });
  it("unknown query words name the word", () => {
    const m = embeddings.Word2Vec.train(corpus, { ...small, threads: 1 });
    expect(() => m.wv.mostSimilar({ positive: ["t1_1", "zebra"] })).toThrow(/"zebra" not present in vocabulary/);
    expect(() => m.wv.get("zebra")).toThrow(expect.objectContaining({ code: "E_KEY" }));
  });
});
