// Elementwise kernels: unary ops and their derivatives, binary ops on equal shapes, against a scalar
// and under NumPy broadcasting. exp/tanh/sigmoid/gelu/silu run on f32x4 with Cephes-style expf
// (Moshier, Cephes Math Library) and erfc after Numerical Recipes' `erfcc` (fractional error < 1.2e-7).

import { Binary, Unary } from "./abi";
import { expNonPositiveVec, expVec, ld, ldf, madd, sigmoidVec, st, stf, tanhVec } from "./vmath";

@inline function splat(v: f32): v128 {
  return f32x4.splat(v);
}

// ---- vector transcendental functions (the scalar tails call them on a splat, so every element of a
// buffer gets the same rounding whatever its position) ----

// Φ(x) = P(N(0,1) ≤ x) through erfc(z), z = |x|/√2 ≥ 0: erfc(z) = t·exp(−z² + P(t)), t = 1/(1 + z/2)
// (Numerical Recipes §6.2, fractional error < 1.2e-7 for every z ≥ 0; evaluated in f32 the absolute
// error of erf stays below 5e-7). Working with erfc keeps Φ relatively accurate in the left tail.
@inline function normalCdfVec(x: v128): v128 {
  // Constants are broadcast-loaded from a table (see vmath.expNonPositiveVec for why). The exponent
  // −z² + P(t) is ≤ 0 up to rounding (erfc(z)·(1 + z/2) ≤ 1), so the cheaper exp applies; it flushes
  // results below 2^-126 to 0, i.e. Φ(x) = 0 for x < −13, where the true value is < 1e-38 anyway.
  const k = ERFC_CONSTS;
  const z = f32x4.mul(f32x4.abs(x), v128.load32_splat(k));
  const one = v128.load32_splat(k + 8);
  const t = f32x4.div(one, madd(v128.load32_splat(k + 4), z, one));
  let p = madd(v128.load32_splat(k + 12), t, v128.load32_splat(k + 16));
  p = madd(p, t, v128.load32_splat(k + 20));
  p = madd(p, t, v128.load32_splat(k + 24));
  p = madd(p, t, v128.load32_splat(k + 28));
  p = madd(p, t, v128.load32_splat(k + 32));
  p = madd(p, t, v128.load32_splat(k + 36));
  p = madd(p, t, v128.load32_splat(k + 40));
  p = madd(p, t, v128.load32_splat(k + 44));
  p = madd(p, t, v128.load32_splat(k + 48));
  const arg = f32x4.sub(p, f32x4.mul(z, z));
  const half = f32x4.mul(f32x4.mul(v128.load32_splat(k + 4), t), expNonPositiveVec(arg)); // erfc(z)/2 = Φ(−|x|)
  return v128.bitselect(half, f32x4.sub(one, half), f32x4.lt(x, f32x4.splat(0)));
}

// 1/√2, 0.5, 1, then Numerical Recipes' erfcc coefficients c9..c0
const ERFC_CONSTS = memory.data<f32>([0.70710678118654752, 0.5, 1.0, 0.17087277, -0.82215223, 1.48851587,
  -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223]);

// 0.5·x·(1 + erf(x/√2)) = x·Φ(x), torch.nn.GELU() (approximate='none'). Where Φ(x) underflows to 0
// the product is 0 — also for x = −∞, whose limit is 0 (x·Φ(x) would be −∞·0 = NaN).
@inline function geluVec(x: v128): v128 {
  const cdf = normalCdfVec(x);
  return v128.andnot(f32x4.mul(x, cdf), f32x4.eq(cdf, splat(0.0)));
}

// d/dx x·Φ(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π); x·φ(x) is 0 where φ underflows (the
// limits at ±∞ are 0 and 1, not NaN).
@inline function geluGradVec(x: v128): v128 {
  const pdf = f32x4.mul(expNonPositiveVec(f32x4.mul(f32x4.mul(x, x), splat(-0.5))), splat(0.3989422804014327));
  return f32x4.add(normalCdfVec(x), v128.andnot(f32x4.mul(x, pdf), f32x4.eq(pdf, splat(0.0))));
}

