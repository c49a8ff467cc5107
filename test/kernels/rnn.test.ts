// Recurrent layer kernels (assembly/rnn.ts through Backend.rnnForward / rnnBackward) on every build,
// at the sizes the module tests do not reach: several row groups (B > 64), several K chunks
// (H > 128), one unit past a panel (H = 9), the reverse direction writing into an interleaved
// output (stride 2H), absent h0 / c0 / biases; batch 0 and input size 0. Forward values are checked
// against a float64 reference of torch's equations; the whole backward (dx, dh0, dc0 and every
// weight gradient) by the directional derivative of that reference along a random direction,
// taken by central differences in float64 (eps 1e-4: truncation ~1e-8, no f32 noise). On the
// threads builds, 2 threads must give the same bits as 1 (tiles never split a dot product), and
// a batch must give the same bits as its rows run as two smaller batches.
import { describe, expect, it } from "vitest";
import { BUILDS, detectFeatures, loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { setThreads } from "../../src/runtime/pool.js";
import { cpuBackendFor } from "../../src/backend/device.js";
import type { RnnMode } from "../../src/backend/backend.js";
import { RNN_THREAD_MIN_MACS } from "../../src/backend/cpu-wasm/rnn.js";
import { rng } from "./util.js";

const GATES: Record<RnnMode, number> = { lstm: 4, gru: 3, rnnTanh: 1, rnnRelu: 1 };
const sig = (v: number) => 1 / (1 + Math.exp(-v));

interface Problem {
  mode: RnnMode; T: number; B: number; I: number; H: number; reverse: boolean; bias: boolean; init: boolean;
  x: Float64Array; wIh: Float64Array; wHh: Float64Array; bIh: Float64Array; bHh: Float64Array; h0: Float64Array; c0: Float64Array;
  wOut: Float64Array; wH: Float64Array; wC: Float64Array;
}

function problem(mode: RnnMode, T: number, B: number, I: number, H: number, reverse: boolean, bias: boolean, init: boolean, seed: number): Problem {
  const r = rng(seed);
  const G = GATES[mode];
  const arr = (n: number, s: number) => Float64Array.from({ length: n }, () => Math.fround(r() * s));
  const ws = 1 / Math.sqrt(H);
  return {
    mode, T, B, I, H, reverse, bias, init,
    x: arr(T * B * I, 1), wIh: arr(G * H * I, ws), wHh: arr(G * H * H, ws), bIh: arr(G * H, bias ? ws : 0), bHh: arr(G * H, bias ? ws : 0),
    h0: arr(B * H, init ? 0.5 : 0), c0: arr(B * H, init && mode === "lstm" ? 0.5 : 0),
    wOut: arr(T * B * H, 1), wH: arr(B * H, 1), wC: arr(B * H, 1),
  };
}

/** torch's equations in float64: out [T, B, H], hN, cN. */
function reference(p: Problem) {
  const { mode, T, B, I, H } = p;
  const G = GATES[mode];
  const out = new Float64Array(T * B * H);
  const h = Float64Array.from(p.h0), c = Float64Array.from(p.c0);
  for (let s = 0; s < T; s++) {
    const t = p.reverse ? T - 1 - s : s;
    const hNew = new Float64Array(B * H), cNew = new Float64Array(B * H);
    for (let b = 0; b < B; b++) {
      const gx = new Float64Array(G * H), gh = new Float64Array(G * H);
      for (let n = 0; n < G * H; n++) {
        let sx = p.bIh[n], sh = p.bHh[n];
        for (let i = 0; i < I; i++) sx += p.x[(t * B + b) * I + i] * p.wIh[n * I + i];
        for (let k = 0; k < H; k++) sh += h[b * H + k] * p.wHh[n * H + k];
        gx[n] = sx;
        gh[n] = sh;
      }
      for (let j = 0; j < H; j++) {
        const q = b * H + j;
        if (mode === "lstm") {
          const i = sig(gx[j] + gh[j]), f = sig(gx[H + j] + gh[H + j]), g = Math.tanh(gx[2 * H + j] + gh[2 * H + j]), o = sig(gx[3 * H + j] + gh[3 * H + j]);
          cNew[q] = f * c[q] + i * g;
          hNew[q] = o * Math.tanh(cNew[q]);
        } else if (mode === "gru") {
          const r = sig(gx[j] + gh[j]), z = sig(gx[H + j] + gh[H + j]);
          const n = Math.tanh(gx[2 * H + j] + r * gh[2 * H + j]);
          hNew[q] = (1 - z) * n + z * h[q];
        } else {
          const a = gx[j] + gh[j];
          hNew[q] = mode === "rnnRelu" ? Math.max(a, 0) : Math.tanh(a);
        }
        out[(t * B + b) * H + j] = hNew[q];
      }
    }
    h.set(hNew);
    c.set(cNew);
  }
  return { out, hN: h, cN: c };
}

const KEYS = ["x", "wIh", "wHh", "bIh", "bHh", "h0", "c0"] as const;

function loss(p: Problem): number {
  const { out, hN, cN } = reference(p);
  let s = 0;
  for (let i = 0; i < out.length; i++) s += p.wOut[i] * out[i];
  for (let i = 0; i < hN.length; i++) s += p.wH[i] * hN[i] + (p.mode === "lstm" ? p.wC[i] * cN[i] : 0);
  return s;
}

interface Run { out: Float32Array; hN: Float32Array; cN: Float32Array; grads: Record<string, Float32Array> }

/** Forward and backward through the backend; the output goes into column block `half` of a [T, B, 2H] buffer when interleaved. */
function run(rt: Runtime, p: Problem, interleaved: boolean): Run {
  const be = cpuBackendFor(rt);
  const { mode, T, B, I, H } = p;
  const G = GATES[mode];
  const put = (a: ArrayLike<number>) => { const h = be.alloc(a.length); be.write(h, a, "float32"); return h; };
  const alloc = (n: number) => { const h = be.alloc(n); be.fill(h, n, NaN, "float32"); return h; };
  const stride = interleaved ? 2 * H : H, offset = interleaved ? H : 0;
  const x = put(p.x), wIh = put(p.wIh), wHh = put(p.wHh), bIh = put(p.bIh), bHh = put(p.bHh), h0 = put(p.h0), c0 = put(p.c0);
  const out = alloc(T * B * stride), gates = alloc(T * B * G * H), cells = alloc(T * B * H), hN = alloc(B * H), cN = alloc(B * H);
  // The gradient of the output in the same interleaved layout (the other half must be ignored).
  const dOutFull = new Float32Array(T * B * stride).fill(1e6);
  for (let r = 0; r < T * B; r++) for (let j = 0; j < H; j++) dOutFull[r * stride + offset + j] = p.wOut[r * H + j];
  const dOut = put(dOutFull), dhN = put(p.wH), dcN = put(p.wC);
  const g = { x: alloc(T * B * I), wIh: alloc(G * H * I), wHh: alloc(G * H * H), bIh: alloc(G * H), bHh: alloc(G * H), h0: alloc(B * H), c0: alloc(B * H) };
  const common = {
    mode, steps: T, batch: B, inputSize: I, hiddenSize: H, reverse: p.reverse, x, wIh, wHh,
    bIh: p.bias ? bIh : null, bHh: p.bias ? bHh : null, h0: p.init ? { handle: h0, offset: 0 } : null,
    c0: p.init && mode === "lstm" ? { handle: c0, offset: 0 } : null, out: { handle: out, offset }, outStride: stride,
    gates, cells: mode === "lstm" || mode === "gru" ? cells : null,
  };
  be.rnnForward({ ...common, hN: { handle: hN, offset: 0 }, cN: mode === "lstm" ? { handle: cN, offset: 0 } : null });
  be.rnnBackward({
    ...common, dOut: { handle: dOut, offset }, dhN: { handle: dhN, offset: 0 }, dcN: mode === "lstm" ? { handle: dcN, offset: 0 } : null,
    dx: g.x, accumulateDx: false, dh0: { handle: g.h0, offset: 0 }, dc0: mode === "lstm" ? { handle: g.c0, offset: 0 } : null,
    dWIh: g.wIh, dWHh: g.wHh, dBIh: p.bias ? g.bIh : null, dBHh: p.bias ? g.bHh : null,
  });
  const read = (h: number, n: number) => be.readSync(h, n, "float32") as Float32Array;
  const outAll = read(out, T * B * stride);
  const res: Run = {
    out: Float32Array.from({ length: T * B * H }, (_, i) => outAll[Math.floor(i / H) * stride + offset + (i % H)]),
    hN: read(hN, B * H), cN: read(cN, B * H), grads: {},
  };
  res.grads.x = read(g.x, T * B * I);
  res.grads.wIh = read(g.wIh, G * H * I);
  res.grads.wHh = read(g.wHh, G * H * H);
  if (p.bias) { res.grads.bIh = read(g.bIh, G * H); res.grads.bHh = read(g.bHh, G * H); }
  res.grads.h0 = read(g.h0, B * H);
  if (mode === "lstm") res.grads.c0 = read(g.c0, B * H);
  for (const h of [x, wIh, wHh, bIh, bHh, h0, c0, out, gates, cells, hN, cN, dOut, dhN, dcN, ...Object.values(g)]) be.free(h);
  return res;
}

function maxScaledError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 0, worst = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]) / (Math.abs(want[i]) + scale || 1);
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

