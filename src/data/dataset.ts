// Datasets, as torch.utils.data has them: anything with a length and get(index). TensorDataset
// indexes the first axis of several tensors together and fetches whole batches with one gather per
// tensor (like PyTorch's __getitems__), ArrayDataset wraps a JS array, Subset and randomSplit carve
// a dataset into parts (torch.utils.data.random_split, seeded).
import { TesseraError, checkInt, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { checkTensor, checkHasDims } from "../tensor/check.js";
import { concat, slice } from "../tensor/layout.js";
import { noGrad } from "../tensor/autograd.js";
import { tidy } from "../tensor/scope.js";
import { Generator, defaultGenerator } from "../tensor/random.js";
import { fmt } from "../tensor/shape.js";
import { defaultCollate } from "./collate.js";

/** A map-style dataset: `length` items, item i from get(i) (PyTorch's __len__ / __getitem__). */
export interface Dataset<T = unknown, B = unknown> {
  readonly length: number;
  get(index: number): T;
  /** Optional: a whole batch at once, used by DataLoader when no collate is given (PyTorch's __getitems__). */
  getBatch?(indices: readonly number[]): B;
}

export function isDataset(v: unknown): v is Dataset {
  return v !== null && typeof v === "object" && typeof (v as Dataset).get === "function" &&
    typeof (v as Dataset).length === "number";
}

function checkIndex(fn: string, index: unknown, length: number): number {
  if (typeof index !== "number" || !Number.isInteger(index)) fail("E_TYPE", `${fn}: index`, "an integer", index);
  if (index < 0 || index >= length) fail("E_RANGE", `${fn}: index`, `an index in [0, ${length - 1}]`, index);
  return index;
}

/** Rows of several tensors taken together along their first axis, like torch's TensorDataset. */
export class TensorDataset implements Dataset<Tensor[], Tensor[]> {
  readonly tensors: readonly Tensor[];
  readonly length: number;

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) fail("E_VALUE", "TensorDataset: tensors", "at least one tensor", tensors);
    tensors.forEach((t, i) => checkHasDims(`TensorDataset: tensors[${i}]`, checkTensor(`TensorDataset: tensors[${i}]`, t)));
    const n = tensors[0].shape[0];
    tensors.forEach((t, i) => {
      if (t.shape[0] !== n) throw new TesseraError("E_SHAPE", `TensorDataset: tensors[${i}]: expected ${n} rows like tensors[0] (size mismatch between tensors), received shape ${fmt(t.shape)}`);
    });
    this.tensors = tensors;
    this.length = n;
  }

  /** Row `index` of every tensor (without the first axis). */
  get(index: number): Tensor[] {
    checkIndex("TensorDataset.get", index, this.length);
    return this.getBatch([index]).map((t) => {
      const row = t.reshape(t.shape.slice(1));
      t.dispose();
      return row;
    });
  }

  /** Rows `indices` of every tensor, each [indices.length, ...rest]. */
  getBatch(indices: readonly number[]): Tensor[] {
    if (!Array.isArray(indices) || indices.length === 0) fail("E_VALUE", "TensorDataset.getBatch: indices", "a non-empty array of indices", indices);
    indices.forEach((i) => checkIndex("TensorDataset.getBatch", i, this.length));
    return noGrad(() => tidy(() => this.tensors.map((t) => takeRows(t, indices))));
  }
}

/** Rows of t: one gather for float32; for int32 (no integer gather) slices of consecutive runs. */
function takeRows(t: Tensor, indices: readonly number[]): Tensor {
  const runs: [number, number][] = [];
  for (const i of indices) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[1] === i) last[1] = i + 1;
    else runs.push([i, i + 1]);
  }
  if (runs.length === 1) return slice(t, 0, runs[0][0], runs[0][1]);
  if (t.dtype === "float32") {
    const idx = tensor(Int32Array.from(indices), [indices.length], { dtype: "int32", device: t.device });
    return t.gather(idx, 0);
  }
  return concat(runs.map(([s, e]) => slice(t, 0, s, e)), 0);
}

