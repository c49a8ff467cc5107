import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    // Node 20 has relaxed SIMD only behind a flag; with it the relaxed builds are tested too.
    execArgv: ["--experimental-wasm-relaxed-simd"],
    testTimeout: 60_000,
  },
});
