// Optimizer kernels (assembly/optim.ts) on every build, at the ABI: lengths 0..9 and 33 (SIMD body
// and scalar tail), three steps each, against the update rules of torch/optim/*.py (1.13) evaluated
// in float64. Tolerance 2e-6 relative + 1e-6 absolute: a few float32 roundings per step (FMA in the
// relaxed builds), and sums such as μ·buf + g cancel terms up to ~4 in size, whose ulp is 4.8e-7. Also: the tail computes exactly what the vector body computes for the same
// values, n = 0 writes nothing, and buffers an option does not use are never touched.
import { describe, expect, it } from "vitest";
import { BUILDS, loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { allocF32, expectClose, putF32, randomF32, readF32, release } from "./util.js";

const LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 33];
const STEPS = 3;

interface Bufs { p: number[]; g: number[]; s: number[][] }

/** One rule: the kernel call and the float64 reference, over a parameter, a gradient and state buffers. */
interface Rule {
  name: string;
  nState: number;
  /** State starts (per buffer) at this value. */
  init: number[];
  call(rt: Runtime, p: number, g: number, s: number[], n: number, step: number): void;
  ref(b: Bufs, i: number, step: number): void;
}

const sgd = (lr: number, mu: number, damp: number, wd: number, nesterov: boolean, maximize: boolean): Rule => ({
  name: `sgd lr ${lr} momentum ${mu} dampening ${damp} wd ${wd}${nesterov ? " nesterov" : ""}${maximize ? " maximize" : ""}`,
  nState: 1,
  init: [NaN], // the first step must overwrite the buffer whole
  call: (rt, p, g, s, n, step) => rt.exports.sgdStepF32(p, g, s[0], n, lr, mu, damp, wd, nesterov ? 1 : 0, maximize ? 1 : 0, step === 1 ? 1 : 0),
  ref: (b, i, step) => {
    let d = (maximize ? -1 : 1) * b.g[i] + wd * b.p[i];
    if (mu !== 0) {
      b.s[0][i] = step === 1 ? d : mu * b.s[0][i] + (1 - damp) * d;
      d = nesterov ? d + mu * b.s[0][i] : b.s[0][i];
    }
    b.p[i] -= lr * d;
  },
});

const adam = (lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean, amsgrad: boolean, maximize: boolean): Rule => ({
  name: `adam lr ${lr} betas ${b1},${b2} eps ${eps} wd ${wd}${decoupled ? " decoupled" : ""}${amsgrad ? " amsgrad" : ""}${maximize ? " maximize" : ""}`,
  nState: 3,
  init: [0, 0, amsgrad ? 0 : NaN],
  call: (rt, p, g, s, n, t) => rt.exports.adamStepF32(p, g, s[0], s[1], s[2], n, lr, b1, b2, eps, wd, decoupled ? 1 : 0, amsgrad ? 1 : 0,
    maximize ? 1 : 0, 1 - b1 ** t, 1 - b2 ** t),
  ref: (b, i, t) => {
    let g = (maximize ? -1 : 1) * b.g[i];
    if (decoupled) b.p[i] *= 1 - lr * wd;
    else g += wd * b.p[i];
    b.s[0][i] = b1 * b.s[0][i] + (1 - b1) * g;
    b.s[1][i] = b2 * b.s[1][i] + (1 - b2) * g * g;
    let v = b.s[1][i];
    if (amsgrad) v = b.s[2][i] = Math.max(b.s[2][i], v);
    b.p[i] -= (lr / (1 - b1 ** t)) * b.s[0][i] / (Math.sqrt(v) / Math.sqrt(1 - b2 ** t) + eps);
  },
});

const adagrad = (lr: number, lrDecay: number, wd: number, eps: number, init: number): Rule => ({
  name: `adagrad lr ${lr} lrDecay ${lrDecay} wd ${wd} eps ${eps} init ${init}`,
  nState: 1,
  init: [init],
  call: (rt, p, g, s, n, t) => rt.exports.adagradStepF32(p, g, s[0], n, lr / (1 + (t - 1) * lrDecay), wd, eps, 0),
  ref: (b, i, t) => {
    const g = b.g[i] + wd * b.p[i];
    b.s[0][i] += g * g;
    b.p[i] -= (lr / (1 + (t - 1) * lrDecay)) * g / (Math.sqrt(b.s[0][i]) + eps);
  },
});

