// Tensor: a contiguous row-major float32 or int32 buffer in WASM memory, its shape, and (when it
// takes part in autograd) the node that made it. Ops live one family per file; the methods here
// only forward to them so `x.matmul(w).add(b).relu()` reads like PyTorch.
import { TesseraError } from "../errors.js";
import { heapF32, heapI32 } from "../runtime/wasm.js";
import { track } from "./scope.js";
import { Storage, storageRegistry } from "./storage.js";
import { sizeOf, fmt, type Shape } from "./shape.js";
import * as ew from "./elementwise.js";
import * as red from "./reduce.js";
import * as lay from "./layout.js";
import * as mm from "./matmul.js";
import * as sm from "./softmax.js";
import * as nrm from "./norm.js";
import * as loss from "./loss.js";
import * as emb from "./embedding.js";
import { backward as runBackward, type GradNode } from "./autograd.js";

export type DType = "float32" | "int32";
export type TypedArrayFor<D extends DType> = D extends "int32" ? Int32Array : Float32Array;
export type NestedArray = number | NestedArray[];

let nextId = 1;

export class Tensor {
  readonly isTensor = true;
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly size: number;
  requiresGrad: boolean;
  grad: Tensor | null = null;
  /** The autograd node that produced this tensor (null for leaves and outside autograd). */
  gradFn: GradNode | null = null;
  private storage: Storage | null;

  constructor(storage: Storage, shape: Shape, readonly dtype: DType, requiresGrad = false) {
    this.storage = storage;
    this.shape = Object.freeze(shape.slice());
    this.size = sizeOf(shape);
    this.requiresGrad = requiresGrad;
    storageRegistry.register(this, storage, this);
    track(this);
  }

  /** An uninitialised tensor (the caller fills it). */
  static empty(shape: Shape, dtype: DType = "float32"): Tensor {
    return new Tensor(Storage.allocate(sizeOf(shape) * 4), shape, dtype);
  }

  get ndim(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.storage === null;
  }

  /** Byte address of the data in WASM memory. Throws E_DISPOSED after dispose(). */
  get ptr(): number {
    if (this.storage === null) {
      throw new TesseraError("E_DISPOSED", `tensor #${this.id} ${fmt(this.shape)}: expected a live tensor, received one that was disposed (by dispose() or at the end of a tidy() scope)`);
    }
    return this.storage.ptr;
  }

  /** A tensor of another shape over the same storage (no copy). */
  view(shape: Shape): Tensor {
    this.ptr;
    return new Tensor(this.storage!.retain(), shape, this.dtype);
  }

  dispose(): void {
    if (this.storage === null) return;
    storageRegistry.unregister(this);
    this.storage.release();
    this.storage = null;
    this.grad?.dispose();
    this.grad = null;
    for (const t of this.gradFn?.saved ?? []) t.dispose();
    this.gradFn = null;
  }

  /** A copy of the data as a typed array. */
  data(): Float32Array | Int32Array {
    const p = this.ptr >>> 2;
    return this.dtype === "int32" ? heapI32().slice(p, p + this.size) : heapF32().slice(p, p + this.size);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new TesseraError("E_SHAPE", `item(): expected a tensor with one element, received shape ${fmt(this.shape)}`);
    return this.data()[0];
  }

  /** Nested arrays, like torch's tolist(). */
  toArray(): NestedArray {
    const flat = Array.from(this.data());
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

  // autograd
  backward(gradient?: Tensor): void { runBackward(this, gradient); }
  detach(): Tensor { return lay.detach(this); }
  clone(): Tensor { return lay.clone(this); }
  zeroGrad(): void { this.grad?.dispose(); this.grad = null; }
  requiresGrad_(flag = true): this { lay.setRequiresGrad(this, flag); return this; }
  /** In-place copy of src's values (under noGrad for parameters), like torch's copy_. */
  copy_(src: Tensor): this { lay.copyInto(this, src); return this; }

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
  gelu(): Tensor { return ew.gelu(this); }
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
