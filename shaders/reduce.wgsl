// needs: abi common
// Reductions over one axis of x viewed as [outer, len, inner] (assembly/reduce.ts): sum, mean, max,
// min, argmax, argmin, and the gradient of max/min (scatter dy back to the arg index). A row
// (inner = 1) gets one workgroup that strides over it and combines partial results as a tree;
// otherwise each invocation walks one (o, i) column, reading neighbouring columns side by side.

override WG: u32 = 256;

struct ReduceParams { outer: u32, len: u32, inner: u32, op: u32 }

// NaN-propagating max/min, like torch.max / min.
fn combine(op: u32, a: f32, b: f32) -> f32 {
  if (op == Reduce_max) { return maximumF32(a, b); }
  if (op == Reduce_min) { return minimumF32(a, b); }
  return a + b;
}

// What a reduction of nothing gives: 0 for sum, NaN for mean (0/0), max and min.
fn emptyValue(op: u32) -> f32 {
  return select(nanF32(), 0.0, op == Reduce_sum);
}

fn finish(op: u32, acc: f32, len: u32) -> f32 {
  if (len == 0u) { return emptyValue(op); }
  return select(acc, acc / f32(len), op == Reduce_mean);
}

// ---- reduceRows (inner = 1): one workgroup per row of len ----
@group(0) @binding(0) var<storage, read_write> rowX: array<f32>;
@group(0) @binding(1) var<storage, read_write> rowOut: array<f32>;
@group(0) @binding(2) var<uniform> rowP: ReduceParams;

var<workgroup> partial: array<f32, 256>; // WG ≤ 256

@compute @workgroup_size(WG)
fn reduceRows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = groupId(wid, nwg);
  let len = rowP.len;
  let op = rowP.op;
  let base = row * len;
  // Every invocation starts from the row's first element (max/min) or 0 (sum), so idle ones change
  // nothing.
  var acc = 0.0;
  if (row < rowP.outer && len > 0u) {
    acc = select(0.0, rowX[base], op == Reduce_max || op == Reduce_min);
    for (var l = lid; l < len; l = l + WG) { acc = combine(op, acc, rowX[base + l]); }
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { partial[lid] = combine(op, partial[lid], partial[lid + s]); }
    workgroupBarrier();
  }
  if (lid == 0u && row < rowP.outer) { rowOut[row] = finish(op, partial[0], len); }
}

// ---- reduceColumns (inner > 1): one invocation per output (o, i) ----
@group(0) @binding(0) var<storage, read_write> colX: array<f32>;
@group(0) @binding(1) var<storage, read_write> colOut: array<f32>;
@group(0) @binding(2) var<uniform> colP: ReduceParams;

@compute @workgroup_size(WG)
fn reduceColumns(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let k = flatId(wid, nwg, lid, WG);
  let inner = colP.inner;
  if (k >= colP.outer * inner) { return; }
  let o = k / inner;
  let i = k % inner;
  let len = colP.len;
  let base = o * len * inner + i;
  if (len == 0u) {
    colOut[k] = emptyValue(colP.op);
    return;
  }
  var acc = colX[base];
  for (var l = 1u; l < len; l = l + 1u) { acc = combine(colP.op, acc, colX[base + l * inner]); }
  colOut[k] = select(acc, acc / f32(len), colP.op == Reduce_mean);
}

// ---- argReduce: int32 index of the first max (op = Reduce_max) or min along len ≥ 1; the first
// NaN counts as the extreme ----
@group(0) @binding(0) var<storage, read_write> argX: array<f32>;
@group(0) @binding(1) var<storage, read_write> argOut: array<i32>;
@group(0) @binding(2) var<uniform> argP: ReduceParams;

@compute @workgroup_size(WG)
fn argReduce(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let k = flatId(wid, nwg, lid, WG);
  let inner = argP.inner;
  if (k >= argP.outer * inner) { return; }
  let base = (k / inner) * argP.len * inner + k % inner;
  var best = argX[base];
  var bi = 0u;
  if (!isNan(best)) {
    for (var l = 1u; l < argP.len; l = l + 1u) {
      let v = argX[base + l * inner];
      if (isNan(v)) {
        bi = l;
        break;
      }
      if (select((v < best), (v > best), argP.op == Reduce_max)) {
        best = v;
        bi = l;
      }
    }
  }
  argOut[k] = i32(bi);
}

// ---- scatterAxis: dx [outer, len, inner] (zeroed first by a fill) gets dy[o, i] at
// (o, indices[o, i], i); an index outside [0, len) is reported and skipped ----
struct ScatterParams { outer: u32, len: u32, inner: u32, site: u32 }
@group(0) @binding(0) var<storage, read_write> scIndices: array<i32>;
@group(0) @binding(1) var<storage, read_write> scDy: array<f32>;
@group(0) @binding(2) var<storage, read_write> scDx: array<f32>;
@group(0) @binding(3) var<uniform> scP: ScatterParams;

@compute @workgroup_size(WG)
fn scatterAxis(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let k = flatId(wid, nwg, lid, WG);
  let inner = scP.inner;
  if (k >= scP.outer * inner) { return; }
  let l = scIndices[k];
  if (l < 0 || u32(l) >= scP.len) {
    reportBadIndex(scP.site, l, k, scP.len);
    return;
  }
  scDx[((k / inner) * scP.len + u32(l)) * inner + k % inner] = scDy[k];
}
