// needs: common vmath workgroup
// Losses (assembly/loss.ts). Cross-entropy from logits as torch.nn.functional.cross_entropy with
// ignore_index and label smoothing ε: loss = (1−ε)·(lse − x[t]) + ε·(lse − mean(x)); its backward is
// softmax minus the smoothed one-hot target. nll_loss of given scores with optional class weights.
// Ignored rows give 0 loss and 0 gradient; a target outside [0, cols) that is not ignoreIndex is
// reported by the forward kernels (E_RANGE at the next read) and treated as ignored everywhere.

override WG: u32 = 256;

struct LossParams { rows: u32, cols: u32, ignoreIndex: i32, smoothing: f32, hasWeight: u32, site: u32 }

fn inRange(t: i32, cols: u32) -> bool {
  return t >= 0 && u32(t) < cols;
}

// ---- crossEntropyForward: one workgroup per row; losses, lse [rows] ----
@group(0) @binding(0) var<storage, read_write> ceLogits: array<f32>;
@group(0) @binding(1) var<storage, read_write> ceTargets: array<i32>;
@group(0) @binding(2) var<storage, read_write> ceLosses: array<f32>;
@group(0) @binding(3) var<storage, read_write> ceLse: array<f32>;
@group(0) @binding(4) var<uniform> ceP: LossParams;

@compute @workgroup_size(WG)
fn crossEntropyForward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = groupId(wid, nwg);
  if (row >= ceP.rows) { return; }
  let cols = ceP.cols;
  let base = row * cols;
  var m = -infF32();
  for (var j = lid; j < cols; j = j + WG) {
    let v = ceLogits[base + j];
    if (m < v) { m = v; }
  }
  m = workgroupMax(m, lid);
  var s = 0.0;
  var sx = 0.0;
  for (var j = lid; j < cols; j = j + WG) {
    let v = ceLogits[base + j];
    s = s + expNonPositiveF32(v - m);
    sx = sx + v;
  }
  let l = m + logF32(workgroupSum(s, lid));
  let meanX = workgroupSum(sx, lid) / f32(cols);
  if (lid != 0u) { return; }
  ceLse[row] = l;
  let t = ceTargets[row];
  if (t == ceP.ignoreIndex) {
    ceLosses[row] = 0.0;
    return;
  }
  if (!inRange(t, cols)) {
    reportBadIndex(ceP.site, t, row, cols);
    ceLosses[row] = 0.0;
    return;
  }
  var loss = (1.0 - ceP.smoothing) * (l - ceLogits[base + u32(t)]);
  if (ceP.smoothing != 0.0) { loss = loss + ceP.smoothing * (l - meanX); }
  ceLosses[row] = loss;
}

// ---- keptCount: one workgroup; count ← the number of rows whose target is a class (not ignored) ----
@group(0) @binding(0) var<storage, read_write> kcTargets: array<i32>;
@group(0) @binding(1) var<storage, read_write> kcCount: array<f32>;
@group(0) @binding(2) var<uniform> kcP: LossParams;

@compute @workgroup_size(WG)
fn keptCount(@builtin(local_invocation_index) lid: u32) {
  var kept = 0u;
  for (var r = lid; r < kcP.rows; r = r + WG) {
    let t = kcTargets[r];
    if (t != kcP.ignoreIndex && inRange(t, kcP.cols)) { kept = kept + 1u; }
  }
  let total = workgroupSum(f32(kept), lid); // exact below 2^24 rows
  if (lid == 0u) { kcCount[0] = total; }
}

// ---- crossEntropyBackward: dlogits [rows, cols] = dLoss[r]·(softmax − (1−ε)·onehot(t) − ε/cols) ----
@group(0) @binding(0) var<storage, read_write> cebLogits: array<f32>;
@group(0) @binding(1) var<storage, read_write> cebTargets: array<i32>;
@group(0) @binding(2) var<storage, read_write> cebLse: array<f32>;
@group(0) @binding(3) var<storage, read_write> cebDLoss: array<f32>;
@group(0) @binding(4) var<storage, read_write> cebDLogits: array<f32>;
@group(0) @binding(5) var<uniform> cebP: LossParams;

