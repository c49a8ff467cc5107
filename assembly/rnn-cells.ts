// The cell equations of torch.nn.LSTM, GRU and RNN (tanh / relu) and their gradients, on four
// hidden units at once (f32x4) or on one (a splat, for a row's last units), for rnn.ts's forward and
// backward steps. Each function reads and writes one row's units through byte pointers; the
// pointer layouts are described where rnn.ts calls them.

import { madd, sigmoidFastVec, tanhFastVec } from "./vmath";

// Lanes at p: four consecutive floats, or (one) the float at p splatted.
@inline export function ldv(p: usize, one: bool): v128 {
  return one ? v128.load32_splat(p) : v128.load(p);
}

@inline export function stv(p: usize, v: v128, one: bool): void {
  if (one) store<f32>(p, f32x4.extract_lane(v, 0));
  else v128.store(p, v);
}

// Stores the lanes of v (four units from j, or one) into a 4-row panel layout [K][4] at row r.
// The other lanes' stores are 16 bytes apart (consecutive columns of the panel).
@inline export function stPacked(p: usize, v: v128, one: bool): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (!one) {
    store<f32>(p, f32x4.extract_lane(v, 1), 16);
    store<f32>(p, f32x4.extract_lane(v, 2), 32);
    store<f32>(p, f32x4.extract_lane(v, 3), 48);
  }
}

@inline function ones(): v128 {
  return f32x4.splat(1.0);
}


// ---- forward cells. x: the row's gate pre-activations from the input (overwritten with the
// activations); rec: the recurrent products (gate g at rec + g·128 bytes); bias: b_hh (gate g at
// + g·gH bytes, gH = H·4); prev: c_{t−1} (lstm) or h_{t−1} (gru); hPack: h's place in the next
// step's packed A (0: not needed). ----

@inline export function lstmForward(x: usize, rec: usize, bias: usize, gH: usize, cPrev: usize, cOut: usize,
  hOut: usize, hPack: usize, hN: usize, cN: usize, one: bool): void {
  const i = sigmoidFastVec(f32x4.add(f32x4.add(ldv(x, one), ldv(rec, one)), ldv(bias, one)));
  const f = sigmoidFastVec(f32x4.add(f32x4.add(ldv(x + gH, one), ldv(rec + 128, one)), ldv(bias + gH, one)));
  const g = tanhFastVec(f32x4.add(f32x4.add(ldv(x + 2 * gH, one), ldv(rec + 256, one)), ldv(bias + 2 * gH, one)));
  const o = sigmoidFastVec(f32x4.add(f32x4.add(ldv(x + 3 * gH, one), ldv(rec + 384, one)), ldv(bias + 3 * gH, one)));
  const c = madd(f, ldv(cPrev, one), f32x4.mul(i, g));
  const h = f32x4.mul(o, tanhFastVec(c));
  stv(x, i, one);
  stv(x + gH, f, one);
  stv(x + 2 * gH, g, one);
  stv(x + 3 * gH, o, one);
  stv(cOut, c, one);
  stv(hOut, h, one);
  if (hPack) stPacked(hPack, h, one);
  if (hN) {
    stv(hN, h, one);
    stv(cN, c, one);
  }
}

// torch's GRU: n = tanh(x_n + r ⊙ (W_hn h + b_hn)), h' = (h − n) ⊙ z + n. cOut keeps W_hn h + b_hn.
@inline export function gruForward(x: usize, rec: usize, bias: usize, gH: usize, hPrev: usize, cOut: usize,
  hOut: usize, hPack: usize, hN: usize, one: bool): void {
  const r = sigmoidFastVec(f32x4.add(f32x4.add(ldv(x, one), ldv(rec, one)), ldv(bias, one)));
  const z = sigmoidFastVec(f32x4.add(f32x4.add(ldv(x + gH, one), ldv(rec + 128, one)), ldv(bias + gH, one)));
  const hn = f32x4.add(ldv(rec + 256, one), ldv(bias + 2 * gH, one));
  const n = tanhFastVec(madd(r, hn, ldv(x + 2 * gH, one)));
  const h = madd(f32x4.sub(ldv(hPrev, one), n), z, n);
  stv(x, r, one);
  stv(x + gH, z, one);
  stv(x + 2 * gH, n, one);
  stv(cOut, hn, one);
  stv(hOut, h, one);
  if (hPack) stPacked(hPack, h, one);
  if (hN) stv(hN, h, one);
}

