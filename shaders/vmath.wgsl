// Scalar math shared by the kernel families: ports of assembly/vmath.ts and elementwise.ts (Cephes
// expf, XNNPACK's rr2-p5 exp for x ≤ 0, Cephes tanhf, Numerical Recipes' erfc), musl's float logf
// and pow, so a GPU rounds like the CPU kernels instead of like the driver's exp/log/tanh (which
// WGSL lets be several ulp off, and which flush or misbehave on NaN and ±∞).

// e^x to ~1 ulp (vmath.expVec): x = n·ln2 + r with a Cody–Waite split, Cephes' degree-6
// polynomial, then 2^n as two factors so x > 88.72 gives +inf and x < −87.3 falls through the
// denormals to 0. The clamps keep NaN (a comparison with NaN is false). n comes from round() (ties
// to even, as the CPU's magic-number addition rounds): shader compilers treat float arithmetic as
// reassociable, and (x·log2e + 1.5·2^23) − 1.5·2^23 may be folded back to x·log2e.
fn expF32(x0: f32) -> f32 {
  var x = select(x0, -104.0, x0 < -104.0);
  x = select(x, 89.0, 89.0 < x);
  let n = round(x * 1.44269504088896341);
  var r = x - n * 0.693359375;
  r = r - n * -2.12194440e-4;
  var p = 1.9875691500e-4;
  p = p * r + 1.3981999507e-3;
  p = p * r + 8.3334519073e-3;
  p = p * r + 4.1665795894e-2;
  p = p * r + 1.6666665459e-1;
  p = p * r + 5.0000001201e-1;
  p = (p * r) * r + r + 1.0;
  let ni = select(i32(n), 0, isNan(n));
  let n1 = ni >> 1u;
  let n2 = ni - n1;
  let s1 = bitcast<f32>((n1 + 127) << 23u);
  let s2 = bitcast<f32>((n2 + 127) << 23u);
  return p * s1 * s2;
}

// e^x for x ≤ 0 (vmath.expNonPositiveVec): n = round(x·log2 e), r = x − n·ln2 (two constants),
// e^r = 1 + r·p(r) (degree 5), times 2^n; below −87.34 the result is 0, NaN stays NaN.
fn expNonPositiveF32(x: f32) -> f32 {
  let n = round(select(x, -88.0, x < -88.0) * 1.44269502); // bounded, so 2^n stays an exponent
  let s = bitcast<f32>((select(i32(n), 0, isNan(n)) + 127) << 23u);
  var r = n * -0.693145752 + x;
  r = n * -1.42860677e-6 + r;
  var p = 8.30111085e-3 * r + 4.19060662e-2;
  p = p * r + 1.66678071e-1;
  p = p * r + 4.99996305e-1;
  p = p * r + 9.99999702e-1;
  let t = r * s;
  let f = t * p + s;
  return select(f, 0.0, x < -87.33654);
}

fn withSignOf(v: f32, x: f32) -> f32 {
  return bitcast<f32>((bitcast<u32>(v) & 0x7fffffffu) | (bitcast<u32>(x) & 0x80000000u));
}

// Cephes tanhf: an odd polynomial below |x| = 0.625, else 1 − 2/(e^2|x| + 1) with x's sign; keeps −0.
fn tanhF32(x: f32) -> f32 {
  let ax = abs(x);
  if (ax < 0.625) {
    let z = x * x;
    var s = -5.70498872745e-3;
    s = s * z + 2.06390887954e-2;
    s = s * z + -5.37397155531e-2;
    s = s * z + 1.33314422036e-1;
    s = s * z + -3.33332819422e-1;
    return withSignOf(s * z * x + x, x);
  }
  if (isNan(x)) { return x; }
  let e = expF32(ax + ax);
  return withSignOf(1.0 - 2.0 / (e + 1.0), x);
}

fn sigmoidF32(x: f32) -> f32 {
  return 1.0 / (1.0 + expF32(-x));
}

// Φ(x) = P(N(0, 1) ≤ x) through erfc(|x|/√2) (Numerical Recipes' erfcc, fractional error < 1.2e-7):
// erfc(z)/2 = Φ(−|x|), accurate in the left tail.
fn normalCdfF32(x: f32) -> f32 {
  let z = abs(x) * 0.70710678118654752;
  let t = 1.0 / (0.5 * z + 1.0);
  var p = 0.17087277 * t + -0.82215223;
  p = p * t + 1.48851587;
  p = p * t + -1.13520398;
  p = p * t + 0.27886807;
  p = p * t + -0.18628806;
  p = p * t + 0.09678418;
  p = p * t + 0.37409196;
  p = p * t + 1.00002368;
  p = p * t + -1.26551223;
  let half = 0.5 * t * expNonPositiveF32(p - z * z);
  return select(1.0 - half, half, x < 0.0);
}

// x·Φ(x), 0 where Φ underflows (also at −∞, whose limit is 0).
fn geluF32(x: f32) -> f32 {
  let cdf = normalCdfF32(x);
  return select(x * cdf, 0.0, cdf == 0.0);
}

// Φ(x) + x·φ(x), the x·φ(x) term 0 where φ underflows.
fn geluGradF32(x: f32) -> f32 {
  let pdf = expNonPositiveF32(x * x * -0.5) * 0.3989422804014327;
  return normalCdfF32(x) + select(x * pdf, 0.0, pdf == 0.0);
}

