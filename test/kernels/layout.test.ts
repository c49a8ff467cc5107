// Layout kernels (assembly/layout.ts) on every build against plain-TS index arithmetic: strided
// gather into contiguous memory (broadcast, permute, slice, offset), scatter and accumulate back,
// and the blocked transpose. Copies must be bit-exact (NaN payloads and int32 bits survive).
import { describe, expect, it } from "vitest";
import { BUILDS, loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { allocF32, putF32, putI32, randomF32, readF32, readI32, release } from "./util.js";

/** Element offsets of the strided view, in row-major order of `shape`. */
function viewOffsets(shape: number[], strides: number[], offset: number): number[] {
  const total = shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(shape.length).fill(0), out: number[] = [];
  for (let k = 0; k < total; k++) {
    let at = offset;
    for (let d = 0; d < shape.length; d++) at += idx[d] * strides[d];
    out.push(at);
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
  return out;
}

/** Random int32 bits (including NaN patterns when viewed as f32) for a source of `n` elements. */
function bits(n: number, seed: number): Int32Array {
  const r = randomF32(n, seed);
  return Int32Array.from(r, (v, i) => (i % 7 === 3 ? 0x7fc01234 + i : Math.floor(v * 2 ** 31)));
}

function checkCopy(rt: Runtime, srcLen: number, shape: number[], strides: number[], offset: number): void {
  const x = bits(srcLen, srcLen + shape.length);
  const total = shape.reduce((a, b) => a * b, 1);
  const px = putI32(rt, x), po = putI32(rt, new Array(total + 1).fill(-1));
  const psh = putI32(rt, shape), pst = putI32(rt, strides);
  rt.exports.stridedCopy32(px, po, shape.length, psh, pst, offset);
  const got = readI32(rt, po, total + 1);
  release(rt, px, po, psh, pst);
  const want = viewOffsets(shape, strides, offset).map((k) => x[k]);
  expect([...got.subarray(0, total)], `${rt.build} copy ${JSON.stringify({ shape, strides, offset })}`).toEqual(want);
  expect(got[total]).toBe(-1); // nothing written past the end
}

function checkScatter(rt: Runtime, dstLen: number, shape: number[], strides: number[], offset: number, accumulate: boolean): void {
  const total = shape.reduce((a, b) => a * b, 1);
  const offs = viewOffsets(shape, strides, offset);
  if (accumulate) {
    const src = randomF32(total, 5), dst = randomF32(dstLen, 6);
    const ps = putF32(rt, src), pd = putF32(rt, dst), psh = putI32(rt, shape), pst = putI32(rt, strides);
    rt.exports.stridedScatterF32(ps, pd, shape.length, psh, pst, offset, 1);
    const got = readF32(rt, pd, dstLen);
    release(rt, ps, pd, psh, pst);
    const want = Float64Array.from(dst);
    offs.forEach((k, i) => { want[k] = Math.fround(want[k] + src[i]); });
    expect([...got], `${rt.build} accumulate ${JSON.stringify({ shape, strides, offset })}`).toEqual([...want]);
  } else {
    const src = bits(total, 7), dst = bits(dstLen, 8);
    const ps = putI32(rt, src), pd = putI32(rt, dst), psh = putI32(rt, shape), pst = putI32(rt, strides);
    rt.exports.stridedScatterF32(ps, pd, shape.length, psh, pst, offset, 0);
    const got = readI32(rt, pd, dstLen);
    release(rt, ps, pd, psh, pst);
    const want = Int32Array.from(dst);
    offs.forEach((k, i) => { want[k] = src[i]; });
    expect([...got], `${rt.build} scatter ${JSON.stringify({ shape, strides, offset })}`).toEqual([...want]);
  }
}

// Views over a [4, 6, 5] source (120 elements): contiguous, permuted, sliced, broadcast, offset.
const VIEWS: [number, number[], number[], number][] = [
  [120, [4, 6, 5], [30, 5, 1], 0], // contiguous: one memory.copy
  [120, [5, 6, 4], [1, 5, 30], 0], // full permutation
  [120, [4, 5, 6], [30, 1, 5], 0], // last two swapped
  [120, [4, 3, 5], [30, 5, 1], 10], // narrow the middle axis, offset
  [120, [2, 6, 2], [60, 5, 2], 1], // step slices
  [120, [4, 6, 5, 3], [30, 5, 1, 0], 0], // broadcast innermost (splat)
  [120, [3, 4, 6, 5], [0, 30, 5, 1], 0], // broadcast outermost
  [5, [7, 5], [0, 1], 0], // row broadcast
  [7, [7, 9], [1, 0], 0], // column broadcast
  [1, [2, 3, 9], [0, 0, 0], 0], // scalar broadcast
  [120, [1, 1, 7], [0, 0, 1], 3], // size-1 dims
  [13 * 7, [13, 7], [1, 13], 0], // 7x13 transposed view
  [65 * 129, [129, 65], [1, 129], 0], // 65x129 transposed view
];

describe.each(BUILDS)("layout kernels on the %s build", (build) => {
  const runtimeP = loadRuntime({ build });

  it("stridedCopy32: contiguous, permuted, sliced, broadcast (stride 0), offset; bit-exact", async () => {
    const rt = await runtimeP;
    for (const [n, shape, strides, offset] of VIEWS) checkCopy(rt, n, shape, strides, offset);
    for (let len = 1; len <= 9; len++) {
      checkCopy(rt, 3 * len, [3, len], [len, 1], 0);
      checkCopy(rt, 3, [3, len], [1, 0], 0);
      checkCopy(rt, 3 * len, [len, 3], [1, len], 0);
    }
  });

  it("stridedCopy32: ndim 0 copies one element; zero-sized dims copy nothing", async () => {
    const rt = await runtimeP;
    checkCopy(rt, 5, [], [], 3);
    checkCopy(rt, 5, [0, 3], [3, 1], 0);
    checkCopy(rt, 5, [3, 0], [1, 1], 0);
  });

  it("stridedScatterF32: exact copy into the view (int32 bits) and f32 accumulate", async () => {
    const rt = await runtimeP;
    for (const [n, shape, strides, offset] of VIEWS) {
      if (strides.includes(0)) continue; // a copy through a broadcast view is not a function
      checkScatter(rt, n, shape, strides, offset, false);
      checkScatter(rt, n, shape, strides, offset, true);
    }
    // Accumulating through broadcast strides sums every contribution (the gradient of expand).
    checkScatter(rt, 5, [7, 5], [0, 1], 0, true);
    checkScatter(rt, 7, [7, 9], [1, 0], 0, true);
    checkScatter(rt, 1, [2, 3], [0, 0], 0, true);
    checkScatter(rt, 5, [], [], 2, false);
    checkScatter(rt, 5, [], [], 2, true);
    checkScatter(rt, 5, [0, 2], [2, 1], 0, true);
    for (let len = 1; len <= 9; len++) {
      checkScatter(rt, 4 * len, [2, len], [2 * len, 1], len, true);
      checkScatter(rt, 4 * len, [2, len], [2 * len, 1], len, false);
    }
  });

  it("transpose2dF32: 1x1, 1..9 square and ragged, 7x13, 65x129, across block edges; bit-exact", async () => {
    const rt = await runtimeP;
    const shapes: [number, number][] = [[1, 1], [1, 9], [9, 1], [7, 13], [13, 7], [65, 129], [129, 65], [32, 32], [33, 31], [100, 67], [0, 5], [5, 0]];
    for (let s = 1; s <= 9; s++) shapes.push([s, s], [s, 10 - s]);
    for (const [rows, cols] of shapes) {
      const x = bits(rows * cols, rows * 100 + cols);
      const px = putI32(rt, x), po = allocF32(rt, rows * cols);
      rt.exports.transpose2dF32(px, po, rows, cols);
      const got = readI32(rt, po, rows * cols);
      release(rt, px, po);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          if (got[c * rows + r] !== x[r * cols + c]) throw new Error(`${rt.build} transpose ${rows}x${cols} at (${r}, ${c})`);
        }
      }
    }
  });
});
