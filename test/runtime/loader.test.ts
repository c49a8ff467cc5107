// The loader: feature detection, build choice, every build loads, the arena's bookkeeping.
import { describe, expect, it } from "vitest";
import { BUILDS, chooseBuild, detectFeatures, init, loadRuntime } from "../../src/runtime/wasm.js";
import { TesseraError, info, memory } from "../../src/index.js";

describe("loader", () => {
  it("detects features and picks the best build", () => {
    const f = detectFeatures();
    expect(f.simd).toBe(true);
    expect(chooseBuild({ ...f, relaxedSimd: true, threads: true })).toBe("threads-relaxed");
    expect(chooseBuild({ ...f, relaxedSimd: false, threads: false })).toBe("simd");
    expect(info().build).toBe(chooseBuild(f));
  });

  it.each(BUILDS)("loads the %s build", async (build) => {
    const rt = await loadRuntime({ build });
    expect(rt.build).toBe(build);
    expect(rt.shared).toBe(build.startsWith("threads"));
    expect(rt.exports.heapBase()).toBeGreaterThan(0);
  });

  it("rejects an unknown build by name", async () => {
    await expect(loadRuntime({ build: "gpu" as never })).rejects.toThrow(/options.build: expected one of/);
    await expect(loadRuntime({ module: 42 as never })).rejects.toBeInstanceOf(TesseraError);
  });

  // Issue 8, defect 16: every init failure is a TesseraError, never ENOENT or a CompileError.
  it("turns a missing file, bytes that are not WebAssembly and a foreign module into E_INIT", async () => {
    const initErr = expect.objectContaining({ name: "TesseraError", code: "E_INIT" });
    await expect(loadRuntime({ module: new URL("file:///nonexistent/tessera.wasm") })).rejects.toEqual(initErr);
    await expect(loadRuntime({ module: "not a url" })).rejects.toEqual(initErr);
    await expect(loadRuntime({ module: new Uint8Array([1, 2, 3, 4]) })).rejects.toEqual(initErr);
    // a valid module that is not tessera (no memory import, no kernels)
    const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    await expect(loadRuntime({ module: empty })).rejects.toEqual(expect.objectContaining({ code: "E_INIT", message: expect.stringMatching(/without heapBase/) }));
  });

  it("a second init() asking for another build is E_INIT, the same build returns the loaded runtime", async () => {
    const current = await init();
    expect(await init()).toBe(current);
    expect(await init({ build: current.build })).toBe(current);
    const other = BUILDS.find((b) => b !== current.build)!;
    await expect(init({ build: other })).rejects.toEqual(expect.objectContaining({ code: "E_INIT", message: expect.stringMatching(/first init\(\)/) }));
  });
});

describe("arena", () => {
  it("reuses freed blocks and grows memory without losing data", async () => {
    const rt = await loadRuntime({ build: "simd" });
    const a = rt.arena.alloc(1000);
    new Float32Array(rt.memory.buffer, a, 250).fill(7);
    const before = rt.memory.buffer.byteLength;
    const big = rt.arena.alloc(64 << 20);
    expect(rt.memory.buffer.byteLength).toBeGreaterThan(before);
    expect(new Float32Array(rt.memory.buffer, a, 250).every((v) => v === 7)).toBe(true);
    rt.arena.release(big);
    expect(rt.arena.alloc(64 << 20)).toBe(big);
    expect(rt.arena.liveBlocks).toBe(2);
    expect(() => rt.arena.release(12345)).toThrow(TesseraError);
  });

  it("reports out-of-memory as E_OOM, not a RangeError", async () => {
    const rt = await loadRuntime({ build: "simd" });
    expect(() => rt.arena.alloc(4 * 2 ** 30)).toThrow(expect.objectContaining({ code: "E_OOM" }));
  });

  it("memory() reports live blocks and the arena's free space", () => {
    const m = memory();
    expect(m.numBlocks).toBeGreaterThanOrEqual(0);
    expect(m.freeBytes).toBe(m.reservedBytes - m.numBytes);
    expect(m.largestFreeBlock).toBeLessThanOrEqual(m.freeBytes);
    expect(m.reservedBytes).toBeLessThanOrEqual(m.wasmBytes);
  });
});
