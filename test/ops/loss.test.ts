// Losses through the public API on every device: crossEntropy (torch.nn.functional.cross_entropy:
// ignoreIndex, labelSmoothing, reductions, [..., C] logits), mseLoss and
// binaryCrossEntropyWithLogits (reductions, extreme logits). float64 references from the
// definitions; gradients against the float64 formulas and by gradcheck; bad inputs.
import { F, ones, tensor, zeros } from "../../src/index.js";
import { forEachDevice, onDevice, otherDevice } from "./devices.js";
import { expectClose, expectCode, expectGradcheck, expectRangeError, expectShape, intT, itTidy, randT, sizeOf, uniform } from "./compare.js";

type Reduction = "mean" | "sum" | "none";
interface CeOptions { ignoreIndex?: number; labelSmoothing?: number; reduction?: Reduction }

/** cross_entropy per row in float64 and the mean/sum/none reduction; dlogits of the reduced loss. */
function crossEntropyRef(xs: ArrayLike<number>, rows: number, cols: number, t: number[], o: CeOptions) {
  const ignore = o.ignoreIndex ?? -100, eps = Math.fround(o.labelSmoothing ?? 0), red = o.reduction ?? "mean";
  const losses: number[] = [], probs: number[][] = [];
  let kept = 0;
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: cols }, (_, j) => xs[r * cols + j]);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    probs.push(row.map((v) => Math.exp(v - lse)));
    if (t[r] === ignore) {
      losses.push(0);
      continue;
    }
    kept++;
    const mean = row.reduce((s, v) => s + v, 0) / cols;
    losses.push((1 - eps) * (lse - row[t[r]]) + eps * (lse - mean));
  }
  const total = losses.reduce((s, v) => s + v, 0);
  const loss = red === "none" ? losses : [red === "sum" ? total : total / kept];
  /** d loss / d logits for upstream gradient g (per row for "none", one number otherwise). */
  const grad = (g: number[]) => probs.flatMap((p, r) => {
    if (t[r] === ignore) return p.map(() => 0);
    const scale = red === "none" ? g[r] : red === "sum" ? g[0] : g[0] / kept;
    return p.map((v, j) => scale * (v - ((j === t[r] ? 1 - eps : 0) + eps / cols)));
  });
  return { loss, grad };
}

// The loss is a log-sum-exp (float32 rows, ~len ulp) minus a logit: absolute error ~1e-6 for logits
// of a few units; means divide once more. Gradients are softmax probabilities minus targets.
const LOSS_TOL = { rtol: 2e-6, atol: 2e-6 };
const GRAD_TOL = { rtol: 1e-5, atol: 1e-6 };

async function checkCe(shape: number[], t: number[], o: CeOptions, seed: number, scale = 3): Promise<void> {
  const cols = shape[shape.length - 1], rows = sizeOf(shape) / cols;
  const xs = uniform(sizeOf(shape), seed, -scale, scale);
  const ref = crossEntropyRef(xs, rows, cols, t, o);
  const logits = tensor(xs, shape, { requiresGrad: true });
  const loss = logits.crossEntropy(intT(t, shape.slice(0, -1)), o);
  const what = `crossEntropy [${shape}] ${JSON.stringify(o)}`;
  expectShape(loss, o.reduction === "none" ? shape.slice(0, -1) : [], what);
  expectClose(await loss.read(), ref.loss, { ...LOSS_TOL, atol: LOSS_TOL.atol * scale }, what);
  const g = uniform(loss.size, seed + 1, 0.5, 1.5);
  loss.backward(tensor(g, loss.shape.slice()));
  expectClose(await logits.grad!.read(), ref.grad(Array.from(g)), GRAD_TOL, `d ${what}`);
}

const classes = (n: number, cols: number, seed: number) => Array.from(uniform(n, seed, 0, cols), Math.floor);

