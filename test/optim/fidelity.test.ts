// Optimizer trajectories against PyTorch 1.13 (fixture made by test/fixtures/make_optim_fixtures.py):
// 20 steps of SGD (plain, momentum, dampening, Nesterov, weight decay, maximize), Adam (plain,
// AMSGrad, weight decay), AdamW (plus AMSGrad), RMSprop (plain, centered, momentum, all three with
// weight decay), Adagrad (plain, lr decay with initial accumulator and weight decay) and parameter
// groups with their own lr / weight decay, on a fixed two-layer MLP.
// Teacher-forced: each step is fed torch's gradient, so the comparison isolates the update kernel;
// the parameters must match within 1e-5 relative (float32 rounding, FMA or not, differs from torch's
// by a few ulp per step). Closed loop: tessera computes its own gradients through autograd, whose
// float32 sums round differently from torch's; the same 1e-5 holds over 20 steps on this problem.
import { afterAll, describe, expect, it } from "vitest";
import { tensor, tidy, optim, type Tensor } from "../../src/index.js";
import { backwardLoss, errors, fixture, makeOptimizer, mlpLoss, mlpParams, setGrad, worst, type Err, type Trajectory } from "./helpers.js";

const RTOL = 1e-5;
const ATOL = 1e-7; // elements that pass near zero
const trajectories = fixture.trajectories as Record<string, Trajectory>;
const report: Record<string, { forced: Err; closed?: Err }> = {};

function expectNear(actual: Float32Array | Int32Array, expected: number[], what: string): Err {
  const e = errors(actual, expected);
  for (let i = 0; i < expected.length; i++) {
    const tol = ATOL + RTOL * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      expect.fail(`${what}[${i}]: ${actual[i]} vs torch ${expected[i]} (|diff| ${Math.abs(actual[i] - expected[i])} > ${tol})`);
    }
  }
  return e;
}

function dispose(params: Tensor[], opt: optim.Optimizer<{ lr: number }>): void {
  opt.dispose();
  for (const p of params) p.dispose();
}

describe("optimizer trajectories match torch.optim", () => {
  for (const [name, c] of Object.entries(trajectories)) {
    it(`${name}: teacher-forced, 20 steps`, () => {
      const params = mlpParams();
      const opt = makeOptimizer(c.optimizer, params, c.options, c.groups);
      let err: Err = { rel: 0, abs: 0 };
      for (let k = 0; k < c.params.length; k++) {
        params.forEach((p, i) => setGrad(p, c.grads[k][i]));
        opt.step();
        params.forEach((p, i) => { err = worst(err, expectNear(p.data(), c.params[k][i], `${name} step ${k + 1} ${fixture.mlp.names[i]}`)); });
      }
      report[name] = { forced: err };
      dispose(params, opt);
    });

    it(`${name}: closed loop through autograd, 20 steps`, () => {
      const params = mlpParams();
      const opt = makeOptimizer(c.optimizer, params, c.options, c.groups);
      let err: Err = { rel: 0, abs: 0 };
      for (let k = 0; k < c.params.length; k++) {
        opt.zeroGrad();
        const loss = backwardLoss(params);
        expect(Math.abs(loss - c.loss[k])).toBeLessThanOrEqual(1e-5 * c.loss[k]);
        opt.step();
        params.forEach((p, i) => { err = worst(err, expectNear(p.data(), c.params[k][i], `${name} step ${k + 1} ${fixture.mlp.names[i]}`)); });
      }
      report[name].closed = err;
      dispose(params, opt);
    });
  }

  afterAll(() => {
    if (!process.env.OPTIM_REPORT) return;
    for (const [name, r] of Object.entries(report)) {
      console.log(`${name.padEnd(30)} forced rel ${r.forced.rel.toExponential(2)} abs ${r.forced.abs.toExponential(2)}` +
        (r.closed ? `   closed rel ${r.closed.rel.toExponential(2)} abs ${r.closed.abs.toExponential(2)}` : ""));
    }
  });
});

describe("parameter groups", () => {
  it("each group keeps its own options, the rest from the defaults", () => {
    const c = trajectories.sgd_groups;
    const params = mlpParams();
    const opt = makeOptimizer(c.optimizer, params, c.options, c.groups) as optim.SGD;
    expect(opt.paramGroups.map((g) => [g.lr, g.weightDecay, g.momentum])).toEqual([[0.05, 0.01, 0.9], [0.2, 0, 0.9]]);
    expect(opt.paramGroups[1].params).toEqual([params[1], params[3]]);
    dispose(params, opt);
  });

  it("addParamGroup: a group added later (unfrozen layers) steps with its options", () => {
    const c = trajectories.sgd_groups;
    const params = mlpParams();
    const opt = new optim.SGD([params[0], params[2]], { lr: 0.05, momentum: 0.9, weightDecay: 0.01 });
    opt.addParamGroup({ params: [params[1], params[3]], lr: 0.2, weightDecay: 0 });
    for (let k = 0; k < 5; k++) {
      params.forEach((p, i) => setGrad(p, c.grads[k][i]));
      opt.step();
    }
    params.forEach((p, i) => expectNear(p.data(), c.params[4][i], `step 5 ${fixture.mlp.names[i]}`));
    dispose(params, opt);
  });
});

