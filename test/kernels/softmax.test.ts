// Softmax and log-softmax kernels (assembly/softmax.ts) on every build, against a float64 stable
// softmax in plain TS (torch.softmax / torch.log_softmax semantics: a row of −inf gives NaN).
// Tolerances: probabilities 2e-6 relative + 1e-7 absolute (the SIMD exp is within ~2 ulp and the
// row sum adds a few ulp more); log-probabilities 1e-5, as they grow with the logits; backward 1e-4
// relative + 1e-5 absolute (a dot product of f32 values, then a difference that may cancel).
import { describe, expect, it } from "vitest";
import { BUILDS, loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { allocF32, expectClose, putF32, randomF32, readF32, release, softmaxRef } from "./util.js";

const SHAPES: [number, number][] = [
  [0, 5], [1, 1], [3, 1], ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17].map((c): [number, number] => [2, c]),
  [7, 13], [65, 129], [3, 1000],
];

function forward(rt: Runtime, x: Float32Array, rows: number, cols: number, log: boolean): Float32Array {
  const px = putF32(rt, x), py = allocF32(rt, rows * cols);
  (log ? rt.exports.logSoftmaxRowsF32 : rt.exports.softmaxRowsF32)(px, py, rows, cols);
  const y = readF32(rt, py, rows * cols);
  release(rt, px, py);
  return y;
}

describe.each(BUILDS)("softmax kernels on the %s build", (build) => {
  const runtimeP = loadRuntime({ build });

  it.each(SHAPES)("softmax and log-softmax rows=%i cols=%i, forward and backward", async (rows, cols) => {
    const rt = await runtimeP;
    const seed = rows * 31 + cols;
    const x = randomF32(rows * cols, seed, 5);
    const dy = randomF32(rows * cols, seed + 1, 1);
    for (const log of [false, true]) {
      const what = `${build} ${log ? "logSoftmax" : "softmax"} ${rows}x${cols} seed ${seed}`;
      const want = softmaxRef(x, rows, cols, log);
      const y = forward(rt, x, rows, cols, log);
      expectClose(y, want, log ? 1e-5 : 2e-6, log ? 1e-5 : 1e-7, what);
      const py = putF32(rt, y), pdy = putF32(rt, dy), pdx = allocF32(rt, rows * cols);
      (log ? rt.exports.logSoftmaxBackwardRowsF32 : rt.exports.softmaxBackwardRowsF32)(py, pdy, pdx, rows, cols);
      const dx = readF32(rt, pdx, rows * cols);
      release(rt, py, pdy, pdx);
      const ref = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let j = 0; j < cols; j++) s += log ? dy[r * cols + j] : dy[r * cols + j] * want[r * cols + j];
        for (let j = 0; j < cols; j++) {
          const k = r * cols + j;
          ref[k] = log ? dy[k] - Math.exp(want[k]) * s : want[k] * (dy[k] - s);
        }
      }
      expectClose(dx, ref, 1e-4, 1e-5, `${what} backward`);
    }
  });

  it("rows sum to 1 and y may alias x", async () => {
    const rt = await runtimeP;
    const rows = 5, cols = 37;
    const x = randomF32(rows * cols, 3, 20);
    const px = putF32(rt, x);
    rt.exports.softmaxRowsF32(px, px, rows, cols);
    const y = readF32(rt, px, rows * cols);
    expectClose(y, softmaxRef(x, rows, cols, false), 2e-6, 1e-7, `${build} aliased softmax`);
    for (let r = 0; r < rows; r++) expect(Math.abs(y.slice(r * cols, (r + 1) * cols).reduce((s, v) => s + v, 0) - 1)).toBeLessThan(2e-6);
    const q = putF32(rt, x);
    rt.exports.logSoftmaxRowsF32(q, q, rows, cols);
    expectClose(readF32(rt, q, rows * cols), softmaxRef(x, rows, cols, true), 1e-5, 1e-5, `${build} aliased logSoftmax`);
    release(rt, px, q);
  });

  it("huge (±1e4, 88, 89), tiny and −inf logits; a row of −inf (or with +inf) gives NaN", async () => {
    const rt = await runtimeP;
    const rows = [
      [1e4, -1e4, 0, 1e4, 9999], [88, 89, 90, -1e30, 87], [-88, -89, -103, -104, -87.5],
      [1e-30, -1e-30, 0, 1e-38, -1e-45], [-Infinity, 0, -Infinity, 1, -Infinity], [-3e38, 3e38, 0, 1, 2],
    ];
    const x = Float32Array.from(rows.flat());
    const n = rows.length, c = 5;
    expectClose(forward(rt, x, n, c, false), softmaxRef(x, n, c, false), 2e-6, 1e-7, `${build} softmax extremes`);
    const wantLog = softmaxRef(x, n, c, true);
    wantLog[25] = -Infinity; // −3e38 − 3e38 overflows in f32, as in float32 torch
    expectClose(forward(rt, x, n, c, true), wantLog, 1e-6, 1e-5, `${build} logSoftmax extremes`);
    const bad = Float32Array.from([-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, Infinity, 0, 1, 2, 3]);
    expect([...forward(rt, bad, 2, 5, false)].every(Number.isNaN)).toBe(true);
    expect([...forward(rt, bad, 2, 5, true)].every(Number.isNaN)).toBe(true);
    const ly = forward(rt, x, n, c, true);
    expect(ly[1]).toBe(Math.fround(-2e4 - Math.log(2 + Math.exp(-1)))); // exact at this scale
    expect(ly[20]).toBe(-Infinity);
  });

  it("NaN in a row makes the row NaN, other rows untouched", async () => {
    const rt = await runtimeP;
    const x = Float32Array.from([1, NaN, 2, 3, 1, 2, 3, 4, 5, 6]);
    const y = forward(rt, x, 2, 5, false);
    expect([...y.slice(0, 5)].every(Number.isNaN)).toBe(true);
    expectClose(y.slice(5), softmaxRef(x.slice(5), 1, 5, false), 2e-6, 1e-7, `${build} row after NaN`);
  });
});
