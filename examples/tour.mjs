// `npm start`: a short tour of tessera on data generated or shipped in the repository: the runtime it
// picked, autograd on the notes' backprop example, tokenizers, matmul speed, a small MLP, Q-learning and classic ML.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as ts from "tessera-ml";

const { tensor, F, manualSeed, randn, tidy, info, memory } = ts;
const section = (title) => console.log(`\n== ${title} ==`);
const runExample = (file, ...args) => execFileSync(process.execPath, ["--experimental-wasm-relaxed-simd", new URL(file, import.meta.url).pathname, ...args], { stdio: "inherit" });

section("runtime");
console.log(info());

section("backprop by hand (notes 003)");
runExample("./backprop.mjs");

section("tokenizers: BPE of the notes (001), then byte-level BPE on Genesis 1-3 (shipped)");
runExample("./bpe.mjs");

section("tokenizers: the verses of Genesis 1-3 counted on the worker pool (o200k split in WASM)");
{
  const text = readFileSync(new URL("../test/fixtures/tokenizers/genesis-1-3.txt", import.meta.url), "utf8");
  const tok = ts.BPETokenizer.train([text], { vocabSize: 600, pattern: "o200k" });
  const verses = text.split("\n").filter((l) => l.trim());
  const before = info().threadsInUse;
  const counts = [1, 2].map((threads) => (ts.setThreads(threads), tok.countTokens(verses)));
  console.log(`${verses.length} verses, ${counts[0].reduce((a, b) => a + b, 0)} tokens; 1 and 2 threads agree: ${counts[0].join() === counts[1].join()}`);
  ts.setThreads(before);
  tok.dispose();
}

section("tokenizers: SentencePiece-style tokenizer.json (Llama byte-fallback BPE, T5 Unigram + charsmap)");
runExample("./sentencepiece.mjs");

section("matmul throughput");
for (const n of [128, 256, 512]) {
  const a = randn([n, n]), b = randn([n, n]);
  a.matmul(b).dispose();
  const reps = n <= 256 ? 20 : 5;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) a.matmul(b).dispose();
  const ms = (performance.now() - t0) / reps;
  console.log(`N=${n}: ${ms.toFixed(2)} ms, ${(2 * n ** 3 / ms / 1e6).toFixed(1)} GFLOP/s (${info().threadsInUse} thread(s))`);
  a.dispose(); b.dispose();
}

section("a two-layer MLP learns two interleaved spirals");
manualSeed(0);
const n = 200;
const pts = [], labels = [];
for (let i = 0; i < n; i++) {
  const cls = i % 2, r = (i / n) * 2 + 0.3, th = (i / n) * 2 * Math.PI + cls * Math.PI;
  pts.push([r * Math.cos(th), r * Math.sin(th)]);
  labels.push(cls);
}
const X = tensor(pts), Y = tensor(labels, undefined, { dtype: "int32" });
const init = (shape, fanIn) => tidy(() => randn(shape).mul(Math.sqrt(2 / fanIn))).requiresGrad_();
const params = [init([64, 2], 2), tensor(new Float32Array(64), [64], { requiresGrad: true }),
  init([2, 64], 64), tensor(new Float32Array(2), [2], { requiresGrad: true })];
const forward = () => F.linear(F.linear(X, params[0], params[1]).tanh(), params[2], params[3]);
for (let epoch = 0; epoch <= 1000; epoch++) {
  const lossValue = tidy(() => {
    const loss = F.crossEntropy(forward(), Y);
    loss.backward();
    ts.noGrad(() => {
      for (const p of params) {
        p.copy_(p.sub(p.grad.mul(0.3))); // plain gradient descent, lr 0.3, in place
        p.zeroGrad();
      }
    });
    return loss.item();
  });
  if (epoch % 250 === 0) {
    const acc = tidy(() => forward().argmax(1).data().reduce((s, v, i) => s + (v === labels[i] ? 1 : 0), 0) / n);
    console.log(`epoch ${epoch}: loss ${lossValue.toFixed(4)}, accuracy ${(acc * 100).toFixed(1)} %`);
  }
}

section("nn: the notes' sentiment classifier (002): vocabulary, padded ids, Embedding + MLP, Adam, fit(), safetensors");
runExample("./sentiment.mjs");

section("recurrent layers (002): nn.RNN sentiment and LSTM(10, 50) + Linear(50, 2) on fused WASM kernels, Adam");
runExample("./rnn-classifier.mjs");

section("optimizers of the notes (003): GD, momentum, AdaGrad, RMSProp, Adam on the same toy problem");
runExample("./optimizers.mjs");

section("memory");
console.log(memory());

section("maze: Q-learning on the notes' 4×4 grid (002), 1000 episodes inside WASM (more in examples/maze.mjs)");
{
  const env = new ts.rl.GridWorld({ grid: [[0, 0, 0, 1], [0, 1, 0, 1], [0, 1, 0, 0], [0, 0, 0, 9]], start: [0, 0] });
  const agent = new ts.rl.QLearning({ alpha: 0.1, gamma: 0.9, epsilon: 0.2, episodes: 1000, seed: 0 });
  const t0 = performance.now();
  const result = agent.fit(env);
  const ms = performance.now() - t0;
  const path = agent.greedyPath();
  console.log(`${result.episodeSteps.reduce((s, v) => s + v, 0)} steps in ${ms.toFixed(2)} ms; greedy path ${path.moves} moves ` +
    `(shortest ${env.shortestPathLength}): ${path.cells.map(([r, c]) => `(${r},${c})`).join(" → ")}`);
  console.log(env.render(path));
}

