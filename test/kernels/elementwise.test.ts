// Elementwise kernels (assembly/elementwise.ts) on every build against float64 references in plain
// TS: unary ops and derivatives (torch semantics: relu'(0) = abs'(0) = 0, GELU exact erf form,
// pow with negative bases), binary ops, scalar operands and NumPy broadcasting.
import { describe, expect, it } from "vitest";
import { BUILDS, loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { Binary, Unary } from "../../src/runtime/abi.js";
import { allocF32, erf, erfc, putF32, putI32, randomF32, readF32, release, sameValue } from "./util.js";

const U = Unary;
type UnaryName = keyof typeof U;
const B = Binary;
type BinaryName = keyof typeof B;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
const REF: Record<UnaryName, (x: number, p: number) => number> = {
  neg: (x) => -x, exp: Math.exp, log: Math.log, sqrt: Math.sqrt, tanh: Math.tanh, sigmoid,
  relu: (x) => Math.max(x, 0), gelu: (x) => (x < 0 ? 0.5 * x * erfc(-x / Math.SQRT2) : 0.5 * x * (1 + erf(x / Math.SQRT2))), silu: (x) => x * sigmoid(x),
  pow: (x, p) => Math.pow(x, p), abs: Math.abs, square: (x) => x * x,
  geluTanh: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
};
const GRAD: Record<UnaryName, (x: number, p: number) => number> = {
  neg: () => -1, exp: Math.exp, log: (x) => 1 / x, sqrt: (x) => 0.5 / Math.sqrt(x),
  tanh: (x) => 1 - Math.tanh(x) ** 2, sigmoid: (x) => sigmoid(x) * (1 - sigmoid(x)),
  relu: (x) => (x > 0 ? 1 : 0), gelu: (x) => (x < 0 ? 0.5 * erfc(-x / Math.SQRT2) : 0.5 * (1 + erf(x / Math.SQRT2))) + x * phi(x),
  silu: (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))), pow: (x, p) => (p === 0 ? 0 : p * Math.pow(x, p - 1)),
  abs: (x) => Math.sign(x), square: (x) => 2 * x,
  geluTanh: (x) => {
    const t = Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3));
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * x * x);
  },
};
// Relative tolerance per op, with an absolute floor of 1e-30 (denormal outputs). Exact IEEE ops get
// 2^-24 (one rounding); exp/tanh/sigmoid/silu ~2 ulp of a Cephes polynomial plus one division; gelu's
// erfc (Numerical Recipes, 1.2e-7 fractional) evaluated in f32 loses a few more ulp, and in the far
// left tail z² carries f32 rounding into the exponent, so gelu also gets an absolute 5e-7·|x|, i.e.
// an erf error of 1e-6 (torch's own f32 GELU returns 0 there); log and pow use AssemblyScript's musl
// ports (< 1 ulp).
const RTOL: Record<UnaryName, number> = {
  neg: 0, exp: 3e-7, log: 1.2e-7, sqrt: 6e-8, tanh: 3e-7, sigmoid: 3e-7, relu: 0, gelu: 3e-7, silu: 4e-7,
  pow: 1.2e-7, abs: 0, square: 6e-8, geluTanh: 6e-7,
};
// Inputs: log and sqrt on (0, 8], others on [-8, 8]; pow's exponent in the main sweep is 3.
function inputs(op: UnaryName, n: number, seed: number): Float32Array {
  const x = randomF32(n, seed, 8);
  return op === "log" || op === "sqrt" ? x.map((v) => Math.abs(v) + 1e-3) : x;
}

function close(got: number, want: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(want) || !Number.isFinite(want)) return sameValue(got, want);
  return Math.abs(got - want) <= rtol * Math.abs(want) + atol;
}

function unary(rt: Runtime, op: UnaryName, x: ArrayLike<number>, p = 3): Float32Array {
  const px = putF32(rt, x), po = allocF32(rt, x.length);
  rt.exports.unaryF32(U[op], px, po, x.length, p);
  const got = readF32(rt, po, x.length);
  release(rt, px, po);
  return got;
}

