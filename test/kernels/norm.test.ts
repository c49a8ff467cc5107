// Layer-norm kernels (assembly/norm.ts) on every build, against a float64 reference of
// torch.nn.functional.layer_norm (biased variance, eps inside the square root) and its analytic
// backward. Tolerances: y 1e-5 relative + 1e-5 absolute, plus the unavoidable f32 error of the
// centred value x − mean: the f32 mean of a row near 10 is off by up to half an ulp (4.8e-7), which
// x̂ = (x − mean)·rstd multiplies by rstd (large when a short row happens to have a small spread);
// dx/dgamma 1e-4 (sums of products of f32 values); dbeta 1e-5 (a plain f32 column sum).
import { describe, expect, it } from "vitest";
import { BUILDS, loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { allocF32, expectClose, putF32, randomF32, readF32, release } from "./util.js";

const EPS = 1e-5;

function reference(x: Float32Array, g: Float32Array | null, b: Float32Array | null, dy: Float32Array, rows: number, cols: number) {
  const y = new Float64Array(rows * cols), dx = new Float64Array(rows * cols);
  const dg = new Float64Array(cols), db = new Float64Array(cols);
  const mean = new Float64Array(rows), rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
    const mu = row.reduce((s, v) => s + v, 0) / cols;
    const rs = 1 / Math.sqrt(row.reduce((s, v) => s + (v - mu) ** 2, 0) / cols + EPS);
    mean[r] = mu;
    rstd[r] = rs;
    const xh = row.map((v) => (v - mu) * rs);
    const gg = xh.map((_, j) => dy[r * cols + j] * (g ? g[j] : 1));
    const mg = gg.reduce((s, v) => s + v, 0) / cols;
    const mgx = gg.reduce((s, v, j) => s + v * xh[j], 0) / cols;
    xh.forEach((v, j) => {
      y[r * cols + j] = v * (g ? g[j] : 1) + (b ? b[j] : 0);
      dx[r * cols + j] = rs * (gg[j] - mg - v * mgx);
      dg[j] += dy[r * cols + j] * v;
      db[j] += dy[r * cols + j];
    });
  }
  return { y, dx, dg, db, mean, rstd };
}

type Affine = "none" | "gamma" | "beta" | "both";

function check(rt: Runtime, rows: number, cols: number, affine: Affine, seed: number): void {
  const what = `${rt.build} layerNorm ${rows}x${cols} affine=${affine} seed ${seed}`;
  const x = randomF32(rows * cols, seed, 3).map((v) => v + 10); // a large mean: catches E[x²] − mean²
  const g = affine === "gamma" || affine === "both" ? randomF32(cols, seed + 1, 2) : null;
  const b = affine === "beta" || affine === "both" ? randomF32(cols, seed + 2, 2) : null;
  const dy = randomF32(rows * cols, seed + 3);
  const want = reference(x, g, b, dy, rows, cols);
  const px = putF32(rt, x), pg = g ? putF32(rt, g) : 0, pb = b ? putF32(rt, b) : 0;
  const py = allocF32(rt, rows * cols), pm = allocF32(rt, rows), ps = allocF32(rt, rows);
  rt.exports.layerNormForwardF32(px, pg, pb, py, pm, ps, rows, cols, EPS);
  let meanErr = 0; // largest |x̂ error| the f32 mean alone can cause, times |gamma|
  for (let r = 0; r < rows; r++) meanErr = Math.max(meanErr, 2 ** -23 * Math.abs(want.mean[r]) * want.rstd[r]);
  const gMax = g ? Math.max(...g.map(Math.abs)) : 1;
  expectClose(readF32(rt, py, rows * cols), want.y, 1e-5, 1e-5 + meanErr * gMax, `${what} y`);
  expectClose(readF32(rt, pm, rows), want.mean, 1e-6, 1e-6, `${what} mean`);
  expectClose(readF32(rt, ps, rows), want.rstd, 1e-5, 1e-6, `${what} rstd`);
  const pdy = putF32(rt, dy), pdx = allocF32(rt, rows * cols), pdg = allocF32(rt, cols, 7), pdb = allocF32(rt, cols, 7);
  rt.exports.layerNormBackwardF32(px, pg, pm, ps, pdy, pdx, pdg, pdb, rows, cols);
  // dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) carries the x̂ error times rstd·mean(g·x̂) (|dy| ≤ 1).
  const rsMax = Math.max(0, ...want.rstd);
  expectClose(readF32(rt, pdx, rows * cols), want.dx, 1e-4, 1e-4 + 2 * meanErr * rsMax * gMax * gMax, `${what} dx`);
  expectClose(readF32(rt, pdg, cols), want.dg, 1e-4, 1e-4 + rows * meanErr, `${what} dgamma`); // overwritten, not added to 7
  expectClose(readF32(rt, pdb, cols), want.db, 1e-5, 1e-5, `${what} dbeta`);
  // dgamma/dbeta absent: dx is the same and nothing else is written.
  const pdx2 = allocF32(rt, rows * cols);
  rt.exports.layerNormBackwardF32(px, pg, pm, ps, pdy, pdx2, 0, 0, rows, cols);
  expect(readF32(rt, pdx2, rows * cols), what).toEqual(readF32(rt, pdx, rows * cols));
  release(rt, px, py, pm, ps, pdy, pdx, pdg, pdb, pdx2, ...(g ? [pg] : []), ...(b ? [pb] : []));
}