section("classic ML: KMeans, PCA and t-SNE on three blobs (notes 000 / 002; more in examples/kmeans-tsne.mjs, pca-words.mjs)");
{
  const g = new ts.Generator(1);
  const centres = [0, 1, 2].map(() => Array.from({ length: 10 }, () => 8 * g.normal()));
  const X = [], truth = [];
  for (let i = 0; i < 300; i++) {
    X.push(centres[i % 3].map((c) => c + 2 * g.normal()));
    truth.push(i % 3);
  }
  const t0 = performance.now();
  const km = new ts.cluster.KMeans({ nClusters: 3, seed: 0 }).fit(X);
  const pca = new ts.decomposition.PCA({ nComponents: 2 }).fit(X);
  const tsne = new ts.manifold.TSNE({ perplexity: 20, seed: 0 });
  const E = tsne.fitTransform(X);
  const ms = performance.now() - t0;
  console.log(`KMeans: inertia ${km.inertia.toFixed(1)}, adjusted Rand index vs the blobs ${ts.metrics.adjustedRandScore(truth, km.labels).toFixed(3)}; ` +
    `PCA: explained variance ratio ${Array.from(pca.explainedVarianceRatio, (r) => r.toFixed(3)).join(", ")}; ` +
    `t-SNE: KL ${tsne.klDivergence.toFixed(3)}, trustworthiness ${ts.metrics.trustworthiness(X, E).toFixed(3)} — ${ms.toFixed(0)} ms in all`);
  console.log(`plot.scatterSvg(embedding, { labels }) → an SVG of ${ts.plot.scatterSvg(E, { labels: km.labels }).length} characters`);
}

section("word vectors: skip-gram learns king − man + woman ≈ queen on a generated corpus (more in examples/word-vectors.mjs)");
{
  const [people, rank, gender] = [[["king", "queen"], ["man", "woman"]], [["throne", "crown", "palace"], ["work", "street", "town"]], [["he", "his", "him"], ["she", "her", "hers"]]];
  let s = 3;
  const rand = (n) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const corpus = Array.from({ length: 3000 }, () => {
    const r = rand(2), g = rand(2);
    return [rank[r][rand(3)], gender[g][rand(3)], people[r][g], rank[r][rand(3)], gender[g][rand(3)]];
  });
  const t0 = performance.now();
  const m = ts.embeddings.Word2Vec.train(corpus, { sg: 1, vectorSize: 16, window: 2, minCount: 1, epochs: 10, seed: 1, progress: false });
  const [[word, score]] = m.wv.mostSimilar({ positive: ["woman", "king"], negative: ["man"], topn: 1 });
  console.log(`${m.corpusWords * 10} words in ${(performance.now() - t0).toFixed(0)} ms; king − man + woman ≈ ${word} (cosine ${score.toFixed(3)})`);
}

section("rag: TF-IDF passages of Genesis 1-3 in a VectorIndex, top-2 for a question (more in examples/rag.mjs)");
{
  const verses = [...readFileSync(new URL("../test/fixtures/tokenizers/genesis-1-3.txt", import.meta.url), "utf8")
    .matchAll(/^\s+\d+ (.*(?:\n\S.*)*)/gm)].map((m) => m[1].replace(/\n/g, " "));
  const vectorizer = new ts.text.TfidfVectorizer({ stopWords: "english" });
  const X = vectorizer.fitTransform(verses);
  const index = new ts.embeddings.VectorIndex(X.shape[1], { metric: "ip" });
  index.add(X.toDense());
  const question = "Who was formed from the dust of the ground?";
  const hits = index.search(vectorizer.transform([question]).toDense(), 2);
  console.log(`${verses.length} verses, ${X.shape[1]} terms. ${question}`);
  for (let j = 0; j < 2; j++) console.log(`  ${hits.scores[j].toFixed(3)}  ${verses[hits.ids[j]]}`);
  index.dispose();
}

section("translation: Seq2Seq (GRU + additive attention) on the notes' six zh→en pairs (001 §1.4.8; more in examples/translate.mjs)");
runExample("./translate.mjs", "--short");

section("a tiny GPT: byte-level BPE, causal-LM windows, AdamW + warmup/cosine, perplexity, sampling (notes 003, 004)");
runExample("./tiny-gpt.mjs", "--short");

section("pretrain a BERT-style encoder, fine-tune it fully and with LoRA, pipelines (notes 001 §2.1, 004)");
runExample("./fine-tune.mjs", "--short");

section("command line: npx tessera-ml — train a BPE, count tokens with it (npx tessera-ml --help for more)");
{
  const cli = new URL("../dist/cli/main.js", import.meta.url).pathname;
  const corpus = new URL("../test/fixtures/tokenizers/genesis-1-3.txt", import.meta.url).pathname;
  const tok = join(mkdtempSync(join(tmpdir(), "tessera-tour-")), "tok.json");
  const run = (...args) => execFileSync(process.execPath, [cli, ...args], { encoding: "utf8" }).trim();
  run("bpe", "train", corpus, "--vocab-size", "300", "-o", tok);
  console.log(`$ npx tessera-ml bpe count -t tok.json genesis-1-3.txt\n${run("bpe", "count", "-t", tok, corpus)}`);
  rmSync(dirname(tok), { recursive: true });
}
