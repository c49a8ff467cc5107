// The "auto" device: one Backend whose buffers live on the CPU, the GPU or both, and which runs
// each kernel where it pays. An op goes to the GPU when one of its inputs is only there (the host
// cannot fetch device data synchronously, so such data never comes back by itself) or when its work
// reaches a threshold (elements, or multiply-adds for gemm); otherwise it stays on the CPU, where a
// small op costs microseconds instead of a dispatch. Inputs move host → device on demand, each
// move counted (autoStats); results stay where they were made until read. Tensors on "auto" are one
// device to the op layer (sameBackend never sees a mix), so autograd needs no cross-device edges.
import { TesseraError } from "../errors.js";
import type {
  AdagradStepArgs, AdamStepArgs, AttentionArgs, AttentionBackwardArgs, Backend, BinaryOp, DType, GemmArgs, Handle, HostArray, ReduceOp, RmspropStepArgs, SgdStepArgs, UnaryOp, Region, RnnBackwardArgs, RnnForwardArgs,
} from "./backend.js";

export interface AutoThresholds {
  /** Elementwise, layout, reductions, row kernels: run on the GPU from this many elements. */
  elements: number;
  /** gemm: from this many multiply-adds (batch·m·n·k). */
  macs: number;
}

export interface AutoStats {
  opsOnCpu: number;
  opsOnGpu: number;
  /** Host → device copies made because a GPU op needed data the CPU held, and their bytes. */
  uploads: number;
  bytesUploaded: number;
}

class AutoBuffer {
  cpu: Handle | null = null;
  gpu: Handle | null = null;
  cpuValid = false;
  gpuValid = false;
  freed = false;
  constructor(readonly n: number) {}
}

type Side = "cpu" | "gpu";

export class AutoBackend implements Backend {
  readonly device = "auto";
  /**
   * readSync works for data the CPU holds; data the GPU made is only there, and readSync answers
   * E_DEVICE pointing at read(). Index checks therefore run on the CPU where they can and in the
   * GPU kernels (reported at the next read) where the indices live on the GPU.
   */
  readonly syncRead = true;
  readonly stats: AutoStats = { opsOnCpu: 0, opsOnGpu: 0, uploads: 0, bytesUploaded: 0 };

  constructor(private readonly cpuBackend: () => Backend, private readonly gpuBackend: () => Backend | null,
    readonly thresholds: AutoThresholds) {}

  get label(): string {
    const gpu = this.gpuBackend();
    return gpu === null ? "auto (cpu only: no WebGPU device)" : `auto (cpu below ${this.thresholds.elements} elements / ${this.thresholds.macs} multiply-adds, else ${gpu.label})`;
  }

  private buf(h: Handle | null): AutoBuffer {
    if (!(h instanceof AutoBuffer)) throw new TesseraError("E_DEVICE", "auto: expected a buffer of the auto device, received a foreign handle");
    if (h.freed) throw new TesseraError("E_DISPOSED", "auto: expected a live buffer, received one already freed");
    return h;
  }

  private backendOf(side: Side): Backend {
    if (side === "cpu") return this.cpuBackend();
    const g = this.gpuBackend();
    if (g === null) throw new TesseraError("E_DEVICE", "auto: expected a WebGPU device for data that lives on it, received none (the device was lost)");
    return g;
  }

  /** b's handle on `side`, allocated if missing (contents as they are). */
  private handleOn(b: AutoBuffer, side: Side): Handle {
    if (side === "cpu") return (b.cpu ??= this.cpuBackend().alloc(b.n));
    return (b.gpu ??= this.backendOf("gpu").alloc(b.n));
  }

