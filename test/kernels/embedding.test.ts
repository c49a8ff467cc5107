// Embedding kernels (assembly/embedding.ts) on every build: gather matches plain row copies
// (torch.nn.functional.embedding, bit-exact) and scatter-add matches a float32 accumulation in id
// order, including repeated ids.
import { describe, expect, it } from "vitest";
import { BUILDS, loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { allocF32, putF32, putI32, randomF32, readF32, release } from "./util.js";

function check(rt: Runtime, numEmb: number, dim: number, ids: number[], seed: number): void {
  const weight = randomF32(numEmb * dim, seed);
  const n = ids.length;
  const pw = putF32(rt, weight), pi = putI32(rt, ids), po = allocF32(rt, n * dim);
  rt.exports.embeddingGatherF32(pw, pi, po, n, dim);
  const got = readF32(rt, po, n * dim);
  const want = new Float32Array(n * dim);
  ids.forEach((id, i) => want.set(weight.subarray(id * dim, (id + 1) * dim), i * dim));
  expect([...got], `${rt.build} gather ${numEmb}x${dim}`).toEqual([...want]);

  const dOut = randomF32(n * dim, seed + 1);
  const pd = putF32(rt, dOut);
  rt.exports.embeddingScatterAddF32(pd, pi, pw, n, dim); // accumulate into the weight itself
  const acc = readF32(rt, pw, numEmb * dim);
  const ref = Float32Array.from(weight);
  ids.forEach((id, i) => { for (let j = 0; j < dim; j++) ref[id * dim + j] += dOut[i * dim + j]; });
  expect([...acc], `${rt.build} scatter-add ${numEmb}x${dim}`).toEqual([...ref]);
  release(rt, pw, pi, po, pd);
}

describe.each(BUILDS)("embedding kernels on the %s build", (build) => {
  const runtimeP = loadRuntime({ build });

  it("gather and scatter-add for dims 1..9, 13 and 129", async () => {
    const rt = await runtimeP;
    for (const dim of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 129]) check(rt, 11, dim, [0, 10, 3, 5, 7], dim);
  });

  it("repeated ids accumulate in order", async () => {
    const rt = await runtimeP;
    check(rt, 4, 7, [2, 2, 2, 0, 2, 3, 0], 1);
    check(rt, 3, 16, [1, 1, 1, 1, 1, 1, 1, 1, 1], 2);
  });

  it("no ids, one id, dim 0", async () => {
    const rt = await runtimeP;
    check(rt, 5, 4, [], 3);
    check(rt, 1, 1, [0], 4);
    check(rt, 5, 0, [1, 2], 5);
  });
});