function checkUnary(rt: Runtime, op: UnaryName, x: Float32Array, p = 3, atol = 1e-30): void {
  const got = unary(rt, op, x, p);
  for (let i = 0; i < x.length; i++) {
    const want = REF[op](x[i], p);
    if (!close(got[i], want, RTOL[op], op === "gelu" || op === "geluTanh" ? atol + 5e-7 * Math.abs(x[i]) : atol)) {
      throw new Error(`${rt.build} ${op}(${x[i]}${op === "pow" ? `, ${p}` : ""}) at ${i}/${x.length} = ${got[i]}, expected ${want}`);
    }
  }
}

function checkBackward(rt: Runtime, op: UnaryName, x: Float32Array, p = 3): void {
  const n = x.length;
  const dy = randomF32(n, 99 + n);
  const px = putF32(rt, x), py = allocF32(rt, n), pdy = putF32(rt, dy), pdx = allocF32(rt, n);
  rt.exports.unaryF32(U[op], px, py, n, p);
  rt.exports.unaryBackwardF32(U[op], px, py, pdy, pdx, n, p);
  const got = readF32(rt, pdx, n);
  release(rt, px, py, pdy, pdx);
  for (let i = 0; i < n; i++) {
    const want = dy[i] * GRAD[op](x[i], p);
    // The derivative is formed from f32 intermediates (y, 1 − y², ...): a few ulp of the factors,
    // and 1e-6 absolute for tanh'/sigmoid' where 1 − y² cancels.
    if (!close(got[i], want, 2e-6, 1e-6 * Math.abs(dy[i]))) {
      throw new Error(`${rt.build} d${op}(${x[i]}) with dy ${dy[i]} at ${i}/${n} = ${got[i]}, expected ${want}`);
    }
  }
}

function binaryRef(op: BinaryName, a: number, b: number): number {
  switch (op) {
    case "add": return a + b;
    case "sub": return a - b;
    case "mul": return a * b;
    case "div": return a / b;
    case "maximum": return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b);
    case "minimum": return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b);
  }
}

// Binary results are one IEEE f32 rounding of the exact value: Math.fround of the float64 result.
function expectBinary(build: string, what: string, op: BinaryName, a: number, b: number, got: number): void {
  const want = Math.fround(binaryRef(op, a, b));
  if (!sameValue(got, want)) throw new Error(`${build} ${what}: ${op}(${a}, ${b}) = ${got}, expected ${want}`);
}

function contiguousStrides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]; }
  return s;
}

/** NumPy broadcasting of aShape against bShape (right-aligned), element strides 0 on broadcast dims. */
function broadcastCase(aShape: number[], bShape: number[]) {
  const nd = Math.max(aShape.length, bShape.length);
  const pa = [...new Array(nd - aShape.length).fill(1), ...aShape];
  const pb = [...new Array(nd - bShape.length).fill(1), ...bShape];
  const shape = pa.map((s, d) => (s === 1 ? pb[d] : s));
  const ca = contiguousStrides(pa), cb = contiguousStrides(pb);
  return { shape, as: pa.map((s, d) => (s === 1 ? 0 : ca[d])), bs: pb.map((s, d) => (s === 1 ? 0 : cb[d])) };
}

