// needs: common random
// Inverted dropout with the counter-based generator of assembly/dropout.ts: element i keeps its
// value when u(seed, i) ≥ p, u = the top 24 bits of splitmix64(seed + (i+1)·φ) (Steele, Lea & Flood
// 2014) over 2^24. WGSL has no 64-bit integers, so the u64 arithmetic runs on (lo, hi) u32 pairs
// and the masks equal the CPU's bit for bit (random.wgsl).

override WG: u32 = 256;

struct DropoutParams { n: u32, p: f32, scale: f32, seedLo: u32, seedHi: u32 }
@group(0) @binding(0) var<storage, read_write> dropX: array<f32>;
@group(0) @binding(1) var<storage, read_write> dropY: array<f32>;
@group(0) @binding(2) var<storage, read_write> dropMask: array<f32>;
@group(0) @binding(3) var<uniform> dropP: DropoutParams;

// x [n] → y = x·mask, mask [n] ∈ {0, scale = 1/(1−p)}
@compute @workgroup_size(WG)
fn dropoutForward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatId(wid, nwg, lid, WG);
  if (i >= dropP.n) { return; }
  let u = dropoutUniform(vec2<u32>(dropP.seedLo, dropP.seedHi), i);
  let m = select(0.0, dropP.scale, u >= dropP.p);
  dropMask[i] = m;
  dropY[i] = dropX[i] * m;
}
