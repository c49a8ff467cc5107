// Dense float64 linear algebra for PCA (sklearn.decomposition.PCA's full solver, by the covariance
// route): centring, the Gram product Yᵀ·Y as a threaded job of column-block tiles with a 4×4
// f64x2 micro-kernel, and the symmetric eigen-decomposition by Householder tridiagonalisation and
// the implicit QL algorithm (tred2 / tql2 of EISPACK, as in JAMA's EigenvalueDecomposition).

import { CovarianceJob } from "./abi";
import { claim } from "./parallel";

// Rows of Y per pass over a tile: 128 rows × 32 columns × 8 bytes = 32 KiB per block of columns,
// so both blocks of a tile stay in L2 while its 4×4 micro-blocks sweep them.
const ROW_CHUNK = 128;

@inline function fma2(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  else return f64x2.add(f64x2.mul(a, b), c);
}

// out: [d] f64 column means of x: [n, d] f32 (n ≥ 1).
export function columnMeansF64(x: usize, n: i32, d: i32, out: usize): void {
  memory.fill(out, 0, <usize>d << 3);
  for (let i = 0; i < n; i++) {
    const row = x + (<usize>i * d << 2);
    for (let j = 0; j < d; j++) {
      const o = out + (<usize>j << 3);
      store<f64>(o, load<f64>(o) + <f64>load<f32>(row + (<usize>j << 2)));
    }
  }
  for (let j = 0; j < d; j++) {
    const o = out + (<usize>j << 3);
    store<f64>(o, load<f64>(o) / <f64>n);
  }
}

// y ← x − mean in f64, zero-padded to pPad columns: y: [n, pPad] from x: [n, d] f32, or with
// transpose, y: [d, pPad] holding the centred columns of x as rows (pPad ≥ n).
export function centreF64(x: usize, n: i32, d: i32, mean: usize, y: usize, pPad: i32, transpose: i32): void {
  if (transpose) {
    memory.fill(y, 0, <usize>d * pPad << 3);
    for (let i = 0; i < n; i++) {
      const row = x + (<usize>i * d << 2);
      for (let j = 0; j < d; j++) {
        const v = <f64>load<f32>(row + (<usize>j << 2)) - load<f64>(mean + (<usize>j << 3));
        store<f64>(y + ((<usize>j * pPad + i) << 3), v);
      }
    }
    return;
  }
  const d4 = d & ~3;
  for (let i = 0; i < n; i++) {
    const row = x + (<usize>i * d << 2);
    const out = y + (<usize>i * pPad << 3);
    let j = 0;
    for (; j < d4; j += 4) {
      const v = v128.load(row + (<usize>j << 2));
      const m = mean + (<usize>j << 3);
      const o = out + (<usize>j << 3);
      v128.store(o, f64x2.sub(f64x2.promote_low_f32x4(v), v128.load(m)));
      v128.store(o, f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), v128.load(m, 16)), 16);
    }
    for (; j < d; j++) store<f64>(out + (<usize>j << 3), <f64>load<f32>(row + (<usize>j << 2)) - load<f64>(mean + (<usize>j << 3)));
    for (; j < pPad; j++) store<f64>(out + (<usize>j << 3), 0);
  }
}

