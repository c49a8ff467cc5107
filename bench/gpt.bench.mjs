// GPT benchmarks. `--train` (default with no section flag): tokens/s of one training step (forward,
// cross-entropy, backward, AdamW, zeroGrad) of a GPT with nLayer 4, nHead 4, nEmbd 128, blockSize
// 128, batch 16, vocab 2048, beside PyTorch (bench/gpt_torch.py, the same model and step) run as a
// /usr/bin/python3 subprocess at 1 and 2 threads in the same run, rounds interleaved; then where
// the step's time goes (every Backend call timed: gemm, attention, the rest, and the JS around them)
// with the matmuls' GFLOP/s against the 128-bit SIMD ceiling measured in the same run
// (/work/shared/tools/simd-ceiling's relaxed.wasm, its method: 12 independent f32x4 FMA chains).
// On a shared machine one-thread figures use the process's CPU time (steadier than wall time when
// other work preempts us); two-thread figures can only use wall time.
// `--generate`: ms per token of GPT-2-small-shaped decoding (12 layers, 768 wide, random weights) at
// context 256 with a KV cache, beside onnxruntime-web (wasm) and PyTorch eager on the same weights
// (bench/make_gpt2_small.py writes them, as safetensors for tessera and ONNX for ort). Needs
// `npm run build` (imports ../dist).
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { report, reportRatio, jsonMode } from "./harness.mjs";
import * as ts from "../dist/index.js";
import { defaultBackend } from "../dist/backend/device.js";

const BENCH = "gpt";
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const PYTHON = "/usr/bin/python3";
const args = process.argv.slice(2);
const sections = ["--train", "--generate"].filter((s) => args.includes(s));
const want = (s) => sections.length === 0 ? s === "--train" : sections.includes(s);
const log = (...a) => { if (!jsonMode) console.log(...a); };
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

// ---- the SIMD ceiling, by the method of /work/shared/tools/simd-ceiling/run.mjs ----
const CEILING_WASM = "/work/shared/tools/simd-ceiling/relaxed.wasm";
let peak = null;
if (existsSync(CEILING_WASM)) {
  try {
    peak = (await WebAssembly.instantiate(readFileSync(CEILING_WASM))).instance.exports.relaxedPeak;
    peak(1e5);
  } catch { peak = null; }
}
/** GFLOP/s of 12 independent f32x4 FMA chains (96 flops an iteration), best of 3, CPU time. */
function ceiling() {
  if (!peak) return NaN;
  const iters = 2e6;
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = cpuMs();
    peak(iters);
    best = Math.min(best, cpuMs() - t0);
  }
  return iters * 96 / best / 1e6;
}

// ---- training throughput ----
const CFG = { nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 128, vocabSize: 2048 };
const BATCH = 16, T = 128, TOKENS = BATCH * T;
const CASE = "L4 H4 C128 T128 B16 V2048";

function tesseraTrainer() {
  ts.manualSeed(0);
  const model = new ts.models.GPT(CFG);
  const rand = (seed) => Int32Array.from({ length: TOKENS }, (_, i) => (i * 7919 + seed * 104729) % CFG.vocabSize);
  const x = ts.tensor(rand(1), [BATCH, T], { dtype: "int32" });
  const y = ts.tensor(rand(2), [BATCH, T], { dtype: "int32" });
  const opt = new ts.optim.AdamW(model.parameters(), { lr: 1e-3 });
  const step = () => ts.tidy(() => {
    const loss = model.loss(x, y);
    loss.backward();
    opt.step();
    opt.zeroGrad();
    return loss.item();
  });
  return { model, step };
}

/** Per-step wall and CPU milliseconds of `steps` steps on `threads` threads (after 2 warm-up steps). */
async function timeTessera(step, threads, steps) {
  ts.setThreads(threads);
  step();
  step();
  if (threads > 1) await new Promise((r) => setTimeout(r, 100));
  const wall = [], cpu = [];
  for (let i = 0; i < steps; i++) {
    const w0 = performance.now(), c0 = cpuMs();
    step();
    wall.push(performance.now() - w0);
    cpu.push(cpuMs() - c0);
  }
  return { wall, cpu };
}

function timeTorch(threads, steps) {
  const r = spawnSync(PYTHON, [here("./gpt_torch.py"), String(threads), String(steps)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`gpt_torch.py failed: ${r.stderr}`);
  const o = JSON.parse(r.stdout.trim().split("\n").pop());
  return { wall: o.wall_ms, cpu: o.cpu_ms };
}

/** Where one-thread steps spend CPU time: every Backend call wrapped; gemm flops counted. */
function stepSplit(step, steps) {
  ts.setThreads(1);
  const be = defaultBackend();
  const acc = new Map();
  let flops = 0;
  const saved = [];
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(be))) {
    if (name === "constructor" || typeof be[name] !== "function") continue;
    const f = be[name];
    saved.push([name, Object.prototype.hasOwnProperty.call(be, name) ? be[name] : undefined]);
    be[name] = function (...a) {
      const t0 = cpuMs();
      const r = f.apply(this, a);
      acc.set(name, (acc.get(name) ?? 0) + cpuMs() - t0);
      if (name === "gemm") flops += 2 * a[0].m * a[0].n * a[0].k * a[0].batch;
      return r;
    };
  }
  try {
    step();
    acc.clear();
    flops = 0;
    const t0 = cpuMs();
    for (let i = 0; i < steps; i++) step();
    const total = (cpuMs() - t0) / steps;
    const per = (name) => (acc.get(name) ?? 0) / steps;
    const calls = [...acc.values()].reduce((a, b) => a + b, 0) / steps;
    return { total, gemm: per("gemm"), attention: per("attentionForward") + per("attentionBackward"), kernelsOther: calls - per("gemm") - per("attentionForward") - per("attentionBackward"), js: total - calls, gflops: flops / steps / 1e9, acc, steps };
  } finally {
    for (const [name, own] of saved) {
      if (own === undefined) delete be[name];
      else be[name] = own;
    }
  }
}

