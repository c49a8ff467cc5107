// Finite-difference gradient checks for every differentiable op (gradcheck: central differences
// with eps 1e-2 in float32 forward passes, float64 accumulation; tolerance atol = rtol = 1e-2,
// chosen because float32 forwards carry ~1e-4 relative noise amplified by 1/eps).
import { describe, expect, it } from "vitest";
import { F, gradcheck, randn, rand, tensor, concat, Generator, type Tensor } from "../../src/index.js";

const gen = new Generator(7);
const input = (shape: number[], scale = 1, offset = 0) => {
  const t = randn(shape, { generator: gen });
  const out = t.mul(scale).add(offset);
  t.dispose();
  out.requiresGrad_(true);
  return out;
};
const positive = (shape: number[]) => {
  const t = rand(shape, { generator: gen });
  const out = t.add(0.5);
  t.dispose();
  out.requiresGrad_(true);
  return out;
};

function check(name: string, fn: (...xs: Tensor[]) => Tensor, inputs: () => Tensor[], atol = 1e-2) {
  it(name, () => {
    const xs = inputs();
    const r = gradcheck(fn, xs, { atol, rtol: 1e-2, seed: 3 });
    expect(r.ok, `worst: ${JSON.stringify(r.worst)}`).toBe(true);
    for (const x of xs) x.dispose();
  });
}

describe("gradcheck", () => {
  check("add (broadcast)", (a, b) => a.add(b), () => [input([3, 4]), input([4])]);
  check("sub (broadcast both ways)", (a, b) => a.sub(b), () => [input([3, 1]), input([1, 4])]);
  check("mul (broadcast)", (a, b) => a.mul(b), () => [input([2, 3, 4]), input([3, 1])]);
  check("div", (a, b) => a.div(b), () => [input([3, 4]), positive([3, 4])]);
  check("scalar ops", (a) => a.add(2).mul(3).sub(1).div(4), () => [input([5])]);
  check("neg", (a) => a.neg(), () => [input([6])]);
  check("exp", (a) => a.exp(), () => [input([6])]);
  check("log", (a) => a.log(), () => [positive([6])]);
  check("sqrt", (a) => a.sqrt(), () => [positive([6])]);
  check("tanh", (a) => a.tanh(), () => [input([6])]);
  check("sigmoid", (a) => a.sigmoid(), () => [input([6])]);
  check("relu", (a) => a.relu(), () => [input([6], 1, 0.05)]);
  check("gelu", (a) => a.gelu(), () => [input([8])]);
  check("silu", (a) => a.silu(), () => [input([8])]);
  check("abs", (a) => a.abs(), () => [positive([4])]);
  check("square", (a) => a.square(), () => [input([4])]);
  check("pow 3", (a) => a.pow(3), () => [input([5])]);
  check("pow 0.5", (a) => a.pow(0.5), () => [positive([5])]);
  check("sum over axes", (a) => a.sum([0, 2]), () => [input([2, 3, 4])]);
  check("sum all", (a) => a.sum(), () => [input([2, 3])]);
  check("mean keepDim", (a) => a.mean(1, true), () => [input([2, 5])]);
  check("max over axis", (a) => a.max(1), () => [input([3, 5])]);
  check("min all", (a) => a.min(), () => [input([3, 5])]);
  check("matmul 2-D", (a, b) => a.matmul(b), () => [input([3, 4]), input([4, 5])]);
  check("matmul batched broadcast", (a, b) => a.matmul(b), () => [input([2, 1, 3, 4]), input([3, 4, 2])]);
  check("matmul vector", (a, b) => a.matmul(b), () => [input([4]), input([4, 3])]);
  check("linear with bias", (x, w, b) => F.linear(x, w, b), () => [input([2, 3, 4]), input([5, 4]), input([5])]);
  check("softmax last axis", (a) => a.softmax(-1), () => [input([3, 5])]);
  check("softmax axis 0", (a) => a.softmax(0), () => [input([3, 5])]);
  check("logSoftmax", (a) => a.logSoftmax(-1), () => [input([3, 5])]);
  check("layerNorm with affine", (x, w, b) => x.layerNorm(6, w, b), () => [input([4, 6]), input([6]), input([6])]);
  check("layerNorm without affine", (x) => F.layerNorm(x, [2, 3]), () => [input([4, 2, 3])]);
  check("crossEntropy with ignore and smoothing",
    (x) => x.crossEntropy(tensor([1, -100, 0, 4], undefined, { dtype: "int32" }), { labelSmoothing: 0.2 }), () => [input([4, 5])]);
  check("crossEntropy sum", (x) => x.crossEntropy(tensor([1, 2], undefined, { dtype: "int32" }), { reduction: "sum" }), () => [input([2, 3])]);
  check("mseLoss", (a, b) => F.mseLoss(a, b), () => [input([3, 2]), input([3, 2])]);
  check("bce with logits", (a) => F.binaryCrossEntropyWithLogits(a, tensor([[1, 0], [0, 1]])), () => [input([2, 2])]);
  check("embedding", (w) => tensor([[0, 2], [2, 1]], undefined, { dtype: "int32" }).embedding(w), () => [input([3, 4])]);
  check("takeAlongDim dim 1", (x) => x.takeAlongDim(tensor([[[1], [0], [2]], [[2], [2], [0]]], undefined, { dtype: "int32" }), 1), () => [input([2, 3, 2])]);
  check("gather axis 1", (x) => x.gather(tensor([2, 0, 2], undefined, { dtype: "int32" }), 1), () => [input([2, 3, 2])]);
  check("reshape", (a) => a.reshape(3, 4).mul(a.reshape(3, 4)), () => [input([2, 6])]);
  check("transpose", (a) => a.transpose(0, 2), () => [input([2, 3, 4])]);
  check("permute", (a) => a.permute(1, 2, 0), () => [input([2, 3, 4])]);
  check("slice", (a) => a.slice(1, 1, -1), () => [input([3, 5])]);
  check("expand", (a) => a.expand(2, 3, 4), () => [input([3, 1])]);
  check("concat", (a, b) => concat([a, b], 1), () => [input([2, 3]), input([2, 2])]);
  check("dropout (fixed mask per seed)", (a) => F.dropout(a, 0.3, true, new Generator(5)), () => [input([20])]);
});
