// Elementwise binary ops (add sub mul div) as data: the public call, the float64 value and partial
// derivatives, and the broadcast patterns. The forward checks run in binary.test.ts on every device
// and in abi-swap.test.ts against CPU backends with permuted op codes. Binary also has maximum and
// minimum, which no public op reaches yet: they are checked through the device interface directly.
import { F, tensor, type Tensor } from "../../src/index.js";
import type { BinaryOp } from "../../src/backend/backend.js";
import { type Check, type Tolerance, expectClose, expectShape, sizeOf, stridesOf, uniform, unravel } from "./compare.js";
import { LENGTHS } from "./unary-cases.js";
import { TORCH_SPECIAL } from "./special-values.js";

export interface BinarySpec {
  name: "add" | "sub" | "mul" | "div";
  apply: (a: Tensor, b: Tensor | number) => Tensor;
  f: (a: number, b: number) => number;
  /** ∂f/∂a and ∂f/∂b. */
  da: (a: number, b: number) => number;
  db: (a: number, b: number) => number;
}

export const BINARY: readonly BinarySpec[] = [
  { name: "add", apply: (a, b) => a.add(b), f: (a, b) => a + b, da: () => 1, db: () => 1 },
  { name: "sub", apply: (a, b) => F.sub(a, b), f: (a, b) => a - b, da: () => 1, db: () => -1 },
  { name: "mul", apply: (a, b) => a.mul(b), f: (a, b) => a * b, da: (_, b) => b, db: (a) => a },
  { name: "div", apply: (a, b) => F.div(a, b), f: (a, b) => a / b, da: (_, b) => 1 / b, db: (a, b) => -a / (b * b) },
];

// add, sub, mul are exact in float64 and rounded once; float64 division of float32 operands rounds
// to the correctly rounded float32 too (53 ≥ 2·24 + 2). So every device must be within one rounding.
export const BINARY_TOL: Tolerance = { rtol: 6e-8, atol: 0 };

/** [a shape, b shape]: one-sided, two-sided, 0-d, size-0, odd and long runs, non-mergeable dims. */
export const PATTERNS: readonly [number[], number[]][] = [
  [[3, 4], [4]], [[4], [3, 4]], [[3, 1], [1, 4]], [[2, 3, 4], [3, 1]], [[1], [5]], [[5], [1]], [[], [2, 3]], [[2, 3], []],
  [[4, 1, 5], [1, 6, 1]], [[0, 3], [3]], [[2, 1], [2, 0]], [[7, 13], [7, 1]], [[65, 129], [129]], [[2, 1, 3], [2, 4, 3]],
  [[5, 1, 1], [1, 1, 7]], [[1, 9], [9, 1]], [[3, 1, 2, 1], [1, 4, 1, 5]],
];

export interface Broadcast {
  shape: number[];
  /** For each output element, the flat index into a and into b. */
  ai: number[];
  bi: number[];
}

/** NumPy broadcasting of two shapes, with each output element's source indices. */
export function broadcast(aShape: readonly number[], bShape: readonly number[]): Broadcast {
  const nd = Math.max(aShape.length, bShape.length);
  const pad = (s: readonly number[]) => [...new Array(nd - s.length).fill(1), ...s];
  const pa = pad(aShape), pb = pad(bShape);
  const shape = pa.map((d, i) => (d === 1 ? pb[i] : d));
  const sa = stridesOf(pa), sb = stridesOf(pb);
  const ai: number[] = [], bi: number[] = [];
  for (let k = 0; k < sizeOf(shape); k++) {
    const idx = unravel(k, shape);
    ai.push(idx.reduce((o, v, d) => o + (pa[d] === 1 ? 0 : v * sa[d]), 0));
    bi.push(idx.reduce((o, v, d) => o + (pb[d] === 1 ? 0 : v * sb[d]), 0));
  }
  return { shape, ai, bi };
}

/** Operands: a in [-4, 4); b likewise, but for div kept 0.5 ≤ |b| < 4 so quotients stay moderate. */
export function operand(spec: BinarySpec, n: number, seed: number, which: "a" | "b"): Float32Array {
  const v = uniform(n, seed, -4, 4);
  if (spec.name === "div" && which === "b") for (let i = 0; i < n; i++) v[i] = Math.fround(Math.sign(v[i] || 1) * (0.5 + Math.abs(v[i]) * 0.875));
  return v;
}

async function checkPattern(s: BinarySpec, aShape: number[], bShape: number[], seed: number): Promise<void> {
  const av = operand(s, sizeOf(aShape), seed, "a");
  const bv = operand(s, sizeOf(bShape), seed + 1, "b");
  const { shape, ai, bi } = broadcast(aShape, bShape);
  const y = s.apply(tensor(av, aShape), tensor(bv, bShape));
  const what = `${s.name} [${aShape}] with [${bShape}]`;
  expectShape(y, shape, what);
  expectClose(await y.read(), ai.map((a, k) => s.f(av[a], bv[bi[k]])), BINARY_TOL, what);
}

