// Shared benchmark plumbing: time a function with Benchmark.js, print a readable line or (with
// --json) one JSON object per figure: { bench, case, impl, value, unit }.
import Benchmark from "benchmark";

export const jsonMode = process.argv.includes("--json");

/** Mean seconds per call of a synchronous fn, measured by Benchmark.js. */
export function timeSync(fn, { maxTime = 1.5, minSamples = 5 } = {}) {
  const b = new Benchmark({ fn, maxTime, minSamples, async: false });
  b.run();
  if (b.error) throw b.error;
  return b.stats.mean;
}

/**
 * Seconds per call as the best of `reps` batches (each batch's mean), like Python's
 * min(timeit.repeat(...)): for sub-microsecond calls on a shared machine, where a mean measures the
 * other work as much as the call, and to compare with PyTorch timed that way.
 */
export function timeBest(fn, { batch = 2000, reps = 40 } = {}) {
  for (let i = 0; i < batch; i++) fn();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    best = Math.min(best, (performance.now() - t0) / batch);
  }
  return best / 1000;
}

/** Mean seconds per call of an async fn (sequential awaits, after warm-up). */
export async function timeAsync(fn, { maxTime = 1.5, minRuns = 5 } = {}) {
  for (let i = 0; i < 2; i++) await fn();
  let runs = 0;
  const start = performance.now();
  while (runs < minRuns || performance.now() - start < maxTime * 1000) {
    await fn();
    runs++;
  }
  return (performance.now() - start) / 1000 / runs;
}

export function report(bench, testCase, impl, value, unit) {
  if (jsonMode) {
    console.log(JSON.stringify({ bench, case: testCase, impl, value: Number(value.toPrecision(6)), unit }));
  } else {
    console.log(`${bench.padEnd(12)} ${testCase.padEnd(18)} ${impl.padEnd(28)} ${value.toFixed(3).padStart(12)} ${unit}`);
  }
}

/** Prints the ratio ours/peer (higher is better for throughput units, lower for times). */
export function reportRatio(bench, testCase, impl, ours, peer, peerName) {
  report(bench, testCase, `${impl} vs ${peerName}`, ours / peer, "x");
}
