// The notes' optimizers (seeds/003: gradient descent, momentum "v ← a·v − ε·g, θ ← θ + v", AdaGrad,
// RMSProp, Adam) on the notes' toy problem: y = w·x + b with x = 1.5, target 0.8, L = ½(y − 0.8)²,
// from w = 0.8, b = 0.2, where the notes print y = 1.4 and L = 0.18 (so ∂L/∂w = 0.9, ∂L/∂b = 0.6).
// The notes give no learning rates; the runs use ε = 0.1 (RMSProp 0.01, ρ = 0.9). Each trajectory is
// checked three ways: the first steps by hand, 20 steps against the notes' update rules evaluated here
// in float64 (tolerance 1e-5 relative: tessera runs in float32), and against torch (fixture made by
// test/fixtures/make_optim_fixtures.py). RMSProp and Adam put δ outside the square root, as torch does.
import { describe, expect, it } from "vitest";
import { tensor, tidy, optim, type Tensor } from "../../src/index.js";
import { fixture } from "./helpers.js";

const X = 1.5, TARGET = 0.8;
const grad = (w: number, b: number): [number, number] => { const e = X * w + b - TARGET; return [X * e, e]; };

/** The notes' update rules over θ = (w, b), in float64. */
const notesRules: Record<string, (steps: number) => [number, number][]> = {
  gd: (steps) => run(steps, (th, g) => th.map((t, i) => t - 0.1 * g[i])),
  momentum: (steps) => {
    let v = [0, 0];
    return run(steps, (th, g) => {
      v = v.map((vi, i) => 0.9 * vi - 0.1 * g[i]);
      return th.map((t, i) => t + v[i]);
    });
  },
  adagrad: (steps) => {
    let r = [0, 0];
    return run(steps, (th, g) => {
      r = r.map((ri, i) => ri + g[i] * g[i]);
      return th.map((t, i) => t - 0.1 / (1e-7 + Math.sqrt(r[i])) * g[i]);
    });
  },
  rmsprop: (steps) => {
    let r = [0, 0];
    return run(steps, (th, g) => {
      r = r.map((ri, i) => 0.9 * ri + 0.1 * g[i] * g[i]);
      return th.map((t, i) => t - 0.01 * g[i] / (Math.sqrt(r[i]) + 1e-6));
    });
  },
  adam: (steps) => {
    let s = [0, 0], r = [0, 0], t = 0;
    return run(steps, (th, g) => {
      t++;
      s = s.map((si, i) => 0.9 * si + 0.1 * g[i]);
      r = r.map((ri, i) => 0.999 * ri + 0.001 * g[i] * g[i]);
      return th.map((v, i) => v - 0.1 * (s[i] / (1 - 0.9 ** t)) / (Math.sqrt(r[i] / (1 - 0.999 ** t)) + 1e-8));
    });
  },
};

function run(steps: number, update: (theta: number[], g: number[]) => number[]): [number, number][] {
  let th = [0.8, 0.2];
  const out: [number, number][] = [];
  for (let k = 0; k < steps; k++) {
    th = update(th, grad(th[0], th[1]));
    out.push([th[0], th[1]]);
  }
  return out;
}

/** tessera: the same problem through autograd and an optimizer built from the fixture's options. */
function tesseraRun(name: string, steps: number): { wb: [number, number][]; loss: number[] } {
  const spec = fixture.notes[name];
  const w = tensor(0.8, undefined, { requiresGrad: true });
  const b = tensor(0.2, undefined, { requiresGrad: true });
  const Ctor = { SGD: optim.SGD, Adagrad: optim.Adagrad, RMSprop: optim.RMSprop, Adam: optim.Adam }[spec.optimizer as "SGD"];
  const opt = new (Ctor as typeof optim.SGD)([w, b], spec.options);
  const wb: [number, number][] = [], loss: number[] = [];
  for (let k = 0; k < steps; k++) {
    opt.zeroGrad();
    loss.push(tidy(() => {
      const l = w.mul(X).add(b).sub(TARGET).square().mul(0.5);
      l.backward();
      return l.item();
    }));
    opt.step();
    wb.push([w.item(), b.item()]);
  }
  opt.dispose();
  for (const t of [w, b] as Tensor[]) t.dispose();
  return { wb, loss };
}

describe("the notes' optimizers on the notes' toy problem", () => {
  it("reproduces the notes' printed forward values and the gradients", () => {
    const w = tensor(0.8, undefined, { requiresGrad: true });
    const b = tensor(0.2, undefined, { requiresGrad: true });
    const y = w.mul(X).add(b);
    const loss = y.sub(TARGET).square().mul(0.5);
    loss.backward();
    expect(y.item()).toBeCloseTo(1.4, 6);
    expect(loss.item()).toBeCloseTo(0.18, 6);
    expect(w.grad!.item()).toBeCloseTo(0.9, 6);
    expect(b.grad!.item()).toBeCloseTo(0.6, 6);
    for (const t of [w, b, y, loss]) t.dispose();
  });

  it("first steps by hand", () => {
    const first = (name: string, k: number) => tesseraRun(name, k + 1).wb[k];
    // GD: θ − 0.1·(0.9, 0.6)
    expect(first("gd", 0)[0]).toBeCloseTo(0.71, 6);
    expect(first("gd", 0)[1]).toBeCloseTo(0.14, 6);
    // momentum, step 2: e = 1.5·0.71 + 0.14 − 0.8 = 0.405, v_w = 0.9·(−0.09) − 0.1·0.6075 = −0.14175
    expect(first("momentum", 1)[0]).toBeCloseTo(0.71 - 0.14175, 6);
    // Adam's and AdaGrad's first steps move each coordinate by ε·sign(g): (0.7, 0.1)
    for (const name of ["adam", "adagrad"]) {
      expect(first(name, 0)[0]).toBeCloseTo(0.7, 6);
      expect(first(name, 0)[1]).toBeCloseTo(0.1, 6);
    }
    // RMSProp: r = 0.1·g², step ε·g/√r = 0.01/√0.1
    expect(first("rmsprop", 0)[0]).toBeCloseTo(0.8 - 0.01 / Math.sqrt(0.1), 5);
  });

  for (const name of ["gd", "momentum", "adagrad", "rmsprop", "adam"]) {
    it(`${name}: 20 steps follow the notes' rule (float64) and torch`, () => {
      const ours = tesseraRun(name, 20);
      const rule = notesRules[name](20);
      const torch = fixture.notes[name];
      for (let k = 0; k < 20; k++) {
        for (let i = 0; i < 2; i++) {
          const v = ours.wb[k][i];
          expect(Math.abs(v - rule[k][i]), `${name} step ${k + 1} θ${i} vs the notes' rule`).toBeLessThanOrEqual(1e-5 * Math.abs(rule[k][i]) + 1e-6);
          const t = i === 0 ? torch.w[k] : torch.b[k];
          expect(Math.abs(v - t), `${name} step ${k + 1} θ${i} vs torch`).toBeLessThanOrEqual(1e-5 * Math.abs(t) + 1e-7);
        }
        expect(Math.abs(ours.loss[k] - torch.loss[k])).toBeLessThanOrEqual(1e-5 * torch.loss[k] + 1e-9);
      }
      // every optimizer lowers the loss from the notes' 0.18
      expect(ours.loss[19]).toBeLessThan(0.18);
    });
  }
});
