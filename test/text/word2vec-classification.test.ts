// The notes' text classification with word2vec (seeds/001 §1.2.4; SPEC §4 item 6): split reviews
// into words, train CBOW word2vec (vector_size 100, window 5, min_count 5), average each review's
// known word vectors (get_vector), train_test_split 80/20, LogisticRegression(), accuracy — plus F1
// from metrics. The reviews are generated (seeded): sentiment words that co-occur within a review
// and neutral filler shared by both classes, so only the averaged vectors carry the label.
import { describe, expect, it } from "vitest";
import { embeddings, text, linearModel, metrics } from "../../src/index.js";

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const POSITIVE = "great wonderful brilliant moving superb delightful charming enjoyable excellent beautiful".split(" ");
const NEGATIVE = "awful boring terrible dull painful tedious clumsy dreadful annoying poor".split(" ");
const FILLER = "the movie film plot actor scene story director was and a it this with of camera music ending cast".split(" ");

function reviews(n: number, seed: number): { docs: string[]; labels: number[] } {
  const rand = mulberry32(seed);
  const pick = (a: string[]) => a[Math.floor(rand() * a.length)];
  const docs: string[] = [], labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const words: string[] = [];
    for (let j = 0; j < 16; j++) words.push(rand() < 0.3 ? pick(label ? POSITIVE : NEGATIVE) : pick(FILLER));
    docs.push(words.join(" "));
    labels.push(label);
  }
  return { docs, labels };
}

describe("word2vec text classification (001 §1.2.4)", () => {
  it("averaged CBOW vectors + LogisticRegression separate the reviews", () => {
    const { docs, labels } = reviews(600, 42);
    const model = embeddings.Word2Vec.train(docs.map((d) => d.split(" ")), { sg: 0, vectorSize: 100, window: 5, minCount: 5, epochs: 10, seed: 1, threads: 1 });
    const X = text.sentenceVectors(model.wv, docs);
    expect(X.cols).toBe(100);
    expect(Math.min(...X.known)).toBe(16); // every word clears min_count
    // train_test_split(test_size=0.2): a seeded shuffle, last 20% held out
    const rand = mulberry32(7);
    const order = docs.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const cut = Math.floor(order.length * 0.8);
    const rows = (ids: number[]) => ids.map((i) => X.data.subarray(i * X.cols, (i + 1) * X.cols));
    const train = order.slice(0, cut), test = order.slice(cut);
    const clf = new linearModel.LogisticRegression().fit(rows(train), train.map((i) => labels[i]));
    const predictions = clf.predict(rows(test)) as number[];
    const truth = test.map((i) => labels[i]);
    const accuracy = metrics.accuracyScore(truth, predictions);
    const f1 = metrics.f1Score(truth, predictions) as number;
    expect(accuracy).toBeGreaterThan(0.9);
    expect(f1).toBeGreaterThan(0.9);
    model.wv.dispose?.();
  });

  it("a review with no known word averages to zeros, as get_vector", () => {
    const kv = new embeddings.KeyedVectors(2, ["good", "bad"], [1, 0, 0, 1]);
    const v = text.sentenceVectors(kv, ["good good bad", "unknown words", ["bad"]]);
    expect(Array.from(v.data)).toEqual([2 / 3, 1 / 3, 0, 0, 0, 1]);
    expect(Array.from(v.known)).toEqual([3, 0, 1]);
    expect(() => text.sentenceVectors(kv, "good" as never)).toThrow(/documents: expected an array/);
    expect(() => text.sentenceVectors(kv, [[1]] as never)).toThrow(/expected words/);
  });
});
