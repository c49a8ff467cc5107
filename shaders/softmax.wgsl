// needs: common vmath workgroup
// Row-wise softmax and log-softmax and their backward passes (assembly/softmax.ts), stable as in
// torch: subtract the row maximum, exponentiate with the same rr2-p5 exp as the CPU, sum, then scale
// by 1/sum (softmax) or subtract log(sum) (log-softmax, the two subtractions kept apart). One
// workgroup per row; outputs may alias inputs (each invocation rereads its own elements).

override WG: u32 = 256;

struct RowsParams { rows: u32, cols: u32 }

// ---- softmaxRows / logSoftmaxRows: x [rows, cols] → y ----
@group(0) @binding(0) var<storage, read_write> smX: array<f32>;
@group(0) @binding(1) var<storage, read_write> smY: array<f32>;
@group(0) @binding(2) var<uniform> smP: RowsParams;

fn rowMaxOfX(base: u32, cols: u32, lid: u32) -> f32 {
  var m = -infF32();
  for (var j = lid; j < cols; j = j + WG) {
    let v = smX[base + j];
    if (m < v) { m = v; }
  }
  return workgroupMax(m, lid);
}

@compute @workgroup_size(WG)
fn softmaxRows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = groupId(wid, nwg);
  if (row >= smP.rows) { return; }
  let cols = smP.cols;
  let base = row * cols;
  let m = rowMaxOfX(base, cols, lid);
  var s = 0.0;
  for (var j = lid; j < cols; j = j + WG) {
    let e = expNonPositiveF32(smX[base + j] - m);
    smY[base + j] = e;
    s = s + e;
  }
  let inv = 1.0 / workgroupSum(s, lid);
  for (var j = lid; j < cols; j = j + WG) { smY[base + j] = smY[base + j] * inv; }
}

@compute @workgroup_size(WG)
fn logSoftmaxRows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = groupId(wid, nwg);
  if (row >= smP.rows) { return; }
  let cols = smP.cols;
  let base = row * cols;
  let m = rowMaxOfX(base, cols, lid);
  var s = 0.0;
  for (var j = lid; j < cols; j = j + WG) { s = s + expNonPositiveF32(smX[base + j] - m); }
  let ls = logF32(workgroupSum(s, lid));
  for (var j = lid; j < cols; j = j + WG) { smY[base + j] = (smX[base + j] - m) - ls; }
}

// ---- softmaxBackwardRows: dx = y·(dy − Σ dy·y); logSoftmaxBackwardRows: dx = dy − e^y·Σ dy ----
@group(0) @binding(0) var<storage, read_write> bwY: array<f32>;
@group(0) @binding(1) var<storage, read_write> bwDy: array<f32>;
@group(0) @binding(2) var<storage, read_write> bwDx: array<f32>;
@group(0) @binding(3) var<uniform> bwP: RowsParams;

@compute @workgroup_size(WG)
fn softmaxBackwardRows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = groupId(wid, nwg);
  if (row >= bwP.rows) { return; }
  let cols = bwP.cols;
  let base = row * cols;
  var dot = 0.0;
  for (var j = lid; j < cols; j = j + WG) { dot = dot + bwDy[base + j] * bwY[base + j]; }
  dot = workgroupSum(dot, lid);
  for (var j = lid; j < cols; j = j + WG) { bwDx[base + j] = bwY[base + j] * (bwDy[base + j] - dot); }
}

@compute @workgroup_size(WG)
fn logSoftmaxBackwardRows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = groupId(wid, nwg);
  if (row >= bwP.rows) { return; }
  let cols = bwP.cols;
  let base = row * cols;
  var s = 0.0;
  for (var j = lid; j < cols; j = j + WG) { s = s + bwDy[base + j]; }
  s = workgroupSum(s, lid);
  for (var j = lid; j < cols; j = j + WG) { bwDx[base + j] = bwDy[base + j] - expNonPositiveF32(bwY[base + j]) * s; }
}
