// `node bench/run.mjs package [-- --json]`: what a user downloads and installs. tessera-ml's
// `npm pack` tarball (compressed and unpacked, all four builds, ESM + CommonJS + declarations + CLI)
// beside the installed size of its peers for the same job in a browser or Node without Python:
// tfjs-core + tfjs-backend-wasm, and onnxruntime-web — as they sit in node_modules here.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const json = process.argv.includes("--json");

function bytesUnder(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += bytesUnder(p);
    else if (e.isFile()) n += statSync(p).size;
  }
  return n;
}

const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }))[0];
const figures = [
  { case: "tarball (gzip)", impl: "tessera-ml", value: packed.size },
  { case: "installed", impl: "tessera-ml", value: packed.unpackedSize },
];
const peers = { "tfjs-core + tfjs-backend-wasm": ["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-wasm"], "onnxruntime-web": ["onnxruntime-web", "onnxruntime-common"] };
for (const [name, dirs] of Object.entries(peers)) {
  const paths = dirs.map((d) => join(root, "node_modules", d));
  if (paths.every(existsSync)) figures.push({ case: "installed", impl: name, value: paths.reduce((n, p) => n + bytesUnder(p), 0) });
}

const ours = packed.unpackedSize;
for (const f of figures) {
  if (json) console.log(JSON.stringify({ bench: "package", case: f.case, impl: f.impl, value: f.value, unit: "bytes" }));
  else console.log(`${`${f.impl}, ${f.case}`.padEnd(48)} ${(f.value / 1e6).toFixed(2).padStart(8)} MB${f.case === "installed" && f.impl !== "tessera-ml" ? `  (${(f.value / ours).toFixed(0)}× tessera-ml)` : ""}`);
}
