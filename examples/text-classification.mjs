// Worked example of the notes (seeds/001 §1.2.4, text classification with word2vec; SPEC §4 item 6):
// split reviews into words, train CBOW word2vec (vector_size 100, window 5, min_count 5), average the
// vectors of each review's known words, hold out 20 %, fit LogisticRegression() and report accuracy
// and F1 — then the notes' suggested alternative, TF-IDF features, on the same split. The reviews
// are generated (seeded): sentiment words mixed into filler shared by both classes.
import * as ts from "tessera-ml";

const { embeddings, text, linearModel, metrics } = ts;

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(42);
const pick = (a) => a[Math.floor(rand() * a.length)];
const POSITIVE = "great wonderful brilliant moving superb delightful charming enjoyable excellent beautiful".split(" ");
const NEGATIVE = "awful boring terrible dull painful tedious clumsy dreadful annoying poor".split(" ");
const FILLER = "the movie film plot actor scene story director was and a it this with of camera music ending cast".split(" ");
const reviews = [], labels = [];
for (let i = 0; i < 1000; i++) {
  const label = i % 2;
  reviews.push(Array.from({ length: 16 }, () => (rand() < 0.3 ? pick(label ? POSITIVE : NEGATIVE) : pick(FILLER))).join(" "));
  labels.push(label);
}

// train_test_split(test_size=0.2): a seeded shuffle, the last 20 % held out
const order = reviews.map((_, i) => i);
for (let i = order.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [order[i], order[j]] = [order[j], order[i]];
}
const cut = Math.floor(order.length * 0.8);
const train = order.slice(0, cut), test = order.slice(cut);

function evaluate(name, rowOf) {
  const clf = new linearModel.LogisticRegression().fit(train.map(rowOf), train.map((i) => labels[i]));
  const predictions = clf.predict(test.map(rowOf));
  const truth = test.map((i) => labels[i]);
  console.log(`${name}: accuracy ${metrics.accuracyScore(truth, predictions).toFixed(2)}, F1 ${metrics.f1Score(truth, predictions).toFixed(2)} ` +
    `(${clf.nIter} L-BFGS iterations)`);
}

const t0 = performance.now();
const model = embeddings.Word2Vec.train(reviews.map((r) => r.split(" ")), { sg: 0, vectorSize: 100, window: 5, minCount: 5, seed: 1 });
console.log(`word2vec CBOW: ${model.wv.length} words × ${model.wv.vectorSize} in ${(performance.now() - t0).toFixed(0)} ms`);
const X = text.sentenceVectors(model.wv, reviews);
evaluate("averaged word2vec + LogisticRegression", (i) => X.data.subarray(i * X.cols, (i + 1) * X.cols));

const tfidf = new text.TfidfVectorizer().fit(train.map((i) => reviews[i]));
const T = tfidf.transform(reviews);
evaluate("TF-IDF + LogisticRegression", (i) => T.row(i));
