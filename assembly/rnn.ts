// Recurrent layers (torch.nn.RNN / LSTM / GRU with torch's gate order and equations), one time step
// per job. The caller projects the inputs of all steps with one gemm first (gates = x·W_ihᵀ + b_ih);
// a forward step then multiplies the previous hidden state by the packed W_hhᵀ and, in the same tile,
// applies the gate nonlinearities and the state update, overwriting the projection with the gate
// activations backward needs. A backward step computes the gate gradients of every row (phase 1),
// then dh for the previous step as dG·W_hh (phase 2, after a barrier like gemm's packing). The
// weight gradients are left to gemms over the saved gate gradients of all steps (the caller's).

import { Job, Rnn } from "./abi";
import { claim, fetchAdd, jobInit, loadAcquire } from "./parallel";
import { madd, sigmoidVec, tanhVec } from "./vmath";

// The recurrent product runs a 4×8 register tile (8 f32x4 accumulators, as in matmul.ts) over the
// previous hidden state packed in 4-row panels and W_hh packed in 8-column panels. A tile of a job
// covers up to MB batch rows (its A block, MB·K floats, stays in L1/L2 while every W panel of the
// tile streams past it) and a group of 8-unit column panels of every gate, so the gates of one
// hidden unit meet in one tile and the cell update needs no second pass.
const MR = 4;
const NR = 8;
const MB = 16;

// The job record: the common header (abi.ts Job), a counter of finished phase-1 tiles on its own
// cache line, then the arguments. Byte offsets; pointers are byte addresses.
const J_DONE = Job.payload;
const J_MODE = Job.payload + 64;
const J_T = J_MODE + 4; // steps
const J_B = J_MODE + 8;
const J_H = J_MODE + 12;
const J_G = J_MODE + 16; // gates per hidden unit: 4 lstm, 3 gru, 1 rnn
const J_REVERSE = J_MODE + 20;
const J_STEP = J_MODE + 24; // the step this job runs
const J_LD_OUT = J_MODE + 28; // elements between rows of out / dOut
const J_GATES = J_MODE + 32; // [T, B, G·H]
const J_CELLS = J_MODE + 36; // [T, B, H]: lstm c_t, gru W_hn·h + b_hn
const J_OUT = J_MODE + 40; // h_t of row b at out + ((t·B + b)·ldOut + j)·4
const J_H0 = J_MODE + 44; // [B, H] (the zero block when absent)
const J_C0 = J_MODE + 48;
const J_H0_ZERO = J_MODE + 52; // 1: h0 is zero, the first recurrent product is skipped
const J_HN = J_MODE + 56; // [B, H] or 0
const J_CN = J_MODE + 60;
const J_BHH = J_MODE + 64; // [G·H] (the zero block when absent)
const J_WPACK = J_MODE + 68;
const J_SLICES = J_MODE + 72; // per-participant scratch: packed A rows, then the tile's products
const J_SLICE_BYTES = J_MODE + 76;
const J_ROW_GROUPS = J_MODE + 80;
const J_PANEL_GROUPS = J_MODE + 84;
const J_PANELS_PER_GROUP = J_MODE + 88;
const J_DOUT = J_MODE + 92; // backward: gradient of out (same layout), or 0
const J_DG = J_MODE + 96; // [T, B, G·H] gradients of the gate pre-activations (input side)
const J_DGH = J_MODE + 100; // gru: the hidden side (differs in the n gate); else = J_DG
const J_DH = J_MODE + 104; // [B, H] running dh
const J_DC = J_MODE + 108; // [B, H] running dc (lstm)
const JOB_BYTES = 320;

@inline function align64(n: i64): i64 {
  return (n + 63) & ~63;
}

@inline function gatesOf(mode: i32): i32 {
  return mode == Rnn.lstm ? 4 : mode == Rnn.gru ? 3 : 1;
}

// ---- the recurrent product ----

// out[4][8] = Apanel[k][4]ᵀ · Bpanel[k][8].
function kernel4x8(k: i32, ap: usize, bp: usize, out: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (const end = ap + (<usize>k << 4); ap < end;) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  v128.store(out, c00);
  v128.store(out, c01, 16);
  v128.store(out, c10, 32);
  v128.store(out, c11, 48);
  v128.store(out, c20, 64);
  v128.store(out, c21, 80);
  v128.store(out, c30, 96);
  v128.store(out, c31, 112);
}

