// A second device for tests: the whole Backend interface (src/backend/backend.ts) in plain
// TypeScript. A handle is an object holding an ArrayBuffer viewed as float32 and int32; every kernel
// is the plainest loop that follows the interface contract, computing in float64 and rounding once
// into float32 storage. It proves the device seam is real (ops reach data only through the
// interface) before WebGPU uses it. The op suites do not trust it: their references are float64
// code in the tests. Contract violations (a foreign or freed handle, an index out of range) throw
// a plain Error, so a bug in an op shows up here instead of reading garbage.
import type { AttentionArgs, AttentionBackwardArgs, AttentionMask, AttentionOperand, Backend, BinaryOp, DType, GemmArgs, Handle, HostArray, ReduceOp, UnaryOp, SgdStepArgs, AdamStepArgs, AdagradStepArgs, RmspropStepArgs, Region, RnnBackwardArgs, RnnForwardArgs } from "../../src/backend/backend.js";

class RefBuffer {
  readonly f32: Float32Array;
  readonly i32: Int32Array;
  freed = false;
  constructor(readonly n: number) {
    const buf = new ArrayBuffer(Math.max(n, 1) * 4);
    this.f32 = new Float32Array(buf);
    this.i32 = new Int32Array(buf);
  }
}

const f32 = Math.fround;

// ---- float64 special functions ----

/** erf by its Maclaurin series (|x| ≤ 2) and erfc by Lentz's continued fraction beyond. */
function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < -2) return 2 - erfc(-x);
  if (x <= 2) {
    // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
    let term = x, sum = x;
    for (let n = 1; n < 60; n++) {
      term *= -x * x / n;
      sum += term / (2 * n + 1);
    }
    return 1 - 2 / Math.sqrt(Math.PI) * sum;
  }
  if (x === Infinity) return 0;
  // erfc(x) = e^(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))), modified Lentz
  const tiny = 1e-300;
  let f = x, c = x, d = 0;
  for (let n = 1; n < 200; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Φ(x) = P(N(0, 1) ≤ x). */
const normalCdf = (x: number): number => 0.5 * erfc(-x / Math.SQRT2);
const normalPdf = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function unaryValue(op: UnaryOp, x: number, p: number): number {
  switch (op) {
    case "neg": return -x;
    case "exp": return Math.exp(x);
    case "log": return Math.log(x);
    case "sqrt": return Math.sqrt(x);
    case "tanh": return Math.tanh(x);
    case "sigmoid": return sigmoid(x);
    case "relu": return x < 0 ? 0 : x; // NaN and −0 pass through, like torch
    case "gelu": return x === -Infinity ? 0 : x * normalCdf(x); // the limit at −∞ is 0
    case "geluTanh": {
      const s = 1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x));
      return s === 0 ? 0 : 0.5 * x * s;
    }
    case "silu": return x * sigmoid(x);
    case "pow": return Math.pow(x, p);
    case "abs": return Math.abs(x);
    case "square": return x * x;
  }
}

/** op'(x) given y = op(x); the derivative torch uses where op is not differentiable. */
function unaryDerivative(op: UnaryOp, x: number, y: number, p: number): number {
  switch (op) {
    case "neg": return -1;
    case "exp": return y;
    case "log": return 1 / x;
    case "sqrt": return 0.5 / y;
    case "tanh": return 1 - y * y;
    case "sigmoid": return y * (1 - y);
    case "relu": return x <= 0 ? 0 : 1; // relu'(0) = 0; NaN passes the gradient
    case "gelu": {
      const pdf = normalPdf(x);
      return normalCdf(x) + (pdf === 0 ? 0 : x * pdf); // limits 0 and 1 at ∓∞
    }
    case "geluTanh": {
      const t = Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x));
      const sech = 1 - t * t;
      return 0.5 * (1 + t) + (sech === 0 ? 0 : 0.5 * x * sech * Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * x * x));
    }
    case "silu": {
      const s = sigmoid(x);
      return s * (1 + x * (1 - s));
    }
    case "pow": return p === 0 ? 0 : p * Math.pow(x, p - 1);
    case "abs": return x > 0 ? 1 : x < 0 ? -1 : 0; // abs'(0) = 0, and 0 for NaN
    case "square": return 2 * x;
  }
}

function binaryValue(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case "add": return a + b;
    case "sub": return a - b;
    case "mul": return a * b;
    case "div": return a / b;
    case "maximum": return Math.max(a, b); // NaN propagates, like torch.maximum
    case "minimum": return Math.min(a, b);
  }
}

/** Element offset of the `flat`-th element (row-major over shape) in a view with these strides. */
function viewOffset(flat: number, shape: readonly number[], strides: readonly number[], offset: number): number {
  let at = offset;
  for (let d = shape.length - 1; d >= 0; d--) {
    const i = flat % shape[d];
    flat = (flat - i) / shape[d];
    at += i * strides[d];
  }
  return at;
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);

/** splitmix64 (Steele, Lea & Flood 2014) over BigInt, as assembly/dropout.ts computes it on u64. */
function splitmix64(z: bigint): bigint {
  const M = (1n << 64n) - 1n;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
  return z ^ (z >> 31n);
}

export class ReferenceBackend implements Backend {
  readonly device = "reference";
  readonly label = "reference (plain TypeScript, float64 loops)";
  readonly syncRead = true;
  /** Buffers allocated and not yet freed (tests check that ops leak nothing). */
  live = 0;

  private buf(h: Handle | null, what = "handle"): RefBuffer {
    if (!(h instanceof RefBuffer)) throw new Error(`reference backend: ${what}: expected a buffer of this device, received ${h === null ? "null" : typeof h}`);
    if (h.freed) throw new Error(`reference backend: ${what}: used after free`);
    return h;
  }

  /** The buffer of h, checked to hold at least n elements. */
  private f(h: Handle, n: number, what: string): Float32Array {
    const b = this.buf(h, what);
    if (n > b.n) throw new Error(`reference backend: ${what}: ${n} elements needed, the buffer has ${b.n}`);
    return b.f32;
  }

  private i(h: Handle, n: number, what: string): Int32Array {
    const b = this.buf(h, what);
    if (n > b.n) throw new Error(`reference backend: ${what}: ${n} elements needed, the buffer has ${b.n}`);
    return b.i32;
  }

