// Parity with PyTorch 1.13 (fixture made by test/fixtures/make_tensor_fixtures.py): forward values
// and gradients of matmul, softmax, log-softmax, layer norm, cross-entropy and one MLP SGD step.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { tensor, F, type Tensor } from "../../src/index.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/tensor.json", import.meta.url), "utf8"));
const cases = fixture.cases;

/** |a − b| ≤ atol + rtol·|b| elementwise; float32 accumulation order differs from PyTorch's. */
function expectClose(actual: ArrayLike<number>, expected: number[], atol = 1e-5, rtol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) - rtol * Math.abs(expected[i]);
    worst = Math.max(worst, err);
  }
  expect(worst).toBeLessThanOrEqual(atol);
}

const param = (data: number[], shape: number[]): Tensor => tensor(Float32Array.from(data), shape, { requiresGrad: true });

describe("parity with PyTorch", () => {
  for (const name of Object.keys(cases).filter((k) => k.startsWith("matmul_"))) {
    it(name, () => {
      const c = cases[name];
      const a = param(c.a, c.aShape);
      const b = param(c.b, c.bShape);
      const y = a.matmul(b);
      expect(y.shape).toEqual(c.yShape);
      expectClose(y.data(), c.y, 1e-4);
      y.backward(tensor(Float32Array.from(c.g), c.yShape));
      expectClose(a.grad!.data(), c.da, 1e-4);
      expectClose(b.grad!.data(), c.db, 1e-4);
    });
  }

  for (const name of ["softmax", "log_softmax"]) {
    it(`${name} (logits up to ±1e3, and near zero)`, () => {
      const c = cases[name];
      const x = param(c.x, c.shape);
      const y = name === "softmax" ? x.softmax(-1) : x.logSoftmax(-1);
      expectClose(y.data(), c.y, 1e-5, 1e-5);
      y.backward(tensor(Float32Array.from(c.g), c.shape));
      expectClose(x.grad!.data(), c.dx, 1e-5, 1e-4);
    });
  }

  it("layer_norm with weight and bias", () => {
    const c = cases.layer_norm;
    const x = param(c.x, c.shape);
    const w = param(c.w, [c.shape[1]]);
    const b = param(c.b, [c.shape[1]]);
    const y = x.layerNorm(c.shape[1], w, b);
    expectClose(y.data(), c.y, 1e-5);
    y.backward(tensor(Float32Array.from(c.g), c.shape));
    expectClose(x.grad!.data(), c.dx, 1e-4);
    expectClose(w.grad!.data(), c.dw, 1e-4);
    expectClose(b.grad!.data(), c.db, 1e-4);
  });

  for (const name of ["cross_entropy", "cross_entropy_smooth"]) {
    it(`${name} with ignoreIndex -100`, () => {
      const c = cases[name];
      const logits = param(c.logits, c.shape);
      const target = tensor(c.target, undefined, { dtype: "int32" });
      const loss = logits.crossEntropy(target, { labelSmoothing: c.smoothing });
      expect(loss.item()).toBeCloseTo(c.loss, 5);
      loss.backward();
      expectClose(logits.grad!.data(), c.dlogits, 1e-6);
    });
  }

  it("one SGD step of Linear → ReLU → Linear → cross-entropy", () => {
    const c = cases.mlp_step;
    const x = tensor(Float32Array.from(c.x), [5, 4]);
    const y = tensor(c.y, undefined, { dtype: "int32" });
    const shapes = [[8, 4], [8], [3, 8], [3]];
    const [w1, b1, w2, b2] = c.params.map((p: number[], i: number) => param(p, shapes[i]));
    const loss = F.crossEntropy(F.linear(F.linear(x, w1, b1).relu(), w2, b2), y);
    expect(loss.item()).toBeCloseTo(c.loss, 5);
    loss.backward();
    [w1, b1, w2, b2].forEach((p: Tensor, i: number) => {
      expectClose(p.grad!.data(), c.grads[i], 1e-5);
      const updated = p.detach().sub(p.grad!.mul(0.1));
      expectClose(updated.data(), c.updated[i], 1e-5);
    });
  });
});
