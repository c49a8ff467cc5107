// The entry for Cloudflare workerd (export conditions "workerd" and "worker"): workerd compiles
// WebAssembly only from modules imported statically, so the builds are imports here and the
// runtime starts synchronously on import. workerd has no shared-memory workers: simd or relaxed.
import simd from "../build/simd.wasm";
import relaxed from "../build/relaxed.wasm";
import { hasRelaxedSimd } from "./runtime/features.js";
import { autoInitSync } from "./runtime/wasm.js";
export * from "./api.js";
autoInitSync({ module: hasRelaxedSimd() ? relaxed : simd });