// Packs `rows` rows of K floats (row stride ld elements) into 4-row panels [K][4], zero-padding the
// last panel: panel ir at dst + ir·K·16.
function packRows(src: usize, ld: i32, rows: i32, k: i32, dst: usize): void {
  const up = (rows + MR - 1) & ~(MR - 1);
  for (let row = 0; row < up; row++) {
    const o = dst + (<usize>(row >> 2) * k << 4) + (<usize>(row & 3) << 2);
    if (row < rows) {
      const s = src + (<usize>row * ld << 2);
      for (let p = 0; p < k; p++) store<f32>(o + (<usize>p << 4), load<f32>(s + (<usize>p << 2)));
    } else {
      for (let p = 0; p < k; p++) store<f32>(o + (<usize>p << 4), 0);
    }
  }
}

// ---- lanes: the cell math runs on four hidden units at once, or on one (splat) at a row's end ----

@inline function ldv(p: usize, one: bool): v128 {
  return one ? v128.load32_splat(p) : v128.load(p);
}

@inline function stv(p: usize, v: v128, one: bool): void {
  if (one) store<f32>(p, f32x4.extract_lane(v, 0));
  else v128.store(p, v);
}

@inline function ones(): v128 {
  return f32x4.splat(1.0);
}

// ---- forward cells. x: the row's gate pre-activations from the input (overwritten with the
// activations); rec: the recurrent products (gate g at rec + g·128 bytes); bias: b_hh (gate g at
// + g·gH bytes); prev: h_{t−1} (gru) or c_{t−1} (lstm); gH = H·4 bytes. ----

@inline function lstmForward(x: usize, rec: usize, bias: usize, gH: usize, cPrev: usize, cOut: usize,
  hOut: usize, hN: usize, cN: usize, one: bool): void {
  const i = sigmoidVec(f32x4.add(f32x4.add(ldv(x, one), ldv(rec, one)), ldv(bias, one)));
  const f = sigmoidVec(f32x4.add(f32x4.add(ldv(x + gH, one), ldv(rec + 128, one)), ldv(bias + gH, one)));
  const g = tanhVec(f32x4.add(f32x4.add(ldv(x + 2 * gH, one), ldv(rec + 256, one)), ldv(bias + 2 * gH, one)));
  const o = sigmoidVec(f32x4.add(f32x4.add(ldv(x + 3 * gH, one), ldv(rec + 384, one)), ldv(bias + 3 * gH, one)));
  const c = madd(f, ldv(cPrev, one), f32x4.mul(i, g));
  const h = f32x4.mul(o, tanhVec(c));
  stv(x, i, one);
  stv(x + gH, f, one);
  stv(x + 2 * gH, g, one);
  stv(x + 3 * gH, o, one);
  stv(cOut, c, one);
  stv(hOut, h, one);
  if (hN) {
    stv(hN, h, one);
    stv(cN, c, one);
  }
}

// torch's GRU: n = tanh(x_n + r ⊙ (W_hn h + b_hn)), h' = (h − n) ⊙ z + n. cOut keeps W_hn h + b_hn.
@inline function gruForward(x: usize, rec: usize, bias: usize, gH: usize, hPrev: usize, cOut: usize,
  hOut: usize, hN: usize, one: bool): void {
  const r = sigmoidVec(f32x4.add(f32x4.add(ldv(x, one), ldv(rec, one)), ldv(bias, one)));
  const z = sigmoidVec(f32x4.add(f32x4.add(ldv(x + gH, one), ldv(rec + 128, one)), ldv(bias + gH, one)));
  const hn = f32x4.add(ldv(rec + 256, one), ldv(bias + 2 * gH, one));
  const n = tanhVec(madd(r, hn, ldv(x + 2 * gH, one)));
  const h = madd(f32x4.sub(ldv(hPrev, one), n), z, n);
  stv(x, r, one);
  stv(x + gH, z, one);
  stv(x + 2 * gH, n, one);
  stv(cOut, hn, one);
  stv(hOut, h, one);
  if (hN) stv(hN, h, one);
}

@inline function rnnForward(relu: bool, x: usize, rec: usize, bias: usize, hOut: usize, hN: usize, one: bool): void {
  const a = f32x4.add(f32x4.add(ldv(x, one), ldv(rec, one)), ldv(bias, one));
  const h = relu ? v128.andnot(a, f32x4.lt(a, f32x4.splat(0))) : tanhVec(a);
  stv(hOut, h, one);
  if (hN) stv(hN, h, one);
}

