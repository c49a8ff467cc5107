// Shared by the fuzzers: a seeded generator independent of tessera's own, the seed list (FUZZ_SEED
// replays one), the error contract (a TesseraError with a code declared in src/errors.ts) and the
// allocator's invariants, including an exact count of the blocks live tensors explain.
import { readFileSync } from "node:fs";
import { memory, type Tensor } from "../../src/index.js";
import type { GradNode } from "../../src/tensor/autograd.js";

/** mulberry32: small, fast, and good enough to pick fuzz cases. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  normal(): number {
    const u = 1 - this.next(), v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** Picks by weight: [[weight, value], ...]. */
  weighted<T>(xs: readonly (readonly [number, T])[]): T {
    let r = this.next() * xs.reduce((s, [w]) => s + w, 0);
    for (const [w, v] of xs) if ((r -= w) < 0) return v;
    return xs[xs.length - 1][1];
  }
}

/** The seeds a fuzzer runs: FUZZ_SEED=<n> replays one, else the fixed defaults. */
export function fuzzSeeds(defaults: number[]): number[] {
  const env = process.env.FUZZ_SEED;
  return env === undefined ? defaults : [Number(env)];
}

/** The codes declared in src/errors.ts (read from the source so the list cannot drift). */
export const ERROR_CODES: ReadonlySet<string> = (() => {
  const src = readFileSync(new URL("../../src/errors.ts", import.meta.url), "utf8");
  const union = /export type ErrorCode =([^;]*);/.exec(src)![1];
  return new Set([...union.matchAll(/"(E_[A-Z]+)"/g)].map((m) => m[1]));
})();

/** Why `e` breaks the error contract, or null when it is a TesseraError with a declared code. */
export function errorContractBreach(e: unknown): string | null {
  if (!(e instanceof Error)) return `threw a non-Error: ${String(e)}`;
  if (e.name !== "TesseraError") return `threw ${e.name}: ${e.message}`;
  const code = (e as { code?: unknown }).code;
  if (typeof code !== "string" || !ERROR_CODES.has(code)) return `TesseraError with undeclared code ${String(code)}: ${e.message}`;
  return null;
}

/** Problems with memory()'s report: every field finite and consistent with the others. */
export function memoryBreaches(): string[] {
  const m = memory();
  const out: string[] = [];
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) out.push(`memory().${k} = ${v}`);
  }
  if (m.freeBytes > m.reservedBytes) out.push(`freeBytes ${m.freeBytes} > reservedBytes ${m.reservedBytes}`);
  if (m.freeBytes + m.numBytes !== m.reservedBytes) out.push(`freeBytes ${m.freeBytes} + numBytes ${m.numBytes} != reservedBytes ${m.reservedBytes}`);
  if (m.largestFreeBlock > m.freeBytes) out.push(`largestFreeBlock ${m.largestFreeBlock} > freeBytes ${m.freeBytes}`);
  if (m.reservedBytes > m.wasmBytes) out.push(`reservedBytes ${m.reservedBytes} > wasmBytes ${m.wasmBytes}`);
  if (m.numBytes < 64 * m.numBlocks) out.push(`numBytes ${m.numBytes} < 64 · numBlocks ${m.numBlocks}`);
  return out;
}

/**
 * The storages (one WASM block each) that `roots` keep alive: their own, their gradients', and
 * those their graphs hold — node inputs and outputs, tensors saved for backward, and the
 * intermediates a composite op owns.
 */
export function liveStorages(roots: Iterable<Tensor>): Set<object> {
  const storages = new Set<object>();
  const seenT = new Set<Tensor>();
  const seenN = new Set<GradNode>();
  const stack: Tensor[] = [...roots];
  const visitNode = (n: GradNode) => {
    if (seenN.has(n)) return;
    seenN.add(n);
    stack.push(...n.inputs, ...n.outputs, ...n.saved, ...n.owned);
  };
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seenT.has(t)) continue;
    seenT.add(t);
    if (t.storage !== null) storages.add(t.storage);
    if (t.grad !== null) stack.push(t.grad);
    if (t.gradFn !== null) visitNode(t.gradFn);
  }
  return storages;
}

/** A short rendering of a call argument for failure messages (enough to replay the call). */
export function show(v: unknown, depth = 0): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "symbol" || typeof v === "boolean") return String(v);
  if (typeof v === "function") return "fn";
  const t = v as Tensor & { isTensor?: unknown };
  if (t.isTensor === true && Array.isArray(t.shape)) {
    if (t.isDisposed === true) return `<disposed #${t.id}>`;
    if (typeof t.id !== "number") return `<foreign tensor ${JSON.stringify(t.shape)}>`;
    const vals = t.size <= 6 ? ` ${JSON.stringify(Array.from(t.data()).map((x) => (Number.isNaN(x) ? "NaN" : x === Infinity ? "Inf" : x === -Infinity ? "-Inf" : Object.is(x, -0) ? "-0" : x)))}` : "";
    return `T#${t.id}${JSON.stringify(t.shape)}${t.dtype === "int32" ? "i32" : ""}${t.requiresGrad ? " rg" : ""}${vals}`;
  }
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  if (depth > 2) return "…";
  if (Array.isArray(v)) return v.length > 12 ? `[array of ${v.length}]` : `[${v.map((x) => show(x, depth + 1)).join(", ")}]`;
  if (v instanceof Map) return "Map";
  const name = (v as object).constructor?.name;
  if (name && name !== "Object") return `<${name}>`;
  return `{${Object.entries(v as object).slice(0, 6).map(([k, x]) => `${k}: ${show(x, depth + 1)}`).join(", ")}}`;
}
