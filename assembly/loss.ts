// Cross-entropy from logits, as torch.nn.functional.cross_entropy with ignore_index and label
// smoothing ε: loss = (1−ε)·(lse − x[t]) + ε·(lse − mean(x)), since −log p_j = lse − x_j; the
// backward is softmax minus the smoothed one-hot target. Ignored rows give 0 loss and 0 gradient.
// Also the negative log-likelihood of given scores (nll_loss), with optional class weights.
import { expNonPositiveVec, rowLogSumExp, rowSum } from "./vmath";

// logits: [rows, cols] f32; targets: [rows] i32 (0 ≤ t < cols or ignoreIndex); losses, lse: [rows] f32;
// count: one f32 ← the number of rows not ignored (the divisor of the mean reduction)
export function crossEntropyForwardF32(logits: usize, targets: usize, losses: usize, lse: usize, count: usize,
  rows: i32, cols: i32, ignoreIndex: i32, smoothing: f32): void {
  let kept = 0;
  for (let r = 0; r < rows; r++) {
    const row = logits + (<usize>r * <usize>cols << 2);
    const l = rowLogSumExp(row, cols);
    store<f32>(lse + (<usize>r << 2), l);
    const t = load<i32>(targets + (<usize>r << 2));
    if (t == ignoreIndex) {
      store<f32>(losses + (<usize>r << 2), 0);
      continue;
    }
    kept++;
    let loss = (<f32>1 - smoothing) * (l - load<f32>(row + (<usize>t << 2)));
    if (smoothing != 0) loss += smoothing * (l - rowSum(row, cols) / <f32>cols);
    store<f32>(losses + (<usize>r << 2), loss);
  }
  store<f32>(count, <f32>kept);
}

// dLoss: [rows] f32; dlogits: [rows, cols] = dLoss[r]·(softmax(logits) − (1−ε)·onehot(t) − ε/cols),
// 0 on ignored rows
export function crossEntropyBackwardF32(logits: usize, targets: usize, lse: usize, dLoss: usize, dlogits: usize,
  rows: i32, cols: i32, ignoreIndex: i32, smoothing: f32): void {
  const c4 = cols & ~3;
  const off = smoothing / <f32>cols;
  const offv = f32x4.splat(off);
  for (let r = 0; r < rows; r++) {
    const scale = load<f32>(dLoss + (<usize>r << 2));
    const sv = f32x4.splat(scale);
    const base = <usize>r * <usize>cols << 2;
    const t = load<i32>(targets + (<usize>r << 2));
    if (t == ignoreIndex) {
      memory.fill(dlogits + base, 0, <usize>cols << 2);
      continue;
    }
    const l = load<f32>(lse + (<usize>r << 2));
    const lv = f32x4.splat(l);
    let j = 0;
    for (; j < c4; j += 4) {
      const p = base + (<usize>j << 2);
      const prob = expNonPositiveVec(f32x4.sub(v128.load(logits + p), lv)); // x − lse ≤ 0
      v128.store(dlogits + p, f32x4.mul(f32x4.sub(prob, offv), sv));
    }
    for (; j < cols; j++) {
      const p = base + (<usize>j << 2);
      const prob = f32x4.extract_lane(expNonPositiveVec(f32x4.splat(load<f32>(logits + p) - l)), 0);
      store<f32>(dlogits + p, (prob - off) * scale);
    }
    const pt = dlogits + base + (<usize>t << 2);
    store<f32>(pt, load<f32>(pt) - (<f32>1 - smoothing) * scale);
  }
}

// Negative log-likelihood (torch.nn.functional.nll_loss) of per-class scores x, usually log-probs:
// loss = −weight[t]·x[t]. x: [rows, cols] f32; targets: [rows] i32 (0 ≤ t < cols or ignoreIndex);
// weight: [cols] f32 or 0 for all ones; losses: [rows] (0 on ignored rows); total: one f32 ← Σ
// weight[t] over kept rows, the divisor of torch's mean reduction.
export function nllLossForwardF32(x: usize, targets: usize, weight: usize, losses: usize, total: usize,
  rows: i32, cols: i32, ignoreIndex: i32): void {
  let sum: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const t = load<i32>(targets + (<usize>r << 2));
    if (t == ignoreIndex) {
      store<f32>(losses + (<usize>r << 2), 0);
      continue;
    }
    const w: f32 = weight != 0 ? load<f32>(weight + (<usize>t << 2)) : 1;
    sum += w;
    store<f32>(losses + (<usize>r << 2), -w * load<f32>(x + ((<usize>r * <usize>cols + <usize>t) << 2)));
  }
  store<f32>(total, <f32>sum);
}

// dx: [rows, cols] = 0 except dx[r, t] = −weight[t]·dLoss[r] on rows that are not ignored.
export function nllLossBackwardF32(targets: usize, weight: usize, dLoss: usize, dx: usize, rows: i32, cols: i32, ignoreIndex: i32): void {
  memory.fill(dx, 0, <usize>rows * <usize>cols << 2);
  for (let r = 0; r < rows; r++) {
    const t = load<i32>(targets + (<usize>r << 2));
    if (t == ignoreIndex) continue;
    const w: f32 = weight != 0 ? load<f32>(weight + (<usize>t << 2)) : 1;
    store<f32>(dx + ((<usize>r * <usize>cols + <usize>t) << 2), -w * load<f32>(dLoss + (<usize>r << 2)));
  }
}
