// matmul in GFLOP/s (2·m·n·k flops per call) and as a share of this core's 128-bit SIMD ceilings,
// measured in the same process: square C = A·B at N = 128 … 1024 (tessera's simd and relaxed builds on
// one thread, threads-relaxed on one and two, beside tfjs-backend-wasm (SIMD, one thread),
// onnxruntime-web (wasm EP, one thread) and a plain JS i-k-j loop), then the shapes a Transformer
// layer trains with, forward and backward (transposed operands), on one and two threads.
// Needs `npm run build` (imports ../dist).
import { existsSync, readFileSync } from "node:fs";
import { tfjsWasm } from "./tfjs.mjs";
import * as ort from "onnxruntime-web";
import { report, reportRatio, timeSync } from "./harness.mjs";
import { loadRuntime } from "../dist/runtime/wasm.js";
import { gemm } from "../dist/backend/cpu-wasm/gemm.js";
import { setThreads } from "../dist/runtime/pool.js";

const SIZES = [128, 256, 512, 1024];
// [label, m, k, n, transA, transB]: a [2048 tokens, d] activation times d×d' weights, and the two
// products of its backward (dX = dY·Wᵀ, dW = Xᵀ·dY).
const TRANSFORMER = [
  ["[2048,128]x[128,128]", 2048, 128, 128, false, false],
  ["[2048,128]x[128,512]", 2048, 128, 512, false, false],
  ["[2048,512]x[512,128]", 2048, 512, 128, false, false],
  ["[2048,512]x[128,512]T", 2048, 512, 128, false, true],
  ["[2048,128]Tx[2048,512]", 128, 2048, 512, true, false],
  ["[2048,128]Tx[2048,128]", 128, 2048, 128, true, false],
];
const BENCH = "matmul";
const gflops = (flops, seconds) => flops / seconds / 1e9;

// The ceilings: the wasm files of /work/shared/tools/simd-ceiling (12 independent f32x4 multiply-add
// chains; `<fn>(iters)` runs `iters` rounds of 12 × 4 lanes × 2 flops).
const CEILING_DIR = process.env.SIMD_CEILING_DIR ?? "/work/shared/tools/simd-ceiling";
const CEILING_ITERS = 3e6, CEILING_FLOPS = CEILING_ITERS * 12 * 4 * 2; // ~5 ms, like a sample below
async function ceiling(file, fn) {
  const path = `${CEILING_DIR}/${file}`;
  if (!existsSync(path)) return null;
  const run = (await WebAssembly.instantiate(readFileSync(path))).instance.exports[fn];
  run(1e5);
  return () => {
    const t0 = performance.now();
    run(CEILING_ITERS);
    return gflops(CEILING_FLOPS, (performance.now() - t0) / 1e3);
  };
}
const ceilings = { relaxed: await ceiling("relaxed.wasm", "relaxedPeak"), muladd: await ceiling("muladd.wasm", "mulAddPeak") };
if (!ceilings.relaxed || !ceilings.muladd) console.error(`# no SIMD ceilings in ${CEILING_DIR} (set SIMD_CEILING_DIR): efficiency figures skipped`);

// Other people's work shares this machine's two cores and its caches, so a mean over seconds says as
// much about them as about the kernel. Each figure is instead the median of ROUNDS samples of ≥ 5 ms,
// and each sample sits between two samples of about the same length of the ceiling its build can
// reach: its efficiency is the sample over the mean of the two, and the figure's efficiency the median
// of those, so that a preemption is as likely to hit the ceiling as the kernel.
const ROUNDS = 40, SAMPLE_MS = 5;
const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
async function measure(fn, flops, ceilingKey = null) {
  const run = fn() instanceof Promise ? async (reps) => { for (let i = 0; i < reps; i++) await fn(); }
    : (reps) => { for (let i = 0; i < reps; i++) fn(); };
  const peak = ceilingKey && ceilings[ceilingKey];
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    await run(reps);
    if (performance.now() - t0 >= SAMPLE_MS) break;
    reps *= 2;
  }
  const rates = [], shares = [], peaks = [];
  for (let r = 0; r < ROUNDS; r++) {
    const before = peak ? peak() : 0;
    const t0 = performance.now();
    await run(reps);
    const rate = gflops(flops * reps, (performance.now() - t0) / 1e3);
    rates.push(rate);
    if (peak) {
      const around = (before + peak()) / 2;
      peaks.push(around);
      shares.push(100 * rate / around);
    }
  }
  return { gflops: median(rates), ceiling: peak ? median(peaks) : null, efficiency: peak ? median(shares) : null };
}

function randomF32(len, seed) {
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = Math.sin(seed + i * 0.61);
  return x;
}

// --- tessera: one runtime per build, operands placed in its memory once per shape ---
async function tesseraCase(build, threads) {
  const rt = await loadRuntime({ build });
  return {
    threads,
    ceiling: build.includes("relaxed") ? "relaxed" : "muladd",
    /** A gemm of this shape with the thread count set, warmed up (workers started and awake). */
    async make(m, k, n, transA = false, transB = false) {
      const put = (x) => {
        const p = rt.arena.alloc(x.length * 4);
        new Float32Array(rt.memory.buffer, p, x.length).set(x);
        return p;
      };
      const args = { a: put(randomF32(m * k, 1)), b: put(randomF32(k * n, 2)), c: rt.arena.alloc(m * n * 4), m, n, k, transA, transB };
      setThreads(threads);
      const fn = () => gemm(args, rt);
      for (let i = 0; i < 2; i++) {
        fn(); // the second round starts workers whose slots the first round found still exiting
        if (threads > 1) await new Promise((r) => setTimeout(r, 200));
      }
      fn();
      return fn;
    },
  };
}

