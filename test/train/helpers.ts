// Test helpers for fit(): optim.SGD and a StepLR of step size 1, and small models built from
// nn.Linear.
import { nn, optim, tensor, randn, type Tensor } from "../../src/index.js";
import { Module } from "../../src/nn/module.js";

/** The project's optimizers and schedulers drive fit() in these tests (fit only needs their shape). */
export const SGD = optim.SGD;

/** StepLR with step size 1: every step() multiplies each group's lr by gamma. */
export class StepLR extends optim.StepLR {
  constructor(optimizer: InstanceType<typeof optim.SGD>, gamma: number) {
    super(optimizer, 1, gamma);
  }
}

export class MLP extends Module {
  readonly fc1: nn.Linear;
  readonly fc2: nn.Linear;
  seenTraining: boolean[] = [];

  constructor(inFeatures: number, hidden: number, classes: number) {
    super();
    this.fc1 = this.addModule("fc1", new nn.Linear(inFeatures, hidden));
    this.fc2 = this.addModule("fc2", new nn.Linear(hidden, classes));
  }

  forward(x: Tensor): Tensor {
    this.seenTraining.push(this.training);
    return this.fc2.forward(this.fc1.forward(x).relu());
  }
}

/** Two Gaussian blobs in `dims` dimensions, labels 0/1 (int32), linearly separable. */
export function blobs(n: number, dims = 4): { x: Tensor; y: Tensor } {
  const noise = randn([n, dims]).data();
  const xs = new Float32Array(n * dims);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    ys[i] = i % 2;
    for (let d = 0; d < dims; d++) xs[i * dims + d] = 0.5 * noise[i * dims + d] + (ys[i] === 1 ? 2 : -2);
  }
  return { x: tensor(xs, [n, dims]), y: tensor(ys, [n], { dtype: "int32" }) };
}

export function weightsOf(model: Module): number[][] {
  return model.parameters().map((p) => Array.from(p.data()));
}
