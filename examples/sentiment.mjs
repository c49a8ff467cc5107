// Worked example of the notes (seeds/002, text sentiment classification with an MLP): four labelled
// reviews → basic_english tokens → a vocabulary → padded ids → Embedding + MLP → fit() → predictions
// for new sentences. As in the notes: embedding dim 50, hidden 32, one output (sigmoid + binary
// cross-entropy, here fused as F.binaryCrossEntropyWithLogits), 100 epochs, loss every 10.
// As in the notes, Adam with lr 0.001. One difference: padding uses a "<pad>" id 0 with "<unk>" 1
// (the notes pad with <unk>'s 0).
import { nn, optim, F, fit, data, io, manualSeed, noGrad } from "tessera-ml";

manualSeed(0);

// 1. Data (the notes' four reviews)
const texts = ["I love this movie, it's great!", "Terrible acting, wasted my time.", "The plot was amazing.", "Worst film ever made."];
const labels = [1, 0, 1, 0]; // 1 positive, 0 negative

// 2. torchtext's get_tokenizer("basic_english"): lower case, punctuation split off, ; and : dropped
const rules = [[/'/g, " '  "], [/"/g, ""], [/\./g, " . "], [/<br \/>/g, " "], [/,/g, " , "], [/\(/g, " ( "],
  [/\)/g, " ) "], [/!/g, " ! "], [/\?/g, " ? "], [/;/g, " "], [/:/g, " "], [/\s+/g, " "]];
const tokenize = (text) => rules.reduce((s, [re, by]) => s.replace(re, by), text.toLowerCase()).trim().split(" ");

// build_vocab_from_iterator: specials first, then tokens by frequency, ties alphabetically
const counts = new Map();
for (const t of texts.flatMap(tokenize)) counts.set(t, (counts.get(t) ?? 0) + 1);
const vocab = ["<pad>", "<unk>", ...[...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t]) => t)];
const index = new Map(vocab.map((t, i) => [t, i]));
const toIds = (text) => tokenize(text).map((t) => index.get(t) ?? 1);
const encoded = texts.map(toIds);
const maxLen = Math.max(...encoded.map((s) => s.length));
console.log(`vocabulary: ${vocab.length} tokens; longest review: ${maxLen} tokens`);
console.log(`"${texts[0]}" → [${encoded[0].join(", ")}]`);

// 3. Padded batches of fixed width (fc1 takes maxLen · 50 features), like the notes' padded_texts
const collate = data.paddingCollator({ padding: "maxLength", maxLength: maxLen, padId: 0 });
const samples = encoded.map((ids, i) => ({ ids, label: labels[i] }));

// 4. The model: embeddings flattened into an MLP
class TextClassifier extends nn.Module {
  constructor(vocabSize, embeddingDim, hiddenDim) {
    super();
    this.embedding = this.addModule("embedding", new nn.Embedding(vocabSize, embeddingDim));
    this.fc1 = this.addModule("fc1", new nn.Linear(embeddingDim * maxLen, hiddenDim));
    this.fc2 = this.addModule("fc2", new nn.Linear(hiddenDim, 1));
  }
  forward(batch) {
    const embeds = this.embedding.forward(batch.ids); // [batch, seqLen, embeddingDim]
    const flat = embeds.reshape([embeds.shape[0], -1]); // [batch, seqLen · embeddingDim]
    return this.fc2.forward(this.fc1.forward(flat).relu()); // logits [batch, 1]
  }
}

const model = new TextClassifier(vocab.length, 50, 32);
console.log(String(model));

// 5-6. Training with fit: binary cross-entropy on the logits
const optimizer = new optim.Adam(model.parameters(), { lr: 0.001 });
const history = await fit(model, new data.DataLoader(samples, { batchSize: 4, collate }), {
  epochs: 100,
  optimizer,
  lossFn: (logits, target) => F.binaryCrossEntropyWithLogits(logits.reshape([-1]), target.toFloat()),
  metrics: ["accuracy"],
  progress: false,
  onEpoch: ({ epoch, trainLoss }) => {
    if (epoch === 1 || epoch % 10 === 0) console.log(`Epoch [${epoch}/100], Loss: ${trainLoss.toFixed(4)}`);
  },
});
console.log(`accuracy on the four reviews: ${history.metrics.accuracy.at(-1)}`);

// 7. Inference on new sentences
model.eval();
const predict = (text) => noGrad(() => {
  const batch = collate([{ ids: toIds(text).slice(0, maxLen) }]);
  const prob = model.forward(batch).sigmoid().item();
  return { prob, label: prob > 0.5 ? "正面 (positive)" : "负面 (negative)" };
});
for (const text of ["The actors performed brilliantly!", "I love this plot, it's amazing!", "Terrible film, wasted my time.", "Worst acting ever."]) {
  const { prob, label } = predict(text);
  const unknown = tokenize(text).filter((t) => !index.has(t));
  console.log(`"${text}" → ${label}, p = ${prob.toFixed(3)}${unknown.length ? `  (unknown to the vocabulary: ${unknown.join(" ")})` : ""}`);
}

// The trained weights with PyTorch's keys, ready for safetensors.torch.load_file
const state = model.stateDict();
const bytes = io.saveSafetensors(state, { format: "pt" });
console.log(`state dict: ${Object.keys(state).join(", ")} → ${bytes.length} bytes of safetensors`);
