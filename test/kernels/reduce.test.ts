// Reduction kernels (assembly/reduce.ts) on every build against float64 references in plain TS:
// sum/mean/max/min over [outer, len, inner], argmax/argmin (first index, NaN wins like torch), and
// the gradient helper scatterAxisF32.
import { describe, expect, it } from "vitest";
import { BUILDS, loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { Reduce } from "../../src/runtime/abi.js";
import { allocF32, putF32, putI32, randomF32, readF32, readI32, release, sameValue } from "./util.js";

const OPS = ["sum", "mean", "max", "min"] as const;

function reference(op: (typeof OPS)[number], x: Float32Array, outer: number, len: number, inner: number) {
  const want = new Float64Array(outer * inner), mag = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = op === "max" ? -Infinity : op === "min" ? Infinity : 0, m = 0;
      for (let l = 0; l < len; l++) {
        const v = x[(o * len + l) * inner + i];
        m += Math.abs(v);
        if (op === "sum" || op === "mean") acc += v;
        else if (Number.isNaN(v) || Number.isNaN(acc)) acc = NaN;
        else acc = op === "max" ? Math.max(acc, v) : Math.min(acc, v);
      }
      want[o * inner + i] = op === "mean" ? acc / len : acc;
      mag[o * inner + i] = op === "mean" ? m / len : m;
    }
  }
  return { want, mag };
}

/**
 * Sum/mean: |got − ref| ≤ 2^-24·(len + 4)·Σ|x| (+ the same relative to the mean) — the worst case of
 * f32 summation in any order; max/min are exact (they select an input).
 */
function checkReduce(rt: Runtime, outer: number, len: number, inner: number, seed: number, nans = false): void {
  const x = randomF32(outer * len * inner, seed, 4);
  if (nans) for (let k = 3; k < x.length; k += 17) x[k] = NaN;
  for (const op of OPS) {
    if (len === 0 && (op === "max" || op === "min")) continue;
    const px = putF32(rt, x), po = allocF32(rt, outer * inner, 12345);
    rt.exports.reduceAxisF32(Reduce[op], px, po, outer, len, inner);
    const got = readF32(rt, po, outer * inner);
    release(rt, px, po);
    const { want, mag } = reference(op, x, outer, len, inner);
    for (let k = 0; k < want.length; k++) {
      const tol = op === "sum" || op === "mean" ? 2 ** -24 * (len + 4) * mag[k] : 0;
      const ok = Number.isNaN(want[k]) ? Number.isNaN(got[k]) : Math.abs(got[k] - want[k]) <= tol;
      if (!ok) throw new Error(`${rt.build} ${op} [${outer},${len},${inner}] seed ${seed} at ${k}: ${got[k]}, expected ${want[k]} ± ${tol}`);
    }
  }
}

function checkArg(rt: Runtime, x: Float32Array, outer: number, len: number, inner: number): void {
  for (const isMax of [true, false]) {
    const px = putF32(rt, x), po = putI32(rt, new Array(outer * inner).fill(-7));
    (isMax ? rt.exports.argmaxAxisF32 : rt.exports.argminAxisF32)(px, po, outer, len, inner);
    const got = readI32(rt, po, outer * inner);
    release(rt, px, po);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let best = 0;
        for (let l = 0; l < len; l++) {
          const v = x[(o * len + l) * inner + i], b = x[(o * len + best) * inner + i];
          if (Number.isNaN(b)) break;
          if (Number.isNaN(v) || (isMax ? v > b : v < b)) best = l;
        }
        if (got[o * inner + i] !== best) {
          throw new Error(`${rt.build} ${isMax ? "argmax" : "argmin"} [${outer},${len},${inner}] at (${o}, ${i}): ${got[o * inner + i]}, expected ${best}`);
        }
      }
    }
  }
}

