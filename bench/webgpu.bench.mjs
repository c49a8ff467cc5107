// The webgpu device beside the cpu-wasm device through the public API: square matmul N = 256 …
// 2048 (GFLOP/s), softmax over rows, one MLP training step (linear → GELU → linear → cross-entropy,
// backward, SGD), and the crossover sizes where the GPU starts to win — elementwise add (elements)
// and matmul (multiply-adds) — which are what the "auto" device's thresholds should be
// (setAutoThresholds). GPU times include recording and submitting and end when the queue is idle
// (onSubmittedWorkDone), reads excluded. Needs navigator.gpu: run under Deno (`npm run bench webgpu`
// starts this file under Deno itself); needs `npm run build` (imports ../dist).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(import.meta.url);
if (typeof globalThis.Deno === "undefined") {
  // Node has no navigator.gpu: hand the run to Deno (an npm devDependency) with the same arguments.
  const deno = new URL("../node_modules/.bin/deno", import.meta.url).pathname;
  const r = spawnSync(deno, ["run", "-A", here, ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, NO_COLOR: "1" } });
  process.exit(r.status ?? 1);
}

const { report, timeAsync } = await import("./harness.mjs");
const T = await import("../dist/index.js");
const { webGpuBackend } = await import("../dist/backend/webgpu/init.js");

const status = await T.initWebGpu();
if (!status.available) {
  console.log(`webgpu bench skipped: ${status.reason}`);
  Deno.exit(0);
}
const quick = Deno.args.includes("--quick");
console.log(`# adapter: ${status.adapter} (${status.source}); cpu: ${T.info().build} build, ${T.info().threadsInUse} threads`);
const ctx = webGpuBackend().ctx;
const BENCH = "webgpu";
const gen = new T.Generator(1);
const rand = (shape, device) => T.rand(shape, { generator: gen, device });

/** Seconds per call of fn (which records work), GPU work included: the queue is drained each call. */
async function timeGpu(fn, opts) {
  return timeAsync(async () => {
    T.tidy(fn);
    await ctx.finish();
  }, opts);
}

const timeCpu = (fn, opts) => timeAsync(async () => T.tidy(fn), opts);

// ---- matmul ----
for (const n of quick ? [256, 512] : [256, 512, 1024, 2048]) {
  const opts = { maxTime: n >= 1024 ? 2 : 1, minRuns: n >= 2048 ? 2 : 3 };
  const [ag, bg] = [rand([n, n], "webgpu"), rand([n, n], "webgpu")];
  const [ac, bc] = [rand([n, n], "cpu"), rand([n, n], "cpu")];
  const gpu = await timeGpu(() => ag.matmul(bg), opts);
  const cpu = await timeCpu(() => ac.matmul(bc), opts);
  report(BENCH, `matmul ${n}`, "webgpu", 2 * n ** 3 / gpu / 1e9, "GFLOP/s");
  report(BENCH, `matmul ${n}`, "cpu-wasm", 2 * n ** 3 / cpu / 1e9, "GFLOP/s");
  for (const t of [ag, bg, ac, bc]) t.dispose();
}

// ---- softmax ----
for (const [rows, cols] of [[256, 128], [4096, 1024]]) {
  const xg = rand([rows, cols], "webgpu"), xc = rand([rows, cols], "cpu");
  const gpu = await timeGpu(() => xg.softmax(-1));
  const cpu = await timeCpu(() => xc.softmax(-1));
  report(BENCH, `softmax ${rows}x${cols}`, "webgpu", rows * cols * 4 / gpu / 1e9, "GB/s");
  report(BENCH, `softmax ${rows}x${cols}`, "cpu-wasm", rows * cols * 4 / cpu / 1e9, "GB/s");
  xg.dispose();
  xc.dispose();
}

// ---- MLP training step: [256, 512] → 1024 → GELU → 10, cross-entropy, backward, SGD ----
function mlp(device) {
  const p = T.tidy(() => [rand([1024, 512], device).sub(0.5).mul(0.08), T.zeros([1024], { device }), rand([10, 1024], device).sub(0.5).mul(0.06), T.zeros([10], { device })]);
  for (const t of p) t.requiresGrad_();
  const x = rand([256, 512], device);
  const y = T.tensor(Array.from({ length: 256 }, (_, i) => i % 10), [256], { dtype: "int32", device });
  const step = () => {
    const loss = T.F.linear(T.F.linear(x, p[0], p[1]).gelu(), p[2], p[3]).crossEntropy(y);
    loss.backward();
    T.noGrad(() => {
      for (const w of p) {
        w.copy_(w.sub(w.grad.mul(0.1)));
        w.zeroGrad();
      }
    });
  };
  return { step, dispose: () => [...p, x, y].forEach((t) => t.dispose()) };
}
{
  const g = mlp("webgpu"), c = mlp("cpu");
  const gpu = await timeGpu(g.step, { maxTime: 2, minRuns: 3 });
  const cpu = await timeCpu(c.step, { maxTime: 2, minRuns: 3 });
  report(BENCH, "mlp step 256", "webgpu", gpu * 1e3, "ms");
  report(BENCH, "mlp step 256", "cpu-wasm", cpu * 1e3, "ms");
  g.dispose();
  c.dispose();
}

// ---- crossovers: the smallest size at which the GPU (dispatch and wait included) beats the CPU ----
async function crossover(label, sizes, make, work) {
  for (const s of sizes) {
    const g = make(s, "webgpu"), c = make(s, "cpu");
    const gpu = await timeGpu(g.run, { maxTime: 0.5, minRuns: 3 });
    const cpu = await timeCpu(c.run, { maxTime: 0.5, minRuns: 3 });
    g.dispose();
    c.dispose();
    report(BENCH, `${label} ${s}`, "webgpu / cpu-wasm time", gpu / cpu, "x");
    if (gpu < cpu) return work(s);
  }
  return Infinity;
}
const addCase = (n, device) => {
  const a = rand([n], device), b = rand([n], device);
  return { run: () => a.add(b), dispose: () => { a.dispose(); b.dispose(); } };
};
const mmCase = (n, device) => {
  const a = rand([n, n], device), b = rand([n, n], device);
  return { run: () => a.matmul(b), dispose: () => { a.dispose(); b.dispose(); } };
};
const elements = await crossover("add", [2 ** 12, 2 ** 14, 2 ** 16, 2 ** 18, 2 ** 20, 2 ** 22], addCase, (n) => n);
const macs = await crossover("matmul", [32, 64, 128, 256, 512, 1024], mmCase, (n) => n ** 3);
report(BENCH, "auto threshold", "elements (add)", elements, "elements");
report(BENCH, "auto threshold", "multiply-adds (matmul)", macs, "MACs");
console.log(`# setAutoThresholds({ elements: ${elements}, macs: ${macs} }) for this machine (Infinity: the GPU never won)`);
console.log(`# ${JSON.stringify(T.webgpuStats())}`);