// out[a0..a0+4, b0..b0+4) += Σ_{i0 ≤ i < i1} y[i, a]·y[i, b]
function micro4x4(y: usize, p: i32, i0: i32, i1: i32, a0: i32, b0: i32, out: usize): void {
  const ld = <usize>p << 3;
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0), c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  let pa = y + <usize>i0 * ld + (<usize>a0 << 3);
  let pb = y + <usize>i0 * ld + (<usize>b0 << 3);
  for (let i = i0; i < i1; i++) {
    const b0v = v128.load(pb), b1v = v128.load(pb, 16);
    let a = v128.load64_splat(pa);
    c00 = fma2(a, b0v, c00);
    c01 = fma2(a, b1v, c01);
    a = v128.load64_splat(pa, 8);
    c10 = fma2(a, b0v, c10);
    c11 = fma2(a, b1v, c11);
    a = v128.load64_splat(pa, 16);
    c20 = fma2(a, b0v, c20);
    c21 = fma2(a, b1v, c21);
    a = v128.load64_splat(pa, 24);
    c30 = fma2(a, b0v, c30);
    c31 = fma2(a, b1v, c31);
    pa += ld;
    pb += ld;
  }
  const o = out + (<usize>a0 * p + b0 << 3);
  v128.store(o, f64x2.add(v128.load(o), c00));
  v128.store(o, f64x2.add(v128.load(o, 16), c01), 16);
  v128.store(o + ld, f64x2.add(v128.load(o + ld), c10));
  v128.store(o + ld, f64x2.add(v128.load(o + ld, 16), c11), 16);
  v128.store(o + 2 * ld, f64x2.add(v128.load(o + 2 * ld), c20));
  v128.store(o + 2 * ld, f64x2.add(v128.load(o + 2 * ld, 16), c21), 16);
  v128.store(o + 3 * ld, f64x2.add(v128.load(o + 3 * ld), c30));
  v128.store(o + 3 * ld, f64x2.add(v128.load(o + 3 * ld, 16), c31), 16);
}

// Claims tiles of a covariance job (jobs.ts): tile (bi, bj), bi ≤ bj, owns out[block bi, block bj].
export function covarianceTiles(job: usize, worker: i32): void {
  const y = <usize>load<u32>(job + CovarianceJob.y);
  const m = load<i32>(job + CovarianceJob.m);
  const p = load<i32>(job + CovarianceJob.p);
  const out = <usize>load<u32>(job + CovarianceJob.out);
  const nb = load<i32>(job + CovarianceJob.blocks);
  const bs = load<i32>(job + CovarianceJob.block);
  for (;;) {
    let t = claim(job);
    if (t < 0) break;
    // t-th pair of the upper triangle, row by row
    let bi = 0;
    while (t >= nb - bi) {
      t -= nb - bi;
      bi++;
    }
    const bj = bi + t;
    const a0 = bi * bs, a1 = min(p, a0 + bs);
    const b0 = bj * bs, b1 = min(p, b0 + bs);
    for (let a = a0; a < a1; a++) memory.fill(out + (<usize>a * p + b0 << 3), 0, <usize>(b1 - b0) << 3);
    for (let i0 = 0; i0 < m; i0 += ROW_CHUNK) {
      const i1 = min(m, i0 + ROW_CHUNK);
      for (let a = a0; a < a1; a += 4) {
        for (let b = b0; b < b1; b += 4) {
          if (bi == bj && b + 4 <= a) continue; // below the diagonal of a diagonal tile
          micro4x4(y, p, i0, i1, a, b, out);
        }
      }
    }
  }
}

// ---- symmetric eigen-decomposition ----

@inline function at(a: usize, n: i32, i: i32, j: i32): usize {
  return a + (<usize>(i * n + j) << 3);
}

