// needs: common vmath random attentionScores
// Scaled dot-product attention (the Backend contract of assembly/attention.ts, without its tiling):
// one invocation per query row walks its keys with an online maximum for the log-sum-exp, then adds
// up softmax·keep·v, so nothing of size T×T is stored. Operands are read through (batch, head, row)
// element strides, masks through (batch, head, query, key) strides; a row that sees no key gives
// zeros and log-sum-exp −∞. Dropout uses the CPU's generator, so a seed drops the same weights on
// both devices. The backward is attentionBackward.wgsl. Correctness first: lavapipe runs on the CPU.

override WG: u32 = 256;

@group(0) @binding(0) var<storage, read_write> aQ: array<f32>;
@group(0) @binding(1) var<storage, read_write> aK: array<f32>;
@group(0) @binding(2) var<storage, read_write> aV: array<f32>;
@group(0) @binding(3) var<storage, read_write> aMask1: array<f32>;
@group(0) @binding(4) var<storage, read_write> aMask2: array<f32>;
@group(0) @binding(5) var<storage, read_write> aLse: array<f32>;
@group(0) @binding(6) var<storage, read_write> aOut: array<f32>;
@group(0) @binding(7) var<uniform> aP: AttnParams;

// ---- attentionForward: out rows (aP.rows = batch·heads·tq) ← Σ_j softmax_j·keep·v_j; lse [batch·heads·tq] when flag = 1 ----
@compute @workgroup_size(WG)
fn attentionForward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = flatId(wid, nwg, lid, WG);
  if (r >= aP.rows) { return; }
  let bhr = headRow(r, aP.tq, aP.heads);
  let b = bhr.x;
  let h = bhr.y;
  let i = bhr.z;
  let l = rowLse(b, h, i);
  if (aP.flag != 0u) { aLse[r] = l; }
  let oi = rowAt(aP.out, b, h, i);
  for (var c = 0u; c < aP.dimV; c = c + 1u) { aOut[oi + c] = 0.0; }
  if (l == -infF32()) { return; }
  for (var j = 0u; j < aP.tk; j = j + 1u) {
    let s = score(b, h, i, j);
    if (s == -infF32()) { continue; }
    let p = expNonPositiveF32(min(s - l, 0.0)) * keep(b * aP.heads + h, i, j);
    if (p == 0.0) { continue; }
    let vj = rowAt(aP.v, b, h, j);
    for (var c = 0u; c < aP.dimV; c = c + 1u) { aOut[oi + c] = aOut[oi + c] + p * aV[vj + c]; }
  }
}

// ---- attentionAppend: rows tk − tq … tk − 1 of each head of the cache (k's offset and strides,
// dimQK floats) ← the new rows (q's offset and strides): the KV cache's append, run once for keys
// and once for values before the forward reads them ----
@group(0) @binding(0) var<storage, read_write> apSrc: array<f32>;
@group(0) @binding(1) var<storage, read_write> apDst: array<f32>;
@group(0) @binding(2) var<uniform> apP: AttnParams;

@compute @workgroup_size(WG)
fn attentionAppend(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = flatId(wid, nwg, lid, WG);
  if (r >= apP.rows) { return; }
  let bhr = headRow(r, apP.tq, apP.heads);
  let b = bhr.x;
  let h = bhr.y;
  let i = bhr.z;
  let src = rowAt(apP.q, b, h, i);
  let dst = rowAt(apP.k, b, h, apP.tk - apP.tq + i);
  for (var c = 0u; c < apP.dimQK; c = c + 1u) { apDst[dst + c] = apSrc[src + c]; }
}
