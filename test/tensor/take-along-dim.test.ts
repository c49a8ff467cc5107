// takeAlongDim = torch.gather(x, dim, index): the example of PyTorch's documentation, a reference
// loop written from the definition on random shapes for every dim, gradients, and bad inputs.
import { describe, expect, it } from "vitest";
import { F, randn, tensor, memory, Generator } from "../../src/index.js";

const ids = (v: number[][] | number[][][] | number[], shape?: number[]) => tensor(v as number[], shape, { dtype: "int32" });

describe("takeAlongDim (torch.gather)", () => {
  it("PyTorch's example: gather(t, 1, [[0, 0], [1, 0]]) of [[1, 2], [3, 4]] is [[1, 1], [4, 3]]", () => {
    const t = tensor([[1, 2], [3, 4]]);
    const out = t.takeAlongDim(ids([[0, 0], [1, 0]]), 1);
    expect(out.shape).toEqual([2, 2]);
    expect(Array.from(out.data())).toEqual([1, 1, 4, 3]);
    expect(Array.from(F.takeAlongDim(t, ids([[1, 0]]), 0).data())).toEqual([3, 2]);
  });

  it("equals the definition on random [3, 4, 5] inputs, every dim, smaller index shapes", () => {
    const gen = new Generator(9);
    const shape = [3, 4, 5];
    const x = randn(shape, { generator: gen });
    const xv = x.data();
    for (let dim = 0; dim < 3; dim++) {
      const ishape = [2, 3, 4];
      ishape[dim] = 6; // longer than x along dim: allowed, indices repeat
      const n = ishape.reduce((a, b) => a * b, 1);
      const iv = Array.from({ length: n }, (_, e) => (e * 7 + dim) % shape[dim]);
      const out = x.takeAlongDim(ids(iv, ishape), dim).data();
      for (let e = 0; e < n; e++) {
        const p = [Math.floor(e / (ishape[1] * ishape[2])), Math.floor(e / ishape[2]) % ishape[1], e % ishape[2]];
        p[dim] = iv[e];
        expect(out[e]).toBe(xv[(p[0] * 4 + p[1]) * 5 + p[2]]);
      }
    }
  });

  it("backward adds dOut into the picked positions (repeats add up), like torch.scatter_add", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], undefined, { requiresGrad: true });
    x.takeAlongDim(ids([[2, 2], [0, 1]]), 1).mul(tensor([[1, 10], [100, 1000]])).sum().backward();
    expect(Array.from(x.grad!.data())).toEqual([0, 0, 11, 100, 1000, 0]);
  });

  it("frees its index buffer when no gradient is needed", () => {
    const x = tensor([[1, 2], [3, 4]]);
    const i = ids([[1], [0]]);
    const before = memory().numBlocks;
    x.takeAlongDim(i, 1).dispose();
    expect(memory().numBlocks).toBe(before);
  });

  it("bad inputs name the argument, the expectation and what was received", () => {
    const x = tensor([[1, 2], [3, 4]]);
    expect(() => x.takeAlongDim(ids([0, 1]), 1)).toThrow(/takeAlongDim: indices: expected rank 2 with sizes at most \[2, any\], received \[2\]/);
    expect(() => x.takeAlongDim(ids([[0], [1], [0]]), 1)).toThrow(/expected rank 2 with sizes at most \[2, any\], received \[3, 1\]/);
    expect(() => x.takeAlongDim(ids([[0, 2]]), 1)).toThrow(/takeAlongDim: indices\[1\]: expected an index in \[0, 1\], received 2/);
    expect(() => x.takeAlongDim(ids([[-1]]), 0)).toThrow(/received -1/);
    expect(() => x.takeAlongDim(tensor([[0]]), 0)).toThrow(/takeAlongDim: indices: expected an int32 tensor, received float32/);
    expect(() => x.takeAlongDim(ids([[0]]), 2)).toThrow(/takeAlongDim: dim: expected an integer axis/);
    expect(() => ids([[1]]).takeAlongDim(ids([[0]]), 0)).toThrow(/takeAlongDim: input: expected a float32 tensor/);
  });
});
