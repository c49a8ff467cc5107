// Moving a tensor between devices: t.to("cpu"), t.to("webgpu"). A copy through the host, recorded
// on the tape so gradients flow back to the source device (as torch's `.to` does).
import { TesseraError } from "../errors.js";
import type { Backend } from "../backend/backend.js";
import { resolveDevice } from "../backend/device.js";
import { Tensor } from "./tensor.js";
import { record } from "./autograd.js";
import { checkTensor } from "./check.js";

function copyTo(x: Tensor, dst: Backend): Tensor {
  const src = x.backend;
  if (!src.syncRead) {
    throw new TesseraError("E_DEVICE", `to("${dst.device}"): expected a tensor on a device that can be read synchronously, received one on ${src.label}; read it with \`await t.read()\` and make a new tensor`);
  }
  const out = Tensor.empty(x.shape, x.dtype, dst);
  dst.write(out.handle, src.readSync(x.handle, x.size, x.dtype), x.dtype);
  return out;
}

export function to(input: Tensor, device: string): Tensor {
  const x = checkTensor("to: input", input);
  const target = resolveDevice("to(device)", device);
  if (target === x.backend) return x;
  const source = x.backend;
  return record("to", copyTo(x, target), [x], (g) => [copyTo(g, source)]);
}