function checkBroadcast(rt: Runtime, aShape: number[], bShape: number[], seed: number): void {
  const { shape, as, bs } = broadcastCase(aShape, bShape);
  const A = randomF32(aShape.reduce((x, y) => x * y, 1), seed);
  const Bv = randomF32(bShape.reduce((x, y) => x * y, 1), seed + 1);
  const total = shape.reduce((x, y) => x * y, 1);
  for (const op of Object.keys(B) as BinaryName[]) {
    const pa = putF32(rt, A), pb = putF32(rt, Bv), po = allocF32(rt, total);
    const psh = putI32(rt, shape), pas = putI32(rt, as), pbs = putI32(rt, bs);
    rt.exports.binaryBroadcastF32(B[op], pa, pb, po, shape.length, psh, pas, pbs);
    const got = readF32(rt, po, total);
    release(rt, pa, pb, po, psh, pas, pbs);
    const idx = new Array<number>(shape.length).fill(0);
    for (let k = 0; k < total; k++) {
      let ia = 0, ib = 0;
      for (let d = 0; d < shape.length; d++) { ia += idx[d] * as[d]; ib += idx[d] * bs[d]; }
      expectBinary(rt.build, `broadcast ${JSON.stringify(aShape)} vs ${JSON.stringify(bShape)} at ${k}`, op, A[ia], Bv[ib], got[k]);
      for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
    }
  }
}

