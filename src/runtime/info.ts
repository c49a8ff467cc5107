// What the loader chose and what memory is in use.
import { runtime, type BuildName } from "./wasm.js";
import { threadsInUse } from "./pool.js";

export interface Info {
  simd: boolean;
  relaxedSimd: boolean;
  threads: boolean;
  webgpu: boolean;
  build: BuildName;
  threadsInUse: number;
}

export function info(): Info {
  const rt = runtime();
  return { ...rt.features, build: rt.build, threadsInUse: threadsInUse() };
}

export interface MemoryInfo {
  /** Live WASM blocks (tensors and scratch) and their bytes. */
  numBlocks: number;
  numBytes: number;
  /** Bytes of WASM linear memory reserved (live + free lists) and the memory's current size. */
  reservedBytes: number;
  wasmBytes: number;
}

export function memory(): MemoryInfo {
  const rt = runtime();
  return {
    numBlocks: rt.arena.liveBlocks,
    numBytes: rt.arena.liveBytes,
    reservedBytes: rt.arena.reservedBytes,
    wasmBytes: rt.memory.buffer.byteLength,
  };
}
