// initWebGpu(): asks src/runtime/webgpu.ts for a device, compiles every kernel (GpuContext.create),
// and registers the "webgpu" device, and the "auto" device that places each op on the CPU or the
// GPU by size (../auto-backend.ts). Without an adapter, or when a shader fails to build, it
// resolves with the reason and everything keeps running on the CPU; info().webgpu stays false. A
// device lost later turns the status back to unavailable and, if "webgpu" was the default device,
// makes the CPU the default again (tensors already on the GPU are gone: using them is E_DEVICE).
import { TesseraError } from "../../errors.js";
import { requestGpuDevice, setWebGpuStatus, webGpuStatus, type WebGpuStatus } from "../../runtime/webgpu.js";
import { AutoBackend, type AutoStats, type AutoThresholds } from "../auto-backend.js";
import { cpuBackend, defaultBackend, registerDevice, useBackend } from "../device.js";
import { GpuContext, type GpuStats } from "./context.js";
import { WebGpuBackend } from "./webgpu-backend.js";

export interface WebGpuOptions {
  powerPreference?: "low-power" | "high-performance";
  /** Throw E_INIT when no device can be had, instead of resolving with available: false. */
  required?: boolean;
}

let backend: WebGpuBackend | null = null;
let pending: Promise<WebGpuStatus> | null = null;

// Where "auto" starts sending work to the GPU. Defaults for a discrete or integrated GPU next to a
// SIMD CPU; bench/webgpu.bench.mjs measures the crossover on the machine at hand (bench/README.md).
const DEFAULT_THRESHOLDS: AutoThresholds = { elements: 2 ** 18, macs: 2 ** 21 };
const usableGpu = () => (backend !== null && backend.ctx.lost === null ? backend : null);
const auto = new AutoBackend(cpuBackend, usableGpu, { ...DEFAULT_THRESHOLDS });
registerDevice("auto", () => auto);

/**
 * Sets where the "auto" device starts using the GPU (elements for most ops, multiply-adds for
 * gemm); omitted fields keep their value. Returns the thresholds now in force.
 */
export function setAutoThresholds(t: Partial<AutoThresholds>): AutoThresholds {
  for (const k of ["elements", "macs"] as const) {
    const v = t[k];
    if (v !== undefined) {
      if (typeof v !== "number" || !(v >= 0)) throw new TesseraError("E_VALUE", `setAutoThresholds: ${k}: expected a number ≥ 0 (Infinity keeps everything on the CPU), received ${String(v)}`);
      auto.thresholds[k] = v;
    }
  }
  return { ...auto.thresholds };
}

/** How many kernel calls the "auto" device ran on each side and what it uploaded to the GPU. */
export function autoStats(): AutoStats & { thresholds: AutoThresholds } {
  return { ...auto.stats, thresholds: { ...auto.thresholds } };
}

/** The WebGPU backend, once initWebGpu() has succeeded. */
export function webGpuBackend(): WebGpuBackend | null {
  return backend;
}

registerDevice("webgpu", () => {
  if (backend === null || backend.ctx.lost !== null) {
    throw new TesseraError("E_DEVICE", `webgpu: expected a WebGPU device, received none: ${webGpuStatus().reason} (call \`await initWebGpu()\` first; info().webgpu says whether it worked)`);
  }
  return backend;
});

async function start(options: WebGpuOptions): Promise<WebGpuStatus> {
  const got = await requestGpuDevice(options.powerPreference);
  if (typeof got === "string") {
    setWebGpuStatus({ available: false, source: null, adapter: null, reason: got });
    return webGpuStatus();
  }
  let ctx: GpuContext;
  try {
    ctx = await GpuContext.create(got.device);
  } catch (e) {
    got.device.destroy();
    setWebGpuStatus({ available: false, source: got.source, adapter: got.adapter, reason: (e as Error).message });
    return webGpuStatus();
  }
  const b = new WebGpuBackend(ctx, got.adapter);
  got.device.lost.then((info) => {
    setWebGpuStatus({ available: false, source: got.source, adapter: got.adapter, reason: `the device was lost (${info.reason}): ${info.message}` });
    if (defaultBackend() === b) useBackend(null); // "auto" needs no change: it checks usableGpu()
  });
  backend = b;
  setWebGpuStatus({ available: true, source: got.source, adapter: got.adapter, reason: null });
  return webGpuStatus();
}

/**
 * Requests a WebGPU adapter and device and compiles the kernels; resolves with what happened
 * (`available`, the adapter, or the reason there is none). Idempotent. Afterwards tensors can be
 * made on it (`{ device: "webgpu" }`, `t.to("webgpu")`, `setDevice("webgpu")`).
 */
export async function initWebGpu(options: WebGpuOptions = {}): Promise<WebGpuStatus> {
  if (backend !== null && backend.ctx.lost === null) return webGpuStatus();
  pending ??= start(options).finally(() => { pending = null; });
  const s = await pending;
  if (!s.available && options.required) throw new TesseraError("E_INIT", `initWebGpu: expected a WebGPU device, received none: ${s.reason}`);
  return s;
}

/** Bytes held on the GPU, the pool, host↔device transfers, dispatches and submits; null before initWebGpu(). */
export function webgpuStats(): GpuStats | null {
  return backend === null ? null : backend.stats();
}
