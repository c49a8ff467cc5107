// Memory-bound elementwise, reduction and layout kernels, milliseconds per call on data already
// resident: add with a row broadcast [4096, 1024] + [1024], mul with a column broadcast
// [4096, 1024] · [4096, 1] (inner stride 0: a scalar per row), exact-erf GELU on 1M elements, row sums
// and column sums of [4096, 1024], transpose of [1024, 1024]. tessera's simd and relaxed builds
// beside tfjs-backend-wasm 4.22 (SIMD, one thread; GELU composed from its Erf kernel, as tfjs has
// no fused GELU) and plain JS loops; ratios are tfjs time / tessera time (> 1: tessera faster).
// Needs `npm run build` (imports ../dist).
import { tfjsWasm } from "./tfjs.mjs";
import { report, timeSync } from "./harness.mjs";
import { loadRuntime } from "../dist/runtime/wasm.js";
import { Binary, Reduce, Unary } from "../dist/runtime/abi.js";

const BENCH = "elementwise";
const ROWS = 4096, COLS = 1024, N_GELU = 1 << 20, N_T = 1024;
const GELU = Unary.gelu, ADD = Binary.add, MUL = Binary.mul, SUM = Reduce.sum;

function randomF32(len, seed) {
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = 3 * Math.sin(seed + i * 0.61);
  return x;
}

// --- tessera: each case places its operands in the runtime's memory once ---
async function tesseraCases(build) {
  const rt = await loadRuntime({ build });
  const e = rt.exports;
  const put = (x) => {
    const p = rt.arena.alloc(x.length * 4);
    new Float32Array(rt.memory.buffer, p, x.length).set(x);
    return p;
  };
  const putI32 = (x) => {
    const p = rt.arena.alloc(x.length * 4);
    new Int32Array(rt.memory.buffer, p, x.length).set(x);
    return p;
  };
  return {
    add: () => {
      const a = put(randomF32(ROWS * COLS, 1)), b = put(randomF32(COLS, 2)), out = rt.arena.alloc(ROWS * COLS * 4);
      const shape = putI32([ROWS, COLS]), as = putI32([COLS, 1]), bs = putI32([0, 1]);
      return () => e.binaryBroadcastF32(ADD, a, b, out, 2, shape, as, bs);
    },
    mulCol: () => {
      const a = put(randomF32(ROWS * COLS, 1)), b = put(randomF32(ROWS, 2)), out = rt.arena.alloc(ROWS * COLS * 4);
      const shape = putI32([ROWS, COLS]), as = putI32([COLS, 1]), bs = putI32([1, 0]);
      return () => e.binaryBroadcastF32(MUL, a, b, out, 2, shape, as, bs);
    },
    gelu: () => {
      const x = put(randomF32(N_GELU, 3)), out = rt.arena.alloc(N_GELU * 4);
      return () => e.unaryF32(GELU, x, out, N_GELU, 0);
    },
    rowSum: () => {
      const x = put(randomF32(ROWS * COLS, 4)), out = rt.arena.alloc(ROWS * 4);
      return () => e.reduceAxisF32(SUM, x, out, ROWS, COLS, 1);
    },
    colSum: () => {
      const x = put(randomF32(ROWS * COLS, 4)), out = rt.arena.alloc(COLS * 4);
      return () => e.reduceAxisF32(SUM, x, out, 1, ROWS, COLS);
    },
    transpose: () => {
      const x = put(randomF32(N_T * N_T, 5)), out = rt.arena.alloc(N_T * N_T * 4);
      return () => e.transpose2dF32(x, out, N_T, N_T);
    },
  };
}

