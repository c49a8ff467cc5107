// Fused scaled-dot-product attention, one (batch, head) per tile: softmax(Q·Kᵀ·scale + masks)·V with
// FlashAttention's tiling and online softmax (Dao et al. 2022; the loop order and backward of
// FlashAttention-2, Dao 2023). A block of BR query rows meets the keys BC at a time; each row keeps
// its running maximum, normaliser and output accumulator, so the T×T score matrix never exists —
// scratch is O(T·D) per participant — and the forward saves only each row's log-sum-exp. The
// backward recomputes the probabilities from it. Every product runs through gemm's 4×8 micro-kernel
// (matmul.ts kernelSplat4x8) over operands packed once per head. Q, K, V, the output and the gradients
// are read and written through (batch, head, row) strides, so heads split out of a fused QKV
// projection ([B, T, 3·E]) are used in place and the output lands merged as [B, T, E]. Rows with no
// visible key give zeros (log-sum-exp −∞), never NaN. Decoding (one query row over a KV cache)
// takes a direct dot-product path; a job with kNew set first appends the new keys and values.

import { Attn, AttnMask, JobKind } from "./abi";
import { claim } from "./parallel";
import { kernelSplat4x8, transpose4x4Store } from "./matmul";
import { dropoutUniform, expNonPositiveVec, hsum } from "./vmath";

// Block sizes. Scores are computed 4 rows × 8 keys at a time; 32 × 32 keeps S, P and their packed
// copies (4 KiB each) in L1 beside the K/V panels of the block, and at T = 128 a causal mask skips 6
// of 16 blocks (64 × 64 would skip 1 of 4).
const BR = 32;
const BC = 32;
const NEG_INF: f32 = -Infinity;
// Rows per call below which the decode path (direct dot products, no packing) is used: see the TS side.

@inline function i32At(job: usize, off: i32): i32 {
  return load<i32>(job + <usize>off);
}

@inline function ptrAt(job: usize, off: i32): usize {
  return <usize>load<u32>(job + <usize>off);
}

@inline function roundUp(n: i32, r: i32): i32 {
  return (n + r - 1) / r * r;
}

// Byte address of row 0 of head (b, h) of the operand at `ptrOff` (strides at `stridesOff`), or 0.
@inline function headBase(job: usize, ptrOff: i32, stridesOff: i32, b: i32, h: i32): usize {
  const p = ptrAt(job, ptrOff);
  if (p == 0) return 0;
  return p + ((<usize>b * <usize>i32At(job, stridesOff) + <usize>h * <usize>i32At(job, stridesOff + 4)) << 2);
}

@inline function rowBytes(job: usize, stridesOff: i32): usize {
  return <usize>i32At(job, stridesOff + 8) << 2;
}

// ---- packing (see matmul.ts for the panel layouts the micro-kernel reads) ----

// A operand: rows of src ([n, cols], row stride ld bytes) into MR = 4 row panels with k = columns;
// panel g holds cols × 4 floats. Rows n … rowsUp−1 are zeros. Full groups of four rows go through
// 4×4 transposes.
function packRowsMR(src: usize, ld: usize, n: i32, rowsUp: i32, cols: i32, dst: usize): void {
  const c4 = cols & ~3;
  for (let r0 = 0; r0 < rowsUp; r0 += 4) {
    const panel = dst + ((<usize>(r0 >> 2) * <usize>cols) << 4);
    const s = src + <usize>r0 * ld;
    if (r0 + 4 <= n) {
      let c = 0;
      for (; c < c4; c += 4) transpose4x4Store(s + (<usize>c << 2), ld, panel + (<usize>c << 4), 16);
      for (; c < cols; c++) {
        for (let r = 0; r < 4; r++) store<f32>(panel + (<usize>c << 4) + (<usize>r << 2), load<f32>(s + <usize>r * ld + (<usize>c << 2)));
      }
      continue;
    }
    for (let r = 0; r < 4; r++) {
      const o = panel + (<usize>r << 2);
      const row = s + <usize>r * ld;
      const live = r0 + r < n;
      for (let c = 0; c < cols; c++) store<f32>(o + (<usize>c << 4), live ? load<f32>(row + (<usize>c << 2)) : 0);
    }
  }
}

// B operand = src ([n, cols]) with k = rows: NR = 8 column panels, panel q/8 holds rowsUp × 8 floats.
// Zeros past n rows and past cols columns.
function packRowsNR(src: usize, ld: usize, n: i32, rowsUp: i32, cols: i32, dst: usize): void {
  for (let q = 0; q < cols; q += 8) {
    const w = min(8, cols - q);
    const panel = dst + (<usize>q * <usize>rowsUp << 2);
    for (let r = 0; r < rowsUp; r++) {
      const o = panel + (<usize>r << 5);
      const s = src + <usize>r * ld + (<usize>q << 2);
      if (r < n && w == 8) {
        v128.store(o, v128.load(s));
        v128.store(o, v128.load(s, 16), 16);
      } else {
        for (let c = 0; c < 8; c++) store<f32>(o + (<usize>c << 2), r < n && c < w ? load<f32>(s + (<usize>c << 2)) : 0);
      }
    }
  }
}

