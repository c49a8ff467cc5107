// Recurrent layers (torch.nn.RNN / LSTM / GRU with torch's gate order and equations), one time step
// per job. The caller projects the inputs of all steps with one gemm first (gates = x·W_ihᵀ + b_ih);
// a forward step then multiplies the previous hidden state by the packed W_hhᵀ and, in the same tile,
// applies the gate nonlinearities and the state update, overwriting the projection with the gate
// activations backward needs. A backward step computes the gate gradients of every row (phase 1),
// then dh for the previous step as dG·W_hh (phase 2, after a barrier like gemm's packing). The
// weight gradients are left to gemms over the saved gate gradients of all steps (the caller's).

import { Job, Rnn } from "./abi";
import { claim, fetchAdd, jobInit, loadAcquire } from "./parallel";
import { gruBackward, gruForward, lstmBackward, lstmForward, rnnBackward, rnnForward } from "./rnn-cells";
import { madd } from "./vmath";

// The recurrent product runs a 4×8 register tile (8 f32x4 accumulators, as in matmul.ts) over the
// previous hidden state packed in 4-row panels and W_hh packed in 8-column panels, in the GotoBLAS
// arrangement: a tile covers up to MB batch rows and a group of 8-unit column panels of every gate;
// for each KC-deep chunk of K, the rows' packed chunk sits in L1 while the W panels stream past it,
// and W_hh streams from memory once per step when the batch fits one row group. The gates of one
// hidden unit meet in one tile, so the cell update follows without a second pass. The A operand is
// packed once per step by whoever produces it: the forward cell update writes h_t packed for the
// next step, the backward phase 1 writes dG_t packed. Packed layout (K = H forward, G·H backward,
// cut per gate into chunks of at most KC): chunk (g, k0) starts at float (g·H + k0)·Bup (Bup = B
// rounded up to 4), and holds for each 4-row panel kc columns of 4 floats.
const MR = 4;
const NR = 8;
const MB = 64;
// KC as in matmul.ts: a row group's packed chunk (MB·KC·4 = 32 KiB) stays in L1 while every W panel
// of the tile streams past it; the products of the tile accumulate in the participant's slice.
const KC = 128;
// Rows per backward phase-1 tile (elementwise: small tiles balance threads).
const P1 = 16;

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
const J_SLICES = J_MODE + 72; // per-participant scratch: the products of its current tile
const J_SLICE_BYTES = J_MODE + 76;
const J_ROW_GROUPS = J_MODE + 80;
const J_PANEL_GROUPS = J_MODE + 84;
const J_PANELS_PER_GROUP = J_MODE + 88;
const J_DOUT = J_MODE + 92; // backward: gradient of out (same layout), or 0
const J_DG = J_MODE + 96; // [T, B, G·H] gradients of the gate pre-activations (input side)
const J_DGH = J_MODE + 100; // gru: the hidden side (differs in the n gate); else = J_DG
const J_DH = J_MODE + 104; // [B, H] running dh
const J_DC = J_MODE + 108; // [B, H] running dc (lstm)
const J_APACK = J_MODE + 112; // packed A: forward h of steps with t even / odd; backward dGh_t
const J_APACK_BYTES = J_MODE + 116; // bytes of one forward buffer (the second follows it)
const J_P1_TILES = J_MODE + 120;
const JOB_BYTES = 320;

@inline function align64(n: i64): i64 {
  return (n + 63) & ~63;
}

@inline function gatesOf(mode: i32): i32 {
  return mode == Rnn.lstm ? 4 : mode == Rnn.gru ? 3 : 1;
}

// ---- the recurrent product ----