  /** Makes b's current values available on `side` (a counted upload when the GPU needs the CPU's). */
  private validOn(b: AutoBuffer, side: Side): Handle {
    const h = this.handleOn(b, side);
    if (side === "gpu" && !b.gpuValid && b.cpuValid) {
      const values = this.cpuBackend().readSync(b.cpu!, b.n, "int32"); // the bits, whatever the dtype
      this.backendOf("gpu").write(h, values, "int32");
      this.stats.uploads++;
      this.stats.bytesUploaded += b.n * 4;
    } else if (side === "cpu" && !b.cpuValid && b.gpuValid) {
      throw new TesseraError("E_DEVICE", "auto: expected data the CPU can reach, received data that lives on the GPU; use `await t.read()`");
    }
    if (side === "gpu") b.gpuValid = true;
    else b.cpuValid = true;
    return h;
  }

  /**
   * Runs one kernel call: `ins` are read (and outs that are partly written or accumulated into
   * must be listed there too), `outs` are written. The side: the GPU when an input lives only
   * there or the work reaches the threshold, else the CPU.
   */
  private run(work: number, threshold: number, ins: (Handle | null)[], outs: (Handle | null)[],
    fn: (b: Backend, h: (x: Handle | null) => Handle | null) => void): void {
    const inBufs = ins.filter((h) => h !== null).map((h) => this.buf(h));
    const outBufs = outs.filter((h) => h !== null).map((h) => this.buf(h));
    const gpuAvailable = this.gpuBackend() !== null;
    const gpuOnly = inBufs.some((b) => !b.cpuValid && b.gpuValid);
    const side: Side = gpuOnly || (gpuAvailable && work >= threshold) ? "gpu" : "cpu";
    const map = new Map<AutoBuffer, Handle>();
    for (const b of inBufs) map.set(b, this.validOn(b, side));
    for (const b of outBufs) if (!map.has(b)) map.set(b, this.handleOn(b, side));
    fn(this.backendOf(side), (x) => (x === null ? null : map.get(this.buf(x))!));
    for (const b of outBufs) {
      b.cpuValid = side === "cpu";
      b.gpuValid = side === "gpu";
    }
    if (side === "gpu") this.stats.opsOnGpu++;
    else this.stats.opsOnCpu++;
  }

  private ew(n: number, ins: (Handle | null)[], outs: (Handle | null)[], fn: (b: Backend, h: (x: Handle | null) => Handle | null) => void): void {
    this.run(n, this.thresholds.elements, ins, outs, fn);
  }

  // ---- memory ----
  alloc(n: number): Handle { return new AutoBuffer(n); }

  free(h: Handle): void {
    const b = this.buf(h);
    b.freed = true;
    if (b.cpu !== null) this.cpuBackend().free(b.cpu);
    if (b.gpu !== null) this.gpuBackend()?.free(b.gpu);
  }

  write(h: Handle, src: ArrayLike<number>, dtype: DType, offset = 0): void {
    const b = this.buf(h);
    // Host data lands on the CPU, unless the buffer's other values live only on the GPU.
    if (b.gpuValid && !b.cpuValid) {
      this.backendOf("gpu").write(b.gpu!, src, dtype, offset);
      this.stats.uploads++;
      this.stats.bytesUploaded += src.length * 4;
      return;
    }
    this.cpuBackend().write(this.handleOn(b, "cpu"), src, dtype, offset);
    b.cpuValid = true;
    b.gpuValid = false;
  }

  readSync(h: Handle, n: number, dtype: DType, out?: HostArray): HostArray {
    const b = this.buf(h);
    if (!b.cpuValid && b.gpuValid) {
      throw new TesseraError("E_DEVICE", "readSync: expected data the CPU holds, received a tensor the auto device computed on the GPU; use `await t.read()`");
    }
    return this.cpuBackend().readSync(this.handleOn(b, "cpu"), n, dtype, out);
  }

  read(h: Handle, n: number, dtype: DType): Promise<HostArray> {
    const b = this.buf(h);
    if (!b.cpuValid && b.gpuValid) return this.backendOf("gpu").read(b.gpu!, n, dtype);
    return this.cpuBackend().read(this.handleOn(b, "cpu"), n, dtype);
  }

  fill(h: Handle, n: number, value: number, dtype: DType): void {
    this.ew(n, [], [h], (be, m) => be.fill(m(h)!, n, value, dtype));
  }

