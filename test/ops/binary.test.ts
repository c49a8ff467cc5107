// Elementwise binary ops (add sub mul div) with NumPy broadcasting through the public API on every
// device: values against float64 (binary-cases.ts), gradients summed back to each operand's shape
// against float64 and by finite differences, and bad inputs.
import { F, ones, tensor, type Tensor } from "../../src/index.js";
import { forEachDevice, onDevice, otherDevice } from "./devices.js";
import { expectClose, expectCode, expectGradcheck, itChecks, itTidy, randT, sizeOf, uniform } from "./compare.js";
import { BINARY, PATTERNS, binaryForwardChecks, broadcast, operand } from "./binary-cases.js";

// Gradients are sums over broadcast dimensions of float32 products (at most 65 terms here, each
// within a rounding or two): 1e-6 relative to the sum of magnitudes is ample.
forEachDevice("binary ops", (ctx) => {
  itChecks(ctx, binaryForwardChecks());

  for (const s of BINARY) {
    itTidy(ctx, `${s.name}: gradients of both operands, summed over broadcast dims, vs float64`, async () => {
      for (const [i, [aShape, bShape]] of PATTERNS.entries()) {
        const av = operand(s, sizeOf(aShape), 500 + i, "a");
        const bv = operand(s, sizeOf(bShape), 600 + i, "b");
        const a = tensor(av, aShape, { requiresGrad: true });
        const b = tensor(bv, bShape, { requiresGrad: true });
        const { shape, ai, bi } = broadcast(aShape, bShape);
        const w = uniform(sizeOf(shape), 700 + i);
        s.apply(a, b).backward(tensor(w, shape));
        const da = new Float64Array(av.length), db = new Float64Array(bv.length);
        const ma = new Float64Array(av.length), mb = new Float64Array(bv.length);
        ai.forEach((p, k) => {
          const q = bi[k];
          da[p] += w[k] * s.da(av[p], bv[q]);
          db[q] += w[k] * s.db(av[p], bv[q]);
          ma[p] += Math.abs(w[k] * s.da(av[p], bv[q]));
          mb[q] += Math.abs(w[k] * s.db(av[p], bv[q]));
        });
        const tol = (m: Float64Array) => ({ rtol: 0, atol: 1e-6 * Math.max(1, ...m) });
        expectClose(await a.grad!.read(), da, tol(ma), `d${s.name}/da [${aShape}]·[${bShape}]`);
        expectClose(await b.grad!.read(), db, tol(mb), `d${s.name}/db [${aShape}]·[${bShape}]`);
      }
    });
  }

  itTidy(ctx, "scalar operands: gradient of x op c is dy·∂f/∂x", async () => {
    const xs = uniform(9, 31, -2, 2);
    for (const s of BINARY) {
      const x = tensor(xs, undefined, { requiresGrad: true });
      s.apply(x, -1.25).sum().backward();
      expectClose(await x.grad!.read(), Array.from(xs, (v) => s.da(v, -1.25)), { rtol: 6e-8, atol: 0 }, `d ${s.name}(x, −1.25)`);
    }
  });

  const positive = (shape: number[], seed: number) => randT(shape, seed, 0.5, 2, true);
  itTidy(ctx, "gradcheck: add [3,4]+[4], sub [3,1]−[1,4], mul [2,3,4]·[3,1], div [3,4]/[4] and [2,3]/[], scalar chain", async () => {
    await expectGradcheck((a, b) => a.add(b), [randT([3, 4], 1, -1, 1, true), randT([4], 2, -1, 1, true)], "add");
    await expectGradcheck((a, b) => a.sub(b), [randT([3, 1], 3, -1, 1, true), randT([1, 4], 4, -1, 1, true)], "sub");
    await expectGradcheck((a, b) => a.mul(b), [randT([2, 3, 4], 5, -1, 1, true), randT([3, 1], 6, -1, 1, true)], "mul");
    await expectGradcheck((a, b) => a.div(b), [randT([3, 4], 7, -1, 1, true), positive([4], 8)], "div");
    await expectGradcheck((a, b) => a.div(b), [randT([2, 3], 9, -1, 1, true), positive([], 10)], "div by 0-d");
    await expectGradcheck((a) => a.add(2).mul(3).sub(1).div(4), [randT([5], 11, -1, 1, true)], "scalar chain");
    await expectGradcheck((a) => a.mul(a), [randT([4], 12, -1, 1, true)], "x·x (one tensor, both operands)");
  });

  itTidy(ctx, "bad inputs: E_SHAPE, E_TYPE, E_DTYPE, E_DEVICE", async () => {
    const ids = tensor([1, 2], undefined, { dtype: "int32" });
    for (const s of BINARY) {
      expectCode("E_SHAPE", () => s.apply(ones([2, 3]), ones([4])), new RegExp(`${s.name}: expected shapes that broadcast, received \\[2, 3\\] and \\[4\\]`));
      expectCode("E_SHAPE", () => s.apply(ones([2, 3]), ones([3, 2])));
      expectCode("E_TYPE", () => s.apply(ones([2]), "x" as never), new RegExp(`${s.name}: other: expected a Tensor or a number`));
      expectCode("E_TYPE", () => s.apply(ones([2]), null as never));
      expectCode("E_DTYPE", () => s.apply(ids, ones([2])), /input: expected a float32 tensor, received int32/);
      expectCode("E_DTYPE", () => s.apply(ones([2]), ids), /other: expected a float32 tensor, received int32/);
      const a = ones([2]);
      expectCode("E_DEVICE", () => s.apply(a, onDevice(otherDevice(ctx.backend), () => ones([2]))), new RegExp(`${s.name}: other: expected a tensor on the same device`));
    }
    expectCode("E_TYPE", () => F.add(3 as never, ones([1])), /add: input: expected a Tensor/);
    const x: Tensor = ones([2]);
    x.dispose();
    expectCode("E_DISPOSED", () => ones([2]).add(x));
  });
});
