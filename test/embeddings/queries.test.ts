// KeyedVectors queries against gensim 4 on fixed vectors (test/fixtures/make_embeddings_fixtures.py):
// the training vocabulary's order on tied counts (numpy's argsort, max_vocab_size pruning),
// most_similar (3CosAdd), most_similar_cosmul, similarity, doesnt_match and
// evaluate_word_analogies — the same words in the same order, scores within 1e-5.
import { describe, expect, it } from "vitest";
import { TesseraError, embeddings } from "../../src/index.js";
import q from "../fixtures/embeddings/queries.json";

const kv = new embeddings.KeyedVectors(8, q.words, q.vectors);

function expectPairs(got: [string, number][], want: (string | number)[][]): void {
  expect(got.map((p) => p[0])).toEqual(want.map((p) => p[0]));
  got.forEach(([, s], i) => expect(Math.abs(s - (want[i][1] as number))).toBeLessThan(1e-5));
}

describe("vocabulary order", () => {
  const train = (o: embeddings.Word2VecOptions) =>
    embeddings.Word2Vec.train(q.vocabulary.sentences, { vectorSize: 4, epochs: 1, progress: false, threads: 1, ...o }).wv.indexToKey;
  it("sorts tied counts as gensim (numpy argsort, reversed)", () => {
    expect(train({ minCount: 1 })).toEqual(q.vocabulary.minCount1);
    expect(train({ minCount: 2 })).toEqual(q.vocabulary.minCount2);
  });
  it("prunes with maxVocabSize as gensim", () => {
    expect(train({ minCount: 1, maxVocabSize: 25 })).toEqual(q.vocabulary.maxVocab25);
  });
});

describe("queries on fixed vectors", () => {
  it("mostSimilar", () => {
    for (const c of q.mostSimilar) {
      expectPairs(kv.mostSimilar({ positive: c.positive, negative: c.negative, topn: c.topn, restrictVocab: c.restrictVocab }), c.result);
    }
  });
  it("mostSimilarCosmul", () => {
    for (const c of q.mostSimilarCosmul) expectPairs(kv.mostSimilarCosmul({ positive: c.positive, negative: c.negative, topn: c.topn }), c.result);
  });
  it("similarity", () => {
    for (const [a, b, s] of q.similarity) expect(Math.abs(kv.similarity(a as string, b as string) - (s as number))).toBeLessThan(1e-5);
  });
  it("doesntMatch (unknown words ignored, as gensim)", () => {
    for (const [words, odd] of q.doesntMatch) expect(kv.doesntMatch(words as string[])).toBe(odd);
  });
  it("evaluateWordAnalogies: sections, questions and accuracy", () => {
    const opts: Record<string, embeddings.AnalogyOptions> = {
      "{}": {}, '{"restrict_vocab":30}': { restrictVocab: 30 }, '{"dummy4unknown":true}': { dummy4unknown: true },
      '{"case_insensitive":false}': { caseInsensitive: false },
    };
    for (const e of q.analogies.evaluations) {
      const r = kv.evaluateWordAnalogies(q.analogies.questions, opts[JSON.stringify(e.options)]);
      expect(r.score).toBeCloseTo(e.score, 12);
      expect(r.sections.map((s) => ({ section: s.section, correct: s.correct, incorrect: s.incorrect }))).toEqual(e.sections);
    }
  });
  it("unknown words are an E_KEY error naming the word", () => {
    for (const f of [() => kv.mostSimilar("zebra"), () => kv.similarity("w1", "zebra"), () => kv.get("zebra"), () => kv.mostSimilarCosmul({ positive: ["w1"], negative: ["zebra"] })]) {
      expect(f).toThrow(TesseraError);
      expect(f).toThrow(/"zebra" not present in vocabulary/);
    }
  });
});