// GELU's tanh form (elementwise.ts geluTanhVec): x·σ(2u), u = √(2/π)·(x + 0.044715·x³), one exp and
// no cancellation; 0 where σ underflows.
fn geluTanhSigmaF32(x: f32) -> f32 {
  let u2 = 1.5957691216057308 * (x + 0.044715 * (x * (x * x)));
  return 1.0 / (1.0 + expF32(-u2));
}

fn geluTanhF32(x: f32) -> f32 {
  let s = geluTanhSigmaF32(x);
  return select(x * s, 0.0, s == 0.0);
}

// σ + x·σ·(1 − σ)·2u', 2u' = 2√(2/π)·(1 + 3·0.044715·x²); the second term 0 where σ·(1 − σ) is 0.
fn geluTanhGradF32(x: f32) -> f32 {
  let s = geluTanhSigmaF32(x);
  let du = 1.5957691216057308 * (1.0 + 0.134145 * (x * x));
  let ss = s * (1.0 - s);
  return s + select((x * ss) * du, 0.0, ss == 0.0);
}

// musl logf (Sun's e_logf.c, the float-only form AssemblyScript also ships): log(1 + f) around
// k·ln2, with log(1+f) = f − f²/2 + s·(f²/2 + R(z)), s = f/(2 + f).
fn logF32(x0: f32) -> f32 {
  var x = x0;
  var u = bitcast<u32>(x);
  var k = 0;
  if ((u >> 31u) != 0u || u < 0x00800000u) {
    if ((u << 1u) == 0u) { return -infF32(); }
    if ((u >> 31u) != 0u) { return nanF32(); }
    k = -25;
    x = x * 33554432.0;
    u = bitcast<u32>(x);
  } else if (u >= 0x7f800000u) {
    return x;
  } else if (u == 0x3f800000u) {
    return 0.0;
  }
  u = u + (0x3f800000u - 0x3f3504f3u);
  k = k + i32(u >> 23u) - 0x7f;
  u = (u & 0x007fffffu) + 0x3f3504f3u;
  x = bitcast<f32>(u);
  let f = x - 1.0;
  let s = f / (2.0 + f);
  let z = s * s;
  let w = z * z;
  let t1 = w * (bitcast<f32>(0x3ecccE13u) + w * bitcast<f32>(0x3e789e26u));
  let t2 = z * (bitcast<f32>(0x3f2aaaaau) + w * bitcast<f32>(0x3e91e9eeu));
  let r = t2 + t1;
  let hfsq = 0.5 * f * f;
  let dk = f32(k);
  return s * (hfsq + r) + dk * bitcast<f32>(0x3717f7d1u) - hfsq + f + dk * bitcast<f32>(0x3f317180u);
}

// Double-f32 products for exact integer powers: (hi, lo) with hi + lo the product to ~2^-46.
fn ffMul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let p = a.x * b.x;
  let e = fma(a.x, b.x, -p) + (a.x * b.y + a.y * b.x);
  let hi = p + e;
  return vec2<f32>(hi, e - (hi - p));
}

fn isOddInteger(y: f32) -> bool {
  return abs(y) < 16777216.0 && trunc(y) == y && (i32(y) & 1) == 1;
}

// C's pow (what the CPU kernels call), with AssemblyScript's fast paths for y ∈ {2, 0.5, −1, 1, 0}.
// Integer exponents up to 2^24 multiply by squaring in double-f32 (< 1 ulp); other exponents go
// through e^(y·log x), whose error grows with |y·log x| (a few ulp for |y·log x| ≤ 10).
fn powF32(x: f32, y: f32) -> f32 {
  if (y == 2.0) { return x * x; }
  if (y == 0.5) { return select(abs(sqrt(x)), infF32(), x == -infF32()); }
  if (y == -1.0) { return 1.0 / x; }
  if (y == 1.0) { return x; }
  if (y == 0.0 || x == 1.0) { return 1.0; }
  if (isNan(x) || isNan(y)) { return nanF32(); }
  let ax = abs(x);
  let yInt = trunc(y) == y;
  let odd = isOddInteger(y);
  let negative = x < 0.0 || (x == 0.0 && (bitcast<u32>(x) >> 31u) == 1u);
  let sign = select(1.0, -1.0, negative && odd);
  if (abs(y) == infF32()) {
    if (ax == 1.0) { return 1.0; }
    return select(0.0, infF32(), (ax > 1.0) == (y > 0.0));
  }
  if (x == 0.0 || ax == infF32()) {
    let big = (x == 0.0) == (y < 0.0);
    return sign * select(0.0, infF32(), big);
  }
  if (x < 0.0 && !yInt) { return nanF32(); }
  if (yInt && abs(y) <= 16777216.0) {
    var n = u32(abs(y));
    var r = vec2<f32>(1.0, 0.0);
    var b = vec2<f32>(ax, 0.0);
    loop {
      if ((n & 1u) == 1u) { r = ffMul(r, b); }
      n = n >> 1u;
      if (n == 0u) { break; }
      b = ffMul(b, b);
    }
    if (y < 0.0) {
      if (r.x == infF32()) { return sign * 0.0; }
      let q = 1.0 / r.x;
      if (q == infF32() || q == 0.0) { return sign * q; }
      let e = fma(-r.x, q, 1.0) - r.y * q;
      return sign * (q + q * e);
    }
    if (abs(r.x) == infF32()) { return sign * infF32(); }
    return sign * (r.x + r.y);
  }
  return sign * expF32(y * logF32(ax));
}
