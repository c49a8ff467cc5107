// Per-op overhead through the public API, where small models spend their time: a 4-element add +
// dispose, `w.mul(a).sum().backward()` inside tidy(), a 128×128 matmul through the API against the
// raw kernel (same thread count, 1), and reading a 1 MB tensor back with data() (fresh array),
// dataInto() (caller's array) and await read(). PyTorch 1.13 (Debian python3-torch, one thread) runs
// the same small-op cases as a timed python3 subprocess; without it those rows say so.
// Needs `npm run build` (imports ../dist).
import { spawnSync } from "node:child_process";
import { report, timeAsync, timeBest } from "./harness.mjs";
import { init, randn, setThreads, tensor, tidy } from "../dist/index.js";
import { runtime } from "../dist/runtime/wasm.js";
import { gemm } from "../dist/backend/cpu-wasm/gemm.js";

const BENCH = "dispatch";
await init();
setThreads(1);

const a = tensor([1, 2, 3, 4]), b = tensor([5, 6, 7, 8]);
const w = tensor([1, 2, 3, 4], undefined, { requiresGrad: true });
const us = {
  // best of batches on both sides (PyTorch: min of timeit.repeat), so the load of a shared machine
  // does not decide the ratio
  add: timeBest(() => a.add(b).dispose()) * 1e6,
  backward: timeBest(() => tidy(() => { w.mul(a).sum().backward(); }), { batch: 500 }) * 1e6,
};
w.zeroGrad();

// PyTorch, one thread, same cases (the loop bodies mirror the ones above).
const torchScript = `
import json, timeit, torch
torch.set_num_threads(1)
a = torch.tensor([1., 2., 3., 4.]); b = torch.tensor([5., 6., 7., 8.])
w = torch.tensor([1., 2., 3., 4.], requires_grad=True)
def add():
    c = a + b
    del c
def backward():
    w.mul(a).sum().backward()
out = {}
for name, fn in (("add", add), ("backward", backward)):
    n, t = timeit.Timer(fn).autorange()
    out[name] = min(timeit.Timer(fn).repeat(5, n)) / n * 1e6
print(json.dumps(out))
`;
const py = spawnSync("/usr/bin/python3", ["-c", torchScript], { encoding: "utf8" });
const torch = py.status === 0 ? JSON.parse(py.stdout.trim().split("\n").pop()) : null;

for (const [name, label] of [["add", "add 4 + dispose"], ["backward", "mul.sum.backward"]]) {
  report(BENCH, label, "tessera", us[name], "us");
  if (torch) {
    report(BENCH, label, "PyTorch 1 thread", torch[name], "us");
    report(BENCH, label, "tessera vs PyTorch (time ratio)", us[name] / torch[name], "x");
  } else report(BENCH, label, "PyTorch unavailable (python3-torch not installed)", 0, "-");
}

// matmul 128 through the API vs the raw kernel, one thread each.
const n = 128;
const A = randn([n, n]), B = randn([n, n]);
const apiS = timeBest(() => A.matmul(B).dispose(), { batch: 20 });
const rt = runtime();
const C = rt.arena.alloc(n * n * 4);
const rawS = timeBest(() => gemm({ a: A.handle, b: B.handle, c: C, m: n, n, k: n }, rt), { batch: 20 });
const gf = (s) => 2 * n ** 3 / s / 1e9;
report(BENCH, "matmul 128", "tessera API 1T", gf(apiS), "GFLOP/s");
report(BENCH, "matmul 128", "raw gemm kernel 1T", gf(rawS), "GFLOP/s");
report(BENCH, "matmul 128", "API vs raw kernel", rawS / apiS, "x");

// Reading back 1 MB.
const big = randn([256 * 1024]);
const into = new Float32Array(big.size);
report(BENCH, "read 1 MB", "data() (new array)", timeBest(() => big.data(), { batch: 10 }) * 1e3, "ms");
report(BENCH, "read 1 MB", "dataInto(array)", timeBest(() => big.dataInto(into), { batch: 10 }) * 1e3, "ms");
report(BENCH, "read 1 MB", "await read()", (await timeAsync(() => big.read())) * 1e3, "ms");
