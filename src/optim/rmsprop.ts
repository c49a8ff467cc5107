// RMSprop (Hinton, Coursera lecture 6e) as torch.optim.RMSprop of PyTorch 1.13: sq ← α·sq + (1 − α)·g²;
// centered: ga ← α·ga + (1 − α)·g and the denominator √(sq − ga²) + eps (Graves, 2013), else √sq + eps;
// with momentum, buf ← μ·buf + g/denominator and param ← param − lr·buf. eps sits outside the root,
// as in torch. One kernel per parameter (assembly/optim.ts rmspropStepF32).
import { checkNumber } from "../errors.js";
import type { RmspropStepArgs } from "../backend/backend.js";
import { Tensor } from "../tensor/tensor.js";
import { Optimizer, checkFlag, type ParamGroup, type ParamState, type Params } from "./optimizer.js";

export interface RmspropOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the running average of g² (default 0.99). */
  alpha: number;
  /** Added to the denominator (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalise by the estimated variance instead of the second moment (default false). */
  centered: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

export class RMSprop extends Optimizer<RmspropOptions> {
  protected readonly tensorStateKeys = ["squareAvg", "momentumBuffer", "gradAvg"] as const;
  protected readonly requiredStateKeys = ["step", "squareAvg"] as const;
  private readonly args: RmspropStepArgs = { lr: 0, alpha: 0, eps: 0, weightDecay: 0, momentum: 0, centered: false, maximize: false };

  constructor(params: Params<RmspropOptions>, options: Partial<RmspropOptions> = {}) {
    super("RMSprop", params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }, options);
  }

  protected checkGroup(where: string, g: ParamGroup<RmspropOptions>): void {
    checkNumber(`${where}.lr`, g.lr, 0);
    checkNumber(`${where}.alpha`, g.alpha, 0);
    checkNumber(`${where}.eps`, g.eps, 0);
    checkNumber(`${where}.weightDecay`, g.weightDecay, 0);
    checkNumber(`${where}.momentum`, g.momentum, 0);
    checkFlag(`${where}.centered`, g.centered);
    checkFlag(`${where}.maximize`, g.maximize);
  }

  protected prepareState(p: Tensor, g: ParamGroup<RmspropOptions>, s: ParamState | undefined): ParamState {
    const state = s ?? { step: 0, squareAvg: this.zerosLike(p) };
    // buffers an option needs start at zero, also when the option is switched on later
    if (g.momentum > 0 && !(state.momentumBuffer instanceof Tensor)) state.momentumBuffer = this.zerosLike(p);
    if (g.centered && !(state.gradAvg instanceof Tensor)) state.gradAvg = this.zerosLike(p);
    return state;
  }

  protected update(p: Tensor, grad: Tensor, s: ParamState, g: ParamGroup<RmspropOptions>): void {
    s.step = (s.step as number) + 1;
    const a = this.args;
    a.lr = g.lr;
    a.alpha = g.alpha;
    a.eps = g.eps;
    a.weightDecay = g.weightDecay;
    a.momentum = g.momentum;
    a.centered = g.centered;
    a.maximize = g.maximize;
    const gradAvg = g.centered ? (s.gradAvg as Tensor).handle : null;
    const buf = g.momentum > 0 ? (s.momentumBuffer as Tensor).handle : null;
    p.backend.rmspropStep(p.handle, grad.handle, (s.squareAvg as Tensor).handle, gradAvg, buf, p.size, a);
  }
}
