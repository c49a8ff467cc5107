// needs: abi common vmath
// Elementwise kernels (assembly/elementwise.ts): unary ops and their derivatives, binary ops on equal
// shapes, against a scalar and under NumPy broadcasting. One invocation per element; the functions
// are vmath.wgsl's ports of the CPU polynomials. Outputs may alias inputs (each invocation reads its
// element before writing it), which is why every buffer is bound read_write: WebGPU refuses one
// buffer bound both read-only and writable in a dispatch, but allows it writable twice.

override WG: u32 = 256;

fn unaryValue(op: u32, x: f32, p: f32) -> f32 {
  switch op {
    case Unary_neg: { return -x; }
    case Unary_exp: { return expF32(x); }
    case Unary_log: { return logF32(x); }
    case Unary_sqrt: { return sqrt(x); }
    case Unary_tanh: { return tanhF32(x); }
    case Unary_sigmoid: { return sigmoidF32(x); }
    case Unary_relu: { return select(x, 0.0, x < 0.0); } // NaN and −0 pass through, like torch
    case Unary_gelu: { return geluF32(x); }
    case Unary_geluTanh: { return geluTanhF32(x); }
    case Unary_silu: { return x * sigmoidF32(x); }
    case Unary_pow: { return powF32(x, p); }
    case Unary_abs: { return abs(x); }
    case Unary_square: { return x * x; }
    default: { return x; }
  }
}

// dy·op'(x) given y = op(x); relu'(0) = abs'(0) = 0 as in torch, pow with p = 0 has gradient 0.
fn unaryGrad(op: u32, x: f32, y: f32, dy: f32, p: f32) -> f32 {
  switch op {
    case Unary_neg: { return -dy; }
    case Unary_exp: { return dy * y; }
    case Unary_log: { return dy / x; }
    case Unary_sqrt: { return dy * 0.5 / y; }
    case Unary_tanh: { return dy * (1.0 - y * y); }
    case Unary_sigmoid: { return dy * (y * (1.0 - y)); }
    case Unary_relu: { return select(dy, 0.0, x <= 0.0); }
    case Unary_gelu: { return dy * geluGradF32(x); }
    case Unary_geluTanh: { return dy * geluTanhGradF32(x); }
    case Unary_silu: {
      let s = sigmoidF32(x);
      return dy * (s * (1.0 + x * (1.0 - s)));
    }
    case Unary_pow: {
      if (p == 0.0) { return 0.0; }
      if (p == 1.0) { return dy; }
      if (p == 2.0) { return dy * (x * 2.0); }
      return dy * (p * powF32(x, p - 1.0));
    }
    case Unary_abs: { return dy * (select(0.0, 1.0, x > 0.0) - select(0.0, 1.0, x < 0.0)); }
    case Unary_square: { return dy * (x * 2.0); }
    default: { return dy; }
  }
}

fn binaryValue(op: u32, a: f32, b: f32) -> f32 {
  switch op {
    case Binary_add: { return a + b; }
    case Binary_sub: { return a - b; }
    case Binary_mul: { return a * b; }
    case Binary_div: { return a / b; }
    case Binary_maximum: { return maximumF32(a, b); }
    default: { return minimumF32(a, b); }
  }
}

// ---- unary: x [n] → out [n] ----
struct UnaryParams { n: u32, op: u32, p: f32 }
@group(0) @binding(0) var<storage, read_write> unaryX: array<f32>;
@group(0) @binding(1) var<storage, read_write> unaryOut: array<f32>;
@group(0) @binding(2) var<uniform> unaryP: UnaryParams;

@compute @workgroup_size(WG)
fn unary(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatId(wid, nwg, lid, WG);
  if (i >= unaryP.n) { return; }
  unaryOut[i] = unaryValue(unaryP.op, unaryX[i], unaryP.p);
}

// ---- unaryBackward: x, y, dy [n] → dx [n] ----
@group(0) @binding(0) var<storage, read_write> gradX: array<f32>;
@group(0) @binding(1) var<storage, read_write> gradY: array<f32>;
@group(0) @binding(2) var<storage, read_write> gradDy: array<f32>;
@group(0) @binding(3) var<storage, read_write> gradDx: array<f32>;
@group(0) @binding(4) var<uniform> gradP: UnaryParams;

@compute @workgroup_size(WG)
fn unaryBackward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatId(wid, nwg, lid, WG);
  if (i >= gradP.n) { return; }
  gradDx[i] = unaryGrad(gradP.op, gradX[i], gradY[i], gradDy[i], gradP.p);
}

// ---- binary: a, b [n] → out [n] ----
struct BinaryParams { n: u32, op: u32 }
@group(0) @binding(0) var<storage, read_write> binA: array<f32>;
@group(0) @binding(1) var<storage, read_write> binB: array<f32>;
@group(0) @binding(2) var<storage, read_write> binOut: array<f32>;
@group(0) @binding(3) var<uniform> binP: BinaryParams;

@compute @workgroup_size(WG)
fn binary(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatId(wid, nwg, lid, WG);
  if (i >= binP.n) { return; }
  binOut[i] = binaryValue(binP.op, binA[i], binB[i]);
}

// ---- binaryScalar: a [n], s → out [n] = a op s (s op a when scalarFirst) ----
struct ScalarParams { n: u32, op: u32, s: f32, scalarFirst: u32 }
@group(0) @binding(0) var<storage, read_write> scalarA: array<f32>;
@group(0) @binding(1) var<storage, read_write> scalarOut: array<f32>;
@group(0) @binding(2) var<uniform> scalarP: ScalarParams;

@compute @workgroup_size(WG)
fn binaryScalar(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatId(wid, nwg, lid, WG);
  if (i >= scalarP.n) { return; }
  let a = scalarA[i];
  scalarOut[i] = select(binaryValue(scalarP.op, a, scalarP.s), binaryValue(scalarP.op, scalarP.s, a), scalarP.scalarFirst != 0u);
}

// ---- binaryBroadcast: strided views a, b (stride 0 on broadcast dims) → contiguous out [shape] ----
// Up to 64 dims (the backend merges contiguous ones first), four per vec4 as uniform arrays need.
struct BroadcastParams {
  n: u32,
  op: u32,
  ndim: u32,
  shape: array<vec4<u32>, 16>,
  aStrides: array<vec4<u32>, 16>,
  bStrides: array<vec4<u32>, 16>,
}
@group(0) @binding(0) var<storage, read_write> bcA: array<f32>;
@group(0) @binding(1) var<storage, read_write> bcB: array<f32>;
@group(0) @binding(2) var<storage, read_write> bcOut: array<f32>;
@group(0) @binding(3) var<uniform> bcP: BroadcastParams;

@compute @workgroup_size(WG)
fn binaryBroadcast(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatId(wid, nwg, lid, WG);
  if (i >= bcP.n) { return; }
  var rem = i;
  var offA = 0u;
  var offB = 0u;
  for (var d = i32(bcP.ndim) - 1; d >= 0; d = d - 1) {
    let size = bcP.shape[d / 4][d % 4];
    let k = rem % size;
    rem = rem / size;
    offA = offA + k * bcP.aStrides[d / 4][d % 4];
    offB = offB + k * bcP.bStrides[d / 4][d % 4];
  }
  bcOut[i] = binaryValue(bcP.op, bcA[offA], bcB[offB]);
}
