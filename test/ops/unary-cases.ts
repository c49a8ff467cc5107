// Elementwise unary ops as data: each op's public call, its float64 value and derivative, the input
// range of the sweeps and the tolerance (with its reason). The forward checks built from them run in
// unary.test.ts on every device and in abi-swap.test.ts against CPU backends with permuted op codes.
import { F, tensor, type Tensor } from "../../src/index.js";
import { type Check, type Tolerance, erf, erfc, expectClose, expectShape, uniform } from "./compare.js";
import { TORCH_SPECIAL } from "./special-values.js";

export interface UnarySpec {
  /** "gelu", "pow 3": the fixture key too. */
  name: string;
  apply: (x: Tensor) => Tensor;
  f: (x: number) => number;
  df: (x: number) => number;
  /** Inputs of the sweeps: uniform in [lo, hi). */
  lo: number;
  hi: number;
  tol: Tolerance;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const geluU = (x: number) => Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3);
/** GELU's tanh form (torch approximate="tanh", GPT-2's gelu_new) and its derivative, in float64. */
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(geluU(x)));
const geluTanhGrad = (x: number) => {
  const t = Math.tanh(geluU(x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * x * x);
};
const pdf = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
/** Φ(x), through erfc on the left so the tail keeps its relative accuracy. */
const cdf = (x: number) => (x < 0 ? 0.5 * erfc(-x / Math.SQRT2) : 0.5 * (1 + erf(x / Math.SQRT2)));

// Tolerances: exact ops (neg, abs, relu) 0; one IEEE rounding (square, sqrt, pow 2) 2^-24; log and
// pow use musl ports (< 1 ulp): 1.2e-7; exp, tanh, sigmoid: a Cephes-style float32 polynomial (~2 ulp)
// plus a division: 3e-7; silu multiplies once more: 4e-7. gelu's erfc (Numerical Recipes, 1.2e-7
// fractional) in float32 loses a few ulp, and on the left z² carries float32 rounding into the
// exponent, so it also gets an absolute 5e-7·|x| ≤ 4e-6 on [-8, 8]. The reference device rounds
// float64 once (≤ 2^-24), inside all of these.
const EXACT: Tolerance = { rtol: 0, atol: 0 };
const ONE_ROUNDING: Tolerance = { rtol: 6e-8, atol: 0 };
const MUSL: Tolerance = { rtol: 1.2e-7, atol: 0 };
const POLY: Tolerance = { rtol: 3e-7, atol: 1e-30 };

export const UNARY: readonly UnarySpec[] = [
  { name: "neg", apply: (x) => x.neg(), f: (x) => -x, df: () => -1, lo: -8, hi: 8, tol: EXACT },
  { name: "exp", apply: (x) => x.exp(), f: Math.exp, df: Math.exp, lo: -8, hi: 8, tol: POLY },
  { name: "log", apply: (x) => x.log(), f: Math.log, df: (x) => 1 / x, lo: 1e-3, hi: 8, tol: MUSL },
  { name: "sqrt", apply: (x) => x.sqrt(), f: Math.sqrt, df: (x) => 0.5 / Math.sqrt(x), lo: 0, hi: 8, tol: ONE_ROUNDING },
  { name: "tanh", apply: (x) => x.tanh(), f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2, lo: -8, hi: 8, tol: POLY },
  { name: "sigmoid", apply: (x) => x.sigmoid(), f: sigmoid, df: (x) => sigmoid(x) * (1 - sigmoid(x)), lo: -8, hi: 8, tol: POLY },
  { name: "relu", apply: (x) => x.relu(), f: (x) => Math.max(x, 0), df: (x) => (x > 0 ? 1 : 0), lo: -8, hi: 8, tol: EXACT },
  { name: "gelu", apply: (x) => x.gelu(), f: (x) => x * cdf(x), df: (x) => cdf(x) + x * pdf(x), lo: -8, hi: 8, tol: { rtol: 3e-7, atol: 4e-6 } },
  { name: "gelu tanh", apply: (x) => x.gelu("tanh"), f: geluTanh, df: geluTanhGrad, lo: -8, hi: 8, tol: { rtol: 6e-7, atol: 2e-6 } },
  { name: "silu", apply: (x) => x.silu(), f: (x) => x * sigmoid(x), df: (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))), lo: -8, hi: 8, tol: { rtol: 4e-7, atol: 1e-30 } },
  { name: "abs", apply: (x) => x.abs(), f: Math.abs, df: Math.sign, lo: -8, hi: 8, tol: EXACT },
  { name: "square", apply: (x) => x.square(), f: (x) => x * x, df: (x) => 2 * x, lo: -8, hi: 8, tol: ONE_ROUNDING },
  { name: "pow 3", apply: (x) => x.pow(3), f: (x) => x ** 3, df: (x) => 3 * x * x, lo: -4, hi: 4, tol: MUSL },
  { name: "pow 0.5", apply: (x) => F.pow(x, 0.5), f: Math.sqrt, df: (x) => 0.5 / Math.sqrt(x), lo: 1e-3, hi: 8, tol: MUSL },
  { name: "pow 2", apply: (x) => x.pow(2), f: (x) => x * x, df: (x) => 2 * x, lo: -8, hi: 8, tol: ONE_ROUNDING },
  { name: "pow 1", apply: (x) => x.pow(1), f: (x) => x, df: () => 1, lo: -8, hi: 8, tol: EXACT },
  { name: "pow 0", apply: (x) => x.pow(0), f: () => 1, df: () => 0, lo: -8, hi: 8, tol: EXACT },
  { name: "pow -1", apply: (x) => x.pow(-1), f: (x) => 1 / x, df: (x) => -1 / (x * x), lo: 0.25, hi: 8, tol: MUSL },
  // a negative base with an integer exponent is defined (C / torch pow)
  { name: "pow -2 (negative base)", apply: (x) => x.pow(-2), f: (x) => x ** -2, df: (x) => -2 * x ** -3, lo: -4, hi: -0.25, tol: MUSL },
];