@inline export function rnnForward(relu: bool, x: usize, rec: usize, bias: usize, hOut: usize, hPack: usize, hN: usize,
  one: bool): void {
  const a = f32x4.add(f32x4.add(ldv(x, one), ldv(rec, one)), ldv(bias, one));
  const h = relu ? v128.andnot(a, f32x4.lt(a, f32x4.splat(0))) : tanhFastVec(a);
  stv(hOut, h, one);
  if (hPack) stPacked(hPack, h, one);
  if (hN) stv(hN, h, one);
}


// ---- backward cells: gate gradients of one row's units. dh: the running gradient of h_t (and dc
// of c_t) from the later step, dOut the gradient of the output at t or 0; gate: the saved
// activations (gate g at + g·gH bytes); dg: the pre-activation gradients written; pk: the units'
// place in the packed dG of this step (gate g at pk + g·gP). ----

@inline export function lstmBackward(gate: usize, gH: usize, c: usize, cPrev: usize, dOut: usize, dh: usize, dc: usize,
  dg: usize, pk: usize, gP: usize, one: bool): void {
  const i = ldv(gate, one), f = ldv(gate + gH, one), g = ldv(gate + 2 * gH, one), o = ldv(gate + 3 * gH, one);
  let dhv = ldv(dh, one);
  if (dOut) dhv = f32x4.add(dhv, ldv(dOut, one));
  const tc = tanhFastVec(ldv(c, one));
  const dcv = madd(f32x4.mul(dhv, o), f32x4.sub(ones(), f32x4.mul(tc, tc)), ldv(dc, one));
  const di = f32x4.mul(f32x4.mul(dcv, g), f32x4.mul(i, f32x4.sub(ones(), i)));
  const df = f32x4.mul(f32x4.mul(dcv, ldv(cPrev, one)), f32x4.mul(f, f32x4.sub(ones(), f)));
  const dgg = f32x4.mul(f32x4.mul(dcv, i), f32x4.sub(ones(), f32x4.mul(g, g)));
  const do_ = f32x4.mul(f32x4.mul(dhv, tc), f32x4.mul(o, f32x4.sub(ones(), o)));
  stv(dg, di, one);
  stv(dg + gH, df, one);
  stv(dg + 2 * gH, dgg, one);
  stv(dg + 3 * gH, do_, one);
  stPacked(pk, di, one);
  stPacked(pk + gP, df, one);
  stPacked(pk + 2 * gP, dgg, one);
  stPacked(pk + 3 * gP, do_, one);
  stv(dc, f32x4.mul(dcv, f), one);
}

// dGx and dGh differ only in the n gate: the hidden side of n is scaled by r.
@inline export function gruBackward(gate: usize, gH: usize, hn: usize, hPrev: usize, dOut: usize, dh: usize,
  dgx: usize, dgh: usize, pk: usize, gP: usize, one: bool): void {
  const r = ldv(gate, one), z = ldv(gate + gH, one), n = ldv(gate + 2 * gH, one);
  let dhv = ldv(dh, one);
  if (dOut) dhv = f32x4.add(dhv, ldv(dOut, one));
  const dan = f32x4.mul(f32x4.mul(dhv, f32x4.sub(ones(), z)), f32x4.sub(ones(), f32x4.mul(n, n)));
  const dar = f32x4.mul(f32x4.mul(dan, ldv(hn, one)), f32x4.mul(r, f32x4.sub(ones(), r)));
  const daz = f32x4.mul(f32x4.mul(dhv, f32x4.sub(ldv(hPrev, one), n)), f32x4.mul(z, f32x4.sub(ones(), z)));
  const dhn = f32x4.mul(dan, r);
  stv(dgx, dar, one);
  stv(dgx + gH, daz, one);
  stv(dgx + 2 * gH, dan, one);
  stv(dgh, dar, one);
  stv(dgh + gH, daz, one);
  stv(dgh + 2 * gH, dhn, one);
  stPacked(pk, dar, one);
  stPacked(pk + gP, daz, one);
  stPacked(pk + 2 * gP, dhn, one);
  stv(dh, f32x4.mul(dhv, z), one);
}

// h = tanh(a): da = dh·(1 − h²); h = relu(a): da = dh where h > 0 (torch's threshold_backward).
@inline export function rnnBackward(relu: bool, h: usize, dOut: usize, dh: usize, dg: usize, pk: usize, one: bool): void {
  let dhv = ldv(dh, one);
  if (dOut) dhv = f32x4.add(dhv, ldv(dOut, one));
  const hv = ldv(h, one);
  const da = relu ? v128.and(dhv, f32x4.gt(hv, f32x4.splat(0))) : f32x4.mul(dhv, f32x4.sub(ones(), f32x4.mul(hv, hv)));
  stv(dg, da, one);
  stPacked(pk, da, one);
}
