// Gradient clipping against torch.nn.utils.clip_grad_norm_ / clip_grad_value_ of PyTorch 1.13
// (fixture made by test/fixtures/make_optim_fixtures.py): the returned total norm for norm types 2,
// 1, inf and 3 within 1e-6 relative (torch sums in float32, tessera in float64), the clipped
// gradients within 1e-6 relative, and the non-finite cases.
import { describe, expect, it } from "vitest";
import { tensor, zeros, optim, type Tensor } from "../../src/index.js";
import { errors, fixture, setGrad } from "./helpers.js";

const shapes: number[][] = fixture.mlp.shapes;

function withGrads(grads: number[][]): Tensor[] {
  return grads.map((g, i) => {
    const p = zeros(shapes[i], { requiresGrad: true });
    setGrad(p, g);
    return p;
  });
}

function expectClipped(params: Tensor[], want: number[][], what: string): void {
  params.forEach((p, i) => {
    const e = errors(p.grad!.data(), want[i]);
    expect(e.rel, `${what} grad ${i}`).toBeLessThanOrEqual(1e-6);
    expect(e.abs, `${what} grad ${i}`).toBeLessThanOrEqual(1e-7);
  });
}

describe("clipGradNorm_", () => {
  for (const c of fixture.clip.cases) {
    it(`normType ${c.normType}, maxNorm ${c.maxNorm}: total norm and clipped gradients match torch`, () => {
      const params = withGrads(fixture.clip.grads);
      const total = optim.clipGradNorm_(params, c.maxNorm, c.normType);
      expect(Math.abs(total - c.total)).toBeLessThanOrEqual(1e-6 * c.total);
      expectClipped(params, c.clipped, `normType ${c.normType}`);
      for (const p of params) p.dispose();
    });
  }

  it("takes one tensor, skips parameters without .grad, counts a repeated parameter once, and is 0 without gradients", () => {
    const a = zeros([2], { requiresGrad: true });
    const b = zeros([1], { requiresGrad: true });
    setGrad(a, [3, 4]);
    setGrad(b, [12]);
    expect(optim.clipGradNorm_(a, Infinity)).toBeCloseTo(5, 12);
    const c = zeros([2], { requiresGrad: true });
    expect(optim.clipGradNorm_([a, b, c, a], Infinity)).toBeCloseTo(13, 12);
    expect(optim.clipGradNorm_([c], 1)).toBe(0);
    expect(optim.clipGradNorm_([], 1)).toBe(0);
    expect(optim.clipGradNorm_([a, b], 6.5, "inf")).toBe(12);
    expect(Array.from(b.grad!.data())).toEqual([Math.fround(12 * Math.fround(6.5 / (12 + 1e-6)))]);
    for (const t of [a, b, c]) t.dispose();
  });

  it("the sum of squares over lengths 0..33 (SIMD tails) and 1M elements matches float64", () => {
    for (const n of [...Array.from({ length: 34 }, (_, i) => i), 1 << 20]) {
      const v = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
      const p = zeros([n], { requiresGrad: true });
      p.grad = tensor(v);
      let s = 0, s1 = 0, m = 0;
      for (const x of v) { s += Math.fround(x * x); s1 += Math.abs(x); m = Math.max(m, Math.abs(x)); }
      expect(optim.clipGradNorm_(p, Infinity)).toBeCloseTo(Math.sqrt(s), 9);
      expect(optim.clipGradNorm_(p, Infinity, 1)).toBeCloseTo(s1, 6);
      expect(optim.clipGradNorm_(p, Infinity, "inf")).toBe(m);
      p.dispose();
    }
  });

  it("a NaN or infinite gradient: NaN/inf norm, gradients scaled by it as in torch, or E_VALUE with errorIfNonfinite", () => {
    const p = zeros([3], { requiresGrad: true });
    p.grad = tensor([1, NaN, 2]);
    expect(() => optim.clipGradNorm_(p, 1, 2, { errorIfNonfinite: true })).toThrow(expect.objectContaining({ code: "E_VALUE", message: expect.stringMatching(/non-finite/) }));
    expect(Array.from(p.grad.data())).toEqual([1, NaN, 2]); // untouched by the failed call
    expect(optim.clipGradNorm_(p, 1, "inf")).toBeNaN();
    expect(Array.from(p.grad.data()).every(Number.isNaN)).toBe(true);
    p.grad.dispose();
    p.grad = tensor([1, Infinity, -2]);
    expect(optim.clipGradNorm_(p, 1)).toBe(Infinity);
    expect(Array.from(p.grad.data())).toEqual([0, NaN, -0]); // × 0, as torch's inf·0
    p.dispose();
  });
});

describe("clipGradValue_", () => {
  it("clamps to [−clipValue, clipValue] like torch (NaN stays NaN)", () => {
    const params = withGrads(fixture.clip.grads);
    optim.clipGradValue_(params, fixture.clip.value.clipValue);
    expectClipped(params, fixture.clip.value.clipped, "clipGradValue_");
    const p = zeros([4], { requiresGrad: true });
    p.grad = tensor([NaN, -3, 0.5, Infinity]);
    optim.clipGradValue_(p, 1);
    expect(Array.from(p.grad.data())).toEqual([NaN, -1, 0.5, 1]);
    for (const t of [...params, p]) t.dispose();
  });
});