// sign(x) as ±1, and 0 for 0 (and for NaN): the subgradient torch uses for abs.
@inline function signVec(x: v128): v128 {
  const pos = v128.and(f32x4.gt(x, splat(0.0)), splat(1.0));
  const neg = v128.and(f32x4.lt(x, splat(0.0)), splat(1.0));
  return f32x4.sub(pos, neg);
}

// One op on one vector; `p` is pow's exponent (only 1 and 2 reach here, other powers go scalar).
@inline function unaryVec(op: i32, v: v128, p: f32): v128 {
  switch (op) {
    case Unary.neg: return f32x4.neg(v);
    case Unary.exp: return expVec(v);
    case Unary.sqrt: return f32x4.sqrt(v);
    case Unary.tanh: return tanhVec(v);
    case Unary.sigmoid: return sigmoidVec(v);
    case Unary.relu: return v128.andnot(v, f32x4.lt(v, splat(0.0))); // NaN and −0 pass through, like torch
    case Unary.gelu: return geluVec(v);
    case Unary.silu: return f32x4.mul(v, sigmoidVec(v));
    case Unary.pow: return p == 1 ? v : f32x4.mul(v, v);
    case Unary.abs: return f32x4.abs(v);
    case Unary.square: return f32x4.mul(v, v);
    default: return v;
  }
}

// dy·f'(x), with y = f(x) where it is cheaper.
@inline function unaryGradVec(op: i32, x: v128, y: v128, dy: v128, p: f32): v128 {
  switch (op) {
    case Unary.neg: return f32x4.neg(dy);
    case Unary.exp: return f32x4.mul(dy, y);
    case Unary.log: return f32x4.div(dy, x);
    case Unary.sqrt: return f32x4.div(f32x4.mul(dy, splat(0.5)), y);
    case Unary.tanh: return f32x4.mul(dy, f32x4.sub(splat(1.0), f32x4.mul(y, y)));
    case Unary.sigmoid: return f32x4.mul(dy, f32x4.mul(y, f32x4.sub(splat(1.0), y)));
    case Unary.relu: return v128.andnot(dy, f32x4.le(x, splat(0.0))); // torch: dy unless x ≤ 0 (NaN passes)
    case Unary.gelu: return f32x4.mul(dy, geluGradVec(x));
    case Unary.silu: {
      const s = sigmoidVec(x);
      return f32x4.mul(dy, f32x4.mul(s, f32x4.add(splat(1.0), f32x4.mul(x, f32x4.sub(splat(1.0), s)))));
    }
    case Unary.pow: {
      if (p == 0) return f32x4.splat(0);
      if (p == 1) return dy;
      return f32x4.mul(dy, f32x4.mul(x, splat(2.0))); // p == 2; other powers go scalar
    }
    case Unary.abs: return f32x4.mul(dy, signVec(x));
    case Unary.square: return f32x4.mul(dy, f32x4.mul(x, splat(2.0)));
    default: return dy;
  }
}

// x^p as C's powf (torch's): AssemblyScript's Mathf.pow follows JS Math.pow instead, whose 1^±∞
// and (−1)^±∞ are NaN; C (and torch) give 1 for any power of 1 and for (−1)^±∞.
@inline function powC(x: f32, p: f32): f32 {
  if (x == 1 || (x == -1 && Mathf.abs(p) == Infinity)) return 1;
  return Mathf.pow(x, p);
}

