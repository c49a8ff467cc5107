// Optimizer updates, one fused pass over one parameter's buffer each, in the order of operations of
// PyTorch 1.13's single-tensor implementations (torch/optim/sgd.py, adam.py, adamw.py, adagrad.py,
// rmsprop.py), so float32 results agree with torch to rounding; and the partial norms of gradient
// clipping (torch.nn.utils.clip_grad_norm_). Hyperparameters arrive as f64: products such as
// lr / (1 − β1^t) are formed in f64 and rounded to f32 once, where torch hands a Python float to a
// float32 kernel. Each element is read and written once per step (Adam: 16 bytes in, 12 out).
// Options are branches on loop-invariant flags (always predicted): the loops are bound by memory and
// by div/sqrt, and one loop body per combination of flags had cost 10 KB of WASM for no speed.

import { madd } from "./vmath";

// A lane group at byte offset o: four elements (full) or one element splat over the lanes (the tail),
// so every element goes through the same vector arithmetic whatever its position.
@inline function ldv(p: usize, o: usize, full: bool): v128 {
  return full ? v128.load(p + o) : v128.load32_splat(p + o);
}

@inline function stv(p: usize, o: usize, v: v128, full: bool): void {
  if (full) v128.store(p + o, v);
  else store<f32>(p + o, f32x4.extract_lane(v, 0));
}

@inline function splat(v: f64): v128 {
  return f32x4.splat(<f32>v);
}

// ---- SGD (torch.optim.SGD) ----

// g ← ±grad (+ wd·param); with momentum: buf ← g on the first step, else μ·buf + (1 − dampening)·g,
// and g ← g + μ·buf (nesterov) or buf; param ← param − lr·g. mode 0: no momentum, 1: the buffer's
// first step, 2: later steps.
@inline function sgdLanes(param: usize, grad: usize, buf: usize, o: usize, full: bool, mode: i32,
  sign: v128, wd: v128, hasWd: bool, mu: v128, damp1: v128, nesterov: bool, negLr: v128): void {
  const p = ldv(param, o, full);
  let g = f32x4.mul(ldv(grad, o, full), sign);
  if (hasWd) g = madd(p, wd, g);
  if (mode != 0) {
    const b = mode == 1 ? g : madd(g, damp1, f32x4.mul(ldv(buf, o, full), mu));
    stv(buf, o, b, full);
    g = nesterov ? madd(b, mu, g) : b;
  }
  stv(param, o, madd(g, negLr, p), full);
}

@inline function sgdLoop(param: usize, grad: usize, buf: usize, n: i32, mode: i32, sign: v128, wd: v128, hasWd: bool,
  mu: v128, damp1: v128, nesterov: bool, negLr: v128): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) sgdLanes(param, grad, buf, <usize>i << 2, true, mode, sign, wd, hasWd, mu, damp1, nesterov, negLr);
  for (; i < n; i++) sgdLanes(param, grad, buf, <usize>i << 2, false, mode, sign, wd, hasWd, mu, damp1, nesterov, negLr);
}

// param, grad: [n] f32; buf: [n] f32 momentum buffer (ignored when momentum = 0, written whole when
// first = 1); param (and buf) updated in place; n may be 0.
export function sgdStepF32(param: usize, grad: usize, buf: usize, n: i32, lr: f64, momentum: f64, dampening: f64,
  weightDecay: f64, nesterov: i32, maximize: i32, first: i32): void {
  const sign = splat(maximize ? -1.0 : 1.0);
  const wd = splat(weightDecay), hasWd = weightDecay != 0;
  const mu = splat(momentum), damp1 = splat(1.0 - dampening), negLr = splat(-lr);
  const mode = momentum == 0 ? 0 : first ? 1 : 2;
  sgdLoop(param, grad, buf, n, mode, sign, wd, hasWd, mu, damp1, nesterov != 0, negLr);
}

// ---- Adam and AdamW (torch.optim.Adam, torch.optim.AdamW) ----

// g ← ±grad (+ wd·param for Adam's L2 decay); param ← param·(1 − lr·wd) for AdamW's decoupled decay;
// m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g·g; vmax ← max(vmax, v) with amsgrad;
// param ← param − stepSize·m / (√v / √(1 − β2^t) + eps), stepSize = lr / (1 − β1^t).
@inline function adamLanes(param: usize, grad: usize, expAvg: usize, expAvgSq: usize, maxSq: usize, o: usize, full: bool,
  amsgrad: bool, sign: v128, l2: bool, wd: v128, decoupled: bool, decay: v128, b1: v128, c1: v128, b2: v128, c2: v128,
  bc2Sqrt: v128, eps: v128, negStep: v128): void {
  let p = ldv(param, o, full);
  let g = f32x4.mul(ldv(grad, o, full), sign);
  if (l2) g = madd(p, wd, g);
  if (decoupled) p = f32x4.mul(p, decay);
  const m = madd(g, c1, f32x4.mul(ldv(expAvg, o, full), b1));
  // torch's addcmul: v + (c2·g)·g, rounded after each product
  let v = f32x4.add(f32x4.mul(ldv(expAvgSq, o, full), b2), f32x4.mul(f32x4.mul(c2, g), g));
  stv(expAvg, o, m, full);
  stv(expAvgSq, o, v, full);
  if (amsgrad) {
    v = f32x4.max(ldv(maxSq, o, full), v);
    stv(maxSq, o, v, full);
  }
  const denom = f32x4.add(f32x4.div(f32x4.sqrt(v), bc2Sqrt), eps);
  stv(param, o, madd(negStep, f32x4.div(m, denom), p), full);
}

