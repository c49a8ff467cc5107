// WASM buffers of one training call: allocated on the CPU backend as the call needs them and all
// freed when it ends, however it ends (Word2Vec and GloVe train in WASM memory they own).
import { cpuBackend } from "../backend/device.js";
import type { CpuBackend } from "../backend/cpu-wasm/cpu-backend.js";
import type { Handle } from "../backend/backend.js";

/** Runs `fn` with an allocator of float32/int32 buffers (at least one element each) freed after it. */
export function withWasmBuffers<T>(fn: (alloc: (elements: number) => Handle, be: CpuBackend) => T): T {
  const be = cpuBackend();
  const handles: Handle[] = [];
  const alloc = (elements: number): Handle => {
    const h = be.alloc(Math.max(1, elements));
    handles.push(h);
    return h;
  };
  try {
    return fn(alloc, be);
  } finally {
    for (const h of handles) be.free(h);
  }
}
