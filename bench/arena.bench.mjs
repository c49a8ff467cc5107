// The WASM-memory allocator's per-op cost, nanoseconds per alloc + release pair (lower is better):
// "pairs" allocates and at once releases blocks of 16 mixed small sizes (4 B – 32 KiB), the
// pattern of a small-tensor op and its dispose; "window8" keeps 8 blocks live and replaces the oldest
// each time (splits and merges next to live blocks). Also a 4-element `add` + `dispose` through the
// public API, the per-op budget the allocator is part of (target ≤ 1 µs). Needs `npm run build`.
// Plain timing loops, median of 9 rounds after a warm-up round: at tens of nanoseconds per call,
// Benchmark.js's per-call machinery measured 2–10× more than the loop and varied as much run to run.
import { report } from "./harness.mjs";
import { Arena } from "../dist/runtime/arena.js";

const BENCH = "arena";
const SIZES = [16, 64, 400, 1000, 4096, 16, 256, 2048, 48, 12000, 4, 768, 100, 3000, 4096, 32768];

function nsPerCall(loop, calls) {
  loop(calls);
  const times = [];
  for (let r = 0; r < 9; r++) {
    const start = performance.now();
    loop(calls);
    times.push((performance.now() - start) * 1e6 / calls);
  }
  return times.sort((x, y) => x - y)[4];
}

const newArena = () => new Arena(new WebAssembly.Memory({ initial: 32, maximum: 32768 }), 65536, 32768);

const pairsArena = newArena();
function pairs(n) {
  for (let i = 0; i < n; i++) pairsArena.release(pairsArena.alloc(SIZES[i & 15]));
}

const windowArena = newArena();
const window = SIZES.slice(0, 8).map((n) => windowArena.alloc(n));
function window8(n) {
  for (let i = 0; i < n; i++) {
    windowArena.release(window[i & 7]);
    window[i & 7] = windowArena.alloc(SIZES[(i * 7) & 15]);
  }
}

report(BENCH, "alloc+release", "pairs", nsPerCall(pairs, 1e6), "ns");
report(BENCH, "alloc+release", "window8", nsPerCall(window8, 1e6), "ns");

// Loaded only now: the runtime it initialises has no part in the allocator figures above.
const { tensor } = await import("../dist/index.js");
const a = tensor([1, 2, 3, 4]), b = tensor([5, 6, 7, 8]);
function addDispose(n) {
  for (let i = 0; i < n; i++) a.add(b).dispose();
}
report(BENCH, "add+dispose [4]", "public API", nsPerCall(addDispose, 2e5), "ns");
