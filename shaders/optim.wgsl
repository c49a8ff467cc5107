// needs: common
// Optimizer updates (assembly/optim.ts): one fused in-place pass over one parameter's buffer per
// step, in the order of operations of PyTorch 1.13's single-tensor SGD, Adam/AdamW, Adagrad and
// RMSprop. Hyperparameter products (lr / (1 − β1^t), 1 − lr·wd, √(1 − β2^t)) are formed in float64 on
// the host and arrive rounded to float32 once, as the CPU kernels take them. Absent state buffers
// are bound to a dummy and not read (flags in the params).

override WG: u32 = 256;

// ---- sgdStep: g ← ±grad (+ wd·param); mode 1: buf ← g, mode 2: buf ← μ·buf + (1 − dampening)·g;
// g ← g + μ·buf (nesterov) or buf; param ← param − lr·g ----
struct SgdParams { n: u32, mode: u32, nesterov: u32, hasWd: u32, sign: f32, wd: f32, mu: f32, damp1: f32, negLr: f32 }
@group(0) @binding(0) var<storage, read_write> sgdGrad: array<f32>;
@group(0) @binding(1) var<storage, read_write> sgdParam: array<f32>;
@group(0) @binding(2) var<storage, read_write> sgdBuf: array<f32>;
@group(0) @binding(3) var<uniform> sgdP: SgdParams;

@compute @workgroup_size(WG)
fn sgdStep(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatId(wid, nwg, lid, WG);
  if (i >= sgdP.n) { return; }
  let p = sgdParam[i];
  var g = sgdGrad[i] * sgdP.sign;
  if (sgdP.hasWd != 0u) { g = p * sgdP.wd + g; }
  if (sgdP.mode != 0u) {
    var b = g;
    if (sgdP.mode == 2u) { b = g * sgdP.damp1 + sgdBuf[i] * sgdP.mu; }
    sgdBuf[i] = b;
    g = select(b, b * sgdP.mu + g, sgdP.nesterov != 0u);
  }
  sgdParam[i] = g * sgdP.negLr + p;
}

// ---- adamStep: g ← ±grad (+ wd·param, Adam); param ← param·(1 − lr·wd) (AdamW); m ← β1·m + (1 − β1)·g;
// v ← β2·v + ((1 − β2)·g)·g; vmax ← max(vmax, v) (amsgrad); param ← param − step·m / (√v / √bc2 + eps) ----
struct AdamParams {
  n: u32, amsgrad: u32, l2: u32, decoupled: u32,
  sign: f32, wd: f32, decay: f32, b1: f32, c1: f32, b2: f32, c2: f32, bc2Sqrt: f32, eps: f32, negStep: f32,
}
@group(0) @binding(0) var<storage, read_write> adamGrad: array<f32>;
@group(0) @binding(1) var<storage, read_write> adamParam: array<f32>;
@group(0) @binding(2) var<storage, read_write> adamM: array<f32>;
@group(0) @binding(3) var<storage, read_write> adamV: array<f32>;
@group(0) @binding(4) var<storage, read_write> adamVmax: array<f32>;
@group(0) @binding(5) var<uniform> adamP: AdamParams;

@compute @workgroup_size(WG)
fn adamStep(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatId(wid, nwg, lid, WG);
  if (i >= adamP.n) { return; }
  var p = adamParam[i];
  var g = adamGrad[i] * adamP.sign;
  if (adamP.l2 != 0u) { g = p * adamP.wd + g; }
  if (adamP.decoupled != 0u) { p = p * adamP.decay; }
  let m = g * adamP.c1 + adamM[i] * adamP.b1;
  var v = adamV[i] * adamP.b2 + (adamP.c2 * g) * g;
  adamM[i] = m;
  adamV[i] = v;
  if (adamP.amsgrad != 0u) {
    v = maximumF32(adamVmax[i], v);
    adamVmax[i] = v;
  }
  let denom = sqrt(v) / adamP.bc2Sqrt + adamP.eps;
  adamParam[i] = adamP.negStep * (m / denom) + p;
}

// ---- adagradStep: g ← ±grad (+ wd·param); sum ← sum + g·g; param ← param − lr·g / (√sum + eps) ----
struct AdagradParams { n: u32, hasWd: u32, sign: f32, wd: f32, eps: f32, negLr: f32 }
@group(0) @binding(0) var<storage, read_write> agGrad: array<f32>;
@group(0) @binding(1) var<storage, read_write> agParam: array<f32>;
@group(0) @binding(2) var<storage, read_write> agSum: array<f32>;
@group(0) @binding(3) var<uniform> agP: AdagradParams;

@compute @workgroup_size(WG)
fn adagradStep(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatId(wid, nwg, lid, WG);
  if (i >= agP.n) { return; }
  let p = agParam[i];
  var g = agGrad[i] * agP.sign;
  if (agP.hasWd != 0u) { g = p * agP.wd + g; }
  let s = agSum[i] + g * g;
  agSum[i] = s;
  agParam[i] = agP.negLr * (g / (sqrt(s) + agP.eps)) + p;
}

// ---- rmspropStep: g ← ±grad (+ wd·param); sq ← α·sq + ((1 − α)·g)·g; centered: ga ← α·ga + (1 − α)·g,
// avg = √(sq − ga²), else √sq; avg += eps; momentum: buf ← μ·buf + g/avg, param −= lr·buf; else
// param −= lr·g/avg ----
struct RmspropParams { n: u32, centered: u32, hasMomentum: u32, hasWd: u32, sign: f32, wd: f32, a: f32, c: f32, eps: f32, mu: f32, negLr: f32 }
@group(0) @binding(0) var<storage, read_write> rmsGrad: array<f32>;
@group(0) @binding(1) var<storage, read_write> rmsParam: array<f32>;
@group(0) @binding(2) var<storage, read_write> rmsSq: array<f32>;
@group(0) @binding(3) var<storage, read_write> rmsGa: array<f32>;
@group(0) @binding(4) var<storage, read_write> rmsBuf: array<f32>;
@group(0) @binding(5) var<uniform> rmsP: RmspropParams;

@compute @workgroup_size(WG)
fn rmspropStep(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatId(wid, nwg, lid, WG);
  if (i >= rmsP.n) { return; }
  let p = rmsParam[i];
  var g = rmsGrad[i] * rmsP.sign;
  if (rmsP.hasWd != 0u) { g = p * rmsP.wd + g; }
  let sq = rmsSq[i] * rmsP.a + (rmsP.c * g) * g;
  rmsSq[i] = sq;
  var avg = 0.0;
  if (rmsP.centered != 0u) {
    let ga = g * rmsP.c + rmsGa[i] * rmsP.a;
    rmsGa[i] = ga;
    avg = sqrt(sq - ga * ga);
  } else {
    avg = sqrt(sq);
  }
  avg = avg + rmsP.eps;
  if (rmsP.hasMomentum != 0u) {
    let b = rmsBuf[i] * rmsP.mu + g / avg;
    rmsBuf[i] = b;
    rmsParam[i] = b * rmsP.negLr + p;
  } else {
    rmsParam[i] = rmsP.negLr * (g / avg) + p;
  }
}