  // ---- memory ----
  alloc(n: number): Handle {
    if (!Number.isInteger(n) || n < 0) throw new Error(`reference backend: alloc: bad size ${n}`);
    this.live++;
    return new RefBuffer(n);
  }

  free(h: Handle): void {
    const b = this.buf(h, "free");
    b.freed = true;
    this.live--;
  }

  write(h: Handle, src: ArrayLike<number>, dtype: DType, offset = 0): void {
    const b = this.buf(h, "write");
    if (offset + src.length > b.n) throw new Error("reference backend: write past the end of the buffer");
    if (dtype === "int32") b.i32.set(src, offset);
    else b.f32.set(src, offset);
  }

  readSync(h: Handle, n: number, dtype: DType, out?: HostArray): HostArray {
    const b = this.buf(h, "readSync");
    if (n > b.n) throw new Error("reference backend: read past the end of the buffer");
    const src = dtype === "int32" ? b.i32 : b.f32;
    const dst = out ?? (dtype === "int32" ? new Int32Array(n) : new Float32Array(n));
    for (let k = 0; k < n; k++) dst[k] = src[k];
    return dst;
  }

  async read(h: Handle, n: number, dtype: DType): Promise<HostArray> {
    return this.readSync(h, n, dtype);
  }

  fill(h: Handle, n: number, value: number, dtype: DType): void {
    if (dtype === "int32") this.i(h, n, "fill").fill(value, 0, n);
    else this.f(h, n, "fill").fill(value, 0, n);
  }

  copy(dst: Handle, src: Handle, n: number): void {
    const d = this.i(dst, n, "copy dst");
    const s = this.i(src, n, "copy src");
    for (let k = 0; k < n; k++) d[k] = s[k];
  }

  axpy(dst: Handle, src: Handle, n: number, alpha: number): void {
    const d = this.f(dst, n, "axpy dst");
    const s = this.f(src, n, "axpy src");
    const a = f32(alpha);
    for (let k = 0; k < n; k++) d[k] = d[k] + a * s[k];
  }

  cast(src: Handle, dst: Handle, n: number, to: DType): void {
    if (to === "int32") {
      const s = this.f(src, n, "cast src");
      const d = this.i(dst, n, "cast dst");
      for (let k = 0; k < n; k++) {
        const v = s[k];
        d[k] = Number.isNaN(v) ? 0 : v >= 2 ** 31 ? 2 ** 31 - 1 : v <= -(2 ** 31) ? -(2 ** 31) : Math.trunc(v);
      }
    } else {
      const s = this.i(src, n, "cast src");
      const d = this.f(dst, n, "cast dst");
      for (let k = 0; k < n; k++) d[k] = s[k]; // the Float32Array store rounds to nearest
    }
  }

  // ---- elementwise ----
  unary(op: UnaryOp, x: Handle, out: Handle, n: number, p: number): void {
    const xs = this.f(x, n, "unary x");
    const ys = this.f(out, n, "unary out");
    const pf = f32(p);
    for (let k = 0; k < n; k++) ys[k] = unaryValue(op, xs[k], pf);
  }

  unaryBackward(op: UnaryOp, x: Handle, y: Handle, dy: Handle, dx: Handle, n: number, p: number): void {
    const xs = this.f(x, n, "unaryBackward x");
    const ys = this.f(y, n, "unaryBackward y");
    const gs = this.f(dy, n, "unaryBackward dy");
    const out = this.f(dx, n, "unaryBackward dx");
    const pf = f32(p);
    for (let k = 0; k < n; k++) out[k] = gs[k] * unaryDerivative(op, xs[k], ys[k], pf);
  }

  binary(op: BinaryOp, a: Handle, b: Handle, out: Handle, n: number): void {
    const as = this.f(a, n, "binary a");
    const bs = this.f(b, n, "binary b");
    const os = this.f(out, n, "binary out");
    for (let k = 0; k < n; k++) os[k] = binaryValue(op, as[k], bs[k]);
  }

  binaryScalar(op: BinaryOp, a: Handle, s: number, out: Handle, n: number, scalarFirst: boolean): void {
    const as = this.f(a, n, "binaryScalar a");
    const os = this.f(out, n, "binaryScalar out");
    const sf = f32(s);
    for (let k = 0; k < n; k++) os[k] = scalarFirst ? binaryValue(op, sf, as[k]) : binaryValue(op, as[k], sf);
  }

  binaryBroadcast(op: BinaryOp, a: Handle, b: Handle, out: Handle, shape: readonly number[],
    aStrides: readonly number[], bStrides: readonly number[]): void {
    const n = sizeOf(shape);
    const as = this.buf(a, "binaryBroadcast a").f32;
    const bs = this.buf(b, "binaryBroadcast b").f32;
    const os = this.f(out, n, "binaryBroadcast out");
    // Results go to a scratch first: out may alias a.
    const res = new Float64Array(n);
    for (let k = 0; k < n; k++) res[k] = binaryValue(op, as[viewOffset(k, shape, aStrides, 0)], bs[viewOffset(k, shape, bStrides, 0)]);
    os.set(res);
  }

