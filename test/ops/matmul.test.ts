// matmul (torch.matmul's rules: 1-D promotion, N-d × 2-D, batch broadcasting) and linear
// (x·Wᵀ + b) through the public API on every device, plus the gemm device method directly for
// what no op reaches yet (transposed operands, stride-0 batch broadcast, accumulate). References
// are float64 triple loops; every element must lie within the float32 dot-product bound
// k·2^-24·Σ|a||b| + 2^-24·|c|, which holds for any summation order or FMA use.
import { F, ones, tensor, zeros } from "../../src/index.js";
import type { GemmArgs } from "../../src/backend/backend.js";
import { forEachDevice, onDevice, otherDevice } from "./devices.js";
import { expectCode, expectGradcheck, expectShape, expectWithin, itTidy, randT, sizeOf, uniform } from "./compare.js";
import { broadcast } from "./binary-cases.js";

const U = 2 ** -24;

interface Product {
  shape: number[];
  values: number[];
  bound: number[];
}

/** torch.matmul(a, b) in float64, with the float32 error bound of each element. */
function matmulRef(av: ArrayLike<number>, as: number[], bv: ArrayLike<number>, bs: number[]): Product {
  const a2 = as.length === 1 ? [1, as[0]] : as;
  const b2 = bs.length === 1 ? [bs[0], 1] : bs;
  const [m, k] = a2.slice(-2), n = b2[b2.length - 1];
  const bb = broadcast(a2.slice(0, -2), b2.slice(0, -2));
  const values: number[] = [], bound: number[] = [];
  for (let t = 0; t < Math.max(bb.ai.length, 1); t++) {
    const oa = (bb.ai[t] ?? 0) * m * k, ob = (bb.bi[t] ?? 0) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, mag = 0;
        for (let p = 0; p < k; p++) {
          s += av[oa + i * k + p] * bv[ob + p * n + j];
          mag += Math.abs(av[oa + i * k + p] * bv[ob + p * n + j]);
        }
        values.push(s);
        bound.push(k * U * mag + U * Math.abs(s));
      }
    }
  }
  const shape = [...bb.shape, ...(as.length === 1 ? [] : [m]), ...(bs.length === 1 ? [] : [n])];
  return { shape, values: bb.shape.includes(0) ? [] : values, bound: bb.shape.includes(0) ? [] : bound };
}

function transpose(v: ArrayLike<number>, rows: number, cols: number): number[] {
  return Array.from({ length: rows * cols }, (_, e) => v[(e % rows) * cols + Math.floor(e / rows)]);
}

async function checkMatmul(as: number[], bs: number[], seed: number): Promise<void> {
  const av = uniform(sizeOf(as), seed), bv = uniform(sizeOf(bs), seed + 1);
  const ref = matmulRef(av, as, bv, bs);
  const y = tensor(av, as).matmul(tensor(bv, bs));
  const what = `[${as}] @ [${bs}]`;
  expectShape(y, ref.shape, what);
  expectWithin(await y.read(), ref.values, ref.bound, what);
}

