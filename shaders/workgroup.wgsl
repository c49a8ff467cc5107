// Tree reductions across one workgroup of WG invocations (WG a power of two, at most 256), for the
// families that give each row its own workgroup. Every invocation must call them (they hold
// barriers); each returns the combined value to all.

var<workgroup> partial: array<f32, 256>;

fn workgroupSum(v: f32, lid: u32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { partial[lid] = partial[lid] + partial[lid + s]; }
    workgroupBarrier();
  }
  let r = partial[0];
  workgroupBarrier();
  return r;
}

// The maximum ignoring NaN (a NaN in a softmax row still makes it NaN through its exponential).
fn workgroupMax(v: f32, lid: u32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      let o = partial[lid + s];
      if (partial[lid] < o) { partial[lid] = o; }
    }
    workgroupBarrier();
  }
  let r = partial[0];
  workgroupBarrier();
  return r;
}
