// 0-d tensors (issue 8, defects 1 and 2): ops that need a dimension refuse them with E_SHAPE instead
// of building shape [NaN]; reductions and indexing treat their one element as a length-1 axis 0 / −1
// like PyTorch (torch.tensor(5.).sum(0) is 5), and indices past that bound are E_RANGE, never a read
// of neighbouring memory or a trap.
import { describe, expect, it } from "vitest";
import { concat, memory, tensor } from "../../src/index.js";

const idx = (v: number[] | number) => tensor(v, undefined, { dtype: "int32" });

describe("0-d tensors", () => {
  it("slice and concat refuse them with E_SHAPE and allocate nothing", () => {
    const s = tensor(5), one = tensor(1), two = tensor(2);
    const before = memory();
    expect(() => s.slice(0, 0, 1)).toThrow(expect.objectContaining({ code: "E_SHAPE" }));
    expect(() => concat([one, two])).toThrow(expect.objectContaining({ code: "E_SHAPE" }));
    const after = memory();
    expect(after.numBlocks).toBe(before.numBlocks);
    expect(Number.isFinite(after.reservedBytes)).toBe(true);
    // fresh allocations still get distinct memory
    const a = tensor([1, 2]), b = tensor([3, 4]);
    expect(Array.from(a.data())).toEqual([1, 2]);
    expect(Array.from(b.data())).toEqual([3, 4]);
  });

  it("reduce over axis 0 / -1 to their value, like torch", () => {
    const s = tensor(5);
    for (const t of [s.sum(0), s.sum(-1), s.mean(0), s.mean(-1), s.max(0), s.min(-1), s.sum([]), s.sum()]) {
      expect(t.shape).toEqual([]);
      expect(t.item()).toBe(5);
    }
    expect(s.sum(0, true).shape).toEqual([]);
    expect(s.argmax(0).item()).toBe(0);
    expect(() => s.sum(1)).toThrow(expect.objectContaining({ code: "E_RANGE" }));
    // the result is a copy: changing it leaves s alone
    const r = s.sum(0);
    r.copy_(tensor(7));
    expect(s.item()).toBe(5);
  });

  it("gather / takeAlongDim see a bound of 1 and reject anything else", () => {
    const s = tensor(5);
    expect(Array.from(s.gather(idx([0, 0]), 0).data())).toEqual([5, 5]);
    for (const bad of [[16, 17], [1], [1e9], [-1]]) {
      expect(() => s.gather(idx(bad), 0)).toThrow(expect.objectContaining({ code: "E_RANGE" }));
    }
    expect(s.takeAlongDim(idx(0), 0).item()).toBe(5);
    expect(() => s.takeAlongDim(idx(3), 0)).toThrow(expect.objectContaining({ code: "E_RANGE" }));
  });

  it("their gradients flow", () => {
    const s = tensor(3, undefined, { requiresGrad: true });
    s.sum(0).mul(2).add(s.mean(-1)).backward();
    expect(s.grad!.item()).toBe(3);
  });
});
