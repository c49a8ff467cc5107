// needs: common workgroup
// Layer normalisation over rows of `cols` values (assembly/norm.ts, torch.nn.functional.layer_norm):
// biased variance from a second pass over (x − mean)², eps inside the square root; the forward saves
// mean and 1/std. One workgroup per row; dgamma and dbeta are column sums over rows, one invocation
// per column walking the rows in order.

override WG: u32 = 256;

struct NormParams { rows: u32, cols: u32, eps: f32, hasGamma: u32, hasBeta: u32 }

// ---- layerNormForward: x [rows, cols], gamma, beta [cols] → y, mean, rstd [rows] ----
@group(0) @binding(0) var<storage, read_write> fwX: array<f32>;
@group(0) @binding(1) var<storage, read_write> fwGamma: array<f32>;
@group(0) @binding(2) var<storage, read_write> fwBeta: array<f32>;
@group(0) @binding(3) var<storage, read_write> fwY: array<f32>;
@group(0) @binding(4) var<storage, read_write> fwMean: array<f32>;
@group(0) @binding(5) var<storage, read_write> fwRstd: array<f32>;
@group(0) @binding(6) var<uniform> fwP: NormParams;

@compute @workgroup_size(WG)
fn layerNormForward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = groupId(wid, nwg);
  if (row >= fwP.rows) { return; }
  let cols = fwP.cols;
  let base = row * cols;
  var s = 0.0;
  for (var j = lid; j < cols; j = j + WG) { s = s + fwX[base + j]; }
  let mu = workgroupSum(s, lid) / f32(cols);
  var q = 0.0;
  for (var j = lid; j < cols; j = j + WG) {
    let d = fwX[base + j] - mu;
    q = q + d * d;
  }
  let rs = 1.0 / sqrt(workgroupSum(q, lid) / f32(cols) + fwP.eps);
  if (lid == 0u) {
    fwMean[row] = mu;
    fwRstd[row] = rs;
  }
  for (var j = lid; j < cols; j = j + WG) {
    var v = (fwX[base + j] - mu) * rs;
    if (fwP.hasGamma != 0u) { v = v * fwGamma[j]; }
    if (fwP.hasBeta != 0u) { v = v + fwBeta[j]; }
    fwY[base + j] = v;
  }
}

// ---- layerNormBackward: dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), g = dy·gamma, x̂ = (x − mean)·rstd ----
@group(0) @binding(0) var<storage, read_write> bwX: array<f32>;
@group(0) @binding(1) var<storage, read_write> bwGamma: array<f32>;
@group(0) @binding(2) var<storage, read_write> bwMean: array<f32>;
@group(0) @binding(3) var<storage, read_write> bwRstd: array<f32>;
@group(0) @binding(4) var<storage, read_write> bwDy: array<f32>;
@group(0) @binding(5) var<storage, read_write> bwDx: array<f32>;
@group(0) @binding(6) var<uniform> bwP: NormParams;

@compute @workgroup_size(WG)
fn layerNormBackward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = groupId(wid, nwg);
  if (row >= bwP.rows) { return; }
  let cols = bwP.cols;
  let base = row * cols;
  let mu = bwMean[row];
  let rs = bwRstd[row];
  var sg = 0.0;
  var sgx = 0.0;
  for (var j = lid; j < cols; j = j + WG) {
    let xh = (bwX[base + j] - mu) * rs;
    let g = select(bwDy[base + j], bwDy[base + j] * bwGamma[j], bwP.hasGamma != 0u);
    sg = sg + g;
    sgx = sgx + g * xh;
  }
  let mg = workgroupSum(sg, lid) / f32(cols);
  let mgx = workgroupSum(sgx, lid) / f32(cols);
  for (var j = lid; j < cols; j = j + WG) {
    let xh = (bwX[base + j] - mu) * rs;
    let g = select(bwDy[base + j], bwDy[base + j] * bwGamma[j], bwP.hasGamma != 0u);
    bwDx[base + j] = rs * (g - mg - xh * mgx);
  }
}

// ---- layerNormParamGrads: dgamma [cols] = Σ_rows dy·x̂, dbeta [cols] = Σ_rows dy (where asked) ----
@group(0) @binding(0) var<storage, read_write> pgX: array<f32>;
@group(0) @binding(1) var<storage, read_write> pgMean: array<f32>;
@group(0) @binding(2) var<storage, read_write> pgRstd: array<f32>;
@group(0) @binding(3) var<storage, read_write> pgDy: array<f32>;
@group(0) @binding(4) var<storage, read_write> pgDgamma: array<f32>;
@group(0) @binding(5) var<storage, read_write> pgDbeta: array<f32>;
@group(0) @binding(6) var<uniform> pgP: NormParams; // hasGamma: write dgamma; hasBeta: write dbeta

@compute @workgroup_size(WG)
fn layerNormParamGrads(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let j = flatId(wid, nwg, lid, WG);
  let cols = pgP.cols;
  if (j >= cols) { return; }
  var dg = 0.0;
  var db = 0.0;
  for (var r = 0u; r < pgP.rows; r = r + 1u) {
    let d = pgDy[r * cols + j];
    dg = dg + d * ((pgX[r * cols + j] - pgMean[r]) * pgRstd[r]);
    db = db + d;
  }
  if (pgP.hasGamma != 0u) { pgDgamma[j] = dg; }
  if (pgP.hasBeta != 0u) { pgDbeta[j] = db; }
}
