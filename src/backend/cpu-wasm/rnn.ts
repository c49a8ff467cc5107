// Recurrent layers for the CPU backend: one direction of one layer over a whole sequence. Forward: the
// input projection of every step as one gemm, then one job per time step (assembly/rnn.ts: the
// recurrent product and the cell update fused). Backward: one job per step (gate gradients, then
// dh of the previous step), then the weight and input gradients as gemms over the gate gradients of
// all steps at once. A step runs on the pool when its recurrent product is large enough to repay it.
import { Reduce, Rnn } from "../../runtime/abi.js";
import type { Runtime } from "../../runtime/wasm.js";
import { runJob, threadsFor } from "../../runtime/pool.js";
import type { Region, RnnBackwardArgs, RnnForwardArgs, RnnMode } from "../backend.js";
import { gemm } from "./gemm.js";

// Below this many multiply-adds in one step's recurrent product (B·H·G·H) a step runs on the
// calling thread: every step is a separate job, so the wake-up and the join are paid T times.
// See bench/README.md "## rnn" for the measurement.
export const RNN_THREAD_MIN_MACS = 2 ** 20;

export const GATES: Record<RnnMode, number> = { lstm: 4, gru: 3, rnnTanh: 1, rnnRelu: 1 };

const addr = (r: Region | null): number => (r === null ? 0 : (r.handle as number) + r.offset * 4);
const ptr = (h: unknown): number => (h === null ? 0 : (h as number));

function threadsForStep(rt: Runtime, batch: number, hidden: number, mode: RnnMode): number {
  return batch * hidden * hidden * GATES[mode] >= RNN_THREAD_MIN_MACS ? threadsFor(rt) : 1;
}

export function rnnForward(a: RnnForwardArgs, rt: Runtime): void {
  const { mode, steps: T, batch: B, inputSize: I, hiddenSize: H, reverse } = a;
  if (B === 0) return;
  const GH = GATES[mode] * H;
  const ex = rt.exports;
  // gates ← x·W_ihᵀ + b_ih for all T·B rows; the steps add the recurrent part and overwrite it.
  gemm({ a: ptr(a.x), b: ptr(a.wIh), c: ptr(a.gates), m: T * B, n: GH, k: I, transB: true, bias: ptr(a.bIh) }, rt);
  const threads = threadsForStep(rt, B, H, mode);
  const job = rt.arena.alloc(ex.rnnScratchBytes(Rnn[mode], B, H, threads));
  try {
    ex.rnnForwardPrepare(Rnn[mode], T, B, H, reverse ? 1 : 0, ptr(a.wHh), ptr(a.bHh), addr(a.h0), addr(a.c0),
      ptr(a.gates), ptr(a.cells), addr(a.out), a.outStride, addr(a.hN), addr(a.cN), job, threads);
    for (let s = 0; s < T; s++) {
      ex.rnnStep(job, reverse ? T - 1 - s : s, 0);
      runJob(rt, job, threads);
    }
  } finally {
    rt.arena.release(job);
  }
}

export function rnnBackward(a: RnnBackwardArgs, rt: Runtime): void {
  const { mode, steps: T, batch: B, inputSize: I, hiddenSize: H, reverse } = a;
  const GH = GATES[mode] * H;
  const ex = rt.exports;
  if (B === 0) {
    // No rows: every weight gradient is zero (dx, dh0 and dc0 are empty).
    for (const [h, n] of [[a.dWIh, GH * I], [a.dWHh, GH * H], [a.dBIh, GH], [a.dBHh, GH]] as const) {
      if (h !== null) ex.fillF32(ptr(h), n, 0);
    }
    return;
  }
  const arena = rt.arena;
  const threads = threadsForStep(rt, B, H, mode);
  const rows = T * B;
  const blocks: number[] = [];
  const take = (nBytes: number): number => {
    const p = arena.alloc(nBytes);
    blocks.push(p);
    return p;
  };
  try {
    const job = take(ex.rnnScratchBytes(Rnn[mode], B, H, threads));
    const dG = take(rows * GH * 4);
    const dGh = mode === "gru" ? take(rows * GH * 4) : dG;
    const dh = take(B * H * 4);
    const dc = take(B * H * 4);
    if (a.dhN) ex.copyBytes(dh, addr(a.dhN), B * H * 4);
    else ex.fillF32(dh, B * H, 0);
    if (a.dcN && mode === "lstm") ex.copyBytes(dc, addr(a.dcN), B * H * 4);
    else ex.fillF32(dc, B * H, 0);
    const out = addr(a.out);
    ex.rnnBackwardPrepare(Rnn[mode], T, B, H, reverse ? 1 : 0, ptr(a.wHh), addr(a.h0), addr(a.c0), ptr(a.gates),
      ptr(a.cells), out, a.outStride, addr(a.dOut), dG, dGh, dh, dc, job, threads);
    for (let s = 0; s < T; s++) {
      // The last step's dh (for h0) is skipped when nobody wants it.
      ex.rnnStep(job, reverse ? s : T - 1 - s, s === T - 1 && a.dh0 === null ? 1 : 0);
      runJob(rt, job, threads);
    }
    if (a.dh0) ex.copyBytes(addr(a.dh0), dh, B * H * 4);
    if (a.dc0) ex.copyBytes(addr(a.dc0), dc, B * H * 4);

    // dx (+)= dG·W_ih; dW_ih = dGᵀ·x, each one gemm over all steps.
    if (a.dx) gemm({ a: dG, b: ptr(a.wIh), c: ptr(a.dx), m: rows, n: I, k: GH, accumulate: a.accumulateDx }, rt);
    if (a.dWIh) gemm({ a: dG, b: ptr(a.x), c: ptr(a.dWIh), m: GH, n: I, k: rows, transA: true }, rt);
    if (a.dWHh) {
      // dW_hh = Σ_t dGh_tᵀ·h_{t−1}: the steps after the first pair with the outputs one step back
      // (made contiguous if out is interleaved with the other direction), the first with h0.
      let hs = out;
      if (a.outStride !== H) {
        hs = take(rows * H * 4);
        const dims = take(16);
        new Int32Array(rt.memory.buffer, dims, 4).set([rows, H, a.outStride, 1]);
        ex.stridedCopy32(out, hs, 2, dims, dims + 8, 0);
      }
      const later = (T - 1) * B;
      const dGLater = reverse ? dGh : dGh + B * GH * 4;
      const hsEarlier = reverse ? hs + B * H * 4 : hs;
      gemm({ a: dGLater, b: hsEarlier, c: ptr(a.dWHh), m: GH, n: H, k: later, transA: true }, rt);
      if (a.h0) {
        const dGFirst = reverse ? dGh + later * GH * 4 : dGh;
        gemm({ a: dGFirst, b: addr(a.h0), c: ptr(a.dWHh), m: GH, n: H, k: B, transA: true, accumulate: true }, rt);
      }
    }
    if (a.dBIh) ex.reduceAxisF32(Reduce.sum, dG, ptr(a.dBIh), 1, rows, GH);
    if (a.dBHh) ex.reduceAxisF32(Reduce.sum, dGh, ptr(a.dBHh), 1, rows, GH);
  } finally {
    for (const p of blocks) arena.release(p);
  }
}
