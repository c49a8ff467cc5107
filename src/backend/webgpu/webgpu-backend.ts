// The WebGPU device: the Backend interface over a GPUDevice. A handle is a GpuBuffer (a GPUBuffer
// and its element count); each method records one or two dispatches of a kernel of shaders/*.wgsl
// through the GpuContext (./context.ts), which batches them into one submit. Nothing here waits for
// the GPU: only read() does. Index arguments are checked inside the kernels (an out-of-range index
// is reported at the next read as E_RANGE), since the host cannot look at device data synchronously.
import { TesseraError } from "../../errors.js";
import { AttnMask, Binary, Reduce, Unary } from "../../runtime/abi.js";
import type {
  AdagradStepArgs, AdamStepArgs, AttentionArgs, AttentionBackwardArgs, Backend, BinaryOp, DType, GemmArgs, Handle, HostArray, ReduceOp, RmspropStepArgs, SgdStepArgs, UnaryOp,
} from "../backend.js";
import { GpuBuffer, GpuContext, type GpuStats, type ParamWriter } from "./context.js";
import { DEFAULT_WG, SHORT_ROW_WG } from "./kernels.js";
import { mergeDims, mergeBroadcastDims, mayOverlap } from "./strides.js";

const WG = DEFAULT_WG;
const groupsFor = (n: number, wg = WG) => Math.ceil(n / wg);
/** Workgroup size of the one-workgroup-per-row kernels: short rows leave fewer invocations idle. */
const rowWg = (cols: number) => (cols <= SHORT_ROW_WG ? SHORT_ROW_WG : WG);

const f32Bits = new Float32Array(1);
const u32Bits = new Uint32Array(f32Bits.buffer);

function buf(h: Handle | null, ctx: GpuContext): GPUBuffer {
  if (h === null) return ctx.dummy;
  if (!(h instanceof GpuBuffer)) throw new TesseraError("E_DEVICE", `webgpu: expected a buffer of the webgpu device, received ${typeof h === "number" ? "a CPU address" : "a foreign handle"}`);
  if (h.freed) throw new TesseraError("E_DISPOSED", "webgpu: expected a live buffer, received one already freed");
  return h.buffer;
}

export class WebGpuBackend implements Backend {
  readonly device = "webgpu";
  readonly label: string;
  readonly syncRead = false;

  constructor(readonly ctx: GpuContext, adapterName: string) {
    this.label = `webgpu (${adapterName})`;
  }

  private b(h: Handle | null): GPUBuffer {
    return buf(h, this.ctx);
  }

  /** Transfers, dispatches and the bytes held on the device. */
  stats(): GpuStats {
    return { ...this.ctx.stats };
  }

  // ---- memory ----
  alloc(n: number): Handle { return this.ctx.alloc(n); }
  free(h: Handle): void { this.b(h); this.ctx.free(h as GpuBuffer); }

  write(h: Handle, src: ArrayLike<number>, dtype: DType, offset = 0): void {
    this.b(h);
    const data = dtype === "int32" ? (src instanceof Int32Array ? src : Int32Array.from(src)) : (src instanceof Float32Array ? src : Float32Array.from(src));
    this.ctx.write(h as GpuBuffer, data, offset);
  }

  readSync(): HostArray {
    throw new TesseraError("E_DEVICE", `readSync: expected a device that can be read synchronously, received ${this.label}; use \`await t.read()\``);
  }

  async read(h: Handle, n: number, dtype: DType): Promise<HostArray> {
    this.b(h);
    const bytes = await this.ctx.read(h as GpuBuffer, n);
    return dtype === "int32" ? new Int32Array(bytes) : new Float32Array(bytes);
  }

  fill(h: Handle, n: number, value: number, dtype: DType): void {
    if (n === 0) return;
    f32Bits[0] = value;
    const bits = dtype === "int32" ? value >>> 0 : u32Bits[0];
    this.ctx.dispatch("fill", [this.b(h)], (w) => w.u(n).u(bits), groupsFor(n));
  }

  copy(dst: Handle, src: Handle, n: number): void {
    this.b(dst);
    this.b(src);
    this.ctx.copy(dst as GpuBuffer, src as GpuBuffer, n);
  }

  axpy(dst: Handle, src: Handle, n: number, alpha: number): void {
    if (n === 0) return;
    this.ctx.dispatch("axpy", [this.b(src), this.b(dst)], (w) => w.u(n).f(alpha), groupsFor(n));
  }