@compute @workgroup_size(WG)
fn crossEntropyBackward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let k = flatId(wid, nwg, lid, WG);
  let cols = cebP.cols;
  if (k >= cebP.rows * cols) { return; }
  let r = k / cols;
  let j = k % cols;
  let t = cebTargets[r];
  if (t == cebP.ignoreIndex || !inRange(t, cols)) {
    cebDLogits[k] = 0.0;
    return;
  }
  let scale = cebDLoss[r];
  let prob = expNonPositiveF32(cebLogits[k] - cebLse[r]); // x − lse ≤ 0
  var v = (prob - cebP.smoothing / f32(cols)) * scale;
  if (u32(t) == j) { v = v - (1.0 - cebP.smoothing) * scale; }
  cebDLogits[k] = v;
}

// ---- nllLossForward: losses [rows] = −weight[t]·x[r, t] (0 on ignored rows) ----
@group(0) @binding(0) var<storage, read_write> nlX: array<f32>;
@group(0) @binding(1) var<storage, read_write> nlTargets: array<i32>;
@group(0) @binding(2) var<storage, read_write> nlWeight: array<f32>;
@group(0) @binding(3) var<storage, read_write> nlLosses: array<f32>;
@group(0) @binding(4) var<uniform> nlP: LossParams;

@compute @workgroup_size(WG)
fn nllLossForward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = flatId(wid, nwg, lid, WG);
  if (r >= nlP.rows) { return; }
  let t = nlTargets[r];
  if (t == nlP.ignoreIndex) {
    nlLosses[r] = 0.0;
    return;
  }
  if (!inRange(t, nlP.cols)) {
    reportBadIndex(nlP.site, t, r, nlP.cols);
    nlLosses[r] = 0.0;
    return;
  }
  let w = select(1.0, nlWeight[u32(t)], nlP.hasWeight != 0u);
  nlLosses[r] = -w * nlX[r * nlP.cols + u32(t)];
}

// ---- keptWeight: one workgroup; total ← Σ weight[t] over kept rows (the mean's divisor) ----
@group(0) @binding(0) var<storage, read_write> kwTargets: array<i32>;
@group(0) @binding(1) var<storage, read_write> kwWeight: array<f32>;
@group(0) @binding(2) var<storage, read_write> kwTotal: array<f32>;
@group(0) @binding(3) var<uniform> kwP: LossParams;

@compute @workgroup_size(WG)
fn keptWeight(@builtin(local_invocation_index) lid: u32) {
  var sum = 0.0;
  for (var r = lid; r < kwP.rows; r = r + WG) {
    let t = kwTargets[r];
    if (t != kwP.ignoreIndex && inRange(t, kwP.cols)) { sum = sum + select(1.0, kwWeight[u32(t)], kwP.hasWeight != 0u); }
  }
  let total = workgroupSum(sum, lid);
  if (lid == 0u) { kwTotal[0] = total; }
}

// ---- nllLossBackward: dx [rows, cols] = 0 except dx[r, t] = −weight[t]·dLoss[r] on kept rows ----
@group(0) @binding(0) var<storage, read_write> nbTargets: array<i32>;
@group(0) @binding(1) var<storage, read_write> nbWeight: array<f32>;
@group(0) @binding(2) var<storage, read_write> nbDLoss: array<f32>;
@group(0) @binding(3) var<storage, read_write> nbDx: array<f32>;
@group(0) @binding(4) var<uniform> nbP: LossParams;

@compute @workgroup_size(WG)
fn nllLossBackward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let k = flatId(wid, nwg, lid, WG);
  let cols = nbP.cols;
  if (k >= nbP.rows * cols) { return; }
  let r = k / cols;
  let t = nbTargets[r];
  var v = 0.0;
  if (t != nbP.ignoreIndex && inRange(t, cols) && u32(t) == k % cols) {
    v = -select(1.0, nbWeight[u32(t)], nbP.hasWeight != 0u) * nbDLoss[r];
  }
  nbDx[k] = v;
}
