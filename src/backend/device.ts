// Which backend a tensor lives on. Tensors made without an explicit device go to the default one
// (the CPU backend of the loaded runtime unless setDevice / useBackend chose another); an op finds
// its backend from its inputs and refuses inputs on different devices (E_DEVICE, naming the tensor
// to move), as PyTorch does.
import { TesseraError, describe } from "../errors.js";
import { runtime, type Runtime } from "../runtime/wasm.js";
import type { Backend } from "./backend.js";
import { CpuBackend } from "./cpu-wasm/cpu-backend.js";

const cpuBackends = new WeakMap<Runtime, CpuBackend>();
let chosen: Backend | null = null;
let cpuOfGlobal: { rt: Runtime; backend: CpuBackend } | null = null;

/** The CPU backend over `rt` (one per runtime). */
export function cpuBackendFor(rt: Runtime): CpuBackend {
  let b = cpuBackends.get(rt);
  if (!b) cpuBackends.set(rt, (b = new CpuBackend(rt)));
  return b;
}

/** The CPU backend of the global runtime (init() must have run). */
export function cpuBackend(): CpuBackend {
  const rt = runtime();
  if (cpuOfGlobal?.rt !== rt) cpuOfGlobal = { rt, backend: cpuBackendFor(rt) };
  return cpuOfGlobal.backend;
}

/** Where new tensors go when no device is named. */
export function defaultBackend(): Backend {
  return chosen ?? cpuBackend();
}

/**
 * Makes `b` the default device for new tensors (null: back to the CPU backend of the global
 * runtime). Tests use it to run one suite on every build and on reference backends.
 */
export function useBackend(b: Backend | null): void {
  chosen = b;
}

const named = new Map<string, () => Backend>([["cpu", cpuBackend]]);

/** Registers a device name for `t.to(name)` and setDevice (the WebGPU backend adds "webgpu"). */
export function registerDevice(name: string, get: () => Backend): void {
  named.set(name, get);
}

/** The backend a device name stands for; a Backend passes through. */
export function resolveDevice(arg: string, device: unknown): Backend {
  if (typeof device === "object" && device !== null && typeof (device as Backend).alloc === "function") return device as Backend;
  const get = typeof device === "string" ? named.get(device) : undefined;
  if (!get) {
    throw new TesseraError("E_DEVICE", `${arg}: expected one of ${[...named.keys()].map((k) => `"${k}"`).join(", ")}, received ${describe(device)}`);
  }
  return get();
}

/** Sets the default device by name ("cpu"; "webgpu" where registered), like torch.set_default_device. */
export function setDevice(device: string): void {
  const b = resolveDevice("setDevice(device)", device);
  chosen = b === cpuBackend() ? null : b;
}

/** The default device's name. */
export function getDevice(): string {
  return defaultBackend().device;
}
