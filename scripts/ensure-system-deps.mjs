// Installs what the test run needs from the system, where it can:
// - a Vulkan driver for WebGPU (Mesa's lavapipe, a software rasteriser, from `mesa-vulkan-drivers`),
//   so Deno's navigator.gpu finds an adapter and test/runtimes/webgpu.test.ts can run the op suites
//   on the GPU path;
// - Debian's `chromium`, the headless browser test/package/browser.test.ts drives (playwright-core).
// Only on Linux, only as root with apt-get; otherwise it says what is missing and the suites that
// need it report themselves skipped with the reason. Never fails the run.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

const ICD_DIR = "/usr/share/vulkan/icd.d";

const needs = [
  { pkg: "mesa-vulkan-drivers", what: "lavapipe, a Vulkan driver for the WebGPU tests", present: () => existsSync(ICD_DIR) && readdirSync(ICD_DIR).some((f) => f.startsWith("lvp_icd")) },
  { pkg: "chromium", what: "headless Chromium for the browser tests", present: () => existsSync("/usr/bin/chromium") },
];

function install(pkg) {
  const run = () => execFileSync("apt-get", ["install", "-y", "--no-install-recommends", pkg], { stdio: "inherit", timeout: 900_000, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  try {
    run();
  } catch {
    execFileSync("apt-get", ["update"], { stdio: "inherit", timeout: 600_000 });
    run();
  }
}

function main() {
  if (process.platform !== "linux") return console.log(`system deps: ${process.platform}: WebGPU and the browser tests use what the system has; nothing to install`);
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const apt = existsSync("/usr/bin/apt-get");
  for (const n of needs) {
    if (n.present()) {
      console.log(`system deps: ${n.pkg} present`);
      continue;
    }
    if (!root || !apt) {
      console.log(`system deps: ${n.pkg} (${n.what}) missing and ${!apt ? "no apt-get" : "not root"}: run \`apt-get install -y ${n.pkg}\`; its suite reports itself skipped`);
      continue;
    }
    console.log(`system deps: installing ${n.pkg} (${n.what}) …`);
    try {
      install(n.pkg);
      console.log(`system deps: ${n.pkg} ${n.present() ? "installed" : "still missing after the install"}`);
    } catch (e) {
      console.log(`system deps: apt-get could not install ${n.pkg} (${String(e).split("\n")[0]}); its suite reports itself skipped`);
    }
  }
}

main();
