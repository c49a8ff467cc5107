// Worked example of notes 001 §2.1 and 004 (pretrain, then fine-tune): a small BERT-style encoder
// is pretrained as a masked language model on the KJV text of Genesis and Exodus shipped in
// examples/data, then fine-tuned to tell which book a verse comes from — once fully (every weight
// trains) and once with LoRA (the encoder frozen, rank-8 adapters on its Linear layers, the packed
// attention in-projections and the new classifier head trained). Both use dynamic padding (each batch padded to its longest verse), accuracy
// and macro F1 on a validation split after every epoch, early stopping on the validation loss with
// the best epoch restored, and a final score on held-out test verses; the fine-tuned model is
// saved to a folder and used through pipeline("text-classification"), the pretrained one through
// pipeline("fill-mask").
//
//   node --experimental-wasm-relaxed-simd examples/fine-tune.mjs           about 2 minutes on 2 cores
//   node --experimental-wasm-relaxed-simd examples/fine-tune.mjs --short   a shorter version (the tour)
// Run after `npm run build`.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WordPieceTokenizer, parseTemplate, saveTokenizerJson, data, fit, models, nn, optim, F, metrics, pipeline, manualSeed, Generator, noGrad, tidy } from "tessera-ml";

const short = process.argv.includes("--short");
const S = short
  ? { words: 800, hidden: 48, layers: 2, pretrainEpochs: 3, tuneEpochs: 4, perBook: 450 }
  : { words: 1200, hidden: 64, layers: 2, pretrainEpochs: 5, tuneEpochs: 8, perBook: 900 };
manualSeed(0);
const started = performance.now();
const secs = () => ((performance.now() - started) / 1000).toFixed(0);

// --- data: Genesis is the first 1533 verses of the file, Exodus the rest ---------------------------
const verses = readFileSync(new URL("./data/kjv-genesis-exodus.txt", import.meta.url), "utf8").trim().split("\n");
const GENESIS = 1533;
const books = ["Genesis", "Exodus"];
const pick = (lo, hi) => data.randomPermutation(hi - lo, new Generator(lo + 1)).slice(0, S.perBook).map((i) => lo + i);
const chosen = [...pick(0, GENESIS), ...pick(GENESIS, verses.length)];
const order = data.randomPermutation(chosen.length, new Generator(42)).map((i) => chosen[i]);
const nVal = Math.round(order.length * 0.15), nTest = nVal;
const split = { test: order.slice(0, nTest), val: order.slice(nTest, nTest + nVal), train: order.slice(nTest + nVal) };
const labelOf = (v) => (v < GENESIS ? 0 : 1);

// --- tokenizer: a BERT-style WordPiece vocabulary of the training verses' most frequent words, with
// every character (and its ## continuation) so nothing is [UNK] --------------------------------------
const SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
const counts = new Map();
for (const v of split.train) for (const w of verses[v].toLowerCase().match(/[a-z]+|[^\sa-z]/g) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
const chars = [...new Set([...counts.keys()].flatMap((w) => [...w]))].sort();
const words = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, S.words).map(([w]) => w);
const vocabList = [...new Set([...SPECIALS, ...chars, ...chars.map((c) => `##${c}`), ...words])];
const tokenizer = new WordPieceTokenizer({ vocab: new Map(vocabList.map((t, i) => [t, i])), specialTokens: new Map(SPECIALS.map((t, i) => [t, i])) });
tokenizer.template = parseTemplate("[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1");
tokenizer.padToken = "[PAD]";
const MAX_LEN = 96;
const encode = (vs) => tokenizer.encodeBatch(vs.map((v) => verses[v]), { truncation: true, maxLength: MAX_LEN }).inputIds;
console.log(`${split.train.length} training, ${split.val.length} validation, ${split.test.length} test verses; vocabulary ${vocabList.length} WordPiece tokens`);

// --- 1. pretraining: masked language model on the training verses -------------------------------
const config = { vocabSize: vocabList.length, hiddenSize: S.hidden, numLayers: S.layers, numHeads: 4, intermediateSize: 2 * S.hidden, maxPositions: MAX_LEN, padTokenId: 0, dropout: 0.1, labels: books };
const mlm = new models.EncoderForMaskedLM(config, { generator: new Generator(1) });
// 30 % of the tokens masked rather than BERT's 15 %: more signal per step for a small corpus (Wettig et al. 2023)
const collateMLM = data.maskedLMCollator({ maskId: 4, vocabSize: vocabList.length, specialIds: [0, 1, 2, 3, 4], mlmProbability: 0.3, generator: new Generator(2) });
const trainIds = encode(split.train), valIds = encode(split.val);
const mlmStep = (model, b) => ({ output: model.forward(b), target: b.labels });
const hist = await fit(mlm, new data.DataLoader(trainIds, { batchSize: 16, shuffle: true, seed: 3, collate: collateMLM }), {
  epochs: S.pretrainEpochs, optimizer: new optim.AdamW(mlm.parameters(), { lr: 2e-3, weightDecay: 0.01 }),
  lossFn: (logits, labels) => F.crossEntropy(logits, labels), forward: mlmStep, progress: false,
  evalData: new data.DataLoader(valIds, { batchSize: 64, collate: collateMLM }),
  onEpoch: ({ epoch, trainLoss, evalLoss }) => console.log(`pretrain epoch ${epoch}: loss ${trainLoss.toFixed(3)}, validation perplexity of masked tokens ${metrics.perplexity(evalLoss).toFixed(1)} (${secs()} s)`),
});
const dir = mkdtempSync(join(tmpdir(), "tessera-fine-tune-"));
await mlm.savePretrained(join(dir, "pretrained"));
writeFileSync(join(dir, "pretrained", "tokenizer.json"), saveTokenizerJson(tokenizer));
console.log(`pretrained masked-LM perplexity ${metrics.perplexity(hist.evalLoss.at(-1)).toFixed(1)} (uniform guessing: ${vocabList.length})`);