// Eigenvalues (ascending, into values: [n]) and eigenvectors of the symmetric a: [n, n] f64, which
// is overwritten by the eigenvectors as rows (row j belongs to values[j]); work: [n] f64. Returns 0,
// or −1 if QL needed more than 60 iterations for one eigenvalue (then a and values are garbage).
export function symmetricEigenF64(a: usize, n: i32, values: usize, work: usize): i32 {
  if (n == 0) return 0;
  const d = values;
  const e = work;
  // ---- tred2: Householder reduction to a tridiagonal (d, e), accumulating V in a ----
  // JAMA's loops walk columns of V; they run here on a holding Vᵀ (a is symmetric, so Vᵀ = V to
  // start), which turns those walks into contiguous rows and leaves the eigenvectors as rows.
  for (let j = 0; j < n; j++) store<f64>(d + (<usize>j << 3), load<f64>(at(a, n, j, n - 1)));
  for (let i = n - 1; i > 0; i--) {
    let scale: f64 = 0, h: f64 = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(load<f64>(d + (<usize>k << 3)));
    if (scale == 0) {
      store<f64>(e + (<usize>i << 3), load<f64>(d + (<usize>(i - 1) << 3)));
      for (let j = 0; j < i; j++) {
        store<f64>(d + (<usize>j << 3), load<f64>(at(a, n, j, i - 1)));
        store<f64>(at(a, n, j, i), 0);
        store<f64>(at(a, n, i, j), 0);
      }
    } else {
      for (let k = 0; k < i; k++) {
        const v = load<f64>(d + (<usize>k << 3)) / scale;
        store<f64>(d + (<usize>k << 3), v);
        h += v * v;
      }
      let f = load<f64>(d + (<usize>(i - 1) << 3));
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      store<f64>(e + (<usize>i << 3), scale * g);
      h -= f * g;
      store<f64>(d + (<usize>(i - 1) << 3), f - g);
      for (let j = 0; j < i; j++) store<f64>(e + (<usize>j << 3), 0);
      for (let j = 0; j < i; j++) {
        f = load<f64>(d + (<usize>j << 3));
        store<f64>(at(a, n, i, j), f);
        g = load<f64>(e + (<usize>j << 3)) + load<f64>(at(a, n, j, j)) * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const v = load<f64>(at(a, n, j, k));
          g += v * load<f64>(d + (<usize>k << 3));
          store<f64>(e + (<usize>k << 3), load<f64>(e + (<usize>k << 3)) + v * f);
        }
        store<f64>(e + (<usize>j << 3), g);
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        const v = load<f64>(e + (<usize>j << 3)) / h;
        store<f64>(e + (<usize>j << 3), v);
        f += v * load<f64>(d + (<usize>j << 3));
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) store<f64>(e + (<usize>j << 3), load<f64>(e + (<usize>j << 3)) - hh * load<f64>(d + (<usize>j << 3)));
      for (let j = 0; j < i; j++) {
        f = load<f64>(d + (<usize>j << 3));
        g = load<f64>(e + (<usize>j << 3));
        for (let k = j; k <= i - 1; k++) {
          const q = at(a, n, j, k);
          store<f64>(q, load<f64>(q) - (f * load<f64>(e + (<usize>k << 3)) + g * load<f64>(d + (<usize>k << 3))));
        }
        store<f64>(d + (<usize>j << 3), load<f64>(at(a, n, j, i - 1)));
        store<f64>(at(a, n, j, i), 0);
      }
    }
    store<f64>(d + (<usize>i << 3), h);
  }
  for (let i = 0; i < n - 1; i++) {
    store<f64>(at(a, n, i, n - 1), load<f64>(at(a, n, i, i)));
    store<f64>(at(a, n, i, i), 1);
    const h = load<f64>(d + (<usize>(i + 1) << 3));
    if (h != 0) {
      for (let k = 0; k <= i; k++) store<f64>(d + (<usize>k << 3), load<f64>(at(a, n, i + 1, k)) / h);
      for (let j = 0; j <= i; j++) {
        let g: f64 = 0;
        for (let k = 0; k <= i; k++) g += load<f64>(at(a, n, i + 1, k)) * load<f64>(at(a, n, j, k));
        for (let k = 0; k <= i; k++) {
          const q = at(a, n, j, k);
          store<f64>(q, load<f64>(q) - g * load<f64>(d + (<usize>k << 3)));
        }
      }
    }
    for (let k = 0; k <= i; k++) store<f64>(at(a, n, i + 1, k), 0);
  }
  for (let j = 0; j < n; j++) {
    store<f64>(d + (<usize>j << 3), load<f64>(at(a, n, j, n - 1)));
    store<f64>(at(a, n, j, n - 1), 0);
  }
  store<f64>(at(a, n, n - 1, n - 1), 1);
  store<f64>(e, 0);
  // ---- tql2: implicit QL on the tridiagonal, rotating the rows of a ----
  for (let i = 1; i < n; i++) store<f64>(e + (<usize>(i - 1) << 3), load<f64>(e + (<usize>i << 3)));
  store<f64>(e + (<usize>(n - 1) << 3), 0);
  let f: f64 = 0, tst1: f64 = 0;
  const eps: f64 = 2.220446049250313e-16;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(load<f64>(d + (<usize>l << 3))) + Math.abs(load<f64>(e + (<usize>l << 3))));
    let m = l;
    while (m < n) {
      if (Math.abs(load<f64>(e + (<usize>m << 3))) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) return -1;
        let g = load<f64>(d + (<usize>l << 3));
        const el = load<f64>(e + (<usize>l << 3));
        let p = (load<f64>(d + (<usize>(l + 1) << 3)) - g) / (2.0 * el);
        let r = Math.hypot(p, 1.0);
        if (p < 0) r = -r;
        store<f64>(d + (<usize>l << 3), el / (p + r));
        store<f64>(d + (<usize>(l + 1) << 3), el * (p + r));
        const dl1 = load<f64>(d + (<usize>(l + 1) << 3));
        let h = g - load<f64>(d + (<usize>l << 3));
        for (let i = l + 2; i < n; i++) store<f64>(d + (<usize>i << 3), load<f64>(d + (<usize>i << 3)) - h);
        f += h;
        p = load<f64>(d + (<usize>m << 3));
        let c: f64 = 1, c2: f64 = 1, c3: f64 = 1;
        const el1 = load<f64>(e + (<usize>(l + 1) << 3));
        let s: f64 = 0, s2: f64 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          const ei = load<f64>(e + (<usize>i << 3));
          g = c * ei;
          h = c * p;
          r = Math.hypot(p, ei);
          store<f64>(e + (<usize>(i + 1) << 3), s * r);
          s = ei / r;
          c = p / r;
          const di = load<f64>(d + (<usize>i << 3));
          p = c * di - s * g;
          store<f64>(d + (<usize>(i + 1) << 3), h + s * (c * g + s * di));
          // rows i and i+1 of the eigenvector matrix
          const ri = at(a, n, i, 0), ri1 = at(a, n, i + 1, 0);
          const vs = f64x2.splat(s), vc = f64x2.splat(c);
          const n2 = n & ~1;
          let k = 0;
          for (; k < n2; k += 2) {
            const o = <usize>k << 3;
            const hv = v128.load(ri1 + o), iv = v128.load(ri + o);
            v128.store(ri1 + o, f64x2.add(f64x2.mul(vs, iv), f64x2.mul(vc, hv)));
            v128.store(ri + o, f64x2.sub(f64x2.mul(vc, iv), f64x2.mul(vs, hv)));
          }
          for (; k < n; k++) {
            const o = <usize>k << 3;
            const hv = load<f64>(ri1 + o), iv = load<f64>(ri + o);
            store<f64>(ri1 + o, s * iv + c * hv);
            store<f64>(ri + o, c * iv - s * hv);
          }
        }
        p = -s * s2 * c3 * el1 * el / dl1;
        store<f64>(e + (<usize>l << 3), s * p);
        store<f64>(d + (<usize>l << 3), c * p);
      } while (Math.abs(load<f64>(e + (<usize>l << 3))) > eps * tst1);
    }
    store<f64>(d + (<usize>l << 3), load<f64>(d + (<usize>l << 3)) + f);
    store<f64>(e + (<usize>l << 3), 0);
  }
  // ascending order, rows moving with their values
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = load<f64>(d + (<usize>i << 3));
    for (let j = i + 1; j < n; j++) {
      const v = load<f64>(d + (<usize>j << 3));
      if (v < p) {
        k = j;
        p = v;
      }
    }
    if (k != i) {
      store<f64>(d + (<usize>k << 3), load<f64>(d + (<usize>i << 3)));
      store<f64>(d + (<usize>i << 3), p);
      const ri = at(a, n, i, 0), rk = at(a, n, k, 0);
      for (let j = 0; j < n; j++) {
        const o = <usize>j << 3;
        const t = load<f64>(ri + o);
        store<f64>(ri + o, load<f64>(rk + o));
        store<f64>(rk + o, t);
      }
    }
  }
  return 0;
}