  copy(dst: Handle, src: Handle, n: number): void {
    this.ew(n, [src], [dst], (be, m) => be.copy(m(dst)!, m(src)!, n));
  }

  axpy(dst: Handle, src: Handle, n: number, alpha: number): void {
    this.ew(n, [src, dst], [dst], (be, m) => be.axpy(m(dst)!, m(src)!, n, alpha));
  }

  cast(src: Handle, dst: Handle, n: number, to: DType): void {
    this.ew(n, [src], [dst], (be, m) => be.cast(m(src)!, m(dst)!, n, to));
  }

  // ---- elementwise ----
  unary(op: UnaryOp, x: Handle, out: Handle, n: number, p: number): void {
    this.ew(n, [x], [out], (be, m) => be.unary(op, m(x)!, m(out)!, n, p));
  }

  unaryBackward(op: UnaryOp, x: Handle, y: Handle, dy: Handle, dx: Handle, n: number, p: number): void {
    this.ew(n, [x, y, dy], [dx], (be, m) => be.unaryBackward(op, m(x)!, m(y)!, m(dy)!, m(dx)!, n, p));
  }

  binary(op: BinaryOp, a: Handle, b: Handle, out: Handle, n: number): void {
    this.ew(n, [a, b], [out], (be, m) => be.binary(op, m(a)!, m(b)!, m(out)!, n));
  }

  binaryScalar(op: BinaryOp, a: Handle, s: number, out: Handle, n: number, scalarFirst: boolean): void {
    this.ew(n, [a], [out], (be, m) => be.binaryScalar(op, m(a)!, s, m(out)!, n, scalarFirst));
  }

  binaryBroadcast(op: BinaryOp, a: Handle, b: Handle, out: Handle, shape: readonly number[],
    aStrides: readonly number[], bStrides: readonly number[]): void {
    const n = shape.reduce((x, d) => x * d, 1);
    this.ew(n, [a, b], [out], (be, m) => be.binaryBroadcast(op, m(a)!, m(b)!, m(out)!, shape, aStrides, bStrides));
  }

  // ---- reductions ----
  reduceAxis(op: ReduceOp, x: Handle, out: Handle, outer: number, len: number, inner: number): void {
    this.ew(outer * len * inner, [x], [out], (be, m) => be.reduceAxis(op, m(x)!, m(out)!, outer, len, inner));
  }

  argReduceAxis(op: "max" | "min", x: Handle, out: Handle, outer: number, len: number, inner: number): void {
    this.ew(outer * len * inner, [x], [out], (be, m) => be.argReduceAxis(op, m(x)!, m(out)!, outer, len, inner));
  }

  scatterAxis(indices: Handle, dy: Handle, dx: Handle, outer: number, len: number, inner: number): void {
    this.ew(outer * len * inner, [indices, dy], [dx], (be, m) => be.scatterAxis(m(indices)!, m(dy)!, m(dx)!, outer, len, inner));
  }

  // ---- layout ----
  stridedCopy(x: Handle, out: Handle, shape: readonly number[], strides: readonly number[], offset: number): void {
    const n = shape.reduce((a, d) => a * d, 1);
    this.ew(n, [x], [out], (be, m) => be.stridedCopy(m(x)!, m(out)!, shape, strides, offset));
  }

  stridedScatter(src: Handle, dst: Handle, shape: readonly number[], strides: readonly number[], offset: number, accumulate: boolean): void {
    const n = shape.reduce((a, d) => a * d, 1);
    this.ew(n, [src, dst], [dst], (be, m) => be.stridedScatter(m(src)!, m(dst)!, shape, strides, offset, accumulate));
  }

  transpose2d(x: Handle, out: Handle, rows: number, cols: number): void {
    this.ew(rows * cols, [x], [out], (be, m) => be.transpose2d(m(x)!, m(out)!, rows, cols));
  }

  gatherRows(weight: Handle, ids: Handle, out: Handle, nIds: number, dim: number): void {
    this.ew(nIds * dim, [weight, ids], [out], (be, m) => be.gatherRows(m(weight)!, m(ids)!, m(out)!, nIds, dim));
  }

