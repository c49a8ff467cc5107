// Square matmul C = A·B at N = 128 … 1024, in GFLOP/s (2N³ flops per call): tessera's simd and
// relaxed builds on one thread and the threads-relaxed build on two, beside tfjs-backend-wasm (SIMD,
// one thread), onnxruntime-web (wasm EP, one thread) and a plain JS i-k-j loop. Ratios are against
// tfjs-wasm, and two threads against our own single thread. Needs `npm run build` (imports ../dist).
import { fileURLToPath } from "node:url";
import { tfjsWasm } from "./tfjs.mjs";
import * as ort from "onnxruntime-web";
import { report, reportRatio, timeAsync, timeSync } from "./harness.mjs";
import { loadRuntime } from "../dist/runtime/wasm.js";
import { gemm } from "../dist/backend/cpu-wasm/gemm.js";
import { setThreads } from "../dist/runtime/pool.js";

const SIZES = [128, 256, 512, 1024];
const BENCH = "matmul";
const gflops = (n, seconds) => 2 * n ** 3 / seconds / 1e9;

function randomF32(len, seed) {
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = Math.sin(seed + i * 0.61);
  return x;
}

// --- tessera: one runtime per build, operands placed in its memory once ---
async function tesseraCase(build, threads) {
  const rt = await loadRuntime({ build });
  return (n) => {
    const put = (x) => {
      const p = rt.arena.alloc(x.length * 4);
      new Float32Array(rt.memory.buffer, p, x.length).set(x);
      return p;
    };
    const args = { a: put(randomF32(n * n, 1)), b: put(randomF32(n * n, 2)), c: rt.arena.alloc(n * n * 4), m: n, n, k: n };
    return () => {
      setThreads(threads);
      gemm(args, rt);
    };
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

const ours = [
  ["tessera simd 1T", await tesseraCase("simd", 1)],
  ["tessera relaxed 1T", await tesseraCase("relaxed", 1)],
  ["tessera threads-relaxed 1T", await tesseraCase("threads-relaxed", 1)],
  ["tessera threads-relaxed 2T", await tesseraCase("threads-relaxed", 2)],
];
const tfjs = await tfjsCase();

for (const n of SIZES) {
  const testCase = `N=${n}`;
  const fig = {};
  for (const [name, make] of ours) {
    const fn = make(n);
    fn(); // warm up (and start the workers for the 2-thread case)
    if (name.endsWith("2T")) await new Promise((r) => setTimeout(r, 200));
    fig[name] = gflops(n, timeSync(fn));
    report(BENCH, testCase, name, fig[name], "GFLOP/s");
  }
  fig.tfjs = gflops(n, timeSync(tfjs(n)));
  report(BENCH, testCase, "tfjs-wasm 4.22 simd 1T", fig.tfjs, "GFLOP/s");
  fig.ort = gflops(n, await timeAsync(await ortCase(n)));
  report(BENCH, testCase, "onnxruntime-web 1.30 1T", fig.ort, "GFLOP/s");
  if (n <= 512) report(BENCH, testCase, "plain JS i-k-j", gflops(n, timeSync(plainJs(n), { maxTime: 1, minSamples: 2 })), "GFLOP/s");
  for (const [name] of ours) reportRatio(BENCH, testCase, name, fig[name], fig.tfjs, "tfjs-wasm");
  reportRatio(BENCH, testCase, "tessera 2T", fig["tessera threads-relaxed 2T"], fig["tessera threads-relaxed 1T"], "tessera 1T");
}
