// Installs what the test run needs from the system, where it can: a Vulkan driver for WebGPU
// (Mesa's lavapipe, a software rasteriser, from `mesa-vulkan-drivers`), so Deno's navigator.gpu finds
// an adapter and test/runtimes/webgpu.test.ts can run the op suites on the GPU path. Only on Linux,
// only as root with apt-get; otherwise it says what is missing and the WebGPU suite reports itself
// skipped with the reason. Never fails the run.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

const ICD_DIR = "/usr/share/vulkan/icd.d";

function hasLavapipe() {
  return existsSync(ICD_DIR) && readdirSync(ICD_DIR).some((f) => f.startsWith("lvp_icd"));
}

function main() {
  if (process.platform !== "linux") return console.log(`system deps: ${process.platform}: WebGPU uses the system's own driver; nothing to install`);
  if (hasLavapipe()) return console.log("system deps: lavapipe (mesa-vulkan-drivers) present");
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const apt = existsSync("/usr/bin/apt-get");
  if (!root || !apt) {
    return console.log(`system deps: no Vulkan driver for WebGPU and ${!apt ? "no apt-get" : "not root"}: run \`apt-get install -y mesa-vulkan-drivers\` to test the webgpu device`);
  }
  console.log("system deps: installing mesa-vulkan-drivers (lavapipe) for the WebGPU tests …");
  const install = () => execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "mesa-vulkan-drivers"], { stdio: "inherit", timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  try {
    install();
  } catch {
    try {
      execFileSync("apt-get", ["update"], { stdio: "inherit", timeout: 600_000 });
      install();
    } catch (e) {
      return console.log(`system deps: apt-get could not install mesa-vulkan-drivers (${String(e).split("\n")[0]}); the WebGPU suite will report itself skipped`);
    }
  }
  console.log(`system deps: lavapipe ${hasLavapipe() ? "installed" : "still missing after the install"}`);
}

main();