  cast(src: Handle, dst: Handle, n: number, to: DType): void {
    if (n === 0) return;
    this.ctx.dispatch(to === "int32" ? "castF32ToI32" : "castI32ToF32", [this.b(src), this.b(dst)], (w) => w.u(n), groupsFor(n));
  }

  // ---- elementwise ----
  unary(op: UnaryOp, x: Handle, out: Handle, n: number, p: number): void {
    if (n === 0) return;
    this.ctx.dispatch("unary", [this.b(x), this.b(out)], (w) => w.u(n).u(Unary[op]).f(p), groupsFor(n));
  }

  unaryBackward(op: UnaryOp, x: Handle, y: Handle, dy: Handle, dx: Handle, n: number, p: number): void {
    if (n === 0) return;
    this.ctx.dispatch("unaryBackward", [this.b(x), this.b(y), this.b(dy), this.b(dx)], (w) => w.u(n).u(Unary[op]).f(p), groupsFor(n));
  }

  binary(op: BinaryOp, a: Handle, b: Handle, out: Handle, n: number): void {
    if (n === 0) return;
    this.ctx.dispatch("binary", [this.b(a), this.b(b), this.b(out)], (w) => w.u(n).u(Binary[op]), groupsFor(n));
  }

  binaryScalar(op: BinaryOp, a: Handle, s: number, out: Handle, n: number, scalarFirst: boolean): void {
    if (n === 0) return;
    this.ctx.dispatch("binaryScalar", [this.b(a), this.b(out)], (w) => w.u(n).u(Binary[op]).f(s).u(scalarFirst ? 1 : 0), groupsFor(n));
  }

  binaryBroadcast(op: BinaryOp, a: Handle, b: Handle, out: Handle, shape: readonly number[],
    aStrides: readonly number[], bStrides: readonly number[]): void {
    const m = mergeBroadcastDims(shape, aStrides, bStrides);
    if (m.n === 0) return;
    this.ctx.dispatch("binaryBroadcast", [this.b(a), this.b(b), this.b(out)],
      (w) => w.u(m.n).u(Binary[op]).u(m.shape.length).dims(m.shape).dims(m.aStrides).dims(m.bStrides), groupsFor(m.n));
  }

  // ---- reductions ----
  reduceAxis(op: ReduceOp, x: Handle, out: Handle, outer: number, len: number, inner: number): void {
    if (outer * inner === 0) return;
    const params = (w: ParamWriter) => w.u(outer).u(len).u(inner).u(Reduce[op]);
    if (inner === 1) this.ctx.dispatch("reduceRows", [this.b(x), this.b(out)], params, outer, rowWg(len));
    else this.ctx.dispatch("reduceColumns", [this.b(x), this.b(out)], params, groupsFor(outer * inner));
  }

  argReduceAxis(op: "max" | "min", x: Handle, out: Handle, outer: number, len: number, inner: number): void {
    if (outer * inner === 0) return;
    this.ctx.dispatch("argReduce", [this.b(x), this.b(out)], (w) => w.u(outer).u(len).u(inner).u(Reduce[op]), groupsFor(outer * inner));
  }

  scatterAxis(indices: Handle, dy: Handle, dx: Handle, outer: number, len: number, inner: number): void {
    this.fill(dx, outer * len * inner, 0, "float32");
    if (outer * inner === 0) return;
    const site = this.ctx.site("max / min backward: indices");
    this.ctx.dispatch("scatterAxis", [this.b(indices), this.b(dy), this.b(dx)], (w) => w.u(outer).u(len).u(inner).u(site), groupsFor(outer * inner));
  }

  // ---- layout ----
  stridedCopy(x: Handle, out: Handle, shape: readonly number[], strides: readonly number[], offset: number): void {
    const m = mergeDims(shape, strides);
    if (m.n === 0) return;
    this.ctx.dispatch("stridedCopy", [this.b(x), this.b(out)], (w) => w.u(m.n).u(m.shape.length).i(offset).u(0).dims(m.shape).dims(m.strides), groupsFor(m.n));
  }

  stridedScatter(src: Handle, dst: Handle, shape: readonly number[], strides: readonly number[], offset: number, accumulate: boolean): void {
    const m = mergeDims(shape, strides);
    if (m.n === 0) return;
    const overlap = mayOverlap(m.shape, m.strides);
    const params = (w: ParamWriter) => w.u(m.n).u(m.shape.length).i(offset).u(accumulate ? 1 : 0).dims(m.shape).dims(m.strides);
    const bufs = [this.b(src), this.b(dst)];
    if (!overlap) this.ctx.dispatch("stridedScatter", bufs, params, groupsFor(m.n));
    else if (accumulate) this.ctx.dispatch("stridedScatterAdd", bufs, params, groupsFor(m.n));
    else this.ctx.dispatch("stridedScatterInOrder", bufs, params, 1, null);
  }