const CASES: [RnnMode, number, number, number, number, boolean, boolean, boolean][] = [
  // mode, T, B, I, H, reverse, bias, init
  ["lstm", 2, 70, 5, 130, false, true, true],
  ["gru", 2, 67, 4, 129, true, true, true],
  ["lstm", 4, 5, 3, 9, true, false, false],
  ["gru", 2, 3, 6, 9, false, false, false],
  ["rnnTanh", 2, 66, 3, 133, true, true, true],
  ["rnnRelu", 3, 6, 2, 9, false, true, false],
];

const features = detectFeatures();
const builds = BUILDS.filter((b) => (!b.includes("relaxed") || features.relaxedSimd) && (!b.startsWith("threads") || features.threads));

describe.each(builds)("rnn kernels (%s build)", (build) => {
  for (const [mode, T, B, I, H, reverse, bias, init] of CASES) {
    const name = `${mode} T${T} B${B} I${I} H${H}${reverse ? " reverse" : ""}${bias ? "" : " no bias"}${init ? " h0" : ""}`;
    it(`${name}: forward vs float64, backward vs directional derivatives`, async () => {
      const rt = await loadRuntime({ build });
      const p = problem(mode, T, B, I, H, reverse, bias, init, 1000 + T * 7 + B * 13 + H);
      const want = reference(p);
      // Directional derivatives of the float64 reference along random directions: one per input
      // tensor and one for all at once (computed once, checked against both output layouts).
      const r = rng(7 + H);
      const keys = KEYS.filter((k) => (k !== "bIh" && k !== "bHh") || bias).filter((k) => k !== "c0" || mode === "lstm");
      const eps = 1e-4;
      const checks = [...keys, null].map((only) => {
        const dirs: Partial<Record<(typeof KEYS)[number], Float64Array>> = {};
        for (const k of keys) dirs[k] = Float64Array.from(p[k], () => (only === null || only === k ? r() : 0));
        const shifted = (sgn: number): Problem => {
          const q = { ...p };
          for (const k of keys) q[k] = p[k].map((v, i) => v + sgn * eps * dirs[k]![i]);
          return q;
        };
        return { only, dirs, numeric: (loss(shifted(1)) - loss(shifted(-1))) / (2 * eps) };
      });
      for (const interleaved of [false, true]) {
        const got = run(rt, p, interleaved);
        const what = `${name}${interleaved ? " interleaved" : ""}`;
        expect(maxScaledError(got.out, want.out), `${what} out`).toBeLessThan(1e-5);
        expect(maxScaledError(got.hN, want.hN), `${what} hN`).toBeLessThan(1e-5);
        if (mode === "lstm") expect(maxScaledError(got.cN, want.cN), `${what} cN`).toBeLessThan(1e-5);
        for (const { only, dirs, numeric } of checks) {
          let analytic = 0;
          for (const k of keys) for (let i = 0; i < dirs[k]!.length; i++) analytic += got.grads[k][i] * dirs[k]![i];
          expect(Math.abs(analytic - numeric), `${what} d/d${only ?? "all"}: ${analytic} vs ${numeric}`)
            .toBeLessThan(1e-4 * (1 + Math.abs(numeric)));
        }
      }
    });
  }

  if (build.startsWith("threads")) {
    it("2 threads give the same bits as 1, above the threading threshold", async () => {
      const rt = await loadRuntime({ build });
      for (const [mode, B, H] of [["lstm", 40, 96], ["gru", 70, 72]] as const) {
        expect(B * H * H * GATES[mode]).toBeGreaterThanOrEqual(RNN_THREAD_MIN_MACS);
        const p = problem(mode, 3, B, 8, H, false, true, true, 99);
        try {
          setThreads(1);
          const one = run(rt, p, false);
          setThreads(2);
          const two = run(rt, p, true);
          expect(Array.from(two.out)).toEqual(Array.from(one.out));
          for (const k of Object.keys(one.grads)) expect(Array.from(two.grads[k]), `${mode} d${k}`).toEqual(Array.from(one.grads[k]));
        } finally {
          setThreads(1);
        }
      }
    });
  }

  it("rows of a batch give the same bits when run as two smaller batches", async () => {
    const rt = await loadRuntime({ build });
    for (const mode of ["lstm", "gru"] as const) {
      const T = 2, B = 70, I = 3, H = 20;
      const p = problem(mode, T, B, I, H, true, true, true, 5);
      const whole = run(rt, p, false);
      const split = (lo: number, hi: number): Problem => {
        const n = hi - lo;
        const rows = (a: Float64Array, w: number, steps: number) => {
          const o = new Float64Array(steps * n * w);
          for (let t = 0; t < steps; t++) o.set(a.subarray((t * B + lo) * w, (t * B + hi) * w), t * n * w);
          return o;
        };
        return { ...p, B: n, x: rows(p.x, I, T), h0: rows(p.h0, H, 1), c0: rows(p.c0, H, 1), wOut: rows(p.wOut, H, T), wH: rows(p.wH, H, 1), wC: rows(p.wC, H, 1) };
      };
      const a = run(rt, split(0, 64), false), b = run(rt, split(64, 70), false);
      for (let t = 0; t < T; t++) {
        expect(Array.from(whole.out.subarray(t * B * H, (t * B + 64) * H))).toEqual(Array.from(a.out.subarray(t * 64 * H, (t + 1) * 64 * H)));
        expect(Array.from(whole.out.subarray((t * B + 64) * H, (t + 1) * B * H))).toEqual(Array.from(b.out.subarray(t * 6 * H, (t + 1) * 6 * H)));
      }
      expect(Array.from(whole.grads.h0)).toEqual([...a.grads.h0, ...b.grads.h0]);
    }
  });

  it("batch 0 writes zero weight gradients; input size 0 projects only the bias", async () => {
    const rt = await loadRuntime({ build });
    const empty = run(rt, problem("lstm", 2, 0, 3, 5, false, true, true, 1), false);
    expect(Array.from(empty.grads.wIh).every((v) => v === 0)).toBe(true);
    expect(Array.from(empty.grads.bHh).every((v) => v === 0)).toBe(true);
    const p = problem("gru", 3, 2, 0, 5, false, true, true, 2);
    const got = run(rt, p, false);
    expect(maxScaledError(got.out, reference(p).out)).toBeLessThan(1e-5);
  });
});
