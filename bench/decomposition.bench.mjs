// PCA of a 20000×256 float32 matrix with correlated columns (bench/sklearn_peer.py "pca" data):
// 2 components and all 256 — tessera (threads-relaxed build) at 1 and 2 threads, scikit-learn 1.2
// at 1 and 2 threads with its default solver ("auto": randomized for 2 components, full SVD for
// all). Seconds per fit, mean over repeats after one warm-up.
import { decomposition, setThreads } from "../dist/index.js";
import { report } from "./harness.mjs";
import { sklearnData, sklearnRun, steadyMean } from "./classic-peers.mjs";

const BENCH = "pca";
const REPEATS = Number(process.env.REPEATS ?? 4);
const data = sklearnData("pca");
const X = { data: data.x, shape: [data.n, data.d] };

for (const nc of [2, "all"]) {
  const CASE = `20000x256 nc=${nc}`;
  for (const threads of [1, 2]) {
    setThreads(threads);
    const seconds = [];
    let p;
    for (let r = 0; r < REPEATS; r++) {
      const t0 = performance.now();
      p = new decomposition.PCA({ nComponents: nc === "all" ? undefined : nc }).fit(X);
      seconds.push((performance.now() - t0) / 1000);
    }
    const ours = steadyMean(seconds);
    const sk = sklearnRun("pca", data, threads, REPEATS, nc);
    const theirs = steadyMean(sk.seconds);
    report(BENCH, CASE, `tessera ${threads}T`, ours, "s");
    report(BENCH, CASE, `scikit-learn ${threads}T (${sk.solver})`, theirs, "s");
    report(BENCH, CASE, `explained variance[0] rel. diff ${threads}T`, Math.abs(p.explainedVariance[0] - sk.explainedVariance0) / sk.explainedVariance0, "");
    report(BENCH, CASE, `scikit-learn/tessera ${threads}T`, theirs / ours, "x");
  }
}
