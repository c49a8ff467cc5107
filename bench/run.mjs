// `npm run bench [-- --json] [-- name…]`: runs every bench/*.bench.mjs in its own Node process
// (so each can pick its build and flags), in name order, passing --json through.
import { readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith("--"));
const files = readdirSync(new URL(".", import.meta.url))
  .filter((f) => f.endsWith(".bench.mjs"))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
let failed = 0;
for (const f of files) {
  if (!args.includes("--json")) console.log(`\n# ${f}`);
  const r = spawnSync(process.execPath, ["--experimental-wasm-relaxed-simd", new URL(f, import.meta.url).pathname, ...args],
    { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