/** A JS array as a dataset. */
export class ArrayDataset<T> implements Dataset<T> {
  readonly items: readonly T[];

  constructor(items: readonly T[]) {
    if (!Array.isArray(items)) fail("E_TYPE", "ArrayDataset: items", "an array", items);
    this.items = items;
  }

  get length(): number {
    return this.items.length;
  }

  get(index: number): T {
    return this.items[checkIndex("ArrayDataset.get", index, this.items.length)];
  }
}

/** The items of `dataset` at `indices`, in that order (torch.utils.data.Subset). */
export class Subset<T> implements Dataset<T> {
  readonly indices: readonly number[];

  constructor(readonly dataset: Dataset<T>, indices: readonly number[]) {
    if (!isDataset(dataset)) fail("E_TYPE", "Subset: dataset", "a dataset (length and get(index))", dataset);
    if (!Array.isArray(indices)) fail("E_TYPE", "Subset: indices", "an array of indices", indices);
    indices.forEach((i) => checkIndex("Subset: indices", i, dataset.length));
    this.indices = indices.slice();
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    return this.dataset.get(this.indices[checkIndex("Subset.get", index, this.indices.length)]);
  }

  /** The underlying dataset's getBatch, or its samples through defaultCollate. */
  getBatch(indices: readonly number[]): unknown {
    const picked = indices.map((i) => this.indices[checkIndex("Subset.getBatch", i, this.indices.length)]);
    if (typeof this.dataset.getBatch === "function") return this.dataset.getBatch(picked);
    return defaultCollate(picked.map((i) => this.dataset.get(i)));
  }
}

/** A random permutation of 0..n−1 (Fisher–Yates) from the generator. */
export function randomPermutation(n: number, generator: Generator = defaultGenerator): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = generator.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

export interface RandomSplitOptions {
  /** Seed for the permutation (default: the global generator, see manualSeed). */
  seed?: number;
  generator?: Generator;
}

/**
 * Splits a dataset into non-overlapping random subsets of the given lengths — counts summing to
 * the dataset's length, or fractions summing to 1 (the remainder going round-robin to the first
 * parts, as torch.utils.data.random_split does).
 */
export function randomSplit<T>(dataset: Dataset<T> | readonly T[], lengths: readonly number[], options: RandomSplitOptions = {}): Subset<T>[] {
  const ds = Array.isArray(dataset) ? new ArrayDataset(dataset as readonly T[]) : (dataset as Dataset<T>);
  if (!isDataset(ds)) fail("E_TYPE", "randomSplit: dataset", "a dataset or an array", dataset);
  if (!Array.isArray(lengths) || lengths.length === 0) fail("E_TYPE", "randomSplit: lengths", "a non-empty array of counts or fractions", lengths);
  const n = ds.length;
  lengths.forEach((l, i) => {
    if (typeof l !== "number" || !Number.isFinite(l) || l < 0) fail("E_VALUE", `randomSplit: lengths[${i}]`, "a non-negative count or fraction", l);
  });
  let counts: number[];
  const total = lengths.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) < 1e-9 && total <= 1 + 1e-9) { // fractions first, as torch checks them
    counts = lengths.map((f) => Math.floor(n * f));
    let rest = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % counts.length, rest--) counts[i]++;
  } else {
    lengths.forEach((l, i) => checkInt(`randomSplit: lengths[${i}]`, l, 0));
    if (total !== n) fail("E_VALUE", "randomSplit: lengths", `counts summing to the dataset's length ${n} (or fractions summing to 1)`, lengths);
    counts = lengths.slice();
  }
  const { seed, generator } = options;
  if (seed !== undefined) checkInt("randomSplit: options.seed", seed);
  if (generator !== undefined && !(generator instanceof Generator)) fail("E_TYPE", "randomSplit: options.generator", "a Generator", generator);
  const perm = randomPermutation(n, seed !== undefined ? new Generator(seed) : generator ?? defaultGenerator);
  const out: Subset<T>[] = [];
  let at = 0;
  for (const c of counts) {
    out.push(new Subset(ds, perm.slice(at, at + c)));
    at += c;
  }
  return out;
}
