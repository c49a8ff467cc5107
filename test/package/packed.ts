// Packs the built repository with `npm pack` and installs the tarball into a fresh project in a
// temporary folder, as a user would: the package tests import it from there by its name, so they
// see exactly the published files and exports map. Needs `npm run build` first (npm test does it).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const root = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
export const bin = (name: string) => join(root, "node_modules/.bin", name);

export interface PackedFile {
  path: string;
  size: number;
}

export interface Packed {
  /** The project the tarball is installed in (node_modules/tessera-ml). */
  app: string;
  tarball: string;
  /** Compressed and unpacked bytes, and the files, as npm pack reports them. */
  size: number;
  unpackedSize: number;
  files: PackedFile[];
  cleanup(): void;
}

export function isBuilt(): boolean {
  return existsSync(join(root, "dist/index.js")) && existsSync(join(root, "dist/cjs/index.cjs")) && existsSync(join(root, "build/simd.wasm"));
}

export function packAndInstall(label: string): Packed {
  const dir = mkdtempSync(join(tmpdir(), `tessera-${label}-`));
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const info = (JSON.parse(out) as { filename: string; size: number; unpackedSize: number; files: PackedFile[] }[])[0]!;
  const tarball = join(dir, info.filename);
  const app = join(dir, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module", dependencies: { "tessera-ml": `file:${tarball}` } }, null, 2));
  try {
    execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--no-package-lock"], { cwd: app, stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
  } catch {
    // What npm install does for a package without dependencies: unpack it and link its bin.
    const pkg = join(app, "node_modules/tessera-ml");
    mkdirSync(pkg, { recursive: true });
    execFileSync("tar", ["-xzf", tarball, "-C", pkg, "--strip-components=1"]);
    mkdirSync(join(app, "node_modules/.bin"), { recursive: true });
    symlinkSync("../tessera-ml/dist/cli/main.js", join(app, "node_modules/.bin/tessera-ml"));
  }
  return { app, tarball, size: info.size, unpackedSize: info.unpackedSize, files: info.files, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes files into the app (paths relative to it). */
export function writeApp(p: Packed, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    const f = join(p.app, name);
    mkdirSync(join(f, ".."), { recursive: true });
    writeFileSync(f, text);
  }
}

/** test/package/checks.mjs as an ES module and as CommonJS. */
export function checksSource(): { esm: string; cjs: string } {
  const esm = readFileSync(join(root, "test/package/checks.mjs"), "utf8");
  return { esm, cjs: esm.replace(/^export function (\w+)/gm, "module.exports.$1 = $1;\nfunction $1") };
}


/** A free TCP port on localhost. */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Polls url until it answers (a server starting up), then returns the response's text. */
export async function fetchWhenUp(url: string, timeoutMs: number, alive: () => string | null): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      return await r.text();
    } catch (e) {
      const dead = alive();
      if (dead !== null) throw new Error(`the server exited before answering: ${dead}`);
      if (Date.now() > end) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s: ${String(e)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
