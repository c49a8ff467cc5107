// embedding (torch.nn.functional.embedding: rows of weight [numEmbeddings, dim] picked by int32
// ids of any shape) through the public API on every device: exact values for ids of shape [], [n],
// [2, 3], [0] and row widths around the SIMD widths; the gradient scatter-adds dy rows into the
// picked rows (repeated ids add up) against float64 and by gradcheck; bad ids and weights.
import { F, ones, tensor, zeros } from "../../src/index.js";
import { forEachDevice, onDevice, otherDevice } from "./devices.js";
import { expectClose, expectCode, expectGradcheck, expectRangeError, expectTensor, intT, itTidy, randT, sizeOf, uniform } from "./compare.js";

const EXACT = { rtol: 0, atol: 0 };

forEachDevice("embedding", (ctx) => {
  itTidy(ctx, "rows picked by ids of shape [], [7], [2, 3], [0]; dim 1..9, 17, 64; repeats; ids.embedding(weight) = F.embedding(weight, ids)", async () => {
    const num = 11;
    for (const dim of [1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 64]) {
      const wv = uniform(num * dim, dim);
      const weight = tensor(wv, [num, dim]);
      for (const shape of [[], [7], [2, 3], [0]]) {
        const ids = Array.from(uniform(sizeOf(shape), dim * 7 + shape.length, 0, num), Math.floor);
        if (ids.length > 2) ids[1] = ids[0]; // a repeated id
        const want = ids.flatMap((id) => Array.from(wv.subarray(id * dim, (id + 1) * dim)));
        await expectTensor(F.embedding(weight, intT(ids, shape)), [...shape, dim], want, EXACT, `embedding dim ${dim}, ids [${shape}]`);
        await expectTensor(intT(ids, shape).embedding(weight), [...shape, dim], want, EXACT, `ids.embedding dim ${dim}, ids [${shape}]`);
      }
    }
    await expectTensor(F.embedding(tensor([1, 2, 3, 4, 5, 6], [3, 2]), intT([0, 2, 0])), [3, 2], [1, 2, 5, 6, 1, 2], EXACT, "first and last rows");
  });

  itTidy(ctx, "gradient: dy rows scatter-added into the picked rows (repeats add up, unpicked rows 0) vs float64", async () => {
    const num = 6, dim = 9;
    const ids = [3, 0, 3, 5, 3, 0];
    const w = tensor(uniform(num * dim, 1), [num, dim], { requiresGrad: true });
    const g = uniform(ids.length * dim, 2);
    F.embedding(w, intT(ids, [2, 3])).backward(tensor(g, [2, 3, dim]));
    const want = new Array<number>(num * dim).fill(0);
    ids.forEach((id, i) => { for (let j = 0; j < dim; j++) want[id * dim + j] += g[i * dim + j]; });
    // up to three float32 additions of |g| < 1 per element
    expectClose(await w.grad!.read(), want, { rtol: 0, atol: 4e-7 }, "d embedding");
  });

  itTidy(ctx, "gradcheck: repeated ids of shape [2, 2]", async () => {
    await expectGradcheck((w) => intT([0, 2, 2, 1], [2, 2]).embedding(w), [randT([3, 4], 1, -1, 1, true)], "embedding");
  });

  itTidy(ctx, "bad inputs: ids out of range → E_RANGE with the position and value; float ids → E_DTYPE; 1-d weight → E_SHAPE; E_DEVICE", async () => {
    const w = ones([3, 2]);
    await expectRangeError(() => F.embedding(w, intT([0, 3])), /indices\[1\]: expected an index in \[0, 2\], received 3/);
    await expectRangeError(() => F.embedding(w, intT([-1])), /indices\[0\]: expected an index in \[0, 2\], received -1/);
    expectCode("E_DTYPE", () => F.embedding(w, tensor([0, 1])), /expected an int32 tensor/);
    expectCode("E_SHAPE", () => F.embedding(ones([3]), intT([0])), /embedding: weight: expected \[numEmbeddings, dim\]/);
    expectCode("E_SHAPE", () => F.embedding(ones([3, 2, 2]), intT([0])));
    expectCode("E_TYPE", () => F.embedding([[1]] as never, intT([0])), /embedding: weight: expected a Tensor/);
    expectCode("E_DTYPE", () => F.embedding(zeros([3, 2], { dtype: "int32" }), intT([0])), /expected a float32 tensor/);
    expectCode("E_DEVICE", () => F.embedding(w, onDevice(otherDevice(ctx.backend), () => intT([0]))), /expected a tensor on the same device/);
  });

  itTidy(ctx, "an id into an empty table (numEmbeddings 0) is out of range → E_RANGE (torch: IndexError)", async () => {
    expectCode("E_RANGE", () => F.embedding(zeros([0, 2]), intT([0])), ctx.backend.syncRead ? /indices\[0\]: expected an index in \[0, -1\], received 0/ : /indices\[0\]: expected an index in \[0, -1\], received an index/);
  });
});
