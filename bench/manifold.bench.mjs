// t-SNE on scikit-learn's make_blobs(n_samples=2000, n_features=50, centers=10, random_state=0):
// 2 components, perplexity 30, PCA init, learning rate "auto", 1000 iterations, Barnes–Hut angle
// 0.5 — tessera (threads-relaxed build) at 1 and 2 threads, scikit-learn 1.2 in a /usr/bin/python3
// subprocess at 1 and 2 threads, with the final KL divergence and trustworthiness (k = 10) of each;
// tsne-js 1.0.3 (exact, its own defaults) only with --tsne-js (it takes minutes). Seconds per fit.
import { manifold, metrics, setThreads } from "../dist/index.js";
import { report, jsonMode } from "./harness.mjs";
import { loadPeer, reportCpu, sklearnData, sklearnRun, timed } from "./classic-peers.mjs";

const BENCH = "tsne";
const CASE = "2000x50 bh";
const data = sklearnData("tsne");
const X = { data: data.x, shape: [data.n, data.d] };

for (const threads of [1, 2]) {
  setThreads(threads);
  const t = new manifold.TSNE({ nComponents: 2, perplexity: 30, init: "pca", seed: 0 });
  const { result: E, seconds, cpuSeconds } = timed(() => t.fitTransform(X));
  const trust = metrics.trustworthiness(X, E, { nNeighbors: 10 });
  const sk = sklearnRun("tsne", data, threads, 1, "barnes_hut");
  report(BENCH, CASE, `tessera ${threads}T`, seconds, "s");
  report(BENCH, CASE, `scikit-learn ${threads}T`, sk.seconds[0], "s");
  report(BENCH, CASE, `KL tessera ${threads}T`, t.klDivergence, "");
  report(BENCH, CASE, `KL scikit-learn ${threads}T`, sk.kl, "");
  report(BENCH, CASE, `trustworthiness tessera ${threads}T`, trust, "");
  report(BENCH, CASE, `trustworthiness scikit-learn ${threads}T`, sk.trustworthiness, "");
  report(BENCH, CASE, `tessera/scikit-learn ${threads}T`, seconds / sk.seconds[0], "x");
  if (threads === 1) reportCpu(BENCH, CASE, cpuSeconds, sk.cpuSeconds[0]);
}

if (process.argv.includes("--tsne-js")) {
  const mod = await loadPeer("tsne-js");
  const TSNEjs = mod?.default ?? mod;
  if (TSNEjs) {
    const rows = Array.from({ length: data.n }, (_, i) => Array.from(data.x.subarray(i * data.d, i * data.d + data.d)));
    const model = new TSNEjs({ dim: 2, perplexity: 30, earlyExaggeration: 4, learningRate: 100, nIter: 1000, metric: "euclidean" });
    model.init({ data: rows, type: "dense" });
    const t0 = performance.now();
    const [error] = model.run();
    report(BENCH, CASE, "tsne-js (exact)", (performance.now() - t0) / 1000, "s");
    report(BENCH, CASE, "KL tsne-js", error, "");
  } else if (!jsonMode) console.log("(tsne-js not installed)");
}