// B operand = srcᵀ (src: [n, cols]) with k = columns: panel r/8 holds cols × 8 floats (8 rows of src
// side by side). Rows n … rowsUp−1 are zeros. Full groups of eight rows go through 4×4 transposes.
function packColsNR(src: usize, ld: usize, n: i32, rowsUp: i32, cols: i32, dst: usize): void {
  const c4 = cols & ~3;
  for (let r0 = 0; r0 < rowsUp; r0 += 8) {
    const panel = dst + ((<usize>(r0 >> 3) * <usize>cols) << 5);
    const s = src + <usize>r0 * ld;
    if (r0 + 8 <= n) {
      let c = 0;
      for (; c < c4; c += 4) {
        transpose4x4Store(s + (<usize>c << 2), ld, panel + (<usize>c << 5), 32);
        transpose4x4Store(s + 4 * ld + (<usize>c << 2), ld, panel + (<usize>c << 5) + 16, 32);
      }
      for (; c < cols; c++) {
        for (let r = 0; r < 8; r++) store<f32>(panel + (<usize>c << 5) + (<usize>r << 2), load<f32>(s + <usize>r * ld + (<usize>c << 2)));
      }
      continue;
    }
    for (let r = 0; r < 8; r++) {
      const o = panel + (<usize>r << 2);
      const row = s + <usize>r * ld;
      const live = r0 + r < n;
      for (let c = 0; c < cols; c++) store<f32>(o + (<usize>c << 5), live ? load<f32>(row + (<usize>c << 2)) : 0);
    }
  }
}

// Rows 4g … 4g+3 of a row-major [·, BC] block into MR panel g (k = the BC columns): 4×4 transposes.
function packBlockMR(src: usize, groups: i32, dst: usize): void {
  for (let g = 0; g < groups; g++) {
    const r0 = src + (<usize>(g * 4 * BC) << 2);
    const out = dst + (<usize>(g * BC) << 4);
    for (let c = 0; c < BC; c += 4) {
      const o = <usize>c << 2;
      const a = v128.load(r0 + o);
      const b = v128.load(r0 + o + (BC << 2));
      const cc = v128.load(r0 + o + (BC << 3));
      const d = v128.load(r0 + o + 3 * (BC << 2));
      const t0 = v128.shuffle<i32>(a, b, 0, 4, 1, 5);
      const t1 = v128.shuffle<i32>(a, b, 2, 6, 3, 7);
      const t2 = v128.shuffle<i32>(cc, d, 0, 4, 1, 5);
      const t3 = v128.shuffle<i32>(cc, d, 2, 6, 3, 7);
      const p = out + (<usize>c << 4);
      v128.store(p, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
      v128.store(p, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7), 16);
      v128.store(p, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5), 32);
      v128.store(p, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7), 48);
    }
  }
}

// The transpose of a row-major [kc, BC] block as the A operand (rows = the BC columns, k = the kc
// rows): MR panel g at k-step r is src[r, 4g … 4g+3], one vector copy.
function packBlockTransposedMR(src: usize, kc: i32, dst: usize): void {
  for (let g = 0; g < BC / 4; g++) {
    const out = dst + (<usize>(g * kc) << 4);
    const col = src + (<usize>g << 4);
    for (let r = 0; r < kc; r++) v128.store(out + (<usize>r << 4), v128.load(col + (<usize>(r * BC) << 2)));
  }
}

// ---- masks ----

// The additive term a mask of `kind` contributes for the element at p.
@inline function maskTerm(kind: i32, p: usize): f32 {
  if (kind == AttnMask.add) return load<f32>(p);
  const nz = load<i32>(p) != 0;
  if (kind == AttnMask.keepNonzero) return nz ? 0 : NEG_INF;
  return nz ? NEG_INF : 0; // dropNonzero
}

// Byte address of mask element (b, h, i, 0), or 0 without a mask.
@inline function maskRow(job: usize, ptrOff: i32, stridesOff: i32, b: i32, h: i32, i: i32): usize {
  const p = ptrAt(job, ptrOff);
  if (p == 0) return 0;
  return p + ((<usize>b * <usize>i32At(job, stridesOff) + <usize>h * <usize>i32At(job, stridesOff + 4) +
    <usize>i * <usize>i32At(job, stridesOff + 8)) << 2);
}