// h_{t−1} (and c_{t−1}) of step t: h0 / c0 on the first step, else the neighbouring step's output.
@inline function prevStep(job: usize, t: i32): i32 {
  return load<i32>(job + J_REVERSE) ? t + 1 : t - 1;
}

@inline function isFirst(job: usize, t: i32): bool {
  return load<i32>(job + J_REVERSE) ? t == load<i32>(job + J_T) - 1 : t == 0;
}

@inline function isLast(job: usize, t: i32): bool {
  return load<i32>(job + J_REVERSE) ? t == 0 : t == load<i32>(job + J_T) - 1;
}

// The cell update of rows r0 .. r0+mb, hidden units j0 .. j0+nc of step t, from the recurrent
// products in tmp ([mb/4][G][4][8]).
function forwardCells(job: usize, t: i32, r0: i32, mb: i32, j0: i32, nc: i32, tmp: usize, hPrev: usize, ldPrev: i32,
  cPrev: usize): void {
  const mode = load<i32>(job + J_MODE);
  const B = load<i32>(job + J_B);
  const H = load<i32>(job + J_H);
  const G = load<i32>(job + J_G);
  const gH = <usize>H << 2;
  const ldOut = load<i32>(job + J_LD_OUT);
  const gates = <usize>load<u32>(job + J_GATES);
  const cells = <usize>load<u32>(job + J_CELLS);
  const out = <usize>load<u32>(job + J_OUT);
  const bias = <usize>load<u32>(job + J_BHH) + (<usize>j0 << 2);
  const last = isLast(job, t);
  const hN0 = last ? <usize>load<u32>(job + J_HN) : 0;
  const cN0 = last ? <usize>load<u32>(job + J_CN) : 0;
  for (let rr = 0; rr < mb; rr++) {
    const b = r0 + rr;
    const row = <usize>t * B + b;
    const x = gates + ((row * G * H + j0) << 2);
    const rec = tmp + (<usize>((rr >> 2) * G * 32 + (rr & 3) * 8) << 2);
    const hOut = out + ((row * ldOut + j0) << 2);
    const st = (<usize>b * H + j0) << 2; // [B, H] offset of this row's units
    const hN = hN0 ? hN0 + st : 0;
    const cN = cN0 ? cN0 + st : 0;
    const cOut = cells + ((row * H + j0) << 2);
    const hp = hPrev + ((<usize>b * ldPrev + j0) << 2);
    let c = 0;
    if (mode == Rnn.lstm) {
      const cp = cPrev + st;
      for (; c + 4 <= nc; c += 4) {
        const o = <usize>c << 2;
        lstmForward(x + o, rec + o, bias + o, gH, cp + o, cOut + o, hOut + o, hN ? hN + o : 0, cN ? cN + o : 0, false);
      }
      for (; c < nc; c++) {
        const o = <usize>c << 2;
        lstmForward(x + o, rec + o, bias + o, gH, cp + o, cOut + o, hOut + o, hN ? hN + o : 0, cN ? cN + o : 0, true);
      }
    } else if (mode == Rnn.gru) {
      for (; c + 4 <= nc; c += 4) {
        const o = <usize>c << 2;
        gruForward(x + o, rec + o, bias + o, gH, hp + o, cOut + o, hOut + o, hN ? hN + o : 0, false);
      }
      for (; c < nc; c++) {
        const o = <usize>c << 2;
        gruForward(x + o, rec + o, bias + o, gH, hp + o, cOut + o, hOut + o, hN ? hN + o : 0, true);
      }
    } else {
      const relu = mode == Rnn.rnnRelu;
      for (; c + 4 <= nc; c += 4) {
        const o = <usize>c << 2;
        rnnForward(relu, x + o, rec + o, bias + o, hOut + o, hN ? hN + o : 0, false);
      }
      for (; c < nc; c++) {
        const o = <usize>c << 2;
        rnnForward(relu, x + o, rec + o, bias + o, hOut + o, hN ? hN + o : 0, true);
      }
    }
  }
}

