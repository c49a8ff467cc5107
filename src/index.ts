// `import "tessera-ml"`: the public API, initialised on import (picks and loads the best build).
// A failed load (a bundler moved the .wasm files) does not fail the import: the first call says so,
// and `await init({ wasmPaths })` can still load it. "tessera-ml/manual" leaves init() to you.
import { autoInit } from "./runtime/wasm.js";
export * from "./api.js";
await autoInit();
