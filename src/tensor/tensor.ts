// Tensor: a contiguous row-major float32 or int32 buffer on a device (Storage: backend + handle),
// its shape, and (when it takes part in autograd) the node that made it. Ops live one family per
// file; the methods here only forward to them so `x.matmul(w).add(b).relu()` reads like PyTorch.
import { TesseraError, fail } from "../errors.js";
import type { Backend, DType, Handle } from "../backend/backend.js";
import { defaultBackend } from "../backend/device.js";
import { track, untrackDisposed } from "./scope.js";
import { Storage } from "./storage.js";
import { sizeOf, fmt } from "./shape.js";
import * as ew from "./elementwise.js";
import * as red from "./reduce.js";
import * as lay from "./layout.js";
import * as mm from "./matmul.js";
import * as sm from "./softmax.js";
import * as nrm from "./norm.js";
import * as loss from "./loss.js";
import * as emb from "./embedding.js";
import * as transfer from "./transfer.js";
import * as inplace from "./inplace.js";
import type { Generator } from "./random.js";
import { backward as runBackward, outputDisposed, type GradNode } from "./autograd.js";

export type { DType } from "../backend/backend.js";
export type TypedArrayFor<D extends DType> = D extends "int32" ? Int32Array : Float32Array;
export type NestedArray = number | NestedArray[];

let nextId = 1;

export class Tensor {
  readonly id: number;
  readonly shape: readonly number[];
  readonly size: number;
  readonly dtype: DType;
  requiresGrad = false;
  grad: Tensor | null = null;
  /** The autograd node that produced this tensor (null for leaves and outside autograd). */
  gradFn: GradNode | null = null;
  /** Which of gradFn's outputs this is. */
  outputIndex = 0;
  /** @internal The buffer (null once disposed). */
  storage: Storage | null;
  /** @internal Whether the FinalizationRegistry watches this tensor (see scope.ts). */
  registered = false;

  /** Wraps `storage` (taking over one reference). Shapes are never copied: callers pass fresh arrays. */
  constructor(storage: Storage, shape: readonly number[], dtype: DType) {
    this.id = nextId++;
    this.storage = storage;
    this.shape = shape;
    this.size = sizeOf(shape);
    this.dtype = dtype;
    track(this);
  }

  /** An uninitialised tensor on `backend` (the default device unless given); the caller fills it. */
  static empty(shape: readonly number[], dtype: DType = "float32", backend: Backend = defaultBackend()): Tensor {
    return new Tensor(Storage.allocate(backend, sizeOf(shape)), shape, dtype);
  }

  /** Several uninitialised tensors on `backend`: all of them, or (on E_OOM) none. */
  static emptyMany(backend: Backend, ...specs: [readonly number[], DType][]): Tensor[] {
    const made: Tensor[] = [];
    try {
      for (const [shape, dtype] of specs) made.push(Tensor.empty(shape, dtype, backend));
    } catch (e) {
      for (const t of made) t.dispose();
      throw e;
    }
    return made;
  }

  /** Marks this as a tensor for code that cannot use instanceof (another copy of the package). */
  get isTensor(): true {
    return true;
  }

  get ndim(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.storage === null;
  }

  private disposedError(): TesseraError {
    return new TesseraError("E_DISPOSED", `tensor #${this.id} ${fmt(this.shape)}: expected a live tensor, received one that was disposed (by dispose() or at the end of a tidy() scope)`);
  }

  /** @internal The device buffer. Throws E_DISPOSED after dispose(). */
  get handle(): Handle {
    if (this.storage === null) throw this.disposedError();
    return this.storage.handle;
  }

  /** @internal The backend that owns the data. Throws E_DISPOSED after dispose(). */
  get backend(): Backend {
    if (this.storage === null) throw this.disposedError();
    return this.storage.backend;
  }

  /** The device the data lives on ("cpu", "webgpu", …), like torch's `t.device`. */
  get device(): string {
    return this.backend.device;
  }

  /** Bumped by every in-place write to the data (shared by views), like torch's `_version`. */
  get version(): number {
    return this.storage === null ? -1 : this.storage.version;
  }

  /** A tensor of another shape over the same storage (no copy). */
  view(shape: readonly number[]): Tensor {
    if (this.storage === null) throw this.disposedError();
    return new Tensor(this.storage.retain(), shape, this.dtype);
  }

  dispose(): void {
    const storage = this.storage;
    if (storage === null) return;
    this.storage = null;
    untrackDisposed(this);
    storage.release();
    this.grad?.dispose();
    this.grad = null;
    if (this.gradFn !== null) outputDisposed(this.gradFn);
  }

  /** A copy of the data as a typed array (devices that can read synchronously; else use read()). */
  data(): Float32Array | Int32Array {
    const b = this.backend;
    if (!b.syncRead) throw new TesseraError("E_DEVICE", `data(): expected a tensor on a device that can be read synchronously, received one on ${b.label}; use \`await t.read()\``);
    return b.readSync(this.storage!.handle, this.size, this.dtype);
  }

  /**
   * Copies the data into `out` (a Float32Array for float32, an Int32Array for int32, at least
   * `size` long) without allocating; returns out.
   */
  dataInto<T extends Float32Array | Int32Array>(out: T): T {
    const b = this.backend;
    const want = this.dtype === "int32" ? Int32Array : Float32Array;
    if (!(out instanceof want)) fail("E_TYPE", "dataInto(out)", `an ${want.name} for a ${this.dtype} tensor`, out);
    if (out.length < this.size) fail("E_SHAPE", "dataInto(out)", `an array of at least ${this.size} elements`, out);
    if (!b.syncRead) throw new TesseraError("E_DEVICE", `dataInto(): expected a tensor on a device that can be read synchronously, received one on ${b.label}; use \`await t.read()\``);
    b.readSync(this.storage!.handle, this.size, this.dtype, out);
    return out;
  }

