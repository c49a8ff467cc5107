// Every op's bad inputs: a TesseraError whose code and message name the argument, the expectation
// and what was received — never a WASM trap or a silent NaN. A failed call changes nothing.
import { describe, expect, it } from "vitest";
import { F, ones, tensor, zeros, concat, memory, setDevice, type Tensor } from "../../src/index.js";

const ids = (v: number[]) => tensor(v, undefined, { dtype: "int32" });
const code = (c: string, msg?: RegExp) => (fn: () => unknown) => {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err, "expected a throw").toBeDefined();
  expect((err as { name: string }).name).toBe("TesseraError");
  expect((err as { code: string }).code).toBe(c);
  if (msg) expect((err as Error).message).toMatch(msg);
};

describe("bad inputs", () => {
  it("elementwise: shapes that do not broadcast, wrong types and dtypes", () => {
    code("E_SHAPE", /add: expected shapes that broadcast, received \[2, 3\] and \[4\]/)(() => ones([2, 3]).add(ones([4])));
    code("E_TYPE", /mul: other: expected a Tensor or a number, received "x"/)(() => ones([2]).mul("x" as never));
    code("E_DTYPE", /expected a float32 tensor, received int32/)(() => ids([1, 2]).exp());
    code("E_TYPE", /pow: exponent/)(() => ones([2]).pow("2" as never));
    code("E_TYPE", /add: input: expected a Tensor/)(() => F.add(3 as never, ones([1])));
  });

  it("reductions and layout: bad axes, shapes and permutations", () => {
    code("E_RANGE", /sum: axis: expected an integer axis in \[-2, 1\]/)(() => ones([2, 3]).sum(2));
    code("E_VALUE", /distinct axes/)(() => ones([2, 3]).sum([0, 0]));
    code("E_SHAPE", /argmax: input: expected a non-empty reduction axis/)(() => zeros([0]).argmax());
    code("E_SHAPE", /reshape: shape: expected a shape with 6 elements/)(() => ones([2, 3]).reshape(4, 2));
    code("E_SHAPE", /at most one -1/)(() => ones([2, 3]).reshape(-1, -1));
    code("E_VALUE", /permute: dims: expected a permutation/)(() => ones([2, 3]).permute(0, 0));
    code("E_SHAPE", /permute: dims: expected 2 dimensions/)(() => ones([2, 3]).permute(0));
    code("E_TYPE", /slice: start: expected an integer/)(() => ones([4]).slice(0, 1.5));
    code("E_SHAPE", /expand: shape/)(() => ones([2, 3]).expand(4, 3));
    code("E_SHAPE", /concat: tensors\[1\]: expected shape \[2, -1\]/)(() => concat([ones([2, 3]), ones([3, 3])], 1));
    code("E_VALUE", /concat: tensors: expected a non-empty array/)(() => concat([], 0));
    code("E_RANGE", /gather: indices\[1\]: expected an index in \[0, 2\], received 3/)(() => ones([3, 2]).gather(ids([0, 3])));
    code("E_DTYPE", /gather: indices: expected an int32 tensor/)(() => ones([3, 2]).gather(ones([1])));
    code("E_SHAPE", /item\(\): expected a tensor with one element/)(() => ones([2]).item());
  });

  it("matmul and linear: mismatched inner dimensions name both shapes", () => {
    code("E_SHAPE", /matmul: expected input's last dimension to equal other's second-to-last dimension, received \[2, 3\] and \[4, 5\]/)(
      () => ones([2, 3]).matmul(ones([4, 5])));
    code("E_SHAPE", /matmul \(batch dimensions\): expected shapes that broadcast/)(() => ones([2, 3, 4]).matmul(ones([3, 4, 5])));
    code("E_SHAPE", /at least one dimension/)(() => tensor(2).matmul(ones([1])));
    code("E_SHAPE", /linear: weight: expected \[outFeatures, inFeatures\]/)(() => F.linear(ones([2, 3]), ones([3])));
    code("E_SHAPE", /linear: input: expected last dimension 4/)(() => F.linear(ones([2, 3]), ones([5, 4])));
    code("E_SHAPE", /linear: bias: expected \[5\]/)(() => F.linear(ones([2, 4]), ones([5, 4]), ones([4])));
  });

  it("layer norm, cross-entropy, dropout, embedding", () => {
    code("E_SHAPE", /layerNorm: normalizedShape: expected the trailing dimensions/)(() => ones([2, 3]).layerNorm(4));
    code("E_SHAPE", /layerNorm: weight: expected shape \[3\]/)(() => ones([2, 3]).layerNorm(3, ones([2])));
    code("E_RANGE", /layerNorm: eps/)(() => ones([2, 3]).layerNorm(3, null, null, -1));
    code("E_RANGE", /crossEntropy: target\[1\]: expected a class in \[0, 2\] or ignoreIndex -100, received 3/)(
      () => ones([2, 3]).crossEntropy(ids([0, 3])));
    code("E_SHAPE", /crossEntropy: target: expected class probabilities of shape \[2, 3\] \(or int32 indices of shape \[2\]\)/)(() => ones([2, 3]).crossEntropy(ones([2])));
    code("E_DTYPE", /nllLoss: target: expected int32 class indices/)(() => F.nllLoss(ones([2, 3]), ones([2])));
    code("E_SHAPE", /crossEntropy: target: expected shape \[2\]/)(() => ones([2, 3]).crossEntropy(ids([0])));
    code("E_RANGE", /labelSmoothing/)(() => ones([2, 3]).crossEntropy(ids([0, 1]), { labelSmoothing: 2 }));
    code("E_VALUE", /reduction: expected "mean", "sum" or "none"/)(() => ones([2, 3]).crossEntropy(ids([0, 1]), { reduction: "avg" as never }));
    code("E_RANGE", /dropout: p: expected a finite number in \[0, 1\], received 1.5/)(() => F.dropout(ones([3]), 1.5));
    code("E_RANGE", /dropout: p/)(() => F.dropout(ones([3]), NaN));
    code("E_SHAPE", /embedding: weight: expected \[numEmbeddings, dim\]/)(() => F.embedding(ones([3]), ids([0])));
    code("E_RANGE", /indices\[0\]: expected an index in \[0, 2\], received -1/)(() => F.embedding(ones([3, 2]), ids([-1])));
  });

  it("a failed op leaves inputs intact and allocates nothing", () => {
    const a = tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
    const before = memory().numBlocks;
    expect(() => a.matmul(ones([3, 1]) as Tensor)).toThrow();
    expect(memory().numBlocks).toBe(before + 1); // only the ones([3, 1]) argument
    expect(a.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(a.grad).toBeNull();
  });

  it("all-ignored cross-entropy is NaN like PyTorch, not a trap", () => {
    const loss = ones([2, 3]).crossEntropy(ids([-100, -100]));
    expect(Number.isNaN(loss.item())).toBe(true);
  });

  // Issue 8, defect 16.
  it("flags are booleans: keepDim \"false\" is refused, not read as true", () => {
    for (const fn of ["sum", "mean", "max", "min", "argmax", "argmin"] as const) {
      code("E_TYPE", new RegExp(`${fn}: keepDim: expected a boolean, received "false"`))(() => (ones([2, 3])[fn] as (a: number, k: unknown) => Tensor)(0, "false"));
    }
    code("E_TYPE", /dropout: training: expected a boolean/)(() => F.dropout(ones([3]), 0.5, 1 as never));
  });

  it("a Tensor from another copy of the package is named as such", () => {
    const foreign = { isTensor: true, shape: [2], dtype: "float32" };
    code("E_TYPE", /add: other: expected a Tensor of this copy of tessera, received a Tensor made by another copy of the package/)(() => ones([2]).add(foreign as never));
  });

  it("tensors on different devices are refused with E_DEVICE naming the one to move", () => {
    code("E_DEVICE", /setDevice\(device\): expected one of "cpu"/)(() => setDevice("tpu"));
    code("E_DEVICE", /options.device/)(() => ones([2], { device: "gpu0" }));
  });
});
