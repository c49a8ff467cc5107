// The counter-based generator of assembly/vmath.ts dropoutUniform on (lo, hi) u32 pairs (WGSL has
// no 64-bit integers): u(seed, i) = the top 24 bits of splitmix64(seed + (i+1)·φ) over 2^24, bit for
// bit the CPU's. Shared by dropout.wgsl and attention.wgsl.

// The 64-bit product of two u32, as (lo, hi), from 16-bit halves.
fn mulWide(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let p11 = a1 * b1;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  let lo = (p00 & 0xffffu) | (mid << 16u);
  let hi = p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
  return vec2<u32>(lo, hi);
}

// a·b mod 2^64 for a = (lo, hi).
fn mul64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let p = mulWide(a.x, b.x);
  return vec2<u32>(p.x, p.y + a.x * b.y + a.y * b.x);
}

fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let lo = a.x + b.x;
  return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}

// z ^ (z >> s) for 0 < s < 32.
fn xorShift64(z: vec2<u32>, s: u32) -> vec2<u32> {
  return vec2<u32>(z.x ^ ((z.x >> s) | (z.y << (32u - s))), z.y ^ (z.y >> s));
}

fn splitmix64(z0: vec2<u32>) -> vec2<u32> {
  var z = mul64(xorShift64(z0, 30u), vec2<u32>(0x1ce4e5b9u, 0xbf58476du));
  z = mul64(xorShift64(z, 27u), vec2<u32>(0x133111ebu, 0x94d049bbu));
  return xorShift64(z, 31u);
}

// u(seed, i) ∈ [0, 1) for a counter i < 2^32.
fn dropoutUniform(seed: vec2<u32>, i: u32) -> f32 {
  let counter = mul64(add64(vec2<u32>(i, 0u), vec2<u32>(1u, 0u)), vec2<u32>(0x7f4a7c15u, 0x9e3779b9u));
  let h = splitmix64(add64(seed, counter));
  return f32(h.y >> 8u) * 5.9604644775390625e-8; // 2^-24
}
