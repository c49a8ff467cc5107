// `tessera-ml info`: the build this runtime loaded, its features, threads and memory; --webgpu
// also asks for a WebGPU adapter.
import { info, memory } from "../../runtime/info.js";
import { initWebGpu } from "../../backend/webgpu/init.js";
import type { Command } from "../command.js";

const command: Command = {
  name: "info",
  summary: "the WebAssembly build, features, threads and memory in use",
  usage: "[--json] [--webgpu]",
  options: [
    { name: "json", type: "boolean", description: "print JSON" },
    { name: "webgpu", type: "boolean", description: "also request a WebGPU adapter and report it" },
  ],
  async run(args, io) {
    const gpu = args.options.webgpu ? await initWebGpu() : null;
    const i = info();
    const m = memory();
    if (args.options.json) {
      io.stdout(JSON.stringify({ ...i, memory: m, ...(gpu ? { webgpuStatus: gpu } : {}) }) + "\n");
      return;
    }
    const rows: [string, string][] = [
      ["build", i.build],
      ["simd", String(i.simd)],
      ["relaxed simd", String(i.relaxedSimd)],
      ["threads", `${i.threadsInUse}${i.threadsReason ? ` (${i.threadsReason})` : ""}`],
      ["webgpu", gpu ? (gpu.available ? `${gpu.adapter} (${gpu.source})` : `no (${gpu.reason})`) : `${i.webgpu} (--webgpu to request an adapter)`],
      ["memory", `${(m.wasmBytes / 2 ** 20).toFixed(1)} MiB of WebAssembly memory, ${m.numBlocks} live blocks`],
    ];
    for (const [k, v] of rows) io.stdout(`${k.padEnd(13)} ${v}\n`);
  },
};

export default command;