function forwardTile(job: usize, tile: i32, slice: usize): void {
  const t = load<i32>(job + J_STEP);
  const B = load<i32>(job + J_B);
  const H = load<i32>(job + J_H);
  const G = load<i32>(job + J_G);
  const panels = (H + NR - 1) / NR;
  const panelGroups = load<i32>(job + J_PANEL_GROUPS);
  const perGroup = load<i32>(job + J_PANELS_PER_GROUP);
  const rg = tile / panelGroups;
  const pg = tile - rg * panelGroups;
  const r0 = rg * MB;
  const mb = min(MB, B - r0);
  const mbUp = (mb + MR - 1) & ~(MR - 1);
  const p1 = min(panels, (pg + 1) * perGroup);
  const first = isFirst(job, t);
  const ldOut = load<i32>(job + J_LD_OUT);
  const prev = prevStep(job, t);
  const hPrev = first ? <usize>load<u32>(job + J_H0) : <usize>load<u32>(job + J_OUT) + (<usize>prev * B * ldOut << 2);
  const ldPrev = first ? H : ldOut;
  const cPrev = first ? <usize>load<u32>(job + J_C0) : <usize>load<u32>(job + J_CELLS) + (<usize>prev * B * H << 2);
  const zero = first && load<i32>(job + J_H0_ZERO) != 0;
  const wPack = <usize>load<u32>(job + J_WPACK);
  const aPack = slice;
  const tmp = slice + <usize>align64(<i64>MB * G * H * 4);
  if (!zero) packRows(hPrev + (<usize>r0 * ldPrev << 2), ldPrev, mb, H, aPack);
  for (let jp = pg * perGroup; jp < p1; jp++) {
    if (zero) {
      memory.fill(tmp, 0, <usize>mbUp * G * NR << 2);
    } else {
      for (let g = 0; g < G; g++) {
        const bp = wPack + (<usize>(g * panels + jp) * H * NR << 2);
        for (let ir = 0; ir < mbUp; ir += MR) {
          kernel4x8(H, aPack + (<usize>ir * H << 2), bp, tmp + (<usize>(((ir >> 2) * G + g) * 32) << 2));
        }
      }
    }
    const j0 = jp * NR;
    forwardCells(job, t, r0, mb, j0, min(NR, H - j0), tmp, hPrev, ldPrev, cPrev);
  }
}

// ---- backward cells: gate gradients of one row's units. dh: the running gradient of h_t (the
// previous step's phase 2), plus the gradient of the output at t when dOut is given. ----

@inline function lstmBackward(gate: usize, gH: usize, c: usize, cPrev: usize, dOut: usize, dh: usize, dc: usize,
  dg: usize, one: bool): void {
  const i = ldv(gate, one), f = ldv(gate + gH, one), g = ldv(gate + 2 * gH, one), o = ldv(gate + 3 * gH, one);
  let dhv = ldv(dh, one);
  if (dOut) dhv = f32x4.add(dhv, ldv(dOut, one));
  const tc = tanhVec(ldv(c, one));
  const dcv = madd(f32x4.mul(dhv, o), f32x4.sub(ones(), f32x4.mul(tc, tc)), ldv(dc, one));
  stv(dg, f32x4.mul(f32x4.mul(dcv, g), f32x4.mul(i, f32x4.sub(ones(), i))), one);
  stv(dg + gH, f32x4.mul(f32x4.mul(dcv, ldv(cPrev, one)), f32x4.mul(f, f32x4.sub(ones(), f))), one);
  stv(dg + 2 * gH, f32x4.mul(f32x4.mul(dcv, i), f32x4.sub(ones(), f32x4.mul(g, g))), one);
  stv(dg + 3 * gH, f32x4.mul(f32x4.mul(dhv, tc), f32x4.mul(o, f32x4.sub(ones(), o))), one);
  stv(dc, f32x4.mul(dcv, f), one);
}

// dGx and dGh differ only in the n gate: the hidden side of n is scaled by r.
@inline function gruBackward(gate: usize, gH: usize, hn: usize, hPrev: usize, dOut: usize, dh: usize,
  dgx: usize, dgh: usize, one: bool): void {
  const r = ldv(gate, one), z = ldv(gate + gH, one), n = ldv(gate + 2 * gH, one);
  let dhv = ldv(dh, one);
  if (dOut) dhv = f32x4.add(dhv, ldv(dOut, one));
  const dan = f32x4.mul(f32x4.mul(dhv, f32x4.sub(ones(), z)), f32x4.sub(ones(), f32x4.mul(n, n)));
  const dar = f32x4.mul(f32x4.mul(dan, ldv(hn, one)), f32x4.mul(r, f32x4.sub(ones(), r)));
  const daz = f32x4.mul(f32x4.mul(dhv, f32x4.sub(ldv(hPrev, one), n)), f32x4.mul(z, f32x4.sub(ones(), z)));
  stv(dgx, dar, one);
  stv(dgx + gH, daz, one);
  stv(dgx + 2 * gH, dan, one);
  stv(dgh, dar, one);
  stv(dgh + gH, daz, one);
  stv(dgh + 2 * gH, f32x4.mul(dan, r), one);
  stv(dh, f32x4.mul(dhv, z), one);
}

