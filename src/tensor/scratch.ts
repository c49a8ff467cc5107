// Small i32 argument arrays (shapes, strides) passed to kernels through WASM memory.
import { alloc, free, heapI32 } from "../runtime/wasm.js";

/** Writes the arrays into one scratch block, calls fn with their addresses, frees the block. */
export function withI32Arrays<T>(arrays: readonly (readonly number[])[], fn: (...ptrs: number[]) => T): T {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const base = alloc(Math.max(4, total * 4));
  try {
    const view = heapI32();
    const ptrs: number[] = [];
    let p = base;
    for (const a of arrays) {
      view.set(a, p >>> 2);
      ptrs.push(p);
      p += a.length * 4;
    }
    return fn(...ptrs);
  } finally {
    free(base);
  }
}
