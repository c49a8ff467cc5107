// Row-wise softmax and log-softmax and their backward passes, numerically stable as in PyTorch
// (torch.softmax / torch.log_softmax): subtract the row maximum, exponentiate (vmath's rr2-p5 exp on
// f32x4; tails use the same function on a splat so every element is rounded alike), sum, then scale
// (softmax) or subtract the row maximum and log(sum) (log-softmax). Three passes over a row, the
// last two on data already in L1.
import { expNonPositiveVec, hsum, rowExpSum, rowMax, rowSum } from "./vmath";

// y[j] *= a over one row
@inline function scaleRow(py: usize, cols: i32, a: f32): void {
  const av = f32x4.splat(a);
  const c4 = cols & ~3;
  let j = 0;
  for (; j < c4; j += 4) v128.store(py + (<usize>j << 2), f32x4.mul(v128.load(py + (<usize>j << 2)), av));
  for (; j < cols; j++) store<f32>(py + (<usize>j << 2), load<f32>(py + (<usize>j << 2)) * a);
}

// x, y: [rows, cols] f32; y = softmax(x) per row; y may alias x; rows may be 0
export function softmaxRowsF32(x: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    const m = rowMax(x + off, cols);
    const s = rowExpSum(x + off, cols, m, y + off);
    scaleRow(y + off, cols, 1.0 / s);
  }
}

// x, y: [rows, cols] f32; y = (x − max) − log Σ e^(x − max) per row; y may alias x; rows may be 0.
// The two subtractions stay separate (as in torch): folding max + log Σ into one f32 shift first
// would round it at the scale of the logits (an ulp of 1e4 is 1e-3).
export function logSoftmaxRowsF32(x: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    const m = rowMax(x + off, cols);
    const ls = Mathf.log(rowExpSum(x + off, cols, m));
    const mv = f32x4.splat(m);
    const lv = f32x4.splat(ls);
    const c4 = cols & ~3;
    let j = 0;
    for (; j < c4; j += 4) {
      const o = off + (<usize>j << 2);
      v128.store(y + o, f32x4.sub(f32x4.sub(v128.load(x + o), mv), lv));
    }
    for (; j < cols; j++) store<f32>(y + off + (<usize>j << 2), (load<f32>(x + off + (<usize>j << 2)) - m) - ls);
  }
}

// Σ a·b over one row, two accumulators (one add chain would wait on its own latency).
@inline function rowDot(a: usize, b: usize, cols: i32): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = acc0;
  const c8 = cols & ~7;
  const c4 = cols & ~3;
  let j = 0;
  for (; j < c8; j += 8) {
    const o = <usize>j << 2;
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    acc1 = f32x4.add(acc1, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  for (; j < c4; j += 4) acc0 = f32x4.add(acc0, f32x4.mul(v128.load(a + (<usize>j << 2)), v128.load(b + (<usize>j << 2))));
  let s = hsum(f32x4.add(acc0, acc1));
  for (; j < cols; j++) s += load<f32>(a + (<usize>j << 2)) * load<f32>(b + (<usize>j << 2));
  return s;
}

// y, dy, dx: [rows, cols]; dx = y·(dy − Σ dy·y) per row; dx may alias dy
export function softmaxBackwardRowsF32(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  const c4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    const dot = rowDot(dy + off, y + off, cols);
    const dv = f32x4.splat(dot);
    let j = 0;
    for (; j < c4; j += 4) {
      const p = off + (<usize>j << 2);
      v128.store(dx + p, f32x4.mul(v128.load(y + p), f32x4.sub(v128.load(dy + p), dv)));
    }
    for (; j < cols; j++) {
      const p = off + (<usize>j << 2);
      store<f32>(dx + p, load<f32>(y + p) * (load<f32>(dy + p) - dot));
    }
  }
}

// y (log-probabilities, ≤ 0), dy, dx: [rows, cols]; dx = dy − e^y·Σ dy per row; dx may alias dy
export function logSoftmaxBackwardRowsF32(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  const c4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    const s = rowSum(dy + off, cols);
    const sv = f32x4.splat(s);
    let j = 0;
    for (; j < c4; j += 4) {
      const p = off + (<usize>j << 2);
      v128.store(dx + p, f32x4.sub(v128.load(dy + p), f32x4.mul(expNonPositiveVec(v128.load(y + p)), sv)));
    }
    for (; j < cols; j++) {
      const p = off + (<usize>j << 2);
      store<f32>(dx + p, load<f32>(dy + p) - f32x4.extract_lane(expNonPositiveVec(v128.load32_splat(y + p)), 0) * s);
    }
  }
}
