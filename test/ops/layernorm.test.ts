// layerNorm over the trailing normalizedShape dims (torch.nn.functional.layer_norm: biased
// variance, eps inside the root) through the public API on every device: float64 references for
// every affine combination (the kernel has a loop per case), row lengths around the SIMD widths, a
// large-mean row, eps, size-0 and multi-dim normalizedShape; gradients of x, weight and bias
// against the float64 formulas, for every combination of which of them need one, and gradcheck.
import { F, ones, tensor, zeros, type Tensor } from "../../src/index.js";
import { forEachDevice, onDevice, otherDevice } from "./devices.js";
import { expectCode, expectGradcheck, expectShape, expectWithin, itTidy, randT, uniform } from "./compare.js";

const U = 2 ** -24;

interface LnRef {
  y: number[];
  bound: number[];
  xhat: number[];
  rstd: number[];
}

/**
 * layer_norm of [rows, cols] in float64. Bound per element, from the float32 kernel's error terms:
 * the mean of cols values is off by ≤ cols·2^-24·mean|x| (scaled by rstd·|γ| in y), 1/std by a
 * few·cols ulp relative (scaled by |x̂·γ|), and the affine step rounds at |y| and |β|; doubled.
 */
function layerNormRef(xs: ArrayLike<number>, rows: number, cols: number, w: ArrayLike<number> | null, b: ArrayLike<number> | null, eps: number): LnRef {
  const y: number[] = [], bound: number[] = [], xhat: number[] = [], rstd: number[] = [];
  for (let r = 0; r < rows; r++) {
    let mu = 0, mabs = 0;
    for (let j = 0; j < cols; j++) {
      mu += xs[r * cols + j];
      mabs += Math.abs(xs[r * cols + j]);
    }
    mu /= cols;
    mabs /= cols;
    let v = 0;
    for (let j = 0; j < cols; j++) v += (xs[r * cols + j] - mu) ** 2;
    const rs = 1 / Math.sqrt(v / cols + Math.fround(eps));
    rstd.push(rs);
    for (let j = 0; j < cols; j++) {
      const xh = (xs[r * cols + j] - mu) * rs;
      const g = w ? w[j] : 1, be = b ? b[j] : 0;
      xhat.push(xh);
      y.push(xh * g + be);
      bound.push(2 * (cols * U * mabs * rs * Math.abs(g) + 4 * (cols + 4) * U * Math.abs(xh * g) + 4 * U * (Math.abs(xh * g) + Math.abs(be))));
    }
  }
  return { y, bound, xhat, rstd };
}

const COLS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 64, 100];
const AFFINE = [[true, true], [true, false], [false, true], [false, false]] as const;
const affineName = (w: boolean, b: boolean) => (w && b ? "weight and bias" : w ? "weight only" : b ? "bias only" : "no affine");

async function check(rows: number, cols: number, withW: boolean, withB: boolean, seed: number, opts: { mean?: number; eps?: number } = {}): Promise<void> {
  const xs = uniform(rows * cols, seed, -1, 1).map((v) => Math.fround(v + (opts.mean ?? 0)));
  const wv = withW ? uniform(cols, seed + 1, 0.5, 1.5) : null;
  const bv = withB ? uniform(cols, seed + 2) : null;
  const eps = opts.eps ?? 1e-5;
  const ref = layerNormRef(xs, rows, cols, wv, bv, eps);
  const y = tensor(xs, [rows, cols]).layerNorm(cols, wv && tensor(wv), bv && tensor(bv), eps);
  const what = `layerNorm [${rows}, ${cols}] ${affineName(withW, withB)} (mean ${opts.mean ?? 0}, eps ${eps})`;
  expectShape(y, [rows, cols], what);
  expectWithin(await y.read(), ref.y, ref.bound, what);
}