const SCALARS = [2.5, -1.25, 0.3, 7];

export function binaryForwardChecks(): Check[] {
  const checks: Check[] = [];
  for (const s of BINARY) {
    checks.push({
      name: `${s.name}: same shapes, lengths ${LENGTHS.join(", ")} vs float64`,
      run: async () => {
        for (const [i, n] of LENGTHS.entries()) await checkPattern(s, [n], [n], 200 + i);
      },
    });
    checks.push({
      name: `${s.name}: tensor ${s.name} number (${SCALARS.join(", ")}; the number is rounded to float32)`,
      run: async () => {
        for (const n of [1, 3, 4, 5, 9, 67]) {
          const av = operand(s, n, 300 + n, "a");
          for (const c of SCALARS) {
            const y = s.apply(tensor(av), c);
            expectClose(await y.read(), Array.from(av, (a) => s.f(a, Math.fround(c))), BINARY_TOL, `${s.name}([${n}], ${c})`);
          }
        }
      },
    });
    checks.push({
      name: `${s.name}: broadcasting ${PATTERNS.map(([a, b]) => `[${a}]·[${b}]`).join(" ")}`,
      run: async () => {
        for (const [i, [a, b]] of PATTERNS.entries()) await checkPattern(s, a, b, 400 + i);
      },
    });
    checks.push({
      name: `${s.name}: NaN, ±∞, ±0 as torch 1.13 (signed zeros too)`,
      run: async () => {
        const { a, b } = TORCH_SPECIAL.binary;
        expectClose(await s.apply(tensor(a), tensor(b)).read(), TORCH_SPECIAL.binary[s.name], BINARY_TOL, `${s.name}(specials)`, true);
        // the same operands through the broadcast path ([n, 1] with [1]) and the scalar path
        const col = s.apply(tensor(a, [a.length, 1]), tensor([b[0]]));
        expectClose(await col.read(), a.map((x) => s.f(x, b[0])), BINARY_TOL, `${s.name}(specials, ${b[0]})`, true);
      },
    });
  }
  checks.push({
    name: "div by −0 gives −∞ for positive numerators (torch)",
    run: async () => expectClose(await F.div(tensor([1, -1]), tensor([-0, -0])).read(), TORCH_SPECIAL.binary["div by -0"], BINARY_TOL, "x / −0", true),
  });
  checks.push({
    name: "maximum, minimum through the device interface (no public op yet): same shape, scalar, broadcast, NaN",
    run: async () => {
      const a = tensor([1, -2, NaN, 4, -0.5, 3, 7, -8, 2]);
      const b = tensor([0, 5, 1, NaN, -0.25, 3, -7, 8, 2]);
      const be = a.backend;
      const out = tensor(new Float32Array(9));
      const want = (op: BinaryOp, x: number, y: number) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : op === "maximum" ? Math.max(x, y) : Math.min(x, y));
      const av = await a.read(), bv = await b.read();
      for (const op of ["maximum", "minimum"] as const) {
        be.binary(op, a.handle, b.handle, out.handle, 9);
        expectClose(await out.read(), Array.from(av, (x, i) => want(op, x, bv[i])), BINARY_TOL, `${op}(a, b)`);
        be.binaryScalar(op, a.handle, 1.5, out.handle, 9, false);
        expectClose(await out.read(), Array.from(av, (x) => want(op, x, 1.5)), BINARY_TOL, `${op}(a, 1.5)`);
        be.binaryScalar(op, a.handle, -1.5, out.handle, 9, true);
        expectClose(await out.read(), Array.from(av, (x) => want(op, -1.5, x)), BINARY_TOL, `${op}(−1.5, a)`);
        // a as [3, 3] with b's first row [1, 3] broadcast down the rows
        be.binaryBroadcast(op, a.handle, b.handle, out.handle, [3, 3], [3, 1], [0, 1]);
        expectClose(await out.read(), Array.from(av, (x, i) => want(op, x, bv[i % 3])), BINARY_TOL, `${op}([3, 3], [1, 3])`);
      }
    },
  });
  checks.push({
    name: "sub and div with the scalar first through the device interface (s − a, s / a)",
    run: async () => {
      const av = operand(BINARY[3], 9, 5, "b");
      const a = tensor(av);
      const out = tensor(new Float32Array(9));
      a.backend.binaryScalar("sub", a.handle, 2.5, out.handle, 9, true);
      expectClose(await out.read(), Array.from(av, (x) => 2.5 - x), BINARY_TOL, "2.5 − a");
      a.backend.binaryScalar("div", a.handle, 2.5, out.handle, 9, true);
      expectClose(await out.read(), Array.from(av, (x) => 2.5 / x), BINARY_TOL, "2.5 / a");
    },
  });
  return checks;
}
