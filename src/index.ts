// `import "tessera"`: the public API, initialised on import (picks and loads the best build).
// Use "tessera/manual" to call init() yourself (e.g. Cloudflare workerd with a static .wasm import).
import { init } from "./runtime/wasm.js";
export * from "./api.js";
await init();