  transpose2d(x: Handle, out: Handle, rows: number, cols: number): void {
    if (rows * cols === 0) return;
    const gx = Math.ceil(cols / 16), gy = Math.ceil(rows / 16);
    if (gx > 65535 || gy > 65535) {
      this.stridedCopy(x, out, [cols, rows], [1, cols], 0); // a grid past the limit: the general copy
      return;
    }
    this.ctx.dispatch("transpose2d", [this.b(x), this.b(out)], (w) => w.u(rows).u(cols), [gx, gy, 1], null);
  }

  gatherRows(weight: Handle, ids: Handle, out: Handle, nIds: number, dim: number): void {
    if (nIds * dim === 0) return;
    const rows = Math.floor((weight as GpuBuffer).n / dim);
    const site = this.ctx.site("gather: indices");
    this.ctx.dispatch("gatherRows", [this.b(weight), this.b(ids), this.b(out)], (w) => w.u(nIds).u(dim).u(rows).u(site), groupsFor(nIds * dim));
  }

  scatterAddRows(dOut: Handle, ids: Handle, dWeight: Handle, nIds: number, dim: number): void {
    if (nIds * dim === 0) return;
    const rows = Math.floor((dWeight as GpuBuffer).n / dim);
    const site = this.ctx.site("gather backward: indices");
    this.ctx.dispatch("scatterAddRows", [this.b(dOut), this.b(ids), this.b(dWeight)], (w) => w.u(nIds).u(dim).u(rows).u(site), groupsFor(nIds * dim));
  }

  alongDimOffsets(idx: Handle, offsets: Handle, shape: readonly number[], xStrides: readonly number[], dim: number): void {
    const n = shape.reduce((a, d) => a * d, 1);
    if (n === 0) return;
    // x is contiguous (the op passes its row-major strides), so its size along dim > 0 is the ratio
    // of two strides; along dim 0 the gather that follows checks the offsets against x's length.
    const ratio = dim > 0 && xStrides[dim] > 0 ? xStrides[dim - 1] / xStrides[dim] : 0;
    const bound = Number.isInteger(ratio) ? ratio : 0;
    const site = this.ctx.site("takeAlongDim: indices");
    this.ctx.dispatch("alongDimOffsets", [this.b(idx), this.b(offsets)],
      (w) => w.u(n).u(shape.length).u(dim).u(bound).u(site).dims(shape).dims(xStrides), groupsFor(n));
  }

  findOutOfRange(): number {
    throw new TesseraError("E_DEVICE", `findOutOfRange: expected a device that can be read synchronously, received ${this.label} (its kernels check indices and report at the next read)`);
  }

  // ---- matmul ----
  gemm(g: GemmArgs): void {
    const { m, n, k, batch } = g;
    if (batch <= 0 || m <= 0 || n <= 0) return;
    const bufs = [this.b(g.a), this.b(g.b), this.b(g.bias), this.b(g.c)];
    const colBlocks = Math.ceil(n / 64);
    const rowBlocks = Math.ceil(m / 64);
    if (colBlocks > 65535) throw new TesseraError("E_SHAPE", `webgpu: gemm: expected at most ${65535 * 64} columns, received ${n}`);
    // Grids past 65535 row blocks or batch items go out as several dispatches.
    for (let b0 = 0; b0 < batch; b0 += 65535) {
      for (let r0 = 0; r0 < rowBlocks; r0 += 65535) {
        const nb = Math.min(65535, batch - b0), nr = Math.min(65535, rowBlocks - r0);
        this.ctx.dispatch("gemm", bufs, (w) => w.u(m).u(n).u(k).u(g.transA ? 1 : 0).u(g.transB ? 1 : 0)
          .u(g.strideA).u(g.strideB).u(g.strideC).u(g.bias === null ? 0 : 1).u(g.accumulate ? 1 : 0).u(b0).u(r0),
        [colBlocks, nr, nb], null);
      }
    }
  }

  // ---- softmax, normalisation, losses, dropout ----
  private rows(kernel: "softmaxRows" | "logSoftmaxRows", x: Handle, y: Handle, rows: number, cols: number): void {
    if (rows * cols === 0) return;
    this.ctx.dispatch(kernel, [this.b(x), this.b(y)], (w) => w.u(rows).u(cols), rows, rowWg(cols));
  }

