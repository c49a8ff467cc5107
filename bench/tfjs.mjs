// The peer most benchmarks compare with: @tensorflow/tfjs-backend-wasm 4.22 on its SIMD binary, one
// thread (the multithreaded binary is switched off so every peer figure is single-threaded).
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import { setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

/** Initialises tfjs on the wasm backend with SIMD and returns tfjs-core; throws if it is not that. */
export async function tfjsWasm() {
  const require = createRequire(import.meta.url);
  setWasmPaths(join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), "/"));
  setThreadsCount(1);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  await tf.setBackend("wasm");
  await tf.ready();
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  if (tf.getBackend() !== "wasm" || !simd) throw new Error(`tfjs: expected the wasm backend with SIMD, got ${tf.getBackend()} simd=${simd}`);
  return tf;
}
