// Finding a WebGPU device: navigator.gpu where the runtime has it (browsers, Deno), else in Node the
// `webgpu` npm package (Dawn) when it is installed. The only module that asks for adapters; the
// backend (src/backend/webgpu/) receives the device. `webGpuStatus()` says what happened, for
// info().webgpu and for messages.

import { importOptional } from "./platform.js";

export interface WebGpuStatus {
  /** True once an adapter and a device were obtained and the kernels compiled. */
  available: boolean;
  /** Where the GPU object came from: "navigator.gpu" or "webgpu npm package (Dawn)". */
  source: string | null;
  /** The adapter's description ("llvmpipe (LLVM 15.0.6, 256 bits)", "NVIDIA GeForce …"), or null. */
  adapter: string | null;
  /** Why it is not available (or null when it is). */
  reason: string | null;
}

let status: WebGpuStatus = { available: false, source: null, adapter: null, reason: "initWebGpu() has not been called" };

export function webGpuStatus(): WebGpuStatus {
  return { ...status };
}

export function setWebGpuStatus(s: WebGpuStatus): void {
  status = { ...s };
}

/** Whether this runtime exposes a WebGPU API at all (an adapter may still be missing). */
export function hasWebGpuApi(): boolean {
  return typeof (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu === "object";
}

export interface GpuRequest {
  device: GPUDevice;
  adapter: string;
  source: string;
}

async function findGpu(): Promise<{ gpu: GPU; source: string } | string> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, source: "navigator.gpu" };
  const isNode = typeof process === "object" && typeof process.versions?.node === "string" && typeof (globalThis as { Deno?: unknown }).Deno === "undefined";
  if (!isNode) return "this runtime has no navigator.gpu";
  try {
    const dawn = await importOptional<{ create: (flags: string[]) => GPU; globals: object }>("webgpu");
    Object.assign(globalThis, dawn.globals); // GPUBufferUsage etc., as a browser has them
    return { gpu: dawn.create([]), source: "webgpu npm package (Dawn)" };
  } catch (e) {
    return `Node has no navigator.gpu and the \`webgpu\` npm package (Dawn) could not be loaded (${String(e).split("\n")[0]})`;
  }
}

/**
 * An adapter and a device with the adapter's largest buffer limits, or the reason there is none.
 * Never throws for a missing GPU: the caller keeps running on the CPU.
 */
export async function requestGpuDevice(powerPreference?: "low-power" | "high-performance"): Promise<GpuRequest | string> {
  const found = await findGpu();
  if (typeof found === "string") return found;
  let adapter: GPUAdapter | null;
  try {
    adapter = await found.gpu.requestAdapter(powerPreference ? { powerPreference } : undefined);
  } catch (e) {
    return `${found.source}.requestAdapter() failed: ${String(e)}`;
  }
  if (!adapter) {
    return `${found.source}.requestAdapter() found no adapter (no GPU, or no driver it accepts; on Linux, software ones: ` +
      "Mesa's lavapipe (`apt-get install mesa-vulkan-drivers`) for Deno, SwiftShader (VK_ICD_FILENAMES=… its ICD json, from Debian's chromium) for Dawn)";
  }
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const name = [info?.description, info?.vendor, info?.architecture].find((s) => s) ?? "unnamed adapter";
  try {
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
      },
    });
    return { device, adapter: name, source: found.source };
  } catch (e) {
    return `the adapter ${name} refused a device: ${String(e)}`;
  }
}