// x plus the terms of the two masks at column c (m1/m2: the row's mask addresses, or 0); −∞ + ∞
// from two masks counts as masked.
@inline function addMasks(x: f32, c: i32, m1: usize, k1: i32, s1: usize, m2: usize, k2: i32, s2: usize): f32 {
  if (m1 != 0) x += maskTerm(k1, m1 + <usize>c * s1);
  if (m2 != 0) x += maskTerm(k2, m2 + <usize>c * s2);
  return x != x ? NEG_INF : x;
}

// One row of BC raw scores → scale·s + masks, −∞ at columns ≥ lim (past the keys or the causal
// limit); returns the row maximum. m1/m2: mask addresses of this row at column 0 of the block, or 0.
function scoreRow(row: usize, lim: i32, scale: f32, m1: usize, k1: i32, s1: usize, m2: usize, k2: i32, s2: usize): f32 {
  if (m1 == 0 && m2 == 0) {
    const sv = f32x4.splat(scale);
    const limv = i32x4.splat(lim);
    const ninf = f32x4.splat(NEG_INF);
    let mx = ninf;
    for (let c = 0; c < BC; c += 4) {
      const o = <usize>c << 2;
      const idx = i32x4.add(i32x4(0, 1, 2, 3), i32x4.splat(c));
      const x = v128.bitselect(f32x4.mul(v128.load(row + o), sv), ninf, i32x4.lt_s(idx, limv));
      v128.store(row + o, x);
      mx = f32x4.pmax(mx, x);
    }
    return max(max(f32x4.extract_lane(mx, 0), f32x4.extract_lane(mx, 1)), max(f32x4.extract_lane(mx, 2), f32x4.extract_lane(mx, 3)));
  }
  let mx = NEG_INF;
  for (let c = 0; c < BC; c++) {
    const o = row + (<usize>c << 2);
    let x = NEG_INF;
    if (c < lim) x = addMasks(load<f32>(o) * scale, c, m1, k1, s1, m2, k2, s2);
    store<f32>(o, x);
    if (x > mx) mx = x;
  }
  return mx;
}

// row ← e^(row − m) over BC columns (−∞ → 0); returns the sum.
function expRow(row: usize, m: f32): f32 {
  const mv = f32x4.splat(m);
  let acc0 = f32x4.splat(0);
  let acc1 = acc0;
  for (let c = 0; c < BC; c += 8) {
    const o = <usize>c << 2;
    const e0 = expNonPositiveVec(f32x4.sub(v128.load(row + o), mv));
    const e1 = expNonPositiveVec(f32x4.sub(v128.load(row + o, 16), mv));
    v128.store(row + o, e0);
    v128.store(row + o, e1, 16);
    acc0 = f32x4.add(acc0, e0);
    acc1 = f32x4.add(acc1, e1);
  }
  return hsum(f32x4.add(acc0, acc1));
}

@inline function scaleFloats(p: usize, n: i32, a: f32): void {
  const av = f32x4.splat(a);
  for (let d = 0; d < n; d += 4) v128.store(p + (<usize>d << 2), f32x4.mul(v128.load(p + (<usize>d << 2)), av));
}

@inline function zeroFloats(p: usize, n: i32): void {
  memory.fill(p, 0, <usize>n << 2);
}

// Multiplies a row of BC attention weights by the dropout mask {0, 1/(1−p)} of elements
// first … first+BC−1 (flat index ((b·H + h)·tq + i)·tk + j; columns past the keys are already 0).
function dropoutRow(row: usize, seed: u64, first: u64, cols: i32, p: f32): void {
  const keep: f32 = <f32>1 / (<f32>1 - p);
  for (let c = 0; c < cols; c++) {
    const o = row + (<usize>c << 2);
    store<f32>(o, dropoutUniform(seed, first + <u64>c) >= p ? load<f32>(o) * keep : 0);
  }
}

// ---- block products (gemm's 4×8 micro-kernel over packed panels) ----

// out[4g + r, c] = Σ_p a[4g + r, p]·b[c, p] for the `groups` MR panels of a (k = kDim) and the BC
// columns of the block (b: their NR panels, k = kDim); out: row-major [·, BC].
@inline function blockScores(kDim: i32, a: usize, b: usize, groups: i32, out: usize): void {
  for (let g = 0; g < groups; g++) {
    for (let kp = 0; kp < BC; kp += 8) {
      kernelSplat4x8(kDim, a + (<usize>(g * kDim) << 4), b + (<usize>kp * <usize>kDim << 2),
        out + (<usize>(g * 4 * BC + kp) << 2), BC << 2, false);
    }
  }
}

// out[4g + r, ·] += a · b for the `groups` MR panels of a (k = kDim) and the NR panels of b that
// start `kRows` rows apart (b: their row 0 of this block); out: row-major [·, width].
@inline function accumulateBlock(kDim: i32, a: usize, b: usize, kRows: i32, groups: i32, out: usize, width: i32): void {
  for (let g = 0; g < groups; g++) {
    for (let qp = 0; qp < width; qp += 8) {
      kernelSplat4x8(kDim, a + (<usize>(g * kDim) << 4), b + (<usize>qp * <usize>kRows << 2),
        out + (<usize>(g * 4 * width + qp) << 2), <usize>width << 2, true);
    }
  }
}