  // ---- reductions ----
  reduceAxis(op: ReduceOp, x: Handle, out: Handle, outer: number, len: number, inner: number): void {
    const xs = this.f(x, outer * len * inner, "reduceAxis x");
    const os = this.f(out, outer * inner, "reduceAxis out");
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let acc = op === "sum" || op === "mean" ? 0 : len === 0 ? NaN : xs[o * len * inner + i];
        for (let l = 0; l < len; l++) {
          const v = xs[(o * len + l) * inner + i];
          acc = op === "max" ? Math.max(acc, v) : op === "min" ? Math.min(acc, v) : acc + v;
        }
        os[o * inner + i] = op === "mean" ? acc / len : acc; // mean of nothing: 0/0 = NaN
      }
    }
  }

  argReduceAxis(op: "max" | "min", x: Handle, out: Handle, outer: number, len: number, inner: number): void {
    if (len < 1) throw new Error("reference backend: argReduceAxis: len must be ≥ 1");
    const xs = this.f(x, outer * len * inner, "argReduceAxis x");
    const os = this.i(out, outer * inner, "argReduceAxis out");
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let best = 0;
        for (let l = 0; l < len; l++) {
          const v = xs[(o * len + l) * inner + i];
          if (Number.isNaN(v)) { best = l; break; } // the first NaN is the extreme
          const b = xs[(o * len + best) * inner + i];
          if (op === "max" ? v > b : v < b) best = l;
        }
        os[o * inner + i] = best;
      }
    }
  }

  scatterAxis(indices: Handle, dy: Handle, dx: Handle, outer: number, len: number, inner: number): void {
    const idx = this.i(indices, outer * inner, "scatterAxis indices");
    const g = this.f(dy, outer * inner, "scatterAxis dy");
    const d = this.f(dx, outer * len * inner, "scatterAxis dx");
    d.fill(0, 0, outer * len * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const l = idx[o * inner + i];
        if (l < 0 || l >= len) throw new Error(`reference backend: scatterAxis: index ${l} outside [0, ${len})`);
        d[(o * len + l) * inner + i] = g[o * inner + i];
      }
    }
  }

  // ---- layout ----
  stridedCopy(x: Handle, out: Handle, shape: readonly number[], strides: readonly number[], offset: number): void {
    const n = sizeOf(shape);
    const xs = this.buf(x, "stridedCopy x");
    const os = this.i(out, n, "stridedCopy out");
    for (let k = 0; k < n; k++) {
      const at = viewOffset(k, shape, strides, offset);
      if (at < 0 || at >= xs.n) throw new Error(`reference backend: stridedCopy: element ${at} outside the buffer of ${xs.n}`);
      os[k] = xs.i32[at];
    }
  }

  stridedScatter(src: Handle, dst: Handle, shape: readonly number[], strides: readonly number[], offset: number, accumulate: boolean): void {
    const n = sizeOf(shape);
    const s = this.buf(src, "stridedScatter src");
    const d = this.buf(dst, "stridedScatter dst");
    if (n > s.n) throw new Error("reference backend: stridedScatter: src too short");
    for (let k = 0; k < n; k++) {
      const at = viewOffset(k, shape, strides, offset);
      if (at < 0 || at >= d.n) throw new Error(`reference backend: stridedScatter: element ${at} outside the buffer of ${d.n}`);
      if (accumulate) d.f32[at] = d.f32[at] + s.f32[k];
      else d.i32[at] = s.i32[k];
    }
  }

  transpose2d(x: Handle, out: Handle, rows: number, cols: number): void {
    const xs = this.i(x, rows * cols, "transpose2d x");
    const os = this.i(out, rows * cols, "transpose2d out");
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) os[c * rows + r] = xs[r * cols + c];
  }

  gatherRows(weight: Handle, ids: Handle, out: Handle, nIds: number, dim: number): void {
    const w = this.buf(weight, "gatherRows weight");
    const is = this.i(ids, nIds, "gatherRows ids");
    const os = this.i(out, nIds * dim, "gatherRows out");
    for (let r = 0; r < nIds; r++) {
      const id = is[r];
      if (id < 0 || (id + 1) * dim > w.n) throw new Error(`reference backend: gatherRows: id ${id} outside the weight`);
      for (let j = 0; j < dim; j++) os[r * dim + j] = w.i32[id * dim + j];
    }
  }

  scatterAddRows(dOut: Handle, ids: Handle, dWeight: Handle, nIds: number, dim: number): void {
    const g = this.f(dOut, nIds * dim, "scatterAddRows dOut");
    const is = this.i(ids, nIds, "scatterAddRows ids");
    const w = this.buf(dWeight, "scatterAddRows dWeight");
    for (let r = 0; r < nIds; r++) {
      const id = is[r];
      if (id < 0 || (id + 1) * dim > w.n) throw new Error(`reference backend: scatterAddRows: id ${id} outside the weight`);
      for (let j = 0; j < dim; j++) w.f32[id * dim + j] = w.f32[id * dim + j] + g[r * dim + j];
    }
  }

  alongDimOffsets(idx: Handle, offsets: Handle, shape: readonly number[], xStrides: readonly number[], dim: number): void {
    const n = sizeOf(shape);
    const is = this.i(idx, n, "alongDimOffsets idx");
    const os = this.i(offsets, n, "alongDimOffsets offsets");
    if (shape.length === 0) {
      if (n > 0) os[0] = 0;
      return;
    }
    for (let k = 0; k < n; k++) {
      let rem = k, at = 0;
      for (let d = shape.length - 1; d >= 0; d--) {
        const i = rem % shape[d];
        rem = (rem - i) / shape[d];
        at += (d === dim ? is[k] : i) * xStrides[d];
      }
      os[k] = at;
    }
  }

  findOutOfRange(ids: Handle, n: number, lo: number, hi: number, except: number): number {
    const is = this.i(ids, n, "findOutOfRange ids");
    for (let k = 0; k < n; k++) if ((is[k] < lo || is[k] > hi) && is[k] !== except) return k;
    return -1;
  }

  // ---- matmul ----
  gemm(g: GemmArgs): void {
    const { m, n, k, batch } = g;
    if (batch <= 0 || m <= 0 || n <= 0) return;
    const A = this.buf(g.a, "gemm a").f32;
    const B = this.buf(g.b, "gemm b").f32;
    const C = this.f(g.c, (batch - 1) * g.strideC + m * n, "gemm c");
    const bias = g.bias === null ? null : this.f(g.bias, n, "gemm bias");
    for (let t = 0; t < batch; t++) {
      const oa = t * g.strideA, ob = t * g.strideB, oc = t * g.strideC;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = g.accumulate ? C[oc + i * n + j] : 0;
          for (let p = 0; p < k; p++) {
            const a = g.transA ? A[oa + p * m + i] : A[oa + i * k + p];
            const b = g.transB ? B[ob + j * k + p] : B[ob + p * n + j];
            s += a * b;
          }
          if (bias) s += bias[j];
          C[oc + i * n + j] = s;
        }
      }
    }
  }

  // ---- softmax, normalisation, losses, dropout ----
  /** max and Σ e^(x − max) of one row, in float64. */
  private rowStats(xs: Float32Array, off: number, cols: number): [number, number] {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, xs[off + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(xs[off + j] - m);
    return [m, s];
  }

  softmaxRows(x: Handle, y: Handle, rows: number, cols: number): void {
    const xs = this.f(x, rows * cols, "softmaxRows x");
    const ys = this.f(y, rows * cols, "softmaxRows y");
    for (let r = 0; r < rows; r++) {
      const [m, s] = this.rowStats(xs, r * cols, cols);
      for (let j = 0; j < cols; j++) ys[r * cols + j] = Math.exp(xs[r * cols + j] - m) / s;
    }
  }

  logSoftmaxRows(x: Handle, y: Handle, rows: number, cols: number): void {
    const xs = this.f(x, rows * cols, "logSoftmaxRows x");
    const ys = this.f(y, rows * cols, "logSoftmaxRows y");
    for (let r = 0; r < rows; r++) {
      const [m, s] = this.rowStats(xs, r * cols, cols);
      const ls = Math.log(s);
      for (let j = 0; j < cols; j++) ys[r * cols + j] = (xs[r * cols + j] - m) - ls;
    }
  }

  softmaxBackwardRows(y: Handle, dy: Handle, dx: Handle, rows: number, cols: number): void {
    const ys = this.f(y, rows * cols, "softmaxBackwardRows y");
    const gs = this.f(dy, rows * cols, "softmaxBackwardRows dy");
    const ds = this.f(dx, rows * cols, "softmaxBackwardRows dx");
    for (let r = 0; r < rows; r++) {
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += gs[r * cols + j] * ys[r * cols + j];
      for (let j = 0; j < cols; j++) ds[r * cols + j] = ys[r * cols + j] * (gs[r * cols + j] - dot);
    }
  }

  logSoftmaxBackwardRows(y: Handle, dy: Handle, dx: Handle, rows: number, cols: number): void {
    const ys = this.f(y, rows * cols, "logSoftmaxBackwardRows y");
    const gs = this.f(dy, rows * cols, "logSoftmaxBackwardRows dy");
    const ds = this.f(dx, rows * cols, "logSoftmaxBackwardRows dx");
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += gs[r * cols + j];
      for (let j = 0; j < cols; j++) ds[r * cols + j] = gs[r * cols + j] - Math.exp(ys[r * cols + j]) * s;
    }
  }

  layerNormForward(x: Handle, gamma: Handle | null, beta: Handle | null, y: Handle, mean: Handle, rstd: Handle,
    rows: number, cols: number, eps: number): void {
    const xs = this.f(x, rows * cols, "layerNormForward x");
    const ys = this.f(y, rows * cols, "layerNormForward y");
    const ms = this.f(mean, rows, "layerNormForward mean");
    const rs = this.f(rstd, rows, "layerNormForward rstd");
    const gs = gamma === null ? null : this.f(gamma, cols, "layerNormForward gamma");
    const bs = beta === null ? null : this.f(beta, cols, "layerNormForward beta");
    const e = f32(eps);
    for (let r = 0; r < rows; r++) {
      let mu = 0;
      for (let j = 0; j < cols; j++) mu += xs[r * cols + j];
      mu /= cols;
      let v = 0;
      for (let j = 0; j < cols; j++) v += (xs[r * cols + j] - mu) ** 2;
      const rstdRow = 1 / Math.sqrt(v / cols + e); // biased variance, eps inside the root
      ms[r] = mu;
      rs[r] = rstdRow;
      for (let j = 0; j < cols; j++) {
        let o = (xs[r * cols + j] - mu) * rstdRow;
        if (gs) o *= gs[j];
        if (bs) o += bs[j];
        ys[r * cols + j] = o;
      }
    }
  }

  layerNormBackward(x: Handle, gamma: Handle | null, mean: Handle, rstd: Handle, dy: Handle, dx: Handle,
    dgamma: Handle | null, dbeta: Handle | null, rows: number, cols: number): void {
    const xs = this.f(x, rows * cols, "layerNormBackward x");
    const ms = this.f(mean, rows, "layerNormBackward mean");
    const rs = this.f(rstd, rows, "layerNormBackward rstd");
    const gy = this.f(dy, rows * cols, "layerNormBackward dy");
    const ds = this.f(dx, rows * cols, "layerNormBackward dx");
    const gs = gamma === null ? null : this.f(gamma, cols, "layerNormBackward gamma");
    const dgs = dgamma === null ? null : new Float64Array(cols);
    const dbs = dbeta === null ? null : new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      const mu = ms[r], rsd = rs[r];
      let sG = 0, sGX = 0;
      for (let j = 0; j < cols; j++) {
        const xh = (xs[r * cols + j] - mu) * rsd;
        const d = gy[r * cols + j];
        const g = gs ? d * gs[j] : d;
        sG += g;
        sGX += g * xh;
        if (dgs) dgs[j] += d * xh;
        if (dbs) dbs[j] += d;
      }
      for (let j = 0; j < cols; j++) {
        const xh = (xs[r * cols + j] - mu) * rsd;
        const g = gs ? gy[r * cols + j] * gs[j] : gy[r * cols + j];
        ds[r * cols + j] = rsd * (g - sG / cols - xh * sGX / cols);
      }
    }
    if (dgs) this.f(dgamma!, cols, "layerNormBackward dgamma").set(dgs);
    if (dbs) this.f(dbeta!, cols, "layerNormBackward dbeta").set(dbs);
  }

  crossEntropyForward(logits: Handle, targets: Handle, losses: Handle, lse: Handle, count: Handle,
    rows: number, cols: number, ignoreIndex: number, smoothing: number): void {
    const xs = this.f(logits, rows * cols, "crossEntropyForward logits");
    const ts = this.i(targets, rows, "crossEntropyForward targets");
    const ls = this.f(losses, rows, "crossEntropyForward losses");
    const lses = this.f(lse, rows, "crossEntropyForward lse");
    const eps = f32(smoothing);
    let kept = 0;
    for (let r = 0; r < rows; r++) {
      const [m, s] = this.rowStats(xs, r * cols, cols);
      const l = m + Math.log(s);
      lses[r] = l;
      const t = ts[r];
      if (t === ignoreIndex) {
        ls[r] = 0;
        continue;
      }
      if (t < 0 || t >= cols) throw new Error(`reference backend: crossEntropyForward: target ${t} outside [0, ${cols})`);
      kept++;
      let mean = 0;
      for (let j = 0; j < cols; j++) mean += xs[r * cols + j];
      mean /= cols;
      ls[r] = (1 - eps) * (l - xs[r * cols + t]) + eps * (l - mean);
    }
    this.f(count, 1, "crossEntropyForward count")[0] = kept;
  }

  crossEntropyBackward(logits: Handle, targets: Handle, lse: Handle, dLoss: Handle, dlogits: Handle,
    rows: number, cols: number, ignoreIndex: number, smoothing: number): void {
    const xs = this.f(logits, rows * cols, "crossEntropyBackward logits");
    const ts = this.i(targets, rows, "crossEntropyBackward targets");
    this.f(lse, rows, "crossEntropyBackward lse"); // recomputed below in float64 instead
    const gl = this.f(dLoss, rows, "crossEntropyBackward dLoss");
    const ds = this.f(dlogits, rows * cols, "crossEntropyBackward dlogits");
    const eps = f32(smoothing);
    for (let r = 0; r < rows; r++) {
      const t = ts[r];
      if (t === ignoreIndex) {
        ds.fill(0, r * cols, (r + 1) * cols);
        continue;
      }
      const [m, s] = this.rowStats(xs, r * cols, cols);
      for (let j = 0; j < cols; j++) {
        const target = (j === t ? 1 - eps : 0) + eps / cols;
        ds[r * cols + j] = gl[r] * (Math.exp(xs[r * cols + j] - m) / s - target);
      }
    }
  }

  nllLossForward(x: Handle, targets: Handle, weight: Handle | null, losses: Handle, total: Handle,
    rows: number, cols: number, ignoreIndex: number): void {
    const xs = this.f(x, rows * cols, "nllLossForward x");
    const ts = this.i(targets, rows, "nllLossForward targets");
    const ws = weight === null ? null : this.f(weight, cols, "nllLossForward weight");
    const ls = this.f(losses, rows, "nllLossForward losses");
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      const t = ts[r];
      if (t === ignoreIndex) {
        ls[r] = 0;
        continue;
      }
      if (t < 0 || t >= cols) throw new Error(`reference backend: nllLossForward: target ${t} outside [0, ${cols})`);
      const w = ws ? ws[t] : 1;
      sum += w;
      ls[r] = -w * xs[r * cols + t];
    }
    this.f(total, 1, "nllLossForward total")[0] = sum;
  }

  nllLossBackward(targets: Handle, weight: Handle | null, dLoss: Handle, dx: Handle, rows: number, cols: number, ignoreIndex: number): void {
    const ts = this.i(targets, rows, "nllLossBackward targets");
    const ws = weight === null ? null : this.f(weight, cols, "nllLossBackward weight");
    const gl = this.f(dLoss, rows, "nllLossBackward dLoss");
    const ds = this.f(dx, rows * cols, "nllLossBackward dx");
    ds.fill(0);
    for (let r = 0; r < rows; r++) {
      const t = ts[r];
      if (t === ignoreIndex) continue;
      ds[r * cols + t] = -(ws ? ws[t] : 1) * gl[r];
    }
  }

  dropoutForward(x: Handle, y: Handle, mask: Handle, n: number, p: number, seedLo: number, seedHi: number): void {
    const xs = this.f(x, n, "dropoutForward x");
    const ys = this.f(y, n, "dropoutForward y");
    const ms = this.f(mask, n, "dropoutForward mask");
    const M = (1n << 64n) - 1n;
    const seed = (BigInt(seedHi >>> 0) << 32n) | BigInt(seedLo >>> 0);
    const pf = f32(p);
    const scale = pf < 1 ? f32(1 / f32(1 - pf)) : 0; // the kernel's float32 arithmetic
    for (let k = 0; k < n; k++) {
      const h = splitmix64((seed + BigInt(k + 1) * 0x9e3779b97f4a7c15n) & M);
      const u = Number(h >> 40n) * 2 ** -24; // top 24 bits, exact in float32
      ms[k] = u >= pf ? scale : 0;
      ys[k] = xs[k] * ms[k];
    }
  }

  // ---- attention: the plain formulas, one float64 row of scores at a time ----

  /** Element index of row `row`, column 0 of head (b, h) of an operand. */
  private static at(o: AttentionOperand, b: number, h: number, row: number): number {
    return o.offset + b * o.strides[0] + h * o.strides[1] + row * o.strides[2];
  }

  /** The additive mask term of (b, h, i, j): the masks summed, −∞ where one drops the position. */
  private maskTerm(masks: readonly AttentionMask[], b: number, h: number, i: number, j: number): number {
    let x = 0;
    for (const m of masks) {
      const e = m.offset + b * m.strides[0] + h * m.strides[1] + i * m.strides[2] + j * m.strides[3];
      const buf = this.buf(m.data, "attention mask");
      if (e >= buf.n) throw new Error("reference backend: attention mask read past the end");
      if (m.kind === "add") x += buf.f32[e];
      else if ((buf.i32[e] !== 0) !== (m.kind === "keepNonzero")) x += -Infinity;
    }
    return Number.isNaN(x) ? -Infinity : x;
  }

  /** The dropout multiplier of attention weight (t = b·heads + h, i, j). */
  private static attnDropout(a: AttentionArgs, t: number, i: number, j: number): number {
    if (a.dropout === 0) return 1;
    const M = (1n << 64n) - 1n;
    const seed = (BigInt(a.seedHi >>> 0) << 32n) | BigInt(a.seedLo >>> 0);
    const idx = BigInt((t * a.tq + i) * a.tk + j);
    const u = Number(splitmix64((seed + (idx + 1n) * 0x9e3779b97f4a7c15n) & M) >> 40n) * 2 ** -24;
    const p = f32(a.dropout);
    return u >= p ? 1 / (1 - p) : 0;
  }

  /** Probabilities (before dropout) of query row i of head (b, h) over the keys, and the row's log-sum-exp. */
  private attnRow(a: AttentionArgs, b: number, h: number, i: number): { p: Float64Array; lse: number } {
    const qs = this.buf(a.q.data, "attention q").f32, ks = this.buf(a.k.data, "attention k").f32;
    const s = new Float64Array(a.tk);
    let mx = -Infinity;
    const qi = ReferenceBackend.at(a.q, b, h, i);
    for (let j = 0; j < a.tk; j++) {
      if (a.causal && j > i + a.causalOffset) { s[j] = -Infinity; continue; }
      const kj = ReferenceBackend.at(a.k, b, h, j);
      let d = 0;
      for (let c = 0; c < a.dimQK; c++) d += qs[qi + c] * ks[kj + c];
      s[j] = d * a.scale + this.maskTerm(a.masks, b, h, i, j);
      mx = Math.max(mx, s[j]);
    }
    const p = new Float64Array(a.tk);
    if (mx === -Infinity) return { p, lse: -Infinity };
    let sum = 0;
    for (let j = 0; j < a.tk; j++) sum += (p[j] = Math.exp(s[j] - mx));
    for (let j = 0; j < a.tk; j++) p[j] /= sum;
    return { p, lse: mx + Math.log(sum) };
  }

  attentionForward(a: AttentionArgs): void {
    if (a.kNew && a.vNew) {
      const kn = this.buf(a.kNew.data, "attention kNew").f32, vn = this.buf(a.vNew.data, "attention vNew").f32;
      const ks = this.buf(a.k.data, "attention k").f32, vs = this.buf(a.v.data, "attention v").f32;
      for (let b = 0; b < a.batch; b++) for (let h = 0; h < a.heads; h++) for (let r = 0; r < a.tq; r++) {
        const row = a.tk - a.tq + r;
        for (let c = 0; c < a.dimQK; c++) ks[ReferenceBackend.at(a.k, b, h, row) + c] = kn[ReferenceBackend.at(a.kNew, b, h, r) + c];
        for (let c = 0; c < a.dimV; c++) vs[ReferenceBackend.at(a.v, b, h, row) + c] = vn[ReferenceBackend.at(a.vNew, b, h, r) + c];
      }
    }
    const vs = this.buf(a.v.data, "attention v").f32, os = this.buf(a.out.data, "attention out").f32;
    const lse = a.lse === null ? null : this.f(a.lse, a.batch * a.heads * a.tq, "attention lse");
    for (let b = 0; b < a.batch; b++) for (let h = 0; h < a.heads; h++) for (let i = 0; i < a.tq; i++) {
      const t = b * a.heads + h;
      const { p, lse: l } = this.attnRow(a, b, h, i);
      const oi = ReferenceBackend.at(a.out, b, h, i);
      for (let c = 0; c < a.dimV; c++) {
        let acc = 0;
        for (let j = 0; j < a.tk; j++) if (p[j] !== 0) acc += p[j] * ReferenceBackend.attnDropout(a, t, i, j) * vs[ReferenceBackend.at(a.v, b, h, j) + c];
        os[oi + c] = acc;
      }
      if (lse) lse[t * a.tq + i] = l;
    }
  }

  attentionBackward(a: AttentionBackwardArgs): void {
    const qs = this.buf(a.q.data, "attention q").f32, ks = this.buf(a.k.data, "attention k").f32;
    const vs = this.buf(a.v.data, "attention v").f32, gs = this.buf(a.dout, "attention dout").f32;
    const dq = a.dq === null ? null : this.buf(a.dq, "attention dq").f32;
    const dk = a.dk === null ? null : this.buf(a.dk, "attention dk").f32;
    const dv = a.dv === null ? null : this.buf(a.dv, "attention dv").f32;
    for (let b = 0; b < a.batch; b++) for (let h = 0; h < a.heads; h++) {
      const t = b * a.heads + h;
      const gq = new Float64Array(a.tq * a.dimQK), gk = new Float64Array(a.tk * a.dimQK), gv = new Float64Array(a.tk * a.dimV);
      for (let i = 0; i < a.tq; i++) {
        const { p } = this.attnRow(a, b, h, i);
        const gi = ReferenceBackend.at(a.out, b, h, i);
        const dp = new Float64Array(a.tk);
        let dsum = 0;
        for (let j = 0; j < a.tk; j++) {
          const z = ReferenceBackend.attnDropout(a, t, i, j);
          const vj = ReferenceBackend.at(a.v, b, h, j);
          let d = 0;
          for (let c = 0; c < a.dimV; c++) {
            d += gs[gi + c] * vs[vj + c];
            gv[j * a.dimV + c] += p[j] * z * gs[gi + c];
          }
          dp[j] = d * z;
          dsum += p[j] * dp[j];
        }
        const qi = ReferenceBackend.at(a.q, b, h, i);
        for (let j = 0; j < a.tk; j++) {
          const ds = p[j] * (dp[j] - dsum) * a.scale;
          if (ds === 0) continue;
          const kj = ReferenceBackend.at(a.k, b, h, j);
          for (let c = 0; c < a.dimQK; c++) {
            gq[i * a.dimQK + c] += ds * ks[kj + c];
            gk[j * a.dimQK + c] += ds * qs[qi + c];
          }
        }
      }
      for (let i = 0; i < a.tq; i++) for (let c = 0; c < a.dimQK; c++) if (dq) dq[ReferenceBackend.at(a.q, b, h, i) + c] = gq[i * a.dimQK + c];
      for (let j = 0; j < a.tk; j++) {
        for (let c = 0; c < a.dimQK; c++) if (dk) dk[ReferenceBackend.at(a.k, b, h, j) + c] = gk[j * a.dimQK + c];
        for (let c = 0; c < a.dimV; c++) if (dv) dv[ReferenceBackend.at(a.v, b, h, j) + c] = gv[j * a.dimV + c];
      }
    }
  }

  // ---- optimizers: torch's update formulas in float64, each state value rounded to float32 ----

  sgdStep(param: Handle, grad: Handle, momentumBuffer: Handle | null, n: number, a: SgdStepArgs): void {
    const ps = this.f(param, n, "sgdStep param"), gs = this.f(grad, n, "sgdStep grad");
    const bs = a.momentum !== 0 ? this.f(momentumBuffer!, n, "sgdStep momentumBuffer") : null;
    for (let k = 0; k < n; k++) {
      let g = (a.maximize ? -1 : 1) * gs[k] + a.weightDecay * ps[k];
      if (bs) {
        bs[k] = a.firstStep ? g : a.momentum * bs[k] + (1 - a.dampening) * g;
        g = a.nesterov ? g + a.momentum * bs[k] : bs[k];
      }
      ps[k] = ps[k] - a.lr * g;
    }
  }

  adamStep(param: Handle, grad: Handle, expAvg: Handle, expAvgSq: Handle, maxExpAvgSq: Handle | null, n: number, a: AdamStepArgs): void {
    const ps = this.f(param, n, "adamStep param"), gs = this.f(grad, n, "adamStep grad");
    const ms = this.f(expAvg, n, "adamStep expAvg"), vs = this.f(expAvgSq, n, "adamStep expAvgSq");
    const mx = a.amsgrad ? this.f(maxExpAvgSq!, n, "adamStep maxExpAvgSq") : null;
    for (let k = 0; k < n; k++) {
      let p = ps[k];
      let g = (a.maximize ? -1 : 1) * gs[k];
      if (!a.decoupled) g += a.weightDecay * p;
      else p *= 1 - a.lr * a.weightDecay;
      ms[k] = a.beta1 * ms[k] + (1 - a.beta1) * g;
      vs[k] = a.beta2 * vs[k] + (1 - a.beta2) * g * g;
      let v = vs[k];
      if (mx) v = mx[k] = Math.max(mx[k], v);
      ps[k] = p - (a.lr / a.biasCorrection1) * ms[k] / (Math.sqrt(v) / Math.sqrt(a.biasCorrection2) + a.eps);
    }
  }

  adagradStep(param: Handle, grad: Handle, sum: Handle, n: number, a: AdagradStepArgs): void {
    const ps = this.f(param, n, "adagradStep param"), gs = this.f(grad, n, "adagradStep grad"), ss = this.f(sum, n, "adagradStep sum");
    for (let k = 0; k < n; k++) {
      const g = (a.maximize ? -1 : 1) * gs[k] + a.weightDecay * ps[k];
      ss[k] = ss[k] + g * g;
      ps[k] = ps[k] - a.lr * g / (Math.sqrt(ss[k]) + a.eps);
    }
  }

  rmspropStep(param: Handle, grad: Handle, squareAvg: Handle, gradAvg: Handle | null, momentumBuffer: Handle | null,
    n: number, a: RmspropStepArgs): void {
    const ps = this.f(param, n, "rmspropStep param"), gs = this.f(grad, n, "rmspropStep grad");
    const sq = this.f(squareAvg, n, "rmspropStep squareAvg");
    const ga = a.centered ? this.f(gradAvg!, n, "rmspropStep gradAvg") : null;
    const bs = a.momentum > 0 ? this.f(momentumBuffer!, n, "rmspropStep momentumBuffer") : null;
    for (let k = 0; k < n; k++) {
      const g = (a.maximize ? -1 : 1) * gs[k] + a.weightDecay * ps[k];
      sq[k] = a.alpha * sq[k] + (1 - a.alpha) * g * g;
      let avg: number;
      if (ga) {
        ga[k] = a.alpha * ga[k] + (1 - a.alpha) * g;
        avg = Math.sqrt(sq[k] - ga[k] * ga[k]);
      } else avg = Math.sqrt(sq[k]);
      avg += a.eps;
      if (bs) {
        bs[k] = a.momentum * bs[k] + g / avg;
        ps[k] = ps[k] - a.lr * bs[k];
      } else ps[k] = ps[k] - a.lr * g / avg;
    }
  }

  normPartial(x: Handle, n: number, p: number): number {
    const xs = this.f(x, n, "normPartial x");
    let acc = 0;
    for (let k = 0; k < n; k++) {
      const v = Math.abs(xs[k]);
      if (p === Infinity) acc = Number.isNaN(v) || Number.isNaN(acc) ? NaN : Math.max(acc, v);
      else acc += v ** p;
    }
    return acc;
  }

  // ---- recurrent layers: torch's cell equations, one time step at a time in float64 ----

  private region(r: Region | null, n: number, what: string): Float32Array | null {
    return r === null ? null : this.f(r.handle, r.offset + n, what).subarray(r.offset, r.offset + n);
  }

  private rnnShapes(a: RnnForwardArgs | RnnBackwardArgs) {
    const G = a.mode === "lstm" ? 4 : a.mode === "gru" ? 3 : 1;
    const { steps: T, batch: B, inputSize: I, hiddenSize: H } = a;
    const order = Array.from({ length: T }, (_, i) => (a.reverse ? T - 1 - i : i));
    return { G, T, B, I, H, order };
  }

  rnnForward(a: RnnForwardArgs): void {
    const { G, T, B, I, H, order } = this.rnnShapes(a);
    const x = this.f(a.x, T * B * I, "rnnForward x"), wIh = this.f(a.wIh, G * H * I, "rnnForward wIh");
    const wHh = this.f(a.wHh, G * H * H, "rnnForward wHh");
    const bIh = a.bIh === null ? null : this.f(a.bIh, G * H, "rnnForward bIh"), bHh = a.bHh === null ? null : this.f(a.bHh, G * H, "rnnForward bHh");
    const gates = this.f(a.gates, T * B * G * H, "rnnForward gates"), cells = a.cells === null ? null : this.f(a.cells, T * B * H, "rnnForward cells");
    const out = this.f(a.out.handle, a.out.offset + ((T - 1) * B + B - 1) * a.outStride + H, "rnnForward out");
    let h = Float64Array.from(this.region(a.h0, B * H, "rnnForward h0") ?? new Float32Array(B * H));
    let c = Float64Array.from(a.mode === "lstm" ? this.region(a.c0, B * H, "rnnForward c0") ?? new Float32Array(B * H) : []);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    for (const t of order) {
      const hNext = new Float64Array(B * H), cNext = new Float64Array(a.mode === "lstm" ? B * H : 0);
      for (let b = 0; b < B; b++) {
        const row = t * B + b;
        const xp = new Float64Array(G * H), hp = new Float64Array(G * H);
        for (let r = 0; r < G * H; r++) {
          let sx = bIh ? bIh[r] : 0, sh = bHh ? bHh[r] : 0;
          for (let i = 0; i < I; i++) sx += x[row * I + i] * wIh[r * I + i];
          for (let j = 0; j < H; j++) sh += h[b * H + j] * wHh[r * H + j];
          xp[r] = sx;
          hp[r] = sh;
        }
        for (let j = 0; j < H; j++) {
          const gi = row * G * H;
          let hv: number;
          if (a.mode === "lstm") {
            const ig = sig(xp[j] + hp[j]), fg = sig(xp[H + j] + hp[H + j]), gg = Math.tanh(xp[2 * H + j] + hp[2 * H + j]), og = sig(xp[3 * H + j] + hp[3 * H + j]);
            const cv = fg * c[b * H + j] + ig * gg;
            hv = og * Math.tanh(cv);
            cNext[b * H + j] = cv;
            [ig, fg, gg, og].forEach((v, k) => (gates[gi + k * H + j] = v));
            cells![row * H + j] = cv;
          } else if (a.mode === "gru") {
            const rg = sig(xp[j] + hp[j]), zg = sig(xp[H + j] + hp[H + j]);
            const hn = hp[2 * H + j], ng = Math.tanh(xp[2 * H + j] + rg * hn);
            hv = (1 - zg) * ng + zg * h[b * H + j];
            [rg, zg, ng].forEach((v, k) => (gates[gi + k * H + j] = v));
            cells![row * H + j] = hn;
          } else {
            const pre = xp[j] + hp[j];
            hv = a.mode === "rnnTanh" ? Math.tanh(pre) : Math.max(pre, 0);
            gates[gi + j] = hv;
          }
          hNext[b * H + j] = hv;
          out[a.out.offset + row * a.outStride + j] = hv;
        }
      }
      h = hNext;
      if (a.mode === "lstm") c = cNext;
    }
    this.region(a.hN, B * H, "rnnForward hN")?.set(h);
    if (a.mode === "lstm") this.region(a.cN, B * H, "rnnForward cN")?.set(c);
  }

  rnnBackward(a: RnnBackwardArgs): void {
    const { G, T, B, I, H, order } = this.rnnShapes(a);
    const x = this.f(a.x, T * B * I, "rnnBackward x"), wIh = this.f(a.wIh, G * H * I, "rnnBackward wIh");
    const wHh = this.f(a.wHh, G * H * H, "rnnBackward wHh");
    const gates = this.f(a.gates, T * B * G * H, "rnnBackward gates"), cells = a.cells === null ? null : this.f(a.cells, T * B * H, "rnnBackward cells");
    const last = ((T - 1) * B + B - 1) * a.outStride + H;
    const out = this.f(a.out.handle, a.out.offset + last, "rnnBackward out");
    const dOut = a.dOut === null ? null : this.f(a.dOut.handle, a.dOut.offset + last, "rnnBackward dOut");
    const h0 = this.region(a.h0, B * H, "rnnBackward h0"), c0 = a.mode === "lstm" ? this.region(a.c0, B * H, "rnnBackward c0") : null;
    const dWIh = new Float64Array(G * H * I), dWHh = new Float64Array(G * H * H), dB = new Float64Array(G * H), dBh = new Float64Array(G * H);
    const dx = new Float64Array(T * B * I);
    let dh = Float64Array.from(this.region(a.dhN, B * H, "rnnBackward dhN") ?? new Float32Array(B * H));
    let dc = Float64Array.from(a.mode === "lstm" ? this.region(a.dcN, B * H, "rnnBackward dcN") ?? new Float32Array(B * H) : []);
    const prevH = (t: number, b: number, j: number) => {
      const idx = order.indexOf(t);
      if (idx === 0) return h0 ? h0[b * H + j] : 0;
      return out[a.out.offset + (order[idx - 1] * B + b) * a.outStride + j];
    };
    const prevC = (t: number, b: number, j: number) => {
      const idx = order.indexOf(t);
      if (idx === 0) return c0 ? c0[b * H + j] : 0;
      return cells![(order[idx - 1] * B + b) * H + j];
    };
    for (let s = T - 1; s >= 0; s--) {
      const t = order[s];
      const dhPrev = new Float64Array(B * H), dcPrev = new Float64Array(a.mode === "lstm" ? B * H : 0);
      for (let b = 0; b < B; b++) {
        const row = t * B + b;
        const gi = row * G * H;
        const dPre = new Float64Array(G * H), dPreH = new Float64Array(G * H); // input-side and hidden-side pre-activation gradients
        for (let j = 0; j < H; j++) {
          const g = dh[b * H + j] + (dOut ? dOut[a.dOut!.offset + row * a.outStride + j] : 0);
          if (a.mode === "lstm") {
            const [ig, fg, gg, og] = [0, 1, 2, 3].map((k) => gates[gi + k * H + j]);
            const cv = cells![row * H + j], tc = Math.tanh(cv);
            const dcv = dc[b * H + j] + g * og * (1 - tc * tc);
            const d = [dcv * gg * ig * (1 - ig), dcv * prevC(t, b, j) * fg * (1 - fg), dcv * ig * (1 - gg * gg), g * tc * og * (1 - og)];
            d.forEach((v, k) => { dPre[k * H + j] = v; dPreH[k * H + j] = v; });
            dcPrev[b * H + j] = dcv * fg;
          } else if (a.mode === "gru") {
            const [rg, zg, ng] = [0, 1, 2].map((k) => gates[gi + k * H + j]);
            const hn = cells![row * H + j], hp = prevH(t, b, j);
            const dn = g * (1 - zg) * (1 - ng * ng);
            const dz = g * (hp - ng) * zg * (1 - zg);
            const dr = dn * hn * rg * (1 - rg);
            dPre[j] = dr; dPre[H + j] = dz; dPre[2 * H + j] = dn;
            dPreH[j] = dr; dPreH[H + j] = dz; dPreH[2 * H + j] = dn * rg;
            dhPrev[b * H + j] += g * zg;
          } else {
            const hv = gates[gi + j];
            const d = g * (a.mode === "rnnTanh" ? 1 - hv * hv : hv > 0 ? 1 : 0);
            dPre[j] = d;
            dPreH[j] = d;
          }
        }
        for (let r = 0; r < G * H; r++) {
          dB[r] += dPre[r];
          dBh[r] += dPreH[r];
          for (let i = 0; i < I; i++) {
            dWIh[r * I + i] += dPre[r] * x[row * I + i];
            dx[row * I + i] += dPre[r] * wIh[r * I + i];
          }
          for (let j = 0; j < H; j++) {
            dWHh[r * H + j] += dPreH[r] * prevH(t, b, j);
            dhPrev[b * H + j] += dPreH[r] * wHh[r * H + j];
          }
        }
      }
      dh = dhPrev;
      if (a.mode === "lstm") dc = dcPrev;
    }
    if (a.dx !== null) {
      const t = this.f(a.dx, T * B * I, "rnnBackward dx");
      for (let k = 0; k < t.length; k++) t[k] = (a.accumulateDx ? t[k] : 0) + dx[k];
    }
    this.region(a.dh0, B * H, "rnnBackward dh0")?.set(dh);
    if (a.mode === "lstm") this.region(a.dc0, B * H, "rnnBackward dc0")?.set(dc);
    if (a.dWIh !== null) this.f(a.dWIh, G * H * I, "rnnBackward dWIh").set(dWIh);
    if (a.dWHh !== null) this.f(a.dWHh, G * H * H, "rnnBackward dWHh").set(dWHh);
    if (a.dBIh !== null) this.f(a.dBIh, G * H, "rnnBackward dBIh").set(dB);
    if (a.dBHh !== null) this.f(a.dBHh, G * H, "rnnBackward dBHh").set(dBh);
  }
}
