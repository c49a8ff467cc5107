// The built package inside Cloudflare's workerd (npm `workerd`), which forbids compiling WASM from
// bytes: the worker imports build/simd.wasm statically and calls init({ module }).
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync, mkdtempSync, cpSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { tmpdir } from "node:os";

const root = new URL("../../", import.meta.url).pathname;
const workerd = join(root, "node_modules/.bin/workerd");

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith(".js") ? [join(dir, e.name)] : []);
}

describe.skipIf(!existsSync(join(root, "dist/manual.js")) || !existsSync(workerd))("workerd", () => {
  it("runs a training step with a statically imported module", () => {
    // workerd resolves module names relative to each other, so lay the worker out beside dist/ and build/.
    const dir = mkdtempSync(join(tmpdir(), "tessera-workerd-"));
    try {
      cpSync(join(root, "dist"), join(dir, "dist"), { recursive: true });
      cpSync(join(root, "build/simd.wasm"), join(dir, "build/simd.wasm"));
      cpSync(join(root, "test/runtimes/workerd-worker.mjs"), join(dir, "worker.mjs"));
      const modules = [
        `(name = "worker.mjs", esModule = embed "worker.mjs")`,
        ...jsFiles(join(dir, "dist")).map((f) => `(name = "${relative(dir, f)}", esModule = embed "${relative(dir, f)}")`),
        `(name = "build/simd.wasm", wasm = embed "build/simd.wasm")`,
      ];
      writeFileSync(join(dir, "config.capnp"), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (services = [(name = "main", worker = .worker)]);
const worker :Workerd.Worker = (
  modules = [${modules.join(",\n    ")}],
  compatibilityDate = "2025-01-01",
);
`);
      const out = execFileSync(workerd, ["test", join(dir, "config.capnp")], { encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "pipe"] });
      expect(out + "").toMatch(/PASS|passed|tessera on workerd/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
