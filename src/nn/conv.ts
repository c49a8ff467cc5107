// nn.Conv1d: weight [outChannels, inChannels / groups, kernelSize] and bias [outChannels] with
// torch's default init (kaiming_uniform a = √5, bias U(±1/√fanIn)); options as F.conv1d. A causal
// (TCN) convolution pads (kernelSize − 1)·dilation on the left with F.pad and uses padding 0.
import { checkInt, fail } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { empty } from "../tensor/creation.js";
import { conv1d, type Conv1dOptions } from "../tensor/conv.js";
import { Module } from "./module.js";
import { kaimingUniform_, uniform_ } from "./init.js";

export interface Conv1dModuleOptions extends Conv1dOptions {
  bias?: boolean;
  device?: string;
}

export class Conv1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly options: Conv1dOptions;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, options: Conv1dModuleOptions = {}) {
    super();
    checkInt("Conv1d: inChannels", inChannels, 1);
    checkInt("Conv1d: outChannels", outChannels, 1);
    checkInt("Conv1d: kernelSize", kernelSize, 1);
    const { bias = true, device, ...conv } = options;
    const groups = checkInt("Conv1d: options.groups", conv.groups ?? 1, 1);
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      fail("E_VALUE", "Conv1d: options.groups", `a divisor of inChannels (${inChannels}) and outChannels (${outChannels})`, groups);
    }
    if (typeof bias !== "boolean") fail("E_TYPE", "Conv1d: options.bias", "a boolean", bias);
    this.options = conv;
    this.weight = this.addParameter("weight", kaimingUniform_(empty([outChannels, inChannels / groups, kernelSize], { device }), { a: Math.sqrt(5) }));
    const bound = 1 / Math.sqrt((inChannels / groups) * kernelSize);
    this.bias = this.addParameter("bias", bias ? uniform_(empty([outChannels], { device }), -bound, bound) : null);
  }

  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, this.options);
  }

  protected override extraRepr(): string {
    const o = this.options;
    return `${this.inChannels}, ${this.outChannels}, kernel_size=(${this.kernelSize},), stride=(${o.stride ?? 1},)` +
      `${o.padding ? `, padding=${typeof o.padding === "string" ? o.padding : `(${o.padding},)`}` : ""}${o.dilation && o.dilation > 1 ? `, dilation=(${o.dilation},)` : ""}` +
      `${o.groups && o.groups > 1 ? `, groups=${o.groups}` : ""}${this.bias === null ? ", bias=False" : ""}`;
  }
}