// --- tfjs-backend-wasm: the SIMD (non-threaded) binary, one thread ---
async function tfjsCase() {
  const tf = await tfjsWasm();
  return (n) => {
    const a = tf.tensor2d(randomF32(n * n, 1), [n, n]), b = tf.tensor2d(randomF32(n * n, 2), [n, n]);
    return () => tf.matMul(a, b).dispose();
  };
}

// --- onnxruntime-web: a one-node MatMul model written as ONNX protobuf bytes ---
function varint(v) {
  const out = [];
  for (; v > 127; v = Math.floor(v / 128)) out.push((v & 127) | 128);
  out.push(v);
  return out;
}
const field = (no, bytes) => [...varint((no << 3) | 2), ...varint(bytes.length), ...bytes];
const intField = (no, v) => [...varint(no << 3), ...varint(v)];
const str = (no, s) => field(no, [...new TextEncoder().encode(s)]);
function valueInfo(name, n) {
  const dim = field(1, intField(1, n)); // TensorShapeProto.Dimension.dim_value
  const tensorType = [...intField(1, 1), ...field(2, [...dim, ...dim])]; // elem_type FLOAT, shape [n, n]
  return [...str(1, name), ...field(2, field(1, tensorType))];
}
function matmulModel(n) {
  const node = [...str(1, "A"), ...str(1, "B"), ...str(2, "C"), ...str(4, "MatMul")];
  const graph = [...field(1, node), ...str(2, "matmul"), ...field(11, valueInfo("A", n)), ...field(11, valueInfo("B", n)), ...field(12, valueInfo("C", n))];
  return new Uint8Array([...intField(1, 8), ...field(8, intField(2, 13)), ...field(7, graph)]); // ir 8, opset 13
}

async function ortCase(n) {
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(matmulModel(n), { executionProviders: ["wasm"] });
  const feeds = { A: new ort.Tensor("float32", randomF32(n * n, 1), [n, n]), B: new ort.Tensor("float32", randomF32(n * n, 2), [n, n]) };
  return () => session.run(feeds);
}

function plainJs(n) {
  const a = randomF32(n * n, 1), b = randomF32(n * n, 2), c = new Float32Array(n * n);
  return () => {
    c.fill(0);
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < n; p++) {
        const aip = a[i * n + p];
        for (let j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j];
      }
    }
  };
}

/** Reports a tessera figure, with its ceiling and efficiency where the ceilings were found. */
function reportFigure(testCase, name, m) {
  report(BENCH, testCase, name, m.gflops, "GFLOP/s");
  if (m.efficiency !== null) {
    report(BENCH, testCase, `${name} ceiling`, m.ceiling, "GFLOP/s");
    report(BENCH, testCase, `${name} of ceiling`, m.efficiency, "%");
  }
}

const ours = [
  ["tessera simd 1T", await tesseraCase("simd", 1)],
  ["tessera relaxed 1T", await tesseraCase("relaxed", 1)],
  ["tessera threads-relaxed 1T", await tesseraCase("threads-relaxed", 1)],
  ["tessera threads-relaxed 2T", await tesseraCase("threads-relaxed", 2)],
];
const tfjs = await tfjsCase();

for (const n of SIZES) {
  const testCase = `N=${n}`;
  const flops = 2 * n ** 3;
  const fig = {};
  for (const [name, c] of ours) {
    const m = await measure(await c.make(n, n, n), flops, c.threads === 1 ? c.ceiling : null);
    fig[name] = m.gflops;
    reportFigure(testCase, name, m);
  }
  fig.tfjs = (await measure(tfjs(n), flops)).gflops;
  report(BENCH, testCase, "tfjs-wasm 4.22 simd 1T", fig.tfjs, "GFLOP/s");
  fig.ort = (await measure(await ortCase(n), flops)).gflops;
  report(BENCH, testCase, "onnxruntime-web 1.30 1T", fig.ort, "GFLOP/s");
  if (n <= 512) report(BENCH, testCase, "plain JS i-k-j", gflops(flops, timeSync(plainJs(n), { maxTime: 1, minSamples: 2 })), "GFLOP/s");
  for (const [name] of ours) reportRatio(BENCH, testCase, name, fig[name], fig.tfjs, "tfjs-wasm");
  reportRatio(BENCH, testCase, "tessera 2T", fig["tessera threads-relaxed 2T"], fig["tessera threads-relaxed 1T"], "tessera 1T");
}

// The Transformer shapes on the build Node picks (threads-relaxed), one thread and two.
const [one, two] = [ours[2][1], ours[3][1]];
for (const [testCase, m, k, n, transA, transB] of TRANSFORMER) {
  const flops = 2 * m * n * k;
  const t1 = await measure(await one.make(m, k, n, transA, transB), flops, "relaxed");
  reportFigure(testCase, "tessera threads-relaxed 1T", t1);
  const t2 = await measure(await two.make(m, k, n, transA, transB), flops);
  reportFigure(testCase, "tessera threads-relaxed 2T", t2);
  reportRatio(BENCH, testCase, "tessera 2T", t2.gflops, t1.gflops, "tessera 1T");
}
