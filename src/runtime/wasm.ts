// Loads the best WebAssembly build for this runtime and owns its memory. The only module (with
// pool.ts) that touches WebAssembly objects. Picks relaxed SIMD and threads by feature detection;
// works from bytes (Node, Deno, Bun, browsers via fetch) or a precompiled WebAssembly.Module
// (Cloudflare workerd, which forbids compiling from bytes at run time). The files are found next
// to the package (build/ beside dist/) unless setWasmPaths() / init({ wasmPaths }) says where a
// bundler or a CDN put them; initSync() compiles synchronously (CommonJS, workerd).
import { TesseraError, describe } from "../errors.js";
import { Arena } from "./arena.js";
import { hasRelaxedSimd, hasSharedMemory, hasSimd } from "./features.js";
import type { KernelExports } from "./kernel-exports.js";
import { builtin, builtinSync, isNodeLike } from "./platform.js";
import { poolModulesReady, startPool } from "./pool.js";

export type BuildName = "simd" | "relaxed" | "threads" | "threads-relaxed";
export const BUILDS: readonly BuildName[] = ["simd", "relaxed", "threads", "threads-relaxed"];
export const MAX_PAGES = 32768; // must match scripts/build-wasm.mjs

/**
 * Where the .wasm files are: a folder (URL or path ending in "/", holding simd.wasm, relaxed.wasm,
 * threads.wasm, threads-relaxed.wasm), or one URL per build (e.g. from a bundler's `?url` import).
 */
export type WasmPaths = string | URL | Partial<Record<BuildName, string | URL>>;

