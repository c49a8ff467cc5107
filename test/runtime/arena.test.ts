// The WASM-memory allocator (src/runtime/arena.ts) on a bare WebAssembly.Memory, no kernels loaded:
// size validation (fuzzing found NaN sizes aliasing tensors), splitting and coalescing (fuzzing found
// freed memory stranded in size classes), the E_OOM and E_STATE messages, and a seeded alloc/free
// fuzz checked step by step against a model of the live blocks kept here.
import { describe, expect, it } from "vitest";
import { Arena } from "../../src/runtime/arena.js";
import { TesseraError } from "../../src/errors.js";

const PAGE = 65536;
const KiB = 1024, MiB = 1024 * 1024;

function makeArena(maxPages: number, { initial = 1, heapBase = 1000, shared = false } = {}) {
  const memory = new WebAssembly.Memory({ initial, maximum: maxPages, shared });
  return { memory, arena: new Arena(memory, heapBase, maxPages) };
}

function errorOf(fn: () => unknown): TesseraError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TesseraError) return e;
    throw e;
  }
  throw new Error("expected a TesseraError, nothing was thrown");
}

/** mulberry32: a small seeded generator, so a failing fuzz case can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const roundUp64 = (n: number) => Math.max(64, Math.ceil(n / 64) * 64);

describe("arena: sizes", () => {
  it.each([NaN, -1, 1.5, Infinity, -Infinity, "8", undefined, null])("rejects alloc(%s) with E_VALUE and keeps working", (bad) => {
    const { arena } = makeArena(16);
    const a = arena.alloc(100);
    const e = errorOf(() => arena.alloc(bad as number));
    expect(e.code).toBe("E_VALUE");
    expect(e.message).toMatch(/^alloc\(nBytes\): expected a finite non-negative integer, received /);
    expect(arena.liveBlocks).toBe(1);
    // Before the fix alloc(NaN) set the top to NaN and every later fresh block got address 0.
    const b = arena.alloc(100), c = arena.alloc(100);
    expect(new Set([a, b, c]).size).toBe(3);
    for (const p of [a, b, c]) expect(p).toBeGreaterThanOrEqual(1000);
  });

  it("names the received value in the message", () => {
    const { arena } = makeArena(16);
    expect(errorOf(() => arena.alloc(NaN)).message).toMatch(/received NaN$/);
    expect(errorOf(() => arena.alloc("8" as never)).message).toMatch(/received "8"$/);
    expect(errorOf(() => arena.alloc(-1)).message).toMatch(/received -1$/);
  });

  it("gives 0-byte allocations distinct 64-byte blocks", () => {
    const { arena } = makeArena(16);
    const ptrs = [arena.alloc(0), arena.alloc(0), arena.alloc(0)];
    expect(new Set(ptrs).size).toBe(3);
    for (const p of ptrs) expect(p % 64).toBe(0);
    expect(arena.liveBytes).toBe(3 * 64);
    for (const p of ptrs) arena.release(p);
    expect(arena.liveBlocks).toBe(0);
  });

  it("rounds blocks to 64 bytes only, not to size classes", () => {
    const { arena } = makeArena(1024);
    for (const n of [1, 63, 64, 65, 1000, 1025, 4097, 100_000, 12_345_678]) {
      const p = arena.alloc(n);
      expect(p % 64).toBe(0);
      expect(arena.liveBytes).toBe(roundUp64(n));
      arena.release(p);
    }
  });

  it("reports sizes beyond the maximum (2^53, 1e300) as E_OOM", () => {
    const { arena } = makeArena(16);
    expect(errorOf(() => arena.alloc(2 ** 53)).code).toBe("E_OOM");
    expect(errorOf(() => arena.alloc(1e300)).code).toBe("E_OOM");
    expect(arena.alloc(64) % 64).toBe(0);
  });
});

describe("arena: splitting and coalescing", () => {
  // The two fuzzing scenarios at full size (2 GiB maximum) and scaled down by 1024 (2 MiB maximum).
  it.each([[MiB, "MB"], [KiB, "KB"]])("after freeing 31 × 64 units, a 100-unit allocation fits (unit 1 %s)", (unit) => {
    const { memory, arena } = makeArena(2048 * unit / PAGE);
    const blocks = Array.from({ length: 31 }, () => arena.alloc(64 * unit));
    const reserved = arena.reservedBytes;
    for (const p of blocks) arena.release(p);
    expect(arena.liveBytes).toBe(0);
    expect(arena.freeBytes).toBe(reserved);
    expect(arena.largestFreeBlock).toBe(reserved);
    const big = arena.alloc(100 * unit);
    expect(big).toBe(blocks[0]);
    expect(arena.reservedBytes).toBe(reserved);
    expect(memory.buffer.byteLength).toBe(reserved + 1024);
  });

  it.each([[MiB, "MB"], [KiB, "KB"]])("after freeing 12 × 100 units, all 12 × 70 units fit without growing (unit 1 %s)", (unit) => {
    const { arena } = makeArena(2048 * unit / PAGE);
    const hundreds = Array.from({ length: 12 }, () => arena.alloc(100 * unit));
    const reserved = arena.reservedBytes;
    for (const p of hundreds) arena.release(p);
    const seventies = Array.from({ length: 12 }, () => arena.alloc(70 * unit));
    expect(arena.reservedBytes).toBe(reserved);
    expect(seventies[0]).toBe(hundreds[0]);
    expect(arena.liveBytes).toBe(12 * 70 * unit);
    expect(arena.freeBytes).toBe(reserved - 12 * 70 * unit);
  });

  it("merges a freed block with both free neighbours", () => {
    const { arena } = makeArena(64);
    const [a, b, c, d] = [arena.alloc(1000), arena.alloc(2000), arena.alloc(3000), arena.alloc(64)];
    arena.release(a);
    arena.release(c);
    expect(arena.blocks().filter((x) => x.free).length).toBe(3); // a, c and the top
    arena.release(b);
    const free = arena.blocks().filter((x) => x.free);
    expect(free.length).toBe(2);
    expect(free[0]).toEqual({ ptr: a, nBytes: 1024 + 2048 + 3008, free: true });
    expect(arena.alloc(6080)).toBe(a);
    arena.release(d);
  });

  it("grows memory only by what the free block at the top lacks", () => {
    const { memory, arena } = makeArena(256, { initial: 2, heapBase: 0 });
    const a = arena.alloc(100 * KiB); // 28 KiB stay free at the top of the two pages
    expect(memory.buffer.byteLength).toBe(2 * PAGE);
    arena.alloc(28 * KiB + 64 * KiB); // the top 28 KiB plus exactly one new page
    expect(memory.buffer.byteLength).toBe(3 * PAGE);
    expect(arena.freeBytes).toBe(0);
    arena.release(a);
    expect(arena.largestFreeBlock).toBe(100 * KiB);
  });

  it("hands a freed block back to the next request of the same size (training steps repeat sizes)", () => {
    const { arena } = makeArena(1024);
    const sizes = [4 * 512 * 512, 16, 4 * 512, 4 * 512 * 512, 4, 4 * 512 * 2048, 3000, 4 * 512 * 512];
    const steps: number[][] = [];
    let reserved = 0;
    for (let step = 0; step < 5; step++) {
      const ptrs = sizes.map((n) => arena.alloc(n));
      steps.push(ptrs);
      for (const p of ptrs.slice().reverse()) arena.release(p);
      if (step === 0) reserved = arena.reservedBytes;
    }
    for (const ptrs of steps) expect(ptrs).toEqual(steps[0]);
    expect(arena.reservedBytes).toBe(reserved);
    // A freed block between live ones is reused as it is.
    const [x, y, z] = [arena.alloc(5000), arena.alloc(7000), arena.alloc(5000)];
    arena.release(y);
    expect(arena.alloc(7000)).toBe(y);
    for (const p of [x, y, z]) arena.release(p);
  });

  it("works over a shared memory (threads builds) and across growth", () => {
    const { memory, arena } = makeArena(256, { shared: true });
    const a = arena.alloc(10);
    new Uint8Array(memory.buffer, a, 10).fill(7);
    const b = arena.alloc(4 * MiB);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(4 * MiB);
    expect(new Uint8Array(memory.buffer, a, 10).every((v) => v === 7)).toBe(true);
    arena.release(b);
    expect(arena.alloc(4 * MiB)).toBe(b);
  });
});

describe("arena: errors", () => {
  it("reports E_OOM with live bytes, free bytes, the largest free block and the maximum", () => {
    // 16 pages (1 MiB), heap from 1024: three 256 KiB blocks, the middle one freed.
    const { memory, arena } = makeArena(16, { heapBase: 1024 });
    const [, mid] = [arena.alloc(256 * KiB), arena.alloc(256 * KiB), arena.alloc(256 * KiB)];
    arena.release(mid);
    const topFree = memory.buffer.byteLength - 1024 - 768 * KiB;
    const growable = 16 * PAGE - memory.buffer.byteLength;
    expect(topFree + growable).toBe(255 * KiB);
    const e = errorOf(() => arena.alloc(600 * KiB));
    expect(e.code).toBe("E_OOM");
    expect(e.message).toBe(`allocation of ${600 * KiB} bytes: expected at most ${256 * KiB} bytes ` +
      `(live ${512 * KiB}, free ${256 * KiB + topFree} in blocks of at most ${256 * KiB}, maximum ${16 * PAGE})`);
    // The biggest request the message promises does fit.
    expect(arena.alloc(256 * KiB)).toBe(mid);
    expect(arena.alloc(255 * KiB) % 64).toBe(0);
    expect(arena.liveBlocks).toBe(4);
  });

  it("reports E_OOM when the memory itself refuses to grow below maxPages", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const arena = new Arena(memory, 0, 64);
    const e = errorOf(() => arena.alloc(8 * PAGE));
    expect(e.code).toBe("E_OOM");
    expect(e.message).toMatch(/^allocation of 524288 bytes: expected memory\.grow\(7 pages\) to succeed, received .*\(live 0, free 65536 in blocks of at most 65536, maximum 4194304\)$/);
    expect(arena.alloc(PAGE)).toBe(0);
  });

  it("before E_OOM, finds a fitting block the good-fit search skips in the request's own range", () => {
    // One page, all of it in blocks: free ones of 101 and 100 units (same list, 100 freed last, so
    // it heads the list); a 101-unit request finds nothing above that list and cannot grow.
    const { arena } = makeArena(1, { heapBase: 0 });
    const a = arena.alloc(101 * 64);
    arena.alloc(64);
    const b = arena.alloc(100 * 64);
    arena.alloc(64);
    arena.alloc(PAGE - 203 * 64);
    arena.release(a);
    arena.release(b);
    expect(arena.alloc(101 * 64)).toBe(a);
    expect(errorOf(() => arena.alloc(101 * 64)).code).toBe("E_OOM");
  });

  it.each([12345, 64, 128 + 0.5, -64, NaN, "128", undefined])("rejects release(%s) of an unknown pointer with E_STATE", (bad) => {
    const { arena } = makeArena(16, { heapBase: 0 });
    expect([arena.alloc(64), arena.alloc(64), arena.alloc(64)]).toEqual([0, 64, 128]);
    arena.release(64); // 64 is now a double release; 128.5 and "128" are not the live block at 128
    const e = errorOf(() => arena.release(bad as number));
    expect(e.code).toBe("E_STATE");
    expect(e.message).toMatch(/^release\(ptr\): expected the address of a live block, received .*, which is unknown or already released$/);
    expect(arena.liveBlocks).toBe(2);
  });

  it("rejects a double release with E_STATE and leaves the books intact", () => {
    const { arena } = makeArena(16);
    const a = arena.alloc(1000), b = arena.alloc(1000);
    arena.release(a);
    expect(errorOf(() => arena.release(a)).code).toBe("E_STATE");
    expect(arena.liveBlocks).toBe(1);
    expect(arena.liveBytes).toBe(1024);
    const c = arena.alloc(1000), d = arena.alloc(1000);
    expect(new Set([b, c, d]).size).toBe(3);
  });
});

describe("arena: seeded fuzz against a model of the live blocks", () => {
  // Sizes 0 .. 4 MiB skewed to small ones (most ops in a training step touch small tensors).
  function randomSize(r: () => number): number {
    const u = r();
    if (u < 0.55) return Math.floor(r() * 257);
    if (u < 0.85) return Math.floor(r() * 64 * KiB);
    if (u < 0.97) return Math.floor(r() * MiB);
    return Math.floor(r() * 4 * MiB);
  }

  // Plain checks in the per-step loop: expect() per block would dominate the run time.
  function check(ok: boolean, what: string): void {
    if (!ok) throw new Error(what);
  }

  function fuzz(seed: number, steps: number): void {
    const r = rng(seed);
    const maxPages = 1536, heapBase = 1000, base = 1024; // 96 MiB: seeds 1 and 2 run out of memory
    const { memory, arena } = makeArena(maxPages, { heapBase });
    // The model: live blocks by address (request rounded up to 64) and their addresses in order.
    const live = new Map<number, number>();
    const order: number[] = [];
    let liveBytes = 0;
    const indexOf = (p: number) => {
      let lo = 0, hi = order.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (order[mid] < p) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    // The free blocks the model implies: the holes between live blocks, each of which the arena must
    // hold as one merged block.
    const holes = () => {
      const out: { ptr: number; nBytes: number }[] = [];
      let at = base;
      for (const p of order) {
        if (p > at) out.push({ ptr: at, nBytes: p - at });
        at = p + live.get(p)!;
      }
      const end = memory.buffer.byteLength;
      if (end > at) out.push({ ptr: at, nBytes: end - at });
      return out;
    };
    const fullCheck = (step: number) => {
      const blocks = arena.blocks(), model = holes();
      let at = base, free = 0, largest = 0;
      for (let i = 0; i < blocks.length; i++) {
        const b = blocks[i];
        const where = `step ${step}, block ${i} at ${b.ptr}`;
        check(b.ptr === at && b.nBytes > 0 && b.ptr % 64 === 0, `${where}: blocks must tile the heap in 64-byte units`);
        if (b.free) {
          check(i === 0 || !blocks[i - 1].free, `${where}: two adjacent free blocks`);
          check(model[free]?.ptr === b.ptr && model[free].nBytes === b.nBytes, `${where}: free block is not a whole hole of the model`);
          free++;
          largest = Math.max(largest, b.nBytes);
        } else {
          check(live.get(b.ptr) === b.nBytes, `${where}: live block not in the model`);
        }
        at += b.nBytes;
      }
      check(at === memory.buffer.byteLength, `step ${step}: blocks end at ${at}, memory at ${memory.buffer.byteLength}`);
      check(free === model.length && blocks.length - free === live.size, `step ${step}: block counts`);
      check(free <= live.size + 1, `step ${step}: more free blocks than live ones + 1`);
      check(arena.largestFreeBlock === largest, `step ${step}: largestFreeBlock ${arena.largestFreeBlock}, blocks say ${largest}`);
    };

    for (let step = 0; step < steps; step++) {
      if (live.size === 0 || r() < 0.52) {
        const n = randomSize(r);
        const need = roundUp64(n);
        const before = memory.buffer.byteLength;
        const free = holes();
        const topHole = free.length > 0 && free[free.length - 1].ptr + free[free.length - 1].nBytes === before
          ? free[free.length - 1].nBytes : 0;
        const widest = Math.max(0, ...free.map((h) => h.nBytes));
        let p: number;
        try {
          p = arena.alloc(n);
        } catch (e) {
          // Out of memory only when no hole fits and growing to maxPages cannot make one.
          check((e as TesseraError).code === "E_OOM", `step ${step}: alloc(${n}) threw ${String(e)}`);
          check(widest < need && topHole + maxPages * PAGE - before < need, `step ${step}: E_OOM for ${n} bytes though it fits`);
          continue;
        }
        const grown = memory.buffer.byteLength - before;
        // Good fit: memory grows only when no free block of need·(1 + 1/32) exists, and only by the
        // pages the top free block lacks.
        check(grown === 0 || widest < need + need / 32, `step ${step}: grew for ${need} bytes with a ${widest}-byte hole free`);
        check(grown === 0 || grown === Math.ceil((need - topHole) / PAGE) * PAGE, `step ${step}: grew by ${grown} for ${need} bytes, top hole ${topHole}`);
        check(p % 64 === 0 && p >= heapBase && p + need <= memory.buffer.byteLength, `step ${step}: block ${p} + ${need} misplaced`);
        check(free.some((h) => p >= h.ptr && p + need <= h.ptr + h.nBytes) || (grown > 0 && p + need > before),
          `step ${step}: block ${p} + ${need} overlaps a live block`);
        live.set(p, need);
        order.splice(indexOf(p), 0, p);
        liveBytes += need;
      } else {
        const p = order[Math.floor(r() * order.length)];
        arena.release(p);
        liveBytes -= live.get(p)!;
        live.delete(p);
        order.splice(indexOf(p), 1);
      }
      check(arena.liveBlocks === live.size && arena.liveBytes === liveBytes,
        `step ${step}: arena has ${arena.liveBlocks} blocks / ${arena.liveBytes} bytes live, the model ${live.size} / ${liveBytes}`);
      check(arena.reservedBytes === memory.buffer.byteLength - base && arena.freeBytes === arena.reservedBytes - liveBytes,
        `step ${step}: reserved ${arena.reservedBytes}, free ${arena.freeBytes}, memory ${memory.buffer.byteLength}`);
      if (step % 64 === 0) fullCheck(step);
    }
    fullCheck(steps);

    // Bounded fragmentation: with every block freed, the whole reserved memory is one free block
    // again and a single allocation of all of it succeeds without growing.
    for (const p of order) arena.release(p);
    const reserved = arena.reservedBytes;
    expect(arena.blocks()).toEqual([{ ptr: base, nBytes: reserved, free: true }]);
    expect(arena.alloc(reserved)).toBe(base);
    expect(arena.reservedBytes).toBe(reserved);
  }

  it.each([1, 2, 3, 0xc0ffee])("seed %i: 12,000 operations keep every invariant", (seed) => {
    try {
      fuzz(seed, 12_000);
    } catch (e) {
      throw new Error(`arena fuzz failed with seed ${seed}: ${(e as Error).message}`);
    }
  });
});
