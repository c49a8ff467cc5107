// PCA of a 20000×256 float32 matrix with correlated columns (bench/sklearn_peer.py "pca" data):
// 2 components with each library's default solver (tessera: full; scikit-learn "auto": randomized),
// with both randomized, with both full, and all 256 components (full) — tessera (threads-relaxed
// build) and scikit-learn 1.2 at 1 and 2 threads. Seconds per fit, mean over repeats after one
// warm-up; the relative difference of the first explained variance shows what "randomized" costs.
import { decomposition, setThreads } from "../dist/index.js";
import { report } from "./harness.mjs";
import { reportCpu, sklearnData, sklearnRun, steadyMean, timed } from "./classic-peers.mjs";

const BENCH = "pca";
const REPEATS = Number(process.env.REPEATS ?? 4);
const data = sklearnData("pca");
const X = { data: data.x, shape: [data.n, data.d] };

for (const [nc, ourSolver, theirSolver] of [[2, "full", "auto"], [2, "randomized", "randomized"], [2, "full", "full"], ["all", "full", "full"]]) {
  const CASE = `20000x256 nc=${nc}`;
  for (const threads of [1, 2]) {
    setThreads(threads);
    const seconds = [], cpuSeconds = [];
    let p;
    for (let r = 0; r < REPEATS; r++) {
      const t = timed(() => new decomposition.PCA({ nComponents: nc === "all" ? undefined : nc, svdSolver: ourSolver, seed: r }).fit(X));
      p = t.result;
      seconds.push(t.seconds);
      cpuSeconds.push(t.cpuSeconds);
    }
    const ours = steadyMean(seconds);
    const sk = sklearnRun("pca", data, threads, REPEATS, nc, theirSolver);
    const theirs = steadyMean(sk.seconds);
    report(BENCH, CASE, `tessera ${threads}T (${p.fittedSolver})`, ours, "s");
    report(BENCH, CASE, `scikit-learn ${threads}T (${sk.solver})`, theirs, "s");
    report(BENCH, CASE, `explained variance[0] rel. diff ${threads}T`, Math.abs(p.explainedVariance[0] - sk.explainedVariance0) / sk.explainedVariance0, "");
    report(BENCH, CASE, `scikit-learn/tessera ${threads}T`, theirs / ours, "x");
    if (threads === 1) reportCpu(BENCH, CASE, steadyMean(cpuSeconds), steadyMean(sk.cpuSeconds));
  }
}
