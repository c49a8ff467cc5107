// needs: common
// Layout kernels over 4-byte elements (assembly/layout.ts, embedding.ts): gather a strided view into
// a contiguous buffer, scatter or accumulate into one, a tiled transpose, embedding rows gathered by
// id and their gradient scatter-added back, and torch.gather's flat offsets. Copies move bits (u32),
// so they serve float32 and int32 alike. Where several elements land on one address (overlapping
// views, repeated ids) the adds go through a compare-and-swap loop on the float's bits.

override WG: u32 = 256;

// Shapes and strides of up to 64 dims (the backend merges contiguous ones first).
struct StridedParams {
  n: u32,
  ndim: u32,
  offset: i32,
  mode: u32, // stridedScatter: 0 copy, 1 add
  shape: array<vec4<u32>, 16>,
  strides: array<vec4<i32>, 16>,
}

// ---- stridedCopy: out [n] ← the view of x ----
@group(0) @binding(0) var<storage, read_write> copyX: array<u32>;
@group(0) @binding(1) var<storage, read_write> copyOut: array<u32>;
@group(0) @binding(2) var<uniform> copyP: StridedParams;

@compute @workgroup_size(WG)
fn stridedCopy(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let k = flatId(wid, nwg, lid, WG);
  if (k >= copyP.n) { return; }
  var rem = k;
  var at = copyP.offset;
  for (var d = i32(copyP.ndim) - 1; d >= 0; d = d - 1) {
    let size = copyP.shape[d / 4][d % 4];
    at = at + i32(rem % size) * copyP.strides[d / 4][d % 4];
    rem = rem / size;
  }
  copyOut[k] = copyX[u32(at)];
}

// ---- stridedScatter: the view of dst ← src [n] (mode 0, bits) or += src (mode 1, float32), for
// views whose elements are distinct addresses ----
@group(0) @binding(0) var<storage, read_write> scatterSrc: array<u32>;
@group(0) @binding(1) var<storage, read_write> scatterDst: array<u32>;
@group(0) @binding(2) var<uniform> scatterP: StridedParams;

@compute @workgroup_size(WG)
fn stridedScatter(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let k = flatId(wid, nwg, lid, WG);
  if (k >= scatterP.n) { return; }
  var rem = k;
  var at = scatterP.offset;
  for (var d = i32(scatterP.ndim) - 1; d >= 0; d = d - 1) {
    let size = scatterP.shape[d / 4][d % 4];
    at = at + i32(rem % size) * scatterP.strides[d / 4][d % 4];
    rem = rem / size;
  }
  let to = u32(at);
  if (scatterP.mode == 0u) {
    scatterDst[to] = scatterSrc[k];
  } else {
    scatterDst[to] = bitcast<u32>(bitcast<f32>(scatterDst[to]) + bitcast<f32>(scatterSrc[k]));
  }
}

// ---- stridedScatterInOrder: one invocation writes every element in order, so where a view
// overlaps itself the last write wins, as on the CPU (a rare case: no op makes such a view) ----
@group(0) @binding(0) var<storage, read_write> orderSrc: array<u32>;
@group(0) @binding(1) var<storage, read_write> orderDst: array<u32>;
@group(0) @binding(2) var<uniform> orderP: StridedParams;

@compute @workgroup_size(1)
fn stridedScatterInOrder() {
  for (var k = 0u; k < orderP.n; k = k + 1u) {
    var rem = k;
    var at = orderP.offset;
    for (var d = i32(orderP.ndim) - 1; d >= 0; d = d - 1) {
      let size = orderP.shape[d / 4][d % 4];
      at = at + i32(rem % size) * orderP.strides[d / 4][d % 4];
      rem = rem / size;
    }
    orderDst[u32(at)] = orderSrc[k];
  }
}

// ---- stridedScatterAdd: the view of dst += src [n] where elements of the view may share an
// address (overlapping windows: im2col's gradient) ----
@group(0) @binding(0) var<storage, read_write> addSrc: array<f32>;
@group(0) @binding(1) var<storage, read_write> addDst: array<atomic<u32>>;
@group(0) @binding(2) var<uniform> addP: StridedParams;