// h = tanh(a): da = dh·(1 − h²); h = relu(a): da = dh where h > 0 (torch's threshold_backward).
@inline function rnnBackward(relu: bool, h: usize, dOut: usize, dh: usize, dg: usize, one: bool): void {
  let dhv = ldv(dh, one);
  if (dOut) dhv = f32x4.add(dhv, ldv(dOut, one));
  const hv = ldv(h, one);
  const da = relu ? v128.and(dhv, f32x4.gt(hv, f32x4.splat(0))) : f32x4.mul(dhv, f32x4.sub(ones(), f32x4.mul(hv, hv)));
  stv(dg, da, one);
}

// Phase 1 of a backward step: gate gradients of rows r0 .. r0+mb, every hidden unit.
function backwardCells(job: usize, r0: i32, mb: i32): void {
  const t = load<i32>(job + J_STEP);
  const mode = load<i32>(job + J_MODE);
  const B = load<i32>(job + J_B);
  const H = load<i32>(job + J_H);
  const G = load<i32>(job + J_G);
  const gH = <usize>H << 2;
  const ldOut = load<i32>(job + J_LD_OUT);
  const first = isFirst(job, t);
  const prev = prevStep(job, t);
  const out = <usize>load<u32>(job + J_OUT);
  const cells = <usize>load<u32>(job + J_CELLS);
  const hPrev = first ? <usize>load<u32>(job + J_H0) : out + (<usize>prev * B * ldOut << 2);
  const ldPrev = first ? H : ldOut;
  const cPrev = first ? <usize>load<u32>(job + J_C0) : cells + (<usize>prev * B * H << 2);
  const gates = <usize>load<u32>(job + J_GATES);
  const dOut0 = <usize>load<u32>(job + J_DOUT);
  const dG = <usize>load<u32>(job + J_DG);
  const dGh = <usize>load<u32>(job + J_DGH);
  const dh0 = <usize>load<u32>(job + J_DH);
  const dc0 = <usize>load<u32>(job + J_DC);
  const relu = mode == Rnn.rnnRelu;
  for (let b = r0; b < r0 + mb; b++) {
    const row = <usize>t * B + b;
    const gate = gates + (row * G * H << 2);
    const dg = dG + (row * G * H << 2);
    const dgh = dGh + (row * G * H << 2);
    const dOut = dOut0 ? dOut0 + (row * ldOut << 2) : 0;
    const st = <usize>b * H << 2;
    const dh = dh0 + st;
    const dc = dc0 + st;
    const c = cells + (row * H << 2);
    const hp = hPrev + (<usize>b * ldPrev << 2);
    const h = out + (row * ldOut << 2);
    let j = 0;
    if (mode == Rnn.lstm) {
      const cp = cPrev + st;
      for (; j + 4 <= H; j += 4) {
        const o = <usize>j << 2;
        lstmBackward(gate + o, gH, c + o, cp + o, dOut ? dOut + o : 0, dh + o, dc + o, dg + o, false);
      }
      for (; j < H; j++) {
        const o = <usize>j << 2;
        lstmBackward(gate + o, gH, c + o, cp + o, dOut ? dOut + o : 0, dh + o, dc + o, dg + o, true);
      }
    } else if (mode == Rnn.gru) {
      for (; j + 4 <= H; j += 4) {
        const o = <usize>j << 2;
        gruBackward(gate + o, gH, c + o, hp + o, dOut ? dOut + o : 0, dh + o, dg + o, dgh + o, false);
      }
      for (; j < H; j++) {
        const o = <usize>j << 2;
        gruBackward(gate + o, gH, c + o, hp + o, dOut ? dOut + o : 0, dh + o, dg + o, dgh + o, true);
      }
    } else {
      for (; j + 4 <= H; j += 4) {
        const o = <usize>j << 2;
        rnnBackward(relu, h + o, dOut ? dOut + o : 0, dh + o, dg + o, false);
      }
      for (; j < H; j++) {
        const o = <usize>j << 2;
        rnnBackward(relu, h + o, dOut ? dOut + o : 0, dh + o, dg + o, true);
      }
    }
  }
}