// out[4][8] (+)= Apanel[k][4]ᵀ · Bpanel[k][8].
function kernel4x8(k: i32, ap: usize, bp: usize, out: usize, add: bool): void {
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
  if (add) {
    c00 = f32x4.add(c00, v128.load(out));
    c01 = f32x4.add(c01, v128.load(out, 16));
    c10 = f32x4.add(c10, v128.load(out, 32));
    c11 = f32x4.add(c11, v128.load(out, 48));
    c20 = f32x4.add(c20, v128.load(out, 64));
    c21 = f32x4.add(c21, v128.load(out, 80));
    c30 = f32x4.add(c30, v128.load(out, 96));
    c31 = f32x4.add(c31, v128.load(out, 112));
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

// ---- the packed A operand ----

// Byte offset of row b, column k0 + c in packed chunk (g, k0) (see the layout above).
@inline function packedAt(H: i32, bUp: i32, g: i32, k0: i32, b: i32, c: i32): usize {
  const kc = min(KC, H - k0);
  return (<usize>(g * H + k0) * bUp + <usize>((b >> 2) * kc + c) * 4 + <usize>(b & 3)) << 2;
}

@inline function bUpOf(job: usize): i32 {
  return (load<i32>(job + J_B) + MR - 1) & ~(MR - 1);
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

// The packed A buffer holding h of step t (forward: two buffers alternate by the step's parity).
@inline function hPackOf(job: usize, t: i32): usize {
  return <usize>load<u32>(job + J_APACK) + <usize>(t & 1) * <usize>load<u32>(job + J_APACK_BYTES);
}

// ---- forward steps ----

// The cell update of rows r0 .. r0+mb, hidden units j0 .. j0+nc of step t, from the recurrent
// products in tmp ([mb/4][G][4][8]).
function forwardCells(job: usize, t: i32, r0: i32, mb: i32, j0: i32, nc: i32, tmp: usize, hPrev: usize, ldPrev: i32,
  cPrev: usize, hPackNext: usize): void {
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
  const bUp = bUpOf(job);
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
    const k0 = j0 & ~(KC - 1);
    const pk = hPackNext ? hPackNext + packedAt(H, bUp, 0, k0, b, j0 - k0) : 0;
    let c = 0;
    if (mode == Rnn.lstm) {
      const cp = cPrev + st;
      for (; c + 4 <= nc; c += 4) {
        const o = <usize>c << 2;
        lstmForward(x + o, rec + o, bias + o, gH, cp + o, cOut + o, hOut + o, pk ? pk + (o << 2) : 0,
          hN ? hN + o : 0, cN ? cN + o : 0, false);
      }
      for (; c < nc; c++) {
        const o = <usize>c << 2;
        lstmForward(x + o, rec + o, bias + o, gH, cp + o, cOut + o, hOut + o, pk ? pk + (o << 2) : 0,
          hN ? hN + o : 0, cN ? cN + o : 0, true);
      }
    } else if (mode == Rnn.gru) {
      for (; c + 4 <= nc; c += 4) {
        const o = <usize>c << 2;
        gruForward(x + o, rec + o, bias + o, gH, hp + o, cOut + o, hOut + o, pk ? pk + (o << 2) : 0, hN ? hN + o : 0, false);
      }
      for (; c < nc; c++) {
        const o = <usize>c << 2;
        gruForward(x + o, rec + o, bias + o, gH, hp + o, cOut + o, hOut + o, pk ? pk + (o << 2) : 0, hN ? hN + o : 0, true);
      }
    } else {
      const relu = mode == Rnn.rnnRelu;
      for (; c + 4 <= nc; c += 4) {
        const o = <usize>c << 2;
        rnnForward(relu, x + o, rec + o, bias + o, hOut + o, pk ? pk + (o << 2) : 0, hN ? hN + o : 0, false);
      }
      for (; c < nc; c++) {
        const o = <usize>c << 2;
        rnnForward(relu, x + o, rec + o, bias + o, hOut + o, pk ? pk + (o << 2) : 0, hN ? hN + o : 0, true);
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
  const aPack = hPackOf(job, prev);
  const hPackNext: usize = isLast(job, t) ? 0 : hPackOf(job, t);
  const wPack = <usize>load<u32>(job + J_WPACK);
  const bUp = bUpOf(job);
  const p0 = pg * perGroup;
  // The tile's products: panel jp − p0 at tmp + (jp − p0)·(mbUp/4)·G·128 bytes, [mbUp/4][G][4][8].
  const tmp = slice;
  const panelBytes = <usize>(mbUp >> 2) * G * 128;
  if (zero) {
    memory.fill(tmp, 0, <usize>(p1 - p0) * panelBytes);
  } else {
    for (let k0 = 0; k0 < H; k0 += KC) {
      const kc = min(KC, H - k0);
      const a = aPack + packedAt(H, bUp, 0, k0, r0, 0);
      for (let jp = p0; jp < p1; jp++) {
        const out = tmp + <usize>(jp - p0) * panelBytes;
        for (let g = 0; g < G; g++) {
          const bp = wPack + ((<usize>(g * panels + jp) * H + k0) * NR << 2);
          for (let ir = 0; ir < mbUp; ir += MR) {
            kernel4x8(kc, a + (<usize>ir * kc << 2), bp, out + (<usize>(((ir >> 2) * G + g) * 32) << 2), k0 > 0);
          }
        }
      }
    }
  }
  for (let jp = p0; jp < p1; jp++) {
    const j0 = jp * NR;
    forwardCells(job, t, r0, mb, j0, min(NR, H - j0), tmp + <usize>(jp - p0) * panelBytes, hPrev, ldPrev, cPrev, hPackNext);
  }
}

// ---- backward steps ----

// Phase 1 of a backward step: gate gradients of rows r0 .. r0+mb, every hidden unit. dh: the
// running gradient of h_t (the previous step's phase 2), plus the gradient of the output at t
// when dOut is given; the gradients go to dG (and dGh) and, packed, to the step's A operand.
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
  const pack = <usize>load<u32>(job + J_APACK);
  const bUp = bUpOf(job);
  const gP = <usize>H * bUp << 2; // bytes between the packed chunks of consecutive gates
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
        lstmBackward(gate + o, gH, c + o, cp + o, dOut ? dOut + o : 0, dh + o, dc + o, dg + o, pack + packedAt(H, bUp, 0, j & ~(KC - 1), b, j & (KC - 1)), gP, false);
      }
      for (; j < H; j++) {
        const o = <usize>j << 2;
        lstmBackward(gate + o, gH, c + o, cp + o, dOut ? dOut + o : 0, dh + o, dc + o, dg + o, pack + packedAt(H, bUp, 0, j & ~(KC - 1), b, j & (KC - 1)), gP, true);
      }
    } else if (mode == Rnn.gru) {
      for (; j + 4 <= H; j += 4) {
        const o = <usize>j << 2;
        gruBackward(gate + o, gH, c + o, hp + o, dOut ? dOut + o : 0, dh + o, dg + o, dgh + o, pack + packedAt(H, bUp, 0, j & ~(KC - 1), b, j & (KC - 1)), gP, false);
      }
      for (; j < H; j++) {
        const o = <usize>j << 2;
        gruBackward(gate + o, gH, c + o, hp + o, dOut ? dOut + o : 0, dh + o, dg + o, dgh + o, pack + packedAt(H, bUp, 0, j & ~(KC - 1), b, j & (KC - 1)), gP, true);
      }
    } else {
      for (; j + 4 <= H; j += 4) {
        const o = <usize>j << 2;
        rnnBackward(relu, h + o, dOut ? dOut + o : 0, dh + o, dg + o, pack + packedAt(H, bUp, 0, j & ~(KC - 1), b, j & (KC - 1)), false);
      }
      for (; j < H; j++) {
        const o = <usize>j << 2;
        rnnBackward(relu, h + o, dOut ? dOut + o : 0, dh + o, dg + o, pack + packedAt(H, bUp, 0, j & ~(KC - 1), b, j & (KC - 1)), true);
      }
    }
  }
}

// Phase 2 of a backward step: dh_{t−1} of rows r0 .. r0+mb, units of panels in the tile's group
// = dGh_t · W_hh, plus (gru) the dh·z phase 1 left in dh. K = G·H runs in chunks per gate.
function backwardRecurrent(job: usize, tile: i32, slice: usize): void {
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
  const p0 = pg * perGroup;
  const p1 = min(panels, p0 + perGroup);
  const add = load<i32>(job + J_MODE) == Rnn.gru;
  const aPack = <usize>load<u32>(job + J_APACK);
  const bUp = bUpOf(job);
  const dh = <usize>load<u32>(job + J_DH);
  const wPack = <usize>load<u32>(job + J_WPACK);
  // The tile's products: panel jp − p0 at tmp + (jp − p0)·mbUp·32 bytes, [mbUp][8].
  const tmp = slice;
  const panelBytes = <usize>mbUp << 5;
  for (let g = 0; g < G; g++) {
    for (let k0 = 0; k0 < H; k0 += KC) {
      const kc = min(KC, H - k0);
      const a = aPack + packedAt(H, bUp, g, k0, r0, 0);
      const more = g > 0 || k0 > 0;
      for (let jp = p0; jp < p1; jp++) {
        const bp = wPack + ((<usize>jp * K + g * H + k0) * NR << 2);
        const out = tmp + <usize>(jp - p0) * panelBytes;
        for (let ir = 0; ir < mbUp; ir += MR) {
          kernel4x8(kc, a + (<usize>ir * kc << 2), bp, out + (<usize>ir * NR << 2), more);
        }
      }
    }
  }
  for (let jp = p0; jp < p1; jp++) {
    const j0 = jp * NR;
    const nc = min(NR, H - j0);
    const src = tmp + <usize>(jp - p0) * panelBytes;
    for (let rr = 0; rr < mb; rr++) {
      const d = dh + ((<usize>(r0 + rr) * H + j0) << 2);
      const s = src + (<usize>rr * NR << 2);
      if (nc == NR) {
        let v0 = v128.load(s), v1 = v128.load(s, 16);
        if (add) {
          v0 = f32x4.add(v0, v128.load(d));
          v1 = f32x4.add(v1, v128.load(d, 16));
        }
        v128.store(d, v0);
        v128.store(d, v1, 16);
      } else {
        for (let c = 0; c < nc; c++) {
          const q = d + (<usize>c << 2);
          const v = load<f32>(s + (<usize>c << 2));
          store<f32>(q, add ? load<f32>(q) + v : v);
        }
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

// Backward step: phase-1 tiles come first in claim order; a phase-2 tile starts once all of them
// are finished, so whoever waits only waits for work already under way.
export function rnnBackwardTiles(job: usize, worker: i32): void {
  const slice = <usize>load<u32>(job + J_SLICES) + <usize>worker * <usize>load<u32>(job + J_SLICE_BYTES);
  const p1Tiles = load<i32>(job + J_P1_TILES);
  const B = load<i32>(job + J_B);
  for (;;) {
    const t = claim(job);
    if (t < 0) break;
    if (t < p1Tiles) {
      backwardCells(job, t * P1, min(P1, B - t * P1));
      fetchAdd(job + J_DONE, 1);
    } else {
      while (loadAcquire(job + J_DONE) < p1Tiles) {}
      backwardRecurrent(job, t - p1Tiles, slice);
    }
  }
}

// ---- exports ----

@inline function packedBytes(batch: i32, hidden: i32, G: i32): i64 {
  const bUp = <i64>((batch + MR - 1) & ~(MR - 1));
  const one = align64(bUp * hidden * 4); // one forward buffer of packed h
  return max(2 * one, align64(bUp * G * hidden * 4)); // forward: two; backward: packed dG
}

// A participant's products of one tile: at most MB rows × every unit of every gate.
@inline function sliceBytes(hidden: i32, G: i32): i64 {
  return align64(<i64>MB * G * ((hidden + NR - 1) & ~(NR - 1)) * 4);
}

// Bytes of scratch a layer of this shape needs with `threads` participants: job record, packed W_hh,
// a zero block (absent h0, c0 or bias), the packed A of a step and one slice per participant;
// saturates at 2^31−1 so an impossible size fails to allocate.
export function rnnScratchBytes(mode: i32, batch: i32, hidden: i32, threads: i32): i32 {
  const G = gatesOf(mode);
  const hUp = (hidden + NR - 1) & ~(NR - 1);
  const packed = align64(<i64>G * hidden * hUp * 4);
  const zero = align64(<i64>max(batch * hidden, G * hidden) * 4);
  const total = <i64>JOB_BYTES + packed + zero + packedBytes(batch, hidden, G) + <i64>max(threads, 1) * sliceBytes(hidden, G);
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
  store<i32>(job + J_P1_TILES, (B + P1 - 1) / P1);
}

function common(job: usize, mode: i32, steps: i32, batch: i32, hidden: i32, reverse: i32, h0: usize, c0: usize,
  gates: usize, cells: usize, out: usize, ldOut: i32, scratch: usize, threads: i32): usize {
  const G = gatesOf(mode);
  const hUp = (hidden + NR - 1) & ~(NR - 1);
  const wPack = scratch + JOB_BYTES;
  const zero = wPack + <usize>align64(<i64>G * hidden * hUp * 4);
  const zeroBytes = <usize>align64(<i64>max(batch * hidden, G * hidden) * 4);
  const aPack = zero + zeroBytes;
  const aPackBytes = <usize>packedBytes(batch, hidden, G);
  // Zero the zero block and the packed A (rows past B stay zero in every panel).
  memory.fill(zero, 0, zeroBytes + aPackBytes);
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
  store<u32>(job + J_APACK, <u32>aPack);
  store<u32>(job + J_APACK_BYTES, <u32>align64(<i64>((batch + MR - 1) & ~(MR - 1)) * hidden * 4));
  store<u32>(job + J_SLICES, <u32>(aPack + aPackBytes));
  store<u32>(job + J_SLICE_BYTES, <u32>sliceBytes(hidden, G));
  layout(job, batch, hidden, threads);
  return zero;
}

// Writes the forward job of one layer direction into scratch (rnnScratchBytes, 64-byte aligned),
// packs W_hh and h0. gates: [T, B, G·H] holding x·W_ihᵀ + b_ih, overwritten with the activations
// (lstm i,f,g,o; gru r,z,n; rnn: left as is); cells: [T, B, H] (lstm c_t, gru W_hn·h + b_hn; rnn
// 0); out: h_t of row b at out + ((t·B + b)·ldOut + j)·4; h0, c0, bHh [G·H], hN, cN may be 0 (zero /
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
  if (h0) {
    const first = reverse ? steps - 1 : 0;
    const dst = hPackOf(job, prevStep(job, first));
    const bUp = (batch + MR - 1) & ~(MR - 1);
    for (let b = 0; b < batch; b++) {
      const src = h0 + (<usize>b * hidden << 2);
      for (let k = 0; k < hidden; k++) {
        const k0 = k & ~(KC - 1);
        store<f32>(dst + packedAt(hidden, bUp, 0, k0, b, k - k0), load<f32>(src + (<usize>k << 2)));
      }
    }
  }
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
  const compute = load<i32>(job + J_ROW_GROUPS) * load<i32>(job + J_PANEL_GROUPS);
  store<i32>(job + J_STEP, t);
  store<i32>(job + J_DONE, 0);
  const kind = load<i32>(job + Job.kind);
  const tiles = kind == Rnn.forwardJob ? compute : load<i32>(job + J_P1_TILES) + (skipDh ? 0 : compute);
  jobInit(job, kind, load<i32>(job + Job.threads), tiles);
}