// ---- KV cache ----

// Copies the tq new key and value rows of head (b, h) into k / v at rows tk − tq … tk − 1.
function appendNew(job: usize, b: i32, h: i32): void {
  const tq = i32At(job, Attn.tq);
  const tk = i32At(job, Attn.tk);
  const kn = headBase(job, Attn.kNew, Attn.kNewStrides, b, h);
  const vn = headBase(job, Attn.vNew, Attn.vNewStrides, b, h);
  const k = headBase(job, Attn.k, Attn.kStrides, b, h);
  const v = headBase(job, Attn.v, Attn.vStrides, b, h);
  const ldkn = rowBytes(job, Attn.kNewStrides), ldvn = rowBytes(job, Attn.vNewStrides);
  const ldk = rowBytes(job, Attn.kStrides), ldv = rowBytes(job, Attn.vStrides);
  const kBytes = <usize>i32At(job, Attn.dimQK) << 2, vBytes = <usize>i32At(job, Attn.dimV) << 2;
  for (let r = 0; r < tq; r++) {
    const at = <usize>(tk - tq + r);
    memory.copy(k + at * ldk, kn + <usize>r * ldkn, kBytes);
    memory.copy(v + at * ldv, vn + <usize>r * ldvn, vBytes);
  }
}

// ---- forward ----

function forwardTile(job: usize, t: i32, slice: usize): void {
  const heads = i32At(job, Attn.heads);
  const b = t / heads, h = t - b * heads;
  const tq = i32At(job, Attn.tq), tk = i32At(job, Attn.tk);
  const dk = i32At(job, Attn.dimQK), dv = i32At(job, Attn.dimV);
  if (ptrAt(job, Attn.kNew) != 0) appendNew(job, b, h);
  const q = headBase(job, Attn.q, Attn.qStrides, b, h), ldq = rowBytes(job, Attn.qStrides);
  const k = headBase(job, Attn.k, Attn.kStrides, b, h), ldk = rowBytes(job, Attn.kStrides);
  const v = headBase(job, Attn.v, Attn.vStrides, b, h), ldv = rowBytes(job, Attn.vStrides);
  const o = headBase(job, Attn.out, Attn.outStrides, b, h), ldo = rowBytes(job, Attn.outStrides);
  const lse = ptrAt(job, Attn.lse);
  const causal = i32At(job, Attn.causal) != 0, off = i32At(job, Attn.causalOffset);
  const scale = load<f32>(job + Attn.scale), pDrop = load<f32>(job + Attn.dropout);
  const seed = (<u64>load<u32>(job + Attn.seedHi) << 32) | <u64>load<u32>(job + Attn.seedLo);
  const k1 = i32At(job, Attn.mask1Kind), k2 = i32At(job, Attn.mask2Kind);
  const s1 = <usize>i32At(job, Attn.mask1Strides + 12) << 2, s2 = <usize>i32At(job, Attn.mask2Strides + 12) << 2;
  const tkUp = roundUp(tk, BC), dvp = roundUp(dv, 8);

  const kt = slice;
  const vb = kt + (<usize>tkUp * <usize>dk << 2);
  const qa = vb + (<usize>dvp * <usize>tkUp << 2);
  const s = qa + (<usize>(BR * dk) << 2);
  const pa = s + (BR * BC << 2);
  const oacc = pa + (BR * BC << 2);
  const mrow = oacc + (<usize>(BR * dvp) << 2);
  const lrow = mrow + (BR << 2);
  packColsNR(k, ldk, tk, tkUp, dk, kt);
  packRowsNR(v, ldv, tk, tkUp, dv, vb);

  for (let i0 = 0; i0 < tq; i0 += BR) {
    const rows = min(BR, tq - i0);
    const groups = (rows + 3) >> 2;
    packRowsMR(q + <usize>i0 * ldq, ldq, rows, groups * 4, dk, qa);
    for (let r = 0; r < BR; r++) {
      store<f32>(mrow + (<usize>r << 2), NEG_INF);
      store<f32>(lrow + (<usize>r << 2), 0);
    }
    zeroFloats(oacc, groups * 4 * dvp);
    const jEnd = causal ? min(tk, max(0, i0 + rows + off)) : tk;
    for (let j0 = 0; j0 < jEnd; j0 += BC) {
      blockScores(dk, qa, kt + (<usize>j0 * <usize>dk << 2), groups, s);
      const cols = min(BC, tk - j0);
      for (let r = 0; r < groups * 4; r++) {
        const row = s + (<usize>(r * BC) << 2);
        if (r >= rows) {
          zeroFloats(row, BC);
          continue;
        }
        const i = i0 + r;
        let lim = cols;
        if (causal) lim = max(0, min(lim, i + off - j0 + 1));
        const m1 = maskRow(job, Attn.mask1, Attn.mask1Strides, b, h, i);
        const m2 = maskRow(job, Attn.mask2, Attn.mask2Strides, b, h, i);
        const rmax = scoreRow(row, lim, scale, m1 == 0 ? 0 : m1 + <usize>j0 * s1, k1, s1, m2 == 0 ? 0 : m2 + <usize>j0 * s2, k2, s2);
        const mOld = load<f32>(mrow + (<usize>r << 2));
        const mNew = max(mOld, rmax);
        if (mNew == NEG_INF) {
          zeroFloats(row, BC);
          continue;
        }
        const alpha = Mathf.exp(mOld - mNew);
        const sum = expRow(row, mNew);
        store<f32>(lrow + (<usize>r << 2), load<f32>(lrow + (<usize>r << 2)) * alpha + sum);
        store<f32>(mrow + (<usize>r << 2), mNew);
        if (alpha != 1) scaleFloats(oacc + (<usize>(r * dvp) << 2), dvp, alpha);
        if (pDrop > 0) dropoutRow(row, seed, (<u64>t * <u64>tq + <u64>i) * <u64>tk + <u64>j0, cols, pDrop);
      }
      packBlockMR(s, groups, pa);
      accumulateBlock(BC, pa, vb + (<usize>j0 * 8 << 2), tkUp, groups, oacc, dvp);
    }
    for (let r = 0; r < rows; r++) {
      const l = load<f32>(lrow + (<usize>r << 2));
      const inv: f32 = l > 0 ? <f32>1 / l : 0;
      const src = oacc + (<usize>(r * dvp) << 2);
      const dst = o + <usize>(i0 + r) * ldo;
      for (let d = 0; d < dv; d++) store<f32>(dst + (<usize>d << 2), load<f32>(src + (<usize>d << 2)) * inv);
      if (lse != 0) {
        const m = load<f32>(mrow + (<usize>r << 2));
        store<f32>(lse + ((<usize>t * <usize>tq + <usize>(i0 + r)) << 2), l > 0 ? m + Mathf.log(l) : NEG_INF);
      }
    }
  }
}

