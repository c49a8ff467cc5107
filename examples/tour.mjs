// `npm start`: a short tour of tessera on data generated or shipped in the repository: the runtime it
// picked, autograd on the notes' backprop example, tokenizers, matmul speed and a small MLP.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as ts from "tessera-ml";

const { tensor, F, manualSeed, randn, tidy, info, memory } = ts;
const section = (title) => console.log(`\n== ${title} ==`);
const runExample = (file) => execFileSync(process.execPath, ["--experimental-wasm-relaxed-simd", new URL(file, import.meta.url).pathname], { stdio: "inherit" });

section("runtime");
console.log(info());

section("backprop by hand (notes 003)");
runExample("./backprop.mjs");

section("tokenizers: BPE of the notes (001), then byte-level BPE on Genesis 1-3 (shipped)");
runExample("./bpe.mjs");

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
