// Learning-rate schedulers against torch.optim.lr_scheduler of PyTorch 1.13 (fixture made by
// test/fixtures/make_optim_fixtures.py; two groups, lr 0.1 and 0.05, 30 steps) to 1e-14 relative:
// both sides compute in float64 with the same recursions, and only libm's cos/pow may differ by an
// ulp. The Hugging Face warmup schedules are also checked against their formulas evaluated here in
// float64, independently of the scheduler classes.
import { describe, expect, it } from "vitest";
import { zeros, optim, type Tensor } from "../../src/index.js";
import { fixture } from "./helpers.js";

type Spec = Record<string, unknown> & { kind: string; lrs: number[][] };

function twoGroups(): [optim.SGD, Tensor[]] {
  const ps = [zeros([1], { requiresGrad: true }), zeros([1], { requiresGrad: true })];
  return [new optim.SGD([{ params: [ps[0]] }, { params: [ps[1]], lr: 0.05 }], { lr: 0.1 }), ps];
}

function make(opt: optim.SGD, s: Spec): optim.LRScheduler {
  switch (s.kind) {
    case "StepLR": return new optim.StepLR(opt, s.stepSize as number, s.gamma as number);
    case "MultiStepLR": return new optim.MultiStepLR(opt, s.milestones as number[], s.gamma as number);
    case "ExponentialLR": return new optim.ExponentialLR(opt, s.gamma as number);
    case "CosineAnnealingLR": return new optim.CosineAnnealingLR(opt, s.tMax as number, s.etaMin as number);
    case "LambdaLR": return new optim.LambdaLR(opt, (e) => 0.95 ** e);
    case "linear": return optim.getLinearScheduleWithWarmup(opt, s.warmup as number, s.total as number);
    default: return optim.getCosineScheduleWithWarmup(opt, s.warmup as number, s.total as number, s.cycles as number);
  }
}

