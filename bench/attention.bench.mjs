// Causal self-attention forward + backward at T = 512 and 1024 (batch 1, 8 heads of 64): tessera's
// fused kernel (F.scaledDotProductAttention, FlashAttention-style) against the unfused composition
// of tessera ops (scores = Q·Kᵀ·scale + causal mask, softmax, ·V — what the layers did without the
// kernel), time and memory. Memory is the peak of device bytes allocated beyond the inputs during
// forward + backward (every Backend alloc/free counted): the composition holds [8, T, T] scores,
// probabilities and their gradients; the fused kernel O(T·D) scratch per head and one log-sum-exp
// per query row. Times are best-of CPU time on one thread (steadier than wall time on a shared
// machine) and wall time on two. Needs `npm run build` (imports ../dist).
import { report, reportRatio } from "./harness.mjs";
import * as ts from "../dist/index.js";
import { defaultBackend } from "../dist/backend/device.js";

const BENCH = "attention";
const H = 8, D = 64;
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const { F, tensor, randn, tidy, setThreads } = ts;

function causalMask(T) {
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = -Infinity;
  return tensor(m, [T, T]);
}

const fused = (q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true });
const unfused = (mask) => (q, k, v) => F.matmul(F.softmax(F.add(F.mul(F.matmul(q, F.transpose(k, -2, -1)), 1 / Math.sqrt(D)), mask), -1), v);

/** Peak bytes allocated (beyond what was live before) while fn runs. */
function peakBytes(fn) {
  const be = defaultBackend();
  const sizes = new Map();
  let live = 0, peak = 0;
  const alloc = be.alloc, free = be.free;
  be.alloc = function (n) { const h = alloc.call(this, n); sizes.set(h, n * 4); live += n * 4; peak = Math.max(peak, live); return h; };
  be.free = function (h) { live -= sizes.get(h) ?? 0; sizes.delete(h); return free.call(this, h); };
  try { fn(); } finally { delete be.alloc; delete be.free; }
  return peak;
}

for (const T of [512, 1024]) {
  const testCase = `T=${T} H=${H} D=${D} causal`;
  const q = randn([1, H, T, D]).requiresGrad_(), k = randn([1, H, T, D]).requiresGrad_(), v = randn([1, H, T, D]).requiresGrad_();
  const g = randn([1, H, T, D]);
  const mask = causalMask(T);
  const step = (attn) => tidy(() => {
    attn(q, k, v).backward(g);
    for (const t of [q, k, v]) t.zeroGrad();
  });
  const fig = {};
  for (const [name, attn] of [["fused", fused], ["unfused", unfused(mask)]]) {
    setThreads(1);
    step(attn);
    let best = Infinity;
    for (let r = 0; r < 5; r++) {
      const t0 = cpuMs();
      step(attn);
      best = Math.min(best, cpuMs() - t0);
    }
    setThreads(2);
    step(attn);
    let best2 = Infinity;
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      step(attn);
      best2 = Math.min(best2, performance.now() - t0);
    }
    setThreads(1);
    fig[name] = { t1: best, t2: best2, peak: peakBytes(() => step(attn)) };
    report(BENCH, testCase, `${name} fwd+bwd 1T (CPU)`, best, "ms");
    report(BENCH, testCase, `${name} fwd+bwd 2T (wall)`, best2, "ms");
    report(BENCH, testCase, `${name} peak memory`, fig[name].peak / 2 ** 20, "MiB");
  }
  reportRatio(BENCH, testCase, "fused 1T speed", fig.unfused.t1, fig.fused.t1, "unfused 1T");
  reportRatio(BENCH, testCase, "fused 2T speed", fig.unfused.t2, fig.fused.t2, "unfused 2T");
  reportRatio(BENCH, testCase, "fused memory", fig.fused.peak, fig.unfused.peak, "unfused");
  const gflop = 2 * H * T * T * D * 2 / 2 * 3.5 / 1e9; // causal half of Q·Kᵀ and P·V, forward ×1 + backward ×2.5
  report(BENCH, testCase, "fused useful GFLOP/s 1T", gflop / fig.fused.t1 * 1000, "GFLOP/s");
  for (const t of [q, k, v, g, mask]) t.dispose();
}