  scatterAddRows(dOut: Handle, ids: Handle, dWeight: Handle, nIds: number, dim: number): void {
    this.ew(nIds * dim, [dOut, ids, dWeight], [dWeight], (be, m) => be.scatterAddRows(m(dOut)!, m(ids)!, m(dWeight)!, nIds, dim));
  }

  alongDimOffsets(idx: Handle, offsets: Handle, shape: readonly number[], xStrides: readonly number[], dim: number): void {
    const n = shape.reduce((a, d) => a * d, 1);
    this.ew(n, [idx], [offsets], (be, m) => be.alongDimOffsets(m(idx)!, m(offsets)!, shape, xStrides, dim));
  }

  findOutOfRange(ids: Handle, n: number, lo: number, hi: number, except: number): number {
    const b = this.buf(ids);
    if (!b.cpuValid) return -1; // on the GPU: its kernels check and report at the next read
    return this.cpuBackend().findOutOfRange(b.cpu!, n, lo, hi, except);
  }

  // ---- matmul ----
  gemm(g: GemmArgs): void {
    const macs = g.batch * g.m * g.n * g.k;
    const ins = [g.a, g.b, g.bias, ...(g.accumulate ? [g.c] : [])];
    this.run(Math.max(macs, 1), this.thresholds.macs, ins, [g.c], (be, m) => be.gemm({ ...g, a: m(g.a)!, b: m(g.b)!, c: m(g.c)!, bias: m(g.bias) }));
  }

  // ---- softmax, normalisation, losses, dropout ----
  softmaxRows(x: Handle, y: Handle, rows: number, cols: number): void {
    this.ew(rows * cols, [x], [y], (be, m) => be.softmaxRows(m(x)!, m(y)!, rows, cols));
  }

  logSoftmaxRows(x: Handle, y: Handle, rows: number, cols: number): void {
    this.ew(rows * cols, [x], [y], (be, m) => be.logSoftmaxRows(m(x)!, m(y)!, rows, cols));
  }

  softmaxBackwardRows(y: Handle, dy: Handle, dx: Handle, rows: number, cols: number): void {
    this.ew(rows * cols, [y, dy], [dx], (be, m) => be.softmaxBackwardRows(m(y)!, m(dy)!, m(dx)!, rows, cols));
  }

  logSoftmaxBackwardRows(y: Handle, dy: Handle, dx: Handle, rows: number, cols: number): void {
    this.ew(rows * cols, [y, dy], [dx], (be, m) => be.logSoftmaxBackwardRows(m(y)!, m(dy)!, m(dx)!, rows, cols));
  }

  layerNormForward(x: Handle, gamma: Handle | null, beta: Handle | null, y: Handle, mean: Handle, rstd: Handle,
    rows: number, cols: number, eps: number): void {
    this.ew(rows * cols, [x, gamma, beta], [y, mean, rstd],
      (be, m) => be.layerNormForward(m(x)!, m(gamma), m(beta), m(y)!, m(mean)!, m(rstd)!, rows, cols, eps));
  }

  layerNormBackward(x: Handle, gamma: Handle | null, mean: Handle, rstd: Handle, dy: Handle, dx: Handle,
    dgamma: Handle | null, dbeta: Handle | null, rows: number, cols: number): void {
    this.ew(rows * cols, [x, gamma, mean, rstd, dy], [dx, dgamma, dbeta],
      (be, m) => be.layerNormBackward(m(x)!, m(gamma), m(mean)!, m(rstd)!, m(dy)!, m(dx)!, m(dgamma), m(dbeta), rows, cols));
  }

  crossEntropyForward(logits: Handle, targets: Handle, losses: Handle, lse: Handle, count: Handle,
    rows: number, cols: number, ignoreIndex: number, smoothing: number): void {
    this.ew(rows * cols, [logits, targets], [losses, lse, count],
      (be, m) => be.crossEntropyForward(m(logits)!, m(targets)!, m(losses)!, m(lse)!, m(count)!, rows, cols, ignoreIndex, smoothing));
  }

