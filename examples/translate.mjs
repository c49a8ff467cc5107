// Translation with the two encoder–decoders of the notes (001):
// 1. §1.4.8: models.Seq2Seq — a GRU encoder–decoder with additive (Bahdanau) attention — on the six
//    Chinese → English pairs (characters in, words out, <S> / <E> / <*>), teacher forcing with Adam,
//    then greedy and beam-search translations, the attention weights of one sentence, and sentences
//    it never saw (the notes' 一本书, 男孩看书, 女孩看书).
// 2. §1.7: models.TransformerTranslator (nn.Transformer, dModel 64, 2 heads, 3 + 3 layers) on the
//    toy pairs "hello world meet you" → "hi there meet you", "nice to meet you" → "pleased to meet
//    you", greedy decoding.
// Run: npm run build && node examples/translate.mjs   (--short: the Seq2Seq part only)
import { F, manualSeed, models, noGrad, optim, tensor, tidy } from "tessera-ml";

const short = process.argv.includes("--short");

/** Trains `model` on (src, tgtIn) → labels with Adam for `epochs` full-batch steps; returns the last loss. */
function train(model, batch, vocab, epochs, lr, every) {
  const opt = new optim.Adam(model.parameters(), { lr });
  let loss = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    loss = tidy(() => {
      const logits = model.forward(batch.src, batch.tgtIn);
      const l = F.crossEntropy(logits.reshape([-1, vocab]), batch.labels.reshape([-1]), { ignoreIndex: -100 });
      l.backward();
      opt.step();
      opt.zeroGrad();
      return l.item();
    });
    if (epoch % every === 0) console.log(`  epoch ${String(epoch).padStart(3)}: loss ${loss.toFixed(4)}`);
  }
  model.eval();
  return loss;
}

const ids = (rows) => tensor(rows.flat(), [rows.length, rows[0].length], { dtype: "int32" });
const padTo = (xs, n, v) => [...xs, ...new Array(n - xs.length).fill(v)];

// ---- 1. Seq2Seq on the six pairs ----
{
  const pairs = [
    ["女孩在看书", "girl is reading a book"],
    ["男孩在看书", "boy is reading a book"],
    ["能看看你的书吗", "can i read you book"],
    ["我有一本书", "i have a book"],
    ["男孩有一本书", "boy have a book"],
    ["女孩有一本书", "girl have a book"],
  ];
  const words = [...new Set(pairs.flatMap(([zh, en]) => [...zh, ...en.split(" ")])), "<S>", "<E>", "<*>"];
  const id = (w) => words.indexOf(w);
  const [S, E, P] = ["<S>", "<E>", "<*>"].map(id);
  const srcLen = Math.max(...pairs.map(([zh]) => zh.length)) + 1;
  const tgtLen = Math.max(...pairs.map(([, en]) => en.split(" ").length)) + 1;
  const encodeZh = (zh) => padTo([...[...zh].map(id), E], srcLen, P);
  const batch = {
    src: ids(pairs.map(([zh]) => encodeZh(zh))),
    tgtIn: ids(pairs.map(([, en]) => padTo([S, ...en.split(" ").map(id)], tgtLen, P))),
    labels: ids(pairs.map(([, en]) => padTo([...en.split(" ").map(id), E], tgtLen, -100))),
  };
  manualSeed(7);
  const model = new models.Seq2Seq({ srcVocabSize: words.length, tgtVocabSize: words.length, embeddingDim: 32, hiddenSize: 64, cell: "gru", srcPadId: P });
  console.log(`Seq2Seq (GRU + additive attention, ${model.numParameters()} parameters), vocabulary of ${words.length}:`);
  const t0 = performance.now();
  train(model, batch, words.length, 40, 0.01, 10);
  console.log(`  trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const text = (row) => row.map((i) => words[i]).join(" ");
  const opts = { bos: S, eos: E, maxLength: 10 };
  const greedy = model.greedyDecode(batch.src, opts);
  const beam = model.beamSearch(batch.src, { ...opts, numBeams: 3 });
  pairs.forEach(([zh], b) => console.log(`  ${zh.padEnd(8, "　")} → ${text(greedy[b]).padEnd(24)} beam: ${text(beam[b])}`));
  // where the decoder looks while writing each word of 我有一本书's translation
  noGrad(() => tidy(() => {
    const out = greedy[3];
    const w = model.attentionWeights(ids([encodeZh("我有一本书")]), ids([[S, ...out]])).data();
    console.log(`  attention while translating 我有一本书 (columns: ${[..."我有一本书", "<E>"].join(" ")}, then padding):`);
    [...out, E].forEach((word, t) => console.log(`    ${words[word].padEnd(5)} ${Array.from(w.subarray(t * srcLen, (t + 1) * srcLen), (x) => x.toFixed(2)).join(" ")}`));
  }));
  const unseen = ["一本书", "男孩看书", "女孩看书"];
  const guesses = model.beamSearch(ids(unseen.map(encodeZh)), { ...opts, numBeams: 3 });
  unseen.forEach((zh, b) => console.log(`  unseen ${zh} → ${text(guesses[b])}`));
}

// ---- 2. Transformer on the toy pairs ----
if (!short) {
  const srcVocab = ["<pad>", "<sos>", "<eos>", "hello", "world", "nice", "to", "meet", "you"];
  const tgtVocab = ["<pad>", "<sos>", "<eos>", "hi", "there", "pleased", "to", "meet", "you"];
  const pairs = [["hello world meet you", "hi there meet you"], ["nice to meet you", "pleased to meet you"]];
  const enc = (vocab, s) => s.split(" ").map((w) => vocab.indexOf(w));
  const batch = {
    src: ids(pairs.map(([s]) => enc(srcVocab, s))),
    tgtIn: ids(pairs.map(([, t]) => [1, ...enc(tgtVocab, t)])),
    labels: ids(pairs.map(([, t]) => [...enc(tgtVocab, t), 2])),
  };
  manualSeed(11);
  const model = new models.TransformerTranslator({ srcVocabSize: 9, tgtVocabSize: 9, dModel: 64, nhead: 2, dimFeedforward: 128, srcPadId: 0, tgtPadId: 0 });
  console.log(`\nTransformerTranslator (dModel 64, 2 heads, 3 + 3 layers, ${model.numParameters()} parameters):`);
  train(model, batch, 9, 80, 1e-3, 20);
  const out = model.greedyDecode(ids([...pairs.map(([s]) => enc(srcVocab, s)), padTo(enc(srcVocab, "hello world"), 4, 0)]), { bos: 1, eos: 2, maxLength: 8 });
  ["hello world meet you", "nice to meet you", "hello world (padded)"].forEach((s, b) => console.log(`  ${s.padEnd(22)} → ${out[b].map((i) => tgtVocab[i]).join(" ")}`));
}
