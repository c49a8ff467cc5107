// softmax and logSoftmax over any axis through the public API on every device: float64 references
// (stable: subtract the row maximum), rows of every SIMD remainder, huge and tiny logits, −∞,
// torch 1.13's special values, 0-d and size-0 tensors; gradients against the float64 formulas
// (softmax: y·(g − Σg·y); logSoftmax: g − softmax·Σg) and gradcheck; bad inputs.
import { F, ones, tensor } from "../../src/index.js";
import { forEachDevice } from "./devices.js";
import { expectClose, expectCode, expectGradcheck, expectShape, expectWithin, gradOf, itTidy, randT, sizeOf, stridesOf, uniform, unravel } from "./compare.js";
import { TORCH_SPECIAL } from "./special-values.js";

const U = 2 ** -24;

interface SoftmaxRef {
  y: number[];
  /** float32 error bound per element (see softmaxRef). */
  bound: number[];
  /** softmax values (also for logSoftmax: its gradient needs them). */
  p: number[];
}

/**
 * softmax / logSoftmax of x: [shape] along axis in float64. Bounds: softmax (len + 16)·2^-24
 * relative (the CPU's rr2-p5 exp is within ~2 ulp per term, the row sum of len terms adds up to
 * len ulp, 1/Σ and the scaling two more: up to ~10 ulp seen on short rows); logSoftmax absolute
 * 2^-24·(len + 16 + 2|x − max| + 2|y|) (log Σ inherits Σ's relative error; the shift and the
 * result are rounded at their own magnitudes).
 */
function softmaxRef(xs: ArrayLike<number>, shape: number[], axis: number, log: boolean): SoftmaxRef {
  const len = shape.length === 0 ? 1 : shape[axis];
  const st = shape.length === 0 ? [1] : stridesOf(shape);
  const n = sizeOf(shape);
  const y = new Array<number>(n), bound = new Array<number>(n), p = new Array<number>(n);
  for (let k = 0; k < n; k++) {
    const idx = shape.length === 0 ? [0] : unravel(k, shape);
    if (idx[axis] !== 0) continue;
    const at = (l: number) => k + l * st[axis];
    let m = -Infinity;
    for (let l = 0; l < len; l++) m = Math.max(m, xs[at(l)]);
    let s = 0;
    for (let l = 0; l < len; l++) s += Math.exp(xs[at(l)] - m);
    for (let l = 0; l < len; l++) {
      const e = at(l);
      p[e] = Math.exp(xs[e] - m) / s;
      y[e] = log ? xs[e] - m - Math.log(s) : p[e];
      bound[e] = log ? U * (len + 16 + 2 * Math.abs(xs[e] - m) + 2 * Math.abs(y[e])) : (len + 16) * U * y[e] + 1e-38;
    }
  }
  return { y, bound, p };
}

const apply = (log: boolean) => (log ? (x: ReturnType<typeof tensor>, axis?: number) => x.logSoftmax(axis) : (x: ReturnType<typeof tensor>, axis?: number) => x.softmax(axis));

async function check(log: boolean, shape: number[], axis: number, xs: ArrayLike<number>, what: string): Promise<void> {
  const a = shape.length === 0 ? 0 : axis < 0 ? axis + shape.length : axis;
  const ref = softmaxRef(xs, shape, a, log);
  const y = apply(log)(tensor(Float32Array.from(xs), shape), axis);
  expectShape(y, shape, what);
  expectWithin(await y.read(), ref.y, ref.bound, what);
}

const COLS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 33, 100];