@inline function adamLoop(param: usize, grad: usize, expAvg: usize, expAvgSq: usize, maxSq: usize, n: i32, amsgrad: bool,
  sign: v128, l2: bool, wd: v128, decoupled: bool, decay: v128, b1: v128, c1: v128, b2: v128, c2: v128, bc2Sqrt: v128,
  eps: v128, negStep: v128): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    adamLanes(param, grad, expAvg, expAvgSq, maxSq, <usize>i << 2, true, amsgrad, sign, l2, wd, decoupled, decay,
      b1, c1, b2, c2, bc2Sqrt, eps, negStep);
  }
  for (; i < n; i++) {
    adamLanes(param, grad, expAvg, expAvgSq, maxSq, <usize>i << 2, false, amsgrad, sign, l2, wd, decoupled, decay,
      b1, c1, b2, c2, bc2Sqrt, eps, negStep);
  }
}

// param, grad, expAvg, expAvgSq: [n] f32; maxExpAvgSq: [n] f32 (read only when amsgrad = 1);
// biasCorrection1/2 = 1 − β^t for this step t ≥ 1; decoupled = 1: AdamW's decay, else Adam's L2 term.
// param and the state updated in place; n may be 0.
export function adamStepF32(param: usize, grad: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize, n: i32,
  lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, decoupled: i32, amsgrad: i32, maximize: i32,
  biasCorrection1: f64, biasCorrection2: f64): void {
  const sign = splat(maximize ? -1.0 : 1.0);
  const wd = splat(weightDecay);
  const dec = decoupled != 0;
  const l2 = !dec && weightDecay != 0;
  const decay = splat(1.0 - lr * weightDecay);
  const b1 = splat(beta1), c1 = splat(1.0 - beta1), b2 = splat(beta2), c2 = splat(1.0 - beta2);
  const bc2Sqrt = splat(Math.sqrt(biasCorrection2));
  const e = splat(eps), negStep = splat(-(lr / biasCorrection1));
  adamLoop(param, grad, expAvg, expAvgSq, maxExpAvgSq, n, amsgrad != 0, sign, l2, wd, dec, decay, b1, c1, b2, c2, bc2Sqrt, e, negStep);
}

// ---- Adagrad (torch.optim.Adagrad) ----

// g ← ±grad (+ wd·param); sum ← sum + g·g; param ← param − clr·g / (√sum + eps).
@inline function adagradLanes(param: usize, grad: usize, sum: usize, o: usize, full: bool, sign: v128, wd: v128,
  hasWd: bool, eps: v128, negLr: v128): void {
  const p = ldv(param, o, full);
  let g = f32x4.mul(ldv(grad, o, full), sign);
  if (hasWd) g = madd(p, wd, g);
  const s = f32x4.add(ldv(sum, o, full), f32x4.mul(g, g));
  stv(sum, o, s, full);
  const std = f32x4.add(f32x4.sqrt(s), eps);
  stv(param, o, madd(negLr, f32x4.div(g, std), p), full);
}

// param, grad, sum: [n] f32; lr is the step's decayed rate lr / (1 + (t − 1)·lrDecay); in place; n may be 0.
export function adagradStepF32(param: usize, grad: usize, sum: usize, n: i32, lr: f64, weightDecay: f64, eps: f64,
  maximize: i32): void {
  const sign = splat(maximize ? -1.0 : 1.0);
  const wd = splat(weightDecay), hasWd = weightDecay != 0;
  const e = splat(eps), negLr = splat(-lr);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) adagradLanes(param, grad, sum, <usize>i << 2, true, sign, wd, hasWd, e, negLr);
  for (; i < n; i++) adagradLanes(param, grad, sum, <usize>i << 2, false, sign, wd, hasWd, e, negLr);
}

// ---- RMSprop (torch.optim.RMSprop) ----

