// Worked example 13 (notes 003, 004): train a small GPT on a public-domain corpus shipped in the
// repository — the KJV text of Genesis and Exodus (examples/data/make_kjv.sh wrote it from Debian's
// bible-kjv) — with a byte-level BPE tokenizer trained on it, causal-LM windows, AdamW without
// weight decay on biases and LayerNorm weights, linear warmup then cosine decay, gradient clipping
// at 1.0 and gradient accumulation; validation perplexity (exp of the mean cross-entropy) after each
// epoch, a safetensors checkpoint per epoch, and a sample of generated text.
//
//   node --experimental-wasm-relaxed-simd examples/tiny-gpt.mjs            ~1M parameters, ≤ 10 min
//   node --experimental-wasm-relaxed-simd examples/tiny-gpt.mjs --short    a 30-60 s version (the tour)
// Options: --minutes=N (time budget), --epochs=N, --out=DIR (checkpoints; default a temp directory).
// Run after `npm run build`.
import { readFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BPETokenizer, data, fit, models, optim, F, manualSeed, info, tidy, noGrad } from "tessera-ml";

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const short = process.argv.includes("--short");
const settings = short
  ? { vocab: 512, nLayer: 2, nHead: 2, nEmbd: 96, block: 48, batch: 16, accum: 1, epochs: 4, minutes: 0.75, trainFraction: 1, lr: 3e-3 }
  : { vocab: 1024, nLayer: 4, nHead: 4, nEmbd: 128, block: 64, batch: 16, accum: 2, epochs: 8, minutes: 10, trainFraction: 1, lr: 3e-3 };
const epochs = Number(arg("epochs", settings.epochs));
const budgetMs = Number(arg("minutes", settings.minutes)) * 60_000;
const outDir = arg("out", join(tmpdir(), "tessera-tiny-gpt"));
mkdirSync(outDir, { recursive: true });
manualSeed(0);
const started = performance.now();

// --- corpus and tokenizer: the last tenth of the verses is held out for validation ---
const verses = readFileSync(new URL("./data/kjv-genesis-exodus.txt", import.meta.url), "utf8").trim().split("\n");
const cut = Math.floor(verses.length * 0.9);
const trainText = verses.slice(0, Math.floor(cut * settings.trainFraction)).join("\n");
const valText = verses.slice(cut).join("\n");
const tokenizer = BPETokenizer.train([trainText], { vocabSize: settings.vocab, specialTokens: ["<|endoftext|>"] });
const trainIds = tokenizer.encode(trainText);
const valIds = tokenizer.encode(valText);
console.log(`${info().build} build, ${info().threadsInUse} thread(s); corpus ${trainText.length + valText.length} characters → ` +
  `${trainIds.length} training and ${valIds.length} validation tokens (byte-level BPE, vocab ${tokenizer.vocabSize})`);

// --- model and data ---
const model = new models.GPT({ nLayer: settings.nLayer, nHead: settings.nHead, nEmbd: settings.nEmbd, blockSize: settings.block, vocabSize: tokenizer.vocabSize, dropout: 0 });
console.log(`GPT ${JSON.stringify({ nLayer: settings.nLayer, nHead: settings.nHead, nEmbd: settings.nEmbd, blockSize: settings.block })}: ${model.numParameters()} parameters`);
const microBatch = settings.batch / settings.accum;
const train = new data.DataLoader(new data.CausalLMDataset(trainIds, settings.block), { batchSize: microBatch, shuffle: true, seed: 1, dropLast: true });
const val = new data.DataLoader(new data.CausalLMDataset(valIds, settings.block), { batchSize: 32 });

// --- AdamW: decay the matrices, not biases and LayerNorm weights (1-D); warmup + cosine ---
const named = model.namedParameters();
const optimizer = new optim.AdamW([
  { params: named.filter(([, p]) => p.ndim >= 2).map(([, p]) => p), weightDecay: 0.1 },
  { params: named.filter(([, p]) => p.ndim < 2).map(([, p]) => p), weightDecay: 0 },
], { lr: settings.lr, betas: [0.9, 0.95] });
const stepsPerEpoch = Math.floor(train.length / settings.accum);
const totalSteps = stepsPerEpoch * epochs;
const scheduler = optim.getCosineScheduleWithWarmup(optimizer, Math.max(1, Math.round(0.05 * totalSteps)), totalSteps);

const sample = () => {
  const prompt = tokenizer.encode("And God said");
  const ids = model.generate(prompt, { maxNewTokens: short ? 24 : 48, doSample: true, temperature: 0.8, topK: 40, seed: 7 })[0];
  return tokenizer.decode([...prompt, ...ids]).replace(/\n/g, " / ");
};
const perplexity = () => noGrad(() => {
  model.eval();
  let sum = 0, n = 0;
  for (const [x, y] of val) {
    sum += tidy(() => F.crossEntropy(model.forward(x), y).item()) * x.shape[0];
    n += x.shape[0];
    x.dispose();
    y.dispose();
  }
  model.train();
  return Math.exp(sum / n);
});

console.log(`before training: validation perplexity ${perplexity().toFixed(1)}`);
let outOfTime = false;
const history = await fit(model, train, {
  epochs, optimizer, scheduler, schedulerInterval: "step",
  lossFn: (logits, targets) => F.crossEntropy(logits, targets),
  evalData: val, gradAccumulation: settings.accum, clipNorm: 1.0, progress: !short,
  checkpoint: { path: join(outDir, "tiny-gpt-epoch{epoch}.safetensors") },
  onStep: () => {
    outOfTime = performance.now() - started > budgetMs;
    return !outOfTime;
  },
  onEpoch: (e) => {
    console.log(`epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(3)}, validation perplexity ${Math.exp(e.evalLoss).toFixed(1)} ` +
      `(lr ${e.lr.toExponential(2)}, ${e.seconds.toFixed(0)} s)`);
    console.log(`  sample: ${sample()}`);
  },
});
if (outOfTime && history.epoch.length < epochs) console.log(`time budget reached after ${history.steps} optimizer steps: validation perplexity ${perplexity().toFixed(1)}\n  sample: ${sample()}`);
console.log(`checkpoints in ${outDir}; ${((performance.now() - started) / 1000).toFixed(0)} s in all`);