  private rowsBackward(kernel: "softmaxBackwardRows" | "logSoftmaxBackwardRows", y: Handle, dy: Handle, dx: Handle, rows: number, cols: number): void {
    if (rows * cols === 0) return;
    this.ctx.dispatch(kernel, [this.b(y), this.b(dy), this.b(dx)], (w) => w.u(rows).u(cols), rows, rowWg(cols));
  }

  softmaxRows(x: Handle, y: Handle, rows: number, cols: number): void { this.rows("softmaxRows", x, y, rows, cols); }
  logSoftmaxRows(x: Handle, y: Handle, rows: number, cols: number): void { this.rows("logSoftmaxRows", x, y, rows, cols); }
  softmaxBackwardRows(y: Handle, dy: Handle, dx: Handle, rows: number, cols: number): void {
    this.rowsBackward("softmaxBackwardRows", y, dy, dx, rows, cols);
  }
  logSoftmaxBackwardRows(y: Handle, dy: Handle, dx: Handle, rows: number, cols: number): void {
    this.rowsBackward("logSoftmaxBackwardRows", y, dy, dx, rows, cols);
  }

  layerNormForward(x: Handle, gamma: Handle | null, beta: Handle | null, y: Handle, mean: Handle, rstd: Handle,
    rows: number, cols: number, eps: number): void {
    if (rows === 0) return;
    this.ctx.dispatch("layerNormForward", [this.b(x), this.b(gamma), this.b(beta), this.b(y), this.b(mean), this.b(rstd)],
      (w) => w.u(rows).u(cols).f(eps).u(gamma === null ? 0 : 1).u(beta === null ? 0 : 1), rows, rowWg(cols));
  }

  layerNormBackward(x: Handle, gamma: Handle | null, mean: Handle, rstd: Handle, dy: Handle, dx: Handle,
    dgamma: Handle | null, dbeta: Handle | null, rows: number, cols: number): void {
    if (rows > 0) {
      this.ctx.dispatch("layerNormBackward", [this.b(x), this.b(gamma), this.b(mean), this.b(rstd), this.b(dy), this.b(dx)],
        (w) => w.u(rows).u(cols).f(0).u(gamma === null ? 0 : 1).u(0), rows, rowWg(cols));
    }
    if ((dgamma !== null || dbeta !== null) && cols > 0) {
      this.ctx.dispatch("layerNormParamGrads", [this.b(x), this.b(mean), this.b(rstd), this.b(dy), this.b(dgamma), this.b(dbeta)],
        (w) => w.u(rows).u(cols).f(0).u(dgamma === null ? 0 : 1).u(dbeta === null ? 0 : 1), groupsFor(cols));
    }
  }

  crossEntropyForward(logits: Handle, targets: Handle, losses: Handle, lse: Handle, count: Handle,
    rows: number, cols: number, ignoreIndex: number, smoothing: number): void {
    const site = this.ctx.site("crossEntropy: target", "a class", ` or ignoreIndex ${ignoreIndex}`);
    const params = (w: ParamWriter) => w.u(rows).u(cols).i(ignoreIndex).f(smoothing).u(0).u(site);
    if (rows > 0) {
      this.ctx.dispatch("crossEntropyForward", [this.b(logits), this.b(targets), this.b(losses), this.b(lse)], params, rows, rowWg(cols));
    }
    this.ctx.dispatch("keptCount", [this.b(targets), this.b(count)], params, 1);
  }

  crossEntropyBackward(logits: Handle, targets: Handle, lse: Handle, dLoss: Handle, dlogits: Handle,
    rows: number, cols: number, ignoreIndex: number, smoothing: number): void {
    if (rows * cols === 0) return;
    this.ctx.dispatch("crossEntropyBackward", [this.b(logits), this.b(targets), this.b(lse), this.b(dLoss), this.b(dlogits)],
      (w) => w.u(rows).u(cols).i(ignoreIndex).f(smoothing).u(0).u(0), groupsFor(rows * cols));
  }

