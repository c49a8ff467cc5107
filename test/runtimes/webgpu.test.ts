// The op suites (test/ops) on the webgpu and auto devices, a GPT-like training step and the error
// handling of the webgpu device: Deno, whose navigator.gpu finds Mesa's lavapipe (installed by
// scripts/ensure-system-deps.mjs during npm test), runs test/runtimes/webgpu-suite.ts with the
// suites' vitest calls mapped to a small shim.
// Without an adapter (no Vulkan driver, not Linux, no Deno) the suite is reported skipped with the
// reason, never silently passed. Reads the TypeScript sources directly (no build needed).
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";

const root = new URL("../../", import.meta.url).pathname;
const deno = `${root}node_modules/.bin/deno`;

interface SuiteResult {
  ran: boolean;
  reason?: string;
  adapter?: string;
  passed?: number;
  failed?: number;
  skipped?: number;
  seconds?: number;
  failures?: { name: string; error: string }[];
}

function runDeno(): Promise<SuiteResult> {
  if (!existsSync(deno)) return Promise.resolve({ ran: false, reason: "Deno is not installed (node_modules/.bin/deno)" });
  return new Promise((resolve) => {
    const child = spawn(deno, ["run", "-A", "--unstable-sloppy-imports", "--import-map", "test/runtimes/deno-importmap.json", "test/runtimes/webgpu-suite.ts"], {
      cwd: root,
      env: { ...process.env, TESSERA_TEST_DEVICES: "webgpu,auto", NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "", err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 1_500_000);
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      clearTimeout(timer);
      const last = out.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(last) as SuiteResult);
      } catch {
        resolve({ ran: true, failed: 1, passed: 0, failures: [{ name: "deno run", error: `exit ${code}: ${(err || out).slice(-3000)}` }] });
      }
    });
  });
}

const result = await runDeno();

if (!result.ran) {
  console.warn(`webgpu suite skipped: ${result.reason}`);
  describe("webgpu device (Deno + a WebGPU adapter)", () => {
    it.skip(`skipped: ${result.reason}`, () => {});
  });
} else {
  describe(`webgpu device on ${result.adapter} (Deno)`, () => {
    it(`every test/ops suite and the GPT-like training step pass (${result.passed} passed, ${result.failed} failed in ${result.seconds?.toFixed(0)} s)`, () => {
      expect(result.failures?.map((f) => `${f.name}: ${f.error}`)).toEqual([]);
      expect(result.passed).toBeGreaterThan(200);
    });
  });
}
