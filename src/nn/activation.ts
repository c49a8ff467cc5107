// Activations as modules, so they can sit in a Sequential: ReLU, GELU, Tanh, Sigmoid, SiLU,
// Softmax, LogSoftmax, Identity (torch.nn names; GELU is the exact erf form).
import { fail } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { gelu, relu, sigmoid, silu, tanh } from "../tensor/elementwise.js";
import { logSoftmax, softmax } from "../tensor/softmax.js";
import { normAxis } from "../tensor/check.js";
import { Module } from "./module.js";

export class ReLU extends Module {
  forward(x: Tensor): Tensor { return relu(x); }
}

/** GELU (approximate "none": x·Φ(x), torch's default; "tanh": the tanh form, GPT-2's gelu_new). */
export class GELU extends Module {
  constructor(readonly approximate: "none" | "tanh" = "none") {
    super();
    if (approximate !== "none" && approximate !== "tanh") fail("E_VALUE", "GELU: approximate", '"none" or "tanh"', approximate);
  }

  forward(x: Tensor): Tensor { return gelu(x, this.approximate); }
  protected override extraRepr(): string { return this.approximate === "none" ? "" : `approximate='${this.approximate}'`; }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor { return tanh(x); }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor { return sigmoid(x); }
}

export class SiLU extends Module {
  forward(x: Tensor): Tensor { return silu(x); }
}

export class Identity extends Module {
  forward(x: Tensor): Tensor { return x; }
}

export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
    normAxis("Softmax: dim", dim, 64);
  }

  forward(x: Tensor): Tensor { return softmax(x, this.dim); }
  protected override extraRepr(): string { return `dim=${this.dim}`; }
}

export class LogSoftmax extends Module {
  constructor(readonly dim = -1) {
    super();
    normAxis("LogSoftmax: dim", dim, 64);
  }

  forward(x: Tensor): Tensor { return logSoftmax(x, this.dim); }
  protected override extraRepr(): string { return `dim=${this.dim}`; }
}