forEachDevice("softmax / logSoftmax", (ctx) => {
  for (const log of [false, true]) {
    const name = log ? "logSoftmax" : "softmax";
    itTidy(ctx, `${name}: rows of ${COLS.join(", ")} (SIMD tails) over the last axis vs float64`, async () => {
      for (const [i, c] of COLS.entries()) await check(log, [3, c], -1, uniform(3 * c, 10 + i, -5, 5), `${name} [3, ${c}]`);
    });
    itTidy(ctx, `${name}: other axes ([3, 5] axis 0, [3, 4, 5] axes 0 and 1, [2, 7, 13] axis 1), 0-d, size 0`, async () => {
      await check(log, [3, 5], 0, uniform(15, 20), `${name} axis 0`);
      await check(log, [3, 4, 5], 0, uniform(60, 21), `${name} [3,4,5] axis 0`);
      await check(log, [3, 4, 5], 1, uniform(60, 22), `${name} [3,4,5] axis 1`);
      await check(log, [2, 7, 13], -2, uniform(182, 23), `${name} [2,7,13] axis −2`);
      const s = apply(log)(tensor(2.5), 0);
      expectShape(s, [], `${name}(0-d)`);
      expectClose(await s.read(), [log ? 0 : 1], { rtol: 0, atol: 0 }, `${name}(0-d)`);
      expectShape(apply(log)(tensor(new Float32Array(0), [0, 5])), [0, 5], `${name}([0, 5])`);
      expectShape(apply(log)(tensor(new Float32Array(0), [3, 0])), [3, 0], `${name}([3, 0])`);
      expectShape(apply(log)(tensor(new Float32Array(0), [3, 0]), 0), [3, 0], `${name}([3, 0], 0)`);
    });
    itTidy(ctx, `${name}: huge and tiny logits (±1e4, ±30, 1e-30 apart) stay finite; −∞ entries; torch 1.13's special rows`, async () => {
      await check(log, [4, 6], -1, [1e4, -1e4, 0, 1, 2, 3, 30, -30, 29.5, 0, 0, 0, 1e-30, 0, -1e-30, 1e-30, 0, 0, -80, -90, -100, -85, -87, -103.5], `${name} extreme rows`);
      await check(log, [2, 5], -1, [-Infinity, 0, 1, -Infinity, 2, 3, -Infinity, -Infinity, -Infinity, 4], `${name} with −∞`);
      const { x, shape } = TORCH_SPECIAL.softmax;
      expectClose(await apply(log)(tensor(x, shape)).read(), log ? TORCH_SPECIAL.softmax.logSoftmax : TORCH_SPECIAL.softmax.softmax,
        { rtol: 1e-6, atol: 1e-7 }, `${name}(torch specials)`);
    });
    itTidy(ctx, `${name}: gradient vs float64 (last axis, axis 0, 9 and 33 columns)`, async () => {
      for (const [shape, axis] of [[[3, 9], -1], [[4, 33], 1], [[5, 3], 0]] as const) {
        const xs = uniform(sizeOf(shape), 30 + shape[1], -3, 3);
        const g = uniform(xs.length, 31 + shape[1]);
        const x = tensor(xs, [...shape], { requiresGrad: true });
        const got = await gradOf(apply(log)(x, axis), x, g);
        const a = axis < 0 ? axis + 2 : axis;
        const { p } = softmaxRef(xs, [...shape], a, false);
        const st = stridesOf([...shape]);
        const want = Array.from(xs, (_, k) => {
          const base = k - unravel(k, [...shape])[a] * st[a];
          let sg = 0, sgp = 0;
          for (let l = 0; l < shape[a]; l++) {
            sg += g[base + l * st[a]];
            sgp += g[base + l * st[a]] * p[base + l * st[a]];
          }
          return log ? g[k] - p[k] * sg : p[k] * (g[k] - sgp);
        });
        expectClose(got, want, { rtol: 1e-5, atol: 1e-6 }, `d ${name} [${shape}] axis ${axis}`);
      }
    });
  }

  itTidy(ctx, "gradcheck: softmax last axis and axis 0, logSoftmax, softmax over the middle of [2, 3, 4]", async () => {
    await expectGradcheck((a) => a.softmax(-1), [randT([3, 5], 1, -2, 2, true)], "softmax −1");
    await expectGradcheck((a) => a.softmax(0), [randT([3, 5], 2, -2, 2, true)], "softmax 0");
    await expectGradcheck((a) => F.logSoftmax(a, -1), [randT([3, 5], 3, -2, 2, true)], "logSoftmax");
    await expectGradcheck((a) => F.softmax(a, 1), [randT([2, 3, 4], 4, -2, 2, true)], "softmax middle axis");
  });

  itTidy(ctx, "bad inputs: axis out of range → E_RANGE, not a number → E_TYPE, int32 → E_DTYPE", async () => {
    for (const f of [(x: ReturnType<typeof ones>, a: unknown) => x.softmax(a as number), (x: ReturnType<typeof ones>, a: unknown) => F.logSoftmax(x, a as number)]) {
      expectCode("E_RANGE", () => f(ones([2, 3]), 2), /oftmax: axis: expected an integer axis in \[-2, 1\]/);
      expectCode("E_RANGE", () => f(ones([2, 3]), -3));
      expectCode("E_TYPE", () => f(ones([2, 3]), "1"));
      expectCode("E_DTYPE", () => f(tensor([1, 2], undefined, { dtype: "int32" }), -1), /expected a float32 tensor/);
    }
    expectCode("E_TYPE", () => F.softmax([1, 2] as never, -1), /softmax: input: expected a Tensor/);
  });
});
