// `npm start` on a fresh clone: install the dev toolchain (compiler, peers) if it is missing.
// Falls back from `npm ci` to `npm install` for the reason given in .ci/run.
import { existsSync } from "node:fs";
import { execSync } from "node:child_process";

if (!existsSync(new URL("../node_modules/assemblyscript/package.json", import.meta.url))) {
  console.log("Installing dependencies…");
  const cwd = new URL("..", import.meta.url);
  try {
    execSync("npm ci --no-audit --no-fund", { stdio: "inherit", cwd });
  } catch {
    execSync("npm install --no-audit --no-fund", { stdio: "inherit", cwd });
  }
}
