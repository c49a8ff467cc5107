// The public API without initialisation on import: call `await init({ module })` first.
export * from "./api.js";
