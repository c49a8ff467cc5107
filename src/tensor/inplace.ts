// In-place writes to a tensor's data, as torch's fill_ / zero_ / uniform_ / normal_: the building
// blocks of nn.init and of loading weights. Each bumps the storage's version (so a graph that saved
// the old values refuses to backpropagate) and, like torch, refuses to run on a leaf that requires
// grad while autograd is recording.
import { TesseraError, checkNumber, fail } from "../errors.js";
import { Tensor } from "./tensor.js";
import { isGradEnabled } from "./autograd.js";
import { checkTensor, floatTensor } from "./check.js";
import { Generator, defaultGenerator } from "./random.js";

function writable(fn: string, t: Tensor): Tensor {
  checkTensor(`${fn}: input`, t);
  if (isGradEnabled() && t.requiresGrad && t.gradFn === null) {
    throw new TesseraError("E_GRAD", `${fn}: expected noGrad() around an in-place change of a leaf that requires grad, received a call with autograd recording`);
  }
  return t;
}

function generatorArg(fn: string, g: unknown): Generator {
  if (!(g instanceof Generator)) fail("E_TYPE", `${fn}: generator`, "a Generator", g);
  return g;
}

/** Overwrites t with `values` (t.size of them, already validated), bumping its version. */
export function writeValues(t: Tensor, values: ArrayLike<number>): Tensor {
  t.backend.write(t.handle, values, t.dtype);
  t.storage!.version++;
  return t;
}

export function fill_(t: Tensor, value: number): Tensor {
  writable("fill_", t);
  if (typeof value !== "number") fail("E_TYPE", "fill_: value", "a number", value);
  if (t.dtype === "int32" && !(Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31)) fail("E_DTYPE", "fill_: value", "an int32 integer for an int32 tensor", value);
  t.backend.fill(t.handle, t.size, value, t.dtype);
  t.storage!.version++;
  return t;
}

/** Uniform samples on [low, high) from the seeded generator. */
export function uniform_(t: Tensor, low = 0, high = 1, generator: Generator = defaultGenerator): Tensor {
  floatTensor("uniform_: input", writable("uniform_", t));
  checkNumber("uniform_: low", low);
  checkNumber("uniform_: high", high, low);
  const g = generatorArg("uniform_", generator);
  const values = new Float32Array(t.size);
  for (let i = 0; i < values.length; i++) values[i] = low + (high - low) * g.random();
  return writeValues(t, values);
}

/** Normal samples with this mean and standard deviation from the seeded generator. */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  floatTensor("normal_: input", writable("normal_", t));
  checkNumber("normal_: mean", mean);
  checkNumber("normal_: std", std, 0);
  const g = generatorArg("normal_", generator);
  const values = new Float32Array(t.size);
  for (let i = 0; i < values.length; i++) values[i] = mean + std * g.normal();
  return writeValues(t, values);
}
