// Vector math shared by the kernel families (elementwise, softmax, norm, loss).

// e^x to ~1 ulp: x = n·ln2 + r, |r| ≤ ln2/2 (Cody–Waite split of ln2), Cephes' degree-6 polynomial
// for e^r, then 2^n applied as two factors 2^(n>>1)·2^(n−(n>>1)) so that x > 88.72 gives +inf and
// x < −87.3 falls smoothly through the denormals to 0 instead of wrapping the exponent. The clamp
// uses pmin/pmax (one minps/maxps each; wasm's NaN-propagating min/max cost several instructions in
// V8) with x first, so NaN passes through; n is rounded and read back as an integer by adding
// 1.5·2^23 (the integer lands in the low mantissa bits), cheaper than nearest + trunc_sat.
@inline export function expVec(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-104.0)), f32x4.splat(89.0));
  const shifted = f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), f32x4.splat(12582912.0));
  const n = f32x4.sub(shifted, f32x4.splat(12582912.0));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  const ni = i32x4.sub(shifted, i32x4.splat(0x4b400000)); // bits of 1.5·2^23
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}


@inline export function rowMax(p: usize, cols: i32): f32 {
  let m = f32x4.splat(-Infinity);
  const c4 = cols & ~3;
  let j = 0;
  for (; j < c4; j += 4) m = f32x4.max(m, v128.load(p + (<usize>j << 2))); // max propagates NaN
  let r = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  for (; j < cols; j++) r = max(r, load<f32>(p + (<usize>j << 2)));
  return r;
}

@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

@inline export function expScalar(x: f32): f32 {
  return f32x4.extract_lane(expVec(f32x4.splat(x)), 0);
}

// log Σ e^x over one row, stable (subtracts the maximum first); NaN for a row of −inf.
@inline export function rowLogSumExp(p: usize, cols: i32): f32 {
  const m = rowMax(p, cols);
  const mv = f32x4.splat(m);
  let acc = f32x4.splat(0);
  const c4 = cols & ~3;
  let j = 0;
  for (; j < c4; j += 4) acc = f32x4.add(acc, expVec(f32x4.sub(v128.load(p + (<usize>j << 2)), mv)));
  let s = hsum(acc);
  for (; j < cols; j++) s += expScalar(load<f32>(p + (<usize>j << 2)) - m);
  return m + Mathf.log(s);
}
