// Vector math shared by the kernel families (elementwise, softmax, norm, loss, rnn).

// Element i of an f32 buffer at byte address p, as a vector of four (ld/st) or a scalar (ldf/stf).
@inline export function ld(p: usize, i: i32): v128 {
  return v128.load(p + (<usize>i << 2));
}

@inline export function st(p: usize, i: i32, v: v128): void {
  v128.store(p + (<usize>i << 2), v);
}

@inline export function ldf(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

@inline export function stf(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}

// a·b + c: fused in the relaxed builds (one instruction where the CPU has FMA), else mul then add.
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// e^x to ~1 ulp: x = n·ln2 + r, |r| ≤ ln2/2 (Cody–Waite split of ln2), Cephes' degree-6 polynomial
// for e^r, then 2^n applied as two factors 2^(n>>1)·2^(n−(n>>1)) so that x > 88.72 gives +inf and
// x < −87.3 falls smoothly through the denormals to 0 instead of wrapping the exponent. The clamp
// uses pmin/pmax (one minps/maxps each; wasm's NaN-propagating min/max cost several instructions in
// V8) with x first, so NaN passes through; n is rounded and read back as an integer by adding
// 1.5·2^23 (the integer lands in the low mantissa bits), cheaper than nearest + trunc_sat.
@inline export function expVec(x: v128): v128 {
  const k = EXP_CONSTS; // broadcast loads, for the reason given at expNonPositiveVec
  x = f32x4.pmin(f32x4.pmax(x, v128.load32_splat(k)), v128.load32_splat(k + 4));
  const magic = v128.load32_splat(k + 12);
  const shifted = f32x4.add(f32x4.mul(x, v128.load32_splat(k + 8)), magic);
  const n = f32x4.sub(shifted, magic);
  let r = f32x4.sub(x, f32x4.mul(n, v128.load32_splat(k + 16)));
  r = f32x4.sub(r, f32x4.mul(n, v128.load32_splat(k + 20)));
  let p = v128.load32_splat(k + 24);
  p = f32x4.add(f32x4.mul(p, r), v128.load32_splat(k + 28));
  p = f32x4.add(f32x4.mul(p, r), v128.load32_splat(k + 32));
  p = f32x4.add(f32x4.mul(p, r), v128.load32_splat(k + 36));
  p = f32x4.add(f32x4.mul(p, r), v128.load32_splat(k + 40));
  p = f32x4.add(f32x4.mul(p, r), v128.load32_splat(k + 44));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), v128.load32_splat(k + 48));
  const ni = i32x4.sub(shifted, v128.load32_splat(EXP_INT_CONSTS)); // bits of 1.5·2^23
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const bias = v128.load32_splat(EXP_INT_CONSTS + 4);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

// tanh as in Cephes tanhf: an odd polynomial for |x| < 0.625 (where 1 − 2/(e^2x + 1) would cancel),
// else 1 − 2/(e^2|x| + 1) with the sign of x; e^2|x| = +inf gives exactly ±1.
@inline export function tanhVec(x: v128): v128 {
  const ax = f32x4.abs(x);
  const e = expVec(f32x4.add(ax, ax));
  let big = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  big = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  const z = f32x4.mul(x, x);
  let s = f32x4.splat(-5.70498872745e-3);
  s = f32x4.add(f32x4.mul(s, z), f32x4.splat(2.06390887954e-2));
  s = f32x4.add(f32x4.mul(s, z), f32x4.splat(-5.37397155531e-2));
  s = f32x4.add(f32x4.mul(s, z), f32x4.splat(1.33314422036e-1));
  s = f32x4.add(f32x4.mul(s, z), f32x4.splat(-3.33332819422e-1));
  s = f32x4.add(f32x4.mul(f32x4.mul(s, z), x), x);
  s = v128.or(s, v128.and(x, i32x4.splat(0x80000000))); // keeps tanh(−0) = −0 (x + s·z·x rounds it to +0)
  return v128.bitselect(s, big, f32x4.lt(ax, f32x4.splat(0.625)));
}

// 1 / (1 + e^−x): e^−x = +inf for x ≪ 0 gives 0, never NaN.
@inline export function sigmoidVec(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), expVec(f32x4.neg(x))));
}