function expectLrs(actual: number[], expected: number[], what: string): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]), `${what} group ${i}: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(1e-14 * Math.abs(expected[i]) + 1e-300));
}

describe("schedulers match torch.optim.lr_scheduler", () => {
  for (const [name, s] of Object.entries(fixture.schedulers as Record<string, Spec>)) {
    if (name === "cosine_resume") continue;
    it(`${name}: get_last_lr() after construction and 30 steps`, () => {
      const [opt, ps] = twoGroups();
      const sched = make(opt, s);
      expectLrs(sched.getLastLr(), s.lrs[0], `${name} epoch 0`);
      for (let e = 1; e <= 30; e++) {
        opt.step();
        sched.step();
        expectLrs(sched.getLastLr(), s.lrs[e], `${name} epoch ${e}`);
        expect(opt.paramGroups.map((g) => g.lr)).toEqual(sched.getLastLr());
      }
      for (const p of ps) p.dispose();
    });
  }

  it("CosineAnnealingLR resumed at lastEpoch 5 takes the closed form on its first step, like torch", () => {
    const s = fixture.schedulers.cosine_resume;
    const p = zeros([1], { requiresGrad: true });
    const opt = new optim.SGD([{ params: [p], initialLr: s.initialLr }], { lr: s.lr });
    const sched = new optim.CosineAnnealingLR(opt, s.tMax, s.etaMin, s.lastEpoch);
    for (let e = 0; e < s.lrs.length; e++) {
      if (e > 0) sched.step();
      expectLrs(sched.getLastLr(), s.lrs[e], `resume epoch ${e}`);
    }
    p.dispose();
  });
});

describe("Hugging Face warmup schedules", () => {
  // transformers' lambdas, evaluated here directly in float64
  const linear = (step: number, warmup: number, total: number) =>
    step < warmup ? step / Math.max(1, warmup) : Math.max(0, (total - step) / Math.max(1, total - warmup));
  const cosine = (step: number, warmup: number, total: number, cycles: number) => {
    if (step < warmup) return step / Math.max(1, warmup);
    const progress = (step - warmup) / Math.max(1, total - warmup);
    return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * cycles * 2 * progress)));
  };

  for (const [warmup, total] of [[0, 10], [4, 4], [3, 17], [10, 100]]) {
    it(`linear: warmup ${warmup}, total ${total}`, () => {
      const [opt, ps] = twoGroups();
      const sched = optim.getLinearScheduleWithWarmup(opt, warmup, total);
      for (let step = 0; step <= total + 5; step++) {
        if (step > 0) sched.step();
        expect(sched.getLastLr()).toEqual([0.1 * linear(step, warmup, total), 0.05 * linear(step, warmup, total)]);
      }
      // the peak is the initial lr at the end of warmup, and the end is 0
      for (const p of ps) p.dispose();
    });
  }

  for (const [warmup, total, cycles] of [[0, 10, 0.5], [5, 20, 0.5], [3, 25, 1.5], [2, 12, 2]]) {
    it(`cosine: warmup ${warmup}, total ${total}, cycles ${cycles}`, () => {
      const [opt, ps] = twoGroups();
      const sched = optim.getCosineScheduleWithWarmup(opt, warmup, total, cycles);
      for (let step = 0; step <= total + 5; step++) {
        if (step > 0) sched.step();
        expect(sched.getLastLr()).toEqual([0.1 * cosine(step, warmup, total, cycles), 0.05 * cosine(step, warmup, total, cycles)]);
      }
      for (const p of ps) p.dispose();
    });
  }

  it("known values: linear warmup 2 of 10 steps from lr 1; cosine half cycle", () => {
    const p = zeros([1], { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 1 });
    const lin = optim.getLinearScheduleWithWarmup(opt, 2, 10);
    const seen = [lin.getLastLr()[0]];
    for (let i = 0; i < 11; i++) { lin.step(); seen.push(lin.getLastLr()[0]); }
    expect(seen).toEqual([0, 0.5, 1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0, 0]);
    const opt2 = new optim.SGD([p], { lr: 1 });
    const cos = optim.getCosineScheduleWithWarmup(opt2, 0, 4);
    const c = [cos.getLastLr()[0]];
    for (let i = 0; i < 4; i++) { cos.step(); c.push(cos.getLastLr()[0]); }
    [1, 0.5 * (1 + Math.SQRT1_2), 0.5, 0.5 * (1 - Math.SQRT1_2), 0].forEach((v, i) => expect(c[i]).toBeCloseTo(v, 15));
    p.dispose();
  });
});

describe("scheduler state", () => {
  it("stateDict / loadStateDict resume a schedule exactly; an unknown field is E_KEY", () => {
    const [a, pa] = twoGroups();
    const sa = new optim.CosineAnnealingLR(a, 10, 0.001);
    for (let i = 0; i < 4; i++) sa.step();
    const sd = sa.stateDict();
    expect(sd).toEqual({ baseLrs: [0.1, 0.05], lastEpoch: 4, stepCount: 5, lastLr: sa.getLastLr(), tMax: 10, etaMin: 0.001 });
    const [b, pb] = twoGroups();
    b.loadStateDict(a.stateDict());
    const sb = new optim.CosineAnnealingLR(b, 10, 0.001);
    sb.loadStateDict(sd);
    for (let i = 0; i < 10; i++) {
      sa.step();
      sb.step();
      expect(sb.getLastLr()).toEqual(sa.getLastLr());
    }
    expect(() => sb.loadStateDict({ last_epoch: 3 })).toThrow(expect.objectContaining({ code: "E_KEY" }));
    expect(() => sb.loadStateDict({ lastEpoch: "3" })).toThrow(expect.objectContaining({ code: "E_TYPE" }));
    for (const p of [...pa, ...pb]) p.dispose();
  });

  it("LambdaLR's state leaves out the functions; groups remember initialLr", () => {
    const [opt, ps] = twoGroups();
    const s = new optim.LambdaLR(opt, [(e) => 1 / (e + 1), (e) => 2 ** -e]);
    s.step();
    expect(Object.keys(s.stateDict()).sort()).toEqual(["baseLrs", "lastEpoch", "lastLr", "stepCount"]);
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([0.1, 0.05]);
    expect(s.getLastLr()).toEqual([0.05, 0.025]);
    for (const p of ps) p.dispose();
  });

  it("bad arguments", () => {
    const [opt, ps] = twoGroups();
    expect(() => new optim.StepLR({} as never, 2)).toThrow(expect.objectContaining({ code: "E_TYPE" }));
    expect(() => new optim.StepLR(opt, 0)).toThrow(expect.objectContaining({ code: "E_RANGE" }));
    expect(() => new optim.ExponentialLR(opt, NaN)).toThrow(expect.objectContaining({ code: "E_RANGE" }));
    expect(() => new optim.CosineAnnealingLR(opt, 0)).toThrow(expect.objectContaining({ code: "E_RANGE" }));
    expect(() => new optim.MultiStepLR(opt, [1, 2.5])).toThrow(expect.objectContaining({ code: "E_RANGE" }));
    expect(() => new optim.LambdaLR(opt, [(e) => e])).toThrow(expect.objectContaining({ code: "E_VALUE" }));
    expect(() => optim.getLinearScheduleWithWarmup(opt, -1, 10)).toThrow(expect.objectContaining({ code: "E_RANGE" }));
    const [fresh, ps2] = twoGroups();
    expect(() => new optim.StepLR(fresh, 2, 0.1, 3)).toThrow(expect.objectContaining({ code: "E_KEY", message: expect.stringMatching(/initialLr/) }));
    for (const p of [...ps, ...ps2]) p.dispose();
  });
});
