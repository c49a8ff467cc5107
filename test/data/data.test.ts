// Datasets, DataLoader, collation and padding. References: torch.utils.data semantics (batch
// counts with and without drop_last, TensorDataset rows, default_collate stacking, random_split
// lengths) and Hugging Face's tokenizer.pad / DataCollatorWithPadding layout (input_ids padded with
// pad_token_id, attention_mask 1 for tokens, padding_side and truncation_side), written out by hand.
import { describe, expect, it } from "vitest";
import { data, tensor, arange, memory, manualSeed, Generator, type Tensor } from "../../src/index.js";

const { TensorDataset, ArrayDataset, DataLoader, defaultCollate, padSequences, paddingCollator, randomSplit, Subset } = data;
const code = (c: string) => expect.objectContaining({ code: c });

function disposeDeep(v: unknown): void {
  if (v && typeof v === "object") {
    if ((v as Tensor).isTensor === true) (v as Tensor).dispose();
    else for (const x of Object.values(v)) disposeDeep(x);
  }
}

describe("TensorDataset", () => {
  it("indexes rows of several tensors together, float32 and int32, contiguous or scattered", () => {
    const x = arange(0, 12, 1, { dtype: "float32" }).reshape([6, 2]);
    const y = tensor([10, 11, 12, 13, 14, 15], undefined, { dtype: "int32" });
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(6);
    const [xi, yi] = ds.get(4);
    expect(xi.toArray()).toEqual([8, 9]);
    expect(yi.shape).toEqual([]);
    expect(yi.item()).toBe(14);
    for (const idx of [[1, 2, 3], [5, 0, 3, 4], [2]]) {
      const [xb, yb] = ds.getBatch(idx);
      expect(xb.toArray()).toEqual(idx.map((i) => [2 * i, 2 * i + 1]));
      expect(Array.from(yb.data())).toEqual(idx.map((i) => 10 + i));
      expect(yb.dtype).toBe("int32");
    }
  });

  it("bad input: no tensors, 0-d tensors, mismatched lengths, indices out of range", () => {
    expect(() => new TensorDataset()).toThrow(code("E_VALUE"));
    expect(() => new TensorDataset(tensor(1))).toThrow(code("E_SHAPE"));
    expect(() => new TensorDataset(tensor([1, 2, 3]), tensor([1, 2]))).toThrow(/tensors\[1\]: expected 3 rows like tensors\[0\]/);
    expect(() => new TensorDataset([1, 2] as never)).toThrow(code("E_TYPE"));
    const ds = new TensorDataset(tensor([1, 2, 3]));
    expect(() => ds.get(3)).toThrow(code("E_RANGE"));
    expect(() => ds.get(-1)).toThrow(code("E_RANGE"));
    expect(() => ds.get(1.5)).toThrow(code("E_TYPE"));
    expect(() => ds.getBatch([])).toThrow(code("E_VALUE"));
  });
});