forEachDevice("layerNorm", (ctx) => {
  for (const [w, b] of AFFINE) {
    itTidy(ctx, `${affineName(w, b)}: rows of ${COLS.join(", ")} vs float64`, async () => {
      for (const [i, c] of COLS.entries()) await check(3, c, w, b, 10 * i + 1);
    });
  }

  itTidy(ctx, "a row with a large mean (1000 + U(−1, 1)): two-pass variance keeps it accurate; eps 0.1; constant rows give β", async () => {
    await check(4, 64, true, true, 200, { mean: 1000 });
    await check(3, 33, true, false, 201, { eps: 0.1 });
    const y = tensor([[2, 2, 2], [-5, -5, -5]]).layerNorm(3, tensor([1, 2, 3]), tensor([0.5, -1, 0]));
    expectWithin(await y.read(), [0.5, -1, 0, 0.5, -1, 0], [0, 0, 0, 0, 0, 0], "constant rows");
  });

  itTidy(ctx, "normalizedShape over two dims ([4, 2, 3] with [2, 3]) and as a number; size-0 rows; 3-d input", async () => {
    const xs = uniform(24, 300);
    const wv = uniform(6, 301, 0.5, 1.5), bv = uniform(6, 302);
    const ref = layerNormRef(xs, 4, 6, wv, bv, 1e-5);
    const y = F.layerNorm(tensor(xs, [4, 2, 3]), [2, 3], tensor(wv, [2, 3]), tensor(bv, [2, 3]));
    expectShape(y, [4, 2, 3], "layerNorm [2, 3]");
    expectWithin(await y.read(), ref.y, ref.bound, "layerNorm [2, 3]");
    const ref2 = layerNormRef(xs, 8, 3, null, null, 1e-5);
    expectWithin(await tensor(xs, [2, 4, 3]).layerNorm(3).read(), ref2.y, ref2.bound, "layerNorm over the last of three dims");
    expectShape(zeros([0, 4]).layerNorm(4), [0, 4], "layerNorm of [0, 4]");
  });

  itTidy(ctx, "gradients of x, weight and bias vs float64, for each set of inputs that needs one", async () => {
    const rows = 5, cols = 9;
    const xs = uniform(rows * cols, 400, -2, 2), wv = uniform(cols, 401, 0.5, 1.5), bv = uniform(cols, 402), g = uniform(rows * cols, 403);
    const ref = layerNormRef(xs, rows, cols, wv, bv, 1e-5);
    const wantDx = (withW: boolean) => Array.from(xs, (_, e) => {
      const r = Math.floor(e / cols);
      let sG = 0, sGX = 0;
      for (let j = 0; j < cols; j++) {
        const gj = g[r * cols + j] * (withW ? wv[j] : 1);
        sG += gj;
        sGX += gj * ref.xhat[r * cols + j];
      }
      const ge = g[e] * (withW ? wv[e % cols] : 1);
      return ref.rstd[r] * (ge - sG / cols - ref.xhat[e] * sGX / cols);
    });
    const dW = Array.from(wv, (_, j) => [0, 1, 2, 3, 4].reduce((s, r) => s + g[r * cols + j] * ref.xhat[r * cols + j], 0));
    const dB = Array.from(bv, (_, j) => [0, 1, 2, 3, 4].reduce((s, r) => s + g[r * cols + j], 0));
    // Each gradient is a short dot product followed by a difference that may cancel.
    const tol = (v: number[]) => v.map((u) => 1e-5 + 1e-4 * Math.abs(u));
    for (const [wNeeds, bNeeds, withW, withB] of [[true, true, true, true], [false, true, true, true], [true, false, true, false], [false, false, true, false], [false, false, false, false], [false, true, false, true]] as const) {
      const x = tensor(xs, [rows, cols], { requiresGrad: true });
      const w: Tensor | null = withW ? tensor(wv, undefined, { requiresGrad: wNeeds }) : null;
      const b: Tensor | null = withB ? tensor(bv, undefined, { requiresGrad: bNeeds }) : null;
      x.layerNorm(cols, w, b).backward(tensor(g, [rows, cols]));
      const what = `${affineName(withW, withB)}${wNeeds ? ", dW" : ""}${bNeeds ? ", dB" : ""}`;
      const dx = wantDx(withW);
      expectWithin(await x.grad!.read(), dx, tol(dx), `dx (${what})`);
      if (wNeeds) expectWithin(await w!.grad!.read(), dW, tol(dW), `dW (${what})`);
      if (bNeeds) expectWithin(await b!.grad!.read(), dB, tol(dB), `dB (${what})`);
    }
  });

  itTidy(ctx, "gradcheck: with affine (16 columns: the 8-wide loop), without, over two dims", async () => {
    await expectGradcheck((x, w, b) => x.layerNorm(16, w, b), [randT([3, 16], 1, -1, 1, true), randT([16], 2, 0.5, 1.5, true), randT([16], 3, -1, 1, true)], "with affine");
    await expectGradcheck((x, w, b) => x.layerNorm(6, w, b), [randT([4, 6], 4, -1, 1, true), randT([6], 5, 0.5, 1.5, true), randT([6], 6, -1, 1, true)], "with affine, 6 columns");
    await expectGradcheck((x) => F.layerNorm(x, [2, 3]), [randT([4, 2, 3], 7, -1, 1, true)], "no affine, two dims");
  });

  itTidy(ctx, "bad inputs: normalizedShape, weight/bias shapes → E_SHAPE; eps → E_RANGE / E_TYPE; dtypes → E_DTYPE; E_DEVICE", async () => {
    const x = ones([2, 3]);
    expectCode("E_SHAPE", () => x.layerNorm(4), /layerNorm: normalizedShape: expected the trailing dimensions of input \[2, 3\], received 4/);
    expectCode("E_SHAPE", () => x.layerNorm([2, 3, 1]));
    expectCode("E_SHAPE", () => x.layerNorm([]));
    expectCode("E_SHAPE", () => tensor(1).layerNorm([]), /normalizedShape/);
    expectCode("E_SHAPE", () => x.layerNorm(3, ones([2])), /layerNorm: weight: expected shape \[3\], received \[2\]/);
    expectCode("E_SHAPE", () => x.layerNorm(3, null, ones([3, 1])), /layerNorm: bias: expected shape \[3\]/);
    expectCode("E_RANGE", () => x.layerNorm(3, null, null, -1), /layerNorm: eps/);
    expectCode("E_RANGE", () => x.layerNorm(3, null, null, NaN));
    expectCode("E_TYPE", () => x.layerNorm(3, null, null, "1e-5" as never));
    expectCode("E_DTYPE", () => zeros([2, 3], { dtype: "int32" }).layerNorm(3), /layerNorm: input: expected a float32 tensor/);
    expectCode("E_DTYPE", () => x.layerNorm(3, zeros([3], { dtype: "int32" })), /layerNorm: weight: expected a float32 tensor/);
    expectCode("E_TYPE", () => x.layerNorm(3, [1, 1, 1] as never), /layerNorm: weight: expected a Tensor/);
    const other = otherDevice(ctx.backend);
    expectCode("E_DEVICE", () => x.layerNorm(3, onDevice(other, () => ones([3]))), /layerNorm: weight: expected a tensor on the same device/);
    expectCode("E_DEVICE", () => x.layerNorm(3, ones([3]), onDevice(other, () => ones([3]))), /layerNorm: bias/);
  });
});