  /** The data as a new typed array, on every device (resolves once a GPU has finished). */
  read(): Promise<Float32Array | Int32Array> {
    return this.backend.read(this.storage!.handle, this.size, this.dtype);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new TesseraError("E_SHAPE", `item(): expected a tensor with one element, received shape ${fmt(this.shape)}`);
    return this.data()[0];
  }

  /** Nested arrays, like torch's tolist(). */
  toArray(): NestedArray {
    const flat = this.data();
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.ndim) return flat[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  toString(): string {
    return `Tensor(${fmt(this.shape)}, ${this.dtype}${this.requiresGrad ? ", requiresGrad" : ""})`;
  }

  /** This tensor on another device ("cpu", "webgpu", …); itself when already there. Differentiable. */
  to(device: string): Tensor { return transfer.to(this, device); }

  // autograd
  backward(gradient?: Tensor): void { runBackward(this, gradient); }
  detach(): Tensor { return lay.detach(this); }
  clone(): Tensor { return lay.clone(this); }
  zeroGrad(): void { this.grad?.dispose(); this.grad = null; }
  requiresGrad_(flag = true): this { lay.setRequiresGrad(this, flag); return this; }
  /** In-place copy of src's values (under noGrad for parameters), like torch's copy_. */
  copy_(src: Tensor): this { lay.copyInto(this, src); return this; }
  /** In-place fills (under noGrad for parameters), like torch's fill_ / zero_ / uniform_ / normal_. */
  fill_(value: number): this { inplace.fill_(this, value); return this; }
  zero_(): this { inplace.fill_(this, 0); return this; }
  uniform_(low = 0, high = 1, generator?: Generator): this { inplace.uniform_(this, low, high, generator); return this; }
  normal_(mean = 0, std = 1, generator?: Generator): this { inplace.normal_(this, mean, std, generator); return this; }

  // elementwise
  add(other: Tensor | number): Tensor { return ew.add(this, other); }
  sub(other: Tensor | number): Tensor { return ew.sub(this, other); }
  mul(other: Tensor | number): Tensor { return ew.mul(this, other); }
  div(other: Tensor | number): Tensor { return ew.div(this, other); }
  neg(): Tensor { return ew.neg(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  tanh(): Tensor { return ew.tanh(this); }
  sigmoid(): Tensor { return ew.sigmoid(this); }
  relu(): Tensor { return ew.relu(this); }
  gelu(approximate: "none" | "tanh" = "none"): Tensor { return ew.gelu(this, approximate); }
  silu(): Tensor { return ew.silu(this); }
  abs(): Tensor { return ew.abs(this); }
  square(): Tensor { return ew.square(this); }
  pow(exponent: number): Tensor { return ew.pow(this, exponent); }

  // reductions
  sum(axis?: number | number[], keepDim = false): Tensor { return red.sum(this, axis, keepDim); }
  mean(axis?: number | number[], keepDim = false): Tensor { return red.mean(this, axis, keepDim); }
  max(axis?: number, keepDim = false): Tensor { return red.max(this, axis, keepDim); }
  min(axis?: number, keepDim = false): Tensor { return red.min(this, axis, keepDim); }
  argmax(axis?: number, keepDim = false): Tensor { return red.argmax(this, axis, keepDim); }
  argmin(axis?: number, keepDim = false): Tensor { return red.argmin(this, axis, keepDim); }

  // layout
  reshape(...shape: number[] | [number[]]): Tensor { return lay.reshape(this, shape.flat()); }
  flatten(): Tensor { return lay.reshape(this, [-1]); }
  transpose(dim0 = -2, dim1 = -1): Tensor { return lay.transpose(this, dim0, dim1); }
  get T(): Tensor { return lay.transpose(this, -2, -1); }
  permute(...dims: number[] | [number[]]): Tensor { return lay.permute(this, dims.flat()); }
  slice(dim: number, start: number, end?: number): Tensor { return lay.slice(this, dim, start, end); }
  expand(...shape: number[] | [number[]]): Tensor { return lay.expand(this, shape.flat()); }
  unsqueeze(dim: number): Tensor { return lay.unsqueeze(this, dim); }
  squeeze(dim?: number): Tensor { return lay.squeeze(this, dim); }
  /** Slices along axis picked by indices of any shape (torch.index_select, tf.gather). */
  gather(indices: Tensor, axis = 0): Tensor { return lay.gather(this, indices, axis); }
  /** torch.gather(this, dim, indices): one element per index, indices of the same rank. */
  takeAlongDim(indices: Tensor, dim: number): Tensor { return lay.takeAlongDim(this, indices, dim); }
  toFloat(): Tensor { return lay.cast(this, "float32"); }
  toInt(): Tensor { return lay.cast(this, "int32"); }

  // linear algebra and NN functions
  matmul(other: Tensor): Tensor { return mm.matmul(this, other); }
  softmax(axis = -1): Tensor { return sm.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return sm.logSoftmax(this, axis); }
  layerNorm(normalizedShape: number | number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
    return nrm.layerNorm(this, normalizedShape, weight, bias, eps);
  }
  crossEntropy(target: Tensor, options?: loss.CrossEntropyOptions): Tensor { return loss.crossEntropy(this, target, options); }
  embedding(weight: Tensor): Tensor { return emb.embedding(weight, this); }
}

export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}
