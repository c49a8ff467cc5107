// The CommonJS build of the API (bundled into dist/cjs/api.cjs by scripts/build-dist.mjs; it is
// `require("tessera-ml/manual")`, and dist/cjs/index.cjs requires it and initialises). CommonJS has
// no top-level await: Node's built-ins are handed over here, synchronously, so that the module can
// be read with fs.readFileSync and compiled with new WebAssembly.Module before require() returns.
import * as fs from "node:fs";
import * as os from "node:os";
import * as workerThreads from "node:worker_threads";
import { provideBuiltins } from "../runtime/platform.js";
import { loadPoolModulesSync } from "../runtime/pool.js";
export * from "../api.js";
export { autoInitSync as __autoInitSync } from "../runtime/wasm.js";
provideBuiltins({ fs, os, worker_threads: workerThreads });
loadPoolModulesSync();