export interface InitOptions {
  /** Force a build instead of detecting the best one. */
  build?: BuildName;
  /** A compiled module (workerd: `import wasm from "tessera-ml/wasm/simd.wasm"`), bytes, or a URL. */
  module?: WebAssembly.Module | ArrayBuffer | ArrayBufferView | URL | string;
  /** Where to find the .wasm files (same as calling setWasmPaths first). */
  wasmPaths?: WasmPaths;
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

let wasmPaths: WasmPaths | null = null;
let autoInitError: unknown = null;

function checkWasmPaths(p: unknown, where: string): WasmPaths {
  const isLoc = (v: unknown) => typeof v === "string" || v instanceof URL;
  if (isLoc(p)) return p as WasmPaths;
  if (p !== null && typeof p === "object" && !Array.isArray(p) &&
    Object.entries(p).every(([k, v]) => (BUILDS as readonly string[]).includes(k) && isLoc(v))) return p as WasmPaths;
  throw new TesseraError("E_TYPE", `${where}: expected a folder URL or path, or an object of URLs keyed by ${BUILDS.join(", ")}, received ${describe(p)}`);
}

/**
 * Says where the .wasm files are, for when a bundler, a CDN or a static folder moved them away
 * from the package (like tfjs' setWasmPaths): `setWasmPaths("/assets/tessera/")` or
 * `setWasmPaths({ simd: simdUrl, relaxed: relaxedUrl })`. Relative paths resolve against the page
 * (browsers) or are taken as file paths (Node, Deno, Bun). Call it before `init()`; with the
 * automatic entry, call `await init()` after it if the first load failed.
 */
export function setWasmPaths(paths: WasmPaths): void {
  wasmPaths = checkWasmPaths(paths, "setWasmPaths(paths)");
}

// Each build's default location as a literal `new URL(…, import.meta.url)`: Vite and webpack find
// these and emit the files as assets of the bundle. Where import.meta.url is missing or not a URL
// (a CommonJS bundle, workerd) this throws, and the caller explains how to say where the files are.
function defaultUrl(build: BuildName): URL {
  switch (build) {
    case "simd": return new URL("../../build/simd.wasm", import.meta.url);
    case "relaxed": return new URL("../../build/relaxed.wasm", import.meta.url);
    case "threads": return new URL("../../build/threads.wasm", import.meta.url);
    case "threads-relaxed": return new URL("../../build/threads-relaxed.wasm", import.meta.url);
  }
}

function locate(where: string | URL): URL {
  if (where instanceof URL) return where;
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  const winPath = /^[A-Za-z]:[\\/]/.test(where);
  if (!winPath) {
    try {
      return new URL(where, base); // absolute URLs anywhere; relative ones against a page
    } catch { /* a file path in Node, Deno or Bun */ }
  }
  const cwd = (globalThis as { process?: { cwd?: () => string } }).process?.cwd;
  if (isNodeLike() && typeof cwd === "function") {
    let abs = where.replace(/\\/g, "/");
    if (!abs.startsWith("/") && !winPath) abs = `${cwd().replace(/\\/g, "/").replace(/\/?$/, "/")}${abs}`;
    return new URL(`file://${abs.startsWith("/") ? "" : "/"}${encodeURI(abs).replace(/[?#]/g, encodeURIComponent)}`);
  }
  throw new TesseraError("E_INIT", `init: wasm path: expected a URL or a file path, received ${describe(where)}`);
}

const HINT = "say where the .wasm files are with setWasmPaths(url) or init({ wasmPaths }) " +
  "(bundlers: copy node_modules/tessera-ml/build/*.wasm to your static files; README \"Bundlers\")";

function buildUrl(build: BuildName): URL {
  if (wasmPaths !== null) {
    if (typeof wasmPaths === "string" || wasmPaths instanceof URL) {
      const dir = String(wasmPaths);
      return locate(`${dir}${dir.endsWith("/") ? "" : "/"}${build}.wasm`);
    }
    const one = wasmPaths[build];
    if (one === undefined) {
      throw new TesseraError("E_INIT", `init: wasmPaths: expected a URL for the "${build}" build this runtime needs, received paths for ${Object.keys(wasmPaths).join(", ") || "no build"} (pass init({ build }) to pick one of those)`);
    }
    return locate(one);
  }
  try {
    return defaultUrl(build);
  } catch (e) {
    throw new TesseraError("E_INIT", `init: expected the ${build}.wasm file next to tessera's module, but its location is unknown here (${String(e)}); ${HINT}`);
  }
}

async function readBytes(url: URL): Promise<Uint8Array> {
  try {
    if (url.protocol === "file:") {
      const fs = await builtin<{ promises: { readFile(p: URL): Promise<Uint8Array> } }>("fs"); // Node, Deno and Bun all provide node:fs
      if (fs === null) throw new TesseraError("E_INIT", `init: expected to read ${url.href}, received a runtime without a file system; ${HINT}`);
      return new Uint8Array(await fs.promises.readFile(url));
    }
    const res = await fetch(url);
    if (!res.ok) throw new TesseraError("E_INIT", `init: expected to fetch ${url.href}, received HTTP ${res.status}; ${HINT}`);
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

/** The module itself, its bytes, or the URL to read them from. */
function source(opts: InitOptions, build: BuildName): WebAssembly.Module | BufferSource | URL {
  const src = opts.module;
  if (src instanceof WebAssembly.Module) return src;
  if (src instanceof ArrayBuffer || ArrayBuffer.isView(src)) return src as BufferSource;
  if (src !== undefined && typeof src !== "string" && !(src instanceof URL)) {
    throw new TesseraError("E_TYPE", `init: options.module: expected a WebAssembly.Module, bytes or URL, received ${describe(src)}`);
  }
  if (src === undefined) return buildUrl(build);
  try {
    return src instanceof URL ? src : new URL(src);
  } catch (e) {
    throw new TesseraError("E_INIT", `init: options.module: expected a URL, received ${describe(src)} (${String(e)})`);
  }
}

async function compile(opts: InitOptions, build: BuildName): Promise<WebAssembly.Module> {
  const src = source(opts, build);
  if (src instanceof WebAssembly.Module) return src;
  if (!(src instanceof URL)) return compileBytes(src, "options.module bytes");
  return compileBytes(await readBytes(src) as BufferSource, src.href);
}

// Synchronous: bytes, a module, or a file read with fs.readFileSync (Node, Deno, Bun). A fetch
// cannot be synchronous, so a URL in a browser is refused with the way out.
function compileSync(opts: InitOptions, build: BuildName): WebAssembly.Module {
  const src = source(opts, build);
  if (src instanceof WebAssembly.Module) return src;
  let bytes: BufferSource;
  let what = "options.module bytes";
  if (src instanceof URL) {
    const fs = src.protocol === "file:" ? builtinSync<{ readFileSync(p: URL): Uint8Array }>("fs") : null;
    if (fs === null) {
      throw new TesseraError("E_INIT", `initSync: expected a WebAssembly.Module, bytes or a file this runtime can read synchronously, received ${src.href} (use \`await init()\` to fetch it)`);
    }
    try {
      bytes = new Uint8Array(fs.readFileSync(src));
    } catch (e) {
      throw new TesseraError("E_INIT", `initSync: expected to read the WebAssembly module at ${src.href}, received an error: ${String(e)}; ${HINT}`);
    }
    what = src.href;
  } else {
    bytes = src;
  }
  try {
    return new WebAssembly.Module(bytes);
  } catch (e) {
    throw new TesseraError("E_INIT", `init: expected a valid WebAssembly module (${what}), received one that does not compile: ${String(e)}`);
  }
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

function chooseChecked(opts: InitOptions): { build: BuildName; features: Features } {
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
  if (opts.wasmPaths !== undefined) checkWasmPaths(opts.wasmPaths, "init: options.wasmPaths");
  return { build, features };
}

/** Loads a runtime without making it the global one (tests use it to run every build side by side). */
export async function loadRuntime(opts: InitOptions = {}): Promise<Runtime> {
  const { build, features } = chooseChecked(opts);
  return finish(opts, build, features, await compile(opts, build));
}

function finish(opts: InitOptions, build: BuildName, features: Features, module: WebAssembly.Module): Runtime {
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
  if (current) return sameAsLoaded(opts, current);
  if (opts.wasmPaths !== undefined) setWasmPaths(opts.wasmPaths);
  pending ??= loadRuntime(opts).then(async (r) => (await poolModulesReady, r));
  let r: Runtime;
  try {
    r = adopt(await pending);
  } finally {
    pending = null;
  }
  await startPool(r); // threaded builds start their workers now, so info() says how many really run
  return r;
}

/**
 * init() without a promise: compiles the module synchronously from `module` (a WebAssembly.Module
 * or bytes) or, in Node, Deno and Bun, from the file (fs.readFileSync). The CommonJS entry and the
 * workerd entry use it; in a browser, prefer `await init()` (large modules may not compile
 * synchronously on a page's main thread).
 */
export function initSync(opts: InitOptions = {}): Runtime {
  if (opts === null || typeof opts !== "object") throw new TesseraError("E_TYPE", `initSync: options: expected an object, received ${describe(opts)}`);
  if (rt) return sameAsLoaded(opts, rt);
  if (pending) throw new TesseraError("E_INIT", "initSync: expected no init() in progress, received a call while one is loading (await it instead)");
  if (opts.wasmPaths !== undefined) setWasmPaths(opts.wasmPaths);
  const { build, features } = chooseChecked(opts);
  const r = adopt(finish(opts, build, features, compileSync(opts, build)));
  void startPool(r); // workers come up once the caller yields to the event loop
  return r;
}

function sameAsLoaded(opts: InitOptions, current: Runtime): Runtime {
  const otherModule = opts.module instanceof WebAssembly.Module && opts.module !== current.module;
  if ((opts.build !== undefined && opts.build !== current.build) || otherModule) {
    throw new TesseraError("E_INIT", `init: expected the options of the first init() (build "${current.build}"), received a request for ` +
      `${opts.build !== undefined ? `build "${opts.build}"` : "another module"}; tessera loads one runtime per process`);
  }
  return current;
}

function adopt(r: Runtime): Runtime {
  rt = r;
  autoInitError = null;
  return r;
}

/**
 * The automatic entry's load: a failure (a bundler moved the .wasm files, a page without them) is
 * kept instead of failing the import, and reported by the first call that needs the runtime, so
 * the caller can still `setWasmPaths(…)` and `await init()`.
 */
export async function autoInit(): Promise<void> {
  try {
    await init();
  } catch (e) {
    autoInitError = e;
  }
}

/** autoInit() for entries that cannot await (CommonJS, workerd). */
export function autoInitSync(opts: InitOptions = {}): void {
  try {
    initSync(opts);
  } catch (e) {
    autoInitError = e;
  }
}

export function runtime(): Runtime {
  if (!rt) {
    if (autoInitError !== null) {
      const why = autoInitError instanceof Error ? autoInitError.message : String(autoInitError);
      throw new TesseraError("E_INIT", `tessera: expected a loaded runtime, received none: the automatic load on import failed (${why}); ` +
        "call `await init({ wasmPaths })` (or setWasmPaths(url) then `await init()`) before using tessera");
    }
    throw new TesseraError("E_INIT", "tessera: expected init() to have completed before use, received a call before initialisation (import \"tessera-ml\" awaits it; \"tessera-ml/manual\" needs `await init()` or `initSync()`)");
  }
  return rt;
}

export function isInitialized(): boolean {
  return rt !== null;
}

/** The loaded runtime, or null (no error). */
export function loadedRuntime(): Runtime | null {
  return rt;
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