// Phase 2 of a backward step: dh_{t−1} of rows r0 .. r0+mb, units of panels in the tile's group
// = dGh_t · W_hh, plus (gru) the dh·z phase 1 left in dh.
function backwardRecurrent(job: usize, tile: i32, slice: usize): void {
  const t = load<i32>(job + J_STEP);
  const B = load<i32>(job + J_B);
  const H = load<i32>(job + J_H);
  const G = load<i32>(job + J_G);
  const K = G * H;
  const panels = (H + NR - 1) / NR;
  const panelGroups = load<i32>(job + J_PANEL_GROUPS);
  const perGroup = load<i32>(job + J_PANELS_PER_GROUP);
  const rg = tile / panelGroups;
  const pg = tile - rg * panelGroups;
  const r0 = rg * MB;
  const mb = min(MB, B - r0);
  const mbUp = (mb + MR - 1) & ~(MR - 1);
  const p1 = min(panels, (pg + 1) * perGroup);
  const add = load<i32>(job + J_MODE) == Rnn.gru;
  const dGh = <usize>load<u32>(job + J_DGH) + ((<usize>t * B + r0) * K << 2);
  const dh = <usize>load<u32>(job + J_DH);
  const wPack = <usize>load<u32>(job + J_WPACK);
  const aPack = slice;
  const tmp = slice + <usize>align64(<i64>MB * K * 4);
  packRows(dGh, K, mb, K, aPack);
  for (let jp = pg * perGroup; jp < p1; jp++) {
    const bp = wPack + (<usize>jp * K * NR << 2);
    for (let ir = 0; ir < mbUp; ir += MR) kernel4x8(K, aPack + (<usize>ir * K << 2), bp, tmp + (<usize>ir * NR << 2));
    const j0 = jp * NR;
    const nc = min(NR, H - j0);
    for (let rr = 0; rr < mb; rr++) {
      const d = dh + ((<usize>(r0 + rr) * H + j0) << 2);
      const s = tmp + (<usize>rr * NR << 2);
      for (let c = 0; c < nc; c++) {
        const q = d + (<usize>c << 2);
        const v = load<f32>(s + (<usize>c << 2));
        store<f32>(q, add ? load<f32>(q) + v : v);
      }
    }
  }
}

// ---- tiles ----

// Claims tiles of a forward step until none remain (jobs.ts runs this for every participant).
export function rnnForwardTiles(job: usize, worker: i32): void {
  const slice = <usize>load<u32>(job + J_SLICES) + <usize>worker * <usize>load<u32>(job + J_SLICE_BYTES);
  for (;;) {
    const t = claim(job);
    if (t < 0) break;
    forwardTile(job, t, slice);
  }
}

// Backward step: phase-1 tiles (one per row group) come first in claim order; a phase-2 tile starts
// once all of them are finished, so whoever waits only waits for work already under way.
export function rnnBackwardTiles(job: usize, worker: i32): void {
  const slice = <usize>load<u32>(job + J_SLICES) + <usize>worker * <usize>load<u32>(job + J_SLICE_BYTES);
  const rowGroups = load<i32>(job + J_ROW_GROUPS);
  const B = load<i32>(job + J_B);
  for (;;) {
    const t = claim(job);
    if (t < 0) break;
    if (t < rowGroups) {
      backwardCells(job, t * MB, min(MB, B - t * MB));
      fetchAdd(job + J_DONE, 1);
    } else {
      while (loadAcquire(job + J_DONE) < rowGroups) {}
      backwardRecurrent(job, t - rowGroups, slice);
    }
  }
}

// ---- exports ----