// Faster tanh and sigmoid for the gates of recurrent cells (rnn.ts), where they are ~40 % of a
// small layer's forward step: built on the cheaper exp of x ≤ 0, with every constant broadcast-
// loaded from a table (see expNonPositiveVec). Measured over [−90, 90] and densely over [−1, 1]:
// ≤ 4e-7 (tanh) and ≤ 9e-7 (sigmoid) relative, against ≤ 1.5e-7 for tanhVec / sigmoidVec — far
// below the error a recurrent state accumulates in f32 — for about half the instructions.
// tanh: Cephes' odd polynomial for |x| < 0.625, else sign(x)·(1 − E)/(1 + E) with E = e^(−2|x|)
// ≤ e^(−1.25) (no cancellation); E = 0 far out gives exactly ±1; NaN propagates.
@inline export function tanhFastVec(x: v128): v128 {
  const k = TANH_CONSTS;
  const one = v128.load32_splat(k);
  const ax = f32x4.abs(x);
  const e = expNonPositiveVec(f32x4.mul(ax, v128.load32_splat(k + 4)));
  let big = f32x4.div(f32x4.sub(one, e), f32x4.add(one, e));
  big = v128.or(big, v128.and(x, v128.load32_splat(k + 8)));
  const z = f32x4.mul(x, x);
  let s = madd(v128.load32_splat(k + 12), z, v128.load32_splat(k + 16));
  s = madd(s, z, v128.load32_splat(k + 20));
  s = madd(s, z, v128.load32_splat(k + 24));
  s = madd(s, z, v128.load32_splat(k + 28));
  s = madd(f32x4.mul(s, z), x, x);
  return v128.bitselect(s, big, f32x4.lt(ax, v128.load32_splat(k + 32)));
}

// 1, −2, sign bit, Cephes tanhf p4..p0, 0.625
const TANH_CONSTS = memory.data<f32>([1.0, -2.0, -0.0, -5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2,
  1.33314422036e-1, -3.33332819422e-1, 0.625]);

// sigmoid through e = e^(−|x|) ≤ 1: σ(|x|) = 1/(1 + e) and σ(−|x|) = e/(1 + e), so neither side
// overflows or cancels; σ(−∞) = 0, σ(∞) = 1, NaN propagates.
@inline export function sigmoidFastVec(x: v128): v128 {
  const one = v128.load32_splat(TANH_CONSTS);
  const e = expNonPositiveVec(f32x4.neg(f32x4.abs(x)));
  const d = f32x4.add(one, e);
  return f32x4.div(v128.bitselect(one, e, f32x4.ge(x, f32x4.splat(0))), d);
}

// clamp low, clamp high, log2(e), 1.5·2^23, ln2 hi, ln2 lo, Cephes p6..p1, 1
const EXP_CONSTS = memory.data<f32>([-104.0, 89.0, 1.44269504088896341, 12582912.0, 0.693359375, -2.12194440e-4,
  1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1, 1.0]);
// bits of 1.5·2^23, exponent bias
const EXP_INT_CONSTS = memory.data<i32>([0x4b400000, 127]);

// Row maximum ignoring NaN (pmax is one instruction; wasm's NaN-propagating max is several and
// made this pass 3x slower). Callers subtract it and exponentiate, so a NaN in the row still turns
// the whole row NaN, as in torch. Four accumulators hide the max latency.
@inline export function rowMax(p: usize, cols: i32): f32 {
  let m0 = f32x4.splat(-Infinity);
  let m1 = m0;
  let m2 = m0;
  let m3 = m0;
  const c16 = cols & ~15;
  const c4 = cols & ~3;
  let j = 0;
  for (; j < c16; j += 16) {
    const o = p + (<usize>j << 2);
    m0 = f32x4.pmax(m0, v128.load(o));
    m1 = f32x4.pmax(m1, v128.load(o, 16));
    m2 = f32x4.pmax(m2, v128.load(o, 32));
    m3 = f32x4.pmax(m3, v128.load(o, 48));
  }
  for (; j < c4; j += 4) m0 = f32x4.pmax(m0, v128.load(p + (<usize>j << 2)));
  const m = f32x4.pmax(f32x4.pmax(m0, m1), f32x4.pmax(m2, m3));
  let r = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  for (; j < cols; j++) {
    const v = load<f32>(p + (<usize>j << 2));
    if (v > r) r = v;
  }
  return r;
}

// Σ x over one row. Four accumulators: a single f32x4.add chain waits 3–4 cycles per vector on its
// own latency (16 B/ns, which capped layer norm at 16.5 GB/s even on L1-resident rows).
@inline export function rowSum(p: usize, cols: i32): f32 {
  let a0 = f32x4.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  const c16 = cols & ~15;
  const c4 = cols & ~3;
  let j = 0;
  for (; j < c16; j += 16) {
    const o = p + (<usize>j << 2);
    a0 = f32x4.add(a0, v128.load(o));
    a1 = f32x4.add(a1, v128.load(o, 16));
    a2 = f32x4.add(a2, v128.load(o, 32));
    a3 = f32x4.add(a3, v128.load(o, 48));
  }
  for (; j < c4; j += 4) a0 = f32x4.add(a0, v128.load(p + (<usize>j << 2)));
  let s = hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  for (; j < cols; j++) s += load<f32>(p + (<usize>j << 2));
  return s;
}