// ---- decode: a few query rows over all keys, direct dot products (no packing) ----

@inline function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  const n4 = n & ~3;
  let d = 0;
  for (; d < n4; d += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(a + (<usize>d << 2)), v128.load(b + (<usize>d << 2))));
  let s = hsum(acc);
  for (; d < n; d++) s += load<f32>(a + (<usize>d << 2)) * load<f32>(b + (<usize>d << 2));
  return s;
}

function decodeTile(job: usize, t: i32, slice: usize): void {
  const heads = i32At(job, Attn.heads);
  const b = t / heads, h = t - b * heads;
  const tq = i32At(job, Attn.tq), tk = i32At(job, Attn.tk);
  const dk = i32At(job, Attn.dimQK), dv = i32At(job, Attn.dimV);
  if (ptrAt(job, Attn.kNew) != 0) appendNew(job, b, h);
  const q = headBase(job, Attn.q, Attn.qStrides, b, h), ldq = rowBytes(job, Attn.qStrides);
  const k = headBase(job, Attn.k, Attn.kStrides, b, h), ldk = rowBytes(job, Attn.kStrides);
  const v = headBase(job, Attn.v, Attn.vStrides, b, h), ldv = rowBytes(job, Attn.vStrides);
  const o = headBase(job, Attn.out, Attn.outStrides, b, h), ldo = rowBytes(job, Attn.outStrides);
  const lse = ptrAt(job, Attn.lse);
  const causal = i32At(job, Attn.causal) != 0, off = i32At(job, Attn.causalOffset);
  const scale = load<f32>(job + Attn.scale);
  const k1 = i32At(job, Attn.mask1Kind), k2 = i32At(job, Attn.mask2Kind);
  const s1 = <usize>i32At(job, Attn.mask1Strides + 12) << 2, s2 = <usize>i32At(job, Attn.mask2Strides + 12) << 2;
  const scores = slice;
  const oacc = scores + (<usize>roundUp(tk, 4) << 2);
  const dv4 = dv & ~3;

  for (let i = 0; i < tq; i++) {
    const n = causal ? min(tk, max(0, i + off + 1)) : tk;
    const qrow = q + <usize>i * ldq;
    const m1 = maskRow(job, Attn.mask1, Attn.mask1Strides, b, h, i);
    const m2 = maskRow(job, Attn.mask2, Attn.mask2Strides, b, h, i);
    let mx = NEG_INF;
    for (let j = 0; j < n; j++) {
      const x = addMasks(dot(qrow, k + <usize>j * ldk, dk) * scale, j, m1, k1, s1, m2, k2, s2);
      store<f32>(scores + (<usize>j << 2), x);
      if (x > mx) mx = x;
    }
    const dst = o + <usize>i * ldo;
    if (mx == NEG_INF) {
      zeroFloats(dst, dv);
      if (lse != 0) store<f32>(lse + ((<usize>t * <usize>tq + <usize>i) << 2), NEG_INF);
      continue;
    }
    let sum: f32 = 0;
    for (let j = 0; j < n; j++) {
      const e = f32x4.extract_lane(expNonPositiveVec(f32x4.splat(load<f32>(scores + (<usize>j << 2)) - mx)), 0);
      store<f32>(scores + (<usize>j << 2), e);
      sum += e;
    }
    zeroFloats(oacc, roundUp(dv, 4));
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const p0 = f32x4.splat(load<f32>(scores + (<usize>j << 2)));
      const p1 = f32x4.splat(load<f32>(scores + (<usize>j << 2), 4));
      const p2 = f32x4.splat(load<f32>(scores + (<usize>j << 2), 8));
      const p3 = f32x4.splat(load<f32>(scores + (<usize>j << 2), 12));
      const v0 = v + <usize>j * ldv;
      const v1 = v0 + ldv, v2 = v1 + ldv, v3 = v2 + ldv;
      let d = 0;
      for (; d < dv4; d += 4) {
        const od = <usize>d << 2;
        let acc = v128.load(oacc + od);
        acc = f32x4.add(acc, f32x4.mul(p0, v128.load(v0 + od)));
        acc = f32x4.add(acc, f32x4.mul(p1, v128.load(v1 + od)));
        acc = f32x4.add(acc, f32x4.mul(p2, v128.load(v2 + od)));
        acc = f32x4.add(acc, f32x4.mul(p3, v128.load(v3 + od)));
        v128.store(oacc + od, acc);
      }
      for (; d < dv; d++) {
        const od = <usize>d << 2;
        store<f32>(oacc + od, load<f32>(oacc + od) + f32x4.extract_lane(p0, 0) * load<f32>(v0 + od) +
          f32x4.extract_lane(p1, 0) * load<f32>(v1 + od) + f32x4.extract_lane(p2, 0) * load<f32>(v2 + od) +
          f32x4.extract_lane(p3, 0) * load<f32>(v3 + od));
      }
    }
    for (; j < n; j++) {
      const p = load<f32>(scores + (<usize>j << 2));
      const pv = f32x4.splat(p);
      const vr = v + <usize>j * ldv;
      let d = 0;
      for (; d < dv4; d += 4) {
        const od = <usize>d << 2;
        v128.store(oacc + od, f32x4.add(v128.load(oacc + od), f32x4.mul(pv, v128.load(vr + od))));
      }
      for (; d < dv; d++) store<f32>(oacc + (<usize>d << 2), load<f32>(oacc + (<usize>d << 2)) + p * load<f32>(vr + (<usize>d << 2)));
    }
    const inv: f32 = <f32>1 / sum;
    for (let d = 0; d < dv; d++) store<f32>(dst + (<usize>d << 2), load<f32>(oacc + (<usize>d << 2)) * inv);
    if (lse != 0) store<f32>(lse + ((<usize>t * <usize>tq + <usize>i) << 2), mx + Mathf.log(sum));
  }
}