// Bytes of scratch a layer of this shape needs with `threads` participants: job record, packed W_hh,
// a zero block (absent h0, c0 or bias) and one slice per participant; saturates at 2^31−1.
export function rnnScratchBytes(mode: i32, batch: i32, hidden: i32, threads: i32): i32 {
  const G = gatesOf(mode);
  const hUp = (hidden + NR - 1) & ~(NR - 1);
  const packed = align64(<i64>G * hidden * hUp * 4);
  const zero = align64(<i64>max(batch * hidden, G * hidden) * 4);
  const slice = align64(<i64>MB * G * hidden * 4) + align64(<i64>MB * G * NR * 4);
  const total = <i64>JOB_BYTES + packed + zero + <i64>max(threads, 1) * slice;
  return total > <i64>i32.MAX_VALUE ? i32.MAX_VALUE : <i32>total;
}

// Tiles per step: row groups of MB rows times groups of column panels; with threads, panels are
// split until there are about four tiles per thread.
function layout(job: usize, B: i32, H: i32, threads: i32): void {
  const rowGroups = (B + MB - 1) / MB;
  const panels = (H + NR - 1) / NR;
  let groups = 1;
  if (threads > 1 && rowGroups > 0) groups = min(panels, max(1, (4 * threads + rowGroups - 1) / rowGroups));
  const perGroup = (panels + groups - 1) / groups;
  store<i32>(job + J_ROW_GROUPS, rowGroups);
  store<i32>(job + J_PANEL_GROUPS, (panels + perGroup - 1) / perGroup);
  store<i32>(job + J_PANELS_PER_GROUP, perGroup);
}

function common(job: usize, mode: i32, steps: i32, batch: i32, hidden: i32, reverse: i32, h0: usize, c0: usize,
  gates: usize, cells: usize, out: usize, ldOut: i32, scratch: usize, threads: i32): usize {
  const G = gatesOf(mode);
  const hUp = (hidden + NR - 1) & ~(NR - 1);
  const wPack = scratch + JOB_BYTES;
  const zero = wPack + <usize>align64(<i64>G * hidden * hUp * 4);
  const zeroBytes = <usize>align64(<i64>max(batch * hidden, G * hidden) * 4);
  memory.fill(zero, 0, zeroBytes);
  store<i32>(job + J_MODE, mode);
  store<i32>(job + J_T, steps);
  store<i32>(job + J_B, batch);
  store<i32>(job + J_H, hidden);
  store<i32>(job + J_G, G);
  store<i32>(job + J_REVERSE, reverse);
  store<i32>(job + J_LD_OUT, ldOut);
  store<u32>(job + J_GATES, <u32>gates);
  store<u32>(job + J_CELLS, <u32>cells);
  store<u32>(job + J_OUT, <u32>out);
  store<u32>(job + J_H0, <u32>(h0 ? h0 : zero));
  store<u32>(job + J_C0, <u32>(c0 ? c0 : zero));
  store<i32>(job + J_H0_ZERO, h0 ? 0 : 1);
  store<u32>(job + J_WPACK, <u32>wPack);
  store<u32>(job + J_SLICES, <u32>(zero + zeroBytes));
  store<u32>(job + J_SLICE_BYTES, <u32>(align64(<i64>MB * G * hidden * 4) + align64(<i64>MB * G * NR * 4)));
  layout(job, batch, hidden, threads);
  return zero;
}

// Writes the forward job of one layer direction into scratch (rnnScratchBytes, 64-byte aligned) and
// packs W_hh. gates: [T, B, G·H] holding x·W_ihᵀ + b_ih, overwritten with the activations (lstm
// i,f,g,o; gru r,z,n; rnn: left as is); cells: [T, B, H] (lstm c_t, gru W_hn·h + b_hn; rnn 0);
// out: h_t of row b at out + ((t·B + b)·ldOut + j)·4; h0, c0, bHh [G·H], hN, cN may be 0 (zero /
// not wanted). Then rnnStep(job, t) before each runJob, t = 0 .. T−1 (T−1 .. 0 when reverse).
export function rnnForwardPrepare(mode: i32, steps: i32, batch: i32, hidden: i32, reverse: i32, wHh: usize, bHh: usize,
  h0: usize, c0: usize, gates: usize, cells: usize, out: usize, ldOut: i32, hN: usize, cN: usize,
  scratch: usize, threads: i32): void {
  const job = scratch;
  const zero = common(job, mode, steps, batch, hidden, reverse, h0, c0, gates, cells, out, ldOut, scratch, threads);
  store<u32>(job + J_HN, <u32>hN);
  store<u32>(job + J_CN, <u32>cN);
  store<u32>(job + J_BHH, <u32>(bHh ? bHh : zero));
  store<i32>(job + Job.kind, Rnn.forwardJob);
  store<i32>(job + Job.threads, max(threads, 1));
  // W_hhᵀ [H, G·H] in 8-column panels, per gate: panel (g, jp) holds rows k of units
  // g·H + jp·8 .. +8 (zero past H), so every gate of a hidden unit sits in the same panel index.
  const G = gatesOf(mode);
  const panels = (hidden + NR - 1) / NR;
  const wPack = <usize>load<u32>(job + J_WPACK);
  for (let g = 0; g < G; g++) {
    for (let jp = 0; jp < panels; jp++) {
      const dst = wPack + (<usize>(g * panels + jp) * hidden * NR << 2);
      for (let c = 0; c < NR; c++) {
        const j = jp * NR + c;
        const o = dst + (<usize>c << 2);
        if (j < hidden) {
          const src = wHh + (<usize>(g * hidden + j) * hidden << 2);
          for (let k = 0; k < hidden; k++) store<f32>(o + (<usize>k * NR << 2), load<f32>(src + (<usize>k << 2)));
        } else {
          for (let k = 0; k < hidden; k++) store<f32>(o + (<usize>k * NR << 2), 0);
        }
      }
    }
  }
}

