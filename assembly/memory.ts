// Memory helpers the runtime needs: where the heap starts, bulk fill / copy / accumulate over
// f32 buffers (gradient accumulation is `axpyF32`) and dtype casts. Pointers are byte addresses, lengths in elements.

// Where free memory begins: everything below is the module's static data.
export function heapBase(): usize {
  return __heap_base;
}

// out: [n] f32 filled with value
export function fillF32(out: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) v128.store(out + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), value);
}

// out: [n] i32 filled with value
export function fillI32(out: usize, n: i32, value: i32): void {
  for (let i = 0; i < n; i++) store<i32>(out + (<usize>i << 2), value);
}

// dst: [nBytes] ← src: [nBytes]; regions may overlap
export function copyBytes(dst: usize, src: usize, nBytes: i32): void {
  memory.copy(dst, src, <usize>nBytes);
}

// dst: [n] += alpha * src: [n]
export function axpyF32(dst: usize, src: usize, n: i32, alpha: f32): void {
  const a = f32x4.splat(alpha);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const p = <usize>i << 2;
    v128.store(dst + p, f32x4.add(v128.load(dst + p), f32x4.mul(a, v128.load(src + p))));
  }
  for (; i < n; i++) {
    const p = <usize>i << 2;
    store<f32>(dst + p, load<f32>(dst + p) + alpha * load<f32>(src + p));
  }
}

// src: [n] f32; dst: [n] i32 truncated toward zero, saturating at the i32 range, NaN → 0 (never traps).
export function castF32ToI32(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(src + (<usize>i << 2));
    const t: i32 = v != v ? 0 : v >= 2147483648.0 ? i32.MAX_VALUE : v <= -2147483648.0 ? i32.MIN_VALUE : <i32>v;
    store<i32>(dst + (<usize>i << 2), t);
  }
}

// src: [n] i32; dst: [n] f32 (rounded to nearest above 2^24)
export function castI32ToF32(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>load<i32>(src + (<usize>i << 2)));
}

// Which build this is (bit 0: relaxed SIMD, bit 1: threads), so a module handed to init() reports
// itself truthfully.
export function buildFeatures(): i32 {
  return (ASC_FEATURE_RELAXED_SIMD ? 1 : 0) | (ASC_FEATURE_THREADS ? 2 : 0);
}