@compute @workgroup_size(WG)
fn stridedScatterAdd(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let k = flatId(wid, nwg, lid, WG);
  if (k >= addP.n) { return; }
  var rem = k;
  var at = addP.offset;
  for (var d = i32(addP.ndim) - 1; d >= 0; d = d - 1) {
    let size = addP.shape[d / 4][d % 4];
    at = at + i32(rem % size) * addP.strides[d / 4][d % 4];
    rem = rem / size;
  }
  let to = u32(at);
  let v = addSrc[k];
  // a float32 add on the word's bits, retried until no other invocation changed it meanwhile
  var old = atomicLoad(&addDst[to]);
  loop {
    let r = atomicCompareExchangeWeak(&addDst[to], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}

// ---- transpose2d: out [cols, rows] ← x [rows, cols], through a 16×16 tile in workgroup memory
// so that both the reads and the writes are row-contiguous ----
struct TransposeParams { rows: u32, cols: u32 }
@group(0) @binding(0) var<storage, read_write> trX: array<u32>;
@group(0) @binding(1) var<storage, read_write> trOut: array<u32>;
@group(0) @binding(2) var<uniform> trP: TransposeParams;

var<workgroup> tile: array<array<u32, 17>, 16>; // 17: no bank conflicts on the column reads

@compute @workgroup_size(16, 16)
fn transpose2d(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = wid.y * 16u + lid.y;
  let c = wid.x * 16u + lid.x;
  if (r < trP.rows && c < trP.cols) { tile[lid.y][lid.x] = trX[r * trP.cols + c]; }
  workgroupBarrier();
  let outRow = wid.x * 16u + lid.y; // a column of x
  let outCol = wid.y * 16u + lid.x; // a row of x
  if (outRow < trP.cols && outCol < trP.rows) { trOut[outRow * trP.rows + outCol] = tile[lid.x][lid.y]; }
}

// ---- gatherRows: out [nIds, dim] ← rows of weight [rows, dim] by int32 ids; an id outside
// [0, rows) is reported and gives a row of zeros ----
struct RowsParams { nIds: u32, dim: u32, rows: u32, site: u32 }
@group(0) @binding(0) var<storage, read_write> gatherWeight: array<u32>;
@group(0) @binding(1) var<storage, read_write> gatherIds: array<i32>;
@group(0) @binding(2) var<storage, read_write> gatherOut: array<u32>;
@group(0) @binding(3) var<uniform> gatherP: RowsParams;

@compute @workgroup_size(WG)
fn gatherRows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let k = flatId(wid, nwg, lid, WG);
  let dim = gatherP.dim;
  if (k >= gatherP.nIds * dim) { return; }
  let r = k / dim;
  let id = gatherIds[r];
  if (id < 0 || u32(id) >= gatherP.rows) {
    if (k % dim == 0u) { reportBadIndex(gatherP.site, id, r, gatherP.rows); }
    gatherOut[k] = 0u;
    return;
  }
  gatherOut[k] = gatherWeight[u32(id) * dim + k % dim];
}

// ---- scatterAddRows: dWeight rows += dOut [nIds, dim] rows by id (repeats add up) ----
@group(0) @binding(0) var<storage, read_write> saDOut: array<f32>;
@group(0) @binding(1) var<storage, read_write> saIds: array<i32>;
@group(0) @binding(2) var<storage, read_write> saDWeight: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> saP: RowsParams;

@compute @workgroup_size(WG)
fn scatterAddRows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let k = flatId(wid, nwg, lid, WG);
  let dim = saP.dim;
  if (k >= saP.nIds * dim) { return; }
  let r = k / dim;
  let id = saIds[r];
  if (id < 0 || u32(id) >= saP.rows) {
    if (k % dim == 0u) { reportBadIndex(saP.site, id, r, saP.rows); }
    return;
  }
  let to = u32(id) * dim + k % dim;
  let v = saDOut[k];
  // a float32 add on the word's bits, retried until no other invocation changed it meanwhile
  var old = atomicLoad(&saDWeight[to]);
  loop {
    let r = atomicCompareExchangeWeak(&saDWeight[to], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}

// ---- alongDimOffsets: offsets [shape] = flat offset into x (strides xStrides) of each element of
// idx read along `dim` (torch.gather's addressing); bound > 0 checks idx values against it ----
struct OffsetsParams {
  n: u32,
  ndim: u32,
  dim: u32,
  bound: u32,
  site: u32,
  shape: array<vec4<u32>, 16>,
  xStrides: array<vec4<i32>, 16>,
}
@group(0) @binding(0) var<storage, read_write> offIdx: array<i32>;
@group(0) @binding(1) var<storage, read_write> offOut: array<i32>;
@group(0) @binding(2) var<uniform> offP: OffsetsParams;

@compute @workgroup_size(WG)
fn alongDimOffsets(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let k = flatId(wid, nwg, lid, WG);
  if (k >= offP.n) { return; }
  if (offP.ndim == 0u) {
    offOut[k] = 0; // a 0-d x has one element; its only valid index is 0
    return;
  }
  var v = offIdx[k];
  if (offP.bound > 0u && (v < 0 || u32(v) >= offP.bound)) {
    reportBadIndex(offP.site, v, k, offP.bound);
    v = 0;
  }
  var rem = k;
  var at = 0;
  for (var d = i32(offP.ndim) - 1; d >= 0; d = d - 1) {
    let size = offP.shape[d / 4][d % 4];
    let i = i32(rem % size);
    rem = rem / size;
    at = at + select(i, v, u32(d) == offP.dim) * offP.xStrides[d / 4][d % 4];
  }
  offOut[k] = at;
}
