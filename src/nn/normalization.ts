// nn.LayerNorm over the trailing normalizedShape dimensions (weight ones, bias zeros, eps 1e-5,
// biased variance), as torch.nn.LayerNorm.
import { checkNumber, fail } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { full } from "../tensor/creation.js";
import { layerNorm } from "../tensor/norm.js";
import { checkShape } from "../tensor/check.js";
import { Module } from "./module.js";

export interface LayerNormOptions {
  eps?: number;
  /** Learn a per-element scale and shift (default true). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, also learn the shift (default true). */
  bias?: boolean;
  device?: string;
}

export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(normalizedShape: number | number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = checkShape("LayerNorm: normalizedShape", typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape);
    if (this.normalizedShape.length === 0) fail("E_SHAPE", "LayerNorm: normalizedShape", "at least one dimension", normalizedShape);
    this.eps = checkNumber("LayerNorm: options.eps", options.eps ?? 1e-5, 0);
    const { elementwiseAffine = true, bias = true, device } = options;
    if (typeof elementwiseAffine !== "boolean") fail("E_TYPE", "LayerNorm: options.elementwiseAffine", "a boolean", elementwiseAffine);
    if (typeof bias !== "boolean") fail("E_TYPE", "LayerNorm: options.bias", "a boolean", bias);
    this.weight = this.addParameter("weight", elementwiseAffine ? full(this.normalizedShape, 1, { device }) : null);
    this.bias = this.addParameter("bias", elementwiseAffine && bias ? full(this.normalizedShape, 0, { device }) : null);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  protected override extraRepr(): string {
    return `(${this.normalizedShape.join(", ")}), eps=${this.eps}, elementwise_affine=${this.weight !== null}`;
  }
}