/** Lengths that end the SIMD loops at every remainder, plus longer runs. */
export const LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 67, 1000];

async function sweep(s: UnarySpec, n: number, seed: number): Promise<void> {
  const xs = uniform(n, seed, s.lo, s.hi);
  const y = s.apply(tensor(xs));
  expectShape(y, [n], `${s.name} [${n}]`);
  expectClose(await y.read(), Array.from(xs, s.f), s.tol, `${s.name} [${n}] (seed ${seed})`);
}

/**
 * The ops whose torch answers for NaN, ±∞, ±0 are the intended ones, signs of zeros included. Not
 * here: gelu (its limit at −∞ below; the sign of gelu(−0) is unspecified: torch gives +0, x·Φ(x) −0)
 * and pow 0.5, where torch calls sqrt (pow(−∞, 0.5) = NaN, pow(−0, 0.5) = −0) but the kernel
 * contract is C's pow (+∞ and +0).
 */
export const FOLLOWS_TORCH = ["neg", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "silu", "abs", "square", "pow 3", "pow 2", "pow 0"];

/** torch's gelu at −∞ is x·Φ(x) = −∞·0 = NaN (1.13); the intended value is the limit, 0. */
export const GELU_SPECIAL = TORCH_SPECIAL.unary.gelu.y.map((v, i) => (TORCH_SPECIAL.inputs[i] === -Infinity ? 0 : v));

