// Test helpers for fit(): a plain SGD with momentum written with tensor ops in PyTorch's shape
// (param groups with a mutable lr, step(), zeroGrad(), stateDict()), a StepLR-like scheduler, and
// small models built from nn.Linear.
import { nn, noGrad, keep, tensor, randn, type Tensor } from "../../src/index.js";
import { Module } from "../../src/nn/module.js";
import type { OptimizerLike, ParamGroup } from "../../src/train/index.js";

/** torch.optim.SGD's update: v = μ·v + g (v = g at first), p −= lr·v. */
export class SGD implements OptimizerLike {
  paramGroups: ParamGroup[];
  private readonly velocity = new Map<Tensor, Tensor>();

  constructor(params: Tensor[], { lr, momentum = 0 }: { lr: number; momentum?: number }) {
    this.paramGroups = [{ params, lr, momentum }];
  }

  step(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        const momentum = group.momentum as number;
        for (const p of group.params) {
          if (p.grad === null) continue;
          let d = p.grad;
          if (momentum !== 0) {
            const v = this.velocity.get(p);
            if (v === undefined) this.velocity.set(p, (d = keep(d.clone())));
            else d = v.copy_(v.mul(momentum).add(d));
          }
          p.copy_(p.sub(d.mul(group.lr)));
        }
      }
    });
  }

  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.zeroGrad();
  }

  stateDict(): unknown {
    const params = this.paramGroups.flatMap((g) => g.params);
    const state: Record<string, { momentum_buffer: Tensor }> = {};
    params.forEach((p, i) => { const v = this.velocity.get(p); if (v) state[i] = { momentum_buffer: v }; });
    return { state, param_groups: this.paramGroups.map((g) => ({ lr: g.lr, momentum: g.momentum, params: g.params.map((p) => params.indexOf(p)) })) };
  }
}

/** Multiplies every group's lr by gamma on each step() (torch.optim.lr_scheduler.StepLR with step_size 1). */
export class StepLR {
  constructor(private readonly optimizer: OptimizerLike, private readonly gamma: number) {}
  step(): void {
    for (const g of this.optimizer.paramGroups) g.lr *= this.gamma;
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
