// Recurrent classifiers from the notes (seed 002, "RNN 模型来进行序列分类任务" and "LSTM代码示例"):
// 1. nn.RNN with batchFirst over embedded sentences, the last step's state → Linear → 2 classes,
//    trained with cross-entropy on short "I love this movie" style reviews, then asked about
//    "I hate this movie". The notes average spaCy word vectors; here the embedding is learned.
// 2. LSTM(10, 50) + Linear(50, 2) on random sequences of length 5 whose class is whether their
//    first feature sums above zero, trained with cross-entropy.
// Both train with Adam, as the notes do (lr 1e-3 for the LSTM as in the notes; 1e-2 for the small RNN
// so that 100 epochs suffice). Run: npm run build && node examples/rnn-classifier.mjs
import { F, manualSeed, nn, noGrad, optim, randn, tensor, tidy } from "tessera-ml";

manualSeed(42);

/** One optimizer step on a loss computed inside tidy(); returns the loss. */
function trainStep(optimizer, lossOf) {
  const loss = tidy(() => {
    const l = lossOf();
    l.backward();
    return l.item();
  });
  optimizer.step();
  optimizer.zeroGrad();
  return loss;
}

// ---- 1. sentiment with nn.RNN ----
console.log("== nn.RNN sentiment classifier ==");
const reviews = [
  ["I love this movie", 1], ["what a great film", 1], ["I really enjoyed this movie", 1],
  ["this film is wonderful", 1], ["I like this movie a lot", 1], ["an excellent and moving story", 1],
  ["I hate this film", 0], ["what a terrible movie", 0], ["I really disliked this film", 0],
  ["this movie is awful", 0], ["I do not like this movie", 0], ["a boring and dull story", 0],
];
const vocab = new Map([["<pad>", 0]]);
const words = (s) => s.toLowerCase().split(/\s+/);
for (const [s] of reviews) for (const w of words(s)) if (!vocab.has(w)) vocab.set(w, vocab.size);
const maxLen = Math.max(...reviews.map(([s]) => words(s).length));
// Left padding, so the last step of every row is the sentence's last word.
const encode = (s) => {
  const ids = words(s).map((w) => vocab.get(w) ?? 0);
  return [...new Array(maxLen - ids.length).fill(0), ...ids];
};

const EMBED = 16, HIDDEN = 32;
const embedding = new nn.Embedding(vocab.size, EMBED, { paddingIdx: 0 });
const rnn = new nn.RNN(EMBED, HIDDEN, { batchFirst: true });
const head = new nn.Linear(HIDDEN, 2);
const rnnOptimizer = new optim.Adam([...embedding.parameters(), ...rnn.parameters(), ...head.parameters()], { lr: 1e-2 });

// Logits [B, 2]; call inside tidy() (the graph must live until backward()).
const classify = (ids, batch) => {
  const x = embedding.forward(ids); // [B, T, EMBED]
  const [out] = rnn.forward(x);
  return head.forward(out.slice(1, maxLen - 1, maxLen).reshape([batch, HIDDEN]));
};
const ids = tensor(reviews.map(([s]) => encode(s)), undefined, { dtype: "int32" });
const labels = tensor(reviews.map(([, y]) => y), undefined, { dtype: "int32" });
for (let epoch = 1; epoch <= 100; epoch++) {
  const loss = trainStep(rnnOptimizer, () => F.crossEntropy(classify(ids, reviews.length), labels));
  if (epoch % 10 === 0) console.log(`Epoch [${epoch}/100], Loss: ${loss.toFixed(4)}`);
}
for (const sentence of ["I hate this movie", "I love this film"]) {
  const cls = noGrad(() => tidy(() => classify(tensor([encode(sentence)], undefined, { dtype: "int32" }), 1).argmax(1).item()));
  console.log(`"${sentence}" → predicted class: ${cls} (${cls === 1 ? "positive" : "negative"})`);
}

// ---- 2. LSTM(10, 50) + Linear(50, 2), sequences of length 5 ----
console.log("\n== LSTM(10, 50) + Linear(50, 2) ==");
const N = 100, T = 5, INPUT = 10;
const X = randn([N, T, INPUT]);
const sums = X.slice(2, 0, 1).sum([1, 2]).data();
const Y = tensor(Array.from(sums, (v) => (v > 0 ? 1 : 0)), undefined, { dtype: "int32" });
const lstm = new nn.LSTM(INPUT, 50, { batchFirst: true });
const fc = new nn.Linear(50, 2);
const lstmOptimizer = new optim.Adam([...lstm.parameters(), ...fc.parameters()], { lr: 1e-3 });
const predict = (x, batch) => {
  const [out] = lstm.forward(x);
  return fc.forward(out.slice(1, T - 1, T).reshape([batch, 50]));
};
for (let epoch = 1; epoch <= 200; epoch++) {
  const loss = trainStep(lstmOptimizer, () => F.crossEntropy(predict(X, N), Y));
  if (epoch % 20 === 0) console.log(`Epoch [${epoch}/200], Loss: ${loss.toFixed(4)}`);
}
const accuracy = noGrad(() => tidy(() => {
  const pred = predict(X, N).argmax(1).data();
  const y = Y.data();
  return pred.reduce((n, p, i) => n + (p === y[i] ? 1 : 0), 0) / N;
}));
console.log(`training accuracy: ${(accuracy * 100).toFixed(0)}%`);
// A new sequence whose first feature is clearly positive at every step: class 1.
const probe = tidy(() => {
  const z = randn([1, T, INPUT]).data();
  for (let t = 0; t < T; t++) z[t * INPUT] = 1.5;
  return tensor(z, [1, T, INPUT]);
});
const cls = noGrad(() => tidy(() => predict(probe, 1).argmax(1).item()));
console.log(`new sequence with a positive first feature → predicted class: ${cls} (expected 1)`);
