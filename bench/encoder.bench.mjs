// Encoder classifier benchmarks: one fine-tuning step (forward, cross-entropy, backward, AdamW,
// zeroGrad) and one inference forward (eval, no grad) of a BERT-style [CLS] classifier — 2 layers,
// hidden 128, 4 heads, feed-forward 512, vocab 2048 — on a batch of 32 padded to 64 tokens (row i
// holds 16 + 37·i mod 49 tokens; a key-padding mask keeps the padding out), beside PyTorch 1.13
// (bench/encoder_torch.py: the same model with nn.TransformerEncoder, the same batch) run as a
// /usr/bin/python3 subprocess, one thread each, rounds interleaved. Figures are per-step CPU time
// (steadier than wall time on a shared machine); the ratio is PyTorch's time over ours (> 1: faster).
// Needs `npm run build` (imports ../dist).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { report, reportRatio, jsonMode } from "./harness.mjs";
import * as ts from "../dist/index.js";

const BENCH = "encoder";
const PYTHON = "/usr/bin/python3";
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const args = process.argv.slice(2);
const ROUNDS = Number(args.find((a) => a.startsWith("--rounds="))?.slice(9) ?? 3);
const STEPS = Number(args.find((a) => a.startsWith("--steps="))?.slice(8) ?? 4);
const log = (...a) => { if (!jsonMode) console.log(...a); };
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const L = 2, C = 128, H = 4, FF = 512, T = 64, B = 32, V = 2048;
const CASE = `L${L} C${C} T${T} B${B}`;
ts.manualSeed(0);
ts.setThreads(1);
const model = new ts.models.EncoderForSequenceClassification({ vocabSize: V, hiddenSize: C, numLayers: L, numHeads: H, intermediateSize: FF, maxPositions: T, padTokenId: 0, dropout: 0.1 });
const lengths = Array.from({ length: B }, (_, i) => 16 + (37 * i) % 49);
const ids = ts.tensor(Int32Array.from({ length: B * T }, (_, k) => {
  const i = Math.floor(k / T), j = k % T;
  return j < lengths[i] ? ((i * 7919 + j * 104729) % (V - 1)) + 1 : 0;
}), [B, T], { dtype: "int32" });
const attentionMask = ts.tensor(Int32Array.from({ length: B * T }, (_, k) => (k % T < lengths[Math.floor(k / T)] ? 1 : 0)), [B, T], { dtype: "int32" });
const labels = ts.tensor(Int32Array.from({ length: B }, (_, i) => i % 2), [B], { dtype: "int32" });
const opt = new ts.optim.AdamW(model.parameters(), { lr: 1e-3 });
const steps = {
  train: () => ts.tidy(() => {
    model.train();
    const loss = ts.F.crossEntropy(model.forward({ ids, attentionMask }), labels);
    loss.backward();
    opt.step();
    opt.zeroGrad();
  }),
  infer: () => ts.noGrad(() => ts.tidy(() => {
    model.eval();
    model.forward({ ids, attentionMask }).data();
  })),
};

function timeTessera(step) {
  step();
  step();
  const cpu = [];
  for (let i = 0; i < STEPS; i++) {
    const c0 = cpuMs();
    step();
    cpu.push(cpuMs() - c0);
  }
  return cpu;
}

function timeTorch(mode) {
  const r = spawnSync(PYTHON, [here("./encoder_torch.py"), "1", String(STEPS), mode], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`encoder_torch.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()).cpu_ms;
}

log(`# ${CASE}: ${model.numParameters()} parameters, ${lengths.reduce((a, b) => a + b, 0)} real tokens of ${B * T}; ${ROUNDS} rounds of ${STEPS} steps, interleaved, 1 thread, CPU ms per step`);
for (const mode of ["train", "infer"]) {
  const ours = [], torch = [];
  for (let r = 0; r < ROUNDS; r++) {
    ours.push(...timeTessera(steps[mode]));
    torch.push(...timeTorch(mode));
  }
  const t = median(ours), p = median(torch);
  report(BENCH, `${mode} ${CASE}`, "tessera 1 thread", t, "ms/step");
  report(BENCH, `${mode} ${CASE}`, "pytorch 1 thread", p, "ms/step");
  reportRatio(BENCH, `${mode} ${CASE}`, "tessera speed", p, t, "pytorch");
}
model.dispose();
