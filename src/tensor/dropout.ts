// Inverted dropout (torch.nn.functional.dropout): zero each element with probability p and scale
// the rest by 1/(1−p) in training; identity in eval. The mask comes from a counter-based RNG seeded
// from the global generator, so manualSeed reproduces it.
import { checkNumber, fail } from "../errors.js";
import { cpuBackend } from "../backend/cpu-wasm.js";
import { Binary } from "../backend/backend.js";
import { Tensor } from "./tensor.js";
import { record } from "./autograd.js";
import { checkFloat, checkTensor } from "./creation.js";
import { defaultGenerator, type Generator } from "./random.js";
import { clone } from "./layout.js";

export function dropout(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  checkFloat("dropout: input", checkTensor("dropout: input", x));
  checkNumber("dropout: p", p, 0, 1);
  if (typeof training !== "boolean") fail("E_TYPE", "dropout: training", "a boolean", training);
  if (!training || p === 0) return clone(x);
  const be = cpuBackend();
  const out = Tensor.empty(x.shape);
  const mask = Tensor.empty(x.shape);
  be.dropoutForwardF32(x.ptr, out.ptr, mask.ptr, x.size, p, generator.nextU32(), generator.nextU32());
  return record("dropout", out, [x], (g) => {
    const dx = Tensor.empty(x.shape);
    be.binaryF32(Binary.mul, g.ptr, mask.ptr, dx.ptr, dx.size);
    return [dx];
  }, [mask]);
}
