// Row-wise softmax [512, 1000], layer norm [4096, 1024] and cross-entropy [4096, 1000], milliseconds
// per call on resident data: tessera's simd and relaxed builds, tfjs-backend-wasm 4.22 (SIMD, one
// thread) and plain JS. tfjs has a softmax kernel; it has no layer-norm or cross-entropy kernel, so
// those rows time what a tfjs user would write (tf.moments + arithmetic; tf.losses.softmaxCrossEntropy
// with one-hot labels prepared beforehand, reduction NONE), marked "composed". Ratios: peer time /
// tessera time.
// Needs `npm run build` (imports ../dist).
import { tfjsWasm } from "./tfjs.mjs";
import { report, timeSync } from "./harness.mjs";
import { loadRuntime } from "../dist/runtime/wasm.js";

const BENCH = "softmax";
const SM = [512, 1000], LN = [4096, 1024], CE = [4096, 1000];

function randomF32(len, seed, scale = 3) {
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = scale * Math.sin(seed + i * 0.61);
  return x;
}

async function tesseraCases(build) {
  const rt = await loadRuntime({ build });
  const e = rt.exports;
  const put = (x, Typed = Float32Array) => {
    const p = rt.arena.alloc(x.length * 4);
    new Typed(rt.memory.buffer, p, x.length).set(x);
    return p;
  };
  const empty = (n) => rt.arena.alloc(n * 4);
  return {
    softmax: () => {
      const [r, c] = SM, x = put(randomF32(r * c, 1)), y = empty(r * c);
      return () => e.softmaxRowsF32(x, y, r, c);
    },
    layerNorm: () => {
      const [r, c] = LN, x = put(randomF32(r * c, 2)), g = put(randomF32(c, 3)), b = put(randomF32(c, 4));
      const y = empty(r * c), m = empty(r), s = empty(r);
      return () => e.layerNormForwardF32(x, g, b, y, m, s, r, c, 1e-5);
    },
    crossEntropy: () => {
      const [r, c] = CE, x = put(randomF32(r * c, 5)), t = put(Int32Array.from({ length: r }, (_, i) => (i * 7) % c), Int32Array);
      const l = empty(r), lse = empty(r), count = empty(1);
      return () => e.crossEntropyForwardF32(x, t, l, lse, count, r, c, -100, 0);
    },
  };
}

async function tfjsCases() {
  const tf = await tfjsWasm();
  return {
    softmax: () => {
      const x = tf.tensor2d(randomF32(SM[0] * SM[1], 1), SM);
      return () => tf.softmax(x).dispose();
    },
    layerNorm: () => {
      const [r, c] = LN, x = tf.tensor2d(randomF32(r * c, 2), LN), g = tf.tensor1d(randomF32(c, 3)), b = tf.tensor1d(randomF32(c, 4));
      return () => tf.tidy(() => {
        const { mean, variance } = tf.moments(x, -1, true);
        return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), b);
      }).dispose();
    },
    crossEntropy: () => {
      const [r, c] = CE, x = tf.tensor2d(randomF32(r * c, 5), CE);
      const labels = tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from({ length: r }, (_, i) => (i * 7) % c), "int32"), c), "float32");
      return () => tf.losses.softmaxCrossEntropy(labels, x, undefined, 0, tf.Reduction.NONE).dispose();
    },
  };
}

const plainCases = {
  softmax: () => {
    const [r, c] = SM, x = randomF32(r * c, 1), y = new Float32Array(r * c);
    return () => {
      for (let i = 0; i < r; i++) {
        const o = i * c;
        let m = -Infinity;
        for (let j = 0; j < c; j++) m = Math.max(m, x[o + j]);
        let s = 0;
        for (let j = 0; j < c; j++) s += y[o + j] = Math.exp(x[o + j] - m);
        for (let j = 0; j < c; j++) y[o + j] /= s;
      }
    };
  },
  layerNorm: () => {
    const [r, c] = LN, x = randomF32(r * c, 2), g = randomF32(c, 3), b = randomF32(c, 4), y = new Float32Array(r * c);
    return () => {
      for (let i = 0; i < r; i++) {
        const o = i * c;
        let mu = 0;
        for (let j = 0; j < c; j++) mu += x[o + j];
        mu /= c;
        let v = 0;
        for (let j = 0; j < c; j++) v += (x[o + j] - mu) ** 2;
        const rs = 1 / Math.sqrt(v / c + 1e-5);
        for (let j = 0; j < c; j++) y[o + j] = (x[o + j] - mu) * rs * g[j] + b[j];
      }
    };
  },
  crossEntropy: () => {
    const [r, c] = CE, x = randomF32(r * c, 5), l = new Float32Array(r);
    return () => {
      for (let i = 0; i < r; i++) {
        const o = i * c;
        let m = -Infinity;
        for (let j = 0; j < c; j++) m = Math.max(m, x[o + j]);
        let s = 0;
        for (let j = 0; j < c; j++) s += Math.exp(x[o + j] - m);
        l[i] = m + Math.log(s) - x[o + ((i * 7) % c)];
      }
    };
  },
};

const CASES = [["softmax", "softmax 512x1000"], ["layerNorm", "layerNorm 4096x1024"], ["crossEntropy", "crossEnt 4096x1000"]];
const impls = [
  ["tessera simd", await tesseraCases("simd")],
  ["tessera relaxed", await tesseraCases("relaxed")],
  ["tfjs-wasm 4.22 simd 1T", await tfjsCases()], // layer norm and cross-entropy: composed
  ["plain JS", plainCases],
];

for (const [key, label] of CASES) {
  const ms = {};
  for (const [name, cases] of impls) {
    if (!cases[key]) continue;
    const fn = cases[key]();
    fn();
    ms[name] = timeSync(fn, { maxTime: 1 }) * 1e3;
    report(BENCH, label, name.startsWith("tfjs") && key !== "softmax" ? `${name} composed` : name, ms[name], "ms");
  }
  const best = Math.min(ms["tessera simd"], ms["tessera relaxed"]);
  if (ms["tfjs-wasm 4.22 simd 1T"]) report(BENCH, label, "tessera vs tfjs-wasm", ms["tfjs-wasm 4.22 simd 1T"] / best, "x faster");
  report(BENCH, label, "tessera vs plain JS", ms["plain JS"] / best, "x faster");
}
