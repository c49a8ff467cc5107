// Cross-entropy kernels (assembly/loss.ts) on every build, against a float64 reference of
// torch.nn.functional.cross_entropy(logits, t, ignore_index, label_smoothing=ε, reduction="none"):
// loss = (1−ε)(−log p_t) + (ε/C)·Σ_j(−log p_j), 0 on ignored rows; the backward is
// dLoss[r]·(softmax − (1−ε)·onehot − ε/C), with a different upstream gradient per row. Tolerances: losses 1e-5 relative + 1e-5 absolute (log-sum-exp
// in f32 of logits up to ±4·8); dlogits 1e-5 relative + 1e-6 absolute (one exp, ~2 ulp).
import { describe, expect, it } from "vitest";
import { BUILDS, loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { allocF32, expectClose, putF32, putI32, randomF32, readF32, release, rng, softmaxRef } from "./util.js";

const IGNORE = -100;

function check(rt: Runtime, x: Float32Array, t: number[], rows: number, cols: number, eps: number, scale: number, what: string): void {
  const logp = softmaxRef(x, rows, cols, true);
  const wantL = t.map((ti, r) => {
    if (ti === IGNORE) return 0;
    let s = 0;
    for (let j = 0; j < cols; j++) s -= logp[r * cols + j];
    return -(1 - eps) * logp[r * cols + ti] + (eps / cols) * s;
  });
  const dLoss = Float32Array.from({ length: rows }, (_, r) => scale * (1 + 0.25 * (r % 3)));
  const wantD = new Float64Array(rows * cols);
  t.forEach((ti, r) => {
    if (ti === IGNORE) return;
    for (let j = 0; j < cols; j++) wantD[r * cols + j] = dLoss[r] * (Math.exp(logp[r * cols + j]) - eps / cols - (j === ti ? 1 - eps : 0));
  });
  const px = putF32(rt, x), pt = putI32(rt, t), pl = allocF32(rt, rows), plse = allocF32(rt, rows), pd = allocF32(rt, rows * cols);
  const pc = allocF32(rt, 1), pg = putF32(rt, dLoss);
  rt.exports.crossEntropyForwardF32(px, pt, pl, plse, pc, rows, cols, IGNORE, eps);
  expect(readF32(rt, pc, 1)[0], what).toBe(t.filter((v) => v !== IGNORE).length);
  expectClose(readF32(rt, pl, rows), wantL, 1e-5, 1e-5, `${what} loss`);
  rt.exports.crossEntropyBackwardF32(px, pt, plse, pg, pd, rows, cols, IGNORE, eps);
  expectClose(readF32(rt, pd, rows * cols), wantD, 1e-5, 1e-6, `${what} dlogits`);
  release(rt, px, pt, pl, plse, pd, pc, pg);
}

function targets(rows: number, cols: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: rows }, (_, i) => (i % 4 === 2 ? IGNORE : Math.floor((r() + 1) / 2 * cols)));
}

const SHAPES: [number, number][] = [
  [0, 5], [1, 1], [4, 1], ...[2, 3, 4, 5, 6, 7, 8, 9, 17].map((c): [number, number] => [5, c]), [7, 13], [65, 129], [9, 1000],
];

describe.each(BUILDS)("cross-entropy kernels on the %s build", (build) => {
  const runtimeP = loadRuntime({ build });

  it.each(SHAPES)("rows=%i cols=%i with ignored rows, smoothing 0, 0.1 and 1", async (rows, cols) => {
    const rt = await runtimeP;
    const seed = rows * 13 + cols;
    const x = randomF32(rows * cols, seed, 8);
    const t = targets(rows, cols, seed + 1);
    for (const eps of [0, 0.1, 1]) check(rt, x, t, rows, cols, eps, 0.5, `${build} ${rows}x${cols} ε=${eps} seed ${seed}`);
  });

  it("huge and tiny logits stay finite; a certain prediction gives loss 0", async () => {
    const rt = await runtimeP;
    const x = Float32Array.from([1e4, -1e4, 0, 5, 88, 89, 90, -90, 1e-30, -1e-30, 0, 1e-38, 1e4, 0, 0, 0]);
    check(rt, x, [0, 1, 2, 3], 4, 4, 0, 1, `${build} extremes`);
    check(rt, x, [1, 2, 3, 0], 4, 4, 0.2, 1, `${build} extremes smoothed`);
    const px = putF32(rt, x), pt = putI32(rt, [0]), pl = allocF32(rt, 1), plse = allocF32(rt, 1), pc = allocF32(rt, 1);
    rt.exports.crossEntropyForwardF32(px, pt, pl, plse, pc, 1, 4, IGNORE, 0);
    expect(readF32(rt, pl, 1)[0]).toBe(0);
    expect(readF32(rt, plse, 1)[0]).toBe(1e4);
    release(rt, px, pt, pl, plse, pc);
  });

  it("every row ignored: count 0, zero losses and zero gradient; a positive ignore index works too", async () => {
    const rt = await runtimeP;
    const rows = 6, cols = 7;
    const x = randomF32(rows * cols, 5, 3);
    check(rt, x, new Array(rows).fill(IGNORE), rows, cols, 0.1, 1, `${build} all ignored`);
    const px = putF32(rt, x), pt = putI32(rt, [3, 1, 3, 0, 3, 6]), pl = allocF32(rt, rows), plse = allocF32(rt, rows);
    const pc = allocF32(rt, 1);
    rt.exports.crossEntropyForwardF32(px, pt, pl, plse, pc, rows, cols, 3, 0);
    expect(readF32(rt, pc, 1)[0]).toBe(3);
    const l = readF32(rt, pl, rows);
    expect([l[0], l[2], l[4]]).toEqual([0, 0, 0]);
    expect(l[1]).toBeGreaterThan(0);
    release(rt, px, pt, pl, plse, pc);
  });
});
