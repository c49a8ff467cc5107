// Adagrad (Duchi, Hazan & Singer, 2011) as torch.optim.Adagrad of PyTorch 1.13: sum ← sum + g²,
// param ← param − clr·g / (√sum + eps) with clr = lr / (1 + (t − 1)·lrDecay); the sum starts at
// initialAccumulatorValue, and the state of the constructor's parameters exists from construction on
// (as in torch; groups added later get theirs likewise). One kernel per parameter (adagradStepF32).
import { checkNumber } from "../errors.js";
import type { AdagradStepArgs } from "../backend/backend.js";
import { Tensor } from "../tensor/tensor.js";
import { Optimizer, checkFlag, type ParamGroup, type ParamGroupInput, type ParamState, type Params } from "./optimizer.js";

export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Learning-rate decay per step (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator (default 1e-10). */
  eps: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

export class Adagrad extends Optimizer<AdagradOptions> {
  protected readonly tensorStateKeys = ["sum"] as const;
  protected readonly requiredStateKeys = ["step", "sum"] as const;
  private readonly args: AdagradStepArgs = { lr: 0, weightDecay: 0, eps: 0, maximize: false };

  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super("Adagrad", params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false }, options);
  }

  /** Adds a group and creates its parameters' state at once (the base constructor calls this too). */
  override addParamGroup(group: ParamGroupInput<AdagradOptions>): void {
    super.addParamGroup(group);
    const g = this.paramGroups[this.paramGroups.length - 1];
    for (const p of g.params) this.state.set(p, this.prepareState(p, g, undefined));
  }

  protected checkGroup(where: string, g: ParamGroup<AdagradOptions>): void {
    checkNumber(`${where}.lr`, g.lr, 0);
    checkNumber(`${where}.lrDecay`, g.lrDecay, 0);
    checkNumber(`${where}.weightDecay`, g.weightDecay, 0);
    checkNumber(`${where}.initialAccumulatorValue`, g.initialAccumulatorValue, 0);
    checkNumber(`${where}.eps`, g.eps, 0);
    checkFlag(`${where}.maximize`, g.maximize);
  }

  protected prepareState(p: Tensor, g: ParamGroup<AdagradOptions>, s: ParamState | undefined): ParamState {
    return s ?? { step: 0, sum: this.zerosLike(p, g.initialAccumulatorValue) };
  }

  protected update(p: Tensor, grad: Tensor, s: ParamState, g: ParamGroup<AdagradOptions>): void {
    const t = (s.step as number) + 1;
    s.step = t;
    const a = this.args;
    a.lr = g.lr / (1 + (t - 1) * g.lrDecay);
    a.weightDecay = g.weightDecay;
    a.eps = g.eps;
    a.maximize = g.maximize;
    p.backend.adagradStep(p.handle, grad.handle, (s.sum as Tensor).handle, p.size, a);
  }
}
