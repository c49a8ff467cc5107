// Shared by the optimizer tests: the fixture made by test/fixtures/make_optim_fixtures.py (PyTorch
// 1.13), its MLP problem rebuilt with tessera ops, optimizers built from the fixture's options, and
// an error measure.
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { tensor, tidy, optim, F, type Tensor } from "../../src/index.js";

export const fixture = JSON.parse(readFileSync(new URL("../fixtures/optim.json", import.meta.url), "utf8"));

export interface Trajectory {
  optimizer: "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad";
  options: Record<string, unknown>;
  groups: ({ params: number[] } & Record<string, unknown>)[] | null;
  grads: number[][][];
  params: number[][][];
  loss: number[];
}

/** Fresh leaf parameters w1, b1, w2, b2 at the fixture's initial values. */
export function mlpParams(): Tensor[] {
  const m = fixture.mlp;
  return m.init.map((v: number[], i: number) => tensor(Float32Array.from(v), m.shapes[i], { requiresGrad: true }));
}

/** mean((tanh(x·w1ᵀ + b1)·w2ᵀ + b2 − y)²), as the fixture's torch module computes it (caller disposes). */
export function mlpLoss(p: Tensor[]): Tensor {
  const m = fixture.mlp;
  const x = tensor(Float32Array.from(m.x), m.xShape);
  const y = tensor(Float32Array.from(m.y), m.yShape);
  return F.linear(F.linear(x, p[0], p[1]).tanh(), p[2], p[3]).sub(y).square().mean();
}

/** The loss, with its gradients accumulated into the parameters' .grad; frees the graph. */
export function backwardLoss(p: Tensor[]): number {
  return tidy(() => {
    const loss = mlpLoss(p);
    loss.backward();
    return loss.item();
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = optim.Optimizer<any>;

export function makeOptimizer(kind: Trajectory["optimizer"], params: Tensor[], options: Record<string, unknown>,
  groups: Trajectory["groups"] = null): AnyOptimizer {
  const Ctor = { SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW, RMSprop: optim.RMSprop, Adagrad: optim.Adagrad }[kind];
  const input = groups === null ? params : groups.map((g) => ({ ...g, params: g.params.map((i) => params[i]) }));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return new (Ctor as any)(input, options);
}

/** Sets p.grad to a copy of `values` (replacing any gradient), as if backward had produced it. */
export function setGrad(p: Tensor, values: number[]): void {
  p.grad?.dispose();
  p.grad = tensor(Float32Array.from(values), p.shape.slice());
}

export interface Err {
  /** Largest |a − b| / |b| over elements with |b| ≥ 1e-2 (nearer zero, |a − b| is the measure). */
  rel: number;
  /** Largest |a − b| over all elements. */
  abs: number;
}

export function errors(actual: ArrayLike<number>, expected: ArrayLike<number>): Err {
  expect(actual.length).toBe(expected.length);
  let rel = 0, abs = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= abs)) abs = d; // NaN shows as NaN
    if (Math.abs(expected[i]) >= 1e-2 && !(d / Math.abs(expected[i]) <= rel)) rel = d / Math.abs(expected[i]);
  }
  return { rel, abs };
}

export function worst(a: Err, b: Err): Err {
  return { rel: Math.max(a.rel, b.rel), abs: Math.max(a.abs, b.abs) };
}
