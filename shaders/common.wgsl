// Shared by every family: the flat index of an invocation under a 2-D grid of workgroups (one
// dimension holds at most 65535), NaN and sign tests on bits (compilers may assume x == x), and the
// status words through which kernels report an index out of range (read back with the next read).

// count of reports, then the first report: its site (the backend's table of kernels), the value,
// its position and the bound it broke.
struct Status {
  count: atomic<u32>,
  site: atomic<u32>,
  value: atomic<u32>,
  position: atomic<u32>,
  bound: atomic<u32>,
}
@group(1) @binding(0) var<storage, read_write> status: Status;

fn reportBadIndex(site: u32, value: i32, position: u32, bound: u32) {
  if (atomicAdd(&status.count, 1u) == 0u) {
    atomicStore(&status.site, site);
    atomicStore(&status.value, bitcast<u32>(value));
    atomicStore(&status.position, position);
    atomicStore(&status.bound, bound);
  }
}

fn flatId(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, wg: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * wg + lid;
}

// The flat index of a workgroup (one workgroup per row).
fn groupId(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}

fn isNan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

// NaN and ∞ from a variable's bits: as constant expressions WGSL rejects them (Tint refuses the
// shader), so they are made at run time.
fn nanF32() -> f32 {
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}

fn infF32() -> f32 {
  var bits = 0x7f800000u;
  return bitcast<f32>(bits);
}

// torch.maximum / minimum: NaN wins, and +0 > −0.
fn maximumF32(a: f32, b: f32) -> f32 {
  if (isNan(a) || isNan(b)) { return nanF32(); }
  if (a == b) { return bitcast<f32>(bitcast<u32>(a) & bitcast<u32>(b)); }
  return select(b, a, a > b);
}

fn minimumF32(a: f32, b: f32) -> f32 {
  if (isNan(a) || isNan(b)) { return nanF32(); }
  if (a == b) { return bitcast<f32>(bitcast<u32>(a) | bitcast<u32>(b)); }
  return select(b, a, a < b);
}
