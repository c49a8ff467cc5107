// Index-driven layout ops through the public API on every device: gather (torch.index_select /
// tf.gather: slices along an axis picked by int32 indices of any shape) and takeAlongDim
// (torch.gather: one element per index). References read the input from each op's definition;
// values must match exactly. Gradients scatter-add dy into the picked positions (repeats add up).
import { F, ones, tensor, zeros } from "../../src/index.js";
import { forEachDevice, onDevice, otherDevice, referenceBackend } from "./devices.js";
import { expectClose, expectCode, expectGradcheck, expectRangeError, expectTensor, intT, itTidy, randT, sizeOf, stridesOf, uniform, unravel } from "./compare.js";

const EXACT = { rtol: 0, atol: 0 };

/** x.gather(idx, axis): out[..., i (idx dims), ...] = x[..., idx[i], ...]. */
function gatherRef(xs: ArrayLike<number>, shape: number[], idx: number[], idxShape: number[], axis: number) {
  const out = [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)];
  const st = stridesOf(shape);
  const k = idxShape.length;
  const positions = Array.from({ length: sizeOf(out) }, (_, e) => {
    const o = unravel(e, out);
    const i = idx[o.slice(axis, axis + k).reduce((p, v, d) => p * idxShape[d] + v, 0)];
    const src = [...o.slice(0, axis), i, ...o.slice(axis + k)];
    return src.reduce((p, v, d) => p + v * st[d], 0);
  });
  return { shape: out, positions, values: positions.map((p) => xs[p]) };
}

/** torch.gather(x, dim, idx): out[p] = x[p with p[dim] = idx[p]]. */
function takeRef(xs: ArrayLike<number>, shape: number[], idx: number[], idxShape: number[], dim: number) {
  const st = stridesOf(shape);
  const positions = idx.map((v, e) => unravel(e, idxShape).reduce((p, c, d) => p + (d === dim ? v : c) * st[d], 0));
  return { positions, values: positions.map((p) => xs[p]) };
}

/** The gradient of a pick: dy scatter-added into the picked positions. */
function scatterAdd(n: number, positions: number[], dy: ArrayLike<number>): number[] {
  const g = new Array<number>(n).fill(0);
  positions.forEach((p, e) => (g[p] += dy[e]));
  return g;
}

const pickIdx = (n: number, bound: number, seed: number) => Array.from(uniform(n, seed, 0, bound), Math.floor);

