// Helpers for kernel tests: a seeded generator, typed arrays in and out of one runtime's WASM memory
// (views are re-derived on every call: memory may grow between allocations), and float64 references
// shared by several kernel families.
import type { Runtime } from "../../src/runtime/wasm.js";

/** mulberry32: uniform in [-1, 1), deterministic for a seed. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1;
  };
}

/** `n` values from a seeded generator, scaled, as float32. */
export function randomF32(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * scale);
}

/** Copies `data` into a fresh arena block (at least 16 bytes, so empty arrays get a valid pointer). */
export function putF32(rt: Runtime, data: ArrayLike<number>): number {
  const p = rt.arena.alloc(Math.max(16, data.length * 4));
  new Float32Array(rt.memory.buffer, p, data.length).set(data);
  return p;
}

export function putI32(rt: Runtime, data: ArrayLike<number>): number {
  const p = rt.arena.alloc(Math.max(16, data.length * 4));
  new Int32Array(rt.memory.buffer, p, data.length).set(data);
  return p;
}

/** A block of `n` float32 filled with `fill` (NaN by default, so unwritten outputs show). */
export function allocF32(rt: Runtime, n: number, fill = NaN): number {
  const p = rt.arena.alloc(Math.max(16, n * 4));
  new Float32Array(rt.memory.buffer, p, n).fill(fill);
  return p;
}

/** A copy (not a view) of `n` float32 at `ptr`. */
export function readF32(rt: Runtime, ptr: number, n: number): Float32Array {
  return new Float32Array(rt.memory.buffer, ptr, n).slice();
}

export function readI32(rt: Runtime, ptr: number, n: number): Int32Array {
  return new Int32Array(rt.memory.buffer, ptr, n).slice();
}

export function release(rt: Runtime, ...ptrs: number[]): void {
  for (const p of ptrs) rt.arena.release(p);
}

/** erf to ~1e-15: Maclaurin series for |x| < 3, continued fraction for erfc beyond. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax, sum = ax;
    for (let n = 1; n < 100; n++) {
      term *= -ax * ax / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * 2 / Math.sqrt(Math.PI) * sum;
  }
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
}

/** erfc to ~1e-15 relative, also in the far tail where 1 − erf(x) would cancel. */
export function erfc(x: number): number {
  if (x < 3) return 1 - erf(x);
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
}

/** Same-value comparison that treats NaN as equal to NaN and ±0 as equal. */
export function sameValue(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** Fails with the first index where |got − want| > atol + rtol·|want| (NaN and ±inf must match exactly). */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length}, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const ok = sameValue(got[i], want[i]) || Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]);
    if (!ok) throw new Error(`${what}[${i}]: got ${got[i]}, expected ${want[i]}`);
  }
}

/** Row-wise softmax or log-softmax of a [rows, cols] matrix in float64, stable (subtracts the max). */
export function softmaxRef(x: ArrayLike<number>, rows: number, cols: number, log: boolean): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[r * cols + j] - m);
    for (let j = 0; j < cols; j++) y[r * cols + j] = log ? x[r * cols + j] - m - Math.log(s) : Math.exp(x[r * cols + j] - m) / s;
  }
  return y;
}