@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// Σ e^(x − m) over one row; also writes each e^(x − m) to `out` unless out is 0 (softmax stores,
// log-softmax and log-sum-exp only sum; inlined with a constant 0 the stores disappear). A row of
// −inf (m = −inf) gives NaN, like torch. Unrolled by four vectors with two accumulators: the exp
// polynomial is one long dependency chain, and independent chains side by side keep the SIMD
// units busy.
@inline export function rowExpSum(p: usize, cols: i32, m: f32, out: usize = 0): f32 {
  const mv = f32x4.splat(m);
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  const c16 = cols & ~15;
  const c4 = cols & ~3;
  let j = 0;
  for (; j < c16; j += 16) {
    const o = <usize>j << 2;
    const e0 = expNonPositiveVec(f32x4.sub(v128.load(p + o), mv));
    const e1 = expNonPositiveVec(f32x4.sub(v128.load(p + o, 16), mv));
    const e2 = expNonPositiveVec(f32x4.sub(v128.load(p + o, 32), mv));
    const e3 = expNonPositiveVec(f32x4.sub(v128.load(p + o, 48), mv));
    if (out) {
      v128.store(out + o, e0);
      v128.store(out + o, e1, 16);
      v128.store(out + o, e2, 32);
      v128.store(out + o, e3, 48);
    }
    acc0 = f32x4.add(acc0, f32x4.add(e0, e1));
    acc1 = f32x4.add(acc1, f32x4.add(e2, e3));
  }
  for (; j < c4; j += 4) {
    const e = expNonPositiveVec(f32x4.sub(v128.load(p + (<usize>j << 2)), mv));
    if (out) v128.store(out + (<usize>j << 2), e);
    acc0 = f32x4.add(acc0, e);
  }
  let s = hsum(f32x4.add(acc0, acc1));
  for (; j < cols; j++) {
    const e = f32x4.extract_lane(expNonPositiveVec(f32x4.splat(load<f32>(p + (<usize>j << 2)) - m)), 0);
    if (out) store<f32>(out + (<usize>j << 2), e);
    s += e;
  }
  return s;
}

// log Σ e^x over one row, stable (subtracts the maximum first); NaN for a row of −inf.
@inline export function rowLogSumExp(p: usize, cols: i32): f32 {
  const m = rowMax(p, cols);
  return m + Mathf.log(rowExpSum(p, cols, m));
}

// e^x for x ≤ 0 (softmax and log-sum-exp after subtracting the row maximum), cheaper than expVec:
// XNNPACK's "rr2-p5" scheme — n = round(x·log2 e) with a magic bias that also carries the exponent
// bias, so 2^n is the bias word shifted left by 23; r = x − n·ln2 (two-constant Cody–Waite);
// e^r = 1 + r·p(r) with a degree-5 minimax polynomial (≤ 2 ulp on [−ln2/2, ln2/2]). Below −87.34
// (2^n would be denormal) the lanes are garbage or NaN (−inf gives NaN) and the final mask turns
// them into 0, so no clamp is needed up front (dropping it saved 9 % of the exp pass); NaN inputs
// fail the comparison and propagate. Small positive x (rounding just above 0, anything below ~88)
// is as accurate.
@inline export function expNonPositiveVec(x: v128): v128 {
  // Constants come from a static table through v128.load32_splat (one broadcast load each): as
  // v128.const, V8 rebuilds every 128-bit constant in general registers on each use, which made
  // this loop ~1.5x slower.
  const k = EXP_NEG_CONSTS;
  const magic = v128.load32_splat(k + 8);
  let n = madd(x, v128.load32_splat(k + 4), magic);
  const s = i32x4.shl(n, 23);
  n = f32x4.sub(n, magic);
  let r = madd(n, v128.load32_splat(k + 12), x);
  r = madd(n, v128.load32_splat(k + 16), r);
  let p = madd(v128.load32_splat(k + 20), r, v128.load32_splat(k + 24));
  p = madd(p, r, v128.load32_splat(k + 28));
  p = madd(p, r, v128.load32_splat(k + 32));
  p = madd(p, r, v128.load32_splat(k + 36));
  const t = f32x4.mul(r, s);
  const f = madd(t, p, s);
  return v128.andnot(f, f32x4.lt(x, v128.load32_splat(k)));
}

// cutoff, log2(e), magic bias 1.5·2^23 + 127, −ln2 hi, −ln2 lo, c5, c4, c3, c2, c1
const EXP_NEG_CONSTS = memory.data<f32>([-87.33654, 1.44269502, 12583039.0, -0.693145752, -1.42860677e-6,
  8.30111085e-3, 4.19060662e-2, 1.66678071e-1, 4.99996305e-1, 9.99999702e-1]);

@inline function splitmix64(z: u64): u64 {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

// The dropout generator (dropout.ts, attention.ts): u(seed, i) in [0, 1), the top 24 bits of
// splitmix64(seed + (i+1)·φ) (Steele, Lea & Flood, 2014). Depends only on (seed, i), so a backward
// pass recomputes any element's mask instead of storing it.
@inline export function dropoutUniform(seed: u64, i: u64): f32 {
  const h = splitmix64(seed + (i + 1) * 0x9e3779b97f4a7c15);
  return <f32>(<u32>(h >> 40)) * <f32>5.9604644775390625e-8; // 2^-24
}
