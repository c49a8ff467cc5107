// Bad inputs to the optimizers: each is a TesseraError with a stable code and a message naming the
// argument, raised before anything changes (torch raises ValueError / TypeError / RuntimeError for
// the same cases). Checked: hyperparameters (negative or NaN lr, betas outside [0, 1), eps < 0,
// Nesterov with dampening or without momentum, unknown option names), parameters (not a leaf,
// disposed, not float32, empty lists, duplicates within or across groups), step() on a disposed
// parameter or with an lr broken by hand, wrong gradients, and bad state dicts.
import { describe, expect, it } from "vitest";
import { tensor, zeros, optim, type Tensor } from "../../src/index.js";

const code = (c: string, message?: RegExp) => expect.objectContaining(message ? { code: c, message: expect.stringMatching(message) } : { code: c });
const leaf = (n = 3) => zeros([n], { requiresGrad: true });

describe("optimizer constructor", () => {
  it("hyperparameters out of range", () => {
    const p = leaf();
    expect(() => new optim.SGD([p], { lr: -0.1 })).toThrow(code("E_RANGE", /lr/));
    expect(() => new optim.SGD([p], { lr: NaN })).toThrow(code("E_RANGE", /lr/));
    expect(() => new optim.Adam([p], { lr: -1 })).toThrow(code("E_RANGE", /lr/));
    expect(() => new optim.SGD([p], { lr: "0.1" as never })).toThrow(code("E_TYPE", /lr/));
    expect(() => new optim.SGD([p])).toThrow(code("E_VALUE", /lr.*no default/));
    expect(() => new optim.SGD([p], { lr: 0.1, momentum: -0.5 })).toThrow(code("E_RANGE", /momentum/));
    expect(() => new optim.Adam([p], { betas: [1, 0.999] })).toThrow(code("E_RANGE", /betas\[0\]/));
    expect(() => new optim.Adam([p], { betas: [0.9, -0.1] })).toThrow(code("E_RANGE", /betas\[1\]/));
    expect(() => new optim.AdamW([p], { betas: [0.9, NaN] })).toThrow(code("E_RANGE", /betas\[1\]/));
    expect(() => new optim.Adam([p], { betas: 0.9 as never })).toThrow(code("E_TYPE", /betas/));
    expect(() => new optim.Adam([p], { eps: -1e-8 })).toThrow(code("E_RANGE", /eps/));
    expect(() => new optim.RMSprop([p], { eps: -1 })).toThrow(code("E_RANGE", /eps/));
    expect(() => new optim.Adagrad([p], { eps: -1 })).toThrow(code("E_RANGE", /eps/));
    expect(() => new optim.Adagrad([p], { lrDecay: -1 })).toThrow(code("E_RANGE", /lrDecay/));
    expect(() => new optim.AdamW([p], { weightDecay: -0.01 })).toThrow(code("E_RANGE", /weightDecay/));
    expect(() => new optim.RMSprop([p], { centered: 1 as never })).toThrow(code("E_TYPE", /centered/));
    p.dispose();
  });

  it("Nesterov needs momentum and no dampening (torch raises)", () => {
    const p = leaf();
    expect(() => new optim.SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(code("E_VALUE", /Nesterov/));
    expect(() => new optim.SGD([p], { lr: 0.1, nesterov: true })).toThrow(code("E_VALUE", /Nesterov/));
    expect(() => new optim.SGD([{ params: [p], dampening: 0.5 }], { lr: 0.1, momentum: 0.9, nesterov: true })).toThrow(code("E_VALUE", /paramGroups\[0\].*Nesterov/));
    p.dispose();
  });

  it("unknown option names (torch's snake_case by mistake) are E_KEY", () => {
    const p = leaf();
    expect(() => new optim.Adam([p], { weight_decay: 0.1 } as never)).toThrow(code("E_KEY", /weight_decay/));
    expect(() => new optim.SGD([{ params: [p], betas: [0.9, 0.9] } as never], { lr: 0.1 })).toThrow(code("E_KEY", /betas/));
    expect(() => new optim.SGD([p], { lr: 0.1, params: [p] } as never)).toThrow(code("E_KEY", /params/));
    p.dispose();
  });

  it("parameters: non-leaf, disposed, int32, empty, duplicates, a bare tensor, a mix", () => {
    const [a, b] = [leaf(), leaf()];
    const nonLeaf = a.mul(2);
    expect(() => new optim.SGD([a, nonLeaf], { lr: 0.1 })).toThrow(code("E_GRAD", /params\[1\].*leaf/));
    const gone = leaf();
    gone.dispose();
    expect(() => new optim.Adam([a, gone])).toThrow(code("E_DISPOSED", /params\[1\]/));
    const ints = tensor([1, 2], [2], { dtype: "int32" });
    expect(() => new optim.Adam([ints])).toThrow(code("E_DTYPE"));
    expect(() => new optim.Adam([])).toThrow(code("E_VALUE", /empty parameter list/));
    expect(() => new optim.Adam([{ params: [a] }, { params: [] }])).toThrow(code("E_VALUE", /paramGroups\[1\].*empty/));
    expect(() => new optim.Adam([a, b, a])).toThrow(code("E_VALUE", /twice/));
    expect(() => new optim.Adam([{ params: [a, b] }, { params: [b], lr: 0.1 }])).toThrow(code("E_VALUE", /more than one parameter group/));
    expect(() => new optim.Adam(a as never)).toThrow(code("E_TYPE", /iterable/));
    expect(() => new optim.Adam([a, { params: [b] }] as never)).toThrow(code("E_TYPE", /mix/));
    expect(() => new optim.Adam([1, 2] as never)).toThrow(code("E_TYPE"));
    const opt = new optim.Adam([a]);
    expect(() => opt.addParamGroup({ params: [a] })).toThrow(code("E_VALUE", /more than one parameter group/));
    expect(opt.paramGroups.length).toBe(1);
    for (const t of [a, b, nonLeaf, ints]) t.dispose();
  });
});

describe("step()", () => {
  function setup(): [Tensor[], optim.Adam] {
    const ps = [leaf(4), leaf(2)];
    for (const p of ps) p.grad = tensor(new Float32Array(p.size).fill(0.5));
    return [ps, new optim.Adam(ps, { lr: 0.1 })];
  }

  it("a disposed parameter is E_DISPOSED and nothing is updated", () => {
    const [ps, opt] = setup();
    ps[1].dispose();
    expect(() => opt.step()).toThrow(code("E_DISPOSED", /params\[1\]/));
    expect(Array.from(ps[0].data())).toEqual([0, 0, 0, 0]);
    expect(opt.state.size).toBe(0);
    ps[0].dispose();
    opt.dispose();
  });

  it("an lr broken by hand (NaN, negative) is caught at the next step, before any update", () => {
    const [ps, opt] = setup();
    opt.paramGroups[0].lr = NaN;
    expect(() => opt.step()).toThrow(code("E_RANGE", /step\(\): paramGroups\[0\]\.lr/));
    opt.paramGroups[0].lr = -1;
    expect(() => opt.step()).toThrow(code("E_RANGE"));
    opt.paramGroups[0].betas = [0.9, 1];
    opt.paramGroups[0].lr = 0.1;
    expect(() => opt.step()).toThrow(code("E_RANGE", /betas\[1\]/));
    expect(Array.from(ps[0].data())).toEqual([0, 0, 0, 0]);
    for (const p of ps) p.dispose();
    opt.dispose();
  });

  it("a gradient of the wrong shape or disposed", () => {
    const [ps, opt] = setup();
    ps[0].grad!.dispose();
    ps[0].grad = tensor([1, 2, 3]);
    expect(() => opt.step()).toThrow(code("E_SHAPE", /params\[0\]\.grad/));
    ps[0].grad.dispose();
    expect(() => opt.step()).toThrow(code("E_DISPOSED", /grad/));
    for (const p of ps) p.dispose();
    opt.dispose();
  });

  it("zeroGrad(setToNone) must be a boolean", () => {
    const [ps, opt] = setup();
    expect(() => opt.zeroGrad("yes" as never)).toThrow(code("E_TYPE", /setToNone/));
    for (const p of ps) p.dispose();
    opt.dispose();
  });
});

describe("loadStateDict", () => {
  it("wrong group count or size, bad indices, unknown names, wrong shapes: E_*, state unchanged", () => {
    const ps = [leaf(4), leaf(2)];
    for (const p of ps) p.grad = tensor(new Float32Array(p.size).fill(0.5));
    const opt = new optim.Adam(ps, { lr: 0.1 });
    opt.step();
    const good = opt.stateDict();
    const other = new optim.Adam([{ params: [ps[0]] }, { params: [ps[1]] }]);
    expect(() => other.loadStateDict(good)).toThrow(code("E_VALUE", /number of parameter groups/));
    const one = new optim.Adam([ps[0]]);
    expect(() => one.loadStateDict(good)).toThrow(code("E_VALUE", /doesn't match the size/));
    const swapped = new optim.Adam([ps[1], ps[0]]);
    expect(() => swapped.loadStateDict(good)).toThrow(code("E_SHAPE", /state\[0\]\.expAvg/));
    expect(() => opt.loadStateDict({ ...good, state: { 7: good.state[0] } })).toThrow(code("E_KEY", /"7"/));
    expect(() => opt.loadStateDict({ ...good, state: { 0: { ...good.state[0], exp_avg: null } } })).toThrow(code("E_KEY", /exp_avg/));
    expect(() => opt.loadStateDict({ ...good, paramGroups: [{ ...good.paramGroups[0], lr: -1 }] })).toThrow(code("E_RANGE", /lr/));
    expect(() => opt.loadStateDict({ ...good, paramGroups: [{ ...good.paramGroups[0], momentum: 0.9 }] })).toThrow(code("E_KEY", /momentum/));
    expect(() => opt.loadStateDict({ ...good, state: { 0: { step: 1, expAvg: good.state[0].expAvg } } })).toThrow(code("E_KEY", /expAvgSq/));
    expect(() => opt.loadStateDict({ ...good, state: { 0: { ...good.state[0], step: -1 } } })).toThrow(code("E_RANGE", /step/));
    expect(() => opt.loadStateDict(null as never)).toThrow(code("E_TYPE"));
    // after all that, the optimizer still has its own state and options
    expect(opt.state.get(ps[0])!.step).toBe(1);
    expect(opt.paramGroups[0].lr).toBe(0.1);
    for (const s of Object.values(good.state)) for (const v of Object.values(s)) if (v instanceof Object) (v as Tensor).dispose();
    for (const o of [opt, other, one, swapped]) o.dispose();
    for (const p of ps) p.dispose();
  });
});

describe("clipping arguments", () => {
  it("maxNorm, normType, clipValue, parameters", () => {
    const p = leaf();
    p.grad = tensor([1, 2, 3]);
    expect(() => optim.clipGradNorm_(p, -1)).toThrow(code("E_RANGE", /maxNorm/));
    expect(() => optim.clipGradNorm_(p, NaN)).toThrow(code("E_RANGE", /maxNorm/));
    expect(() => optim.clipGradNorm_(p, 1, 0)).toThrow(code("E_RANGE", /normType/));
    expect(() => optim.clipGradNorm_(p, 1, "l2" as never)).toThrow(code("E_TYPE", /normType/));
    expect(() => optim.clipGradNorm_(42 as never, 1)).toThrow(code("E_TYPE", /parameters/));
    expect(() => optim.clipGradNorm_(p, 1, 2, { errorIfNonfinite: "yes" as never })).toThrow(code("E_TYPE", /errorIfNonfinite/));
    expect(() => optim.clipGradValue_(p, -0.1)).toThrow(code("E_RANGE", /clipValue/));
    const gone = leaf();
    gone.dispose();
    expect(() => optim.clipGradNorm_([p, gone], 1)).toThrow(code("E_DISPOSED", /parameters\[1\]/));
    expect(Array.from(p.grad.data())).toEqual([1, 2, 3]);
    p.dispose();
  });
});