// --- tfjs-backend-wasm: the SIMD (non-threaded) binary, one thread ---
async function tfjsCases() {
  const tf = await tfjsWasm();
  return {
    add: () => {
      const a = tf.tensor2d(randomF32(ROWS * COLS, 1), [ROWS, COLS]), b = tf.tensor1d(randomF32(COLS, 2));
      return () => tf.add(a, b).dispose();
    },
    mulCol: () => {
      const a = tf.tensor2d(randomF32(ROWS * COLS, 1), [ROWS, COLS]), b = tf.tensor2d(randomF32(ROWS, 2), [ROWS, 1]);
      return () => tf.mul(a, b).dispose();
    },
    gelu: () => {
      const x = tf.tensor1d(randomF32(N_GELU, 3));
      return () => tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1))).dispose();
    },
    rowSum: () => {
      const x = tf.tensor2d(randomF32(ROWS * COLS, 4), [ROWS, COLS]);
      return () => tf.sum(x, 1).dispose();
    },
    colSum: () => {
      const x = tf.tensor2d(randomF32(ROWS * COLS, 4), [ROWS, COLS]);
      return () => tf.sum(x, 0).dispose();
    },
    transpose: () => {
      const x = tf.tensor2d(randomF32(N_T * N_T, 5), [N_T, N_T]);
      return () => tf.transpose(x).dispose();
    },
  };
}

// --- plain JS over Float32Array ---
function erfcPlain(z) { // Numerical Recipes erfcc, the same approximation tessera evaluates in f32
  const t = 1 / (1 + 0.5 * z);
  return t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
}
const plainCases = {
  add: () => {
    const a = randomF32(ROWS * COLS, 1), b = randomF32(COLS, 2), out = new Float32Array(ROWS * COLS);
    return () => {
      for (let r = 0; r < ROWS; r++) for (let c = 0, o = r * COLS; c < COLS; c++) out[o + c] = a[o + c] + b[c];
    };
  },
  mulCol: () => {
    const a = randomF32(ROWS * COLS, 1), b = randomF32(ROWS, 2), out = new Float32Array(ROWS * COLS);
    return () => {
      for (let r = 0; r < ROWS; r++) for (let c = 0, o = r * COLS, s = b[r]; c < COLS; c++) out[o + c] = a[o + c] * s;
    };
  },
  gelu: () => {
    const x = randomF32(N_GELU, 3), out = new Float32Array(N_GELU);
    return () => {
      for (let i = 0; i < N_GELU; i++) {
        const v = x[i], h = 0.5 * erfcPlain(Math.abs(v) * Math.SQRT1_2);
        out[i] = v * (v < 0 ? h : 1 - h);
      }
    };
  },
  rowSum: () => {
    const x = randomF32(ROWS * COLS, 4), out = new Float32Array(ROWS);
    return () => {
      for (let r = 0; r < ROWS; r++) {
        let s = 0;
        for (let c = 0, o = r * COLS; c < COLS; c++) s += x[o + c];
        out[r] = s;
      }
    };
  },
  colSum: () => {
    const x = randomF32(ROWS * COLS, 4), out = new Float32Array(COLS);
    return () => {
      out.fill(0);
      for (let r = 0; r < ROWS; r++) for (let c = 0, o = r * COLS; c < COLS; c++) out[c] += x[o + c];
    };
  },
  transpose: () => {
    const x = randomF32(N_T * N_T, 5), out = new Float32Array(N_T * N_T);
    return () => {
      for (let r = 0; r < N_T; r++) for (let c = 0; c < N_T; c++) out[c * N_T + r] = x[r * N_T + c];
    };
  },
};

const CASES = [
  ["add", "add [4096,1024]+[1024]"],
  ["mulCol", "mul [4096,1024]*[4096,1]"],
  ["gelu", "gelu 1M"],
  ["rowSum", "sum rows 4096x1024"],
  ["colSum", "sum cols 4096x1024"],
  ["transpose", "transpose 1024^2"],
];
const impls = [
  ["tessera simd", await tesseraCases("simd")],
  ["tessera relaxed", await tesseraCases("relaxed")],
  ["tfjs-wasm 4.22 simd 1T", await tfjsCases()],
  ["plain JS", plainCases],
];

for (const [key, label] of CASES) {
  const ms = {};
  for (const [name, cases] of impls) {
    const fn = cases[key]();
    fn();
    ms[name] = timeSync(fn, { maxTime: 1 }) * 1e3;
    report(BENCH, label, name, ms[name], "ms");
  }
  const peer = ms["tfjs-wasm 4.22 simd 1T"];
  for (const name of ["tessera simd", "tessera relaxed"]) report(BENCH, label, `${name} vs tfjs-wasm`, peer / ms[name], "x faster");
  report(BENCH, label, "tessera relaxed vs plain JS", ms["plain JS"] / ms["tessera relaxed"], "x faster");
}
