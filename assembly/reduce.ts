// Reductions over one axis of x viewed as [outer, len, inner] (sum, mean, max, min, argmax, argmin)
// and the gradient of max / min: scatter a value back to its arg index.
// Row reductions (inner = 1) keep 16 SIMD partial sums; column reductions add rows four at a time
// into the output row, which stays in L1 while x streams through once.

import { Reduce } from "./abi";
import { ld, ldf, st, stf } from "./vmath";

// NaN-propagating max/min (wasm's f32x4.max/min and f32.max/min are), like torch.max/min.
@inline function combineVec(op: i32, a: v128, b: v128): v128 {
  if (op == Reduce.max) return f32x4.max(a, b);
  if (op == Reduce.min) return f32x4.min(a, b);
  return f32x4.add(a, b);
}

@inline function combine(op: i32, a: f32, b: f32): f32 {
  if (op == Reduce.max) return Mathf.max(a, b);
  if (op == Reduce.min) return Mathf.min(a, b);
  return a + b;
}

// Sum / max / min of one contiguous row of len ≥ 1 (sum also len = 0): four f32x4 accumulators
// (16 partial results, which also shortens the f32 rounding chains by 16×), then a tree combine.
function reduceRow(op: i32, p: usize, len: i32): f32 {
  if (len < 16) {
    let acc: f32 = op == Reduce.sum || op == Reduce.mean ? 0 : ldf(p, 0);
    for (let l = 0; l < len; l++) acc = combine(op, acc, ldf(p, l));
    return acc;
  }
  let a0 = ld(p, 0), a1 = ld(p, 4), a2 = ld(p, 8), a3 = ld(p, 12);
  const n16 = len & ~15;
  let l = 16;
  for (; l < n16; l += 16) {
    a0 = combineVec(op, a0, ld(p, l));
    a1 = combineVec(op, a1, ld(p, l + 4));
    a2 = combineVec(op, a2, ld(p, l + 8));
    a3 = combineVec(op, a3, ld(p, l + 12));
  }
  for (; l + 4 <= len; l += 4) a0 = combineVec(op, a0, ld(p, l));
  const v = combineVec(op, combineVec(op, a0, a1), combineVec(op, a2, a3));
  let acc = combine(op, combine(op, f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
                    combine(op, f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
  for (; l < len; l++) acc = combine(op, acc, ldf(p, l));
  return acc;
}

// out[0..inner) = op over l of rows p + l·inner, len ≥ 1: out starts as +0 (sum, mean: a column
// of −0 sums to +0, as in torch) or the first row (max, min), then four rows at a time are
// combined pairwise and folded into out.
function reduceColumns(op: i32, p: usize, out: usize, len: i32, inner: i32): void {
  const n4 = inner & ~3;
  const row = <usize>inner << 2;
  let l = 1;
  if (op == Reduce.sum || op == Reduce.mean) {
    memory.fill(out, 0, row);
    l = 0;
  } else memory.copy(out, p, row);
  for (; l + 4 <= len; l += 4) {
    const r0 = p + <usize>l * row, r1 = r0 + row, r2 = r1 + row, r3 = r2 + row;
    let i = 0;
    for (; i < n4; i += 4) {
      const s = combineVec(op, combineVec(op, ld(r0, i), ld(r1, i)), combineVec(op, ld(r2, i), ld(r3, i)));
      st(out, i, combineVec(op, ld(out, i), s));
    }
    for (; i < inner; i++) {
      const s = combine(op, combine(op, ldf(r0, i), ldf(r1, i)), combine(op, ldf(r2, i), ldf(r3, i)));
      stf(out, i, combine(op, ldf(out, i), s));
    }
  }
  for (; l < len; l++) {
    const r = p + <usize>l * row;
    let i = 0;
    for (; i < n4; i += 4) st(out, i, combineVec(op, ld(out, i), ld(r, i)));
    for (; i < inner; i++) stf(out, i, combine(op, ldf(out, i), ldf(r, i)));
  }
}

// x: [outer, len, inner] f32; out: [outer, inner]; op 0 sum, 1 mean, 2 max, 3 min. len = 0 gives
// sum 0 and mean NaN (max/min are not called with len = 0); NaN propagates through max/min. Mean
// divides the f32 sum by len, as torch does.
export function reduceAxisF32(op: i32, x: usize, out: usize, outer: i32, len: i32, inner: i32): void {
  const rowBytes = <usize>len * inner << 2;
  const n = <usize>outer * inner;
  if (len == 0) {
    const fill: f32 = op == Reduce.sum ? 0 : NaN;
    for (let i: usize = 0; i < n; i++) store<f32>(out + (i << 2), fill);
    return;
  }
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const s = reduceRow(op, x + <usize>o * rowBytes, len);
      stf(out, o, op == Reduce.mean ? s / <f32>len : s);
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    const dst = out + (<usize>o * inner << 2);
    reduceColumns(op, x + <usize>o * rowBytes, dst, len, inner);
    if (op == Reduce.mean) {
      const d = f32x4.splat(<f32>len);
      const n4 = inner & ~3;
      let i = 0;
      for (; i < n4; i += 4) st(dst, i, f32x4.div(ld(dst, i), d));
      for (; i < inner; i++) stf(dst, i, ldf(dst, i) / <f32>len);
    }
  }
}

// Index of the first max (isMax) or min along len for each (o, i); a NaN counts as the extreme and
// the first NaN wins, like torch.argmax. Lanes run over inner with per-lane best value and index.
function argAxis(isMax: bool, x: usize, out: usize, outer: i32, len: i32, inner: i32): void {
  const row = <usize>inner << 2;
  const n4 = inner & ~3;
  for (let o = 0; o < outer; o++) {
    const p = x + <usize>o * <usize>len * row;
    const dst = out + <usize>o * row;
    let i = 0;
    for (; i < n4; i += 4) {
      let best = ld(p, i);
      let idx = i32x4.splat(0);
      for (let l = 1; l < len; l++) {
        const v = ld(p + <usize>l * row, i);
        const better = isMax ? f32x4.gt(v, best) : f32x4.lt(v, best);
        const nan = v128.and(f32x4.ne(v, v), f32x4.eq(best, best));
        const take = v128.or(better, nan);
        best = v128.bitselect(v, best, take);
        idx = v128.bitselect(i32x4.splat(l), idx, take);
      }
      st(dst, i, idx);
    }
    for (; i < inner; i++) {
      let best = ldf(p, i);
      let bi = 0;
      if (best == best) {
        for (let l = 1; l < len; l++) {
          const v = ldf(p + <usize>l * row, i);
          if (v != v) {
            bi = l;
            break;
          }
          if (isMax ? v > best : v < best) {
            best = v;
            bi = l;
          }
        }
      }
      store<i32>(dst + (<usize>i << 2), bi);
    }
  }
}

// x: [outer, len, inner] f32, len ≥ 1; out: [outer, inner] i32 = first index of the max along len.
export function argmaxAxisF32(x: usize, out: usize, outer: i32, len: i32, inner: i32): void {
  argAxis(true, x, out, outer, len, inner);
}

// x: [outer, len, inner] f32, len ≥ 1; out: [outer, inner] i32 = first index of the min along len.
export function argminAxisF32(x: usize, out: usize, outer: i32, len: i32, inner: i32): void {
  argAxis(false, x, out, outer, len, inner);
}

// indices: [outer, inner] i32 in [0, len); dy: [outer, inner] f32; dx: [outer, len, inner] f32 is
// zeroed, then dx[o, indices[o, i], i] = dy[o, i] (the gradient of max/min along an axis).
export function scatterAxisF32(indices: usize, dy: usize, dx: usize, outer: i32, len: i32, inner: i32): void {
  memory.fill(dx, 0, <usize>outer * <usize>len * <usize>inner << 2);
  for (let o = 0; o < outer; o++) {
    const base = dx + (<usize>o * <usize>len * <usize>inner << 2);
    const src = <usize>o * inner;
    for (let i = 0; i < inner; i++) {
      const k = src + <usize>i;
      const l = load<i32>(indices + (k << 2));
      store<f32>(base + ((<usize>l * inner + <usize>i) << 2), load<f32>(dy + (k << 2)));
    }
  }
}
