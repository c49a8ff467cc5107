// Layout kernels over 4-byte elements: gather a strided view into a contiguous buffer, scatter (or
// accumulate) a contiguous buffer into a strided view, and a cache-blocked 2-D transpose. Copies move
// bits (i32 / v128 loads), never arithmetic, so they serve f32 and int32 alike. Trailing dims that
// are contiguous with each other merge into one inner run before the walk starts.

@inline function ptrAt(base: usize, elements: i32): usize {
  return base + (<usize>elements << 2); // wraps correctly for negative element offsets in wasm32
}

@inline function dimAt(arr: usize, d: i32): i32 {
  return load<i32>(arr + (<usize>d << 2));
}

// Finds the inner run: the longest suffix of dims that walks memory with one stride. Returns the
// last outer dim (−1 when the whole view is one run); the run length and stride come back through
// the two globals below (no scratch memory needed; wasm globals belong to one instance, so workers
// never share them).
let runLen: i32 = 1;
let runStride: i32 = 0;

function mergeTrailingDims(ndim: i32, shape: usize, strides: usize): i32 {
  let d = ndim - 1;
  let run = dimAt(shape, d);
  let s = dimAt(strides, d);
  for (d = ndim - 2; d >= 0; d--) {
    const size = dimAt(shape, d);
    const t = dimAt(strides, d);
    if (size == 1) continue;
    if (run == 1) {
      run = size;
      s = t;
    } else if (t == run * s) {
      run *= size;
    } else break;
  }
  runLen = run;
  runStride = s;
  return d;
}

@inline function hasEmptyDim(ndim: i32, shape: usize): bool {
  for (let d = 0; d < ndim; d++) if (dimAt(shape, d) == 0) return true;
  return false;
}

// out[0..len) ← x[0], x[s], x[2s], ... (bits)
function copyRun(x: usize, s: i32, out: usize, len: i32): void {
  if (s == 1) {
    memory.copy(out, x, <usize>len << 2);
  } else if (s == 0) {
    const v = load<i32>(x);
    const vv = i32x4.splat(v);
    const n4 = len & ~3;
    let i = 0;
    for (; i < n4; i += 4) v128.store(ptrAt(out, i), vv);
    for (; i < len; i++) store<i32>(ptrAt(out, i), v);
  } else {
    const step = <usize>s << 2;
    for (let i = 0; i < len; i++) {
      store<i32>(ptrAt(out, i), load<i32>(x));
      x += step;
    }
  }
}

function copyDims(x: usize, out: usize, d: i32, last: i32, shape: usize, strides: usize, run: i32, s: i32): usize {
  const size = dimAt(shape, d);
  const step = <usize>dimAt(strides, d) << 2;
  for (let i = 0; i < size; i++) {
    if (d == last) {
      copyRun(x, s, out, run);
      out += <usize>run << 2;
    } else {
      out = copyDims(x, out, d + 1, last, shape, strides, run, s);
    }
    x += step;
  }
  return out;
}

// x: the strided view x[offset + Σ idx_d·strides_d] (element units, 4-byte elements, strides may be
// 0); out: contiguous [shape] (i32[ndim]); bits copied exactly. ndim 0 copies one element.
export function stridedCopy32(x: usize, out: usize, ndim: i32, shape: usize, strides: usize, offset: i32): void {
  x = ptrAt(x, offset);
  if (ndim == 0) {
    store<i32>(out, load<i32>(x));
    return;
  }
  if (hasEmptyDim(ndim, shape)) return;
  const last = mergeTrailingDims(ndim, shape, strides);
  const run = runLen, s = runStride;
  if (last < 0) copyRun(x, s, out, run);
  else copyDims(x, out, 0, last, shape, strides, run, s);
}

// dst[0], dst[s], ... ← src[0..len) (bits), or += when accumulate; a stride-0 run keeps the last
// value (copy) or adds them all in order (accumulate).
function scatterRun(src: usize, dst: usize, s: i32, len: i32, accumulate: bool): void {
  if (!accumulate) {
    if (s == 1) {
      memory.copy(dst, src, <usize>len << 2);
    } else if (s == 0) {
      store<i32>(dst, load<i32>(ptrAt(src, len - 1)));
    } else {
      const step = <usize>s << 2;
      for (let i = 0; i < len; i++) {
        store<i32>(dst, load<i32>(ptrAt(src, i)));
        dst += step;
      }
    }
  } else if (s == 1) {
    const n4 = len & ~3;
    let i = 0;
    for (; i < n4; i += 4) v128.store(ptrAt(dst, i), f32x4.add(v128.load(ptrAt(dst, i)), v128.load(ptrAt(src, i))));
    for (; i < len; i++) store<f32>(ptrAt(dst, i), load<f32>(ptrAt(dst, i)) + load<f32>(ptrAt(src, i)));
  } else {
    const step = <usize>s << 2;
    for (let i = 0; i < len; i++) {
      store<f32>(dst, load<f32>(dst) + load<f32>(ptrAt(src, i)));
      dst += step;
    }
  }
}

function scatterDims(src: usize, dst: usize, d: i32, last: i32, shape: usize, strides: usize, run: i32, s: i32,
                     accumulate: bool): usize {
  const size = dimAt(shape, d);
  const step = <usize>dimAt(strides, d) << 2;
  for (let i = 0; i < size; i++) {
    if (d == last) {
      scatterRun(src, dst, s, run, accumulate);
      src += <usize>run << 2;
    } else {
      src = scatterDims(src, dst, d + 1, last, shape, strides, run, s, accumulate);
    }
    dst += step;
  }
  return src;
}