// ---- backward ----

function backwardTile(job: usize, t: i32, slice: usize): void {
  const heads = i32At(job, Attn.heads);
  const b = t / heads, h = t - b * heads;
  const tq = i32At(job, Attn.tq), tk = i32At(job, Attn.tk);
  const dk = i32At(job, Attn.dimQK), dv = i32At(job, Attn.dimV);
  const q = headBase(job, Attn.q, Attn.qStrides, b, h), ldq = rowBytes(job, Attn.qStrides);
  const k = headBase(job, Attn.k, Attn.kStrides, b, h), ldk = rowBytes(job, Attn.kStrides);
  const v = headBase(job, Attn.v, Attn.vStrides, b, h), ldv = rowBytes(job, Attn.vStrides);
  const o = headBase(job, Attn.out, Attn.outStrides, b, h), ldo = rowBytes(job, Attn.outStrides);
  const gout = headBase(job, Attn.dout, Attn.outStrides, b, h);
  const gq = headBase(job, Attn.dq, Attn.qStrides, b, h);
  const gk = headBase(job, Attn.dk, Attn.kStrides, b, h);
  const gv = headBase(job, Attn.dv, Attn.vStrides, b, h);
  const lse = ptrAt(job, Attn.lse) + (<usize>t * <usize>tq << 2);
  const causal = i32At(job, Attn.causal) != 0, off = i32At(job, Attn.causalOffset);
  const scale = load<f32>(job + Attn.scale), pDrop = load<f32>(job + Attn.dropout);
  const seed = (<u64>load<u32>(job + Attn.seedHi) << 32) | <u64>load<u32>(job + Attn.seedLo);
  const k1 = i32At(job, Attn.mask1Kind), k2 = i32At(job, Attn.mask2Kind);
  const s1 = <usize>i32At(job, Attn.mask1Strides + 12) << 2, s2 = <usize>i32At(job, Attn.mask2Strides + 12) << 2;
  const tqUp = roundUp(tq, BR), tkUp = roundUp(tk, BC), dkp = roundUp(dk, 8), dvp = roundUp(dv, 8);

  const qa = slice; // Q as A (k = dk)
  const qb = qa + (<usize>tqUp * <usize>dk << 2); // Q as B (k = queries)
  const kt = qb + (<usize>dkp * <usize>tqUp << 2); // Kᵀ as B (k = dk)
  const kb = kt + (<usize>tkUp * <usize>dk << 2); // K as B (k = keys)
  const vt = kb + (<usize>dkp * <usize>tkUp << 2); // Vᵀ as B (k = dv)
  const doa = vt + (<usize>tkUp * <usize>dv << 2); // dO as A (k = dv)
  const dob = doa + (<usize>tqUp * <usize>dv << 2); // dO as B (k = queries)
  const dvec = dob + (<usize>dvp * <usize>tqUp << 2); // D_i = Σ dO·O
  const dqa = dvec + (<usize>tqUp << 2);
  const dka = dqa + (<usize>tqUp * <usize>dkp << 2);
  const dva = dka + (<usize>tkUp * <usize>dkp << 2);
  const pb = dva + (<usize>tkUp * <usize>dvp << 2); // P, row-major [BR, BC]
  const pd = pb + (BR * BC << 2); // P with dropout
  const dpb = pd + (BR * BC << 2); // dP, then dS
  const pt = dpb + (BR * BC << 2); // (P·Z)ᵀ as A
  const dsa = pt + (BR * BC << 2); // dS as A (k = keys)
  const dst = dsa + (BR * BC << 2); // dSᵀ as A (k = queries)

  packRowsMR(q, ldq, tq, tqUp, dk, qa);
  packRowsNR(q, ldq, tq, tqUp, dk, qb);
  packColsNR(k, ldk, tk, tkUp, dk, kt);
  packRowsNR(k, ldk, tk, tkUp, dk, kb);
  packColsNR(v, ldv, tk, tkUp, dv, vt);
  packRowsMR(gout, ldo, tq, tqUp, dv, doa);
  packRowsNR(gout, ldo, tq, tqUp, dv, dob);
  for (let i = 0; i < tqUp; i++) {
    store<f32>(dvec + (<usize>i << 2), i < tq ? dot(gout + <usize>i * ldo, o + <usize>i * ldo, dv) : 0);
  }
  zeroFloats(dqa, tqUp * dkp);
  zeroFloats(dka, tkUp * dkp);
  zeroFloats(dva, tkUp * dvp);

  for (let j0 = 0; j0 < tk; j0 += BC) {
    const cols = min(BC, tk - j0);
    const colGroups = (cols + 3) >> 2; // MR panels of the transposed block that hold keys
    const iStart = causal ? max(0, (j0 - off) / BR * BR) : 0;
    for (let i0 = iStart; i0 < tq; i0 += BR) {
      const rows = min(BR, tq - i0);
      const groups = (rows + 3) >> 2;
      const kc = groups * 4;
      // P = exp(S − lse)
      blockScores(dk, qa + (<usize>i0 * <usize>dk << 2), kt + (<usize>j0 * <usize>dk << 2), groups, pb);
      for (let r = 0; r < kc; r++) {
        const row = pb + (<usize>(r * BC) << 2);
        const i = i0 + r;
        const L = r < rows ? load<f32>(lse + (<usize>i << 2)) : NEG_INF;
        if (L == NEG_INF) {
          zeroFloats(row, BC);
        } else {
          let lim = cols;
          if (causal) lim = max(0, min(lim, i + off - j0 + 1));
          const m1 = maskRow(job, Attn.mask1, Attn.mask1Strides, b, h, i);
          const m2 = maskRow(job, Attn.mask2, Attn.mask2Strides, b, h, i);
          scoreRow(row, lim, scale, m1 == 0 ? 0 : m1 + <usize>j0 * s1, k1, s1, m2 == 0 ? 0 : m2 + <usize>j0 * s2, k2, s2);
          expRow(row, L);
        }
        if (pDrop > 0) {
          memory.copy(pd + (<usize>(r * BC) << 2), row, BC << 2);
          if (L != NEG_INF) dropoutRow(pd + (<usize>(r * BC) << 2), seed, (<u64>t * <u64>tq + <u64>i) * <u64>tk + <u64>j0, cols, pDrop);
        }
      }
      const pUsed = pDrop > 0 ? pd : pb;
      // dV[j0 …] += (P·Z)ᵀ · dO[i0 …]
      packBlockTransposedMR(pUsed, kc, pt);
      accumulateBlock(kc, pt, dob + (<usize>i0 * 8 << 2), tqUp, colGroups, dva + (<usize>j0 * <usize>dvp << 2), dvp);
      // dP = dO · Vᵀ, then dS = P ∘ (dP·Z − D)·scale
      blockScores(dv, doa + (<usize>i0 * <usize>dv << 2), vt + (<usize>j0 * <usize>dv << 2), groups, dpb);
      for (let r = 0; r < kc; r++) {
        const prow = pb + (<usize>(r * BC) << 2);
        const drow = dpb + (<usize>(r * BC) << 2);
        if (r >= rows) {
          zeroFloats(drow, BC);
          continue;
        }
        const i = i0 + r;
        if (pDrop > 0) {
          const keep: f32 = <f32>1 / (<f32>1 - pDrop);
          const first = (<u64>t * <u64>tq + <u64>i) * <u64>tk + <u64>j0;
          for (let c = 0; c < cols; c++) {
            const a = drow + (<usize>c << 2);
            store<f32>(a, dropoutUniform(seed, first + <u64>c) >= pDrop ? load<f32>(a) * keep : 0);
          }
        }
        const dvv = f32x4.splat(load<f32>(dvec + (<usize>i << 2)));
        const sv = f32x4.splat(scale);
        for (let c = 0; c < BC; c += 4) {
          const oc = <usize>c << 2;
          v128.store(drow + oc, f32x4.mul(f32x4.mul(v128.load(prow + oc), f32x4.sub(v128.load(drow + oc), dvv)), sv));
        }
      }
      packBlockMR(dpb, groups, dsa);
      packBlockTransposedMR(dpb, kc, dst);
      // dQ[i0 …] += dS · K[j0 …];  dK[j0 …] += dSᵀ · Q[i0 …]
      accumulateBlock(BC, dsa, kb + (<usize>j0 * 8 << 2), tkUp, groups, dqa + (<usize>i0 * <usize>dkp << 2), dkp);
      accumulateBlock(kc, dst, qb + (<usize>i0 * 8 << 2), tqUp, colGroups, dka + (<usize>j0 * <usize>dkp << 2), dkp);
    }
  }
  if (gq != 0) for (let i = 0; i < tq; i++) memory.copy(gq + <usize>i * ldq, dqa + (<usize>(i * dkp) << 2), <usize>dk << 2);
  if (gk != 0) for (let j = 0; j < tk; j++) memory.copy(gk + <usize>j * ldk, dka + (<usize>(j * dkp) << 2), <usize>dk << 2);
  if (gv != 0) for (let j = 0; j < tk; j++) memory.copy(gv + <usize>j * ldv, dva + (<usize>(j * dvp) << 2), <usize>dv << 2);
}

