// `npm start` on a fresh clone: install the dev toolchain (compiler, peers) if it is missing.
import { existsSync } from "node:fs";
import { execSync } from "node:child_process";

if (!existsSync(new URL("../node_modules/assemblyscript/package.json", import.meta.url))) {
  console.log("Installing dependencies (npm ci)…");
  execSync("npm ci --no-audit --no-fund", { stdio: "inherit", cwd: new URL("..", import.meta.url) });
}
