// Allocator for WASM linear memory. Blocks are 64-byte aligned (cache line, SIMD friendly) and come
// in size classes — exact multiples of 64 B up to 1 KiB, then four classes per power of two, so the
// waste is at most 25 % — each with a free list; a miss bumps the top and grows memory if needed.
// Freed blocks are reused by later allocations of the same class (tensor sizes repeat every step).
import { TesseraError } from "../errors.js";

const ALIGN = 64;
const PAGE = 65536;

export function sizeClass(nBytes: number): number {
  const n = Math.max(ALIGN, Math.ceil(nBytes / ALIGN) * ALIGN);
  if (n <= 1024) return n;
  const step = 2 ** (Math.floor(Math.log2(n - 1)) - 2); // a quarter of the power of two below n
  return Math.ceil(n / step) * step;
}

export class Arena {
  private top: number;
  private readonly free = new Map<number, number[]>();
  private readonly sizes = new Map<number, number>();
  liveBytes = 0;
  liveBlocks = 0;

  constructor(private readonly memory: WebAssembly.Memory, heapBase: number, private readonly maxPages: number) {
    this.top = Math.ceil(heapBase / ALIGN) * ALIGN;
  }

  alloc(nBytes: number): number {
    const size = sizeClass(nBytes);
    const list = this.free.get(size);
    let ptr = list && list.length > 0 ? list.pop()! : 0;
    if (ptr === 0) {
      ptr = this.top;
      const end = ptr + size;
      const have = this.memory.buffer.byteLength;
      if (end > have) {
        const pages = Math.ceil((end - have) / PAGE);
        const current = have / PAGE;
        if (current + pages > this.maxPages) {
          throw new TesseraError("E_OOM", `allocation of ${nBytes} bytes: expected at most ` +
            `${this.maxPages * PAGE - this.top} bytes of free WASM memory, received a request that exceeds it`);
        }
        try {
          this.memory.grow(pages);
        } catch (e) {
          throw new TesseraError("E_OOM", `allocation of ${nBytes} bytes: memory.grow(${pages} pages) failed: ${String(e)}`);
        }
      }
      this.top = end;
    }
    this.sizes.set(ptr, size);
    this.liveBytes += size;
    this.liveBlocks++;
    return ptr;
  }

  release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new TesseraError("E_STATE", `free(${ptr}): expected a live block, received an unknown pointer`);
    this.sizes.delete(ptr);
    this.liveBytes -= size;
    this.liveBlocks--;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(ptr);
  }

  /** Bytes reserved from the WASM memory so far (live + cached free blocks). */
  get reservedBytes(): number {
    return this.top;
  }
}
