// Deno entry of the WebGPU test run (started by test/runtimes/webgpu.test.ts): the op suites of
// test/ops on the devices named in TESSERA_TEST_DEVICES (webgpu), through the vitest-shaped shim,
// then the GPT-like training step (test/runtimes/webgpu-train.ts) on the GPU and the CPU, the
// optimizers against torch (webgpu-optim.ts), and the
// error handling (webgpu-errors.ts, last: it loses the device). Prints a
// line per test and, last, one JSON line with the tally (or with `ran: false` and the reason when
// there is no adapter). Arguments: file name filters (e.g. `softmax loss`) to run a subset.
import { run } from "./vitest-shim.ts";
import { autoStats, initWebGpu, webgpuStats } from "../../src/index.js";

const root = new URL("../../", import.meta.url);
const status = await initWebGpu();
if (!status.available) {
  console.log(JSON.stringify({ ran: false, reason: status.reason }));
  Deno.exit(0);
}
console.log(`adapter: ${status.adapter} (${status.source})`);

const filters = Deno.args;
const files = [...Deno.readDirSync(new URL("test/ops/", root))].map((e) => e.name)
  .filter((f) => f.endsWith(".test.ts") && f !== "abi-swap.test.ts") // abi-swap permutes CPU op codes only
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
for (const f of files) await import(new URL(`test/ops/${f}`, root).href);
if (filters.length === 0 || filters.includes("train")) await import(new URL("test/runtimes/webgpu-train.ts", root).href);
if (filters.length === 0 || filters.includes("optim")) await import(new URL("test/runtimes/webgpu-optim.ts", root).href);
// Last: its final test loses the device.
if (filters.length === 0 || filters.includes("errors")) await import(new URL("test/runtimes/webgpu-errors.ts", root).href);

const result = await run((line) => console.log(line));
console.log(`webgpu: ${JSON.stringify(webgpuStats())}`);
console.log(`auto: ${JSON.stringify(autoStats())}`);
console.log(JSON.stringify({ ran: true, adapter: status.adapter, files, ...result }));