describe("stateDict / loadStateDict", () => {
  for (const name of ["sgd_nesterov", "adam_amsgrad", "adamw_groups", "rmsprop_centered_momentum_wd", "adagrad_lr_decay"]) {
    it(`${name}: 10 steps, save, load into a new optimizer, 10 more steps = 20 steps of torch`, () => {
      const c = trajectories[name];
      const params = mlpParams();
      const a = makeOptimizer(c.optimizer, params, c.options, c.groups);
      for (let k = 0; k < 10; k++) {
        params.forEach((p, i) => setGrad(p, c.grads[k][i]));
        a.step();
      }
      const saved = a.stateDict();
      expect(Object.keys(saved.state)).toEqual(["0", "1", "2", "3"]);
      const copies = params.map((p) => tensor(p.data() as Float32Array, p.shape.slice(), { requiresGrad: true }));
      // the new optimizer starts with other hyperparameters: loading restores them too
      const b = makeOptimizer(c.optimizer, copies, { ...c.options, lr: 0.5 }, c.groups);
      b.loadStateDict(saved);
      for (const v of Object.values(saved.state)) for (const t of Object.values(v)) if (t instanceof Object) (t as Tensor).dispose();
      expect(b.paramGroups.map((g) => g.lr)).toEqual(a.paramGroups.map((g) => g.lr));
      dispose(params, a);
      for (let k = 10; k < 20; k++) {
        copies.forEach((p, i) => setGrad(p, c.grads[k][i]));
        b.step();
      }
      copies.forEach((p, i) => expectNear(p.data(), c.params[19][i], `${name} step 20 ${fixture.mlp.names[i]}`));
      dispose(copies, b);
    });
  }

  it("has PyTorch's layout: state by parameter index, groups with parameter indices", () => {
    const params = mlpParams();
    const opt = new optim.Adam([{ params: [params[0], params[2]] }, { params: [params[1], params[3]], lr: 0.1 }], { amsgrad: true });
    params.forEach((p, i) => setGrad(p, trajectories.adam.grads[0][i]));
    opt.step();
    const sd = opt.stateDict();
    expect(sd.paramGroups).toEqual([
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, params: [0, 1] },
      { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, params: [2, 3] },
    ]);
    expect(Object.keys(sd.state[1])).toEqual(["step", "expAvg", "expAvgSq", "maxExpAvgSq"]);
    expect(sd.state[1].step).toBe(1);
    // index 1 is the second parameter of group 0: w2
    expect((sd.state[1].expAvg as Tensor).shape).toEqual(params[2].shape);
    for (const s of Object.values(sd.state)) for (const v of Object.values(s)) if (v instanceof Object) (v as Tensor).dispose();
    dispose(params, opt);
  });
});

describe("gradients", () => {
  it("accumulate over several backward() calls before step() (half batches = the whole batch)", () => {
    const c = trajectories.sgd_momentum;
    const m = fixture.mlp;
    const params = mlpParams();
    const opt = makeOptimizer(c.optimizer, params, c.options);
    for (let k = 0; k < 3; k++) {
      opt.zeroGrad();
      // mean over 8 rows = ½·mean(rows 0..3) + ½·mean(rows 4..7): two backward passes add up
      for (const half of [0, 1]) {
        const x = tensor(Float32Array.from(m.x.slice(half * 12, half * 12 + 12)), [4, 3]);
        const y = tensor(Float32Array.from(m.y.slice(half * 8, half * 8 + 8)), [4, 2]);
        const h = x.matmul(params[0].T).add(params[1]).tanh();
        const loss = h.matmul(params[2].T).add(params[3]).sub(y).square().mean().mul(0.5);
        loss.backward();
        for (const t of [x, y, h, loss]) t.dispose();
      }
      params.forEach((p, i) => expectNear(p.grad!.data(), c.grads[k][i], `grad ${k} ${m.names[i]}`));
      opt.step();
    }
    params.forEach((p, i) => expectNear(p.data(), c.params[2][i], `step 3 ${m.names[i]}`));
    dispose(params, opt);
  });

  it("zeroGrad() zeroes in place (torch 1.13's default); zeroGrad(true) sets .grad to null", () => {
    const params = mlpParams();
    const opt = new optim.SGD(params, { lr: 0.1 });
    backwardLoss(params);
    const g = params[0].grad!;
    opt.zeroGrad();
    expect(params[0].grad).toBe(g);
    expect(Array.from(g.data()).every((v) => v === 0)).toBe(true);
    opt.zeroGrad(true);
    expect(params.every((p) => p.grad === null)).toBe(true);
    expect(g.isDisposed).toBe(true);
    dispose(params, opt);
  });

  it("parameters without .grad are skipped: unchanged and no state", () => {
    const params = mlpParams();
    const opt = new optim.Adam(params, { lr: 0.1 });
    setGrad(params[1], trajectories.adam.grads[0][1]);
    const before = params.map((p) => Array.from(p.data()));
    opt.step();
    expect(Array.from(params[0].data())).toEqual(before[0]);
    expect(Array.from(params[1].data())).not.toEqual(before[1]);
    expect([...opt.state.keys()]).toEqual([params[1]]);
    dispose(params, opt);
  });

  it("step() bumps the parameter's version: a graph that saved the old value refuses backward", () => {
    const params = mlpParams();
    const opt = new optim.SGD(params, { lr: 0.1 });
    tidy(() => {
      const loss = mlpLoss(params);
      setGrad(params[0], trajectories.sgd.grads[0][0]);
      const v = params[0].version;
      opt.step();
      expect(params[0].version).toBe(v + 1);
      expect(() => loss.backward()).toThrow(expect.objectContaining({ code: "E_GRAD", message: expect.stringMatching(/modified by an inplace operation/) }));
    });
    dispose(params, opt);
  });
});
