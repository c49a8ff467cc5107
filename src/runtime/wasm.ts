// Loads the best WebAssembly build for this runtime and owns its memory. The only module (with
// pool.ts) that touches WebAssembly objects. Picks relaxed SIMD and threads by feature detection;
// works from bytes (Node, Deno, Bun, browsers via fetch) or a precompiled WebAssembly.Module
// (Cloudflare workerd, which forbids compiling from bytes at run time).
import { TesseraError, describe } from "../errors.js";
import { Arena } from "./arena.js";
import { hasRelaxedSimd, hasSharedMemory, hasSimd } from "./features.js";
import type { KernelExports } from "./kernel-exports.js";
import { poolModulesReady } from "./pool.js";

export type BuildName = "simd" | "relaxed" | "threads" | "threads-relaxed";
export const BUILDS: readonly BuildName[] = ["simd", "relaxed", "threads", "threads-relaxed"];
export const MAX_PAGES = 32768; // must match scripts/build-wasm.mjs

export interface InitOptions {
  /** Force a build instead of detecting the best one. */
  build?: BuildName;
  /** A compiled module (workerd: `import wasm from "tessera/wasm/simd.wasm"`), bytes, or a URL. */
  module?: WebAssembly.Module | ArrayBuffer | ArrayBufferView | URL | string;
}

export interface Features {
  simd: boolean;
  relaxedSimd: boolean;
  threads: boolean;
}

export interface Runtime {
  build: BuildName;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  exports: KernelExports;
  arena: Arena;
  features: Features;
  shared: boolean;
}

let rt: Runtime | null = null;
let pending: Promise<Runtime> | null = null;

export function detectFeatures(): Features {
  return { simd: hasSimd(), relaxedSimd: hasRelaxedSimd(), threads: hasSharedMemory() };
}

export function chooseBuild(f: Features): BuildName {
  if (f.threads) return f.relaxedSimd ? "threads-relaxed" : "threads";
  return f.relaxedSimd ? "relaxed" : "simd";
}

function buildUrl(build: BuildName): URL {
  return new URL(`../../build/${build}.wasm`, import.meta.url);
}