  crossEntropyBackward(logits: Handle, targets: Handle, lse: Handle, dLoss: Handle, dlogits: Handle,
    rows: number, cols: number, ignoreIndex: number, smoothing: number): void {
    this.ew(rows * cols, [logits, targets, lse, dLoss], [dlogits],
      (be, m) => be.crossEntropyBackward(m(logits)!, m(targets)!, m(lse)!, m(dLoss)!, m(dlogits)!, rows, cols, ignoreIndex, smoothing));
  }

  nllLossForward(x: Handle, targets: Handle, weight: Handle | null, losses: Handle, total: Handle,
    rows: number, cols: number, ignoreIndex: number): void {
    this.ew(rows * cols, [x, targets, weight], [losses, total],
      (be, m) => be.nllLossForward(m(x)!, m(targets)!, m(weight), m(losses)!, m(total)!, rows, cols, ignoreIndex));
  }

  nllLossBackward(targets: Handle, weight: Handle | null, dLoss: Handle, dx: Handle, rows: number, cols: number, ignoreIndex: number): void {
    this.ew(rows * cols, [targets, weight, dLoss], [dx],
      (be, m) => be.nllLossBackward(m(targets)!, m(weight), m(dLoss)!, m(dx)!, rows, cols, ignoreIndex));
  }

  dropoutForward(x: Handle, y: Handle, mask: Handle, n: number, p: number, seedLo: number, seedHi: number): void {
    this.ew(n, [x], [y, mask], (be, m) => be.dropoutForward(m(x)!, m(y)!, m(mask)!, n, p, seedLo, seedHi));
  }

  // ---- optimizers: the parameter and its state are read and written ----
  sgdStep(param: Handle, grad: Handle, momentumBuffer: Handle | null, n: number, args: SgdStepArgs): void {
    const buf = args.momentum === 0 ? null : momentumBuffer;
    this.ew(n, [grad, param, args.firstStep ? null : buf], [param, buf], (be, m) => be.sgdStep(m(param)!, m(grad)!, m(buf), n, args));
  }

  adamStep(param: Handle, grad: Handle, expAvg: Handle, expAvgSq: Handle, maxExpAvgSq: Handle | null, n: number, args: AdamStepArgs): void {
    const max = args.amsgrad ? maxExpAvgSq : null;
    this.ew(n, [grad, param, expAvg, expAvgSq, max], [param, expAvg, expAvgSq, max],
      (be, m) => be.adamStep(m(param)!, m(grad)!, m(expAvg)!, m(expAvgSq)!, m(max), n, args));
  }

  adagradStep(param: Handle, grad: Handle, sum: Handle, n: number, args: AdagradStepArgs): void {
    this.ew(n, [grad, param, sum], [param, sum], (be, m) => be.adagradStep(m(param)!, m(grad)!, m(sum)!, n, args));
  }

  rmspropStep(param: Handle, grad: Handle, squareAvg: Handle, gradAvg: Handle | null, momentumBuffer: Handle | null,
    n: number, args: RmspropStepArgs): void {
    const ga = args.centered ? gradAvg : null, buf = args.momentum > 0 ? momentumBuffer : null;
    this.ew(n, [grad, param, squareAvg, ga, buf], [param, squareAvg, ga, buf],
      (be, m) => be.rmspropStep(m(param)!, m(grad)!, m(squareAvg)!, m(ga), m(buf), n, args));
  }

  normPartial(x: Handle, n: number, p: number): number {
    const b = this.buf(x);
    if (!b.cpuValid && b.gpuValid) {
      throw new TesseraError("E_DEVICE", "normPartial (clipGradNorm_): expected gradients the CPU holds, received ones the auto device computed on the GPU");
    }
    return this.cpuBackend().normPartial(this.handleOn(b, "cpu"), n, p);
  }