const SHAPES: [number, number][] = [
  [0, 4], [1, 2], [3, 1], ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((c): [number, number] => [2, c]),
  [5, 33], [7, 13], [65, 129], [2, 1024],
];

describe.each(BUILDS)("layer-norm kernels on the %s build", (build) => {
  const runtimeP = loadRuntime({ build });

  it.each(SHAPES)("rows=%i cols=%i, every combination of gamma and beta", async (rows, cols) => {
    const rt = await runtimeP;
    (["both", "none", "gamma", "beta"] as const).forEach((a, k) => check(rt, rows, cols, a, rows * 100 + cols * 7 + k));
  });

  it("a constant row (variance 0) normalises to beta with rstd = 1/√eps; cols = 1 gives dx = 0", async () => {
    const rt = await runtimeP;
    const px = putF32(rt, [3, 3, 3, 3, 3]), pb = putF32(rt, [1, 2, 3, 4, 5]);
    const py = allocF32(rt, 5), pm = allocF32(rt, 1), ps = allocF32(rt, 1);
    rt.exports.layerNormForwardF32(px, 0, pb, py, pm, ps, 1, 5, EPS);
    expect([...readF32(rt, py, 5)]).toEqual([1, 2, 3, 4, 5]);
    expect(readF32(rt, ps, 1)[0]).toBeCloseTo(1 / Math.sqrt(EPS), 0);
    const one = putF32(rt, [4, -2, 7]), pdy = putF32(rt, [1, 2, 3]), pdx = allocF32(rt, 3);
    const y3 = allocF32(rt, 3), m3 = allocF32(rt, 3), s3 = allocF32(rt, 3);
    rt.exports.layerNormForwardF32(one, 0, 0, y3, m3, s3, 3, 1, EPS);
    expect([...readF32(rt, y3, 3)]).toEqual([0, 0, 0]);
    rt.exports.layerNormBackwardF32(one, 0, m3, s3, pdy, pdx, 0, 0, 3, 1);
    expect([...readF32(rt, pdx, 3)].map((v) => v + 0)).toEqual([0, 0, 0]);
    release(rt, px, pb, py, pm, ps, one, pdy, pdx, y3, m3, s3);
  });

  it("rows = 0 still zeroes dgamma and dbeta (a sum over no rows)", async () => {
    const rt = await runtimeP;
    const pdg = allocF32(rt, 6, 5), pdb = allocF32(rt, 6, 5);
    rt.exports.layerNormBackwardF32(0, 0, 0, 0, 0, 0, pdg, pdb, 0, 6);
    expect([...readF32(rt, pdg, 6), ...readF32(rt, pdb, 6)].every((v) => v === 0)).toBe(true);
    release(rt, pdg, pdb);
  });
});
