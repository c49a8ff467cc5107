// Peers of the classic-ML benchmarks: scikit-learn 1.2 as a timed /usr/bin/python3 subprocess
// (bench/sklearn_peer.py; BLAS and OpenMP limited per run with threadpoolctl), and JS packages that
// are not dependencies of tessera (ml-kmeans, tsne-js), loaded from node_modules or from
// $PEERS_DIR (default /tmp/peers/node_modules, e.g. after `npm i --prefix /tmp/peers ml-kmeans tsne-js`).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { pathToFileURL } from "node:url";
import { report } from "./harness.mjs";

const PYTHON = process.env.SKLEARN_PYTHON ?? "/usr/bin/python3";
const SCRIPT = new URL("./sklearn_peer.py", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "tessera-bench-"));

function python(args) {
  const r = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`sklearn_peer.py ${args.join(" ")} failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout);
}

/** The benchmark data set `kind` as float32 rows, made by scikit-learn (make_blobs etc.). */
export function sklearnData(kind) {
  const path = join(dir, `${kind}.f32`);
  const meta = python(["data", kind, path]);
  const x = new Float32Array(readFileSync(path).buffer.slice(0));
  return { x, n: meta.n, d: meta.d, labels: meta.labels, path };
}

/** Runs a scikit-learn task on the data at `threads` threads, `repeats` times: { seconds[], ...results }. */
export function sklearnRun(task, data, threads, repeats, ...args) {
  return python([task, data.path, String(data.n), String(data.d), String(threads), String(repeats), ...args.map(String)]);
}

/** A JS package by name from node_modules or $PEERS_DIR, or null when neither has it. */
export async function loadPeer(name) {
  try {
    return await import(name);
  } catch {
    const root = join(process.env.PEERS_DIR ?? "/tmp/peers/node_modules", name);
    if (!existsSync(join(root, "package.json"))) return null;
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    const exp = typeof pkg.exports === "string" ? pkg.exports : pkg.exports?.["."];
    const entry = (typeof exp === "string" ? exp : exp?.import ?? exp?.default) ?? pkg.module ?? pkg.main ?? "index.js";
    return import(pathToFileURL(join(root, entry)).href);
  }
}

/** Mean of all but the first (warm-up) value when there are several. */
export function steadyMean(values) {
  const v = values.length > 1 ? values.slice(1) : values;
  return v.reduce((a, b) => a + b, 0) / v.length;
}

/** Runs fn, returning its result with the wall-clock and process CPU seconds (all threads, as Python's time.process_time). */
export function timed(fn) {
  const c0 = process.cpuUsage(), t0 = performance.now();
  const result = fn();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { result, seconds, cpuSeconds: (c.user + c.system) / 1e6 };
}

/**
 * One thread's CPU seconds, tessera's and scikit-learn's, and their ratio peer/tessera (higher: tessera
 * faster): on a shared machine CPU time is the steadier measure of one thread's work than wall time.
 */
export function reportCpu(bench, testCase, ours, theirs) {
  report(bench, testCase, "tessera 1T cpu", ours, "s");
  report(bench, testCase, "scikit-learn 1T cpu", theirs, "s");
  report(bench, testCase, "scikit-learn/tessera 1T cpu", theirs / ours, "x");
}
