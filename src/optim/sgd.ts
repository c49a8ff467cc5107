// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, L2 weight decay
// and maximize — torch.optim.SGD of PyTorch 1.13, whose momentum form is buf ← μ·buf + (1 − τ)·g,
// param ← param − lr·buf (lr outside the buffer, unlike Sutskever et al.), and whose first step
// sets buf ← g. Each parameter is updated by one kernel (assembly/optim.ts sgdStepF32).
import { TesseraError, checkNumber } from "../errors.js";
import type { SgdStepArgs } from "../backend/backend.js";
import { Tensor } from "../tensor/tensor.js";
import { Optimizer, checkFlag, type ParamGroup, type ParamState, type Params } from "./optimizer.js";

export interface SgdOptions {
  /** Learning rate (required: SGD has no default, as in torch). */
  lr: number;
  /** Momentum factor μ (default 0: plain SGD). */
  momentum: number;
  /** Dampening τ of the gradient added to the momentum buffer (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

export class SGD extends Optimizer<SgdOptions> {
  protected readonly tensorStateKeys = ["momentumBuffer"] as const;
  protected readonly requiredStateKeys = [] as const;
  // Momentum buffers allocated but not yet written: their first step sets buf ← g.
  private readonly unwritten = new WeakSet<Tensor>();
  private readonly args: SgdStepArgs = { lr: 0, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, firstStep: false };

  constructor(params: Params<SgdOptions>, options: Partial<SgdOptions> = {}) {
    super("SGD", params, { lr: undefined as unknown as number, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }, options);
  }

  protected checkGroup(where: string, g: ParamGroup<SgdOptions>): void {
    if (g.lr === undefined) throw new TesseraError("E_VALUE", `${where}.lr: expected a learning rate (SGD has no default: pass { lr } to the constructor or the group), received undefined`);
    checkNumber(`${where}.lr`, g.lr, 0);
    checkNumber(`${where}.momentum`, g.momentum, 0);
    checkNumber(`${where}.dampening`, g.dampening);
    checkNumber(`${where}.weightDecay`, g.weightDecay, 0);
    checkFlag(`${where}.nesterov`, g.nesterov);
    checkFlag(`${where}.maximize`, g.maximize);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new TesseraError("E_VALUE", `${where}: expected momentum > 0 and dampening 0 with nesterov, received momentum ${g.momentum}, dampening ${g.dampening} (Nesterov momentum requires a momentum and zero dampening)`);
    }
  }

  protected prepareState(p: Tensor, g: ParamGroup<SgdOptions>, s: ParamState | undefined): ParamState {
    const state = s ?? { momentumBuffer: null };
    if (g.momentum !== 0 && !(state.momentumBuffer instanceof Tensor)) {
      const buf = this.zerosLike(p);
      this.unwritten.add(buf);
      state.momentumBuffer = buf;
    }
    return state;
  }

  protected update(p: Tensor, grad: Tensor, s: ParamState, g: ParamGroup<SgdOptions>): void {
    const buf = g.momentum !== 0 ? (s.momentumBuffer as Tensor) : null;
    const a = this.args;
    a.lr = g.lr;
    a.momentum = g.momentum;
    a.dampening = g.dampening;
    a.weightDecay = g.weightDecay;
    a.nesterov = g.nesterov;
    a.maximize = g.maximize;
    a.firstStep = buf !== null && this.unwritten.has(buf);
    p.backend.sgdStep(p.handle, grad.handle, buf === null ? null : buf.handle, p.size, a);
    if (buf !== null) this.unwritten.delete(buf);
  }
}
