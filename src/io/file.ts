// Files on disk for runtimes that have node:fs (Node, Deno, Bun). The module is imported only when
// a path is used, through a specifier bundlers leave alone, so tessera still loads in browsers and
// workers (which pass bytes or callbacks instead of paths).
import { TesseraError, fail } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import type { StateDict } from "../nn/module.js";
import { loadSafetensors, saveSafetensors, type LoadSafetensorsOptions, type SafetensorsContents } from "./safetensors.js";

interface NodeFs {
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  mkdir(path: string, options: { recursive: boolean }): Promise<unknown>;
}

const FS_MODULE = "node:fs/promises";

async function nodeFs(fn: string): Promise<NodeFs> {
  try {
    return (await import(/* @vite-ignore */ FS_MODULE)) as NodeFs;
  } catch {
    throw new TesseraError("E_DEVICE", `${fn}: expected a runtime with node:fs (Node, Deno, Bun) to use a file path, received none; pass bytes or a callback instead`);
  }
}

function checkPath(fn: string, path: unknown): string {
  if (typeof path !== "string" || path === "") fail("E_TYPE", `${fn}: path`, "a non-empty file path", path);
  return path;
}

/** Writes bytes to path through a temporary file and a rename, so a crash never leaves half a file. */
export async function writeFileAtomic(fn: string, path: string, bytes: Uint8Array): Promise<void> {
  const fs = await nodeFs(fn);
  const tmp = `${checkPath(fn, path)}.tmp-${Date.now().toString(36)}`;
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, path);
}

export async function readFileBytes(fn: string, path: string): Promise<Uint8Array> {
  const fs = await nodeFs(fn);
  return fs.readFile(checkPath(fn, path));
}

/** saveSafetensors to a file (Node, Deno, Bun). */
export async function saveSafetensorsFile(path: string, tensors: StateDict | Map<string, Tensor>, metadata?: Record<string, string> | null): Promise<void> {
  checkPath("saveSafetensorsFile", path);
  await writeFileAtomic("saveSafetensorsFile", path, saveSafetensors(tensors, metadata));
}

/** loadSafetensors from a file (Node, Deno, Bun). */
export async function loadSafetensorsFile(path: string, options?: LoadSafetensorsOptions): Promise<SafetensorsContents> {
  return loadSafetensors(await readFileBytes("loadSafetensorsFile", path), options);
}

/** Creates a directory and its parents when missing (mkdir -p). */
export async function makeDirectory(fn: string, path: string): Promise<void> {
  const fs = await nodeFs(fn);
  await fs.mkdir(checkPath(fn, path), { recursive: true });
}
