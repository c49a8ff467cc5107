// The CPU backend: the WASM kernels of the loaded build, plus gemm with its scratch and threads.
import { runtime } from "../runtime/wasm.js";
import type { Backend, GemmArgs } from "./backend.js";
import { gemm } from "./matmul.js";

let cached: { exports: object; backend: Backend } | null = null;

export function cpuBackend(): Backend {
  const exports = runtime().exports;
  if (cached?.exports !== exports) cached = { exports, backend: { ...exports, gemm: (args: GemmArgs) => gemm(args) } as Backend };
  return cached.backend;
}
