// `tessera-ml bench`: in a clone of the repository, the full benchmarks (bench/run.mjs, figures
// beside their peers); in an installed package, a short built-in figure: matmul GFLOP/s and BPE
// encoding MB/s on this machine.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { info } from "../../runtime/info.js";
import { randn } from "../../tensor/index.js";
import { tidy } from "../../tensor/index.js";
import { BPETokenizer } from "../../tokenizers/bpe-tokenizer.js";
import type { Command } from "../command.js";
import { progress } from "../io.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

// Seeded English-like text: words from a small list, so the figure needs no corpus.
function sampleText(nChars: number): string {
  const words = "the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her she there one all we their".split(" ");
  let s = 0x9e3779b9, out = "";
  while (out.length < nChars) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    out += words[s % words.length] + (s % 13 === 0 ? ".\n" : " ");
  }
  return out;
}

function builtIn(io: Parameters<NonNullable<Command["run"]>>[1], json: boolean): void {
  const sizes = [128, 256, 512];
  const bar = progress(io, "bench", sizes.length + 1, "cases");
  const figures: { bench: string; case: string; impl: string; value: number; unit: string }[] = [];
  const figure = (name: string, value: number, unit: string) => figures.push({ bench: "cli", case: name, impl: "tessera", value, unit });
  sizes.forEach((n, i) => {
    const a = randn([n, n]), b = randn([n, n]);
    tidy(() => a.matmul(b)); // warm-up
    const times: number[] = [];
    const reps = Math.max(3, Math.round(2e8 / (2 * n ** 3)));
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      tidy(() => a.matmul(b));
      times.push(performance.now() - t0);
    }
    figure(`matmul ${n}×${n}`, (2 * n ** 3) / median(times) / 1e6, "GFLOP/s");
    a.dispose(); b.dispose();
    bar.tick(i + 1);
  });
  const text = sampleText(1 << 20);
  const tok = BPETokenizer.train([text.slice(0, 1 << 17)], { vocabSize: 512 });
  tok.encode(text.slice(0, 1 << 14));
  const t0 = performance.now();
  tok.encode(text);
  figure("BPE encode 1 MB", text.length / 1e6 / ((performance.now() - t0) / 1000), "MB/s");
  tok.dispose();
  bar.tick(sizes.length + 1);
  bar.end("bench done");
  const i = info();
  if (json) {
    for (const f of figures) io.stdout(JSON.stringify({ ...f, build: i.build, threads: i.threadsInUse }) + "\n");
    return;
  }
  io.stdout(`build ${i.build}, ${i.threadsInUse} thread(s)\n`);
  for (const f of figures) io.stdout(`${`${f.case} ${f.unit}`.padEnd(26)} ${f.value.toFixed(1)}\n`);
  io.stdout("(the full benchmarks against PyTorch, tfjs and tokenizers run from a clone of the repository: npm run bench)\n");
}

const command: Command = {
  name: "bench",
  summary: "benchmarks: the repository's suite when run from a clone, else a short matmul / encode figure",
  usage: "[--json] [--quick] [names…]",
  options: [
    { name: "json", type: "boolean", description: "print JSON" },
    { name: "quick", type: "boolean", description: "the short built-in figure even inside the repository" },
  ],
  run(args, io) {
    const suite = fileURLToPath(new URL("../../../bench/run.mjs", import.meta.url));
    if (!args.options.quick && existsSync(suite)) {
      const r = spawnSync(process.execPath, [suite, ...(args.options.json ? ["--json"] : []), ...args.positional], { stdio: "inherit" });
      if (r.status !== 0) throw new Error(`bench/run.mjs exited with ${r.status ?? r.signal}`);
      return;
    }
    builtIn(io, args.options.json === true);
  },
};

export default command;
