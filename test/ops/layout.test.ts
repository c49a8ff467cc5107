// Shape and layout ops through the public API on every device: reshape/squeeze/unsqueeze/flatten
// (views), permute/transpose (the 2-D case takes the blocked transpose kernel), slice, expand,
// concat, cast, clone, copy_, detach. References index the input directly from each op's definition
// (torch semantics); copies move bits, so values must match exactly, for int32 too. Gradients:
// analytic (each op's gradient routes dy back through the same index map) and gradcheck.
// gather / takeAlongDim are in gather.test.ts.
import { F, concat, noGrad, ones, tensor, zeros, type Tensor } from "../../src/index.js";
import { forEachDevice, onDevice, otherDevice } from "./devices.js";
import { expectClose, expectCode, expectGradcheck, expectShape, expectTensor, gradOf, itTidy, randT, sizeOf, stridesOf, uniform, unravel } from "./compare.js";

const EXACT = { rtol: 0, atol: 0 };
const ints = (n: number, seed: number) => Array.from(uniform(n, seed, -1000, 1000), Math.round);

/** out[i] = x[i permuted back]: torch.permute(x, perm) from its definition. */
function permuteRef(xs: ArrayLike<number>, shape: number[], perm: number[]): { shape: number[]; values: number[] } {
  const out = perm.map((d) => shape[d]);
  const st = stridesOf(shape);
  return { shape: out, values: Array.from({ length: sizeOf(out) }, (_, k) => xs[unravel(k, out).reduce((o, v, d) => o + v * st[perm[d]], 0)]) };
}

/** Python-style slice bounds. */
function sliceBounds(n: number, start: number, end?: number): [number, number] {
  const c = (v: number) => Math.min(n, Math.max(0, v < 0 ? v + n : v));
  const s = c(start);
  return [s, Math.max(s, end === undefined ? n : c(end))];
}

function sliceRef(xs: ArrayLike<number>, shape: number[], dim: number, start: number, end?: number) {
  const [s, e] = sliceBounds(shape[dim], start, end);
  const out = shape.slice();
  out[dim] = e - s;
  const st = stridesOf(shape);
  return { shape: out, values: Array.from({ length: sizeOf(out) }, (_, k) => xs[unravel(k, out).reduce((o, v, d) => o + (d === dim ? v + s : v) * st[d], 0)]) };
}

function expandRef(xs: ArrayLike<number>, shape: number[], target: number[]) {
  const lead = target.length - shape.length;
  const st = stridesOf(shape);
  return Array.from({ length: sizeOf(target) }, (_, k) => xs[unravel(k, target).reduce((o, v, d) => (d < lead || shape[d - lead] === 1 ? o : o + v * st[d - lead]), 0)]);
}

const ALL_PERMS_3 = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