describe("DataLoader", () => {
  const ds = new ArrayDataset(Array.from({ length: 10 }, (_, i) => i));

  it("batches in order with the last partial batch, or drops it (torch: ceil vs floor of n / batch_size)", () => {
    const loader = new DataLoader(ds, { batchSize: 4 });
    expect(loader.length).toBe(3);
    expect([...loader].map((b) => Array.from((b as Tensor).data()))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const dropping = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(dropping.length).toBe(2);
    expect([...dropping].length).toBe(2);
    expect(new DataLoader(ds).length).toBe(10); // batch_size 1 by default, as in PyTorch
  });

  it("shuffles with a seed: every epoch a new permutation, the same sequence of epochs on every run", () => {
    const epochs = (loader: data.DataLoader) => Array.from({ length: 3 }, () => loader.batchIndices().flat());
    const a = epochs(new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7 }));
    const b = epochs(new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7 }));
    expect(a).toEqual(b);
    for (const order of a) expect([...order].sort((p, q) => p - q)).toEqual([...Array(10).keys()]);
    expect(a[0]).not.toEqual(a[1]);
    expect(epochs(new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 8 }))[0]).not.toEqual(a[0]);
    manualSeed(3);
    const g1 = new DataLoader(ds, { shuffle: true }).batchIndices().flat();
    manualSeed(3);
    expect(new DataLoader(ds, { shuffle: true }).batchIndices().flat()).toEqual(g1);
    const gen = new Generator(7);
    expect(new DataLoader(ds, { batchSize: 3, shuffle: true, generator: gen }).batchIndices().flat()).toEqual(a[0]);
  });

  it("fetches TensorDataset batches at once and applies a custom collate to samples", () => {
    const td = new TensorDataset(arange(0, 5, 1, { dtype: "float32" }), tensor([0, 1, 0, 1, 0], undefined, { dtype: "int32" }));
    const batches = [...new DataLoader(td, { batchSize: 2 })] as Tensor[][];
    expect(batches.map(([x]) => x.toArray())).toEqual([[0, 1], [2, 3], [4]]);
    expect(batches[2][1].dtype).toBe("int32");
    const summed = [...new DataLoader([1, 2, 3, 4, 5], { batchSize: 2, collate: (s: number[]) => s.reduce((a, b) => a + b, 0) })];
    expect(summed).toEqual([3, 7, 5]);
  });

  it("keeps memory flat over many epochs when batches are disposed", () => {
    const td = new TensorDataset(arange(0, 64, 1, { dtype: "float32" }).reshape([32, 2]), arange(0, 32, 1, { dtype: "int32" }));
    const loader = new DataLoader(td, { batchSize: 5, shuffle: true, seed: 1 });
    for (const b of loader) disposeDeep(b);
    const before = memory().numBlocks;
    for (let e = 0; e < 20; e++) for (const b of loader) disposeDeep(b);
    expect(memory().numBlocks).toBe(before);
  });

  it("bad input: batchSize ≤ 0 or fractional, empty datasets, no batches with dropLast, wrong types", () => {
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(code("E_RANGE"));
    expect(() => new DataLoader(ds, { batchSize: -2 })).toThrow(code("E_RANGE"));
    expect(() => new DataLoader(ds, { batchSize: 1.5 })).toThrow(code("E_RANGE"));
    expect(() => new DataLoader(ds, { batchSize: "4" as never })).toThrow(code("E_TYPE"));
    expect(() => new DataLoader([])).toThrow(/expected at least one sample, received an empty dataset/);
    expect(() => new DataLoader(ds, { batchSize: 11, dropLast: true })).toThrow(/gives no batches/);
    expect(() => new DataLoader({} as never)).toThrow(code("E_TYPE"));
    expect(() => new DataLoader(ds, { shuffle: 1 as never })).toThrow(code("E_TYPE"));
    expect(() => new DataLoader(ds, { collate: "stack" as never })).toThrow(code("E_TYPE"));
    expect(() => new DataLoader(ds, { seed: 1, generator: new Generator(1) })).toThrow(code("E_VALUE"));
  });
});

