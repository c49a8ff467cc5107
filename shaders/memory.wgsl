// needs: common
// Memory kernels (assembly/memory.ts): fill with a bit pattern (float32 or int32 alike), gradient
// accumulation dst += alpha·src, and dtype casts. Plain copies use the encoder's copyBufferToBuffer.

override WG: u32 = 256;

// ---- fill: out [n] ← bits ----
struct FillParams { n: u32, bits: u32 }
@group(0) @binding(0) var<storage, read_write> fillOut: array<u32>;
@group(0) @binding(1) var<uniform> fillP: FillParams;

@compute @workgroup_size(WG)
fn fill(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatId(wid, nwg, lid, WG);
  if (i >= fillP.n) { return; }
  fillOut[i] = fillP.bits;
}

// ---- axpy: dst [n] += alpha·src [n] ----
struct AxpyParams { n: u32, alpha: f32 }
@group(0) @binding(0) var<storage, read_write> axpySrc: array<f32>;
@group(0) @binding(1) var<storage, read_write> axpyDst: array<f32>;
@group(0) @binding(2) var<uniform> axpyP: AxpyParams;

@compute @workgroup_size(WG)
fn axpy(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatId(wid, nwg, lid, WG);
  if (i >= axpyP.n) { return; }
  axpyDst[i] = axpyDst[i] + axpyP.alpha * axpySrc[i];
}

// ---- castF32ToI32: truncation toward zero, saturating, NaN → 0 (castF32ToI32 in memory.ts) ----
struct CastParams { n: u32 }
@group(0) @binding(0) var<storage, read_write> toIntSrc: array<f32>;
@group(0) @binding(1) var<storage, read_write> toIntDst: array<i32>;
@group(0) @binding(2) var<uniform> toIntP: CastParams;

@compute @workgroup_size(WG)
fn castF32ToI32(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatId(wid, nwg, lid, WG);
  if (i >= toIntP.n) { return; }
  let v = toIntSrc[i];
  var t = 0;
  if (isNan(v)) {
    t = 0;
  } else if (v >= 2147483648.0) {
    t = 2147483647;
  } else if (v <= -2147483648.0) {
    t = i32(-2147483647) - 1;
  } else {
    t = i32(v);
  }
  toIntDst[i] = t;
}

// ---- castI32ToF32: rounded to nearest above 2^24 ----
@group(0) @binding(0) var<storage, read_write> toFloatSrc: array<i32>;
@group(0) @binding(1) var<storage, read_write> toFloatDst: array<f32>;
@group(0) @binding(2) var<uniform> toFloatP: CastParams;

@compute @workgroup_size(WG)
fn castI32ToF32(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatId(wid, nwg, lid, WG);
  if (i >= toFloatP.n) { return; }
  toFloatDst[i] = f32(toFloatSrc[i]);
}
