// Dropout kernel (assembly/dropout.ts) on every build: inverted dropout as torch.nn.functional.dropout
// in training mode (kept values scaled by 1/(1−p)), with a counter-based generator, so the mask is a
// pure function of (seed, index). Statistics use a 4-sigma binomial bound (a false alarm about once
// in 16,000 runs; the seeds are fixed, so a run either passes or fails every time).
import { describe, expect, it } from "vitest";
import { BUILDS, loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { allocF32, putF32, randomF32, readF32, release } from "./util.js";

function dropout(rt: Runtime, x: ArrayLike<number>, p: number, seedLo: number, seedHi: number): { y: Float32Array; mask: Float32Array } {
  const n = x.length;
  const px = putF32(rt, x), py = allocF32(rt, n), pm = allocF32(rt, n);
  rt.exports.dropoutForwardF32(px, py, pm, n, p, seedLo, seedHi);
  const out = { y: readF32(rt, py, n), mask: readF32(rt, pm, n) };
  release(rt, px, py, pm);
  return out;
}

describe.each(BUILDS)("dropout kernel on the %s build", (build) => {
  const runtimeP = loadRuntime({ build });

  it.each([0.1, 0.3, 0.5, 0.9])("p = %f: fraction kept ≈ 1−p, mask ∈ {0, 1/(1−p)}, y = x·mask", async (p) => {
    const rt = await runtimeP;
    const n = 40000;
    const x = randomF32(n, 1, 4);
    const { y, mask } = dropout(rt, x, p, 0x12345678, 0x9abcdef0);
    const scale = Math.fround(1 / (1 - Math.fround(p))); // p arrives as f32; 1 − p is exact in f32
    let kept = 0, keptPairs = 0;
    for (let i = 0; i < n; i++) {
      if (mask[i] !== 0) {
        kept++;
        expect(mask[i]).toBe(scale);
        if (i > 0 && mask[i - 1] !== 0) keptPairs++;
      }
      if (y[i] !== Math.fround(x[i] * mask[i])) throw new Error(`${build} p=${p}: y[${i}] = ${y[i]}, expected x·mask`);
    }
    expect(Math.abs(kept / n - (1 - p))).toBeLessThan(4 * Math.sqrt(p * (1 - p) / n));
    // Neighbours are independent: P(both kept) ≈ (1−p)².
    const q = (1 - p) ** 2;
    expect(Math.abs(keptPairs / (n - 1) - q)).toBeLessThan(4 * Math.sqrt(q * (1 - q) / n) + 0.01);
  });

  it("same seed → same mask; another seedLo or seedHi → another mask; depends only on (seed, index)", async () => {
    const rt = await runtimeP;
    const x = new Float32Array(1000).fill(1);
    const a = dropout(rt, x, 0.5, 7, 11).mask;
    expect(dropout(rt, x, 0.5, 7, 11).mask).toEqual(a);
    const lo = dropout(rt, x, 0.5, 8, 11).mask, hi = dropout(rt, x, 0.5, 7, 12).mask;
    const differ = (m: Float32Array) => m.reduce((s, v, i) => s + (v !== a[i] ? 1 : 0), 0);
    expect(differ(lo)).toBeGreaterThan(400); // about half of 1000 for independent masks
    expect(differ(hi)).toBeGreaterThan(400);
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 37]) expect(dropout(rt, x.subarray(0, n), 0.5, 7, 11).mask).toEqual(a.subarray(0, n));
  });

  it("p = 0 keeps everything unscaled, p = 1 drops everything, n = 0 writes nothing", async () => {
    const rt = await runtimeP;
    const x = randomF32(9, 3);
    const keep = dropout(rt, x, 0, 1, 2);
    expect([...keep.mask].every((v) => v === 1)).toBe(true);
    expect(keep.y).toEqual(x);
    const drop = dropout(rt, x, 1, 1, 2);
    expect([...drop.mask].every((v) => v === 0)).toBe(true);
    expect([...drop.y].every((v) => v === 0)).toBe(true);
    const py = allocF32(rt, 4), pm = allocF32(rt, 4);
    rt.exports.dropoutForwardF32(0, py, pm, 0, 0.5, 1, 2);
    expect([...readF32(rt, py, 4), ...readF32(rt, pm, 4)].every(Number.isNaN)).toBe(true);
    release(rt, py, pm);
  });
});