// x: [n] f32; out: [n] = op(x), may alias x; n may be 0. pow: x^p with C/torch semantics
// (negative base with integer p is defined, non-integer p gives NaN).
export function unaryF32(op: i32, x: usize, out: usize, n: i32, p: f32): void {
  if (op == Unary.log) {
    for (let i = 0; i < n; i++) stf(out, i, Mathf.log(ldf(x, i)));
    return;
  }
  if (op == Unary.pow && p != 1 && p != 2) {
    for (let i = 0; i < n; i++) stf(out, i, powC(ldf(x, i), p));
    return;
  }
  const n4 = n & ~3;
  let i = 0;
  // One loop per op so the op test stays outside the hot loop.
  switch (op) {
    case Unary.neg: for (; i < n4; i += 4) st(out, i, unaryVec(Unary.neg, ld(x, i), p)); break;
    case Unary.exp: for (; i < n4; i += 4) st(out, i, unaryVec(Unary.exp, ld(x, i), p)); break;
    case Unary.sqrt: for (; i < n4; i += 4) st(out, i, unaryVec(Unary.sqrt, ld(x, i), p)); break;
    case Unary.tanh: for (; i < n4; i += 4) st(out, i, unaryVec(Unary.tanh, ld(x, i), p)); break;
    case Unary.sigmoid: for (; i < n4; i += 4) st(out, i, unaryVec(Unary.sigmoid, ld(x, i), p)); break;
    case Unary.relu: for (; i < n4; i += 4) st(out, i, unaryVec(Unary.relu, ld(x, i), p)); break;
    case Unary.gelu: for (; i < n4; i += 4) st(out, i, unaryVec(Unary.gelu, ld(x, i), p)); break;
    case Unary.silu: for (; i < n4; i += 4) st(out, i, unaryVec(Unary.silu, ld(x, i), p)); break;
    case Unary.pow: for (; i < n4; i += 4) st(out, i, unaryVec(Unary.pow, ld(x, i), p)); break;
    case Unary.abs: for (; i < n4; i += 4) st(out, i, unaryVec(Unary.abs, ld(x, i), p)); break;
    case Unary.square: for (; i < n4; i += 4) st(out, i, unaryVec(Unary.square, ld(x, i), p)); break;
    default: return;
  }
  for (; i < n; i++) {
    const q = x + (<usize>i << 2);
    stf(out, i, f32x4.extract_lane(unaryVec(op, v128.load32_splat(q), p), 0));
  }
}

// x, y = op(x), dy: [n] f32; dx: [n] = dy·op'(x), overwritten. relu'(0) = abs'(0) = 0 like torch;
// pow: p·x^(p−1)·dy, and 0 for p = 0.
export function unaryBackwardF32(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32, p: f32): void {
  if (op == Unary.pow && p != 0 && p != 1 && p != 2) {
    const q = p - 1;
    for (let i = 0; i < n; i++) stf(dx, i, ldf(dy, i) * (p * powC(ldf(x, i), q)));
    return;
  }
  const n4 = n & ~3;
  let i = 0;
  switch (op) {
    case Unary.neg: for (; i < n4; i += 4) st(dx, i, unaryGradVec(Unary.neg, ld(x, i), ld(y, i), ld(dy, i), p)); break;
    case Unary.exp: for (; i < n4; i += 4) st(dx, i, unaryGradVec(Unary.exp, ld(x, i), ld(y, i), ld(dy, i), p)); break;
    case Unary.log: for (; i < n4; i += 4) st(dx, i, unaryGradVec(Unary.log, ld(x, i), ld(y, i), ld(dy, i), p)); break;
    case Unary.sqrt: for (; i < n4; i += 4) st(dx, i, unaryGradVec(Unary.sqrt, ld(x, i), ld(y, i), ld(dy, i), p)); break;
    case Unary.tanh: for (; i < n4; i += 4) st(dx, i, unaryGradVec(Unary.tanh, ld(x, i), ld(y, i), ld(dy, i), p)); break;
    case Unary.sigmoid: for (; i < n4; i += 4) st(dx, i, unaryGradVec(Unary.sigmoid, ld(x, i), ld(y, i), ld(dy, i), p)); break;
    case Unary.relu: for (; i < n4; i += 4) st(dx, i, unaryGradVec(Unary.relu, ld(x, i), ld(y, i), ld(dy, i), p)); break;
    case Unary.gelu: for (; i < n4; i += 4) st(dx, i, unaryGradVec(Unary.gelu, ld(x, i), ld(y, i), ld(dy, i), p)); break;
    case Unary.silu: for (; i < n4; i += 4) st(dx, i, unaryGradVec(Unary.silu, ld(x, i), ld(y, i), ld(dy, i), p)); break;
    case Unary.pow: for (; i < n4; i += 4) st(dx, i, unaryGradVec(Unary.pow, ld(x, i), ld(y, i), ld(dy, i), p)); break;
    case Unary.abs: for (; i < n4; i += 4) st(dx, i, unaryGradVec(Unary.abs, ld(x, i), ld(y, i), ld(dy, i), p)); break;
    case Unary.square: for (; i < n4; i += 4) st(dx, i, unaryGradVec(Unary.square, ld(x, i), ld(y, i), ld(dy, i), p)); break;
    default: return;
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = unaryGradVec(op, v128.load32_splat(x + o), v128.load32_splat(y + o), v128.load32_splat(dy + o), p);
    stf(dx, i, f32x4.extract_lane(g, 0));
  }
}

