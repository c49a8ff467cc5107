// The tape: the backprop example of the notes (seeds/003), accumulation across backward calls,
// zeroGrad, noGrad, shared inputs, freed graphs and the errors around them.
import { describe, expect, it } from "vitest";
import { tensor, noGrad, ones, TesseraError, F } from "../../src/index.js";

describe("autograd", () => {
  it("reproduces the notes' hand backprop: x=1.5, w=0.8, b=0.2, target 0.8 → loss 0.18", () => {
    const x = tensor(1.5, undefined, { requiresGrad: true });
    const w = tensor(0.8, undefined, { requiresGrad: true });
    const b = tensor(0.2, undefined, { requiresGrad: true });
    const y = w.mul(x).add(b); // 1.4
    const loss = y.sub(0.8).square().mul(0.5); // ½(y − t)²
    expect(y.item()).toBeCloseTo(1.4, 6);
    expect(loss.item()).toBeCloseTo(0.18, 6);
    loss.backward();
    expect(w.grad!.item()).toBeCloseTo(0.9, 6); // (y − t)·x
    expect(b.grad!.item()).toBeCloseTo(0.6, 6); // (y − t)
    expect(x.grad!.item()).toBeCloseTo(0.48, 6); // (y − t)·w
    // one gradient-descent step with lr 0.1 lowers the loss
    const w2 = w.detach().sub(w.grad!.mul(0.1));
    const b2 = b.detach().sub(b.grad!.mul(0.1));
    const loss2 = w2.mul(1.5).add(b2).sub(0.8).square().mul(0.5);
    expect(loss2.item()).toBeLessThan(0.18);
  });

  it("accumulates gradients across backward calls until zeroGrad", () => {
    const w = tensor([1, 2, 3], undefined, { requiresGrad: true });
    w.mul(2).sum().backward();
    w.mul(3).sum().backward();
    expect(Array.from(w.grad!.data())).toEqual([5, 5, 5]);
    w.zeroGrad();
    expect(w.grad).toBeNull();
  });

  it("sums gradients where a tensor is used twice", () => {
    const x = tensor([2, -1], undefined, { requiresGrad: true });
    x.mul(x).add(x).sum().backward(); // d/dx (x² + x) = 2x + 1
    expect(Array.from(x.grad!.data())).toEqual([5, -1]);
  });

  it("records nothing under noGrad", () => {
    const x = tensor([1, 2], undefined, { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(() => y.sum().backward()).toThrow(expect.objectContaining({ code: "E_GRAD" }));
  });

  it("refuses a second backward through a freed graph", () => {
    const x = tensor([1, 2], undefined, { requiresGrad: true });
    const h = x.exp();
    h.sum().backward();
    expect(() => h.sum().backward()).toThrow(/earlier backward/);
  });

  it("needs an explicit gradient for non-scalar outputs, of the right shape", () => {
    const x = tensor([1, 2], undefined, { requiresGrad: true });
    const y = x.mul(3);
    expect(() => y.backward()).toThrow(/gradient: expected it for a non-scalar output/);
    expect(() => y.backward(ones([3]))).toThrow(TesseraError);
    y.backward(tensor([1, 10]));
    expect(Array.from(x.grad!.data())).toEqual([3, 30]);
  });

  it("broadcast gradients sum back to each operand's shape", () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]], undefined, { requiresGrad: true });
    const b = tensor([10, 20, 30], undefined, { requiresGrad: true });
    a.mul(b).sum().backward();
    expect(Array.from(b.grad!.data())).toEqual([5, 7, 9]);
    expect(Array.from(a.grad!.data())).toEqual([10, 20, 30, 10, 20, 30]);
  });

  it("F.mseLoss and BCE-with-logits match their closed forms", () => {
    const p = tensor([0.5, 2, -1], undefined, { requiresGrad: true });
    const t = tensor([1, 1, 0]);
    const mse = F.mseLoss(p, t);
    expect(mse.item()).toBeCloseTo((0.25 + 1 + 1) / 3, 6);
    mse.backward();
    expect(Array.from(p.grad!.data()).map((v) => +v.toFixed(6))).toEqual([-1 / 3, 2 / 3, -2 / 3].map((v) => +v.toFixed(6)));
    const bce = F.binaryCrossEntropyWithLogits(tensor([0, 100, -100]), tensor([1, 1, 0]), "none");
    const d = bce.data();
    expect(d[0]).toBeCloseTo(Math.log(2), 6);
    expect(d[1]).toBeCloseTo(0, 6);
    expect(d[2]).toBeCloseTo(0, 6);
  });
});
