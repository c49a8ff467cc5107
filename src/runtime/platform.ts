// Node built-ins (fs, os, worker_threads) without a static `node:` import, so that a browser bundle
// of tessera needs none: process.getBuiltinModule where the runtime has it (Node ≥ 20.16, Bun,
// Deno 2), modules handed over by the CommonJS entry (which may import them statically), else a
// dynamic import whose specifier is a variable — esbuild, Rollup/Vite, Bun and webpack leave such an
// import alone, and it only runs where process.versions.node says Node's modules exist.

type BuiltinName = "fs" | "os" | "worker_threads";

const provided = new Map<BuiltinName, unknown>();

/** Node, Deno and Bun (all of which serve `node:` modules); false in browsers and plain workerd. */
export function isNodeLike(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === "string";
}

/** Used by the CommonJS entry, which can `require` the built-ins synchronously on any Node ≥ 20. */
export function provideBuiltins(mods: Partial<Record<BuiltinName, unknown>>): void {
  for (const [k, v] of Object.entries(mods)) provided.set(k as BuiltinName, v);
}

/** A built-in now, or null when it cannot be had synchronously (then use `builtin`). */
export function builtinSync<T>(name: BuiltinName): T | null {
  if (provided.has(name)) return provided.get(name) as T;
  if (!isNodeLike()) return null;
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (typeof get !== "function") return null;
  try {
    const mod = get(`node:${name}`);
    if (mod) provided.set(name, mod);
    return (mod as T) ?? null;
  } catch {
    return null;
  }
}

/** A built-in, or null where the runtime has none (browsers, workerd). */
export async function builtin<T>(name: BuiltinName): Promise<T | null> {
  const now = builtinSync<T>(name);
  if (now !== null || !isNodeLike()) return now;
  const id = `node:${name}`;
  try {
    const mod = await import(/* webpackIgnore: true */ /* @vite-ignore */ id);
    provided.set(name, mod);
    return mod as T;
  } catch {
    return null;
  }
}

/**
 * An optional package only Node-like runtimes may have (the `webgpu` Dawn binding). The specifier
 * is a parameter so that no bundler folds it into a literal and tries to resolve it for a page.
 */
export function importOptional<T>(id: string): Promise<T> {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ id) as Promise<T>;
}