// ---- binary ----

// maximum/minimum propagate NaN like torch.maximum (wasm's f32x4.max/min and f32.max/min do).
@inline function binaryVec(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case Binary.add: return f32x4.add(a, b);
    case Binary.sub: return f32x4.sub(a, b);
    case Binary.mul: return f32x4.mul(a, b);
    case Binary.div: return f32x4.div(a, b);
    case Binary.maximum: return f32x4.max(a, b);
    default: return f32x4.min(a, b);
  }
}

@inline function binaryScalar(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case Binary.add: return a + b;
    case Binary.sub: return a - b;
    case Binary.mul: return a * b;
    case Binary.div: return a / b;
    case Binary.maximum: return Mathf.max(a, b);
    default: return Mathf.min(a, b);
  }
}

// a, b: [n] f32; out: [n] = a op b, may alias a or b; n may be 0.
export function binaryF32(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  switch (op) {
    case Binary.add: for (; i < n4; i += 4) st(out, i, binaryVec(Binary.add, ld(a, i), ld(b, i))); break;
    case Binary.sub: for (; i < n4; i += 4) st(out, i, binaryVec(Binary.sub, ld(a, i), ld(b, i))); break;
    case Binary.mul: for (; i < n4; i += 4) st(out, i, binaryVec(Binary.mul, ld(a, i), ld(b, i))); break;
    case Binary.div: for (; i < n4; i += 4) st(out, i, binaryVec(Binary.div, ld(a, i), ld(b, i))); break;
    case Binary.maximum: for (; i < n4; i += 4) st(out, i, binaryVec(Binary.maximum, ld(a, i), ld(b, i))); break;
    case Binary.minimum: for (; i < n4; i += 4) st(out, i, binaryVec(Binary.minimum, ld(a, i), ld(b, i))); break;
    default: return;
  }
  for (; i < n; i++) stf(out, i, binaryScalar(op, ldf(a, i), ldf(b, i)));
}

// a: [n] f32; out: [n] = a op s, or s op a when scalarFirst = 1; may alias a; n may be 0.
export function binaryScalarF32(op: i32, a: usize, s: f32, out: usize, n: i32, scalarFirst: i32): void {
  const sv = splat(s);
  const n4 = n & ~3;
  let i = 0;
  if (scalarFirst != 0 && (op == Binary.sub || op == Binary.div)) {
    if (op == Binary.sub) for (; i < n4; i += 4) st(out, i, f32x4.sub(sv, ld(a, i)));
    else for (; i < n4; i += 4) st(out, i, f32x4.div(sv, ld(a, i)));
    for (; i < n; i++) stf(out, i, binaryScalar(op, s, ldf(a, i)));
    return;
  }
  // add, mul, maximum and minimum are symmetric (NaN propagates from either side).
  switch (op) {
    case Binary.add: for (; i < n4; i += 4) st(out, i, binaryVec(Binary.add, ld(a, i), sv)); break;
    case Binary.sub: for (; i < n4; i += 4) st(out, i, binaryVec(Binary.sub, ld(a, i), sv)); break;
    case Binary.mul: for (; i < n4; i += 4) st(out, i, binaryVec(Binary.mul, ld(a, i), sv)); break;
    case Binary.div: for (; i < n4; i += 4) st(out, i, binaryVec(Binary.div, ld(a, i), sv)); break;
    case Binary.maximum: for (; i < n4; i += 4) st(out, i, binaryVec(Binary.maximum, ld(a, i), sv)); break;
    case Binary.minimum: for (; i < n4; i += 4) st(out, i, binaryVec(Binary.minimum, ld(a, i), sv)); break;
    default: return;
  }
  for (; i < n; i++) stf(out, i, binaryScalar(op, ldf(a, i), s));
}

