// Adam (Kingma & Ba, 2015) with optional AMSGrad (Reddi et al., 2018) and L2 weight decay added to
// the gradient — torch.optim.Adam of PyTorch 1.13 — and AdamW (Loshchilov & Hutter, 2019), whose
// decay shrinks the parameter directly, param ← param·(1 − lr·wd), before the Adam update
// (torch.optim.AdamW, default weight decay 1e-2). Bias corrections 1 − β^t use each parameter's
// own step count t. One kernel per parameter (assembly/optim.ts adamStepF32).
import { checkNumber, fail } from "../errors.js";
import type { AdamStepArgs } from "../backend/backend.js";
import { Tensor } from "../tensor/tensor.js";
import { Optimizer, checkFlag, checkUnitInterval, type ParamGroup, type ParamState, type Params } from "./optimizer.js";

export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay rate (default 1e-2). */
  weightDecay: number;
  /** Use the running maximum of the second moment (AMSGrad; default false). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

class AdamBase extends Optimizer<AdamOptions> {
  protected readonly tensorStateKeys = ["expAvg", "expAvgSq", "maxExpAvgSq"] as const;
  protected readonly requiredStateKeys = ["step", "expAvg", "expAvgSq"] as const;
  private readonly args: AdamStepArgs;

  protected constructor(name: string, params: Params<AdamOptions>, options: Partial<AdamOptions>, weightDecay: number, decoupled: boolean) {
    super(name, params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false, maximize: false }, options);
    this.args = { lr: 0, beta1: 0, beta2: 0, eps: 0, weightDecay: 0, decoupled, amsgrad: false, maximize: false, biasCorrection1: 1, biasCorrection2: 1 };
  }

  protected checkGroup(where: string, g: ParamGroup<AdamOptions>): void {
    checkNumber(`${where}.lr`, g.lr, 0);
    if (!Array.isArray(g.betas) || g.betas.length !== 2) fail("E_TYPE", `${where}.betas`, "two numbers [beta1, beta2]", g.betas);
    checkUnitInterval(`${where}.betas[0]`, g.betas[0]);
    checkUnitInterval(`${where}.betas[1]`, g.betas[1]);
    checkNumber(`${where}.eps`, g.eps, 0);
    checkNumber(`${where}.weightDecay`, g.weightDecay, 0);
    checkFlag(`${where}.amsgrad`, g.amsgrad);
    checkFlag(`${where}.maximize`, g.maximize);
  }

  protected prepareState(p: Tensor, g: ParamGroup<AdamOptions>, s: ParamState | undefined): ParamState {
    const state = s ?? { step: 0, expAvg: this.zerosLike(p), expAvgSq: this.zerosLike(p) };
    // a group switched to amsgrad after some steps starts its maximum from zero
    if (g.amsgrad && !(state.maxExpAvgSq instanceof Tensor)) state.maxExpAvgSq = this.zerosLike(p);
    return state;
  }

  protected update(p: Tensor, grad: Tensor, s: ParamState, g: ParamGroup<AdamOptions>): void {
    const t = (s.step as number) + 1;
    s.step = t;
    const a = this.args;
    a.lr = g.lr;
    a.beta1 = g.betas[0];
    a.beta2 = g.betas[1];
    a.eps = g.eps;
    a.weightDecay = g.weightDecay;
    a.amsgrad = g.amsgrad;
    a.maximize = g.maximize;
    a.biasCorrection1 = 1 - g.betas[0] ** t;
    a.biasCorrection2 = 1 - g.betas[1] ** t;
    const max = g.amsgrad ? (s.maxExpAvgSq as Tensor).handle : null;
    p.backend.adamStep(p.handle, grad.handle, (s.expAvg as Tensor).handle, (s.expAvgSq as Tensor).handle, max, p.size, a);
  }
}

/** torch.optim.Adam: L2 weight decay added to the gradient (default 0). */
export class Adam extends AdamBase {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super("Adam", params, options, 0, false);
  }
}

/** torch.optim.AdamW: decoupled weight decay, param ← param·(1 − lr·wd) (default 1e-2). */
export class AdamW extends AdamBase {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super("AdamW", params, options, 1e-2, true);
  }
}
