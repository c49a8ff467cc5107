// What the webgpu device does when things go wrong: allocations past the adapter's limits, a
// validation error inside a recorded batch, a shader that does not compile, and a lost device.
// Each must be a TesseraError with a clear message (E_OOM, E_DEVICE, E_INIT) and never a hang or a
// silent wrong result. Run last by test/runtimes/webgpu-suite.ts: the final test loses the device.
import { describe, expect, it } from "vitest";
import { getDevice, info, setDevice, tensor, zeros } from "../../src/index.js";
import { useBackend } from "../../src/backend/device.js";
import { webGpuBackend } from "../../src/backend/webgpu/init.js";
import { GpuBuffer, GpuContext } from "../../src/backend/webgpu/context.js";
import { WebGpuBackend } from "../../src/backend/webgpu/webgpu-backend.js";
import { WGSL } from "../../src/backend/webgpu/wgsl.js";
import { requestGpuDevice } from "../../src/runtime/webgpu.js";
import { expectCode, expectCodeAsync } from "../ops/compare.js";

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (a hang)`)), ms))]);

async function freshBackend(): Promise<WebGpuBackend> {
  const got = await requestGpuDevice();
  if (typeof got === "string") throw new Error(got);
  return new WebGpuBackend(await GpuContext.create(got.device), got.adapter);
}

describe("webgpu errors", () => {
  it("a tensor past the adapter's buffer limit is E_OOM at once, naming the limit; nothing is held", () => {
    const before = webGpuBackend()!.stats().buffers;
    expectCode("E_OOM", () => zeros([2 ** 30], { device: "webgpu" }), /maxStorageBufferBindingSize/);
    expect(webGpuBackend()!.stats().buffers).toBe(before);
  });

  it("a validation error in a recorded batch rejects the next read with E_DEVICE; later reads work again", async () => {
    const be = webGpuBackend()!;
    const x = tensor([1, 2, 3], undefined, { device: "webgpu" });
    // A dispatch with a binding missing (what a backend bug would record): the batch's error scope
    // catches it and the read that follows reports it.
    be.ctx.dispatch("unary", [(x.handle as GpuBuffer).buffer], (w) => w.u(3).u(0).f(0), 1);
    await within(expectCodeAsync("E_DEVICE", () => x.read(), /the GPU reported an error/), 30_000, "read after a validation error");
    expect(Array.from(await within(x.exp().log().read(), 30_000, "read after recovery"))).toEqual([1, 2, 3]);
    x.dispose();
  });

  it("a shader that does not compile: the context is refused with E_INIT naming the file and line", async () => {
    const got = await requestGpuDevice();
    if (typeof got === "string") throw new Error(got);
    const broken = { ...WGSL, softmax: WGSL.softmax.replace("fn softmaxRows(", "fn softmaxRows(oops: ") };
    let err: unknown;
    try {
      await GpuContext.create(got.device, broken);
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string })?.code, String(err)).toBe("E_INIT");
    expect(String((err as Error).message)).toMatch(/shaders\/softmax\.wgsl.*line \d+/);
    got.device.destroy();
  });

  it("a device lost mid-work: ops are E_DEVICE, reads reject with E_DEVICE instead of hanging", async () => {
    const be = await freshBackend();
    useBackend(be);
    try {
      const x = tensor([1, 2, 3]);
      const y = x.mul(2);
      be.ctx.device.destroy();
      await within(be.ctx.device.lost, 30_000, "device.lost");
      expectCode("E_DEVICE", () => y.add(1), /unusable: the device was lost/);
      await within(expectCodeAsync("E_DEVICE", () => y.read()), 30_000, "read on a lost device");
    } finally {
      useBackend(null);
    }
  });

  it("losing the device initWebGpu made: info().webgpu turns false, the default device returns to the CPU, new tensors work there", async () => {
    setDevice("webgpu");
    const x = tensor([1, 2]);
    expect(x.device).toBe("webgpu");
    const be = webGpuBackend()!;
    be.ctx.device.destroy();
    await within(be.ctx.device.lost, 30_000, "device.lost");
    await new Promise((r) => setTimeout(r, 0)); // the status handler runs after the lost promise settles
    expect(info().webgpu).toBe(false);
    expect(getDevice()).toBe("cpu");
    expect(Array.from(tensor([1, 2]).mul(3).data())).toEqual([3, 6]);
    expectCode("E_DEVICE", () => x.exp(), /unusable: the device was lost/);
    expectCode("E_DEVICE", () => tensor([1], undefined, { device: "webgpu" }), /the device was lost/);
  });
});