// --- 2. fine-tuning the [CLS] classifier, fully and with LoRA -----------------------------------
const samples = (vs) => encode(vs).map((ids, i) => ({ ids, label: labelOf(vs[i]) }));
const trainSet = samples(split.train), valSet = samples(split.val), testSet = samples(split.test);
const collate = data.paddingCollator({ padId: 0 }); // dynamic padding: each batch to its longest verse

async function fineTune(name, lora) {
  const clf = await models.EncoderForSequenceClassification.fromPretrained(join(dir, "pretrained"), { labels: books });
  if (lora) {
    nn.applyLoRA(clf, { r: 8, alpha: 32, targetModules: ["out_proj", "linear1", "linear2"] });
    clf.pooler.requiresGrad_(true); // the new head trains too (PEFT's modules_to_save)
    clf.classifier.requiresGrad_(true);
    // torch's MultiheadAttention packs the query/key/value projections into one in_proj parameter,
    // not a Linear, so no adapter can go there (PEFT has the same limit); without them [CLS] cannot
    // learn to attend differently and stays at chance, so those projections train directly.
    for (const [name, p] of clf.namedParameters()) if (name.endsWith("self_attn.in_proj_weight") || name.endsWith("self_attn.in_proj_bias")) p.requiresGrad_(true);
  }
  const trainable = clf.parameters().filter((p) => p.requiresGrad);
  console.log(`${name}: ${trainable.reduce((s, p) => s + p.size, 0).toLocaleString("en")} of ${clf.numParameters().toLocaleString("en")} parameters train; new head: ${clf.newlyInitialized.join(", ")}`);
  const h = await fit(clf, new data.DataLoader(trainSet, { batchSize: 32, shuffle: true, seed: 5, collate }), {
    epochs: S.tuneEpochs, optimizer: new optim.AdamW(trainable, { lr: lora ? 3e-3 : 1e-3, weightDecay: 0.01 }), lossFn: F.crossEntropy,
    evalData: new data.DataLoader(valSet, { batchSize: 64, collate }), metrics: ["accuracy", "f1"],
    earlyStopping: { monitor: "evalLoss", patience: 3, restoreBest: true }, progress: false,
    onEpoch: ({ epoch, trainLoss, evalLoss, metrics: m }) => console.log(`  epoch ${epoch}: loss ${trainLoss.toFixed(3)}, validation loss ${evalLoss.toFixed(3)}, accuracy ${(100 * m.accuracy).toFixed(1)} %, F1 ${m.f1.toFixed(3)} (${secs()} s)`),
  });
  clf.eval();
  const predicted = [];
  for (let i = 0; i < testSet.length; i += 64) {
    const batch = collate(testSet.slice(i, i + 64));
    predicted.push(...noGrad(() => tidy(() => clf.forward(batch).argmax(-1).data())));
    for (const t of Object.values(batch)) t.dispose();
  }
  const truth = testSet.map((s) => s.label);
  const acc = metrics.accuracyScore(truth, predicted), f1 = metrics.f1Score(truth, predicted, { average: "macro" });
  console.log(`  ${h.stopReason === "earlyStopping" ? `stopped early, best epoch ${h.bestEpoch} restored` : "all epochs ran"}; test accuracy ${(100 * acc).toFixed(1)} %, macro F1 ${f1.toFixed(3)}`);
  return clf;
}
const full = await fineTune("full fine-tuning", false);
const adapted = await fineTune("LoRA (r = 8) + attention in-projections", true);
adapted.dispose();

// --- 3. pipelines over the saved folders --------------------------------------------------------
await full.savePretrained(join(dir, "classifier"));
writeFileSync(join(dir, "classifier", "tokenizer.json"), saveTokenizerJson(tokenizer));
const classify = await pipeline("text-classification", { model: join(dir, "classifier") });
for (const text of ["And Pharaoh hardened his heart, and would not let the people go.", "And Abraham begat Isaac, and Isaac begat Jacob."]) {
  console.log(`"${text}" →`, (await classify(text))[0]);
}
const fill = await pipeline("fill-mask", { model: join(dir, "pretrained") });
const prompt = "and the lord spake unto [MASK], saying,";
console.log(`fill-mask "${prompt}" →`, (await fill(prompt, { topK: 3 })).map((c) => `${c.token_str} ${c.score.toFixed(2)}`).join(", "));
for (const m of [mlm, full, classify.model, fill.model]) m.dispose();
rmSync(dir, { recursive: true, force: true });
console.log(`done in ${secs()} s`);
