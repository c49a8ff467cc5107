// nn.init: in-place initialisers with PyTorch's names, formulas and fan computation
// (torch.nn.init: fan_in = size(1)·receptive field, fan_out = size(0)·receptive field), drawing from
// the seeded global generator unless one is given. They run under noGrad, so they work on parameters.
import { checkNumber, fail } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../tensor/autograd.js";
import { floatTensor } from "../tensor/check.js";
import { Generator, defaultGenerator } from "../tensor/random.js";

export type Nonlinearity = "linear" | "conv1d" | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";
export type FanMode = "fan_in" | "fan_out";

/** torch.nn.init.calculate_gain. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear": case "conv1d": case "sigmoid": return 1;
    case "tanh": return 5 / 3;
    case "relu": return Math.SQRT2;
    case "leaky_relu": {
      const slope = param ?? 0.01;
      checkNumber("calculateGain: param", slope);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu": return 3 / 4;
    default: return fail("E_VALUE", "calculateGain: nonlinearity", '"linear", "conv1d", "sigmoid", "tanh", "relu", "leaky_relu" or "selu"', nonlinearity);
  }
}

/** [fanIn, fanOut] of a weight of at least two dimensions, as torch computes them. */
export function fans(t: Tensor): [number, number] {
  if (t.ndim < 2) fail("E_SHAPE", "init: tensor", "at least 2 dimensions to compute fan in and fan out", t.shape);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

function target(fn: string, t: Tensor): Tensor {
  return floatTensor(`${fn}: tensor`, t);
}

let skipping = 0;

/**
 * Runs fn with every initialiser here (and so the layers' default initialisation) skipped, like
 * torch's skip_init / accelerate's init_empty_weights: new parameters hold arbitrary values until
 * weights are loaded into them. For building a model only to load a checkpoint (GPT-2 small draws
 * 124M random numbers otherwise). fn must be synchronous.
 */
export function skipInit<T>(fn: () => T): T {
  if (typeof fn !== "function") fail("E_TYPE", "skipInit: fn", "a function", fn);
  skipping++;
  try {
    return fn();
  } finally {
    skipping--;
  }
}

/** Whether initialisers run (false inside skipInit). */
export function initEnabled(): boolean {
  return skipping === 0;
}

export function uniform_(t: Tensor, a = 0, b = 1, generator: Generator = defaultGenerator): Tensor {
  if (skipping) return target("uniform_", t);
  return noGrad(() => target("uniform_", t).uniform_(a, b, generator));
}

export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  if (skipping) return target("normal_", t);
  return noGrad(() => target("normal_", t).normal_(mean, std, generator));
}

export function constant_(t: Tensor, value: number): Tensor {
  if (skipping) return target("constant_", t);
  return noGrad(() => target("constant_", t).fill_(value));
}

export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** U(−a, a) with a = gain·√(6 / (fanIn + fanOut)) (Glorot & Bengio 2010). */
export function xavierUniform_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  const [fanIn, fanOut] = fans(target("xavierUniform_", t));
  const a = checkNumber("xavierUniform_: gain", gain, 0) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, generator);
}

/** N(0, std²) with std = gain·√(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  const [fanIn, fanOut] = fans(target("xavierNormal_", t));
  return normal_(t, 0, checkNumber("xavierNormal_: gain", gain, 0) * Math.sqrt(2 / (fanIn + fanOut)), generator);
}

export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu); √5 gives torch's Linear default. */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

function kaimingStd(fn: string, t: Tensor, o: KaimingOptions): number {
  const [fanIn, fanOut] = fans(target(fn, t));
  const mode = o.mode ?? "fan_in";
  if (mode !== "fan_in" && mode !== "fan_out") fail("E_VALUE", `${fn}: mode`, '"fan_in" or "fan_out"', mode);
  const gain = calculateGain(o.nonlinearity ?? "leaky_relu", o.a ?? 0);
  const fan = mode === "fan_in" ? fanIn : fanOut;
  return fan === 0 ? 0 : gain / Math.sqrt(fan);
}

/** U(−b, b) with b = gain·√(3 / fan) (He et al. 2015). */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd("kaimingUniform_", t, options);
  return uniform_(t, -bound, bound, options.generator ?? defaultGenerator);
}

/** N(0, std²) with std = gain / √fan. */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd("kaimingNormal_", t, options), options.generator ?? defaultGenerator);
}
