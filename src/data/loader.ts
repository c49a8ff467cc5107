// DataLoader: batches from a dataset, like torch.utils.data.DataLoader (batch_size, shuffle,
// drop_last, collate_fn, generator). Each pass draws a new order from its generator, so a seeded
// loader gives the same sequence of epochs on every run. Without a collate function, datasets with
// getBatch (TensorDataset) fetch a batch at once; others collate their samples with defaultCollate.
import { TesseraError, checkInt, fail } from "../errors.js";
import { Generator, defaultGenerator } from "../tensor/random.js";
import { ArrayDataset, isDataset, randomPermutation, type Dataset } from "./dataset.js";
import { defaultCollate } from "./collate.js";

export interface DataLoaderOptions<T = unknown, B = unknown> {
  /** Samples per batch (default 1, as in PyTorch). */
  batchSize?: number;
  /** A new random order on every pass (default false). */
  shuffle?: boolean;
  /** Seed for the shuffling generator; without it (and without generator) the global one (manualSeed). */
  seed?: number;
  generator?: Generator;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Samples → batch (default: getBatch when the dataset has it, else defaultCollate). */
  collate?: (samples: T[]) => B;
}

export class DataLoader<T = unknown, B = unknown> implements Iterable<B> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly collate: ((samples: T[]) => B) | null;
  private readonly generator: Generator;

  constructor(dataset: Dataset<T> | readonly T[], options: DataLoaderOptions<T, B> = {}) {
    const ds = Array.isArray(dataset) ? new ArrayDataset(dataset as readonly T[]) : dataset;
    if (!isDataset(ds)) fail("E_TYPE", "DataLoader: dataset", "a dataset (length and get(index)) or an array", dataset);
    if (options === null || typeof options !== "object") fail("E_TYPE", "DataLoader: options", "an object", options);
    const { batchSize = 1, shuffle = false, seed, generator, dropLast = false, collate } = options;
    checkInt("DataLoader: options.batchSize", batchSize, 1);
    if (typeof shuffle !== "boolean") fail("E_TYPE", "DataLoader: options.shuffle", "a boolean", shuffle);
    if (typeof dropLast !== "boolean") fail("E_TYPE", "DataLoader: options.dropLast", "a boolean", dropLast);
    if (collate !== undefined && typeof collate !== "function") fail("E_TYPE", "DataLoader: options.collate", "a function", collate);
    if (seed !== undefined) checkInt("DataLoader: options.seed", seed);
    if (generator !== undefined && !(generator instanceof Generator)) fail("E_TYPE", "DataLoader: options.generator", "a Generator", generator);
    if (seed !== undefined && generator !== undefined) fail("E_VALUE", "DataLoader: options", "seed or generator, not both", options);
    checkInt("DataLoader: dataset.length", ds.length, 0);
    if (ds.length === 0) throw new TesseraError("E_VALUE", "DataLoader: dataset: expected at least one sample, received an empty dataset");
    if (dropLast && ds.length < batchSize) {
      throw new TesseraError("E_VALUE", `DataLoader: options.dropLast: a dataset of ${ds.length} samples with batchSize ${batchSize} and dropLast gives no batches`);
    }
    this.dataset = ds;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.collate = collate ?? null;
    this.generator = seed !== undefined ? new Generator(seed) : generator ?? defaultGenerator;
  }

  /** Batches per pass. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample indices of each batch for one pass (draws from the generator when shuffling). */
  batchIndices(): number[][] {
    const n = this.dataset.length;
    const order = this.shuffle ? randomPermutation(n, this.generator) : Array.from({ length: n }, (_, i) => i);
    const out: number[][] = [];
    for (let at = 0; at < n; at += this.batchSize) {
      const batch = order.slice(at, at + this.batchSize);
      if (batch.length < this.batchSize && this.dropLast) break;
      out.push(batch);
    }
    return out;
  }

  /** One batch from sample indices. */
  fetch(indices: number[]): B {
    const ds = this.dataset;
    if (this.collate === null && typeof ds.getBatch === "function") return ds.getBatch(indices) as B;
    const samples = indices.map((i) => ds.get(i));
    return this.collate !== null ? this.collate(samples) : (defaultCollate(samples) as B);
  }

  *[Symbol.iterator](): Iterator<B> {
    for (const indices of this.batchIndices()) yield this.fetch(indices);
  }
}