  nllLossForward(x: Handle, targets: Handle, weight: Handle | null, losses: Handle, total: Handle,
    rows: number, cols: number, ignoreIndex: number): void {
    const site = this.ctx.site("nllLoss: target", "a class", ` or ignoreIndex ${ignoreIndex}`);
    const params = (w: ParamWriter) => w.u(rows).u(cols).i(ignoreIndex).f(0).u(weight === null ? 0 : 1).u(site);
    if (rows > 0) this.ctx.dispatch("nllLossForward", [this.b(x), this.b(targets), this.b(weight), this.b(losses)], params, groupsFor(rows));
    this.ctx.dispatch("keptWeight", [this.b(targets), this.b(weight), this.b(total)], params, 1);
  }

  nllLossBackward(targets: Handle, weight: Handle | null, dLoss: Handle, dx: Handle, rows: number, cols: number, ignoreIndex: number): void {
    if (rows * cols === 0) return;
    this.ctx.dispatch("nllLossBackward", [this.b(targets), this.b(weight), this.b(dLoss), this.b(dx)],
      (w) => w.u(rows).u(cols).i(ignoreIndex).f(0).u(weight === null ? 0 : 1).u(0), groupsFor(rows * cols));
  }

  dropoutForward(x: Handle, y: Handle, mask: Handle, n: number, p: number, seedLo: number, seedHi: number): void {
    if (n === 0) return;
    const pf = Math.fround(p);
    const scale = pf < 1 ? Math.fround(1 / Math.fround(1 - pf)) : 0; // the CPU kernel's float32 arithmetic
    this.ctx.dispatch("dropoutForward", [this.b(x), this.b(y), this.b(mask)], (w) => w.u(n).f(pf).f(scale).u(seedLo).u(seedHi), groupsFor(n));
  }

  // ---- optimizers (the CPU kernels' float32 constants: products formed in float64, rounded once) ----
  sgdStep(param: Handle, grad: Handle, momentumBuffer: Handle | null, n: number, a: SgdStepArgs): void {
    if (n === 0) return;
    const mode = a.momentum === 0 ? 0 : a.firstStep ? 1 : 2;
    this.ctx.dispatch("sgdStep", [this.b(grad), this.b(param), this.b(mode === 0 ? null : momentumBuffer)],
      (w) => w.u(n).u(mode).u(a.nesterov ? 1 : 0).u(a.weightDecay !== 0 ? 1 : 0).f(a.maximize ? -1 : 1).f(a.weightDecay)
        .f(a.momentum).f(1 - a.dampening).f(-a.lr), groupsFor(n));
  }

  adamStep(param: Handle, grad: Handle, expAvg: Handle, expAvgSq: Handle, maxExpAvgSq: Handle | null, n: number, a: AdamStepArgs): void {
    if (n === 0) return;
    this.ctx.dispatch("adamStep", [this.b(grad), this.b(param), this.b(expAvg), this.b(expAvgSq), this.b(a.amsgrad ? maxExpAvgSq : null)],
      (w) => w.u(n).u(a.amsgrad ? 1 : 0).u(!a.decoupled && a.weightDecay !== 0 ? 1 : 0).u(a.decoupled ? 1 : 0)
        .f(a.maximize ? -1 : 1).f(a.weightDecay).f(1 - a.lr * a.weightDecay).f(a.beta1).f(1 - a.beta1).f(a.beta2).f(1 - a.beta2)
        .f(Math.sqrt(a.biasCorrection2)).f(a.eps).f(-(a.lr / a.biasCorrection1)), groupsFor(n));
  }

  adagradStep(param: Handle, grad: Handle, sum: Handle, n: number, a: AdagradStepArgs): void {
    if (n === 0) return;
    this.ctx.dispatch("adagradStep", [this.b(grad), this.b(param), this.b(sum)],
      (w) => w.u(n).u(a.weightDecay !== 0 ? 1 : 0).f(a.maximize ? -1 : 1).f(a.weightDecay).f(a.eps).f(-a.lr), groupsFor(n));
  }

  rmspropStep(param: Handle, grad: Handle, squareAvg: Handle, gradAvg: Handle | null, momentumBuffer: Handle | null,
    n: number, a: RmspropStepArgs): void {
    if (n === 0) return;
    const hasMomentum = a.momentum > 0;
    this.ctx.dispatch("rmspropStep", [this.b(grad), this.b(param), this.b(squareAvg), this.b(a.centered ? gradAvg : null), this.b(hasMomentum ? momentumBuffer : null)],
      (w) => w.u(n).u(a.centered ? 1 : 0).u(hasMomentum ? 1 : 0).u(a.weightDecay !== 0 ? 1 : 0).f(a.maximize ? -1 : 1).f(a.weightDecay)
        .f(a.alpha).f(1 - a.alpha).f(a.eps).f(a.momentum).f(-a.lr), groupsFor(n));
  }

