// Memory helpers the runtime needs: where the heap starts, and bulk fill / copy / accumulate over
// f32 buffers (gradient accumulation is `addInto`). Pointers are byte addresses, lengths in elements.

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

// Counts non-finite values in x: [n]; the tensor layer uses it to reject NaN/Inf where forbidden.
export function countNonFiniteF32(x: usize, n: i32): i32 {
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v - v != 0) bad++;
  }
  return bad;
}

// Which build this is (bit 0: relaxed SIMD, bit 1: threads), so a module handed to init() reports
// itself truthfully.
export function buildFeatures(): i32 {
  return (ASC_FEATURE_RELAXED_SIMD ? 1 : 0) | (ASC_FEATURE_THREADS ? 2 : 0);
}