describe("defaultCollate (torch default_collate)", () => {
  it("stacks tensors, makes [B] tensors of numbers (int32 for integers), keeps strings, recurses into objects and tuples", () => {
    const b = defaultCollate([
      { x: tensor([1, 2]), y: 1, w: 0.5, name: "a", pair: [tensor([1]), 3] },
      { x: tensor([3, 4]), y: 0, w: 2, name: "b", pair: [tensor([2]), 4] },
    ]) as any;
    expect(b.x.shape).toEqual([2, 2]);
    expect(b.x.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(b.y.dtype).toBe("int32");
    expect(b.w.dtype).toBe("float32");
    expect(Array.from(b.w.data())).toEqual([0.5, 2]);
    expect(b.name).toEqual(["a", "b"]);
    expect(b.pair[0].toArray()).toEqual([[1], [2]]);
    expect(b.pair[1].dtype).toBe("int32");
    // numeric arrays are data; a ragged [features, label] pair is a tuple
    expect((defaultCollate([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]) as Tensor).shape).toEqual([2, 2, 2]);
    const [feats, labels] = defaultCollate([[[0.5, 1], 1], [[2, 3], 0]]) as Tensor[];
    expect(feats.shape).toEqual([2, 2]);
    expect(labels.dtype).toBe("int32");
    const typed = defaultCollate([Float32Array.of(1, 2), Float32Array.of(3, 4)]) as Tensor;
    expect(typed.dtype).toBe("float32");
    expect((defaultCollate([Int32Array.of(1), Int32Array.of(2)]) as Tensor).dtype).toBe("int32");
    expect(Array.from((defaultCollate([true, false]) as Tensor).data())).toEqual([1, 0]);
  });

  it("bad input: empty batch, mismatched shapes or keys (freeing what it made), unsupported values", () => {
    const [t2, t3, u1, u2] = [tensor([1, 2]), tensor([1, 2, 3]), tensor([1]), tensor([1, 2])];
    const before = memory().numBlocks;
    expect(() => defaultCollate([])).toThrow(code("E_VALUE"));
    expect(() => defaultCollate([t2, t3])).toThrow(/batch\[1\]: expected a float32 tensor of shape \[2\]/);
    // field "a" is collated into a tensor before "b" fails: that tensor must be freed
    expect(() => defaultCollate([{ a: 1, b: u1 }, { a: 2, b: u2 }])).toThrow(code("E_SHAPE"));
    expect(() => defaultCollate([{ a: 1 }, { b: 1 }])).toThrow(code("E_TYPE"));
    expect(() => defaultCollate([[1, 2], [1, 2, 3]])).toThrow(code("E_SHAPE"));
    expect(() => defaultCollate([1, "a"])).toThrow(code("E_TYPE"));
    expect(() => defaultCollate([null])).toThrow(code("E_TYPE"));
    expect(() => defaultCollate("ab" as never)).toThrow(code("E_TYPE"));
    expect(memory().numBlocks).toBe(before);
  });
});

describe("padding (Hugging Face tokenizer.pad / DataCollatorWithPadding layout)", () => {
  const seqs = [[5, 6, 7], [8], [9, 10]];

  it("pads right to the longest sequence with attention mask and lengths", () => {
    const { ids, attentionMask, lengths } = padSequences(seqs);
    expect(ids.dtype).toBe("int32");
    expect(ids.toArray()).toEqual([[5, 6, 7], [8, 0, 0], [9, 10, 0]]);
    expect(attentionMask.toArray()).toEqual([[1, 1, 1], [1, 0, 0], [1, 1, 0]]);
    expect(Array.from(lengths.data())).toEqual([3, 1, 2]);
  });

  it("pads left with a pad id, truncates right or left at maxLength, pads to maxLength or a multiple", () => {
    expect(padSequences(seqs, { paddingSide: "left", padId: 1 }).ids.toArray()).toEqual([[5, 6, 7], [1, 1, 8], [1, 9, 10]]);
    expect(padSequences(seqs, { paddingSide: "left" }).attentionMask.toArray()).toEqual([[1, 1, 1], [0, 0, 1], [0, 1, 1]]);
    const cut = padSequences(seqs, { maxLength: 2 });
    expect(cut.ids.toArray()).toEqual([[5, 6], [8, 0], [9, 10]]);
    expect(Array.from(cut.lengths.data())).toEqual([2, 1, 2]);
    expect(padSequences(seqs, { maxLength: 2, truncationSide: "left" }).ids.toArray()).toEqual([[6, 7], [8, 0], [9, 10]]);
    expect(padSequences(seqs, { padding: "maxLength", maxLength: 5 }).ids.shape).toEqual([3, 5]);
    expect(padSequences(seqs, { padToMultipleOf: 4 }).ids.shape).toEqual([3, 4]);
    expect(padSequences([[], []]).ids.shape).toEqual([2, 0]);
    expect(padSequences([Int32Array.of(3, 4), Uint16Array.of(5)]).ids.toArray()).toEqual([[3, 4], [5, 0]]);
  });

  it("paddingCollator pads ids of samples and collates the other fields, label → labels", () => {
    const collate = paddingCollator({ padId: 0 });
    const batch = collate([{ ids: [3, 4, 5], label: 1 }, { ids: [6], label: 0 }]);
    expect(Object.keys(batch).sort()).toEqual(["attentionMask", "ids", "labels", "lengths"]);
    expect(batch.ids.toArray()).toEqual([[3, 4, 5], [6, 0, 0]]);
    expect(Array.from((batch.labels as Tensor).data())).toEqual([1, 0]);
    expect(collate([[1, 2], [3]]).ids.toArray()).toEqual([[1, 2], [3, 0]]);
    expect(paddingCollator()([{ inputIds: [1] }, { inputIds: [2, 3] }]).attentionMask.toArray()).toEqual([[1, 0], [1, 1]]);
    const loader = new DataLoader([{ ids: [1, 2], label: 1 }, { ids: [3], label: 0 }, { ids: [4, 5, 6], label: 1 }], { batchSize: 2, collate });
    expect([...loader].map((b) => b.ids.shape)).toEqual([[2, 2], [1, 3]]);
  });

  it("bad input: options, non-integer ids, empty batches, samples without ids", () => {
    expect(() => padSequences([])).toThrow(code("E_VALUE"));
    expect(() => padSequences([[1, 2.5]])).toThrow(/sequences\[0\]\[1\]: expected an int32 token id, received 2.5/);
    expect(() => padSequences([[1, "2"]] as never)).toThrow(code("E_TYPE"));
    expect(() => padSequences(["abc"] as never)).toThrow(code("E_TYPE"));
    expect(() => padSequences([[1]], { paddingSide: "top" as never })).toThrow(code("E_VALUE"));
    expect(() => padSequences([[1]], { maxLength: 0 })).toThrow(code("E_RANGE"));
    expect(() => padSequences([[1]], { padding: "maxLength" })).toThrow(code("E_VALUE"));
    expect(() => padSequences([[1]], { padId: 0.5 })).toThrow(code("E_RANGE"));
    expect(() => padSequences([[1]], { padToMultipleOf: 0 })).toThrow(code("E_RANGE"));
    expect(() => paddingCollator()([{ text: "hi" }])).toThrow(code("E_KEY"));
    expect(() => paddingCollator()([])).toThrow(code("E_VALUE"));
    expect(() => paddingCollator()([{ ids: [1] }, { label: 1 }])).toThrow(code("E_TYPE"));
  });
});

describe("randomSplit and Subset (torch.utils.data.random_split)", () => {
  it("splits by counts or fractions (remainder round-robin), seeded and disjoint", () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const [a, b] = randomSplit(items, [0.7, 0.3], { seed: 1 });
    expect([a.length, b.length]).toEqual([7, 3]);
    expect([...a.indices, ...b.indices].sort((p, q) => p - q)).toEqual(items);
    const again = randomSplit(items, [0.7, 0.3], { seed: 1 });
    expect(again[0].indices).toEqual(a.indices);
    expect(randomSplit(items, [0.34, 0.33, 0.33], { seed: 1 }).map((s) => s.length)).toEqual([4, 3, 3]);
    expect(randomSplit(items, [5, 5], { seed: 2 }).map((s) => s.length)).toEqual([5, 5]);
    expect(a.get(0)).toBe(a.indices[0]);
    // subsets batch through the parent's getBatch, or collate its samples
    expect([...new DataLoader(a, { batchSize: 7 })].map((t) => Array.from((t as Tensor).data()))).toEqual([a.indices]);
    const td = new TensorDataset(arange(0, 10, 1, { dtype: "float32" }));
    const [sub] = randomSplit(td, [10], { seed: 3 });
    expect(Array.from(([...new DataLoader(sub, { batchSize: 10 })][0] as Tensor[])[0].data())).toEqual(sub.indices);
    expect(() => randomSplit(items, [5, 6])).toThrow(code("E_VALUE"));
    expect(() => randomSplit(items, [-1, 11])).toThrow(code("E_VALUE"));
    expect(() => randomSplit(items, [])).toThrow(code("E_TYPE"));
    expect(() => new Subset(new ArrayDataset(items), [10])).toThrow(code("E_RANGE"));
  });
});