// src: contiguous [shape] (i32[ndim]); dst: the strided view dst[offset + Σ idx_d·strides_d]
// (element units) ← src as exact bits (accumulate = 0; int32 too) or += src in f32 (accumulate = 1).
export function stridedScatterF32(src: usize, dst: usize, ndim: i32, shape: usize, strides: usize, offset: i32,
                                  accumulate: i32): void {
  dst = ptrAt(dst, offset);
  if (ndim == 0) {
    scatterRun(src, dst, 1, 1, accumulate != 0);
    return;
  }
  if (hasEmptyDim(ndim, shape)) return;
  const last = mergeTrailingDims(ndim, shape, strides);
  const run = runLen, s = runStride;
  if (last < 0) scatterRun(src, dst, s, run, accumulate != 0);
  else scatterDims(src, dst, 0, last, shape, strides, run, s, accumulate != 0);
}

// idx: [shape] i32 (ndim dims, i32[ndim] shape); offsets: [shape] i32 ← for each element of idx at
// position (i_0, …, i_{ndim−1}), Σ_d (d == dim ? idx[…] : i_d)·xStrides_d: the flat offset of the
// element torch.gather(x, dim, idx) picks. Values of idx are range-checked by the caller.
export function alongDimOffsets(idx: usize, offsets: usize, ndim: i32, shape: usize, xStrides: usize, dim: i32): void {
  if (hasEmptyDim(ndim, shape)) return;
  if (ndim == 0) {
    store<i32>(offsets, 0); // a 0-d x has one element; its only valid index is 0
    return;
  }
  const inner = dimAt(shape, ndim - 1);
  const innerStride = dimAt(xStrides, ndim - 1);
  let outer = 1;
  for (let d = 0; d < ndim - 1; d++) outer *= dimAt(shape, d);
  for (let o = 0; o < outer; o++) {
    // base offset of this row from its outer coordinates (all dims but the last), skipping `dim`
    let rem = o, base = 0;
    for (let d = ndim - 2; d >= 0; d--) {
      const size = dimAt(shape, d);
      const i = rem % size;
      rem /= size;
      if (d != dim) base += i * dimAt(xStrides, d);
    }
    const row = <usize>o * <usize>inner;
    const dimStride = dimAt(xStrides, dim);
    for (let j = 0; j < inner; j++) {
      const v = load<i32>(idx + ((row + <usize>j) << 2));
      const off = dim == ndim - 1 ? base + v * dimStride : base + j * innerStride + v * dimStride;
      store<i32>(offsets + ((row + <usize>j) << 2), off);
    }
  }
}

// Transpose tile edge. A BLOCK×BLOCK tile of the source and of the destination (2 × 4 KiB at 32)
// stays in L1 while the 4×4 register transposes fill it, and each tile row is two whole cache lines
// on both sides. Measured at 1024×1024 on the bench machine (simd build, ms per call): 8: 2.42,
// 16: 2.07, 32: 1.63, 64: 1.79, 128: 1.85 — smaller tiles pay loop overhead, larger ones (our guess)
// lose lines to L1 set conflicts, every tile row being 4 KiB from the last at this size.
const BLOCK = 32;

// out[0..4)[0..4) (row stride ldo) ← transpose of x[0..4)[0..4) (row stride ldx), byte strides.
@inline function transpose4x4(x: usize, ldx: usize, out: usize, ldo: usize): void {
  const a = v128.load(x), b = v128.load(x + ldx), c = v128.load(x + 2 * ldx), d = v128.load(x + 3 * ldx);
  const t0 = v128.shuffle<i32>(a, b, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(a, b, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(c, d, 0, 4, 1, 5);
  const t3 = v128.shuffle<i32>(c, d, 2, 6, 3, 7);
  v128.store(out, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
  v128.store(out + ldo, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7));
  v128.store(out + 2 * ldo, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5));
  v128.store(out + 3 * ldo, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7));
}

// x: [rows, cols] f32 row-major; out: [cols, rows] = xᵀ; rows·cols may be 0.
export function transpose2dF32(x: usize, out: usize, rows: i32, cols: i32): void {
  const ldx = <usize>cols << 2, ldo = <usize>rows << 2;
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const r1 = min(r0 + BLOCK, rows);
    const r4 = r0 + ((r1 - r0) & ~3);
    for (let c0 = 0; c0 < cols; c0 += BLOCK) {
      const c1 = min(c0 + BLOCK, cols);
      const c4 = c0 + ((c1 - c0) & ~3);
      let r = r0;
      for (; r < r4; r += 4) {
        let c = c0;
        for (; c < c4; c += 4) {
          transpose4x4(x + <usize>r * ldx + (<usize>c << 2), ldx, out + <usize>c * ldo + (<usize>r << 2), ldo);
        }
        for (; c < c1; c++) {
          for (let k = r; k < r + 4; k++) {
            store<i32>(out + <usize>c * ldo + (<usize>k << 2), load<i32>(x + <usize>k * ldx + (<usize>c << 2)));
          }
        }
      }
      for (; r < r1; r++) {
        for (let c = c0; c < c1; c++) {
          store<i32>(out + <usize>c * ldo + (<usize>r << 2), load<i32>(x + <usize>r * ldx + (<usize>c << 2)));
        }
      }
    }
  }
}
