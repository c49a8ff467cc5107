// Layer normalisation over the last `cols` values of each row, as torch.nn.functional.layer_norm:
// biased variance, eps inside the square root. Two passes (mean, then Σ(x − mean)²) rather than
// E[x²] − mean², which cancels badly for rows with a large mean. The forward saves mean and 1/std.
import { hsum } from "./vmath";

@inline function rowSum(p: usize, cols: i32): f32 {
  let acc = f32x4.splat(0);
  const c4 = cols & ~3;
  let j = 0;
  for (; j < c4; j += 4) acc = f32x4.add(acc, v128.load(p + (<usize>j << 2)));
  let s = hsum(acc);
  for (; j < cols; j++) s += load<f32>(p + (<usize>j << 2));
  return s;
}

// x, y: [rows, cols]; gamma, beta: [cols] or 0 (absent); mean, rstd: [rows] outputs
export function layerNormForwardF32(x: usize, gamma: usize, beta: usize, y: usize, mean: usize, rstd: usize,
  rows: i32, cols: i32, eps: f32): void {
  const c4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const px = x + (<usize>r * <usize>cols << 2);
    const py = y + (<usize>r * <usize>cols << 2);
    const mu = rowSum(px, cols) / <f32>cols;
    const mv = f32x4.splat(mu);
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j < c4; j += 4) {
      const d = f32x4.sub(v128.load(px + (<usize>j << 2)), mv);
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    let ss = hsum(acc);
    for (; j < cols; j++) {
      const d = load<f32>(px + (<usize>j << 2)) - mu;
      ss += d * d;
    }
    const rs: f32 = <f32>1 / Mathf.sqrt(ss / <f32>cols + eps);
    store<f32>(mean + (<usize>r << 2), mu);
    store<f32>(rstd + (<usize>r << 2), rs);
    const rv = f32x4.splat(rs);
    for (j = 0; j < c4; j += 4) {
      const o = <usize>j << 2;
      let v = f32x4.mul(f32x4.sub(v128.load(px + o), mv), rv);
      if (gamma) v = f32x4.mul(v, v128.load(gamma + o));
      if (beta) v = f32x4.add(v, v128.load(beta + o));
      v128.store(py + o, v);
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
  const c4 = cols & ~3;
  if (dgamma) memory.fill(dgamma, 0, <usize>cols << 2);
  if (dbeta) memory.fill(dbeta, 0, <usize>cols << 2);
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * <usize>cols << 2;
    const mu = load<f32>(mean + (<usize>r << 2));
    const rs = load<f32>(rstd + (<usize>r << 2));
    const mv = f32x4.splat(mu);
    const rv = f32x4.splat(rs);
    let accG = f32x4.splat(0);
    let accGX = f32x4.splat(0);
    let j = 0;
    for (; j < c4; j += 4) {
      const o = <usize>j << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(x + base + o), mv), rv);
      const d = v128.load(dy + base + o);
      const g = gamma ? f32x4.mul(d, v128.load(gamma + o)) : d;
      accG = f32x4.add(accG, g);
      accGX = f32x4.add(accGX, f32x4.mul(g, xh));
      if (dgamma) v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(d, xh)));
      if (dbeta) v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), d));
    }
    let sG = hsum(accG);
    let sGX = hsum(accGX);
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const xh = (load<f32>(x + base + o) - mu) * rs;
      const d = load<f32>(dy + base + o);
      const g = gamma ? d * load<f32>(gamma + o) : d;
      sG += g;
      sGX += g * xh;
      if (dgamma) store<f32>(dgamma + o, load<f32>(dgamma + o) + d * xh);
      if (dbeta) store<f32>(dbeta + o, load<f32>(dbeta + o) + d);
    }
    const mg = sG / <f32>cols;
    const mgx = sGX / <f32>cols;
    const mgv = f32x4.splat(mg);
    const mgxv = f32x4.splat(mgx);
    for (j = 0; j < c4; j += 4) {
      const o = <usize>j << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(x + base + o), mv), rv);
      const d = v128.load(dy + base + o);
      const g = gamma ? f32x4.mul(d, v128.load(gamma + o)) : d;
      v128.store(dx + base + o, f32x4.mul(rv, f32x4.sub(f32x4.sub(g, mgv), f32x4.mul(xh, mgxv))));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const xh = (load<f32>(x + base + o) - mu) * rs;
      const d = load<f32>(dy + base + o);
      const g = gamma ? d * load<f32>(gamma + o) : d;
      store<f32>(dx + base + o, rs * (g - mg - xh * mgx));
    }
  }
}