describe.each(BUILDS)("elementwise kernels on the %s build", (build) => {
  const runtimeP = loadRuntime({ build });

  it("every unary op: n = 0, lengths 1..9 (SIMD tails) and 1000 random values", async () => {
    const rt = await runtimeP;
    for (const op of Object.keys(U) as UnaryName[]) {
      for (let n = 0; n <= 9; n++) checkUnary(rt, op, inputs(op, n, n + 1));
      checkUnary(rt, op, inputs(op, 1000, 7));
      checkUnary(rt, op, Float32Array.of(0, -0, 1, -1, 0.5, -0.5, 1e-4, -1e-4, 1e-20, -1e-20, 0.625, -0.625, 0.6249999).filter((v) => op !== "log" && op !== "sqrt" || v > 0));
    }
  });

  it("out may alias x", async () => {
    const rt = await runtimeP;
    const x = randomF32(11, 5, 3);
    const px = putF32(rt, x);
    rt.exports.unaryF32(U.tanh, px, px, 11, 0);
    const got = readF32(rt, px, 11);
    release(rt, px);
    x.forEach((v, i) => expect(close(got[i], Math.tanh(v), RTOL.tanh, 1e-30)).toBe(true));
  });

  it("exp of ±88, ±100, ±inf and NaN: overflow to inf, underflow to 0, never NaN from finite input", async () => {
    const rt = await runtimeP;
    const x = [88, -88, 88.7, 88.8, 100, -100, -87, -103, -104, -1000, Infinity, -Infinity, NaN];
    const got = unary(rt, "exp", x);
    x.forEach((v, i) => {
      const want = Math.fround(Math.exp(Math.fround(v)));
      if (want === Infinity || want === 0 || Number.isNaN(want)) expect(got[i]).toBe(want);
      else if (want < 1.2e-38) expect(Math.abs(got[i] - want)).toBeLessThan(1e-44); // denormal: absolute
      else expect(Math.abs(got[i] - want) / want).toBeLessThan(RTOL.exp);
    });
  });

  it("tanh saturates to ±1 and sigmoid/silu stay finite for large |x|", async () => {
    const rt = await runtimeP;
    const x = [20, -20, 50, -50, 100, -100, 1e30, -1e30, Infinity, -Infinity];
    expect([...unary(rt, "tanh", x)]).toEqual([1, -1, 1, -1, 1, -1, 1, -1, 1, -1]);
    const s = unary(rt, "sigmoid", x);
    expect([...s].every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(s[5]).toBeLessThan(1e-40);
    expect(s[4]).toBe(1);
    checkUnary(rt, "sigmoid", Float32Array.from([-80, -50, -20, 20, 50, 80]));
    checkUnary(rt, "silu", Float32Array.from([-80, -50, -20, 20, 50, 80]));
  });

  it("gelu over [-6, 6] in steps of 1/1024: implied erf absolute error < 1e-6", async () => {
    const rt = await runtimeP;
    const x = Float32Array.from({ length: 12 * 1024 + 1 }, (_, i) => -6 + i / 1024);
    const got = unary(rt, "gelu", x);
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      if (x[i] === 0) { expect(got[i]).toBe(0); continue; }
      // gelu = 0.5·x·(1 + erf(x/√2)) ⇒ erf error = 2·|gelu error| / |x|; f32 rounding of gelu itself
      // contributes up to 2^-24·|gelu|.
      const want = REF.gelu(x[i], 0);
      const erfErr = 2 * Math.max(0, Math.abs(got[i] - want) - 2 ** -24 * Math.abs(want)) / Math.abs(x[i]);
      worst = Math.max(worst, erfErr);
    }
    expect(worst).toBeLessThan(1e-6);
    checkUnary(rt, "gelu", x);
  });

  it("pow: negative bases with integer exponents, NaN for non-integer exponents, p = 0, 1, 2", async () => {
    const rt = await runtimeP;
    const x = Float32Array.of(-3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 2, 3);
    for (const p of [0, 1, 2, 3, -1, -2, 0.5, 2.5, -0.5]) checkUnary(rt, "pow", x, p);
    expect([...unary(rt, "pow", [-2, -2, -8], 3)]).toEqual([-8, -8, -512]);
    expect(unary(rt, "pow", [-2], 0.5)[0]).toBeNaN();
  });

  it("every unary derivative, lengths 0..9 and 1000; relu'(0) = abs'(0) = 0", async () => {
    const rt = await runtimeP;
    for (const op of Object.keys(U) as UnaryName[]) {
      const x = (n: number, s: number) => (op === "tanh" || op === "sigmoid" || op === "exp" ? inputs(op, n, s).map((v) => v / 2) : inputs(op, n, s));
      for (let n = 0; n <= 9; n++) checkBackward(rt, op, x(n, n + 20));
      checkBackward(rt, op, x(1000, 3));
    }
    for (const p of [0, 1, 2, 3, -1, 0.5]) checkBackward(rt, "pow", Float32Array.of(0.5, 1, 2, 3, 1.5, 0.25, 4), p);
    checkBackward(rt, "pow", Float32Array.of(-3, -2, -1, 1, 2), 3);
    const x = Float32Array.of(0, -0, 0, 1, -1);
    const pdy = putF32(rt, [1, 1, 1, 1, 1]), px = putF32(rt, x), py = allocF32(rt, 5), pdx = allocF32(rt, 5);
    for (const op of ["relu", "abs"] as const) {
      rt.exports.unaryF32(U[op], px, py, 5, 0);
      rt.exports.unaryBackwardF32(U[op], px, py, pdy, pdx, 5, 0);
      expect([...readF32(rt, pdx, 5)].map((v) => v + 0)).toEqual(op === "relu" ? [0, 0, 0, 1, 0] : [0, 0, 0, 1, -1]);
    }
    release(rt, pdy, px, py, pdx);
  });

  it("binary ops: n = 0, lengths 1..9 and 1000, NaN propagation in maximum/minimum, aliasing", async () => {
    const rt = await runtimeP;
    for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1000]) {
      const a = randomF32(n, n + 1), b = randomF32(n, n + 2);
      if (n >= 3) { a[1] = NaN; b[2] = NaN; }
      for (const op of Object.keys(B) as BinaryName[]) {
        const pa = putF32(rt, a), pb = putF32(rt, b), po = allocF32(rt, n);
        rt.exports.binaryF32(B[op], pa, pb, po, n);
        const got = readF32(rt, po, n);
        rt.exports.binaryF32(B[op], pa, pb, pa, n); // out = a
        const inA = readF32(rt, pa, n);
        release(rt, pa, pb, po);
        for (let i = 0; i < n; i++) {
          expectBinary(rt.build, `n=${n} [${i}]`, op, a[i], b[i], got[i]);
          expect(sameValue(inA[i], got[i])).toBe(true);
        }
      }
    }
  });

  it("binary ops with a scalar on either side, lengths 0..9 and 1000, in place", async () => {
    const rt = await runtimeP;
    for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1000]) {
      const a = randomF32(n, n + 3);
      for (const s of [0.75, -2, NaN]) {
        for (const op of Object.keys(B) as BinaryName[]) {
          for (const first of [0, 1]) {
            const pa = putF32(rt, a);
            rt.exports.binaryScalarF32(B[op], pa, s, pa, n, first);
            const got = readF32(rt, pa, n);
            release(rt, pa);
            for (let i = 0; i < n; i++) {
              const [x, y] = first ? [s, a[i]] : [a[i], s];
              expectBinary(rt.build, `scalar ${first ? "first" : "second"} n=${n} [${i}]`, op, x, y, got[i]);
            }
          }
        }
      }
    }
  });

  it("broadcast: row, column, scalar-like, middle axis, both sides, odd sizes (7x13, 65x129)", async () => {
    const rt = await runtimeP;
    checkBroadcast(rt, [7, 13], [13], 1); // row
    checkBroadcast(rt, [7, 13], [7, 1], 2); // column
    checkBroadcast(rt, [7, 1], [7, 13], 3); // column on the left
    checkBroadcast(rt, [13], [7, 13], 4); // row on the left
    checkBroadcast(rt, [7, 13], [1, 1], 5); // scalar-like
    checkBroadcast(rt, [1], [7, 13], 6);
    checkBroadcast(rt, [3, 5, 7], [3, 1, 7], 7); // middle axis
    checkBroadcast(rt, [3, 1, 7], [1, 5, 1], 8); // both broadcast
    checkBroadcast(rt, [65, 129], [129], 9);
    checkBroadcast(rt, [65, 129], [65, 1], 10);
    checkBroadcast(rt, [65, 1], [1, 129], 11);
    checkBroadcast(rt, [2, 3, 4, 5], [3, 1, 5], 12);
    checkBroadcast(rt, [2, 1, 3, 1, 2, 1, 3, 2], [1, 2, 3, 2, 1, 3, 1, 2], 13); // 8 dims
    for (let n = 1; n <= 9; n++) { checkBroadcast(rt, [3, n], [n], 20 + n); checkBroadcast(rt, [n, 3], [n, 1], 30 + n); }
  });

  it("broadcast: ndim 0, zero-sized dims, out aliasing a", async () => {
    const rt = await runtimeP;
    checkBroadcast(rt, [], [], 1);
    checkBroadcast(rt, [0, 3], [3], 2);
    checkBroadcast(rt, [4, 0], [4, 1], 3);
    const A = randomF32(6 * 5, 1), Bv = randomF32(5, 2);
    const pa = putF32(rt, A), pb = putF32(rt, Bv);
    const psh = putI32(rt, [6, 5]), pas = putI32(rt, [5, 1]), pbs = putI32(rt, [0, 1]);
    rt.exports.binaryBroadcastF32(B.sub, pa, pb, pa, 2, psh, pas, pbs);
    const got = readF32(rt, pa, 30);
    release(rt, pa, pb, psh, pas, pbs);
    for (let i = 0; i < 30; i++) expectBinary(rt.build, `aliased [${i}]`, "sub", A[i], Bv[i % 5], got[i]);
  });

  it("broadcast: both operands expanded along the inner dim (strides 0 and 0), rows 1..9 long", async () => {
    const rt = await runtimeP;
    for (let n = 1; n <= 9; n++) {
      const A = randomF32(3, n), Bv = randomF32(3, n + 50);
      const pa = putF32(rt, A), pb = putF32(rt, Bv), po = allocF32(rt, 3 * n);
      const psh = putI32(rt, [3, n]), ps = putI32(rt, [1, 0]);
      rt.exports.binaryBroadcastF32(B.div, pa, pb, po, 2, psh, ps, ps);
      const got = readF32(rt, po, 3 * n);
      release(rt, pa, pb, po, psh, ps);
      for (let i = 0; i < 3 * n; i++) expectBinary(rt.build, `expanded n=${n} [${i}]`, "div", A[Math.floor(i / n)], Bv[Math.floor(i / n)], got[i]);
    }
  });
});
