// Reductions (sum mean max min over axes, argmax argmin) as data: a float64 reduction of a tensor's
// values over any set of axes, the shapes to sweep and the float32 summation bound. The forward
// checks run in reduce.test.ts on every device and in abi-swap.test.ts against CPU backends with
// permuted op codes.
import { tensor, type Tensor } from "../../src/index.js";
import { type Check, expectClose, expectShape, expectWithin, sizeOf, uniform, unravel } from "./compare.js";
import { TORCH_SPECIAL } from "./special-values.js";

export type ReduceName = "sum" | "mean" | "max" | "min";
export const REDUCE_OPS: readonly ReduceName[] = ["sum", "mean", "max", "min"];

export interface Reduced {
  shape: number[];
  values: number[];
  /** A bound on float32 summation error: (len − 1)·2^-24·Σ|x| + 2^-24·|result| (any summation order). */
  bound: number[];
  /** Flat input index of the first extreme (max/min) of each output, NaN counting as the extreme. */
  arg: number[];
}

const U = 2 ** -24;

/** op over `axes` (all when empty) of x: [shape], float64; keepDim keeps them as 1. */
export function reduceRef(op: ReduceName, xs: ArrayLike<number>, shape: readonly number[], axes: readonly number[], keepDim: boolean): Reduced {
  const all = axes.length === 0 ? shape.map((_, i) => i) : axes;
  const outFull = shape.map((d, i) => (all.includes(i) ? 1 : d));
  const n = sizeOf(outFull);
  const acc = new Array<number>(n).fill(op === "sum" || op === "mean" ? 0 : NaN);
  const mag = new Array<number>(n).fill(0);
  const arg = new Array<number>(n).fill(-1);
  const count = all.reduce((c, a) => c * shape[a], 1);
  for (let k = 0; k < sizeOf(shape); k++) {
    const idx = unravel(k, shape);
    const o = idx.reduce((p, v, d) => p * outFull[d] + (all.includes(d) ? 0 : v), 0);
    const v = xs[k];
    if (op === "sum" || op === "mean") {
      acc[o] += v;
      mag[o] += Math.abs(v);
    } else if (arg[o] === -1 || (!Number.isNaN(acc[o]) && (Number.isNaN(v) || (op === "max" ? v > acc[o] : v < acc[o])))) {
      acc[o] = v;
      arg[o] = k;
    }
  }
  const values = acc.map((s) => (op === "mean" ? s / count : s));
  const bound = values.map((v, o) => (Math.max(count - 1, 0) * U * mag[o] / (op === "mean" ? count : 1)) + U * Math.abs(v));
  return { shape: keepDim ? outFull : shape.filter((_, i) => !all.includes(i)), values, bound, arg };
}

/** x.op(axis, keepDim) for any op name, through the public methods. */
export function applyReduce(op: ReduceName, x: Tensor, axis?: number | number[], keepDim = false): Tensor {
  if (op === "sum") return x.sum(axis, keepDim);
  if (op === "mean") return x.mean(axis, keepDim);
  if (Array.isArray(axis)) throw new Error(`${op} takes one axis`);
  return op === "max" ? x.max(axis, keepDim) : x.min(axis, keepDim);
}

async function expectReduce(op: ReduceName, shape: number[], axis: number | number[] | undefined, keepDim: boolean, seed: number): Promise<void> {
  const xs = uniform(sizeOf(shape), seed);
  const axes = axis === undefined ? [] : (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + shape.length : a));
  const ref = reduceRef(op, xs, shape, axes, keepDim);
  const y = applyReduce(op, tensor(xs, shape), axis, keepDim);
  const what = `${op}([${shape}], axis ${JSON.stringify(axis)}${keepDim ? ", keepDim" : ""})`;
  expectShape(y, ref.shape, what);
  expectWithin(await y.read(), ref.values, ref.bound, what);
}

/** Row lengths around the 16-wide partial sums and 4-wide tails of the row kernel. */
export const ROW_LENGTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 33, 100];

