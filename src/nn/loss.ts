// Loss modules (torch.nn.MSELoss, CrossEntropyLoss, NLLLoss, BCEWithLogitsLoss): the options fixed
// at construction, forward(input, target) calls the functional form.
import type { Tensor } from "../tensor/tensor.js";
import {
  binaryCrossEntropyWithLogits, crossEntropy, mseLoss, nllLoss,
  type CrossEntropyOptions, type NllLossOptions, type Reduction,
} from "../tensor/loss.js";
import { Module } from "./module.js";

export class MSELoss extends Module {
  constructor(readonly reduction: Reduction = "mean") { super(); }
  forward(input: Tensor, target: Tensor): Tensor { return mseLoss(input, target, this.reduction); }
}

export class CrossEntropyLoss extends Module {
  constructor(readonly options: CrossEntropyOptions = {}) { super(); }
  forward(input: Tensor, target: Tensor): Tensor { return crossEntropy(input, target, this.options); }
}

export class NLLLoss extends Module {
  constructor(readonly options: NllLossOptions = {}) { super(); }
  forward(input: Tensor, target: Tensor): Tensor { return nllLoss(input, target, this.options); }
}

export class BCEWithLogitsLoss extends Module {
  constructor(readonly reduction: Reduction = "mean") { super(); }
  forward(input: Tensor, target: Tensor): Tensor { return binaryCrossEntropyWithLogits(input, target, this.reduction); }
}
