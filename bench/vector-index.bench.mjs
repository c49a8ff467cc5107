// Exact top-10 search over 100k × 128 float32 vectors (ip and l2): embeddings.VectorIndex (SIMD
// kernel with a heap per query in WASM; batches of queries on the worker pool) with 1 and 2 threads
// vs a plain-JS loop (Float32Array dot products, a sorted top-10 list) and, for reference, faiss
// 1.7.3 IndexFlatIP / IndexFlatL2 (Debian python3-faiss, a timed /usr/bin/python3 subprocess, 1 and
// 2 OpenMP threads, same vectors). Every implementation's top-10 ids are checked against the plain
// loop's before timing. Figures: queries per second, best of 7 samples for single queries and of 5
// for batches of 64 (median in brackets; faiss: 7). Needs `npm run build` (imports ../dist).
import { spawnSync } from "node:child_process";
import { jsonMode, report } from "./harness.mjs";
import { init, embeddings, setThreads } from "../dist/index.js";

const BENCH = "vectorindex";
const N = 100_000, D = 128, K = 10;
const args = process.argv.slice(2);
const peers = !args.includes("--no-peers");

function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1;
  };
}
const r = rng(1);
const base = Float32Array.from({ length: N * D }, r);
const queries = Float32Array.from({ length: 64 * D }, r);

/** The plain-JS loop: one pass over the rows per query, a sorted list of the K best. */
function plainSearch(q, nq, metric) {
  const ids = new Int32Array(nq * K);
  const best = new Float64Array(K), bestId = new Int32Array(K);
  for (let i = 0; i < nq; i++) {
    best.fill(-Infinity);
    bestId.fill(-1);
    const qo = i * D;
    for (let row = 0; row < N; row++) {
      const xo = row * D;
      let s = 0;
      if (metric === "l2") for (let j = 0; j < D; j++) { const d = q[qo + j] - base[xo + j]; s -= d * d; }
      else for (let j = 0; j < D; j++) s += q[qo + j] * base[xo + j];
      if (s <= best[K - 1]) continue;
      let at = K - 1;
      while (at > 0 && best[at - 1] < s) { best[at] = best[at - 1]; bestId[at] = bestId[at - 1]; at--; }
      best[at] = s;
      bestId[at] = row;
    }
    ids.set(bestId, i * K);
  }
  return ids;
}

function timeMs(fn, samples = 7) {
  fn();
  const per = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    fn();
    per.push(performance.now() - t0);
  }
  per.sort((a, b) => a - b);
  return { best: per[0], median: per[samples >> 1] };
}

function sameIds(a, b, what) {
  let diff = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff++;
  // float32 vs float64 accumulation may swap near-equal neighbours; more than that is a bug
  if (diff > a.length / 100) throw new Error(`${what}: ${diff} of ${a.length} top-10 ids differ from the plain loop`);
}

const fmt = (t, nq) => `${(nq / t.best * 1000).toFixed(0)} q/s [${(nq / t.median * 1000).toFixed(0)}]`;
const line = (c, impl, t, nq) => {
  if (jsonMode) report(BENCH, c, impl, nq / t.best * 1000, "queries/s");
  else console.log(`${BENCH.padEnd(12)} ${c.padEnd(16)} ${impl.padEnd(36)} ${fmt(t, nq).padStart(22)}`);
};

await init();
const index = new embeddings.VectorIndex(D);
index.add(base);

let faiss = null;
if (peers) {
  const script = `
import sys, time, json, numpy as np
import faiss
N, D, K = ${N}, ${D}, ${K}
raw = sys.stdin.buffer.read()
xb = np.frombuffer(raw[:N*D*4], dtype=np.float32).reshape(N, D)
xq = np.frombuffer(raw[N*D*4:], dtype=np.float32).reshape(-1, D)
out = {}
for metric in ("ip", "l2"):
    idx = faiss.IndexFlatIP(D) if metric == "ip" else faiss.IndexFlatL2(D)
    idx.add(xb)
    for th in (1, 2):
        faiss.omp_set_num_threads(th)
        for nq in (1, 64):
            q = np.ascontiguousarray(xq[:nq])
            _, I = idx.search(q, K)
            per = []
            for s in range(7):
                t0 = time.perf_counter(); idx.search(q, K); per.append((time.perf_counter() - t0) * 1000)
            per.sort()
            out[f"{metric} {nq} {th}"] = {"best": per[0], "median": per[3], "ids": I.ravel().tolist()}
print(json.dumps(out))
`;
  const input = Buffer.concat([Buffer.from(base.buffer), Buffer.from(queries.buffer)]);
  const py = spawnSync("/usr/bin/python3", ["-c", script], { input, encoding: "utf8", maxBuffer: 16 << 20 });
  if (py.status === 0) faiss = JSON.parse(py.stdout);
  else console.log(`# faiss unavailable (python3-faiss): ${py.stderr.split("\n").filter(Boolean).pop()}`);
}

for (const metric of ["ip", "l2"]) {
  for (const nq of [1, 64]) {
    const c = `${metric} top10 nq=${nq}`;
    const q = queries.subarray(0, nq * D);
    const plainIds = plainSearch(q, nq, metric);
    const samples = nq === 1 ? 7 : 5; // the same for every implementation: best-of-n favours larger n
    const plain = timeMs(() => plainSearch(q, nq, metric), samples);
    line(c, "plain JS loop", plain, nq);
    for (const threads of [1, 2]) {
      setThreads(threads);
      sameIds(index.search(q, K, { metric, threads }).rows, plainIds, `tessera ${c}`);
      const t = timeMs(() => index.search(q, K, { metric, threads }), samples);
      line(c, `tessera VectorIndex ${threads} thread${threads > 1 ? "s" : ""}`, t, nq);
      report(BENCH, c, `tessera ${threads}t vs plain JS`, plain.best / t.best, "x");
      const f = faiss?.[`${metric} ${nq} ${threads}`];
      if (f) {
        sameIds(Int32Array.from(f.ids), plainIds, `faiss ${c}`);
        line(c, `faiss IndexFlat ${threads} thread${threads > 1 ? "s" : ""}`, f, nq);
        report(BENCH, c, `tessera ${threads}t vs faiss ${threads}t`, f.best / t.best, "x");
      }
    }
  }
}
index.dispose();