  // ---- attention: the work is the multiply-adds of its products ----
  /** args with every handle mapped to the chosen side. */
  private static attnOn<T extends AttentionArgs>(a: T, m: (x: Handle | null) => Handle | null): T {
    const op = <O extends { data: Handle }>(o: O): O => ({ ...o, data: m(o.data)! });
    return {
      ...a, q: op(a.q), k: op(a.k), v: op(a.v), out: op(a.out), masks: a.masks.map(op), lse: m(a.lse),
      kNew: a.kNew ? op(a.kNew) : a.kNew, vNew: a.vNew ? op(a.vNew) : a.vNew,
    };
  }

  attentionForward(a: AttentionArgs): void {
    const macs = a.batch * a.heads * a.tq * a.tk * (a.dimQK + a.dimV);
    // a KV-cache append writes some rows of k and v: they are read and written
    const cache = a.kNew && a.vNew ? [a.k.data, a.v.data] : [];
    this.run(Math.max(macs, 1), this.thresholds.macs,
      [a.q.data, a.k.data, a.v.data, ...a.masks.map((x) => x.data), a.kNew?.data ?? null, a.vNew?.data ?? null],
      [a.out.data, a.lse, ...cache], (be, m) => be.attentionForward(AutoBackend.attnOn(a, m)));
  }

  attentionBackward(a: AttentionBackwardArgs): void {
    const macs = 2 * a.batch * a.heads * a.tq * a.tk * (a.dimQK + a.dimV);
    this.run(Math.max(macs, 1), this.thresholds.macs,
      [a.q.data, a.k.data, a.v.data, ...a.masks.map((x) => x.data), a.out.data, a.lse, a.dout], [a.dq, a.dk, a.dv],
      (be, m) => be.attentionBackward({ ...AutoBackend.attnOn(a, m), lse: m(a.lse)!, dout: m(a.dout)!, dq: m(a.dq), dk: m(a.dk), dv: m(a.dv) }));
  }

  // ---- recurrent layers: no shader yet, so they run on the CPU (E_DEVICE for data only the GPU holds) ----
  private rnnOnCpu<A extends RnnForwardArgs | RnnBackwardArgs>(a: A, ins: (Handle | null)[], outs: (Handle | null)[],
    call: (be: Backend, args: A) => void): void {
    const region = (r: Region | null, m: (x: Handle | null) => Handle | null): Region | null => (r === null ? null : { handle: m(r.handle)!, offset: r.offset });
    this.run(0, Infinity, ins, outs, (be, m) => {
      const mapped = { ...a } as Record<string, unknown>;
      for (const [key, value] of Object.entries(a)) {
        if (value !== null && typeof value === "object" && "offset" in (value as object)) mapped[key] = region(value as Region, m);
        else if (value !== null && typeof value === "object") mapped[key] = m(value as Handle);
      }
      call(be, mapped as A);
    });
  }

  rnnForward(a: RnnForwardArgs): void {
    const h = (r: Region | null) => r?.handle ?? null;
    // out, hN and cN are regions of larger buffers: listed as inputs too, so their other values survive
    const outs = [h(a.out), a.gates, a.cells, h(a.hN), h(a.cN)];
    this.rnnOnCpu(a, [a.x, a.wIh, a.wHh, a.bIh, a.bHh, h(a.h0), h(a.c0), ...outs], outs, (be, args) => be.rnnForward(args));
  }

  rnnBackward(a: RnnBackwardArgs): void {
    const h = (r: Region | null) => r?.handle ?? null;
    const outs = [a.dx, h(a.dh0), h(a.dc0), a.dWIh, a.dWHh, a.dBIh, a.dBHh];
    const ins = [a.x, a.wIh, a.wHh, a.bIh, a.bHh, h(a.h0), h(a.c0), h(a.out), a.gates, a.cells, h(a.dOut), h(a.dhN), h(a.dcN),
      a.accumulateDx ? a.dx : null, h(a.dh0), h(a.dc0)];
    this.rnnOnCpu(a, ins, outs, (be, args) => be.rnnBackward(args));
  }
}