async function readBytes(url: URL): Promise<Uint8Array> {
  try {
    if (url.protocol === "file:") {
      const fs = await import("node:fs/promises"); // Node, Deno and Bun all provide node:fs
      return new Uint8Array(await fs.readFile(url));
    }
    const res = await fetch(url);
    if (!res.ok) throw new TesseraError("E_INIT", `init: expected to fetch ${url.href}, received HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    throw new TesseraError("E_INIT", `init: expected to read the WebAssembly module at ${url.href}, received an error: ${String(e)}`);
  }
}

/** WebAssembly.compile, with a CompileError (not a tessera build, truncated file) as E_INIT. */
async function compileBytes(bytes: BufferSource, what: string): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    throw new TesseraError("E_INIT", `init: expected a valid WebAssembly module (${what}), received one that does not compile: ${String(e)}`);
  }
}

async function compile(opts: InitOptions, build: BuildName): Promise<WebAssembly.Module> {
  const src = opts.module;
  if (src instanceof WebAssembly.Module) return src;
  if (src instanceof ArrayBuffer || ArrayBuffer.isView(src)) return compileBytes(src as BufferSource, "options.module bytes");
  if (src !== undefined && typeof src !== "string" && !(src instanceof URL)) {
    throw new TesseraError("E_TYPE", `init: options.module: expected a WebAssembly.Module, bytes or URL, received ${describe(src)}`);
  }
  let url: URL;
  try {
    url = src === undefined ? buildUrl(build) : new URL(src);
  } catch (e) {
    throw new TesseraError("E_INIT", `init: options.module: expected a URL, received ${describe(src)} (${String(e)})`);
  }
  return compileBytes(await readBytes(url) as BufferSource, url.href);
}

// Exports every build has; a module without them is not a tessera build (or is another version).
const REQUIRED_EXPORTS = ["heapBase", "buildFeatures", "join", "runJob", "gemmPrepare", "unaryF32"];

/** Instantiates `module` over `memory` (E_INIT if it is not a tessera build of this version). */
export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(module, { env: { memory } });
  } catch (e) {
    throw new TesseraError("E_INIT", `init: expected a tessera WebAssembly build, received a module that does not instantiate: ${String(e)}`);
  }
  const missing = REQUIRED_EXPORTS.filter((name) => typeof instance.exports[name] !== "function");
  if (missing.length > 0) {
    throw new TesseraError("E_INIT", `init: expected a tessera WebAssembly build of this version, received a module without ${missing.join(", ")}`);
  }
  return instance.exports as unknown as KernelExports;
}

function moduleIsShared(module: WebAssembly.Module): boolean {
  // A shared-memory build only instantiates over a shared memory; try a throwaway one-page pair.
  try {
    new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES }) } });
    return false;
  } catch {
    return true;
  }
}

/** Loads a runtime without making it the global one (tests use it to run every build side by side). */
export async function loadRuntime(opts: InitOptions = {}): Promise<Runtime> {
  const features = detectFeatures();
  if (!features.simd) {
    throw new TesseraError("E_INIT", "init: expected a runtime with WebAssembly SIMD (Node >= 16.4, Deno, Bun, Chrome 91+, Firefox 89+, Safari 16.4+), received one without it");
  }
  if (opts.build !== undefined && !BUILDS.includes(opts.build)) {
    throw new TesseraError("E_VALUE", `init: options.build: expected one of ${BUILDS.join(", ")}, received ${describe(opts.build)}`);
  }
  const build = opts.build ?? chooseBuild(features);
  if ((build === "relaxed" || build === "threads-relaxed") && !features.relaxedSimd) {
    throw new TesseraError("E_INIT", `init: options.build: expected a build this runtime supports, received "${build}" without relaxed SIMD support`);
  }
  if ((build === "threads" || build === "threads-relaxed") && !features.threads) {
    throw new TesseraError("E_INIT", `init: options.build: expected a build this runtime supports, received "${build}" without shared memory`);
  }
  const module = await compile(opts, build);
  const shared = opts.module === undefined ? build.startsWith("threads") : moduleIsShared(module);
  const memory = new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES, shared });
  const exports = instantiate(module, memory);
  const arena = new Arena(memory, exports.heapBase(), MAX_PAGES);
  // The module says which build it is (it may have been handed to us precompiled).
  const bits = exports.buildFeatures();
  const actual: BuildName = bits & 2 ? (bits & 1 ? "threads-relaxed" : "threads") : bits & 1 ? "relaxed" : "simd";
  return { build: actual, module, memory, exports, arena, features, shared };
}

/**
 * Loads the best build (or `opts.build`, or `opts.module`) as the runtime every tessera call uses.
 * Idempotent; asking for a different build (or another compiled module) once one is loaded is an
 * error (E_INIT), not a silent no-op.
 */
export async function init(opts: InitOptions = {}): Promise<Runtime> {
  if (opts === null || typeof opts !== "object") throw new TesseraError("E_TYPE", `init: options: expected an object, received ${describe(opts)}`);
  const current = rt ?? (pending ? await pending.catch(() => null) : null);
  if (current) {
    const otherModule = opts.module instanceof WebAssembly.Module && opts.module !== current.module;
    if ((opts.build !== undefined && opts.build !== current.build) || otherModule) {
      throw new TesseraError("E_INIT", `init: expected the options of the first init() (build "${current.build}"), received a request for ` +
        `${opts.build !== undefined ? `build "${opts.build}"` : "another module"}; tessera loads one runtime per process`);
    }
    return current;
  }
  pending ??= loadRuntime(opts).then(async (r) => (await poolModulesReady, r));
  try {
    rt = await pending;
    return rt;
  } finally {
    pending = null;
  }
}

export function runtime(): Runtime {
  if (!rt) throw new TesseraError("E_INIT", "tessera: expected init() to have completed before use, received a call before initialisation (import \"tessera\" awaits it; \"tessera/manual\" needs `await init()`)");
  return rt;
}

export function isInitialized(): boolean {
  return rt !== null;
}

export function kernels(): KernelExports {
  return runtime().exports;
}

// Fresh views each time they are asked for after memory grew: a view kept across an allocation
// would be detached (or, for shared memory, too short).
let f32View: Float32Array<ArrayBufferLike> = new Float32Array(0);
let i32View: Int32Array<ArrayBufferLike> = new Int32Array(0);
let u8View: Uint8Array<ArrayBufferLike> = new Uint8Array(0);

function buffer(): ArrayBufferLike {
  return runtime().memory.buffer;
}

export function heapF32(): Float32Array<ArrayBufferLike> {
  const b = buffer();
  if (f32View.buffer !== b || f32View.byteLength !== b.byteLength) f32View = new Float32Array(b);
  return f32View;
}

export function heapI32(): Int32Array<ArrayBufferLike> {
  const b = buffer();
  if (i32View.buffer !== b || i32View.byteLength !== b.byteLength) i32View = new Int32Array(b);
  return i32View;
}

export function heapU8(): Uint8Array<ArrayBufferLike> {
  const b = buffer();
  if (u8View.buffer !== b || u8View.byteLength !== b.byteLength) u8View = new Uint8Array(b);
  return u8View;
}

export function alloc(nBytes: number): number {
  return runtime().arena.alloc(nBytes);
}

export function free(ptr: number): void {
  runtime().arena.release(ptr);
}
