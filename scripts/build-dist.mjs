// After `tsc`: makes dist/ fit for every consumer.
// 1. Declarations: typed arrays lose their TS 5.7+ type arguments (`Float32Array<ArrayBufferLike>`
//    is an error before TS 5.7), and files that name WebAssembly or WebGPU objects reference
//    dist/ambient.d.ts, empty interfaces that merge with the DOM lib / @webgpu/types where a
//    project has them and stand in for them where it has not (Node types without "DOM").
// 2. CommonJS: src/cjs/api.ts bundled by esbuild into dist/cjs/api.cjs, with index.cjs (initialises
//    synchronously) and manual.cjs beside it, with a .d.cts tree beside them for TypeScript's CommonJS resolution.
import { build } from "esbuild";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");

function files(dir, ext) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name), ext) : e.name.endsWith(ext) ? [join(dir, e.name)] : []);
}

const TYPED = /\b((?:Big)?(?:Int|Uint|Float)(?:8|16|32|64)(?:Clamped)?Array|ArrayBufferView|DataView)<[^<>]*>/g;
const gpuNames = new Set();
const wasmNames = new Set();
rmSync(join(dist, "cjs"), { recursive: true, force: true });
const declarations = files(dist, ".d.ts").filter((f) => !f.endsWith("ambient.d.ts"));
for (const f of declarations) {
  let s = readFileSync(f, "utf8").replace(TYPED, "$1")
    // a constant's long string literal type (the WGSL sources) says nothing a user needs
    .replace(/^(\s*(?:export declare const|readonly) [\w$]+)(?: =|:) "(?:[^"\\]|\\.){200,}"([;,]?)$/gm, "$1: string$2");
  const code = s.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ""); // names in comments need no declaration
  const gpu = code.match(/\bGPU[A-Z]\w*/g) ?? [];
  const wasm = code.match(/\bWebAssembly\.\w+/g) ?? [];
  gpu.forEach((n) => gpuNames.add(n));
  wasm.forEach((n) => wasmNames.add(n.slice("WebAssembly.".length)));
  if (gpu.length + wasm.length > 0 && !s.startsWith("/// <reference path")) {
    s = `/// <reference path="${relative(dirname(f), join(dist, "ambient.d.ts")).replace(/\\/g, "/")}" />\n${s}`;
  }
  writeFileSync(f, s);
}
writeFileSync(join(dist, "ambient.d.ts"), `// Stand-ins for the WebAssembly and WebGPU objects tessera's declarations name. Empty interfaces
// merge with the real ones (lib "DOM", @webgpu/types) where a project has them.
declare namespace WebAssembly {
${[...wasmNames].sort().map((n) => `  interface ${n} {}`).join("\n")}
}
${[...gpuNames].sort().map((n) => `interface ${n} {}`).join("\n")}
`);

// The .d.cts twin of every declaration, its relative imports pointing at .cjs (→ .d.cts).
for (const f of declarations) {
  const out = join(dist, "cjs", relative(dist, f)).replace(/\.d\.ts$/, ".d.cts");
  mkdirSync(dirname(out), { recursive: true });
  let s = readFileSync(f, "utf8")
    .replace(/((?:from|import)\s*\(?\s*["']\.{1,2}\/[^"']*?)\.js(["'])/g, "$1.cjs$2")
    .replace(/(<reference path=")([^"]+)(")/, (_, a, p, b) => `${a}${relative(dirname(out), join(dirname(f), p)).replace(/\\/g, "/")}${b}`);
  writeFileSync(out, s);
}

const banner = `const __tesseraUrl = require("node:url").pathToFileURL(__filename).href;`;
await build({
  entryPoints: { api: join(root, "src/cjs/api.ts") },
  outdir: join(dist, "cjs"),
  outExtension: { ".js": ".cjs" },
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // No source maps are shipped: dist/ is tsc's ES2022 output, close to the source already.
  banner: { js: banner },
  define: { "import.meta.url": "__tesseraUrl" },
  logLevel: "warning",
});
// require("tessera-ml"): the API, initialised before require() returns (a failed load is reported
// by the first call, as with the ESM entry, so setWasmPaths() + initSync() can still follow).
writeFileSync(join(dist, "cjs/index.cjs"), `"use strict";
const api = require("./api.cjs");
api.__autoInitSync();
module.exports = api;
`);
writeFileSync(join(dist, "cjs/manual.cjs"), `"use strict";\nmodule.exports = require("./api.cjs");\n`);
console.log(`dist: ${declarations.length} declarations fixed (${[...gpuNames, ...[...wasmNames].map((n) => `WebAssembly.${n}`)].join(", ")} in ambient.d.ts), CommonJS entries in dist/cjs/`);
