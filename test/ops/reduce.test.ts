// Reductions (sum mean max min, argmax argmin) through the public API on every device: values against
// float64 within the float32 summation bound (reduce-cases.ts), gradients (sum and mean spread dy,
// max and min route it to the first extreme) against float64 and by finite differences, bad inputs.
import { ones, tensor, zeros } from "../../src/index.js";
import { forEachDevice } from "./devices.js";
import { expectClose, expectCode, expectGradcheck, expectShape, itChecks, itTidy, randT, sizeOf, uniform, unravel } from "./compare.js";
import { REDUCE_OPS, applyReduce, reduceForwardChecks, reduceRef } from "./reduce-cases.js";

forEachDevice("reductions", (ctx) => {
  itChecks(ctx, reduceForwardChecks());

  for (const op of REDUCE_OPS) {
    itTidy(ctx, `${op}: gradient vs float64 (sum/mean: dy spread, ÷ count for mean; max/min: dy at the first extreme)`, async () => {
      const cases: [number[], number | number[] | undefined, boolean][] = [
        [[4, 5, 6], 1, false], [[4, 5, 6], -1, true], [[7, 13], 0, false], [[3, 17], undefined, false], [[], 0, false],
      ];
      if (op === "sum" || op === "mean") cases.push([[2, 3, 4], [0, 2], true], [[0, 3], 0, false]);
      for (const [c, [shape, axis, keepDim]] of cases.entries()) {
        const xs = uniform(sizeOf(shape), 1000 + c);
        const x = tensor(xs, shape, { requiresGrad: true });
        const y = applyReduce(op, x, axis, keepDim);
        const w = uniform(y.size, 1100 + c);
        y.backward(tensor(w, y.shape.slice()));
        const axes = axis === undefined ? [] : (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + Math.max(shape.length, 1) : a)).filter((a) => a < shape.length);
        const ref = reduceRef(op, xs, shape, axes, true);
        const all = axes.length === 0 ? shape.map((_, i) => i) : axes;
        const count = all.reduce((n, a) => n * shape[a], 1);
        const outFull = shape.map((d, i) => (all.includes(i) ? 1 : d));
        const want = Array.from(xs, (_, k) => {
          const o = unravel(k, shape).reduce((p, v, d) => p * outFull[d] + (all.includes(d) ? 0 : v), 0);
          if (op === "sum") return w[o];
          if (op === "mean") return w[o] / count;
          return ref.arg[o] === k ? w[o] : 0;
        });
        // mean's backward multiplies dy by 1/count rounded to float32: two roundings
        expectClose(await x.grad!.read(), want, { rtol: 1.2e-7, atol: 0 }, `d ${op}([${shape}], ${JSON.stringify(axis)})`);
      }
    });
  }

  itTidy(ctx, "gradcheck: sum over axes, sum all, mean keepDim, max over an axis, min over all", async () => {
    await expectGradcheck((a) => a.sum([0, 2]), [randT([2, 3, 4], 1, -1, 1, true)], "sum [0, 2]");
    await expectGradcheck((a) => a.sum(), [randT([2, 3], 2, -1, 1, true)], "sum");
    await expectGradcheck((a) => a.mean(1, true), [randT([2, 5], 3, -1, 1, true)], "mean keepDim");
    await expectGradcheck((a) => a.max(1), [randT([3, 5], 4, -1, 1, true)], "max(1)");
    await expectGradcheck((a) => a.min(), [randT([3, 5], 5, -1, 1, true)], "min()");
    await expectGradcheck((a) => a.mean(0), [randT([], 6, -1, 1, true)], "mean of 0-d");
  });

  itTidy(ctx, "bad inputs: axis out of range → E_RANGE, not an integer → E_RANGE / E_TYPE, repeated → E_VALUE, keepDim → E_TYPE, int32 → E_DTYPE, empty max/argmax → E_SHAPE", async () => {
    const x = ones([2, 3]);
    for (const op of REDUCE_OPS) {
      expectCode("E_RANGE", () => applyReduce(op, x, 2), new RegExp(`${op}: axis: expected an integer axis in \\[-2, 1\\] for a 2-d tensor, received 2`));
      expectCode("E_RANGE", () => applyReduce(op, x, -3));
      expectCode("E_RANGE", () => applyReduce(op, x, 0.5));
      expectCode("E_TYPE", () => applyReduce(op, x, "0" as never));
      expectCode("E_RANGE", () => applyReduce(op, tensor(1), 1), /for a 0-d tensor/);
      expectCode("E_TYPE", () => applyReduce(op, x, 0, "yes" as never), new RegExp(`${op}: keepDim: expected a boolean`));
      expectCode("E_DTYPE", () => applyReduce(op, tensor([1, 2], undefined, { dtype: "int32" }), 0), /expected a float32 tensor, received int32/);
    }
    expectCode("E_VALUE", () => x.sum([0, 0]), /distinct axes/);
    expectCode("E_VALUE", () => x.mean([1, -1]), /distinct axes/);
    expectCode("E_SHAPE", () => zeros([0]).max(), /max: input: expected a non-empty reduction axis/);
    expectCode("E_SHAPE", () => zeros([3, 0]).min(1));
    expectCode("E_SHAPE", () => zeros([0]).argmax(), /argmax: input: expected a non-empty reduction axis/);
    expectCode("E_SHAPE", () => zeros([0, 2]).argmin(0));
    expectCode("E_RANGE", () => x.argmax(2));
    expectCode("E_DTYPE", () => tensor([1], undefined, { dtype: "int32" }).argmax());
    expectShape(zeros([0, 2]).argmax(1), [0], "argmax over a non-empty axis of an empty tensor");
  });
});