const rmsprop = (lr: number, alpha: number, eps: number, wd: number, mu: number, centered: boolean): Rule => ({
  name: `rmsprop lr ${lr} alpha ${alpha} eps ${eps} wd ${wd} momentum ${mu}${centered ? " centered" : ""}`,
  nState: 3,
  init: [0, centered ? 0 : NaN, mu > 0 ? 0 : NaN],
  call: (rt, p, g, s, n) => rt.exports.rmspropStepF32(p, g, s[0], s[1], s[2], n, lr, alpha, eps, wd, mu, centered ? 1 : 0, 0),
  ref: (b, i) => {
    const g = b.g[i] + wd * b.p[i];
    b.s[0][i] = alpha * b.s[0][i] + (1 - alpha) * g * g;
    let avg: number;
    if (centered) {
      b.s[1][i] = alpha * b.s[1][i] + (1 - alpha) * g;
      avg = Math.sqrt(b.s[0][i] - b.s[1][i] ** 2) + eps;
    } else avg = Math.sqrt(b.s[0][i]) + eps;
    if (mu > 0) {
      b.s[2][i] = mu * b.s[2][i] + g / avg;
      b.p[i] -= lr * b.s[2][i];
    } else b.p[i] -= lr * g / avg;
  },
});

const RULES: Rule[] = [
  sgd(0.1, 0, 0, 0, false, false), sgd(0.05, 0.9, 0, 0.01, false, false), sgd(0.05, 0.9, 0.3, 0, false, true),
  sgd(0.05, 0.9, 0, 0.1, true, false),
  adam(1e-3, 0.9, 0.999, 1e-8, 0, false, false, false), adam(0.01, 0.8, 0.99, 1e-6, 0.1, false, true, false),
  adam(0.01, 0.9, 0.999, 1e-8, 0.05, true, false, true), adam(0.01, 0.9, 0.999, 1e-8, 0.01, true, true, false),
  adagrad(0.1, 0, 0, 1e-10, 0), adagrad(0.1, 0.1, 0.01, 1e-10, 0.1),
  rmsprop(0.01, 0.99, 1e-8, 0, 0, false), rmsprop(0.01, 0.9, 1e-8, 0.01, 0, true), rmsprop(0.005, 0.9, 1e-6, 0, 0.9, false),
  rmsprop(0.005, 0.99, 1e-8, 0.01, 0.5, true),
];

function check(rt: Runtime, rule: Rule, n: number, seed: number): void {
  const what = `${rt.build} ${rule.name} n ${n}`;
  const p0 = randomF32(n, seed), grads = [1, 2, 3].map((k) => randomF32(n, seed + 10 * k, 2));
  const pp = putF32(rt, p0), pg = allocF32(rt, n);
  // one canary past the end of every buffer; state an option does not use is all NaN and must stay so
  const ps = rule.init.map((v) => allocF32(rt, n + 1, v));
  const canaries = [pp, ...ps].map((ptr) => { new Float32Array(rt.memory.buffer, ptr + 4 * n, 1)[0] = 7; return ptr; });
  const b: Bufs = { p: Array.from(p0), g: [], s: rule.init.map((v) => new Array(n).fill(v)) };
  for (let t = 1; t <= STEPS; t++) {
    new Float32Array(rt.memory.buffer, pg, n).set(grads[t - 1]);
    b.g = Array.from(grads[t - 1]);
    rule.call(rt, pp, pg, ps, n, t);
    for (let i = 0; i < n; i++) rule.ref(b, i, t);
    expectClose(readF32(rt, pp, n), b.p, 2e-6, 1e-6, `${what} step ${t} param`);
    rule.init.forEach((v, k) => {
      // SGD's buffer starts NaN to show that the first step writes it whole (and momentum 0 never does)
      if (Number.isNaN(v) && !(rule.name.startsWith("sgd") && k === 0)) expect(Array.from(readF32(rt, ps[k], n)).every(Number.isNaN), `${what} unused state ${k}`).toBe(true);
      else expectClose(readF32(rt, ps[k], n), b.s[k], 2e-6, 1e-6, `${what} step ${t} state ${k}`);
    });
  }
  for (const ptr of canaries) expect(readF32(rt, ptr + 4 * n, 1)[0], `${what} canary`).toBe(7);
  release(rt, pp, pg, ...ps);
}