// Writes the backward job of one layer direction (arguments as in rnnForwardPrepare, with the
// forward's saved gates, cells and out) and packs W_hh. dOut: gradient of out (same layout) or 0;
// dG: [T, B, G·H] receives the gate pre-activation gradients (gru: input side), dGh the hidden side
// (gru; pass dG otherwise); dh, dc: [B, H] hold dL/dh_{T} and dL/dc_{T} before the first step and
// dL/dh0, dL/dc0 after the last. Then rnnStep before each runJob, t = T−1 .. 0 (0 .. T−1 if reverse).
export function rnnBackwardPrepare(mode: i32, steps: i32, batch: i32, hidden: i32, reverse: i32, wHh: usize,
  h0: usize, c0: usize, gates: usize, cells: usize, out: usize, ldOut: i32, dOut: usize, dG: usize, dGh: usize,
  dh: usize, dc: usize, scratch: usize, threads: i32): void {
  const job = scratch;
  common(job, mode, steps, batch, hidden, reverse, h0, c0, gates, cells, out, ldOut, scratch, threads);
  store<u32>(job + J_DOUT, <u32>dOut);
  store<u32>(job + J_DG, <u32>dG);
  store<u32>(job + J_DGH, <u32>dGh);
  store<u32>(job + J_DH, <u32>dh);
  store<u32>(job + J_DC, <u32>dc);
  store<i32>(job + Job.kind, Rnn.backwardJob);
  store<i32>(job + Job.threads, max(threads, 1));
  // W_hh [G·H, H] in 8-column panels over H: panel jp holds the G·H rows of columns jp·8 .. +8.
  const G = gatesOf(mode);
  const K = G * hidden;
  const panels = (hidden + NR - 1) / NR;
  const wPack = <usize>load<u32>(job + J_WPACK);
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp * NR;
    const cols = min(NR, hidden - j0);
    const dst = wPack + (<usize>jp * K * NR << 2);
    for (let k = 0; k < K; k++) {
      const src = wHh + ((<usize>k * hidden + j0) << 2);
      const o = dst + (<usize>k * NR << 2);
      if (cols == NR) {
        v128.store(o, v128.load(src));
        v128.store(o, v128.load(src, 16), 16);
      } else {
        for (let c = 0; c < NR; c++) store<f32>(o + (<usize>c << 2), c < cols ? load<f32>(src + (<usize>c << 2)) : 0);
      }
    }
  }
}

// Resets the job at `job` (prepared above) for step t. skipDh: the backward step's phase 2 (dh of
// the previous step) is not needed (the last step when dh0 is not wanted).
export function rnnStep(job: usize, t: i32, skipDh: i32): void {
  const rowGroups = load<i32>(job + J_ROW_GROUPS);
  const compute = rowGroups * load<i32>(job + J_PANEL_GROUPS);
  store<i32>(job + J_STEP, t);
  store<i32>(job + J_DONE, 0);
  const kind = load<i32>(job + Job.kind);
  const tiles = kind == Rnn.forwardJob ? compute : rowGroups + (skipDh ? 0 : compute);
  jobInit(job, kind, load<i32>(job + Job.threads), tiles);
}