forEachDevice("gather / takeAlongDim", (ctx) => {
  itTidy(ctx, "gather along every axis of [3, 4, 5] with index shapes [], [4], [2, 3], [0]; repeats", async () => {
    const shape = [3, 4, 5];
    const xs = uniform(60, 1);
    const x = tensor(xs, shape);
    for (const axis of [0, 1, 2, -1]) {
      const a = axis < 0 ? axis + 3 : axis;
      for (const idxShape of [[], [4], [2, 3], [0]]) {
        const idx = pickIdx(sizeOf(idxShape), shape[a], 10 + a + idxShape.length);
        const ref = gatherRef(xs, shape, idx, idxShape, a);
        await expectTensor(x.gather(intT(idx, idxShape), axis), ref.shape, ref.values, EXACT, `gather(axis ${axis}, idx [${idxShape}])`);
      }
    }
    const ref = gatherRef(xs, shape, [2, 0, 2, 2], [4], 0);
    await expectTensor(F.gather(x, intT([2, 0, 2, 2])), ref.shape, ref.values, EXACT, "F.gather, repeated rows");
    await expectTensor(tensor(7).gather(intT([0, 0]), 0), [2], [7, 7], EXACT, "gather of a 0-d tensor (one row)");
  });

  itTidy(ctx, "takeAlongDim: PyTorch's example, and the definition for every dim of [3, 4, 5] (index longer or shorter than x)", async () => {
    const t = tensor([[1, 2], [3, 4]]);
    await expectTensor(t.takeAlongDim(intT([0, 0, 1, 0], [2, 2]), 1), [2, 2], [1, 1, 4, 3], EXACT, "torch.gather docs");
    await expectTensor(F.takeAlongDim(t, intT([1, 0], [1, 2]), 0), [1, 2], [3, 2], EXACT, "dim 0");
    const shape = [3, 4, 5];
    const xs = uniform(60, 2);
    for (const dim of [0, 1, 2, -1]) {
      const d = dim < 0 ? dim + 3 : dim;
      for (const along of [1, 6]) {
        const idxShape = [2, 3, 4];
        idxShape[d] = along;
        const idx = pickIdx(sizeOf(idxShape), shape[d], 20 + d * 7 + along);
        await expectTensor(tensor(xs, shape).takeAlongDim(intT(idx, idxShape), dim), idxShape, takeRef(xs, shape, idx, idxShape, d).values, EXACT, `takeAlongDim(dim ${dim}, idx [${idxShape}])`);
      }
    }
    await expectTensor(tensor(xs, shape).takeAlongDim(intT([], [3, 0, 5]), 1), [3, 0, 5], [], EXACT, "empty index");
  });

  itTidy(ctx, "gradients scatter-add into the picked positions (repeats add up) vs float64", async () => {
    const shape = [3, 4, 5];
    const xs = uniform(60, 3);
    for (const axis of [0, 1, 2]) {
      const idx = [1, 0, 1, 3 % shape[axis], 1];
      const ref = gatherRef(xs, shape, idx, [5], axis);
      const x = tensor(xs, shape, { requiresGrad: true });
      const w = uniform(ref.values.length, 30 + axis);
      x.gather(intT(idx), axis).backward(tensor(w, ref.shape));
      // up to 3 float32 additions of |w| < 1 land on one position: error ≤ 2·3·2^-24
      expectClose(await x.grad!.read(), scatterAdd(60, ref.positions, w), { rtol: 0, atol: 4e-7 }, `d gather(axis ${axis})`);
    }
    const idxShape = [3, 6, 5];
    const idx = pickIdx(90, 4, 40);
    const ref = takeRef(xs, shape, idx, idxShape, 1);
    const x = tensor(xs, shape, { requiresGrad: true });
    const w = uniform(90, 41);
    x.takeAlongDim(intT(idx, idxShape), 1).backward(tensor(w, idxShape));
    // up to 6 float32 additions of |w| < 1 per position: error ≤ 5·6·2^-24
    expectClose(await x.grad!.read(), scatterAdd(60, ref.positions, w), { rtol: 0, atol: 2e-6 }, "d takeAlongDim");
  });

  itTidy(ctx, "without autograd nothing outlives the output: takeAlongDim's offsets and gather's buffers are freed at once (reference device count)", async () => {
    const x = tensor([[1, 2], [3, 4]]);
    const i = intT([1, 0], [2, 1]);
    const j = intT([1]);
    const before = referenceBackend.live;
    x.takeAlongDim(i, 1).dispose();
    x.gather(j, 1).dispose();
    if (ctx.backend === referenceBackend && referenceBackend.live !== before) throw new Error(`${referenceBackend.live - before} buffers left`);
  });

  itTidy(ctx, "gradcheck: gather axis 0 and 1, takeAlongDim dim 1", async () => {
    await expectGradcheck((x) => x.gather(intT([2, 0, 2]), 1), [randT([2, 3, 2], 1, -1, 1, true)], "gather axis 1");
    await expectGradcheck((x) => x.gather(intT([1, 1, 0], [3, 1]), 0), [randT([2, 3], 2, -1, 1, true)], "gather axis 0");
    await expectGradcheck((x) => x.takeAlongDim(intT([1, 0, 2, 2, 2, 0], [2, 3, 1]), 1), [randT([2, 3, 2], 3, -1, 1, true)], "takeAlongDim");
  });

  itTidy(ctx, "bad inputs: out-of-range indices → E_RANGE naming the position and value; E_DTYPE; E_SHAPE; E_DEVICE", async () => {
    const x = ones([3, 2]);
    await expectRangeError(() => x.gather(intT([0, 3])), /gather: indices\[1\]: expected an index in \[0, 2\], received 3/);
    await expectRangeError(() => x.gather(intT([-1]), 1), /gather: indices\[0\]: expected an index in \[0, 1\], received -1/);
    expectCode("E_DTYPE", () => x.gather(ones([1])), /gather: indices: expected an int32 tensor/);
    expectCode("E_DTYPE", () => intT([1, 2]).gather(intT([0])), /gather: input: expected a float32 tensor/);
    expectCode("E_RANGE", () => x.gather(intT([0]), 2), /gather: axis/);
    expectCode("E_TYPE", () => x.gather([0] as never), /gather: indices: expected a Tensor/);
    const t = tensor([[1, 2], [3, 4]]);
    expectCode("E_SHAPE", () => t.takeAlongDim(intT([0, 1]), 1), /takeAlongDim: indices: expected rank 2 with sizes at most \[2, any\], received \[2\]/);
    expectCode("E_SHAPE", () => t.takeAlongDim(intT([0, 1, 0], [3, 1]), 1));
    await expectRangeError(() => t.takeAlongDim(intT([0, 2], [1, 2]), 1), /takeAlongDim: indices\[1\]: expected an index in \[0, 1\], received 2/);
    expectCode("E_DTYPE", () => t.takeAlongDim(tensor([[0]]), 0), /takeAlongDim: indices: expected an int32 tensor/);
    expectCode("E_RANGE", () => t.takeAlongDim(intT([0], [1, 1]), 2), /takeAlongDim: dim/);
    expectCode("E_DTYPE", () => intT([1], [1, 1]).takeAlongDim(intT([0], [1, 1]), 0), /takeAlongDim: input: expected a float32 tensor/);
    const other = otherDevice(ctx.backend);
    expectCode("E_DEVICE", () => x.gather(onDevice(other, () => intT([0]))), /gather: indices: expected a tensor on the same device/);
    expectCode("E_DEVICE", () => t.takeAlongDim(onDevice(other, () => intT([0], [1, 1])), 0), /takeAlongDim: indices/);
    await expectTensor(zeros([0, 2]).gather(intT([]), 0), [0, 2], [], EXACT, "gather nothing from nothing");
  });

  itTidy(ctx, "index 0 into an empty axis is out of range → E_RANGE (torch: IndexError), for gather and takeAlongDim", async () => {
    expectCode("E_RANGE", () => zeros([3, 0]).gather(intT([0]), 1), ctx.backend.syncRead ? /gather: indices\[0\]: expected an index in \[0, -1\], received 0/ : /gather: indices\[0\]: expected an index in \[0, -1\], received an index/);
    expectCode("E_RANGE", () => zeros([2, 0]).takeAlongDim(intT([0, 0], [2, 1]), 1), ctx.backend.syncRead ? /takeAlongDim: indices\[0\]: expected an index in \[0, -1\], received 0/ : /takeAlongDim: indices\[0\]: expected an index in \[0, -1\], received an index/);
  });
});
