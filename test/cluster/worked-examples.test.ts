// The worked examples of the study notes against scikit-learn 1.2 (fixture made by
// test/fixtures/make_worked_examples_fixtures.py). seeds/000: KMeans(n_clusters=2, k-means++,
// random_state=42, n_init=10) on five random 5-d vectors, and on topic "embeddings" KMeans with 4
// clusters then TSNE(perplexity=15, init='random', learning_rate=200) drawn as a scatter coloured by
// cluster — labels equal sklearn's up to a renaming, inertia within 1e-6 relative, KL within 5 % of
// sklearn's mean over three seeds, trustworthiness (k = 10) within 0.01. seeds/002: PCA(n_components=2)
// of the notes' GloVe word vectors equals sklearn's fit_transform (svd_flip signs, 1e-5) and the word
// plot writes every word beside its point.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { cluster, decomposition, manifold, metrics, plot } from "../../src/index.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/cluster/worked-examples.json", import.meta.url), "utf8"));
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;

describe("seeds/000: KMeans + t-SNE on embeddings", () => {
  it("five random 5-d vectors, 2 clusters: sklearn's partition and inertia", () => {
    const { X, labels, inertia } = fixture.seed000_small;
    const km = new cluster.KMeans({ nClusters: 2, init: "k-means++", seed: 42, nInit: 10 }).fit(X);
    expect(metrics.adjustedRandScore(labels, km.labels)).toBe(1);
    expect(Math.abs(km.inertia - inertia) / inertia).toBeLessThan(1e-6);
  });

  it("topic embeddings: 4 clusters as sklearn finds them, a t-SNE as good as sklearn's, a scatter of the clusters", () => {
    const { X, truth, labels, inertia, tsne: sk } = fixture.seed000_topics;
    const km = new cluster.KMeans({ nClusters: 4, init: "k-means++", seed: 42, nInit: 10 }).fit(X);
    expect(metrics.adjustedRandScore(labels, km.labels)).toBe(1);
    expect(metrics.adjustedRandScore(truth, km.labels)).toBeGreaterThan(0.9);
    expect(Math.abs(km.inertia - inertia) / inertia).toBeLessThan(1e-6);

    const t = new manifold.TSNE({ nComponents: 2, perplexity: 15, seed: 42, init: "random", learningRate: 200 });
    const E = t.fitTransform(X);
    const kl = mean(sk.kl);
    expect(Math.abs(t.klDivergence - kl) / kl, `KL ${t.klDivergence} vs sklearn ${sk.kl}`).toBeLessThan(0.05);
    const trust = metrics.trustworthiness(X, E, { nNeighbors: 10 });
    expect(Math.abs(trust - mean(sk.trustworthiness)), `trustworthiness ${trust} vs sklearn ${sk.trustworthiness}`).toBeLessThan(0.01);
    // the clusters stay apart in the plane: KMeans' labels are well separated in the embedding
    expect(metrics.silhouetteScore(E, km.labels)).toBeGreaterThan(0.5);

    const colors = ["red", "green", "blue", "purple"];
    const svg = plot.scatterSvg(E, { labels: km.labels, colors, legend: colors.map((_, c) => `Cluster ${c}`), title: "Clustering visualized in 2D using t-SNE" });
    for (const c of colors) expect(svg).toContain(`fill="${c}"`);
    expect((svg.match(/<circle /g) ?? []).length).toBe(X.length + colors.length); // points + legend swatches
  });
});

describe("seeds/002: PCA word plot of GloVe vectors", () => {
  it("PCA(n_components=2) equals sklearn's fit_transform; every word is written on the plot", () => {
    const { words, X, result, components, explainedVarianceRatio } = fixture.seed002_glove;
    const pca = new decomposition.PCA({ nComponents: 2 });
    const R = pca.fitTransform(X);
    expect(R.shape).toEqual([words.length, 2]);
    const r = R.data();
    (result as number[][]).flat().forEach((v, i) => expect(Math.abs(r[i] - v)).toBeLessThan(1e-5));
    const c = pca.components.data();
    (components as number[][]).flat().forEach((v, i) => expect(Math.abs(c[i] - v)).toBeLessThan(1e-5));
    explainedVarianceRatio.forEach((v: number, i: number) => expect(Math.abs(pca.explainedVarianceRatio[i] - v)).toBeLessThan(1e-6));

    const svg = plot.scatterSvg(R, { texts: words, labels: words, legend: false, title: "GloVe word vectors" });
    for (const w of words) expect(svg).toContain(`>${w}</text>`);
  });
});
