// Worked example of the notes (seeds/002, "GloVe from scratch, then a PCA plot"): the corpus
// "I love machine learning", "I love deep learning", "machine learning is fun", "deep learning is
// fun"; a co-occurrence matrix with window 2; the notes' simplified GloVe (5-d vectors, learning rate
// 0.05, weights x^0.75, 100 epochs of plain SGD over the nonzero cells); then PCA(n_components=2) of
// the word vectors and a scatter plot with each word written beside its point. Writes out/pca-words.svg.
import { mkdirSync, writeFileSync } from "node:fs";
import { decomposition, plot, Generator } from "tessera-ml";

const sentences = ["I love machine learning", "I love deep learning", "machine learning is fun", "deep learning is fun"];

// 2. vocabulary in order of first appearance, co-occurrence counts within the window
const tokenized = sentences.map((s) => s.split(" "));
const vocab = [...new Set(tokenized.flat())];
const index = new Map(vocab.map((w, i) => [w, i]));
const V = vocab.length, window = 2;
const cooc = Array.from({ length: V }, () => new Float64Array(V));
for (const sentence of tokenized) {
  sentence.forEach((word, i) => {
    for (let j = Math.max(0, i - window); j < Math.min(sentence.length, i + window + 1); j++) {
      if (i !== j) cooc[index.get(word)][index.get(sentence[j])] += 1;
    }
  });
}

// 3. the notes' GloVe: W, C, b, d drawn uniformly in [0, 1) (np.random.rand), SGD on weight·(w·c + b + d − log x)²
const g = new Generator(0);
const dim = 5, lr = 0.05, alpha = 0.75;
const rand = (n) => Array.from({ length: n }, () => g.random());
const W = vocab.map(() => rand(dim)), C = vocab.map(() => rand(dim)), b = rand(V), d = rand(V);
for (let epoch = 0; epoch < 100; epoch++) {
  let loss = 0;
  for (let i = 0; i < V; i++) {
    for (let j = 0; j < V; j++) {
      const x = cooc[i][j];
      if (x <= 0) continue;
      const weight = x ** alpha;
      const err = W[i].reduce((s, w, k) => s + w * C[j][k], 0) + b[i] + d[j] - Math.log(x);
      for (let k = 0; k < dim; k++) {
        const gw = weight * err * C[j][k], gc = weight * err * W[i][k];
        W[i][k] -= lr * gw;
        C[j][k] -= lr * gc;
      }
      b[i] -= lr * weight * err;
      d[j] -= lr * weight * err;
      loss += err * err;
    }
  }
  if ((epoch + 1) % 20 === 0) console.log(`Epoch ${epoch + 1}/100, Loss: ${(loss / (V * V)).toFixed(5)}`);
}

// 5. PCA to two dimensions and the word plot
const pca = new decomposition.PCA({ nComponents: 2 });
const result = pca.fitTransform(W);
console.log(`PCA explained variance ratio: ${Array.from(pca.explainedVarianceRatio, (r) => r.toFixed(3)).join(", ")}`);
const svg = plot.scatterSvg(result, {
  texts: vocab, labels: vocab, legend: false, title: "GloVe word vectors (PCA, 2 components)",
  xLabel: "component 1", yLabel: "component 2", pointSize: 6, opacity: 0.9, width: 640, height: 640,
});
const out = new URL("../out/", import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL("pca-words.svg", out), svg);
console.log(`wrote out/pca-words.svg (${svg.length} bytes)`);
