// Worked example of the notes (seeds/000, "KMeans + t-SNE on embeddings"): cluster embedding vectors
// with KMeans(n_clusters=4, init='k-means++', random_state=42, n_init=10), embed them in 2-D with
// TSNE(n_components=2, perplexity=15, random_state=42, init='random', learning_rate=200), and draw
// the points coloured by cluster (the notes' colours red, green, blue, purple) with the title
// "Clustering visualized in 2D using t-SNE". The notes' embeddings come from a paid API; here 400
// unit-length 64-d vectors around four topic directions stand in for them (seeded, so the run
// repeats). Writes out/kmeans-tsne.svg.
import { mkdirSync, writeFileSync } from "node:fs";
import { cluster, manifold, metrics, plot, Generator } from "tessera-ml";

const g = new Generator(0);
const dim = 64, perTopic = [140, 110, 90, 60], spread = [0.9, 1.1, 0.8, 1.2];
const topics = perTopic.map(() => Array.from({ length: dim }, () => g.normal()));
const matrix = [], truth = [];
perTopic.forEach((count, t) => {
  for (let i = 0; i < count; i++) {
    const v = topics[t].map((c) => c / Math.sqrt(dim) + spread[t] * g.normal() / Math.sqrt(dim));
    const norm = Math.hypot(...v);
    matrix.push(v.map((x) => x / norm)); // embeddings are unit vectors
    truth.push(t);
  }
});

const nClusters = 4;
const kmeans = new cluster.KMeans({ nClusters, init: "k-means++", seed: 42, nInit: 10 });
kmeans.fit(matrix);
const labels = kmeans.labels;
console.log(`KMeans: inertia ${kmeans.inertia.toFixed(3)} after ${kmeans.nIter} iterations; cluster sizes ${[...Array(nClusters).keys()].map((c) => labels.filter((l) => l === c).length).join(", ")}`);
console.log(`adjusted Rand index against the generating topics: ${metrics.adjustedRandScore(truth, labels).toFixed(3)}; silhouette ${metrics.silhouetteScore(matrix, labels).toFixed(3)}`);

const tsne = new manifold.TSNE({ nComponents: 2, perplexity: 15, seed: 42, init: "random", learningRate: 200 });
const t0 = performance.now();
const visDims = tsne.fitTransform(matrix);
console.log(`t-SNE: KL divergence ${tsne.klDivergence.toFixed(3)} in ${((performance.now() - t0) / 1000).toFixed(2)} s; trustworthiness (k = 10) ${metrics.trustworthiness(matrix, visDims, { nNeighbors: 10 }).toFixed(3)}`);

const colors = ["red", "green", "blue", "purple"];
const svg = plot.scatterSvg(visDims, {
  labels, colors, legend: colors.map((_, c) => `Cluster ${c}`), title: "Clustering visualized in 2D using t-SNE",
  xLabel: "t-SNE component 1", yLabel: "t-SNE component 2", opacity: 0.6,
});
const out = new URL("../out/", import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL("kmeans-tsne.svg", out), svg);
console.log(`wrote out/kmeans-tsne.svg (${svg.length} bytes)`);