describe.each(BUILDS)("reduction kernels on the %s build", (build) => {
  const runtimeP = loadRuntime({ build });

  it("sum/mean/max/min: rows (inner = 1) of lengths 1..9, 15..17, 33, 1000", async () => {
    const rt = await runtimeP;
    for (const len of [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 33, 1000]) checkReduce(rt, 3, len, 1, len);
  });

  it("columns and middle axes: inner 1..9, 7x13, 65x129, [5, 7, 13]", async () => {
    const rt = await runtimeP;
    for (let inner = 2; inner <= 9; inner++) for (const len of [1, 3, 4, 5, 9]) checkReduce(rt, 2, len, inner, inner * 10 + len);
    checkReduce(rt, 1, 7, 13, 1); // axis 0 of 7x13
    checkReduce(rt, 7, 13, 1, 2); // axis 1 of 7x13
    checkReduce(rt, 1, 65, 129, 3);
    checkReduce(rt, 65, 129, 1, 4);
    checkReduce(rt, 5, 7, 13, 5);
    checkReduce(rt, 1, 1, 1, 6); // one element
  });

  it("len 0: sum gives 0, mean NaN; outer or inner 0 writes nothing", async () => {
    const rt = await runtimeP;
    checkReduce(rt, 3, 0, 1, 1);
    checkReduce(rt, 2, 0, 5, 1);
    const po = allocF32(rt, 4, 9);
    rt.exports.reduceAxisF32(Reduce.sum, po, po, 0, 5, 4);
    rt.exports.reduceAxisF32(Reduce.max, po, po, 3, 5, 0);
    expect([...readF32(rt, po, 4)]).toEqual([9, 9, 9, 9]);
    release(rt, po);
  });

  it("max/min propagate NaN (rows and columns)", async () => {
    const rt = await runtimeP;
    checkReduce(rt, 4, 40, 1, 7, true);
    checkReduce(rt, 3, 9, 11, 8, true);
    const px = putF32(rt, [1, NaN, 3, 2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]), po = allocF32(rt, 1);
    rt.exports.reduceAxisF32(Reduce.max, px, po, 1, 17, 1);
    expect(readF32(rt, po, 1)[0]).toBeNaN();
    release(rt, px, po);
  });

  it("argmax/argmin: first index of ties, NaN counts as the extreme and the first NaN wins", async () => {
    const rt = await runtimeP;
    for (const [outer, len, inner] of [[1, 1, 1], [3, 7, 1], [2, 5, 4], [2, 9, 7], [7, 13, 1], [1, 13, 7], [3, 65, 129]]) {
      checkArg(rt, randomF32(outer * len * inner, outer + len + inner), outer, len, inner);
      // Few distinct values: many ties.
      checkArg(rt, randomF32(outer * len * inner, len).map((v) => Math.round(v * 2)), outer, len, inner);
      const withNaN = randomF32(outer * len * inner, inner).map((v, k) => (k % 5 === 3 ? NaN : v));
      checkArg(rt, withNaN, outer, len, inner);
    }
    checkArg(rt, Float32Array.of(1, NaN, 5, NaN, 2, 1, 9, 9, -Infinity, Infinity, Infinity, 0), 1, 12, 1);
    checkArg(rt, Float32Array.of(1, 2, 3, 4, NaN, 2, 9, 4, 1, NaN, 9, 4), 1, 3, 4);
  });

  it("scatterAxisF32 zeroes dx and puts dy at the indices", async () => {
    const rt = await runtimeP;
    for (const [outer, len, inner] of [[1, 1, 1], [3, 5, 1], [2, 4, 6], [2, 3, 9], [0, 3, 2], [2, 0, 0]]) {
      const r = randomF32(outer * inner, 3);
      const idx = Array.from(r, (v) => Math.min(len - 1, Math.floor((v + 1) / 2 * len)));
      const dy = randomF32(outer * inner, 4);
      const total = outer * len * inner;
      const pi = putI32(rt, idx), pdy = putF32(rt, dy), pdx = allocF32(rt, total);
      rt.exports.scatterAxisF32(pi, pdy, pdx, outer, len, inner);
      const got = readF32(rt, pdx, total);
      const want = new Float32Array(total);
      for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) want[(o * len + idx[o * inner + i]) * inner + i] = dy[o * inner + i];
      expect([...got]).toEqual([...want]);
      release(rt, pi, pdy, pdx);
    }
  });
});
