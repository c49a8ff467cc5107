// Softmax, log-softmax, layer norm, cross-entropy and dropout kernels (assembly/softmax.ts, norm.ts,
// loss.ts, dropout.ts) on every build, against float64 references in plain TS. Tolerances: 2e-6
// relative + 1e-7 absolute for probabilities (the SIMD exp is within ~2 ulp, the row sum adds
// ~cols·2^-24); 1e-5 for log-probabilities, layer norm and losses, whose values grow with the logits.
import { describe, expect, it } from "vitest";
import { BUILDS, loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { allocF32, putF32, putI32, randomF32, readF32, release } from "./util.js";

function softmaxRef(x: Float32Array, rows: number, cols: number, log: boolean): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[r * cols + j] - m);
    for (let j = 0; j < cols; j++) y[r * cols + j] = log ? x[r * cols + j] - m - Math.log(s) : Math.exp(x[r * cols + j] - m) / s;
  }
  return y;
}

function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const ok = Object.is(got[i], want[i]) || Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]);
    if (!ok) expect.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

const SHAPES: [number, number][] = [[0, 5], [1, 1], [3, 1], ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((c): [number, number] => [2, c]), [7, 13], [65, 129]];

describe.each(BUILDS)("%s build", (build) => {
  let rt: Runtime;
  it("loads", async () => {
    rt = await loadRuntime({ build });
  });

  it.each(SHAPES)("softmax and log-softmax rows=%i cols=%i, forward and backward", (rows, cols) => {
    const x = randomF32(rows * cols, rows * 31 + cols, 5);
    const dy = randomF32(rows * cols, rows + cols * 7, 1);
    for (const log of [false, true]) {
      const px = putF32(rt, x), py = allocF32(rt, rows * cols), pdy = putF32(rt, dy), pdx = allocF32(rt, rows * cols);
      (log ? rt.exports.logSoftmaxRowsF32 : rt.exports.softmaxRowsF32)(px, py, rows, cols);
      const y = readF32(rt, py, rows * cols);
      const want = softmaxRef(x, rows, cols, log);
      expectNear(y, want, log ? 1e-5 : 2e-6, log ? 1e-5 : 1e-7, log ? "logSoftmax" : "softmax");
      (log ? rt.exports.logSoftmaxBackwardRowsF32 : rt.exports.softmaxBackwardRowsF32)(py, pdy, pdx, rows, cols);
      const dx = readF32(rt, pdx, rows * cols);
      const ref = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let j = 0; j < cols; j++) s += log ? dy[r * cols + j] : dy[r * cols + j] * want[r * cols + j];
        for (let j = 0; j < cols; j++) {
          const k = r * cols + j;
          ref[k] = log ? dy[k] - Math.exp(want[k]) * s : want[k] * (dy[k] - s);
        }
      }
      expectNear(dx, ref, 1e-4, 1e-5, "backward");
      release(rt, px, py, pdy, pdx);
    }
  });

  it("softmax of huge, tiny and infinite logits", () => {
    const rows = [
      [1e4, -1e4, 0, 1e4], [88, 89, 90, -1e30], [1e-30, -1e-30, 0, 1e-38],
      [-Infinity, 0, -Infinity, 1], [-Infinity, -Infinity, -Infinity, -Infinity], [Infinity, 0, 1, 2],
    ];
    const x = Float32Array.from(rows.flat());
    const px = putF32(rt, x), py = allocF32(rt, x.length);
    rt.exports.softmaxRowsF32(px, py, rows.length, 4);
    const y = readF32(rt, py, x.length);
    expectNear(y.slice(0, 16), softmaxRef(x, 4, 4, false), 2e-6, 1e-7, "finite rows");
    expect(Array.from(y.slice(16)).every(Number.isNaN)).toBe(true); // all −inf, and +inf: NaN like torch
    rt.exports.logSoftmaxRowsF32(px, py, 4, 4);
    const ly = readF32(rt, py, 16);
    expect(ly[1]).toBeCloseTo(-2e4 - Math.LN2, 2); // −1e4 − 1e4 − log 2
    expect(ly[12]).toBe(-Infinity);
    release(rt, px, py);
  });

  it.each([[5, 33], [3, 7], [2, 1], [0, 4]])("layer norm rows=%i cols=%i, with and without affine", (rows, cols) => {
    const x = randomF32(rows * cols, rows * 5 + cols, 3).map((v) => v + 10); // a large mean
    const g = randomF32(cols, 11, 1), b = randomF32(cols, 12, 1), dy = randomF32(rows * cols, 13, 1);
    for (const affine of [true, false]) {
      const px = putF32(rt, x), pg = affine ? putF32(rt, g) : 0, pb = affine ? putF32(rt, b) : 0;
      const py = allocF32(rt, rows * cols), pm = allocF32(rt, rows), ps = allocF32(rt, rows);
      rt.exports.layerNormForwardF32(px, pg, pb, py, pm, ps, rows, cols, 1e-5);
      const y = readF32(rt, py, rows * cols);
      const wantY = new Float64Array(rows * cols), wantDx = new Float64Array(rows * cols);
      const wantDg = new Float64Array(cols), wantDb = new Float64Array(cols);
      for (let r = 0; r < rows; r++) {
        const row = Array.from(x.slice(r * cols, (r + 1) * cols));
        const mu = row.reduce((s, v) => s + v, 0) / cols;
        const rs = 1 / Math.sqrt(row.reduce((s, v) => s + (v - mu) ** 2, 0) / cols + 1e-5);
        const xh = row.map((v) => (v - mu) * rs);
        const gg = xh.map((_, j) => dy[r * cols + j] * (affine ? g[j] : 1));
        const mg = gg.reduce((s, v) => s + v, 0) / cols, mgx = gg.reduce((s, v, j) => s + v * xh[j], 0) / cols;
        xh.forEach((v, j) => {
          wantY[r * cols + j] = affine ? v * g[j] + b[j] : v;
          wantDx[r * cols + j] = rs * (gg[j] - mg - v * mgx);
          wantDg[j] += dy[r * cols + j] * v;
          wantDb[j] += dy[r * cols + j];
        });
      }
      expectNear(y, wantY, 1e-5, 1e-5, "layerNorm");
      const pdy = putF32(rt, dy), pdx = allocF32(rt, rows * cols), pdg = allocF32(rt, cols), pdb = allocF32(rt, cols);
      rt.exports.layerNormBackwardF32(px, pg, pm, ps, pdy, pdx, pdg, pdb, rows, cols);
      expectNear(readF32(rt, pdx, rows * cols), wantDx, 1e-4, 1e-4, "dx");
      expectNear(readF32(rt, pdg, cols), wantDg, 1e-4, 1e-4, "dgamma");
      expectNear(readF32(rt, pdb, cols), wantDb, 1e-5, 1e-5, "dbeta");
      release(rt, px, py, pm, ps, pdy, pdx, pdg, pdb, ...(affine ? [pg, pb] : []));
    }
  });

  it("layer norm of a constant row is finite (variance 0)", () => {
    const px = putF32(rt, [3, 3, 3, 3, 3]), py = allocF32(rt, 5), pm = allocF32(rt, 1), ps = allocF32(rt, 1);
    rt.exports.layerNormForwardF32(px, 0, 0, py, pm, ps, 1, 5, 1e-5);
    expect(Array.from(readF32(rt, py, 5))).toEqual([0, 0, 0, 0, 0]);
    release(rt, px, py, pm, ps);
  });

  it.each([0, 0.1])("cross-entropy with ignored rows, smoothing %f", (eps) => {
    const rows = 9, cols = 13;
    const x = randomF32(rows * cols, 77, 4);
    const t = [0, 12, -100, 5, 5, -100, 7, 1, 3];
    const px = putF32(rt, x), pt = putI32(rt, t), pl = allocF32(rt, rows), plse = allocF32(rt, rows), pd = allocF32(rt, rows * cols);
    const kept = rt.exports.crossEntropyForwardF32(px, pt, pl, plse, rows, cols, -100, eps);
    expect(kept).toBe(7);
    const logp = softmaxRef(x, rows, cols, true);
    const wantL = t.map((ti, r) => ti === -100 ? 0
      : -(1 - eps) * logp[r * cols + ti] - (eps / cols) * Array.from({ length: cols }, (_, j) => logp[r * cols + j]).reduce((s, v) => s + v, 0));
    expectNear(readF32(rt, pl, rows), wantL, 1e-5, 1e-5, "loss");
    rt.exports.crossEntropyBackwardF32(px, pt, plse, pd, rows, cols, -100, eps, 0.5);
    const d = readF32(rt, pd, rows * cols);
    const wantD = new Float64Array(rows * cols);
    t.forEach((ti, r) => {
      if (ti === -100) return;
      for (let j = 0; j < cols; j++) wantD[r * cols + j] = 0.5 * (Math.exp(logp[r * cols + j]) - eps / cols - (j === ti ? 1 - eps : 0));
    });
    expectNear(d, wantD, 1e-5, 1e-6, "dlogits");
    const allIgnored = putI32(rt, new Array(rows).fill(-100));
    expect(rt.exports.crossEntropyForwardF32(px, allIgnored, pl, plse, rows, cols, -100, eps)).toBe(0);
    release(rt, px, pt, pl, plse, pd, allIgnored);
  });

  it("dropout keeps ≈ 1−p, scales by 1/(1−p), and depends only on the seed", () => {
    const n = 20000, p = 0.3;
    const x = new Float32Array(n).fill(2);
    const px = putF32(rt, x), py = allocF32(rt, n), pm = allocF32(rt, n), pm2 = allocF32(rt, n);
    rt.exports.dropoutForwardF32(px, py, pm, n, p, 123, 456);
    const m = readF32(rt, pm, n), y = readF32(rt, py, n);
    const kept = m.filter((v) => v !== 0).length;
    expect(Math.abs(kept / n - (1 - p))).toBeLessThan(3 * Math.sqrt(p * (1 - p) / n));
    expect(m.every((v) => v === 0 || Math.abs(v - 1 / (1 - p)) < 1e-6)).toBe(true);
    expect(y.every((v, i) => v === 2 * m[i])).toBe(true);
    rt.exports.dropoutForwardF32(px, py, pm2, n, p, 123, 456);
    expect(readF32(rt, pm2, n)).toEqual(m);
    rt.exports.dropoutForwardF32(px, py, pm2, n, p, 124, 456);
    expect(readF32(rt, pm2, n)).not.toEqual(m);
    rt.exports.dropoutForwardF32(px, py, pm2, n, 0, 1, 1);
    expect(readF32(rt, pm2, n).every((v) => v === 1)).toBe(true);
    rt.exports.dropoutForwardF32(px, py, pm2, n, 1, 1, 1);
    expect(readF32(rt, pm2, n).every((v) => v === 0)).toBe(true);
    release(rt, px, py, pm, pm2);
  });
});
