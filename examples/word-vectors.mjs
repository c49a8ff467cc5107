// Word vectors from the notes (seed 002): the CBOW example (gensim's Word2Vec(sentences,
// vector_size=100, window=5, min_count=1, sg=0) and most_similar('cat', topn=3)), GloVe's window-2
// co-occurrence matrix on "I love machine learning…" and GloVe vectors trained on it, and the
// "king − man + woman ≈ queen" analogy on a generated corpus where rank and gender are planted
// (words share the contexts of their rank and of their gender), with gensim's analogy evaluation and
// a word2vec-format round trip. Run: npm run build && node examples/word-vectors.mjs
import { embeddings } from "tessera-ml";

const { Word2Vec, GloVe, KeyedVectors, cooccurrence } = embeddings;
const fmt = (pairs) => pairs.map(([w, s]) => `${w} ${s.toFixed(3)}`).join(", ");

console.log("== CBOW on the notes' four sentences ==");
const notes = [
  ["the", "cat", "sat", "on", "the", "mat"],
  ["the", "dog", "barked", "at", "the", "cat"],
  ["the", "cat", "is", "on", "the", "mat"],
  ["the", "dog", "is", "in", "the", "yard"],
];
const cbow = Word2Vec.train(notes, { vectorSize: 100, window: 5, minCount: 1, sg: 0, seed: 1 });
console.log("vector for 'cat' (first 5):", Array.from(cbow.wv.get("cat").slice(0, 5), (v) => v.toFixed(4)).join(" "));
console.log("most similar to 'cat':", fmt(cbow.wv.mostSimilar("cat", { topn: 3 })));
console.log("(four sentences are far too few to learn anything: the vectors are still close to their random start)");

console.log("\n== GloVe: the notes' window-2 co-occurrence matrix ==");
const glovel = ["I love machine learning", "I love deep learning", "machine learning is fun", "deep learning is fun"];
const x = cooccurrence(glovel, { window: 2, distanceWeighting: false, sortedVocab: false });
const V = x.words.length, dense = x.dense();
console.log("".padEnd(9) + x.words.map((w) => w.padStart(9)).join(""));
for (let i = 0; i < V; i++) console.log(x.words[i].padEnd(9) + Array.from(dense.subarray(i * V, (i + 1) * V), (v) => String(v).padStart(9)).join(""));
const repeated = Array.from({ length: 100 }, () => glovel).flat();
const glove = GloVe.train(repeated, { vectorSize: 5, window: 2, epochs: 50, xMax: 10, seed: 1, progress: false });
console.log(`GloVe cost: epoch 1 ${glove.epochCosts[0].toFixed(4)} → epoch 50 ${glove.epochCosts[49].toFixed(4)}`);
console.log("most similar to 'machine':", fmt(glove.wv.mostSimilar("machine", { topn: 3 })));

console.log("\n== king − man + woman on a corpus with planted rank and gender ==");
// Each sentence: one person word among context words of its rank and of its gender.
const people = { royal: ["king", "queen"], common: ["man", "woman"], young: ["boy", "girl"], heir: ["prince", "princess"] };
const rankCtx = { royal: ["throne", "crown", "palace", "reign"], common: ["work", "street", "town", "market"], young: ["school", "play", "toys", "lessons"],
  heir: ["heir", "castle", "court", "duty"] };
const genderCtx = [["he", "his", "him", "beard"], ["she", "her", "hers", "gown"]];
let seed = 7;
const rand = (n) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
const corpus = [];
for (let s = 0; s < 6000; s++) {
  const ranks = Object.keys(people), rank = ranks[rand(ranks.length)], g = rand(2);
  const words = [];
  for (let i = 0; i < 3; i++) words.push(rankCtx[rank][rand(4)], genderCtx[g][rand(4)]);
  words.splice(rand(words.length + 1), 0, people[rank][g]);
  corpus.push(words);
}
const t0 = performance.now();
const model = Word2Vec.train(corpus, { sg: 1, vectorSize: 32, window: 3, minCount: 1, epochs: 10, seed: 1, onProgress: () => {} });
console.log(`skip-gram: ${model.corpusWords * 10} words in ${(performance.now() - t0).toFixed(0)} ms (${(model.wordsPerSecond / 1e6).toFixed(2)} M words/s), ` +
  `loss ${model.epochLosses[0].toFixed(3)} → ${model.epochLosses.at(-1).toFixed(3)}`);
const kv = model.wv;
console.log("king − man + woman ≈", fmt(kv.mostSimilar({ positive: ["woman", "king"], negative: ["man"], topn: 3 })));
console.log("prince − boy + girl ≈", fmt(kv.mostSimilar({ positive: ["girl", "prince"], negative: ["boy"], topn: 1 })));
console.log("3CosMul: queen − woman + man ≈", fmt(kv.mostSimilarCosmul({ positive: ["man", "queen"], negative: ["woman"], topn: 1 })));
console.log("doesn't match [throne, crown, palace, school]:", kv.doesntMatch(["throne", "crown", "palace", "school"]));
const questions = [": gender", "king queen man woman", "man woman boy girl", "boy girl prince princess", "prince princess king queen",
  ": rank", "king man queen woman", "boy prince girl princess", "man boy woman girl"].join("\n");
const evaluation = kv.evaluateWordAnalogies(questions);
console.log(`analogies (questions-words.txt format): ${(evaluation.score * 100).toFixed(0)} % — ` +
  evaluation.sections.map((s) => `${s.section} ${s.correct.length}/${s.correct.length + s.incorrect.length}`).join(", "));

const bytes = kv.save("binary");
const back = KeyedVectors.fromWord2VecFormat(bytes, { binary: true });
console.log(`word2vec binary round trip: ${bytes.length} bytes, ${back.length} words, same vectors: ${back.vectors.every((v, i) => v === kv.vectors[i])}`);
