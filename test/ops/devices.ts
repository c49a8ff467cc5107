// The devices every op suite runs on (tfjs' ALL_ENVS, ggml's test-backend-ops): the CPU backend of
// each WASM build and the plain-TypeScript reference backend. A new backend (webgpu) joins every
// suite by adding one entry to DEVICES. `forEachDevice` wraps a suite in describe.each, makes the
// device the default one for the suite's tensors (useBackend) and restores the default afterwards.
import { afterAll, beforeAll, describe } from "vitest";
import type { Backend } from "../../src/backend/backend.js";
import { cpuBackendFor, registerDevice, useBackend } from "../../src/backend/device.js";
import { BUILDS, loadRuntime } from "../../src/runtime/wasm.js";
import { ReferenceBackend } from "./reference-backend.js";

export interface TestDevice {
  /** Shown in test names: "cpu simd", "reference", … */
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

export const DEVICES: readonly TestDevice[] = [
  // Node 20 runs the relaxed builds only with --experimental-wasm-relaxed-simd (vitest.config.ts).
  ...BUILDS.map((build): TestDevice => ({ name: `cpu ${build}`, backend: memo(async () => cpuBackendFor(await loadRuntime({ build }))) })),
  { name: "reference", backend: async () => referenceBackend },
];

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
