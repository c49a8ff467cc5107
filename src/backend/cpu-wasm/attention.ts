// Fused attention for the CPU backend: writes the attention job record (Attn in assembly/abi.ts),
// sizes one scratch slice per participant (the kernel's formula, attentionSliceBytes), takes it
// from the arena and runs the (batch, head) tiles of assembly/attention.ts on the caller or the
// pool. Inputs are assumed validated by the tensor op.
import { Attn, AttnMask, Job, JobKind } from "../../runtime/abi.js";
import { runJob, threadsFor } from "../../runtime/pool.js";
import type { Runtime } from "../../runtime/wasm.js";
import type { AttentionArgs, AttentionBackwardArgs, AttentionOperand, Handle } from "../backend.js";

// Queries per call up to which the decode path (direct dot products over the keys, no packing) runs
// instead of the blocked one: with one or two rows the blocked path would pack all of K and V to
// use them once.
const DECODE_MAX_ROWS = 2;
// Tiles go to the pool from this many multiply-adds (same reasoning and figure as gemm's
// THREAD_MIN_MACS: below ~2^20 a futex wake-up costs more than the work it shares).
const THREAD_MIN_MACS = 2 ** 21;

function writeOperand(i32: Int32Array, ptrAt: number, stridesAt: number, job: number, o: AttentionOperand | null | undefined): void {
  i32[(job + ptrAt) >> 2] = o ? (o.data as number) + 4 * o.offset : 0;
  for (let i = 0; i < 3; i++) i32[((job + stridesAt) >> 2) + i] = o ? o.strides[i] : 0;
}

function run(rt: Runtime, kind: number, a: AttentionArgs, extra: AttentionBackwardArgs | null): void {
  if (a.batch === 0 || a.heads === 0 || a.tq === 0) return;
  const ex = rt.exports;
  const tiles = a.batch * a.heads;
  const causalWork = a.causal ? 0.5 : 1;
  const macs = tiles * a.tq * a.tk * (a.dimQK + a.dimV) * causalWork * (kind === JobKind.attentionBackward ? 2.5 : 1);
  const threads = macs >= THREAD_MIN_MACS && tiles > 1 ? Math.min(threadsFor(rt), tiles) : 1;
  const slice = ex.attentionSliceBytes(kind, a.tq, a.tk, a.dimQK, a.dimV);
  const job = rt.arena.alloc(Attn.bytes + threads * slice);
  try {
    const i32 = new Int32Array(rt.memory.buffer);
    const f32 = new Float32Array(rt.memory.buffer);
    const at = (off: number) => (job + off) >> 2;
    i32[at(Job.next)] = 0;
    i32[at(Job.kind)] = kind;
    i32[at(Job.threads)] = threads;
    i32[at(Job.tiles)] = tiles;
    writeOperand(i32, Attn.q, Attn.qStrides, job, a.q);
    writeOperand(i32, Attn.k, Attn.kStrides, job, a.k);
    writeOperand(i32, Attn.v, Attn.vStrides, job, a.v);
    writeOperand(i32, Attn.out, Attn.outStrides, job, a.out);
    writeOperand(i32, Attn.kNew, Attn.kNewStrides, job, a.kNew);
    writeOperand(i32, Attn.vNew, Attn.vNewStrides, job, a.vNew);
    i32[at(Attn.lse)] = a.lse === null ? 0 : (a.lse as number);
    const grad = (h: Handle | null, o: AttentionOperand) => (h === null ? 0 : (h as number) + 4 * o.offset);
    i32[at(Attn.dout)] = extra ? grad(extra.dout, a.out) : 0;
    i32[at(Attn.dq)] = extra ? grad(extra.dq, a.q) : 0;
    i32[at(Attn.dk)] = extra ? grad(extra.dk, a.k) : 0;
    i32[at(Attn.dv)] = extra ? grad(extra.dv, a.v) : 0;
    for (let m = 0; m < 2; m++) {
      const mask = a.masks[m];
      const ptr = m === 0 ? Attn.mask1 : Attn.mask2;
      i32[at(ptr)] = mask ? (mask.data as number) + 4 * mask.offset : 0;
      i32[at(m === 0 ? Attn.mask1Kind : Attn.mask2Kind)] = mask ? AttnMask[mask.kind] : AttnMask.none;
      const st = at(m === 0 ? Attn.mask1Strides : Attn.mask2Strides);
      for (let i = 0; i < 4; i++) i32[st + i] = mask ? mask.strides[i] : 0;
    }
    i32[at(Attn.batch)] = a.batch;
    i32[at(Attn.heads)] = a.heads;
    i32[at(Attn.tq)] = a.tq;
    i32[at(Attn.tk)] = a.tk;
    i32[at(Attn.dimQK)] = a.dimQK;
    i32[at(Attn.dimV)] = a.dimV;
    i32[at(Attn.causal)] = a.causal ? 1 : 0;
    i32[at(Attn.causalOffset)] = a.causalOffset;
    i32[at(Attn.seedLo)] = a.seedLo | 0;
    i32[at(Attn.seedHi)] = a.seedHi | 0;
    f32[at(Attn.scale)] = a.scale;
    f32[at(Attn.dropout)] = a.dropout;
    i32[at(Attn.slices)] = job + Attn.bytes;
    i32[at(Attn.sliceBytes)] = slice;
    runJob(rt, job, threads);
  } finally {
    rt.arena.release(job);
  }
}

export function attentionForward(rt: Runtime, a: AttentionArgs): void {
  const decode = a.tq <= DECODE_MAX_ROWS && a.dropout === 0;
  run(rt, decode ? JobKind.attentionDecode : JobKind.attentionForward, a, null);
}

export function attentionBackward(rt: Runtime, a: AttentionBackwardArgs): void {
  run(rt, JobKind.attentionBackward, a, a);
}