export function reduceForwardChecks(): Check[] {
  const checks: Check[] = [];
  for (const op of REDUCE_OPS) {
    checks.push({
      name: `${op}: rows of length ${ROW_LENGTHS.join(", ")} over the last axis`,
      run: async () => {
        for (const [i, len] of ROW_LENGTHS.entries()) await expectReduce(op, [3, len], -1, false, 800 + i);
      },
    });
    checks.push({
      name: `${op}: columns (inner > 1): [7, 13] axis 0, [4, 5, 6] axes 0 1 2, [3, 1, 5] axis 1, [2, 9, 65] axis 1`,
      run: async () => {
        await expectReduce(op, [7, 13], 0, false, 900);
        for (const a of [0, 1, 2]) await expectReduce(op, [4, 5, 6], a, false, 901 + a);
        await expectReduce(op, [3, 1, 5], 1, false, 904);
        await expectReduce(op, [2, 9, 65], 1, false, 905);
      },
    });
    checks.push({
      name: `${op}: keepDim, negative axes, every axis (no axis given)`,
      run: async () => {
        await expectReduce(op, [4, 5, 6], -2, true, 910);
        await expectReduce(op, [4, 5, 6], 0, true, 911);
        await expectReduce(op, [4, 5, 6], undefined, false, 912);
        await expectReduce(op, [4, 5, 6], undefined, true, 913);
        await expectReduce(op, [1000], undefined, false, 914);
      },
    });
    checks.push({
      name: `${op}: a 0-d tensor over axis 0, −1 and none is its value`,
      run: async () => {
        for (const axis of [0, -1, undefined]) {
          const y = applyReduce(op, tensor(-2.5), axis);
          expectShape(y, [], `${op}(0-d, ${axis})`);
          expectClose(await y.read(), [-2.5], { rtol: 0, atol: 0 }, `${op}(0-d, ${axis})`);
        }
      },
    });
    checks.push({
      name: `${op}: NaN and ±∞ rows as torch 1.13 (NaN propagates; ∞ − ∞ = NaN)`,
      run: async () => {
        const { x, shape } = TORCH_SPECIAL.reduce;
        expectClose(await applyReduce(op, tensor(x, shape), 1).read(), TORCH_SPECIAL.reduce[op], { rtol: 6e-8, atol: 0 }, `${op}(specials)`);
      },
    });
  }
  for (const op of ["sum", "mean"] as const) {
    checks.push({
      name: `${op}: axis lists ([0, 2], [2, 0], [−1, 0], []) and empty axes (sum 0, mean NaN, like torch)`,
      run: async () => {
        await expectReduce(op, [2, 3, 4], [0, 2], false, 920);
        await expectReduce(op, [2, 3, 4], [2, 0], true, 921);
        await expectReduce(op, [2, 3, 4], [-1, 0], false, 922);
        await expectReduce(op, [2, 3, 4], [], false, 923);
        const empty = op === "sum" ? 0 : NaN;
        const a = applyReduce(op, tensor(new Float32Array(0), [0, 3]), 0);
        expectShape(a, [3], `${op}([0, 3], 0)`);
        expectClose(await a.read(), [empty, empty, empty], { rtol: 0, atol: 0 }, `${op}([0, 3], 0)`);
        const b = applyReduce(op, tensor(new Float32Array(0), [2, 0]), 1, true);
        expectShape(b, [2, 1], `${op}([2, 0], 1)`);
        expectClose(await b.read(), [empty, empty], { rtol: 0, atol: 0 }, `${op}([2, 0], 1)`);
        expectClose(await applyReduce(op, tensor([])).read(), [empty], { rtol: 0, atol: 0 }, `${op}([0])`);
        expectShape(applyReduce(op, tensor(new Float32Array(0), [0, 3]), 1), [0], `${op}([0, 3], 1)`);
      },
    });
  }
  checks.push({
    name: "max, min: ties give the first; argmax, argmin: first index, NaN counts as the extreme (torch)",
    run: async () => {
      const x = tensor([[1, 3, 3, -2, -2], [NaN, 1, NaN, 2, -1], [0, -0, 5, NaN, 5]]);
      expectClose(await x.max(1).read(), [3, NaN, NaN], { rtol: 0, atol: 0 }, "max ties/NaN");
      expectClose(await x.min(1).read(), [-2, NaN, NaN], { rtol: 0, atol: 0 }, "min ties/NaN");
      expectClose(await x.argmax(1).read(), [1, 0, 3], { rtol: 0, atol: 0 }, "argmax");
      expectClose(await x.argmin(1).read(), [3, 0, 3], { rtol: 0, atol: 0 }, "argmin");
      const { x: sx, shape } = TORCH_SPECIAL.reduce;
      expectClose(await tensor(sx, shape).argmax(1).read(), TORCH_SPECIAL.reduce.argmax, { rtol: 0, atol: 0 }, "argmax(specials)");
      expectClose(await tensor(sx, shape).argmin(1).read(), TORCH_SPECIAL.reduce.argmin, { rtol: 0, atol: 0 }, "argmin(specials)");
    },
  });
  checks.push({
    name: "argmax, argmin: every axis of [4, 5, 6] (SIMD lanes over inner and the scalar tail), flattened, keepDim, 0-d",
    run: async () => {
      const shape = [4, 5, 6];
      const xs = uniform(120, 930);
      const x = tensor(xs, shape);
      for (const [name, op] of [["argmax", "max"], ["argmin", "min"]] as const) {
        for (const axis of [0, 1, 2, -1]) {
          const a = axis < 0 ? axis + 3 : axis;
          const ref = reduceRef(op, xs, shape, [a], false);
          const y = name === "argmax" ? x.argmax(axis) : x.argmin(axis);
          expectShape(y, ref.shape, `${name}(${axis})`);
          if (y.dtype !== "int32") throw new Error(`${name}: dtype ${y.dtype}, expected int32`);
          expectClose(await y.read(), ref.arg.map((k) => unravel(k, shape)[a]), { rtol: 0, atol: 0 }, `${name}(axis ${axis})`);
        }
        const flat = reduceRef(op, xs, [120], [0], false).arg;
        const yf = name === "argmax" ? x.argmax() : x.argmin();
        expectShape(yf, [], `${name}()`);
        expectClose(await yf.read(), flat, { rtol: 0, atol: 0 }, `${name}()`);
        const yk = name === "argmax" ? x.argmax(undefined, true) : x.argmin(undefined, true);
        expectShape(yk, [1, 1, 1], `${name}(keepDim)`);
        expectShape(name === "argmax" ? x.argmax(1, true) : x.argmin(1, true), [4, 1, 6], `${name}(1, keepDim)`);
        const z = name === "argmax" ? tensor(3).argmax(0) : tensor(3).argmin(-1);
        expectShape(z, [], `${name}(0-d)`);
        expectClose(await z.read(), [0], { rtol: 0, atol: 0 }, `${name}(0-d)`);
      }
    },
  });
  return checks;
}
