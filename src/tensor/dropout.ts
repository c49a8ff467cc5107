// Inverted dropout (torch.nn.functional.dropout): zero each element with probability p and scale
// the rest by 1/(1−p) in training; identity in eval. The mask comes from a counter-based RNG seeded
// from the global generator, so manualSeed reproduces it.
import { checkNumber, fail } from "../errors.js";
import { Tensor } from "./tensor.js";
import { record } from "./autograd.js";
import { checkBool, floatTensor } from "./check.js";
import { Generator, defaultGenerator } from "./random.js";
import { clone } from "./layout.js";

export function dropout(input: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  const x = floatTensor("dropout: input", input);
  checkNumber("dropout: p", p, 0, 1);
  checkBool("dropout: training", training);
  if (!(generator instanceof Generator)) fail("E_TYPE", "dropout: generator", "a Generator", generator);
  if (!training || p === 0) return clone(x);
  const be = x.backend;
  const [out, mask] = Tensor.emptyMany(be, [x.shape, "float32"], [x.shape, "float32"]);
  be.dropoutForward(x.handle, out.handle, mask.handle, x.size, p, generator.nextU32(), generator.nextU32());
  return record("dropout", out, [x], (g) => {
    const dx = Tensor.empty(x.shape, "float32", be);
    be.binary("mul", g.handle, mask.handle, dx.handle, dx.size);
    return [dx];
  }, [], [mask]);
}