describe.each(BUILDS.filter((b) => !b.startsWith("threads") || typeof SharedArrayBuffer !== "undefined"))("optimizer kernels (%s)", (build) => {
  it("every rule, lengths 0..9 and 33, three steps, against float64", async () => {
    const rt = await loadRuntime({ build });
    RULES.forEach((rule, r) => { for (const n of LENGTHS) check(rt, rule, n, 100 * r + n); });
  });

  it("the scalar tail computes exactly what the SIMD body computes", async () => {
    const rt = await loadRuntime({ build });
    const n = 7; // elements 0..3 in the body, 4..6 in the tail, with the same values
    const vals = [0.3, -1.2, 2.5, 1e-3, 0.3, -1.2, 2.5];
    const grads = [0.7, 0.01, -3, 0.2, 0.7, 0.01, -3];
    const p = putF32(rt, vals), g = putF32(rt, grads), m = allocF32(rt, n, 0.1), v = allocF32(rt, n, 0.2), mx = allocF32(rt, n, 0.3);
    rt.exports.adamStepF32(p, g, m, v, mx, n, 0.01, 0.9, 0.999, 1e-8, 0.1, 1, 1, 0, 0.1, 0.001);
    for (const ptr of [p, m, v, mx]) {
      const out = readF32(rt, ptr, n);
      for (let i = 4; i < n; i++) expect(out[i]).toBe(out[i - 4]);
    }
    rt.exports.rmspropStepF32(p, g, m, v, mx, n, 0.01, 0.99, 1e-8, 0.1, 0.9, 1, 1);
    rt.exports.sgdStepF32(p, g, m, n, 0.1, 0.9, 0.1, 0.1, 0, 1, 0);
    rt.exports.adagradStepF32(p, g, v, n, 0.1, 0.1, 1e-10, 1);
    for (const ptr of [p, m, v, mx]) {
      const out = readF32(rt, ptr, n);
      for (let i = 4; i < n; i++) expect(out[i]).toBe(out[i - 4]);
    }
    release(rt, p, g, m, v, mx);
  });

  it("normPartialF32: sum of squares, sum of |x|, max |x|, p = 3, over lengths 0..40; NaN in the max", async () => {
    const rt = await loadRuntime({ build });
    for (let n = 0; n <= 40; n++) {
      const x = randomF32(n, n, 3);
      const px = putF32(rt, x);
      let s2 = 0, s1 = 0, s3 = 0, mx = 0;
      for (const v of x) { s2 += Math.fround(v * v); s1 += Math.abs(v); s3 += Math.abs(v) ** 3; mx = Math.max(mx, Math.abs(v)); }
      expect(rt.exports.normPartialF32(px, n, 2)).toBeCloseTo(s2, 10);
      expect(rt.exports.normPartialF32(px, n, 1)).toBeCloseTo(s1, 10);
      expect(Math.abs(rt.exports.normPartialF32(px, n, 3) - s3)).toBeLessThanOrEqual(1e-6 * s3); // f32 powers
      expect(rt.exports.normPartialF32(px, n, Infinity)).toBe(mx);
      if (n > 0) {
        new Float32Array(rt.memory.buffer, px, n)[n - 1] = NaN;
        expect(rt.exports.normPartialF32(px, n, Infinity)).toBeNaN();
        expect(rt.exports.normPartialF32(px, n, 2)).toBeNaN();
      }
      release(rt, px);
    }
  });
});
