// needs: common vmath workgroup
// The softmax step of scaled dot-product attention (assembly/attention.ts): scores scaled and masked
// — causal (query i sees keys j ≤ i) and by a key padding mask (0 = padding) — then a stable
// softmax per row in place; and its backward, scale·p·(dp − Σ dp·p). The products around them run
// on matmul.wgsl's gemm. One workgroup per row.

override WG: u32 = 256;

struct AttnParams { rows: u32, tq: u32, tk: u32, heads: u32, scale: f32, causal: u32, hasMask: u32 }

// ---- attentionSoftmaxRows: scores [rows = batch·tq, tk] ← softmax(scale·scores, masked keys −∞);
// keyMask [batch / heads, tk] int32 ----
@group(0) @binding(0) var<storage, read_write> asMask: array<i32>;
@group(0) @binding(1) var<storage, read_write> asScores: array<f32>;
@group(0) @binding(2) var<uniform> asP: AttnParams;

fn keyVisible(row: u32, j: u32) -> bool {
  let i = row % asP.tq;
  if (asP.causal != 0u && j > i) { return false; }
  if (asP.hasMask != 0u && asMask[(row / asP.tq / asP.heads) * asP.tk + j] == 0) { return false; }
  return true;
}

@compute @workgroup_size(WG)
fn attentionSoftmaxRows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = groupId(wid, nwg);
  if (row >= asP.rows) { return; }
  let tk = asP.tk;
  let base = row * tk;
  var m = -infF32();
  for (var j = lid; j < tk; j = j + WG) {
    let s = select(-infF32(), asScores[base + j] * asP.scale, keyVisible(row, j));
    asScores[base + j] = s;
    if (m < s) { m = s; }
  }
  m = workgroupMax(m, lid);
  var z = 0.0;
  for (var j = lid; j < tk; j = j + WG) {
    // every key masked: m = −∞ and −∞ − −∞ is NaN, so the row is NaN, as in torch
    let e = expNonPositiveF32(asScores[base + j] - m);
    asScores[base + j] = e;
    z = z + e;
  }
  let inv = 1.0 / workgroupSum(z, lid);
  for (var j = lid; j < tk; j = j + WG) { asScores[base + j] = asScores[base + j] * inv; }
}

// ---- attentionSoftmaxBackwardRows: dScores = scale·probs·(dProbs − Σ dProbs·probs), over dProbs ----
@group(0) @binding(0) var<storage, read_write> abProbs: array<f32>;
@group(0) @binding(1) var<storage, read_write> abGrad: array<f32>;
@group(0) @binding(2) var<uniform> abP: AttnParams;

@compute @workgroup_size(WG)
fn attentionSoftmaxBackwardRows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = groupId(wid, nwg);
  if (row >= abP.rows) { return; }
  let tk = abP.tk;
  let base = row * tk;
  var dot = 0.0;
  for (var j = lid; j < tk; j = j + WG) { dot = dot + abGrad[base + j] * abProbs[base + j]; }
  dot = workgroupSum(dot, lid);
  for (var j = lid; j < tk; j = j + WG) { abGrad[base + j] = abP.scale * (abProbs[base + j] * (abGrad[base + j] - dot)); }
}