if (want("--train")) {
  const ROUNDS = Number(args.find((a) => a.startsWith("--rounds="))?.slice(9) ?? 3);
  const STEPS = Number(args.find((a) => a.startsWith("--steps="))?.slice(8) ?? 4);
  const { model, step } = tesseraTrainer();
  log(`# ${CASE}: ${model.numParameters()} parameters (${model.numParameters() + CFG.vocabSize * CFG.nEmbd} counting the tied head twice), ${TOKENS} tokens a step; ${ROUNDS} rounds of ${STEPS} steps, interleaved`);
  const runs = { t1: { wall: [], cpu: [] }, p1: { wall: [], cpu: [] }, t2: { wall: [], cpu: [] }, p2: { wall: [], cpu: [] } };
  const add = (into, r) => { into.wall.push(...r.wall); into.cpu.push(...r.cpu); };
  for (let r = 0; r < ROUNDS; r++) {
    add(runs.t1, await timeTessera(step, 1, STEPS));
    add(runs.p1, timeTorch(1, STEPS));
    add(runs.t2, await timeTessera(step, 2, STEPS));
    add(runs.p2, timeTorch(2, STEPS));
  }
  const tps = (ms) => TOKENS / ms * 1000;
  const fig = {
    t1cpu: tps(Math.min(...runs.t1.cpu)), p1cpu: tps(Math.min(...runs.p1.cpu)),
    t1wall: tps(Math.min(...runs.t1.wall)), p1wall: tps(Math.min(...runs.p1.wall)),
    t2wall: tps(Math.min(...runs.t2.wall)), p2wall: tps(Math.min(...runs.p2.wall)),
  };
  report(BENCH, CASE, "tessera 1T (best, CPU time)", fig.t1cpu, "tokens/s");
  report(BENCH, CASE, "pytorch 1.13 1T (best, CPU)", fig.p1cpu, "tokens/s");
  report(BENCH, CASE, "tessera 1T (median, CPU)", tps(median(runs.t1.cpu)), "tokens/s");
  report(BENCH, CASE, "pytorch 1T (median, CPU)", tps(median(runs.p1.cpu)), "tokens/s");
  report(BENCH, CASE, "tessera 1T (best, wall)", fig.t1wall, "tokens/s");
  report(BENCH, CASE, "pytorch 1T (best, wall)", fig.p1wall, "tokens/s");
  report(BENCH, CASE, "tessera 2T (best, wall)", fig.t2wall, "tokens/s");
  report(BENCH, CASE, "pytorch 2T (best, wall)", fig.p2wall, "tokens/s");
  reportRatio(BENCH, CASE, "tessera 1T CPU", fig.t1cpu, fig.p1cpu, "pytorch 1T");
  reportRatio(BENCH, CASE, "tessera 1T median CPU", tps(median(runs.t1.cpu)), tps(median(runs.p1.cpu)), "pytorch 1T");
  reportRatio(BENCH, CASE, "tessera 2T wall", fig.t2wall, fig.p2wall, "pytorch 2T");
  reportRatio(BENCH, CASE, "tessera 2T wall", fig.t2wall, fig.t1wall, "tessera 1T wall");

  // Where the time goes (one thread, CPU time), with the SIMD ceiling measured around it.
  let ceil = ceiling();
  let best = null;
  for (let r = 0; r < ROUNDS; r++) {
    const s = stepSplit(step, 2);
    ceil = Math.max(ceil, ceiling());
    if (best === null || s.total < best.total) best = s;
  }
  const pct = (ms) => 100 * ms / best.total;
  report(BENCH, CASE, "step (split run, CPU)", best.total, "ms");
  report(BENCH, CASE, "matmul share of step", pct(best.gemm), "%");
  report(BENCH, CASE, "attention share of step", pct(best.attention), "%");
  report(BENCH, CASE, "other kernels share", pct(best.kernelsOther), "%");
  report(BENCH, CASE, "JS around kernels share", pct(best.js), "%");
  report(BENCH, CASE, "matmul GFLOP/s", best.gflops / best.gemm * 1000, "GFLOP/s");
  report(BENCH, CASE, "SIMD FMA ceiling (same run)", ceil, "GFLOP/s");
  report(BENCH, CASE, "matmul / ceiling", 100 * best.gflops / best.gemm * 1000 / ceil, "%");
  if (!jsonMode) {
    const rows = [...best.acc].sort((a, b) => b[1] - a[1]).filter(([, v]) => v / best.steps > 0.05);
    log(`# per call family (ms a step, CPU): ${rows.map(([k, v]) => `${k} ${(v / best.steps).toFixed(1)}`).join(", ")}, JS ${best.js.toFixed(1)}`);
  }
  model.dispose();
}

// ---- generation with a KV cache ----
if (want("--generate")) {
  const { generateBench } = await import("./gpt-generate.mjs");
  await generateBench({ report, reportRatio, log, args });
}
