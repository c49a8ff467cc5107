// Runs under Node, Deno and Bun against the built package (dist/): load, pick a build, train one
// step of a tiny model, and print a JSON summary the test compares across runtimes.
import * as ts from "../../dist/index.js";

const { tensor, F, manualSeed, randn } = ts;
manualSeed(1);
const x = randn([8, 16]);
const w = randn([4, 16]).mul(0.1);
w.requiresGrad_(true);
const y = tensor([0, 1, 2, 3, 0, 1, 2, 3], undefined, { dtype: "int32" });
const loss = F.crossEntropy(F.linear(x, w).gelu().softmax(-1).log(), y);
loss.backward();
const big = randn([256, 256]);
const prod = big.matmul(big).sum().item();
console.log(JSON.stringify({
  info: ts.info(),
  loss: Number(loss.item().toFixed(5)),
  gradNorm: Number(Math.sqrt(w.grad.data().reduce((s, v) => s + v * v, 0)).toFixed(5)),
  prod: Number(prod.toFixed(1)),
}));