forEachDevice("losses", (ctx) => {
  itTidy(ctx, "crossEntropy: C = 1, 2, 3, 5, 9, 17, 100 classes, every reduction, forward and gradient vs float64", async () => {
    for (const [i, c] of [1, 2, 3, 5, 9, 17, 100].entries()) {
      for (const reduction of ["mean", "sum", "none"] as const) await checkCe([6, c], classes(6, c, 10 + i), { reduction }, 20 + i);
    }
  });

  itTidy(ctx, "crossEntropy: ignoreIndex (default −100 and a class index), labelSmoothing 0.1, 0.5, 1, combined", async () => {
    const t = [1, -100, 0, 4, -100, 2];
    for (const reduction of ["mean", "sum", "none"] as const) {
      await checkCe([6, 5], t, { reduction }, 30);
      await checkCe([6, 5], [1, 2, 0, 2, 4, 2], { ignoreIndex: 2, reduction }, 31);
      for (const labelSmoothing of [0.1, 0.5, 1]) await checkCe([6, 5], t, { labelSmoothing, reduction }, 32);
    }
  });

  itTidy(ctx, "crossEntropy: [2, 3, C] logits with [2, 3] targets; large logits (±1e4) stay finite; 0 rows", async () => {
    await checkCe([2, 3, 7], classes(6, 7, 40), {}, 41);
    await checkCe([2, 3, 7], classes(6, 7, 42), { reduction: "none", labelSmoothing: 0.2 }, 43);
    const big = F.crossEntropy(tensor([[1e4, 0, -1e4], [0, 1e4, 0]]), intT([1, 1]), { reduction: "none" });
    expectClose(await big.read(), [1e4, 0], { rtol: 1e-6, atol: 0 }, "crossEntropy with ±1e4 logits");
    const empty = zeros([0, 4]).crossEntropy(intT([]), { reduction: "sum" });
    expectClose(await empty.read(), [0], { rtol: 0, atol: 0 }, "crossEntropy sum of 0 rows");
  });

  itTidy(ctx, "crossEntropy: all targets ignored: mean NaN (torch), sum 0, none zeros; gradient 0", async () => {
    const x = ones([2, 3], { requiresGrad: true });
    expectClose(await x.crossEntropy(intT([-100, -100])).read(), [NaN], { rtol: 0, atol: 0 }, "mean");
    expectClose(await x.crossEntropy(intT([-100, -100]), { reduction: "sum" }).read(), [0], { rtol: 0, atol: 0 }, "sum");
    const none = x.crossEntropy(intT([-100, -100]), { reduction: "none" });
    expectClose(await none.read(), [0, 0], { rtol: 0, atol: 0 }, "none");
    none.sum().backward();
    expectClose(await x.grad!.read(), [0, 0, 0, 0, 0, 0], { rtol: 0, atol: 0 }, "gradient of ignored rows");
  });

  itTidy(ctx, "mseLoss and binaryCrossEntropyWithLogits: every reduction, forward and both gradients vs float64; extreme logits", async () => {
    const shape = [3, 7];
    const n = sizeOf(shape);
    const xs = uniform(n, 50, -4, 4), ys = uniform(n, 51), ps = uniform(n, 52, 0, 1);
    const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    for (const reduction of ["mean", "sum", "none"] as const) {
      const k = reduction === "mean" ? 1 / n : 1;
      const reduce = (v: number[]) => (reduction === "none" ? v : [v.reduce((s, u) => s + u, 0) * k]);
      const x = tensor(xs, shape, { requiresGrad: true }), y = tensor(ys, shape, { requiresGrad: true });
      const mse = F.mseLoss(x, y, reduction);
      expectClose(await mse.read(), reduce(Array.from(xs, (v, i) => (v - ys[i]) ** 2)), { rtol: 1e-6, atol: 1e-6 }, `mseLoss ${reduction}`);
      (reduction === "none" ? mse.sum() : mse).backward();
      expectClose(await x.grad!.read(), Array.from(xs, (v, i) => 2 * (v - ys[i]) * k), GRAD_TOL, `d mseLoss/dx ${reduction}`);
      expectClose(await y.grad!.read(), Array.from(xs, (v, i) => -2 * (v - ys[i]) * k), GRAD_TOL, `d mseLoss/dy ${reduction}`);
      const z = tensor(xs, shape, { requiresGrad: true }), p = tensor(ps, shape, { requiresGrad: true });
      const bce = F.binaryCrossEntropyWithLogits(z, p, reduction);
      expectClose(await bce.read(), reduce(Array.from(xs, (v, i) => softplus(v) - v * ps[i])), { rtol: 1e-6, atol: 2e-6 }, `bce ${reduction}`);
      (reduction === "none" ? bce.sum() : bce).backward();
      expectClose(await z.grad!.read(), Array.from(xs, (v, i) => (sig(v) - ps[i]) * k), GRAD_TOL, `d bce/dx ${reduction}`);
      expectClose(await p.grad!.read(), Array.from(xs, (v) => -v * k), GRAD_TOL, `d bce/dtarget ${reduction}`);
    }
    const extreme = F.binaryCrossEntropyWithLogits(tensor([0, 100, -100, 100, -100, 30]), tensor([1, 1, 0, 0, 1, 0.5]), "none");
    expectClose(await extreme.read(), [Math.log(2), 0, 0, 100, 100, softplus(30) - 15], { rtol: 1e-6, atol: 1e-6 }, "bce with ±100 logits (torch: finite)");
    expectClose(await F.mseLoss(zeros([0]), zeros([0])).read(), [NaN], { rtol: 0, atol: 0 }, "mean of no elements is NaN (torch)");
  });

  itTidy(ctx, "gradcheck: crossEntropy with ignore and smoothing, sum; mseLoss; bce with logits", async () => {
    await expectGradcheck((x) => x.crossEntropy(intT([1, -100, 0, 4]), { labelSmoothing: 0.2 }), [randT([4, 5], 1, -2, 2, true)], "crossEntropy");
    await expectGradcheck((x) => x.crossEntropy(intT([1, 2]), { reduction: "sum" }), [randT([2, 3], 2, -2, 2, true)], "crossEntropy sum");
    await expectGradcheck((x) => x.crossEntropy(intT([1, 2, 0, 0], [2, 2]), { reduction: "none" }), [randT([2, 2, 3], 3, -2, 2, true)], "crossEntropy none, 3-d");
    await expectGradcheck((a, b) => F.mseLoss(a, b), [randT([3, 2], 4, -1, 1, true), randT([3, 2], 5, -1, 1, true)], "mseLoss");
    await expectGradcheck((a, b) => F.binaryCrossEntropyWithLogits(a, b, "sum"), [randT([2, 3], 6, -2, 2, true), randT([2, 3], 7, 0, 1, true)], "bce");
  });

  itTidy(ctx, "bad inputs: E_DTYPE, E_SHAPE, E_RANGE (classes, smoothing, ignoreIndex), E_VALUE (reduction), E_TYPE, E_DEVICE", async () => {
    const x = ones([2, 3]);
    await expectRangeError(() => x.crossEntropy(intT([0, 3])), /crossEntropy: target\[1\]: expected a class in \[0, 2\] or ignoreIndex -100, received 3/);
    await expectRangeError(() => x.crossEntropy(intT([-1, 0])), /received -1/);
    await expectRangeError(() => x.crossEntropy(intT([-100, 0]), { ignoreIndex: 1 }), /or ignoreIndex 1, received -100/);
    expectCode("E_SHAPE", () => x.crossEntropy(ones([2])), /crossEntropy: target: expected class probabilities of shape \[2, 3\] \(or int32 indices of shape \[2\]\)/);
    expectCode("E_DTYPE", () => F.nllLoss(x, ones([2])), /nllLoss: target: expected int32 class indices/);
    expectCode("E_DTYPE", () => zeros([2, 3], { dtype: "int32" }).crossEntropy(intT([0, 1])), /crossEntropy: input: expected a float32 tensor/);
    expectCode("E_SHAPE", () => x.crossEntropy(intT([0])), /crossEntropy: target: expected shape \[2\] for input \[2, 3\], received \[1\]/);
    expectCode("E_SHAPE", () => tensor(1).crossEntropy(intT([0])));
    expectCode("E_RANGE", () => x.crossEntropy(intT([0, 1]), { labelSmoothing: 2 }), /labelSmoothing/);
    expectCode("E_RANGE", () => x.crossEntropy(intT([0, 1]), { labelSmoothing: -0.1 }));
    expectCode("E_RANGE", () => x.crossEntropy(intT([0, 1]), { ignoreIndex: 1.5 }), /ignoreIndex/);
    expectCode("E_TYPE", () => x.crossEntropy(intT([0, 1]), { ignoreIndex: "1" as never }), /ignoreIndex/);
    expectCode("E_VALUE", () => x.crossEntropy(intT([0, 1]), { reduction: "avg" as never }), /reduction: expected "mean", "sum" or "none"/);
    expectCode("E_TYPE", () => x.crossEntropy(intT([0, 1]), "mean" as never), /crossEntropy: options: expected an object/);
    expectCode("E_SHAPE", () => F.mseLoss(ones([2, 3]), ones([3])), /mseLoss: target: expected shape \[2, 3\]/);
    expectCode("E_VALUE", () => F.mseLoss(ones([2]), ones([2]), "avg" as never), /mseLoss: reduction/);
    expectCode("E_DTYPE", () => F.mseLoss(ones([2]), zeros([2], { dtype: "int32" })), /mseLoss: target: expected a float32 tensor/);
    expectCode("E_SHAPE", () => F.binaryCrossEntropyWithLogits(ones([2, 3]), ones([2, 1])), /binaryCrossEntropyWithLogits: target: expected shape/);
    expectCode("E_VALUE", () => F.binaryCrossEntropyWithLogits(ones([2]), ones([2]), "none " as never));
    expectCode("E_TYPE", () => F.binaryCrossEntropyWithLogits(ones([2]), [1, 0] as never), /binaryCrossEntropyWithLogits: target: expected a Tensor/);
    const other = otherDevice(ctx.backend);
    expectCode("E_DEVICE", () => x.crossEntropy(onDevice(other, () => intT([0, 1]))), /crossEntropy: target: expected a tensor on the same device/);
    expectCode("E_DEVICE", () => F.mseLoss(ones([2]), onDevice(other, () => ones([2]))), /mseLoss: target/);
    expectCode("E_DEVICE", () => F.binaryCrossEntropyWithLogits(ones([2]), onDevice(other, () => ones([2]))), /binaryCrossEntropyWithLogits: target/);
  });
});
