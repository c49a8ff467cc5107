// The --generate section of gpt.bench.mjs: ms per token of greedy decoding with a KV cache at
// context 256 on a GPT-2-small-shaped model with random weights (bench/gpt2_small.py make writes
// them once into bench/.cache/gpt2-small: safetensors for tessera, ONNX for onnxruntime-web), for
// tessera (GPT.fromPretrained, forwardCached one token at a time), onnxruntime-web 1.30 (wasm EP,
// the exported decoder with past keys/values fed back each step) and PyTorch eager
// (bench/gpt2_small.py time), at 1 and 2 threads, rounds interleaved. Every implementation reads
// the last position's logits and takes the argmax on the host, as a generation loop does.
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-web";
import * as ts from "../dist/index.js";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const DIR = here("./.cache/gpt2-small");
const PYTHON = "/usr/bin/python3";
const CONTEXT = 256;
const L = 12, H = 12, D = 64, V = 50257;
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const argmax = (x, from, n) => { let b = 0; for (let i = 1; i < n; i++) if (x[from + i] > x[from + b]) b = i; return b; };
const prompt = Array.from({ length: CONTEXT }, (_, i) => (i * 7919 + 17) % V);

function ensureWeights(log) {
  if (existsSync(`${DIR}/model.onnx`) && existsSync(`${DIR}/model.safetensors`)) return;
  log("# writing GPT-2-small-shaped weights (bench/gpt2_small.py make, ~2 min, 1.1 GB on disk)");
  const r = spawnSync(PYTHON, [here("./gpt2_small.py"), "make", DIR], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("gpt2_small.py make failed");
}

async function tessera(threads, tokens, model) {
  ts.setThreads(threads);
  const cache = model.createCache(1, CONTEXT + tokens + 1);
  const wall = [], cpu = [];
  try {
    const t0 = performance.now();
    let logits = model.forwardCached(ts.tensor([prompt], undefined, { dtype: "int32" }), cache);
    let row = logits.data();
    logits.dispose();
    const prefill = performance.now() - t0;
    let next = argmax(row, (CONTEXT - 1) * V, V);
    for (let i = 0; i < tokens; i++) {
      const w0 = performance.now(), c0 = cpuMs();
      const ids = ts.tensor([[next]], undefined, { dtype: "int32" });
      logits = model.forwardCached(ids, cache);
      row = logits.data();
      next = argmax(row, 0, V);
      logits.dispose();
      ids.dispose();
      wall.push(performance.now() - w0);
      cpu.push(cpuMs() - c0);
    }
    return { prefill, wall, cpu };
  } finally {
    cache.dispose();
  }
}

async function onnx(session, tokens) {
  const t0 = performance.now();
  const empty = new ort.Tensor("float32", new Float32Array(0), [L, 1, H, 0, D]);
  let out = await session.run({
    input_ids: new ort.Tensor("int64", BigInt64Array.from(prompt, BigInt), [1, CONTEXT]), past_key: empty, past_value: empty,
  });
  const prefill = performance.now() - t0;
  let next = argmax(out.logits.data, (CONTEXT - 1) * V, V);
  const wall = [], cpu = [];
  for (let i = 0; i < tokens; i++) {
    const w0 = performance.now(), c0 = cpuMs();
    const prev = out;
    out = await session.run({ input_ids: new ort.Tensor("int64", BigInt64Array.of(BigInt(next)), [1, 1]), past_key: prev.present_key, past_value: prev.present_value });
    next = argmax(out.logits.data, 0, V);
    for (const t of Object.values(prev)) t.dispose?.();
    wall.push(performance.now() - w0);
    cpu.push(cpuMs() - c0);
  }
  for (const t of Object.values(out)) t.dispose?.();
  return { prefill, wall, cpu };
}

function torchRun(threads, tokens) {
  const r = spawnSync(PYTHON, [here("./gpt2_small.py"), "time", DIR, String(threads), String(CONTEXT), String(tokens)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`gpt2_small.py time failed: ${r.stderr}`);
  const o = JSON.parse(r.stdout.trim().split("\n").pop());
  return { prefill: o.prefill_ms, wall: o.decode_ms, cpu: [] };
}

/** onnxruntime-web in a child process (its wasm module fixes the thread count when first loaded). */
function ortRun(threads, tokens) {
  const r = spawnSync(process.execPath, ["--experimental-wasm-relaxed-simd", here("./gpt-generate.mjs"), "ort", String(threads), String(tokens)], { encoding: "utf8" });
  if (r.status !== 0) return { error: (r.stderr || r.stdout).trim().split("\n").slice(-3).join(" ") };
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

export async function generateBench({ report, reportRatio, log, args }) {
  const BENCH = "gpt-generate";
  const CASE = `GPT-2 small ctx ${CONTEXT}`;
  const ROUNDS = Number(args.find((a) => a.startsWith("--rounds="))?.slice(9) ?? 2);
  const TOKENS = Number(args.find((a) => a.startsWith("--tokens="))?.slice(9) ?? 12);
  ensureWeights(log);
  const model = await ts.models.GPT.fromPretrained(DIR);
  model.eval();
  const runs = {};
  const add = (key, r) => {
    if (r.error) { log(`# ${key}: ${r.error}`); return; }
    const x = (runs[key] ??= { wall: [], cpu: [], prefill: [] });
    x.wall.push(...r.wall);
    x.cpu.push(...r.cpu);
    x.prefill.push(r.prefill);
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const threads of [1, 2]) {
      add(`tessera ${threads}T`, await tessera(threads, TOKENS, model));
      add(`onnxruntime-web ${threads}T`, ortRun(threads, TOKENS));
      add(`pytorch eager ${threads}T`, torchRun(threads, TOKENS));
    }
  }
  model.dispose();
  const best = {};
  for (const [name, r] of Object.entries(runs)) {
    best[name] = Math.min(...r.wall);
    report(BENCH, CASE, `${name} (best, wall)`, best[name], "ms/token");
    report(BENCH, CASE, `${name} (median, wall)`, median(r.wall), "ms/token");
    if (r.cpu.length && name.endsWith("1T")) report(BENCH, CASE, `${name} (best, CPU)`, Math.min(...r.cpu), "ms/token");
    report(BENCH, CASE, `${name} prefill ${CONTEXT} (best)`, Math.min(...r.prefill), "ms");
  }
  for (const threads of [1, 2]) {
    const ours = best[`tessera ${threads}T`];
    for (const peer of [`onnxruntime-web ${threads}T`, `pytorch eager ${threads}T`]) {
      if (best[peer]) reportRatio(BENCH, CASE, `tessera ${threads}T speed`, best[peer], ours, peer);
    }
  }
  if (runs["onnxruntime-web 1T"]?.cpu.length) {
    reportRatio(BENCH, CASE, "tessera 1T speed (CPU time)", Math.min(...runs["onnxruntime-web 1T"].cpu), Math.min(...runs["tessera 1T"].cpu), "onnxruntime-web 1T");
  }
}

// `node bench/gpt-generate.mjs ort <threads> <tokens>`: one onnxruntime-web measurement as JSON.
if (process.argv[2] === "ort") {
  const threads = Number(process.argv[3]), tokens = Number(process.argv[4]);
  ort.env.wasm.numThreads = threads;
  const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(`${DIR}/model.onnx`)), { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  console.log(JSON.stringify(await onnx(session, tokens)));
  process.exit(0);
}
