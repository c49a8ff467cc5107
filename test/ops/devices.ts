// The devices every op suite runs on (tfjs' ALL_ENVS, ggml's test-backend-ops): the CPU backend of
// each WASM build, the plain-TypeScript reference backend and, where initWebGpu() finds an adapter,
// the WebGPU backend and the "auto" device over both (with thresholds so low that the suites' small
// tensors take both paths and move between them). A new backend joins every suite by adding one
// entry to DEVICES.
// `forEachDevice` wraps a suite in describe.each, makes the device the default one for the suite's
// tensors (useBackend) and restores the default afterwards. TESSERA_TEST_DEVICES (comma-separated
// names, e.g. "webgpu") restricts the list; test/runtimes/webgpu.test.ts uses it to run the suites
// on the GPU under Deno.
import { afterAll, beforeAll, describe } from "vitest";
import type { Backend } from "../../src/backend/backend.js";
import { cpuBackendFor, defaultBackend, registerDevice, resolveDevice, useBackend } from "../../src/backend/device.js";
import { initWebGpu, setAutoThresholds, webGpuBackend } from "../../src/backend/webgpu/init.js";
import { BUILDS, loadRuntime } from "../../src/runtime/wasm.js";
import { ReferenceBackend } from "./reference-backend.js";

export interface TestDevice {
  /** Shown in test names: "cpu simd", "reference", "webgpu", … */
  readonly name: string;
  /** The backend (made once per test file). */
  readonly backend: () => Promise<Backend>;
}

const memo = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let p: Promise<T> | null = null;
  return () => (p ??= make());
};

/** The one reference device of a test file; also reachable as t.to("reference"). */
export const referenceBackend = new ReferenceBackend();
registerDevice("reference", () => referenceBackend);

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
const only = env.TESSERA_TEST_DEVICES?.split(",").map((s) => s.trim()).filter(Boolean) ?? null;
const wanted = (name: string) => only === null || only.includes(name);

// The GPU joins when an adapter is there (navigator.gpu under Deno or a browser, Dawn in Node).
const gpu = wanted("webgpu") || wanted("auto") ? await initWebGpu() : null;

export const DEVICES: readonly TestDevice[] = [
  // Node 20 runs the relaxed builds only with --experimental-wasm-relaxed-simd (vitest.config.ts).
  ...BUILDS.map((build): TestDevice => ({ name: `cpu ${build}`, backend: memo(async () => cpuBackendFor(await loadRuntime({ build }))) })),
  { name: "reference", backend: async () => referenceBackend },
  ...(gpu?.available ? [
    { name: "webgpu", backend: async () => webGpuBackend()! },
    { name: "auto", backend: async () => (setAutoThresholds({ elements: 48, macs: 512 }), resolveDevice("auto", "auto")) },
  ] : []),
].filter((d) => wanted(d.name));

/** Why the webgpu device is not in DEVICES (null when it is, or when it was not asked for). */
export const webgpuMissing: string | null = gpu !== null && !gpu.available ? gpu.reason : null;

/** The device the current suite runs on (set in beforeAll). */
export interface DeviceContext {
  readonly device: TestDevice;
  backend: Backend;
}

/**
 * describe.each over DEVICES: `body` runs once per device with that device as the default for new
 * tensors; ctx.backend is the device's backend once beforeAll has run.
 */
export function forEachDevice(title: string, body: (ctx: DeviceContext) => void): void {
  describe.each(DEVICES)(`${title} on $name`, (device) => {
    const ctx = { device, backend: null as unknown as Backend };
    beforeAll(async () => {
      ctx.backend = await device.backend();
      useBackend(ctx.backend);
    });
    afterAll(() => useBackend(null));
    body(ctx);
  });
}

/** A device other than `b`, for the E_DEVICE checks: the reference one, or the global CPU backend. */
export function otherDevice(b: Backend): string {
  return b === referenceBackend ? "cpu" : "reference";
}

/** What `make` returns when run with `device` as the default (tensors made directly there). */
export function onDevice<T>(device: string, make: () => T): T {
  const prev = defaultBackend();
  useBackend(resolveDevice("onDevice", device));
  try {
    return make();
  } finally {
    useBackend(prev);
  }
}
