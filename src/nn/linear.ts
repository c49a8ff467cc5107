// nn.Linear: y = x·Wᵀ + b with torch's layout (weight [outFeatures, inFeatures]) and default init
// (kaiming_uniform with a = √5, i.e. U(±1/√inFeatures), for both weight and bias).
import { checkInt, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { empty } from "../tensor/creation.js";
import { linear } from "../tensor/matmul.js";
import { Module } from "./module.js";
import { kaimingUniform_, uniform_ } from "./init.js";

export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Where the parameters live (default: the current default device). */
  device?: string;
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    checkInt("Linear: inFeatures", inFeatures, 0);
    checkInt("Linear: outFeatures", outFeatures, 0);
    const { bias = true, device } = options;
    if (typeof bias !== "boolean") fail("E_TYPE", "Linear: options.bias", "a boolean", bias);
    this.weight = this.addParameter("weight", kaimingUniform_(empty([outFeatures, inFeatures], { device }), { a: Math.sqrt(5) }));
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.bias = this.addParameter("bias", bias ? uniform_(empty([outFeatures], { device }), -bound, bound) : null);
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  protected override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
