// Shared by attention.wgsl and attentionBackward.wgsl (each declares aQ, aK, aMask1, aMask2 and
// the uniform aP): the parameters of one attention call, the masked score of a (query, key) pair,
// the dropout multiplier and a query row's log-sum-exp.

// An operand's element offset and its batch, head and row strides; a mask's offset, kind (AttnMask
// codes: 1 add, 2 keepNonzero, 3 dropNonzero) and its four strides. rows: the invocations' rows;
// flag: the kernel's switch (forward: write lse; backward KV: dv instead of dk).
struct AttnParams {
  batch: u32, heads: u32, tq: u32, tk: u32,
  dimQK: u32, dimV: u32, causal: u32, causalOffset: u32,
  scale: f32, dropout: f32, dropScale: f32, seedLo: u32,
  seedHi: u32, nMasks: u32, flag: u32, rows: u32,
  q: vec4<u32>, k: vec4<u32>, v: vec4<u32>, out: vec4<u32>,
  mask1: vec4<u32>, mask1Strides: vec4<u32>,
  mask2: vec4<u32>, mask2Strides: vec4<u32>,
}

// Invocation row r of rows of `n` per (batch, head) → (b, h, row within the head).
fn headRow(r: u32, n: u32, heads: u32) -> vec3<u32> {
  let t = r / n;
  return vec3<u32>(t / heads, t % heads, r % n);
}

fn rowAt(o: vec4<u32>, b: u32, h: u32, row: u32) -> u32 {
  return o.x + b * o.y + h * o.z + row * o.w;
}

fn maskTerm(kind: u32, x: f32) -> f32 {
  if (kind == 1u) { return x; }
  let nonzero = bitcast<i32>(x) != 0;
  return select(0.0, -infF32(), nonzero != (kind == 2u));
}

// The score of (b, h, i, j) with masks and the causal cut, −∞ where the key is not seen.
fn score(b: u32, h: u32, i: u32, j: u32) -> f32 {
  if (aP.causal != 0u && j > i + aP.causalOffset) { return -infF32(); }
  var m = 0.0;
  if (aP.nMasks > 0u) {
    let s = aP.mask1Strides;
    m = m + maskTerm(aP.mask1.y, aMask1[aP.mask1.x + b * s.x + h * s.y + i * s.z + j * s.w]);
  }
  if (aP.nMasks > 1u) {
    let s = aP.mask2Strides;
    m = m + maskTerm(aP.mask2.y, aMask2[aP.mask2.x + b * s.x + h * s.y + i * s.z + j * s.w]);
  }
  if (isNan(m) || m == -infF32()) { return -infF32(); } // −∞ + ∞ from two masks: masked
  let qi = rowAt(aP.q, b, h, i);
  let kj = rowAt(aP.k, b, h, j);
  var d = 0.0;
  for (var c = 0u; c < aP.dimQK; c = c + 1u) { d = d + aQ[qi + c] * aK[kj + c]; }
  return d * aP.scale + m;
}

// The dropout multiplier of weight (t = b·heads + h, i, j): 0 or 1/(1−p).
fn keep(t: u32, i: u32, j: u32) -> f32 {
  if (aP.dropout == 0.0) { return 1.0; }
  let u = dropoutUniform(vec2<u32>(aP.seedLo, aP.seedHi), (t * aP.tq + i) * aP.tk + j);
  return select(0.0, aP.dropScale, u >= aP.dropout);
}

// The log-sum-exp of query row i's scores (−∞ when it sees no key), by an online maximum.
fn rowLse(b: u32, h: u32, i: u32) -> f32 {
  var m = -infF32();
  var z = 0.0;
  for (var j = 0u; j < aP.tk; j = j + 1u) {
    let s = score(b, h, i, j);
    if (s == -infF32()) { continue; }
    if (s > m) {
      z = z * expNonPositiveF32(m - s) + 1.0;
      m = s;
    } else {
      z = z + expNonPositiveF32(s - m);
    }
  }
  if (m == -infF32()) { return m; }
  return m + logF32(z);
}

