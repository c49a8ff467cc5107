// KMeans on scikit-learn's make_blobs(n_samples=20000, n_features=32, centers=16, cluster_std=6.0,
// random_state=0): k = 16, k-means++, nInit 10, Lloyd — tessera (threads-relaxed build) at 1 and 2
// threads, scikit-learn 1.2 in a /usr/bin/python3 subprocess at 1 and 2 threads (threadpoolctl),
// and ml-kmeans 7 (10 restarts, best inertia kept) when installed (see classic-peers.mjs). Seconds
// per fit (lower is better), mean over repeats after one warm-up; ratios are in the same run.
import { cluster, setThreads } from "../dist/index.js";
import { report, jsonMode } from "./harness.mjs";
import { loadPeer, reportCpu, sklearnData, sklearnRun, steadyMean, timed } from "./classic-peers.mjs";

const BENCH = "kmeans";
const CASE = "20000x32 k16 n10";
const REPEATS = Number(process.env.REPEATS ?? 4);
const data = sklearnData("kmeans");
const X = { data: data.x, shape: [data.n, data.d] };

function tessera(threads, algorithm = "lloyd") {
  setThreads(threads);
  const seconds = [], cpuSeconds = [];
  let km;
  for (let r = 0; r < REPEATS; r++) {
    const t = timed(() => new cluster.KMeans({ nClusters: 16, init: "k-means++", nInit: 10, seed: r, algorithm }).fit(X));
    km = t.result;
    seconds.push(t.seconds);
    cpuSeconds.push(t.cpuSeconds);
  }
  return { seconds: steadyMean(seconds), cpuSeconds: steadyMean(cpuSeconds), inertia: km.inertia };
}

const results = {};
for (const threads of [1, 2]) {
  const ours = tessera(threads);
  const sk = sklearnRun("kmeans", data, threads, REPEATS, 16, "lloyd");
  results[threads] = { ours, sk: { seconds: steadyMean(sk.seconds), inertia: sk.inertia } };
  report(BENCH, CASE, `tessera ${threads}T`, ours.seconds, "s");
  report(BENCH, CASE, `scikit-learn ${threads}T`, results[threads].sk.seconds, "s");
  report(BENCH, CASE, `inertia tessera ${threads}T`, ours.inertia, "");
  report(BENCH, CASE, `inertia scikit-learn ${threads}T`, sk.inertia, "");
  report(BENCH, CASE, `scikit-learn/tessera ${threads}T`, results[threads].sk.seconds / ours.seconds, "x");
  if (threads === 1) reportCpu(BENCH, CASE, ours.cpuSeconds, steadyMean(sk.cpuSeconds));
}
const elkan = tessera(1, "elkan");
report(BENCH, CASE, "tessera elkan 1T", elkan.seconds, "s");

const mlKMeans = await loadPeer("ml-kmeans");
if (mlKMeans && !process.argv.includes("--no-ml-kmeans")) {
  const rows = Array.from({ length: data.n }, (_, i) => Array.from(data.x.subarray(i * data.d, i * data.d + data.d)));
  const t0 = performance.now();
  let best = Infinity;
  for (let seed = 0; seed < 10; seed++) {
    const res = mlKMeans.kmeans(rows, 16, { initialization: "kmeans++", seed, maxIterations: 300 });
    let inertia = 0;
    rows.forEach((r, i) => { const c = res.centroids[res.clusters[i]]; for (let f = 0; f < data.d; f++) inertia += (r[f] - c[f]) ** 2; });
    best = Math.min(best, inertia);
  }
  const seconds = (performance.now() - t0) / 1000;
  report(BENCH, CASE, "ml-kmeans 7 (10 restarts)", seconds, "s");
  report(BENCH, CASE, "inertia ml-kmeans", best, "");
  report(BENCH, CASE, "ml-kmeans/tessera 1T", seconds / results[1].ours.seconds, "x");
} else if (!jsonMode) {
  console.log(mlKMeans ? "(ml-kmeans skipped: --no-ml-kmeans)" : "(ml-kmeans not installed: npm i --prefix /tmp/peers ml-kmeans, or set PEERS_DIR)");
}
