// Memory over long runs: after the first step has allocated the optimizer state, 10,000 more steps
// (with backward, zeroGrad, clipping and a scheduler) leave memory() exactly where it was — the
// update kernels allocate nothing and no temporary tensor outlives a step. dispose() frees the state.
import { describe, expect, it } from "vitest";
import { memory, optim, type Tensor } from "../../src/index.js";
import { backwardLoss, mlpParams } from "./helpers.js";

describe("optimizer memory", () => {
  it("10,000 training steps (AdamW + amsgrad, clipGradNorm_, cosine warmup schedule) keep memory() flat", () => {
    const params = mlpParams();
    const opt = new optim.AdamW(params, { lr: 1e-3, amsgrad: true });
    const sched = optim.getCosineScheduleWithWarmup(opt, 100, 10_000);
    const trainStep = () => {
      opt.zeroGrad();
      backwardLoss(params);
      optim.clipGradNorm_(params, 1);
      opt.step();
      sched.step();
    };
    trainStep();
    const before = memory();
    for (let i = 0; i < 10_000; i++) trainStep();
    const after = memory();
    expect(after.numBlocks).toBe(before.numBlocks);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.wasmBytes).toBe(before.wasmBytes);
    opt.dispose();
    expect(memory().numBlocks).toBe(before.numBlocks - 3 * params.length); // expAvg, expAvgSq, maxExpAvgSq
    for (const p of params) p.dispose();
  });

  it("every optimizer: 10,000 steps on fixed gradients allocate nothing", () => {
    const makers: ((ps: Tensor[]) => optim.Optimizer<{ lr: number }>)[] = [
      (ps) => new optim.SGD(ps, { lr: 1e-4, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }),
      (ps) => new optim.Adam(ps, { weightDecay: 1e-4 }),
      // not centered: under a constant gradient sq − ga² decays to 0 and rounds below it, and the
      // square root turns NaN — torch 1.13 does the same
      (ps) => new optim.RMSprop(ps, { momentum: 0.5 }),
      (ps) => new optim.Adagrad(ps, { lrDecay: 1e-3 }),
    ];
    for (const make of makers) {
      const params = mlpParams();
      backwardLoss(params);
      const opt = make(params);
      opt.step();
      const before = memory();
      for (let i = 0; i < 10_000; i++) opt.step();
      expect(memory().numBlocks, opt.name).toBe(before.numBlocks);
      expect(memory().numBytes, opt.name).toBe(before.numBytes);
      for (const p of params) expect(Array.from(p.data()).every(Number.isFinite), opt.name).toBe(true);
      opt.dispose();
      for (const p of params) p.dispose();
    }
  });
});
