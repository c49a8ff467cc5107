// What the loader chose and what memory is in use.
import { runtime, type BuildName } from "./wasm.js";
import { threadsInUse, threadsReason } from "./pool.js";
import { webGpuStatus } from "./webgpu.js";

export interface Info {
  simd: boolean;
  relaxedSimd: boolean;
  threads: boolean;
  /** True once initWebGpu() obtained an adapter and a device (not merely because navigator.gpu exists). */
  webgpu: boolean;
  build: BuildName;
  /** Threads a large job really gets: the caller plus the pool workers that started. */
  threadsInUse: number;
  /** Why threadsInUse is below the thread setting (no shared memory, not cross-origin isolated,
   * no Worker in this runtime, workers refused by a Content-Security-Policy), or null. */
  threadsReason: string | null;
}

export function info(): Info {
  const rt = runtime();
  return { ...rt.features, webgpu: webGpuStatus().available, build: rt.build, threadsInUse: threadsInUse(rt), threadsReason: threadsReason(rt) };
}

export interface MemoryInfo {
  /** Live WASM blocks (tensors and scratch) and their bytes. */
  numBlocks: number;
  numBytes: number;
  /** Bytes of WASM linear memory the allocator has taken (live + free: all of it above the heap
   * base) and the memory's current size. */
  reservedBytes: number;
  wasmBytes: number;
  /** Bytes in free blocks, reusable without growing the memory (reservedBytes − numBytes). */
  freeBytes: number;
  /** The largest free block: the biggest tensor that fits without growing the memory. When it is
   * much smaller than freeBytes, live blocks are scattered through the free space. */
  largestFreeBlock: number;
}

export function memory(): MemoryInfo {
  const rt = runtime();
  return {
    numBlocks: rt.arena.liveBlocks,
    numBytes: rt.arena.liveBytes,
    reservedBytes: rt.arena.reservedBytes,
    wasmBytes: rt.memory.buffer.byteLength,
    freeBytes: rt.arena.freeBytes,
    largestFreeBlock: rt.arena.largestFreeBlock,
  };
}