forEachDevice("layout ops", (ctx) => {
  itTidy(ctx, "reshape / flatten / squeeze / unsqueeze keep the row-major order; −1 is inferred; 0-d and 0-size shapes", async () => {
    const xs = uniform(24, 1);
    const x = tensor(xs, [2, 3, 4]);
    for (const [shape, want] of [[[6, 4], [6, 4]], [[-1, 2], [12, 2]], [[24], [24]], [[4, -1, 3], [4, 2, 3]], [[1, 24, 1], [1, 24, 1]]] as const) {
      await expectTensor(x.reshape(...shape), want, xs, EXACT, `reshape(${shape})`);
    }
    await expectTensor(F.reshape(x, [3, 8]), [3, 8], xs, EXACT, "F.reshape");
    await expectTensor(x.flatten(), [24], xs, EXACT, "flatten");
    await expectTensor(x.unsqueeze(0), [1, 2, 3, 4], xs, EXACT, "unsqueeze(0)");
    await expectTensor(x.unsqueeze(-1), [2, 3, 4, 1], xs, EXACT, "unsqueeze(−1)");
    await expectTensor(x.unsqueeze(2), [2, 3, 1, 4], xs, EXACT, "unsqueeze(2)");
    const y = tensor(xs, [1, 2, 1, 12, 1]);
    await expectTensor(y.squeeze(), [2, 12], xs, EXACT, "squeeze()");
    await expectTensor(y.squeeze(2), [1, 2, 12, 1], xs, EXACT, "squeeze(2)");
    await expectTensor(y.squeeze(1), [1, 2, 1, 12, 1], xs, EXACT, "squeeze(1) of a size-2 dim: unchanged");
    await expectTensor(y.squeeze(-1), [1, 2, 1, 12], xs, EXACT, "squeeze(−1)");
    await expectTensor(tensor(5).reshape(1, 1), [1, 1], [5], EXACT, "0-d → [1, 1]");
    await expectTensor(tensor([5]).reshape([]), [], [5], EXACT, "[1] → 0-d");
    await expectTensor(zeros([0, 3]).reshape(3, 0), [3, 0], [], EXACT, "[0, 3] → [3, 0]");
    await expectTensor(zeros([0, 3]).reshape(-1), [0], [], EXACT, "[0, 3] → [−1]");
    const iv = ints(12, 2);
    await expectTensor(tensor(iv, [3, 4], { dtype: "int32" }).reshape(2, 6), [2, 6], iv, EXACT, "int32 reshape");
  });

  itTidy(ctx, "reshape and detach are views: an in-place copy_ shows through them (torch)", async () => {
    const x = tensor([1, 2, 3, 4, 5, 6]);
    const v = x.reshape(2, 3);
    const d = x.detach();
    noGrad(() => x.copy_(tensor([6, 5, 4, 3, 2, 1])));
    expectClose(await v.read(), [6, 5, 4, 3, 2, 1], EXACT, "reshape view");
    expectClose(await d.read(), [6, 5, 4, 3, 2, 1], EXACT, "detach view");
  });

  itTidy(ctx, "permute: every order of [2, 3, 4] and a 4-d order, float32 and int32", async () => {
    const xs = uniform(24, 3);
    const iv = ints(24, 4);
    for (const perm of ALL_PERMS_3) {
      const ref = permuteRef(xs, [2, 3, 4], perm);
      await expectTensor(tensor(xs, [2, 3, 4]).permute(...perm), ref.shape, ref.values, EXACT, `permute(${perm})`);
      await expectTensor(F.permute(tensor(iv, [2, 3, 4], { dtype: "int32" }), perm), ref.shape, permuteRef(iv, [2, 3, 4], perm).values, EXACT, `int32 permute(${perm})`);
    }
    const x4 = uniform(12, 5);
    const ref = permuteRef(x4, [2, 1, 3, 2], [3, 0, 2, 1]);
    await expectTensor(tensor(x4, [2, 1, 3, 2]).permute([3, 0, 2, 1]), ref.shape, ref.values, EXACT, "permute 4-d");
    await expectTensor(tensor(x4, [2, 1, 3, 2]).permute(-1, 0, 2, -3), ref.shape, ref.values, EXACT, "permute with negative dims");
  });

  itTidy(ctx, "transpose of matrices (blocked kernel): 1×1, 1×9, 9×1, 7×13, 33×32, 65×129, 0×5; int32; .T and negative dims", async () => {
    for (const [r, c] of [[1, 1], [1, 9], [9, 1], [7, 13], [33, 32], [65, 129], [0, 5], [5, 0]]) {
      const xs = uniform(r * c, r * 1000 + c);
      const ref = permuteRef(xs, [r, c], [1, 0]);
      await expectTensor(tensor(xs, [r, c]).transpose(), ref.shape, ref.values, EXACT, `transpose ${r}×${c}`);
      const iv = ints(r * c, r + c);
      await expectTensor(tensor(iv, [r, c], { dtype: "int32" }).T, ref.shape, permuteRef(iv, [r, c], [1, 0]).values, EXACT, `int32 transpose ${r}×${c}`);
    }
    const xs = uniform(24, 6);
    const ref = permuteRef(xs, [2, 3, 4], [2, 1, 0]);
    await expectTensor(tensor(xs, [2, 3, 4]).transpose(0, 2), ref.shape, ref.values, EXACT, "transpose(0, 2)");
    await expectTensor(F.transpose(tensor(xs, [2, 3, 4]), -1, -3), ref.shape, ref.values, EXACT, "transpose(−1, −3)");
    const ref2 = permuteRef(xs, [2, 3, 4], [0, 2, 1]);
    await expectTensor(tensor(xs, [2, 3, 4]).T, ref2.shape, ref2.values, EXACT, ".T of 3-d swaps the last two");
    await expectTensor(tensor([1, 2, 3]).transpose(0, -1), [3], [1, 2, 3], EXACT, "1-d transpose is a copy (torch)");
    await expectTensor(tensor(7).transpose(0, -1), [], [7], EXACT, "0-d transpose is a copy (torch)");
  });

  itTidy(ctx, "slice: Python bounds (negative, clamped, empty) along every dim; int32; size-0 input", async () => {
    const xs = uniform(35, 7);
    const bounds: [number, number?][] = [[1, 4], [-3], [2, -1], [-100, 100], [4, 2], [7], [0, 0], [0]];
    for (const dim of [0, 1, -1]) {
      for (const [s, e] of bounds) {
        const d = dim < 0 ? dim + 2 : dim;
        const ref = sliceRef(xs, [5, 7], d, s, e);
        await expectTensor(tensor(xs, [5, 7]).slice(dim, s, e), ref.shape, ref.values, EXACT, `slice(${dim}, ${s}, ${e})`);
      }
    }
    const iv = ints(35, 8);
    await expectTensor(F.slice(tensor(iv, [5, 7], { dtype: "int32" }), 1, 2, 5), [5, 3], sliceRef(iv, [5, 7], 1, 2, 5).values, EXACT, "int32 slice");
    await expectTensor(zeros([0, 3]).slice(1, 1, 2), [0, 1], [], EXACT, "slice of [0, 3]");
  });

  itTidy(ctx, "expand: leading and size-1 dims, −1 keeps a dim, 0-d, expanding to 0; int32", async () => {
    const cases: [number[], number[], number[]][] = [
      [[3, 1], [2, 3, 4], [2, 3, 4]], [[1], [5], [5]], [[], [2, 2], [2, 2]], [[3, 1], [-1, 6], [3, 6]],
      [[2, 1, 3], [4, 2, 5, 3], [4, 2, 5, 3]], [[3, 1], [3, 0], [3, 0]], [[1, 65], [7, 65], [7, 65]],
    ];
    for (const [from, arg, to] of cases) {
      const xs = uniform(sizeOf(from), sizeOf(to) + from.length);
      await expectTensor(tensor(xs, from).expand(...arg), to, expandRef(xs, from, to), EXACT, `expand [${from}] → [${arg}]`);
    }
    const iv = ints(3, 9);
    await expectTensor(F.expand(tensor(iv, [3, 1], { dtype: "int32" }), [3, 4]), [3, 4], expandRef(iv, [3, 1], [3, 4]), EXACT, "int32 expand");
  });

  itTidy(ctx, "concat along every axis; three inputs; a size-0 member; one input; int32", async () => {
    const a = uniform(6, 10), b = uniform(9, 11), c = uniform(3, 12);
    await expectTensor(concat([tensor(a, [2, 3]), tensor(b, [3, 3])], 0), [5, 3], [...a, ...b], EXACT, "axis 0");
    const rows = (x: Float32Array, w: number, r: number) => Array.from(x.subarray(r * w, (r + 1) * w));
    const byCol = [0, 1, 2].flatMap((r) => [...rows(b, 3, r), ...rows(c, 1, r)]);
    await expectTensor(concat([tensor(b, [3, 3]), tensor(c, [3, 1])], 1), [3, 4], byCol, EXACT, "axis 1");
    await expectTensor(F.concat([tensor(b, [3, 3]), tensor(c, [3, 1])], -1), [3, 4], byCol, EXACT, "axis −1");
    const p = uniform(8, 13), q = uniform(4, 14), s = uniform(12, 15);
    const want = [0, 1].flatMap((i) => [...p.subarray(i * 4, i * 4 + 4), ...q.subarray(i * 2, i * 2 + 2), ...s.subarray(i * 6, i * 6 + 6)]);
    await expectTensor(concat([tensor(p, [2, 2, 2]), tensor(q, [2, 1, 2]), tensor(s, [2, 3, 2])], 1), [2, 6, 2], want, EXACT, "three 3-d tensors, axis 1");
    await expectTensor(concat([tensor(a, [2, 3]), zeros([0, 3]), tensor(c, [1, 3])], 0), [3, 3], [...a, ...c], EXACT, "size-0 member");
    await expectTensor(concat([tensor(a, [2, 3])]), [2, 3], a, EXACT, "one input");
    await expectTensor(concat([tensor([1, 2], undefined, { dtype: "int32" }), tensor([-3], undefined, { dtype: "int32" })]), [3], [1, 2, -3], EXACT, "int32");
  });

  itTidy(ctx, "cast: toInt truncates toward zero, NaN → 0, saturates; toFloat rounds to nearest; same dtype copies", async () => {
    const fs = [2.7, -2.7, NaN, 3e9, -3e9, -0.5, 0.5, Infinity, -Infinity, 7, -0, 2147483520];
    const toInt = tensor(fs, [3, 4]).toInt();
    if (toInt.dtype !== "int32") throw new Error(`toInt dtype ${toInt.dtype}`);
    await expectTensor(toInt, [3, 4], [2, -2, 0, 2147483647, -2147483648, 0, 0, 2147483647, -2147483648, 7, 0, 2147483520], EXACT, "toInt");
    const is = [2 ** 24 + 1, -(2 ** 31), 2 ** 31 - 1, 7, 0, -16777217];
    const toFloat = tensor(is, undefined, { dtype: "int32" }).toFloat();
    if (toFloat.dtype !== "float32") throw new Error(`toFloat dtype ${toFloat.dtype}`);
    await expectTensor(toFloat, [6], is.map(Math.fround), EXACT, "toFloat");
    await expectTensor(tensor(2.5).toFloat(), [], [2.5], EXACT, "float → float");
    await expectTensor(tensor([3], undefined, { dtype: "int32" }).toInt(), [1], [3], EXACT, "int → int");
    expectShape(zeros([0, 2]).toInt(), [0, 2], "toInt of [0, 2]");
  });

  itTidy(ctx, "clone is a copy (writes to it leave the original); copy_ overwrites and bumps the version; detach cuts the graph", async () => {
    const x = tensor([1, 2, 3]);
    const c = x.clone();
    noGrad(() => c.copy_(tensor([7, 8, 9])));
    expectClose(await x.read(), [1, 2, 3], EXACT, "original after writing the clone");
    expectClose(await c.read(), [7, 8, 9], EXACT, "clone after copy_");
    const v = x.version;
    x.copy_(tensor([4, 5, 6]));
    if (x.version !== v + 1) throw new Error(`version ${x.version}, expected ${v + 1}`);
    expectClose(await x.read(), [4, 5, 6], EXACT, "copy_");
    const ids = tensor([1, 2], undefined, { dtype: "int32" });
    ids.copy_(tensor([-5, 9], undefined, { dtype: "int32" }));
    expectClose(await ids.read(), [-5, 9], EXACT, "int32 copy_");
    const w = tensor([2, 3], undefined, { requiresGrad: true });
    const d = w.detach();
    if (d.requiresGrad) throw new Error("detach kept requiresGrad");
    w.mul(d).sum().backward(); // d(w·const)/dw = const
    expectClose(await w.grad!.read(), [2, 3], EXACT, "gradient through detach");
    expectCode("E_GRAD", () => w.copy_(tensor([0, 0])), /copy_: expected noGrad\(\)/);
    noGrad(() => w.copy_(tensor([0, 1])));
    expectClose(await w.read(), [0, 1], EXACT, "copy_ into a parameter under noGrad");
  });

  itTidy(ctx, "gradients vs float64: permute, transpose, slice (zeros outside), expand (sums), concat (splits), reshape, clone", async () => {
    const xs = uniform(24, 20);
    const w = uniform(24, 21);
    const x = () => tensor(xs, [2, 3, 4], { requiresGrad: true });
    for (const perm of ALL_PERMS_3) {
      const t = x();
      const g = await gradOf(t.permute(perm), t, w);
      // the gradient is w permuted back: g[i] = w[position of element i in the output]
      const back = perm.map((_, i) => perm.indexOf(i));
      expectClose(g, permuteRef(w, permuteRef(xs, [2, 3, 4], perm).shape, back).values, EXACT, `d permute(${perm})`);
    }
    const t1 = x();
    expectClose(await gradOf(t1.reshape(6, 4), t1, w), w, EXACT, "d reshape");
    const t2 = x();
    expectClose(await gradOf(t2.clone(), t2, w), w, EXACT, "d clone");
    const t3 = x();
    const ref = sliceRef(xs, [2, 3, 4], 2, 1, 3);
    const ws = w.subarray(0, sizeOf(ref.shape));
    const gs = await gradOf(t3.slice(2, 1, 3), t3, ws);
    expectClose(gs, Array.from(xs, (_, k) => { const i = unravel(k, [2, 3, 4]); return i[2] >= 1 && i[2] < 3 ? ws[(i[0] * 3 + i[1]) * 2 + i[2] - 1] : 0; }), EXACT, "d slice");
    const e = tensor(uniform(3, 22), [3, 1], { requiresGrad: true });
    const ge = await gradOf(e.expand(2, 3, 4), e, w);
    expectClose(ge, [0, 1, 2].map((r) => [0, 1].reduce((s, b) => s + [0, 1, 2, 3].reduce((t, c) => t + w[(b * 3 + r) * 4 + c], 0), 0)), { rtol: 1e-6, atol: 1e-6 }, "d expand");
    const a = tensor(uniform(6, 23), [2, 3], { requiresGrad: true });
    const b = tensor(uniform(4, 24), [2, 2], { requiresGrad: true });
    concat([a, b], 1).backward(tensor(w.subarray(0, 10), [2, 5]));
    expectClose(await a.grad!.read(), [w[0], w[1], w[2], w[5], w[6], w[7]], EXACT, "d concat (first)");
    expectClose(await b.grad!.read(), [w[3], w[4], w[8], w[9]], EXACT, "d concat (second)");
  });

  itTidy(ctx, "gradcheck: reshape, transpose, permute, slice, expand, concat, squeeze/unsqueeze", async () => {
    const r = (shape: number[], seed: number) => randT(shape, seed, -1, 1, true);
    await expectGradcheck((a) => a.reshape(3, 4).mul(a.reshape(3, 4)), [r([2, 6], 1)], "reshape");
    await expectGradcheck((a) => a.transpose(0, 2), [r([2, 3, 4], 2)], "transpose");
    await expectGradcheck((a) => a.T, [r([3, 5], 3)], "2-D transpose");
    await expectGradcheck((a) => a.permute(1, 2, 0), [r([2, 3, 4], 4)], "permute");
    await expectGradcheck((a) => a.slice(1, 1, -1), [r([3, 5], 5)], "slice");
    await expectGradcheck((a) => a.expand(2, 3, 4), [r([3, 1], 6)], "expand");
    await expectGradcheck((a, b) => concat([a, b], 1), [r([2, 3], 7), r([2, 2], 8)], "concat");
    await expectGradcheck((a) => a.unsqueeze(1).squeeze(), [r([3, 2], 9)], "unsqueeze/squeeze");
  });

  itTidy(ctx, "0-d tensors: slice and concat need a dimension (E_SHAPE); reshape/expand/permute take them", async () => {
    expectCode("E_SHAPE", () => tensor(1).slice(0, 0, 1), /slice: input: expected a tensor with at least one dimension, received a 0-d tensor/);
    expectCode("E_SHAPE", () => concat([tensor(1), tensor(2)]), /concat: tensors\[0\]: expected a tensor with at least one dimension/);
    expectCode("E_SHAPE", () => concat([tensor([1]), tensor(2)]), /concat: tensors\[1\]/);
    await expectTensor(tensor(3).permute(), [], [3], EXACT, "permute() of 0-d");
  });

  itTidy(ctx, "bad inputs: E_SHAPE, E_VALUE, E_RANGE, E_TYPE, E_DTYPE, E_DEVICE, E_GRAD", async () => {
    const x = ones([2, 3]);
    expectCode("E_SHAPE", () => x.reshape(4, 2), /reshape: shape: expected a shape with 6 elements/);
    expectCode("E_SHAPE", () => x.reshape(-1, -1), /at most one -1/);
    expectCode("E_SHAPE", () => x.reshape(-1, 4), /compatible with 6 elements/);
    expectCode("E_SHAPE", () => x.reshape(2.5, 2));
    expectCode("E_SHAPE", () => zeros([0, 3]).reshape(-1, 0));
    expectCode("E_RANGE", () => x.unsqueeze(3), /unsqueeze: dim/);
    expectCode("E_RANGE", () => x.squeeze(2), /squeeze: dim/);
    expectCode("E_SHAPE", () => x.permute(0), /permute: dims: expected 2 dimensions/);
    expectCode("E_VALUE", () => x.permute(0, 0), /permute: dims: expected a permutation/);
    expectCode("E_RANGE", () => x.permute(0, 2));
    expectCode("E_RANGE", () => x.transpose(0, 2), /transpose: dim1/);
    expectCode("E_TYPE", () => x.slice(0, 1.5), /slice: start: expected an integer/);
    expectCode("E_TYPE", () => x.slice(0, 0, "2" as never), /slice: end/);
    expectCode("E_RANGE", () => x.slice(2, 0), /slice: dim/);
    expectCode("E_SHAPE", () => x.expand(4, 3), /expand: shape/);
    expectCode("E_SHAPE", () => x.expand(3), /at least 2 dimensions/);
    expectCode("E_SHAPE", () => x.expand(2, -2));
    expectCode("E_TYPE", () => F.expand(x, 3 as never), /expand: shape: expected an array/);
    expectCode("E_VALUE", () => concat([], 0), /concat: tensors: expected a non-empty array/);
    expectCode("E_SHAPE", () => concat([ones([2, 3]), ones([3, 3])], 1), /concat: tensors\[1\]: expected shape \[2, -1\]/);
    expectCode("E_SHAPE", () => concat([ones([2, 3]), ones([2, 3, 1])], 0));
    expectCode("E_DTYPE", () => concat([ones([2]), tensor([1], undefined, { dtype: "int32" })]), /concat: tensors\[1\]: expected dtype float32/);
    expectCode("E_RANGE", () => concat([ones([2]), ones([2])], 1), /concat: axis/);
    expectCode("E_TYPE", () => concat([ones([2]), [1, 2] as never]), /concat: tensors\[1\]: expected a Tensor/);
    const other = otherDevice(ctx.backend);
    expectCode("E_DEVICE", () => concat([ones([2]), onDevice(other, () => ones([2]))]), /concat: tensors\[1\]: expected a tensor on the same device/);
    expectCode("E_SHAPE", () => x.copy_(ones([3, 2])), /copy_: src: expected float32 \[2, 3\], received float32 \[3, 2\]/);
    expectCode("E_SHAPE", () => x.copy_(zeros([2, 3], { dtype: "int32" })), /received int32/);
    expectCode("E_DEVICE", () => x.copy_(onDevice(other, () => ones([2, 3]))), /copy_: src: expected a tensor on the same device/);
    expectCode("E_TYPE", () => x.copy_([1] as never), /copy_: src: expected a Tensor/);
    expectCode("E_TYPE", () => F.clone(3 as never), /clone: input/);
    expectCode("E_TYPE", () => x.requiresGrad_("yes" as never), /requiresGrad_/);
    expectCode("E_DTYPE", () => tensor([1], undefined, { dtype: "int32" }).requiresGrad_(true));
    const used: Tensor = ones([2]);
    used.dispose();
    expectCode("E_DISPOSED", () => used.reshape(2, 1));
  });
});
