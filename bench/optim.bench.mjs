// One Adam step over 10M parameters (10 tensors of 1M, gradients already in place), milliseconds per
// step (lower is better) and the memory traffic it sustains: the fused kernel reads param, grad,
// exp_avg, exp_avg_sq and writes param, exp_avg, exp_avg_sq — 28 bytes per parameter, 280 MB a step.
// tessera: adamStepF32 called directly on the simd, relaxed and threads-relaxed (shared memory, one
// thread: the kernel does not split across workers) builds, and optim.Adam.step() through
// the public API (validation and bookkeeping included; the default build); tfjs-backend-wasm 4.22
// (SIMD, one thread) tf.train.adam applyGradients; a plain-JS Float32Array loop doing the same update.
// Ratios are peer time / tessera time (> 1: tessera faster). Needs `npm run build` (imports ../dist).
import { tfjsWasm } from "./tfjs.mjs";
import { report, timeSync } from "./harness.mjs";
import { loadRuntime } from "../dist/runtime/wasm.js";

const BENCH = "optim";
const TENSORS = 10, N = 1 << 20, BYTES = TENSORS * N * 28;
const LR = 1e-3, B1 = 0.9, B2 = 0.999, EPS = 1e-8;
const CASE = `adam ${TENSORS}x1M`;

function randomF32(len, seed, scale = 1) {
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = scale * Math.sin(seed + i * 0.61);
  return x;
}

// --- tessera kernel, one runtime per build ---
async function tesseraKernel(build) {
  const rt = await loadRuntime({ build });
  const put = (x) => {
    const p = rt.arena.alloc(x.length * 4);
    new Float32Array(rt.memory.buffer, p, x.length).set(x);
    return p;
  };
  const bufs = Array.from({ length: TENSORS }, (_, t) => ({
    p: put(randomF32(N, t)), g: put(randomF32(N, t + 100, 0.01)), m: put(new Float32Array(N)), v: put(new Float32Array(N)),
  }));
  let step = 0;
  return () => {
    step++;
    const bc1 = 1 - B1 ** step, bc2 = 1 - B2 ** step;
    for (const b of bufs) rt.exports.adamStepF32(b.p, b.g, b.m, b.v, 0, N, LR, B1, B2, EPS, 0, 0, 0, 0, bc1, bc2);
  };
}

// --- tessera public API: optim.Adam over leaf tensors with their .grad set ---
async function tesseraApi() {
  const { tensor, optim, info } = await import("../dist/index.js");
  const params = Array.from({ length: TENSORS }, (_, t) => {
    const p = tensor(randomF32(N, t), [N], { requiresGrad: true });
    p.grad = tensor(randomF32(N, t + 100, 0.01), [N]);
    return p;
  });
  const opt = new optim.Adam(params, { lr: LR });
  return [info().build, () => opt.step()];
}

// --- tfjs-backend-wasm: tf.train.adam on variables ---
async function tfjsAdam() {
  const tf = await tfjsWasm();
  const vars = Array.from({ length: TENSORS }, (_, t) => tf.variable(tf.tensor1d(randomF32(N, t)), true, `w${t}`));
  const grads = Object.fromEntries(vars.map((v, t) => [v.name, tf.tensor1d(randomF32(N, t + 100, 0.01))]));
  const opt = tf.train.adam(LR, B1, B2, EPS);
  return () => opt.applyGradients(grads);
}

// --- plain JS: the same update, element by element ---
function plainAdam() {
  const bufs = Array.from({ length: TENSORS }, (_, t) => ({
    p: randomF32(N, t), g: randomF32(N, t + 100, 0.01), m: new Float32Array(N), v: new Float32Array(N),
  }));
  let step = 0;
  return () => {
    step++;
    const stepSize = LR / (1 - B1 ** step), bc2Sqrt = Math.sqrt(1 - B2 ** step);
    for (const { p, g, m, v } of bufs) {
      for (let i = 0; i < N; i++) {
        const gi = g[i];
        const mi = (m[i] = B1 * m[i] + (1 - B1) * gi);
        const vi = (v[i] = B2 * v[i] + (1 - B2) * gi * gi);
        p[i] -= stepSize * mi / (Math.sqrt(vi) / bc2Sqrt + EPS);
      }
    }
  };
}

const [apiBuild, apiStep] = await tesseraApi();
const impls = [
  ["tessera simd kernel", await tesseraKernel("simd")],
  ["tessera relaxed kernel", await tesseraKernel("relaxed")],
  ["tessera threads-relaxed kernel", await tesseraKernel("threads-relaxed")],
  [`tessera optim.Adam (${apiBuild})`, apiStep],
  ["tfjs-wasm 4.22 simd 1T", await tfjsAdam()],
  ["plain JS", plainAdam()],
];
const ms = {};
for (const [name, fn] of impls) {
  fn();
  ms[name] = timeSync(fn, { maxTime: 3 }) * 1e3;
  report(BENCH, CASE, name, ms[name], "ms");
  report(BENCH, CASE, `${name} bandwidth`, BYTES / (ms[name] / 1e3) / 1e9, "GB/s");
}
for (const name of ["tessera simd kernel", "tessera relaxed kernel", "tessera threads-relaxed kernel", `tessera optim.Adam (${apiBuild})`]) {
  report(BENCH, CASE, `${name} vs tfjs-wasm`, ms["tfjs-wasm 4.22 simd 1T"] / ms[name], "x faster");
  report(BENCH, CASE, `${name} vs plain JS`, ms["plain JS"] / ms[name], "x faster");
}