// ---- job entry points ----

// Claims (batch, head) tiles of an attention job until none remain (jobs.ts runs this for every
// participant); `kind` is the job's JobKind.
export function attentionTiles(job: usize, worker: i32, kind: i32): void {
  const slice = ptrAt(job, Attn.slices) + <usize>worker * ptrAt(job, Attn.sliceBytes);
  for (;;) {
    const t = claim(job);
    if (t < 0) break;
    if (kind == JobKind.attentionForward) forwardTile(job, t, slice);
    else if (kind == JobKind.attentionDecode) decodeTile(job, t, slice);
    else backwardTile(job, t, slice);
  }
}

// Bytes of scratch one participant of an attention job of this kind and shape needs (64-aligned).
export function attentionSliceBytes(kind: i32, tq: i32, tk: i32, dk: i32, dv: i32): i32 {
  const tqUp: i64 = roundUp(tq, BR), tkUp: i64 = roundUp(tk, BC);
  const dkp: i64 = roundUp(dk, 8), dvp: i64 = roundUp(dv, 8);
  let floats: i64;
  if (kind == JobKind.attentionForward) {
    floats = tkUp * dk + dvp * tkUp + <i64>BR * dk + 2 * BR * BC + <i64>BR * dvp + 2 * BR;
  } else if (kind == JobKind.attentionDecode) {
    floats = <i64>roundUp(tk, 4) + dvp;
  } else {
    floats = tqUp * dk + dkp * tqUp + tkUp * dk + dkp * tkUp + tkUp * dv + tqUp * dv + dvp * tqUp + tqUp +
      tqUp * dkp + tkUp * dkp + tkUp * dvp + 6 * BR * BC;
  }
  const bytes = (floats * 4 + 63) & ~63;
  return bytes > <i64>i32.MAX_VALUE ? i32.MAX_VALUE : <i32>bytes;
}
