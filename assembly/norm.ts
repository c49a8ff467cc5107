// Layer normalisation over the last `cols` values of each row, as torch.nn.functional.layer_norm:
// biased variance, eps inside the square root. Two passes (mean, then Σ(x − mean)²) rather than
// E[x²] − mean², which cancels badly for rows with a large mean. The forward saves mean and 1/std.
import { hsum, rowSum } from "./vmath";

// Σ (x − mu)² over one row, two accumulators over pairs of vectors (one add chain is latency-bound).
@inline function rowSumSqDev(p: usize, cols: i32, mu: f32): f32 {
  const mv = f32x4.splat(mu);
  let a0 = f32x4.splat(0);
  let a1 = a0;
  const c8 = cols & ~7;
  const c4 = cols & ~3;
  let j = 0;
  for (; j < c8; j += 8) {
    const o = p + (<usize>j << 2);
    const d0 = f32x4.sub(v128.load(o), mv);
    const d1 = f32x4.sub(v128.load(o, 16), mv);
    a0 = f32x4.add(a0, f32x4.mul(d0, d0));
    a1 = f32x4.add(a1, f32x4.mul(d1, d1));
  }
  for (; j < c4; j += 4) {
    const d = f32x4.sub(v128.load(p + (<usize>j << 2)), mv);
    a0 = f32x4.add(a0, f32x4.mul(d, d));
  }
  let s = hsum(f32x4.add(a0, a1));
  for (; j < cols; j++) {
    const d = load<f32>(p + (<usize>j << 2)) - mu;
    s += d * d;
  }
  return s;
}

// x, y: [rows, cols]; gamma, beta: [cols] or 0 (absent); mean, rstd: [rows] outputs; rows may be 0.
// The affine cases get their own loops so no per-vector test of gamma/beta remains.
export function layerNormForwardF32(x: usize, gamma: usize, beta: usize, y: usize, mean: usize, rstd: usize,
  rows: i32, cols: i32, eps: f32): void {
  const c4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const px = x + (<usize>r * <usize>cols << 2);
    const py = y + (<usize>r * <usize>cols << 2);
    const mu = rowSum(px, cols) / <f32>cols;
    const rs: f32 = <f32>1 / Mathf.sqrt(rowSumSqDev(px, cols, mu) / <f32>cols + eps);
    store<f32>(mean + (<usize>r << 2), mu);
    store<f32>(rstd + (<usize>r << 2), rs);
    const mv = f32x4.splat(mu);
    const rv = f32x4.splat(rs);
    let j = 0;
    if (gamma && beta) {
      for (; j < c4; j += 4) {
        const o = <usize>j << 2;
        const v = f32x4.mul(f32x4.sub(v128.load(px + o), mv), rv);
        v128.store(py + o, f32x4.add(f32x4.mul(v, v128.load(gamma + o)), v128.load(beta + o)));
      }
    } else if (!gamma && !beta) {
      for (; j < c4; j += 4) {
        const o = <usize>j << 2;
        v128.store(py + o, f32x4.mul(f32x4.sub(v128.load(px + o), mv), rv));
      }
    } else {
      for (; j < c4; j += 4) {
        const o = <usize>j << 2;
        let v = f32x4.mul(f32x4.sub(v128.load(px + o), mv), rv);
        if (gamma) v = f32x4.mul(v, v128.load(gamma + o));
        if (beta) v = f32x4.add(v, v128.load(beta + o));
        v128.store(py + o, v);
      }
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      let v = (load<f32>(px + o) - mu) * rs;
      if (gamma) v *= load<f32>(gamma + o);
      if (beta) v += load<f32>(beta + o);
      store<f32>(py + o, v);
    }
  }
}

// dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·gamma, x̂ = (x − mean)·rstd;
// dgamma = Σ_rows dy·x̂, dbeta = Σ_rows dy (overwritten; either may be 0 to skip); gamma may be 0
export function layerNormBackwardF32(x: usize, gamma: usize, mean: usize, rstd: usize, dy: usize, dx: usize,
  dgamma: usize, dbeta: usize, rows: i32, cols: i32): void {
  const c8 = cols & ~7;
  const c4 = cols & ~3;
  if (dgamma) memory.fill(dgamma, 0, <usize>cols << 2);
  if (dbeta) memory.fill(dbeta, 0, <usize>cols << 2);
  for (let r = 0; r < rows; r++) {
    const px = x + (<usize>r * <usize>cols << 2);
    const pdy = dy + (<usize>r * <usize>cols << 2);
    const pdx = dx + (<usize>r * <usize>cols << 2);
    const mu = load<f32>(mean + (<usize>r << 2));
    const rs = load<f32>(rstd + (<usize>r << 2));
    const mv = f32x4.splat(mu);
    const rv = f32x4.splat(rs);
    // Pass 1: Σ g and Σ g·x̂ (two accumulators each), with the dgamma/dbeta column sums alongside.
    let accG0 = f32x4.splat(0);
    let accG1 = accG0;
    let accX0 = accG0;
    let accX1 = accG0;
    let j = 0;
    if (gamma && !dgamma && !dbeta) {
      for (; j < c8; j += 8) {
        const o = <usize>j << 2;
        const g0 = f32x4.mul(v128.load(pdy + o), v128.load(gamma + o));
        const g1 = f32x4.mul(v128.load(pdy + o, 16), v128.load(gamma + o, 16));
        accG0 = f32x4.add(accG0, g0);
        accG1 = f32x4.add(accG1, g1);
        accX0 = f32x4.add(accX0, f32x4.mul(g0, f32x4.mul(f32x4.sub(v128.load(px + o), mv), rv)));
        accX1 = f32x4.add(accX1, f32x4.mul(g1, f32x4.mul(f32x4.sub(v128.load(px + o, 16), mv), rv)));
      }
    } else if (gamma && dgamma && dbeta) {
      for (; j < c8; j += 8) {
        const o = <usize>j << 2;
        const d0 = v128.load(pdy + o);
        const d1 = v128.load(pdy + o, 16);
        const xh0 = f32x4.mul(f32x4.sub(v128.load(px + o), mv), rv);
        const xh1 = f32x4.mul(f32x4.sub(v128.load(px + o, 16), mv), rv);
        const g0 = f32x4.mul(d0, v128.load(gamma + o));
        const g1 = f32x4.mul(d1, v128.load(gamma + o, 16));
        accG0 = f32x4.add(accG0, g0);
        accG1 = f32x4.add(accG1, g1);
        accX0 = f32x4.add(accX0, f32x4.mul(g0, xh0));
        accX1 = f32x4.add(accX1, f32x4.mul(g1, xh1));
        v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(d0, xh0)));
        v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o, 16), f32x4.mul(d1, xh1)), 16);
        v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), d0));
        v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o, 16), d1), 16);
      }
    }
    for (; j < c4; j += 4) {
      const o = <usize>j << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(px + o), mv), rv);
      const d = v128.load(pdy + o);
      const g = gamma ? f32x4.mul(d, v128.load(gamma + o)) : d;
      accG0 = f32x4.add(accG0, g);
      accX0 = f32x4.add(accX0, f32x4.mul(g, xh));
      if (dgamma) v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(d, xh)));
      if (dbeta) v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), d));
    }
    let sG = hsum(f32x4.add(accG0, accG1));
    let sGX = hsum(f32x4.add(accX0, accX1));
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const xh = (load<f32>(px + o) - mu) * rs;
      const d = load<f32>(pdy + o);
      const g = gamma ? d * load<f32>(gamma + o) : d;
      sG += g;
      sGX += g * xh;
      if (dgamma) store<f32>(dgamma + o, load<f32>(dgamma + o) + d * xh);
      if (dbeta) store<f32>(dbeta + o, load<f32>(dbeta + o) + d);
    }
    // Pass 2: dx.
    const mg = sG / <f32>cols;
    const mgx = sGX / <f32>cols;
    const mgv = f32x4.splat(mg);
    const mgxv = f32x4.splat(mgx);
    j = 0;
    if (gamma) {
      for (; j < c4; j += 4) {
        const o = <usize>j << 2;
        const xh = f32x4.mul(f32x4.sub(v128.load(px + o), mv), rv);
        const g = f32x4.mul(v128.load(pdy + o), v128.load(gamma + o));
        v128.store(pdx + o, f32x4.mul(rv, f32x4.sub(f32x4.sub(g, mgv), f32x4.mul(xh, mgxv))));
      }
    } else {
      for (; j < c4; j += 4) {
        const o = <usize>j << 2;
        const xh = f32x4.mul(f32x4.sub(v128.load(px + o), mv), rv);
        v128.store(pdx + o, f32x4.mul(rv, f32x4.sub(f32x4.sub(v128.load(pdy + o), mgv), f32x4.mul(xh, mgxv))));
      }
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const xh = (load<f32>(px + o) - mu) * rs;
      const d = load<f32>(pdy + o);
      const g = gamma ? d * load<f32>(gamma + o) : d;
      store<f32>(pdx + o, rs * (g - mg - xh * mgx));
    }
  }
}
