// The public API without initialisation on import: call `await init()` (or `initSync({ module })`)
// first — with `{ module }` where the runtime forbids compiling WebAssembly from bytes.
export * from "./api.js";
