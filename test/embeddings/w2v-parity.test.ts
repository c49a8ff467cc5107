// Word2Vec against gensim on the planted corpus (test/fixtures/make_embeddings_fixtures.py): the
// same settings reach gensim's mean analogy accuracy (evaluateWordAnalogies on the planted
// questions) and nearest-neighbour family accuracy within 2 points, for CBOW and skip-gram. Means
// over seeds on both sides: single runs scatter by a few points.
import { describe, expect, it } from "vitest";
import { embeddings } from "../../src/index.js";
import planted from "../fixtures/embeddings/planted.json";
import { families, plantedCorpus, plantedQuestions } from "./planted.js";

const corpus = plantedCorpus(planted.corpus.sentences, planted.corpus.seed);
const questions = plantedQuestions();
const s = planted.settings;
const SEEDS = 8;

function nnAccuracy(wv: embeddings.KeyedVectors): number {
  let hit = 0, total = 0;
  for (const fam of families()) {
    const set = new Set(fam);
    for (const w of fam) {
      total++;
      if (set.has(wv.mostSimilar(w, { topn: 1 })[0][0])) hit++;
    }
  }
  return hit / total;
}

describe.each([["cbow", 0], ["skipgram", 1]] as const)("planted corpus, %s", (name, sg) => {
  it("matches gensim's analogy and nearest-neighbour accuracy within 2 points", () => {
    let analogy = 0, nn = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const m = embeddings.Word2Vec.train(corpus, {
        sg, vectorSize: s.vector_size, window: s.window, minCount: s.min_count, negative: s.negative, sample: s.sample,
        alpha: s.alpha, minAlpha: s.min_alpha, epochs: s.epochs, seed, threads: 1, progress: false,
      });
      analogy += m.wv.evaluateWordAnalogies(questions, { caseInsensitive: false }).score / SEEDS;
      nn += nnAccuracy(m.wv) / SEEDS;
    }
    const ref = planted[name];
    console.log(`${name}: analogy ${analogy.toFixed(4)} (gensim ${ref.analogy.toFixed(4)}), nn ${nn.toFixed(4)} (gensim ${ref.nn.toFixed(4)})`);
    expect(Math.abs(analogy - ref.analogy)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(nn - ref.nn)).toBeLessThanOrEqual(0.02);
  });
});