// The innermost run of `len` elements with element strides sa, sb: the contiguous, one-side and
// both-side broadcast patterns run in SIMD, anything else (a permuted operand) element by element.
function binaryRun(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, len: i32): void {
  if (sa == 1 && sb == 1) binaryF32(op, a, b, out, len);
  else if (sa == 1 && sb == 0) binaryScalarF32(op, a, load<f32>(b), out, len, 0);
  else if (sa == 0 && sb == 1) binaryScalarF32(op, b, load<f32>(a), out, len, 1);
  else if (sa == 0 && sb == 0) {
    const v = binaryScalar(op, load<f32>(a), load<f32>(b));
    const vv = splat(v);
    const n4 = len & ~3;
    let i = 0;
    for (; i < n4; i += 4) st(out, i, vv);
    for (; i < len; i++) stf(out, i, v);
  } else {
    const da = <usize>sa << 2, db = <usize>sb << 2;
    for (let i = 0; i < len; i++) {
      stf(out, i, binaryScalar(op, load<f32>(a), load<f32>(b)));
      a += da;
      b += db;
    }
  }
}

// Walks dims 0..last (one recursion level per dim, no scratch memory needed) and hands each inner
// run to binaryRun; out advances contiguously. Returns the out pointer after this block.
function broadcastDims(op: i32, a: usize, b: usize, out: usize, d: i32, last: i32, shape: usize,
                       aStrides: usize, bStrides: usize, run: i32, sa: i32, sb: i32): usize {
  const size = load<i32>(shape + (<usize>d << 2));
  const da = <usize>load<i32>(aStrides + (<usize>d << 2)) << 2;
  const db = <usize>load<i32>(bStrides + (<usize>d << 2)) << 2;
  for (let i = 0; i < size; i++) {
    if (d == last) {
      binaryRun(op, a, sa, b, sb, out, run);
      out += <usize>run << 2;
    } else {
      out = broadcastDims(op, a, b, out, d + 1, last, shape, aStrides, bStrides, run, sa, sb);
    }
    a += da;
    b += db;
  }
  return out;
}

// a, b: strided views with i32[ndim] element strides aStrides/bStrides (0 on broadcast dims) over
// shape: i32[ndim]; out: contiguous [shape] = a op b; may alias a when a is contiguous. ndim may be
// 0 (one element); any dim may be 0. Trailing dims that are contiguous in both operands (or
// broadcast in the same way) merge into one inner run so the SIMD loops see long rows.
export function binaryBroadcastF32(op: i32, a: usize, b: usize, out: usize, ndim: i32, shape: usize,
                                   aStrides: usize, bStrides: usize): void {
  for (let d = 0; d < ndim; d++) if (load<i32>(shape + (<usize>d << 2)) == 0) return;
  if (ndim == 0) {
    binaryRun(op, a, 1, b, 1, out, 1);
    return;
  }
  let d = ndim - 1;
  let run = load<i32>(shape + (<usize>d << 2));
  let sa = load<i32>(aStrides + (<usize>d << 2));
  let sb = load<i32>(bStrides + (<usize>d << 2));
  for (d = ndim - 2; d >= 0; d--) {
    const size = load<i32>(shape + (<usize>d << 2));
    const ta = load<i32>(aStrides + (<usize>d << 2));
    const tb = load<i32>(bStrides + (<usize>d << 2));
    if (size == 1) continue;
    if (run == 1) {
      run = size;
      sa = ta;
      sb = tb;
    } else if (ta == run * sa && tb == run * sb) {
      run *= size;
    } else break;
  }
  if (d < 0) binaryRun(op, a, sa, b, sb, out, run);
  else broadcastDims(op, a, b, out, 0, d, shape, aStrides, bStrides, run, sa, sb);
}
