// One training step of a recurrent classifier: batch-first input → LSTM or GRU → Linear(H, 2) on the
// last step → cross-entropy → backward → parameter update, for LSTM(10,50) and GRU(10,50) (batch 32,
// seq 20) and LSTM(128,256) and GRU(128,256) (batch 64, seq 50). tessera's update is a plain SGD step
// written with tensor ops (the optimizers are not on this branch). Peers in the same run: PyTorch
// 1.13 CPU (Debian python3-torch, a timed /usr/bin/python3 subprocess) with 1 and 2 threads, Adam and
// SGD; tfjs-wasm 4.22 on one thread for the small models, composed from tfjs-core ops
// (tf.basicLSTMCell per step for the LSTM, the same step written out for the GRU), tf.train.adam.
// Every figure is the best of 15 samples (ms per step; the median in brackets). `--no-peers` skips PyTorch and tfjs;
// `--threads 1,2` picks tessera's thread counts, `--cases small|large` the models. Needs
// `npm run build` (imports ../dist).
import { spawnSync } from "node:child_process";
import { register } from "node:module";
import { jsonMode, report } from "./harness.mjs";
import { init, nn, F, manualSeed, noGrad, randn, setThreads, tensor, tidy, info } from "../dist/index.js";

const BENCH = "rnn";
const args = process.argv.slice(2);
const peers = !args.includes("--no-peers");
const threadArg = args.indexOf("--threads");
const threadCounts = threadArg >= 0 ? args[threadArg + 1].split(",").map(Number) : [1, 2];
const casesArg = args.indexOf("--cases"); // "small", "large" or both (default)
const sizes = casesArg >= 0 ? args[casesArg + 1].split(",") : ["small", "large"];
const LR = 0.01;

const CASES = [
  { name: "LSTM(10,50) B32 T20", cell: "LSTM", I: 10, H: 50, B: 32, T: 20, size: "small" },
  { name: "GRU(10,50) B32 T20", cell: "GRU", I: 10, H: 50, B: 32, T: 20, size: "small" },
  { name: "LSTM(128,256) B64 T50", cell: "LSTM", I: 128, H: 256, B: 64, T: 50, size: "large" },
  { name: "GRU(128,256) B64 T50", cell: "GRU", I: 128, H: 256, B: 64, T: 50, size: "large" },
].filter((c) => sizes.includes(c.size));

/**
 * ms per call: the best and the median of `samples` samples of n calls each (n sized so a sample
 * takes ≥ minMs). The best sample is the one other work on the machine disturbed least.
 */
function timeMs(fn, { samples = 15, minMs = 40 } = {}) {
  for (let i = 0; i < 3; i++) fn();
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    if (performance.now() - t0 >= minMs || n >= 1 << 12) break;
    n *= 2;
  }
  const per = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    per.push((performance.now() - t0) / n);
  }
  per.sort((a, b) => a - b);
  return { best: per[0], median: per[samples >> 1] };
}

await init();

function tesseraStep(c) {
  manualSeed(0);
  const rnn = c.cell === "LSTM" ? new nn.LSTM(c.I, c.H, { batchFirst: true }) : new nn.GRU(c.I, c.H, { batchFirst: true });
  const fc = new nn.Linear(c.H, 2);
  const params = [...rnn.parameters(), ...fc.parameters()];
  const x = randn([c.B, c.T, c.I]);
  const y = tensor(Array.from({ length: c.B }, (_, i) => i % 2), undefined, { dtype: "int32" });
  const step = () => tidy(() => {
    const [out] = rnn.forward(x);
    const logits = fc.forward(out.slice(1, c.T - 1, c.T).reshape([c.B, c.H]));
    F.crossEntropy(logits, y).backward();
    noGrad(() => {
      for (const p of params) {
        p.copy_(p.sub(p.grad.mul(LR)));
        p.zeroGrad();
      }
    });
  });
  const forward = () => tidy(() => { noGrad(() => rnn.forward(x)); });
  return { step, forward, dispose: () => { rnn.dispose(); fc.dispose(); x.dispose(); y.dispose(); } };
}

const ours = {};
for (const threads of threadCounts) {
  setThreads(threads);
  for (const c of CASES) {
    const s = tesseraStep(c);
    ours[`${c.name}|${threads}`] = { step: timeMs(s.step), forward: timeMs(s.forward) };
    s.dispose();
  }
}

