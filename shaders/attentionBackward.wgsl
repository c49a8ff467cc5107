// needs: common vmath random attentionScores
// The backward of attention.wgsl (FlashAttention's: the weights are recomputed from the forward's
// log-sum-exp, never stored). attentionDelta first gives each query row (lse, D = dout·out); then one
// invocation per query row writes dq_i = Σ_j dS_ij·k_j, and one per key row writes dk_j = Σ_i
// dS_ij·q_i or dv_j = Σ_i keep·p_ij·dout_i, with dS_ij = p_ij·(keep·dout_i·v_j − D_i)·scale. Each
// gradient row is written whole by the one invocation that owns it (no atomics).

override WG: u32 = 256;

// ---- attentionDelta: stats [rows, 2] ← (lse, dout·out) per query row (aP.rows = batch·heads·tq) ----
@group(0) @binding(0) var<storage, read_write> dLse: array<f32>;
@group(0) @binding(1) var<storage, read_write> dDout: array<f32>;
@group(0) @binding(2) var<storage, read_write> dOut: array<f32>;
@group(0) @binding(3) var<storage, read_write> dStats: array<f32>;
@group(0) @binding(4) var<uniform> dP: AttnParams;

@compute @workgroup_size(WG)
fn attentionDelta(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = flatId(wid, nwg, lid, WG);
  if (r >= dP.rows) { return; }
  let bhr = headRow(r, dP.tq, dP.heads);
  let gi = rowAt(dP.out, bhr.x, bhr.y, bhr.z);
  var d = 0.0;
  for (var c = 0u; c < dP.dimV; c = c + 1u) { d = d + dDout[gi + c] * dOut[gi + c]; }
  dStats[2u * r] = dLse[r];
  dStats[2u * r + 1u] = d;
}

@group(0) @binding(0) var<storage, read_write> aQ: array<f32>;
@group(0) @binding(1) var<storage, read_write> aK: array<f32>;
@group(0) @binding(2) var<storage, read_write> aV: array<f32>;
@group(0) @binding(3) var<storage, read_write> aMask1: array<f32>;
@group(0) @binding(4) var<storage, read_write> aMask2: array<f32>;
@group(0) @binding(5) var<storage, read_write> aStats: array<f32>;
@group(0) @binding(6) var<storage, read_write> aDout: array<f32>;
@group(0) @binding(7) var<storage, read_write> aGrad: array<f32>;
@group(0) @binding(8) var<uniform> aP: AttnParams;

// (keep·p, dS) of weight (i, j) of head (b, h); zeros where the key is not seen.
fn weightGrads(b: u32, h: u32, i: u32, j: u32) -> vec2<f32> {
  let r = (b * aP.heads + h) * aP.tq + i;
  let l = aStats[2u * r];
  let s = score(b, h, i, j);
  if (s == -infF32() || l == -infF32()) { return vec2<f32>(0.0, 0.0); }
  let p = expNonPositiveF32(min(s - l, 0.0));
  let z = keep(b * aP.heads + h, i, j);
  let gi = rowAt(aP.out, b, h, i);
  let vj = rowAt(aP.v, b, h, j);
  var dp = 0.0;
  for (var c = 0u; c < aP.dimV; c = c + 1u) { dp = dp + aDout[gi + c] * aV[vj + c]; }
  return vec2<f32>(p * z, p * (dp * z - aStats[2u * r + 1u]) * aP.scale);
}

// ---- attentionBackwardQ: dq rows (q's offset and strides) (aP.rows = batch·heads·tq) ----
@compute @workgroup_size(WG)
fn attentionBackwardQ(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = flatId(wid, nwg, lid, WG);
  if (r >= aP.rows) { return; }
  let bhr = headRow(r, aP.tq, aP.heads);
  let b = bhr.x;
  let h = bhr.y;
  let i = bhr.z;
  let qi = rowAt(aP.q, b, h, i);
  for (var c = 0u; c < aP.dimQK; c = c + 1u) { aGrad[qi + c] = 0.0; }
  for (var j = 0u; j < aP.tk; j = j + 1u) {
    let ds = weightGrads(b, h, i, j).y;
    if (ds == 0.0) { continue; }
    let kj = rowAt(aP.k, b, h, j);
    for (var c = 0u; c < aP.dimQK; c = c + 1u) { aGrad[qi + c] = aGrad[qi + c] + ds * aK[kj + c]; }
  }
}

// ---- attentionBackwardKV: dk rows (flag = 0) or dv rows (flag = 1) with k's / v's offset and
// strides (aP.rows = batch·heads·tk) ----
@compute @workgroup_size(WG)
fn attentionBackwardKV(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = flatId(wid, nwg, lid, WG);
  if (r >= aP.rows) { return; }
  let bhr = headRow(r, aP.tk, aP.heads);
  let b = bhr.x;
  let h = bhr.y;
  let j = bhr.z;
  let wantV = aP.flag != 0u;
  let dim = select(aP.dimQK, aP.dimV, wantV);
  let gj = rowAt(select(aP.k, aP.v, wantV), b, h, j);
  for (var c = 0u; c < dim; c = c + 1u) { aGrad[gj + c] = 0.0; }
  for (var i = 0u; i < aP.tq; i = i + 1u) {
    let w = weightGrads(b, h, i, j);
    let f = select(w.y, w.x, wantV);
    if (f == 0.0) { continue; }
    if (wantV) {
      let gi = rowAt(aP.out, b, h, i);
      for (var c = 0u; c < dim; c = c + 1u) { aGrad[gj + c] = aGrad[gj + c] + f * aDout[gi + c]; }
    } else {
      let qi = rowAt(aP.q, b, h, i);
      for (var c = 0u; c < dim; c = c + 1u) { aGrad[gj + c] = aGrad[gj + c] + f * aQ[qi + c]; }
    }
  }
}