// g ← ±grad (+ wd·param); sq ← α·sq + (1 − α)·g·g; centered: ga ← α·ga + (1 − α)·g and
// avg = √(sq − ga·ga), else √sq; avg += eps; with momentum: buf ← μ·buf + g/avg, param ← param − lr·buf;
// else param ← param − lr·g/avg.
@inline function rmspropLanes(param: usize, grad: usize, squareAvg: usize, gradAvg: usize, buf: usize, o: usize, full: bool,
  centered: bool, hasMomentum: bool, sign: v128, wd: v128, hasWd: bool, a: v128, c: v128, eps: v128, mu: v128, negLr: v128): void {
  const p = ldv(param, o, full);
  let g = f32x4.mul(ldv(grad, o, full), sign);
  if (hasWd) g = madd(p, wd, g);
  const sq = f32x4.add(f32x4.mul(ldv(squareAvg, o, full), a), f32x4.mul(f32x4.mul(c, g), g));
  stv(squareAvg, o, sq, full);
  let avg: v128;
  if (centered) {
    const ga = madd(g, c, f32x4.mul(ldv(gradAvg, o, full), a));
    stv(gradAvg, o, ga, full);
    avg = f32x4.sqrt(f32x4.sub(sq, f32x4.mul(ga, ga)));
  } else {
    avg = f32x4.sqrt(sq);
  }
  avg = f32x4.add(avg, eps);
  if (hasMomentum) {
    const b = f32x4.add(f32x4.mul(ldv(buf, o, full), mu), f32x4.div(g, avg));
    stv(buf, o, b, full);
    stv(param, o, madd(b, negLr, p), full);
  } else {
    stv(param, o, madd(negLr, f32x4.div(g, avg), p), full);
  }
}

@inline function rmspropLoop(param: usize, grad: usize, squareAvg: usize, gradAvg: usize, buf: usize, n: i32,
  centered: bool, hasMomentum: bool, sign: v128, wd: v128, hasWd: bool, a: v128, c: v128, eps: v128, mu: v128, negLr: v128): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    rmspropLanes(param, grad, squareAvg, gradAvg, buf, <usize>i << 2, true, centered, hasMomentum, sign, wd, hasWd, a, c, eps, mu, negLr);
  }
  for (; i < n; i++) {
    rmspropLanes(param, grad, squareAvg, gradAvg, buf, <usize>i << 2, false, centered, hasMomentum, sign, wd, hasWd, a, c, eps, mu, negLr);
  }
}

// param, grad, squareAvg: [n] f32; gradAvg: [n] (read only when centered = 1); buf: [n] momentum
// buffer (read only when momentum > 0); in place; n may be 0.
export function rmspropStepF32(param: usize, grad: usize, squareAvg: usize, gradAvg: usize, buf: usize, n: i32,
  lr: f64, alpha: f64, eps: f64, weightDecay: f64, momentum: f64, centered: i32, maximize: i32): void {
  const sign = splat(maximize ? -1.0 : 1.0);
  const wd = splat(weightDecay), hasWd = weightDecay != 0;
  const a = splat(alpha), c = splat(1.0 - alpha), e = splat(eps), mu = splat(momentum), negLr = splat(-lr);
  rmspropLoop(param, grad, squareAvg, gradAvg, buf, n, centered != 0, momentum > 0, sign, wd, hasWd, a, c, e, mu, negLr);
}

// ---- gradient norms (torch.nn.utils.clip_grad_norm_) ----

// Adds the four f32 lanes of v to the two f64 accumulators (exact: every f32 is an f64).
@inline function addWide(acc: v128, v: v128): v128 {
  const lo = f64x2.promote_low_f32x4(v);
  const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f64x2.add(acc, f64x2.add(lo, hi));
}

// x: [n] f32 → Σ|x|^p in f64 (p = 2: the fused sum of squares, each square rounded to f32 and summed
// in f64; p = 1: Σ|x|; p = +inf: max|x|, NaN when any x is NaN; other p > 0: f32 powers summed in f64).
// n may be 0 (gives 0).
export function normPartialF32(x: usize, n: i32, p: f64): f64 {
  const n4 = n & ~3;
  let i = 0;
  if (p == Infinity) {
    let m = f32x4.splat(0);
    for (; i < n4; i += 4) m = f32x4.max(m, f32x4.abs(v128.load(x + (<usize>i << 2))));
    let r = Mathf.max(Mathf.max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), Mathf.max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
    for (; i < n; i++) r = Mathf.max(r, Mathf.abs(load<f32>(x + (<usize>i << 2))));
    return <f64>r;
  }
  if (p == 2 || p == 1) {
    // two independent f64 accumulators: one add chain would wait on its own latency
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    const n8 = n & ~7;
    if (p == 2) {
      for (; i < n8; i += 8) {
        const u = v128.load(x + (<usize>i << 2));
        const w = v128.load(x + (<usize>i << 2), 16);
        a0 = addWide(a0, f32x4.mul(u, u));
        a1 = addWide(a1, f32x4.mul(w, w));
      }
    } else {
      for (; i < n8; i += 8) {
        a0 = addWide(a0, f32x4.abs(v128.load(x + (<usize>i << 2))));
        a1 = addWide(a1, f32x4.abs(v128.load(x + (<usize>i << 2), 16)));
      }
    }
    const a = f64x2.add(a0, a1);
    let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
    for (; i < n; i++) {
      const v = load<f32>(x + (<usize>i << 2));
      s += p == 2 ? <f64>(v * v) : <f64>Mathf.abs(v);
    }
    return s;
  }
  // f32 pow (the one elementwise pow uses: no second pow in the module), summed in f64
  const pf = <f32>p;
  let s: f64 = 0;
  for (; i < n; i++) s += <f64>Mathf.pow(Mathf.abs(load<f32>(x + (<usize>i << 2))), pf);
  return s;
}