forEachDevice("matmul / linear", (ctx) => {
  itTidy(ctx, "2-D: 1×1·1×1, 1×9·9×1, 9×1·1×9, 7×13·13×5, 13×7·7×9, 65×33·33×129, and zero-size m, k, n", async () => {
    const cases: [number, number, number][] = [[1, 1, 1], [1, 9, 1], [9, 1, 9], [7, 13, 5], [13, 7, 9], [65, 33, 129], [3, 0, 4], [0, 3, 4], [3, 4, 0]];
    for (const [i, [m, k, n]] of cases.entries()) await checkMatmul([m, k], [k, n], 10 + i);
  });

  itTidy(ctx, "128×128·128×128 (2^21 multiply-adds: the threads builds use the pool)", async () => await checkMatmul([128, 128], [128, 128], 30));

  itTidy(ctx, "1-D operands are promoted and the added dimension dropped: vec·mat, mat·vec, vec·vec (0-d), batch·vec, vec·batch", async () => {
    await checkMatmul([4], [4, 3], 40);
    await checkMatmul([3, 4], [4], 41);
    await checkMatmul([9], [9], 42);
    await checkMatmul([2, 3, 4], [4], 43);
    await checkMatmul([4], [2, 4, 3], 44);
    await checkMatmul([0], [0], 45);
  });

  itTidy(ctx, "N-d × 2-D and batch broadcasting: [2,3,4]·[4,5], [5,3,4]·[5,4,2], [2,1,3,4]·[3,4,2], [1,3,4]·[2,4,5], [2,3,4]·[1,4,2]", async () => {
    await checkMatmul([2, 3, 4], [4, 5], 50);
    await checkMatmul([5, 3, 4], [5, 4, 2], 51);
    await checkMatmul([2, 1, 3, 4], [3, 4, 2], 52);
    await checkMatmul([1, 3, 4], [2, 4, 5], 53);
    await checkMatmul([2, 3, 4], [1, 4, 2], 54);
    await checkMatmul([0, 3, 4], [4, 2], 55);
  });

  itTidy(ctx, "linear: x·Wᵀ + b for [5, 4], [2, 3, 4], without bias, one output feature", async () => {
    for (const [xs, outF, bias] of [[[5, 4], 3, true], [[2, 3, 4], 6, true], [[5, 4], 3, false], [[7, 9], 1, true], [[0, 4], 2, true]] as const) {
      const inF = xs[xs.length - 1];
      const xv = uniform(sizeOf(xs), 60 + outF), wv = uniform(outF * inF, 61 + outF), bv = uniform(outF, 62 + outF);
      const ref = matmulRef(xv, [...xs], transpose(wv, outF, inF), [inF, outF]);
      const want = ref.values.map((v, e) => v + (bias ? bv[e % outF] : 0));
      const y = bias ? F.linear(tensor(xv, [...xs]), tensor(wv, [outF, inF]), tensor(bv)) : F.linear(tensor(xv, [...xs]), tensor(wv, [outF, inF]));
      expectShape(y, [...xs.slice(0, -1), outF], `linear [${xs}]`);
      expectWithin(await y.read(), want, ref.bound.map((b, e) => b + U * Math.abs(want[e])), `linear [${xs}] → ${outF}${bias ? " + b" : ""}`);
    }
  });

  itTidy(ctx, "gradients vs float64: dA = G·Bᵀ, dB = Aᵀ·G (batched and broadcast ones summed), linear dW = Gᵀ·X, db = Σ G", async () => {
    for (const [as, bs] of [[[3, 4], [4, 5]], [[2, 3, 4], [2, 4, 2]], [[2, 3, 4], [4, 2]], [[4], [4, 3]]] as const) {
      const av = uniform(sizeOf(as), 70), bv = uniform(sizeOf(bs), 71);
      const a = tensor(av, [...as], { requiresGrad: true }), b = tensor(bv, [...bs], { requiresGrad: true });
      const y = a.matmul(b);
      const g = uniform(y.size, 72);
      y.backward(tensor(g, y.shape.slice()));
      // L = Σ g·(A·B): dA[.., i, p] = Σ_j g[.., i, j]·B[.., p, j]; dB likewise, summed over broadcast batches
      const a3 = as.length === 1 ? [1, as[0]] : [...as], b3 = (bs as readonly number[]).length === 1 ? [bs[0], 1] : [...bs];
      const [m, k] = a3.slice(-2), n = b3[b3.length - 1];
      const bb = broadcast(a3.slice(0, -2), b3.slice(0, -2));
      const da = new Float64Array(av.length), db = new Float64Array(bv.length), ma = new Float64Array(av.length), mb = new Float64Array(bv.length);
      for (let t = 0; t < Math.max(bb.ai.length, 1); t++) {
        const oa = (bb.ai[t] ?? 0) * m * k, ob = (bb.bi[t] ?? 0) * k * n;
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) {
          const gv = g[(t * m + i) * n + j];
          da[oa + i * k + p] += gv * bv[ob + p * n + j];
          db[ob + p * n + j] += gv * av[oa + i * k + p];
          ma[oa + i * k + p] += Math.abs(gv * bv[ob + p * n + j]);
          mb[ob + p * n + j] += Math.abs(gv * av[oa + i * k + p]);
        }
      }
      const bnd = (mag: Float64Array, len: number) => Array.from(mag, (v) => len * U * v + 1e-7);
      expectWithin(await a.grad!.read(), da, bnd(ma, n * Math.max(bb.ai.length, 1)), `dA [${as}]·[${bs}]`);
      expectWithin(await b.grad!.read(), db, bnd(mb, m * Math.max(bb.ai.length, 1)), `dB [${as}]·[${bs}]`);
    }
    const xv = uniform(12, 73), wv = uniform(20, 74), bv = uniform(5, 75), g = uniform(15, 76);
    const x = tensor(xv, [3, 4], { requiresGrad: true }), w = tensor(wv, [5, 4], { requiresGrad: true }), b = tensor(bv, undefined, { requiresGrad: true });
    F.linear(x, w, b).backward(tensor(g, [3, 5]));
    const dw = Array.from({ length: 20 }, (_, e) => [0, 1, 2].reduce((s, r) => s + g[r * 5 + Math.floor(e / 4)] * xv[r * 4 + (e % 4)], 0));
    const db = [0, 1, 2, 3, 4].map((j) => g[j] + g[5 + j] + g[10 + j]);
    const dx = Array.from({ length: 12 }, (_, e) => [0, 1, 2, 3, 4].reduce((s, j) => s + g[Math.floor(e / 4) * 5 + j] * wv[j * 4 + (e % 4)], 0));
    expectWithin(await w.grad!.read(), dw, dw.map(() => 1e-6), "linear dW");
    expectWithin(await b.grad!.read(), db, db.map(() => 1e-6), "linear db");
    expectWithin(await x.grad!.read(), dx, dx.map(() => 1e-6), "linear dx");
  });

  itTidy(ctx, "gradcheck: matmul 2-D, batched broadcast, vector; linear with bias on 3-d input", async () => {
    const r = (shape: number[], seed: number) => randT(shape, seed, -1, 1, true);
    await expectGradcheck((a, b) => a.matmul(b), [r([3, 4], 1), r([4, 5], 2)], "matmul 2-D");
    await expectGradcheck((a, b) => a.matmul(b), [r([2, 1, 3, 4], 3), r([3, 4, 2], 4)], "matmul batched broadcast");
    await expectGradcheck((a, b) => F.matmul(a, b), [r([4], 5), r([4, 3], 6)], "matmul vector");
    await expectGradcheck((x, w, b) => F.linear(x, w, b), [r([2, 3, 4], 7), r([5, 4], 8), r([5], 9)], "linear");
  });

  itTidy(ctx, "gemm device method: transposed operands, stride-0 batch broadcast of A or B, bias, accumulate, k = 0", async () => {
    const be = ctx.backend;
    const put = (v: ArrayLike<number>) => tensor(Float32Array.from(v));
    const cases: Partial<GemmArgs & { m: number; n: number; k: number; batch: number }>[] = [
      { m: 5, n: 7, k: 3, transA: true }, { m: 5, n: 7, k: 3, transB: true }, { m: 6, n: 9, k: 4, transA: true, transB: true },
      { m: 3, n: 4, k: 5, batch: 3, strideA: 0 }, { m: 3, n: 4, k: 5, batch: 3, strideB: 0 }, { m: 7, n: 13, k: 5, bias: 1 as never },
      { m: 4, n: 5, k: 6, accumulate: true, bias: 1 as never }, { m: 2, n: 3, k: 0, bias: 1 as never, accumulate: true }, { m: 2, n: 3, k: 0 },
    ];
    for (const [i, c] of cases.entries()) {
      const { m = 1, n = 1, k = 0, batch = 1, transA = false, transB = false, accumulate = false } = c;
      const sA = c.strideA ?? m * k, sB = c.strideB ?? k * n;
      const A = uniform(sA === 0 ? m * k : batch * m * k, 80 + i), B = uniform(sB === 0 ? k * n : batch * k * n, 90 + i);
      const C0 = uniform(batch * m * n, 100 + i), bias = uniform(n, 110 + i);
      const a = put(A), b = put(B), cT = put(C0), biasT = put(bias);
      be.gemm({ a: a.handle, b: b.handle, c: cT.handle, m, n, k, batch, strideA: sA, strideB: sB, strideC: m * n, transA, transB,
        bias: c.bias ? biasT.handle : null, accumulate });
      const want: number[] = [], bound: number[] = [];
      for (let t = 0; t < batch; t++) for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) {
        let s = accumulate ? C0[(t * m + r) * n + j] : 0, mag = Math.abs(s);
        for (let p = 0; p < k; p++) {
          const av = transA ? A[t * sA + p * m + r] : A[t * sA + r * k + p];
          const bv = transB ? B[t * sB + j * k + p] : B[t * sB + p * n + j];
          s += av * bv;
          mag += Math.abs(av * bv);
        }
        if (c.bias) s += bias[j], mag += Math.abs(bias[j]);
        want.push(s);
        bound.push((k + 2) * U * mag);
      }
      expectWithin(await cT.read(), want, bound, `gemm case ${i} ${JSON.stringify(c)}`);
    }
  });

  itTidy(ctx, "bad inputs: E_SHAPE naming both shapes, E_DTYPE, E_DEVICE", async () => {
    expectCode("E_SHAPE", () => ones([2, 3]).matmul(ones([4, 5])), /matmul: expected input's last dimension to equal other's second-to-last dimension, received \[2, 3\] and \[4, 5\] \(3 vs 4\)/);
    expectCode("E_SHAPE", () => ones([3]).matmul(ones([4])), /other's only dimension/);
    expectCode("E_SHAPE", () => ones([2, 3, 4]).matmul(ones([3, 4, 5])), /matmul \(batch dimensions\): expected shapes that broadcast/);
    expectCode("E_SHAPE", () => tensor(2).matmul(ones([1])), /at least one dimension/);
    expectCode("E_SHAPE", () => ones([1]).matmul(tensor(2)), /at least one dimension/);
    expectCode("E_DTYPE", () => ones([2, 2]).matmul(zeros([2, 2], { dtype: "int32" })), /matmul: other: expected a float32 tensor/);
    expectCode("E_TYPE", () => F.matmul(ones([2, 2]), [[1]] as never), /matmul: other: expected a Tensor/);
    expectCode("E_SHAPE", () => F.linear(ones([2, 3]), ones([3])), /linear: weight: expected \[outFeatures, inFeatures\]/);
    expectCode("E_SHAPE", () => F.linear(ones([2, 3]), ones([5, 4])), /linear: input: expected last dimension 4/);
    expectCode("E_SHAPE", () => F.linear(tensor(1), ones([5, 1])), /linear: input/);
    expectCode("E_SHAPE", () => F.linear(ones([2, 4]), ones([5, 4]), ones([4])), /linear: bias: expected \[5\]/);
    expectCode("E_DTYPE", () => F.linear(ones([2, 4]), ones([5, 4]), zeros([5], { dtype: "int32" })), /linear: bias: expected a float32 tensor/);
    const other = otherDevice(ctx.backend);
    expectCode("E_DEVICE", () => ones([2, 2]).matmul(onDevice(other, () => ones([2, 2]))), /matmul: other: expected a tensor on the same device/);
    expectCode("E_DEVICE", () => F.linear(ones([2, 4]), ones([5, 4]), onDevice(other, () => ones([5]))), /linear: bias: expected a tensor on the same device/);
  });
});
