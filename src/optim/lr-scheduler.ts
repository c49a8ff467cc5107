// Learning-rate schedulers after torch.optim.lr_scheduler (PyTorch 1.13): each sets `lr` of every
// parameter group on step() and starts with one step at construction (lastEpoch −1 → 0). StepLR,
// MultiStepLR, ExponentialLR and CosineAnnealingLR use torch's chainable (recursive) forms, so their
// float64 values are torch's, step for step; LambdaLR multiplies each group's initial lr by
// lrLambda(epoch). getLinearScheduleWithWarmup / getCosineScheduleWithWarmup are Hugging Face
// transformers' functions of those names: LambdaLRs over their published lambdas.
import { TesseraError, checkInt, checkNumber, fail } from "../errors.js";
import { Optimizer } from "./optimizer.js";

type AnyOptimizer = Optimizer<{ lr: number }>;

export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  /** Each group's initialLr when the scheduler was made. */
  baseLrs: number[];
  /** Steps taken (the epoch of the current lr). */
  lastEpoch: number;
  /** step() calls, the initial one included. */
  stepCount = 0;
  protected lastLr: number[] = [];

  /**
   * lastEpoch = −1 starts afresh (recording each group's lr as its initialLr); another value resumes
   * a schedule, and then every group must already have its initialLr (E_KEY otherwise, as in torch).
   * Subclasses set their fields, then call initialStep().
   */
  protected constructor(optimizer: AnyOptimizer, lastEpoch: number) {
    if (!(optimizer instanceof Optimizer)) fail("E_TYPE", `${new.target.name}: optimizer`, "an Optimizer", optimizer);
    checkInt(`${new.target.name}: lastEpoch`, lastEpoch, -1);
    this.optimizer = optimizer;
    optimizer.paramGroups.forEach((g, i) => {
      if (lastEpoch === -1) g.initialLr ??= g.lr;
      else if (g.initialLr === undefined) {
        throw new TesseraError("E_KEY", `${new.target.name}: paramGroups[${i}]: expected initialLr when resuming (lastEpoch ${lastEpoch}), received a group without it`);
      }
    });
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The learning rates for the new lastEpoch, from the groups' current ones (chainable form). */
  protected abstract getLr(): number[];

  /** Advances one epoch (or one batch, for per-step schedules) and sets each group's lr. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const values = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => { g.lr = values[i]; });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rates set by the last step(), one per group. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** Every field but the optimizer (and functions), like torch's state_dict. */
  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) {
      if (k === "optimizer" || typeof v === "function" || (Array.isArray(v) && v.some((e) => typeof e === "function"))) continue;
      out[k] = Array.isArray(v) ? v.slice() : v;
    }
    return out;
  }

  /** Restores fields saved by stateDict() (an unknown name is E_KEY; nothing changes then). */
  loadStateDict(dict: Record<string, unknown>): void {
    if (dict === null || typeof dict !== "object") fail("E_TYPE", `${this.constructor.name}.loadStateDict: dict`, "an object from stateDict()", dict);
    const own = this.stateDict();
    for (const [k, v] of Object.entries(dict)) {
      if (!(k in own)) throw new TesseraError("E_KEY", `${this.constructor.name}.loadStateDict: expected fields among ${Object.keys(own).join(", ")}, received ${JSON.stringify(k)}`);
      if (typeof v !== typeof own[k] || Array.isArray(v) !== Array.isArray(own[k])) fail("E_TYPE", `${this.constructor.name}.loadStateDict: ${k}`, `a value like ${JSON.stringify(own[k])}`, v);
    }
    for (const [k, v] of Object.entries(dict)) (this as Record<string, unknown>)[k] = Array.isArray(v) ? v.slice() : v;
  }
}

/** lr = initialLr · lrLambda(epoch); one function for all groups or one per group. */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: ((epoch: number) => number)[];

  constructor(optimizer: AnyOptimizer, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], lastEpoch = -1) {
    super(optimizer, lastEpoch);
    const n = optimizer.paramGroups.length;
    const fns = Array.isArray(lrLambda) ? lrLambda.slice() : new Array(n).fill(lrLambda);
    if (fns.length !== n) throw new TesseraError("E_VALUE", `LambdaLR: lrLambda: expected ${n} functions (one per parameter group), received ${fns.length}`);
    fns.forEach((f, i) => { if (typeof f !== "function") fail("E_TYPE", `LambdaLR: lrLambda[${i}]`, "a function of the epoch", f); });
    this.lrLambdas = fns;
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i](this.lastEpoch));
  }
}