export function unaryForwardChecks(): Check[] {
  const checks: Check[] = [];
  for (const s of UNARY) {
    checks.push({
      name: `${s.name}: lengths ${LENGTHS.join(", ")} (SIMD tails) vs float64`,
      run: async () => {
        for (const [i, n] of LENGTHS.entries()) await sweep(s, n, 100 + i);
      },
    });
    checks.push({
      name: `${s.name}: shapes [], [0, 3], [7, 13] kept`,
      run: async () => {
        for (const shape of [[], [0, 3], [7, 13]]) {
          const n = shape.reduce((a, d) => a * d, 1);
          const xs = uniform(n, 7, s.lo, s.hi);
          const y = s.apply(tensor(xs, shape));
          expectShape(y, shape, `${s.name} [${shape}]`);
          expectClose(await y.read(), Array.from(xs, s.f), s.tol, `${s.name} [${shape}]`);
        }
      },
    });
  }
  const inputs = TORCH_SPECIAL.inputs;
  for (const name of FOLLOWS_TORCH) {
    const s = UNARY.find((u) => u.name === name)!;
    checks.push({
      name: `${name}: NaN, ±∞, ±0, ±1 as torch 1.13`,
      run: async () => expectClose(await s.apply(tensor(inputs)).read(), TORCH_SPECIAL.unary[name].y, { rtol: 3e-7, atol: 0 }, `${name}(${inputs})`),
    });
    const zeros = [3, 4].filter((i) => Object.is(inputs[i], -0) || Object.is(inputs[i], 0));
    const want = zeros.map((i) => TORCH_SPECIAL.unary[name].y[i]);
    if (want.some((v) => v === 0)) {
      checks.push({
        name: `${name}(−0), ${name}(+0): the signs of zero torch 1.13 gives (${want.map((v) => (Object.is(v, -0) ? "−0" : String(v))).join(", ")})`,
        run: async () => expectClose(await s.apply(tensor(zeros.map((i) => inputs[i]))).read(), want, { rtol: 0, atol: 0 }, `${name}(−0, +0)`, true),
      });
    }
  }
  checks.push({
    name: "gelu: NaN, +∞, ±0, ±1 as torch 1.13; gelu(−∞) = 0 (the limit; torch gives NaN)",
    run: async () => expectClose(await UNARY.find((u) => u.name === "gelu")!.apply(tensor(inputs)).read(), GELU_SPECIAL, { rtol: 3e-7, atol: 0 }, "gelu(specials)"),
  });
  checks.push({
    name: "pow 0.5: C pow at NaN, ±∞, ±0, ±1 (pow(−∞, 0.5) = +∞, pow(−1, 0.5) = NaN)",
    run: async () => expectClose(await tensor(inputs).pow(0.5).read(), inputs.map((x) => Math.pow(x, 0.5)), { rtol: 0, atol: 0 }, "pow 0.5(specials)"),
  });
  checks.push({
    name: "relu keeps NaN and −0 (torch: relu(NaN) = NaN, relu(−0) = −0) in SIMD body and tail",
    run: async () => {
      const xs = [NaN, -0, -1, 2, NaN, -0, -3, 0, -0];
      expectClose(await tensor(xs).relu().read(), [NaN, -0, 0, 2, NaN, -0, 0, 0, -0], EXACT, "relu", true);
    },
  });
  checks.push({
    name: "gelu far left tail (x down to −13): x·Φ(x) without cancellation, 0 below",
    run: async () => {
      // Φ(x) < 1e-38 below −13 flushes to 0 in float32; up to there the erfc form keeps ~1e-6 relative
      const xs = [-9, -10, -11, -12, -12.5, -20, -40, -1e30];
      const want = xs.map((x) => (x < -13 ? 0 : x * cdf(x)));
      expectClose(await tensor(xs).gelu().read(), want, { rtol: 2e-5, atol: 1e-44 }, "gelu tail");
    },
  });
  checks.push({
    name: "F.<op>(x) is x.<op>() for every unary op",
    run: async () => {
      const x = tensor(uniform(9, 3, 0.1, 4));
      const pairs: [Tensor, Tensor][] = [
        [F.neg(x), x.neg()], [F.exp(x), x.exp()], [F.log(x), x.log()], [F.sqrt(x), x.sqrt()], [F.tanh(x), x.tanh()],
        [F.sigmoid(x), x.sigmoid()], [F.relu(x), x.relu()], [F.gelu(x), x.gelu()], [F.silu(x), x.silu()],
        [F.abs(x), x.abs()], [F.square(x), x.square()], [F.pow(x, 3), x.pow(3)],
      ];
      for (const [i, [a, b]] of pairs.entries()) expectClose(await a.read(), await b.read(), EXACT, `pair ${i}`);
    },
  });
  return checks;
}