  normPartial(): number {
    throw new TesseraError("E_DEVICE", `normPartial (clipGradNorm_): expected a device that can be read synchronously, received ${this.label}; the norm has to reach the host in the middle of the call`);
  }

  // ---- attention: attention.wgsl / attentionBackward.wgsl, one invocation per query or key row ----
  /** AttnParams (shaders/attentionScores.wgsl) for `rows` invocations with kernel switch `flag`. */
  private attnParams(w: ParamWriter, a: AttentionArgs, rows: number, flag: number): void {
    const p = Math.fround(a.dropout);
    w.u(a.batch).u(a.heads).u(a.tq).u(a.tk).u(a.dimQK).u(a.dimV).u(a.causal ? 1 : 0).u(a.causalOffset)
      .f(a.scale).f(p).f(p < 1 ? Math.fround(1 / Math.fround(1 - p)) : 0).u(a.seedLo).u(a.seedHi).u(a.masks.length).u(flag).u(rows);
    for (const o of [a.q, a.k, a.v, a.out]) w.u(o.offset).u(o.strides[0]).u(o.strides[1]).u(o.strides[2]);
    for (let m = 0; m < 2; m++) {
      const mask = a.masks[m];
      w.u(mask?.offset ?? 0).u(mask ? AttnMask[mask.kind] : 0).u(0).u(0);
      for (let d = 0; d < 4; d++) w.u(mask?.strides[d] ?? 0);
    }
  }

  private attnBuffers(a: AttentionArgs): GPUBuffer[] {
    return [this.b(a.q.data), this.b(a.k.data), this.b(a.v.data), this.b(a.masks[0]?.data ?? null), this.b(a.masks[1]?.data ?? null)];
  }

  attentionForward(a: AttentionArgs): void {
    const rows = a.batch * a.heads * a.tq;
    if (rows === 0) return;
    if (a.kNew && a.vNew) {
      // the cache rows first, in their own dispatches: every query row reads every new key
      for (const [src, dst, dim] of [[a.kNew, a.k, a.dimQK], [a.vNew, a.v, a.dimV]] as const) {
        this.ctx.dispatch("attentionAppend", [this.b(src.data), this.b(dst.data)],
          (w) => this.attnParams(w, { ...a, q: src, k: dst, dimQK: dim }, rows, 0), groupsFor(rows));
      }
    }
    this.ctx.dispatch("attentionForward", [...this.attnBuffers(a), this.b(a.lse), this.b(a.out.data)],
      (w) => this.attnParams(w, a, rows, a.lse === null ? 0 : 1), groupsFor(rows));
  }

  attentionBackward(a: AttentionBackwardArgs): void {
    const rows = a.batch * a.heads * a.tq;
    if (rows === 0) return;
    const stats = this.ctx.alloc(2 * rows); // (lse, dout·out) per query row
    try {
      this.ctx.dispatch("attentionDelta", [this.b(a.lse), this.b(a.dout), this.b(a.out.data), stats.buffer],
        (w) => this.attnParams(w, a, rows, 0), groupsFor(rows));
      const grads: [Handle | null, "attentionBackwardQ" | "attentionBackwardKV", number, number][] = [
        [a.dq, "attentionBackwardQ", rows, 0],
        [a.dk, "attentionBackwardKV", a.batch * a.heads * a.tk, 0],
        [a.dv, "attentionBackwardKV", a.batch * a.heads * a.tk, 1],
      ];
      for (const [grad, kernel, n, flag] of grads) {
        if (grad === null) continue;
        this.ctx.dispatch(kernel, [...this.attnBuffers(a), stats.buffer, this.b(a.dout), this.b(grad)],
          (w) => this.attnParams(w, a, n, flag), groupsFor(n));
      }
    } finally {
      this.ctx.free(stats); // recorded commands keep their order: reuse by a later kernel is safe
    }
  }

  // ---- recurrent layers: not on the GPU yet ----
  rnnForward(): void {
    throw new TesseraError("E_DEVICE", `rnnForward (nn.RNN / LSTM / GRU): expected a CPU tensor, received one on ${this.label} — no shader runs recurrent layers yet; use the cpu or auto device`);
  }

  rnnBackward(): void {
    throw new TesseraError("E_DEVICE", `rnnBackward (nn.RNN / LSTM / GRU): expected a CPU tensor, received one on ${this.label} — no shader runs recurrent layers yet; use the cpu or auto device`);
  }
}