/** lr ← lr·gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  constructor(optimizer: AnyOptimizer, readonly stepSize: number, readonly gamma = 0.1, lastEpoch = -1) {
    super(optimizer, lastEpoch);
    checkInt("StepLR: stepSize", stepSize, 1);
    checkNumber("StepLR: gamma", gamma);
    this.initialStep();
  }

  protected getLr(): number[] {
    const lrs = this.optimizer.paramGroups.map((g) => g.lr);
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }
}

/** lr ← lr·gamma^k at each milestone epoch listed k times (torch counts repeated milestones). */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];

  constructor(optimizer: AnyOptimizer, milestones: number[], readonly gamma = 0.1, lastEpoch = -1) {
    super(optimizer, lastEpoch);
    if (!Array.isArray(milestones)) fail("E_TYPE", "MultiStepLR: milestones", "an array of epochs", milestones);
    milestones.forEach((m, i) => checkInt(`MultiStepLR: milestones[${i}]`, m, 0));
    checkNumber("MultiStepLR: gamma", gamma);
    this.milestones = milestones.slice().sort((a, b) => a - b);
    this.initialStep();
  }

  protected getLr(): number[] {
    const k = this.milestones.filter((m) => m === this.lastEpoch).length;
    const lrs = this.optimizer.paramGroups.map((g) => g.lr);
    return k === 0 ? lrs : lrs.map((lr) => lr * this.gamma ** k);
  }
}

/** lr ← lr·gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  constructor(optimizer: AnyOptimizer, readonly gamma: number, lastEpoch = -1) {
    super(optimizer, lastEpoch);
    checkNumber("ExponentialLR: gamma", gamma);
    this.initialStep();
  }

  protected getLr(): number[] {
    const lrs = this.optimizer.paramGroups.map((g) => g.lr);
    return this.lastEpoch === 0 ? lrs : lrs.map((lr) => lr * this.gamma);
  }
}

/**
 * Cosine annealing from the initial lr to etaMin over tMax epochs (SGDR without restarts; Loshchilov
 * & Hutter, 2017): η_t = etaMin + (η_0 − etaMin)·(1 + cos(π·t/tMax))/2 when nothing else changes lr,
 * computed recursively as torch does (past tMax it rises again).
 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(optimizer: AnyOptimizer, readonly tMax: number, readonly etaMin = 0, lastEpoch = -1) {
    super(optimizer, lastEpoch);
    checkNumber("CosineAnnealingLR: tMax", tMax, Number.MIN_VALUE);
    checkNumber("CosineAnnealingLR: etaMin", etaMin);
    this.initialStep();
  }

  protected getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this;
    const groups = this.optimizer.paramGroups;
    if (e === 0) return groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map((base) => etaMin + (base - etaMin) * (1 + Math.cos(e * Math.PI / T)) / 2);
    }
    if ((e - 1 - T) % (2 * T) === 0) {
      return groups.map((g, i) => g.lr + (this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T)) / 2);
    }
    return groups.map((g) => (1 + Math.cos(Math.PI * e / T)) / (1 + Math.cos(Math.PI * (e - 1) / T)) * (g.lr - etaMin) + etaMin);
  }
}

function checkWarmup(fn: string, numWarmupSteps: number, numTrainingSteps: number): void {
  checkInt(`${fn}: numWarmupSteps`, numWarmupSteps, 0);
  checkInt(`${fn}: numTrainingSteps`, numTrainingSteps, 0);
}

/**
 * Hugging Face transformers' get_linear_schedule_with_warmup: lr rises linearly from 0 to the
 * initial lr over numWarmupSteps, then falls linearly to 0 at numTrainingSteps (and stays there).
 */
export function getLinearScheduleWithWarmup(optimizer: AnyOptimizer, numWarmupSteps: number, numTrainingSteps: number, lastEpoch = -1): LambdaLR {
  checkWarmup("getLinearScheduleWithWarmup", numWarmupSteps, numTrainingSteps);
  return new LambdaLR(optimizer, (step) => {
    if (step < numWarmupSteps) return step / Math.max(1, numWarmupSteps);
    return Math.max(0, (numTrainingSteps - step) / Math.max(1, numTrainingSteps - numWarmupSteps));
  }, lastEpoch);
}

/**
 * Hugging Face transformers' get_cosine_schedule_with_warmup: linear warmup, then
 * max(0, ½(1 + cos(π·numCycles·2·progress))) of the initial lr, progress running from 0 after warmup
 * to 1 at numTrainingSteps (numCycles 0.5: one half-cosine down to 0).
 */
export function getCosineScheduleWithWarmup(optimizer: AnyOptimizer, numWarmupSteps: number, numTrainingSteps: number,
  numCycles = 0.5, lastEpoch = -1): LambdaLR {
  checkWarmup("getCosineScheduleWithWarmup", numWarmupSteps, numTrainingSteps);
  checkNumber("getCosineScheduleWithWarmup: numCycles", numCycles);
  return new LambdaLR(optimizer, (step) => {
    if (step < numWarmupSteps) return step / Math.max(1, numWarmupSteps);
    const progress = (step - numWarmupSteps) / Math.max(1, numTrainingSteps - numWarmupSteps);
    return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * numCycles * 2 * progress)));
  }, lastEpoch);
}
