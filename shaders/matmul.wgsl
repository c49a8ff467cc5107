// needs: common
// Batched GEMM (assembly/matmul.ts's contract): C = op(A)·op(B) (+ bias) (+ C) for each batch item,
// op = transpose where asked. Classic shared-memory tiling: a workgroup of 16×16 invocations owns a
// 64×64 block of C, stages 64×16 of A and 16×64 of B in workgroup memory per step of k, and each
// invocation keeps a 4×4 block of C in registers (rows ty + 16·r, columns tx + 16·c, so neighbouring
// invocations read neighbouring words of the tiles). 8 KiB of tiles fits every adapter's 16 KiB.

const BM: u32 = 64u;
const BN: u32 = 64u;
const BK: u32 = 16u;

struct GemmParams {
  m: u32,
  n: u32,
  k: u32,
  transA: u32,
  transB: u32,
  strideA: u32,
  strideB: u32,
  strideC: u32,
  hasBias: u32,
  accumulate: u32,
  batchBase: u32, // dispatches of more than 65535 items or row blocks are split
  rowBase: u32,
}
@group(0) @binding(0) var<storage, read_write> gemmA: array<f32>;
@group(0) @binding(1) var<storage, read_write> gemmB: array<f32>;
@group(0) @binding(2) var<storage, read_write> gemmBias: array<f32>;
@group(0) @binding(3) var<storage, read_write> gemmC: array<f32>;
@group(0) @binding(4) var<uniform> gemmP: GemmParams;

var<workgroup> tileA: array<f32, 1024>; // [BK][BM]
var<workgroup> tileB: array<f32, 1024>; // [BK][BN]

fn loadA(offA: u32, row: u32, kk: u32) -> f32 {
  if (row >= gemmP.m || kk >= gemmP.k) { return 0.0; }
  return select(gemmA[offA + row * gemmP.k + kk], gemmA[offA + kk * gemmP.m + row], gemmP.transA != 0u);
}

fn loadB(offB: u32, kk: u32, col: u32) -> f32 {
  if (kk >= gemmP.k || col >= gemmP.n) { return 0.0; }
  return select(gemmB[offB + kk * gemmP.n + col], gemmB[offB + col * gemmP.k + kk], gemmP.transB != 0u);
}

fn storeC(offC: u32, row: u32, col: u32, v: f32) {
  if (row >= gemmP.m || col >= gemmP.n) { return; }
  var s = v;
  if (gemmP.hasBias != 0u) { s = s + gemmBias[col]; }
  let at = offC + row * gemmP.n + col;
  if (gemmP.accumulate != 0u) { s = gemmC[at] + s; }
  gemmC[at] = s;
}

@compute @workgroup_size(16, 16)
fn gemm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let batch = gemmP.batchBase + wid.z;
  let row0 = (gemmP.rowBase + wid.y) * BM;
  let col0 = wid.x * BN;
  let tid = lid.y * 16u + lid.x;
  let offA = batch * gemmP.strideA;
  let offB = batch * gemmP.strideB;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var p0 = 0u; p0 < gemmP.k; p0 = p0 + BK) {
    // Four loads each per invocation, mapped so consecutive invocations read consecutive addresses
    // of the operand as stored (k fastest for A, m fastest for Aᵀ; n fastest for B, k for Bᵀ).
    for (var e = 0u; e < 4u; e = e + 1u) {
      let idx = tid + e * 256u;
      var i = idx / BK;
      var p = idx % BK;
      if (gemmP.transA != 0u) {
        i = idx % BM;
        p = idx / BM;
      }
      tileA[p * BM + i] = loadA(offA, row0 + i, p0 + p);
      var j = idx % BN;
      var q = idx / BN;
      if (gemmP.transB != 0u) {
        j = idx / BK;
        q = idx % BK;
      }
      tileB[q * BN + j] = loadB(offB, p0 + q, col0 + j);
    }
    workgroupBarrier();
    for (var p = 0u; p < BK; p = p + 1u) {
      let b = vec4<f32>(tileB[p * BN + lid.x], tileB[p * BN + lid.x + 16u], tileB[p * BN + lid.x + 32u], tileB[p * BN + lid.x + 48u]);
      acc0 = acc0 + tileA[p * BM + lid.y] * b;
      acc1 = acc1 + tileA[p * BM + lid.y + 16u] * b;
      acc2 = acc2 + tileA[p * BM + lid.y + 32u] * b;
      acc3 = acc3 + tileA[p * BM + lid.y + 48u] * b;
    }
    workgroupBarrier();
  }
  let offC = batch * gemmP.strideC;
  var accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var r = 0u; r < 4u; r = r + 1u) {
    for (var c = 0u; c < 4u; c = c + 1u) {
      storeC(offC, row0 + lid.y + 16u * r, col0 + lid.x + 16u * c, accs[r][c]);
    }
  }
}
