// nn.Dropout: zeroes elements with probability p and scales the rest by 1/(1 − p) in training mode;
// the identity after eval().
import { checkNumber } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { dropout } from "../tensor/dropout.js";
import { Module } from "./module.js";

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    checkNumber("Dropout: p", p, 0, 1);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}
