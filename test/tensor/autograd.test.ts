// The tape: the backprop example of the notes (seeds/003), accumulation across backward calls,
// zeroGrad, noGrad, shared inputs, freed graphs and the errors around them.
import { describe, expect, it } from "vitest";
import { tensor, noGrad, ones, zeros, isGradEnabled, TesseraError, F } from "../../src/index.js";
import { recordMany } from "../../src/tensor/autograd.js";

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

  // Issue 8, defect 3: add() handed both inputs views of one gradient storage, so accumulating into
  // one changed the other (expected values from torch 1.13).
  it("gradients that share storage are copied before they are accumulated into", () => {
    const W = tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
    const D = tensor([[0.5, 0.5], [0.5, 0.5]], undefined, { requiresGrad: true });
    const x = tensor([[1, 1], [1, 1]]);
    W.square().sum().mul(0.1).add(x.matmul(W.add(D)).sum()).backward();
    expect(Array.from(D.grad!.data())).toEqual([2, 2, 2, 2]);
    W.grad!.data().forEach((v, i) => expect(v).toBeCloseTo(2 + 0.2 * [1, 2, 3, 4][i], 5));
    const a = tensor([1, 2], undefined, { requiresGrad: true });
    const b = tensor([3, 4], undefined, { requiresGrad: true });
    a.add(b).sum().backward();
    a.mul(2).sum().backward();
    expect(Array.from(b.grad!.data())).toEqual([1, 1]);
    expect(Array.from(a.grad!.data())).toEqual([3, 3]);
  });

  // Issue 8, defect 7: PyTorch refuses a backward that would read values changed in place.
  it("refuses backward after an in-place change to a tensor the graph saved", () => {
    const x = tensor([1, 2, 3]);
    const w = tensor([1, 1, 1], undefined, { requiresGrad: true });
    const loss = x.mul(w).sum();
    expect(x.version).toBe(0);
    x.copy_(tensor([9, 9, 9]));
    expect(x.version).toBe(1);
    expect(() => loss.backward()).toThrow(expect.objectContaining({ code: "E_GRAD", message: expect.stringMatching(/modified by an inplace operation.*version 1; expected version 0/) }));
    expect(w.grad).toBeNull();
    // A change the backward does not read is fine (add's gradient needs no values), like torch.
    const y = tensor([1, 2, 3]);
    const s = y.add(w).sum();
    y.copy_(tensor([0, 0, 0]));
    s.backward();
    expect(Array.from(w.grad!.data())).toEqual([1, 1, 1]);
    // Views share the counter: changing a reshape of x is a change of x.
    const z = tensor([1, 2, 3, 4]);
    const loss2 = z.mul(w.reshape(3).sum()).sum();
    z.reshape(2, 2).copy_(tensor([[0, 0], [0, 0]]));
    expect(() => loss2.backward()).toThrow(/modified by an inplace operation/);
  });

  it("a node with two outputs gets both gradients (recordMany), null where none flowed", () => {
    const x = tensor([1, 2, 3], undefined, { requiresGrad: true });
    // y1 = 2x, y2 = x², as one two-output op
    const y1 = noGrad(() => x.mul(2)), y2 = noGrad(() => x.square());
    const seen: (number[] | null)[][] = [];
    recordMany("twoOutputs", [y1, y2], [x], ([g1, g2]) => {
      seen.push([g1 ? Array.from(g1.data()) : null, g2 ? Array.from(g2.data()) : null]);
      const dx = zeros([3]);
      const parts = [g1 ? g1.mul(2) : null, g2 ? g2.mul(x.mul(2)) : null].filter((t) => t !== null);
      return [parts.reduce((acc, t) => acc.add(t), dx)];
    }, [x]);
    expect(y1.gradFn).toBe(y2.gradFn);
    expect([y1.outputIndex, y2.outputIndex]).toEqual([0, 1]);
    y1.sum().add(y2.mul(10).sum()).backward();
    expect(seen).toEqual([[[1, 1, 1], [10, 10, 10]]]);
    expect(Array.from(x.grad!.data())).toEqual([22, 42, 62]);
    x.zeroGrad();
    const z1 = noGrad(() => x.mul(2)), z2 = noGrad(() => x.square());
    recordMany("twoOutputs", [z1, z2], [x], ([g1, g2]) => {
      seen.push([g1 ? Array.from(g1.data()) : null, g2 ? Array.from(g2.data()) : null]);
      return [g1!.mul(2)];
    });
    z1.sum().backward();
    expect(seen[1]).toEqual([[1, 1, 1], null]);
    expect(Array.from(x.grad!.data())).toEqual([2, 2, 2]);
  });

  it("noGrad refuses an async function (recording would resume at its first await)", async () => {
    const fn = async () => 1;
    expect(() => noGrad(fn as never)).toThrow(expect.objectContaining({ code: "E_TYPE" }));
    expect(isGradEnabled()).toBe(true);
  });
});