// PyTorch: the same model, shapes and step (Adam, and SGD like ours), 1 and 2 threads.
const torchScript = `
import json, sys, time, torch
torch.manual_seed(0)
cases = json.loads(sys.argv[1])
def time_ms(fn, samples=15, min_ms=40):
    for _ in range(3): fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n): fn()
        if (time.perf_counter() - t0) * 1e3 >= min_ms or n >= 4096: break
        n *= 2
    per = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(n): fn()
        per.append((time.perf_counter() - t0) * 1e3 / n)
    per.sort()
    return {"best": per[0], "median": per[samples // 2]}
out = {}
for threads in json.loads(sys.argv[2]):
    torch.set_num_threads(threads)
    for c in cases:
        cell = torch.nn.LSTM if c["cell"] == "LSTM" else torch.nn.GRU
        rnn = cell(c["I"], c["H"], batch_first=True); fc = torch.nn.Linear(c["H"], 2)
        params = list(rnn.parameters()) + list(fc.parameters())
        x = torch.randn(c["B"], c["T"], c["I"]); y = torch.arange(c["B"]) % 2
        for opt_name, opt in (("adam", torch.optim.Adam(params, lr=1e-3)), ("sgd", torch.optim.SGD(params, lr=${LR}))):
            def step():
                opt.zero_grad()
                o, _ = rnn(x)
                torch.nn.functional.cross_entropy(fc(o[:, -1]), y).backward()
                opt.step()
            out[f"{c['name']}|{threads}|{opt_name}"] = time_ms(step)
        with torch.no_grad():
            out[f"{c['name']}|{threads}|forward"] = time_ms(lambda: rnn(x))
print(json.dumps(out))
`;
let torch = null;
if (peers) {
  const py = spawnSync("/usr/bin/python3", ["-c", torchScript, JSON.stringify(CASES), JSON.stringify(threadCounts)], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (py.status === 0) torch = JSON.parse(py.stdout.trim().split("\n").pop());
  else if (!jsonMode) console.log(`PyTorch unavailable: ${py.stderr.trim().split("\n").pop()}`);
}

// tfjs-wasm, small models only (one thread): the step composed from tfjs-core ops.
let tfjs = null;
if (peers) {
  try {
    const { tfjsWasm } = await import("./tfjs.mjs");
    const tf = await tfjsWasm();
    // tfjs-core's Node bundle has no gradients (the union package and tfjs-layers register them from
    // its ESM sources, whose relative imports omit ".js"): load them with a resolve hook that adds it.
    // tfjs keeps its registries on a global, so the ESM copy registers for the bundle too.
    register("data:text/javascript," + encodeURIComponent(`export async function resolve(s, c, next) {
      try { return await next(s, c); } catch (e) { if (s.startsWith(".") && !s.endsWith(".js")) return next(s + ".js", c); throw e; } }`));
    await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
    tfjs = {};
    for (const c of CASES.filter((k) => k.H <= 64)) {
      const G = c.cell === "LSTM" ? 4 : 3;
      const u = (shape) => tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(c.H), 1 / Math.sqrt(c.H)));
      const wx = u([c.I, G * c.H]), wh = u([c.H, G * c.H]), bx = u([G * c.H]), bh = u([G * c.H]);
      const kernel = c.cell === "LSTM" ? u([c.I + c.H, 4 * c.H]) : null;
      const fw = u([c.H, 2]), fb = u([2]);
      const x = tf.randomNormal([c.B, c.T, c.I]);
      const steps = tf.unstack(x, 1);
      const labels = tf.oneHot(tf.tensor1d(Array.from({ length: c.B }, (_, i) => i % 2), "int32"), 2);
      const opt = tf.train.adam(1e-3);
      const vars = c.cell === "LSTM" ? [kernel, bx, fw, fb] : [wx, wh, bx, bh, fw, fb];
      const loss = () => {
        let h = tf.zeros([c.B, c.H]);
        let cs = tf.zeros([c.B, c.H]);
        for (const xt of steps) {
          if (c.cell === "LSTM") [cs, h] = tf.basicLSTMCell(tf.scalar(1), kernel, bx, xt, cs, h);
          else {
            const gx = tf.split(tf.add(tf.matMul(xt, wx), bx), 3, 1);
            const gh = tf.split(tf.add(tf.matMul(h, wh), bh), 3, 1);
            const r = tf.sigmoid(tf.add(gx[0], gh[0])), z = tf.sigmoid(tf.add(gx[1], gh[1]));
            const n = tf.tanh(tf.add(gx[2], tf.mul(r, gh[2])));
            h = tf.add(tf.mul(tf.sub(h, n), z), n);
          }
        }
        return tf.losses.softmaxCrossEntropy(labels, tf.add(tf.matMul(h, fw), fb));
      };
      const step = () => tf.tidy(() => opt.minimize(loss, false, vars));
      tfjs[c.name] = timeMs(step, { samples: 7 });
    }
  } catch (e) {
    if (!jsonMode) console.log(`tfjs-wasm unavailable: ${e.message}`);
  }
}

if (!jsonMode) console.log(`tessera build: ${info().build}; step = forward + backward + SGD (tensor ops); best of 15 samples (median)`);
const ms = (t) => `${t.best.toFixed(3)} (${t.median.toFixed(3)})`;
const line = (name, impl, t) => (jsonMode ? report(BENCH, name, impl, t.best, "ms") : console.log(`${BENCH.padEnd(12)} ${name.padEnd(22)} ${impl.padEnd(40)} ${ms(t).padStart(22)} ms`));
for (const c of CASES) {
  for (const threads of threadCounts) {
    const o = ours[`${c.name}|${threads}`];
    line(c.name, `tessera ${threads}T step (SGD)`, o.step);
    line(c.name, `tessera ${threads}T forward`, o.forward);
    if (torch) {
      const t = (k) => torch[`${c.name}|${threads}|${k}`];
      line(c.name, `PyTorch ${threads}T step (Adam)`, t("adam"));
      line(c.name, `PyTorch ${threads}T step (SGD)`, t("sgd"));
      line(c.name, `PyTorch ${threads}T forward`, t("forward"));
      report(BENCH, c.name, `tessera/PyTorch ${threads}T step, SGD vs SGD`, o.step.best / t("sgd").best, "x");
      report(BENCH, c.name, `tessera/PyTorch ${threads}T step, vs Adam`, o.step.best / t("adam").best, "x");
      report(BENCH, c.name, `tessera/PyTorch ${threads}T forward`, o.forward.best / t("forward").best, "x");
    }
  }
  if (tfjs?.[c.name] !== undefined) {
    line(c.name, "tfjs-wasm 1T step (Adam)", tfjs[c.name]);
    const ours1 = ours[`${c.name}|1`];
    if (ours1) report(BENCH, c.name, "tfjs-wasm / tessera 1T step (speed-up)", tfjs[c.name].best / ours1.step.best, "x");
  }
}
