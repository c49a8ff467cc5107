// word2vec training throughput on the King James Bible (Debian bible-kjv: `bible 'gen1:1-rev22:21'`,
// lines lower-cased and split into [a-z]+ words, ~790k words): CBOW and skip-gram with vector size
// 100, window 5, minCount 5, negative 5, sample 1e-3, 5 epochs — raw corpus words per second of
// training (vocabulary building excluded on both sides). tessera with 1 and 2 threads (Hogwild on the
// worker pool) vs gensim 4 (Debian python3-gensim, a timed /usr/bin/python3 subprocess on the same
// tokenised corpus) with 1 and 2 workers, in the same run. Each figure is the median of --runs runs
// (default 3); with one thread also words per CPU second. `--epochs N` trains fewer epochs, `--no-peers` skips gensim, `--threads 1,2` picks
// the thread counts. Needs `npm run build` (imports ../dist) and bible-kjv.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jsonMode, report, reportRatio } from "./harness.mjs";
import { embeddings } from "../dist/index.js";

const BENCH = "embeddings";
const args = process.argv.slice(2);
const flag = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const peers = !args.includes("--no-peers");
const epochs = Number(flag("--epochs", "5"));
const runs = Number(flag("--runs", "3"));
const threadCounts = flag("--threads", "1,2").split(",").map(Number);
const SETTINGS = { vectorSize: 100, window: 5, minCount: 5, negative: 5, sample: 1e-3, epochs };

const kjv = spawnSync("bible", ["gen1:1-rev22:21"], { encoding: "utf8", maxBuffer: 64 << 20 });
if (kjv.status !== 0) {
  console.log(`embeddings bench skipped: the bible-kjv package is needed (apt-get install bible-kjv): ${kjv.error?.message ?? kjv.stderr}`);
  process.exit(0);
}
const sentences = kjv.stdout.split("\n").map((l) => l.toLowerCase().match(/[a-z]+/g)).filter((s) => s !== null);
const words = sentences.reduce((n, s) => n + s.length, 0);
if (!jsonMode) console.log(`KJV: ${sentences.length} lines, ${words} words; ${epochs} epochs, median of ${runs} runs`);
const dir = mkdtempSync(join(tmpdir(), "tessera-w2v-"));
const corpusPath = join(dir, "kjv.txt");
writeFileSync(corpusPath, sentences.map((s) => s.join(" ")).join("\n") + "\n");

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const MODES = [["cbow", 0], ["skipgram", 1]];

// One thread: also words per CPU second (process CPU time, from the end of the first progress slice
// to the end, so vocabulary building is left out), which other work on the machine disturbs less.
function trainOnce(sg, threads, seed) {
  let cpu0 = null, words0 = 0;
  const m = embeddings.Word2Vec.train(sentences, {
    ...SETTINGS, sg, threads, seed, progress: false,
    onProgress: (p) => { if (cpu0 === null) { cpu0 = process.cpuUsage(); words0 = p.words; } },
  });
  const cpu = process.cpuUsage(cpu0);
  return { wall: m.wordsPerSecond, cpu: (epochs * m.corpusWords - words0) / ((cpu.user + cpu.system) / 1e6) };
}
const ours = {};
for (const [mode, sg] of MODES) {
  for (const threads of threadCounts) {
    const r = Array.from({ length: runs }, (_, i) => trainOnce(sg, threads, i + 1));
    ours[`${mode}|${threads}`] = median(r.map((x) => x.wall));
    if (threads === 1) ours[`${mode}|cpu`] = median(r.map((x) => x.cpu));
  }
}

const gensimScript = `
import json, sys, time, logging
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence
s = json.loads(sys.argv[2])
corpus = list(LineSentence(sys.argv[1]))
out = {}
for mode, sg in (("cbow", 0), ("skipgram", 1)):
    for workers in json.loads(sys.argv[3]):
        rates, cpu = [], []
        for r in range(int(sys.argv[4])):
            m = Word2Vec(sg=sg, vector_size=s["vectorSize"], window=s["window"], min_count=s["minCount"], negative=s["negative"],
                         sample=s["sample"], workers=workers, seed=r + 1)
            m.build_vocab(corpus)
            t0, c0 = time.perf_counter(), time.process_time()
            m.train(corpus, total_examples=m.corpus_count, epochs=s["epochs"])
            rates.append(s["epochs"] * m.corpus_total_words / (time.perf_counter() - t0))
            cpu.append(s["epochs"] * m.corpus_total_words / (time.process_time() - c0))
        out[f"{mode}|{workers}"] = sorted(rates)[len(rates) // 2]
        if workers == 1: out[f"{mode}|cpu"] = sorted(cpu)[len(cpu) // 2]
print(json.dumps(out))
`;
let gensim = null;
if (peers) {
  const py = spawnSync("/usr/bin/python3", ["-c", gensimScript, corpusPath, JSON.stringify(SETTINGS), JSON.stringify(threadCounts), String(runs)],
    { encoding: "utf8", maxBuffer: 1 << 20 });
  if (py.status === 0) gensim = JSON.parse(py.stdout.trim().split("\n").pop());
  else if (!jsonMode) console.log(`gensim unavailable: ${py.stderr.trim().split("\n").pop()}`);
}

for (const [mode] of MODES) {
  if (ours[`${mode}|cpu`] !== undefined) {
    const c = `${mode} t1 cpu`;
    report(BENCH, c, "tessera", ours[`${mode}|cpu`] / 1e6, "Mwords/cpu-s");
    if (gensim?.[`${mode}|cpu`] !== undefined) {
      report(BENCH, c, "gensim 1 worker", gensim[`${mode}|cpu`] / 1e6, "Mwords/cpu-s");
      reportRatio(BENCH, c, "tessera", ours[`${mode}|cpu`], gensim[`${mode}|cpu`], "gensim");
    }
  }
  for (const threads of threadCounts) {
    const key = `${mode}|${threads}`;
    const c = `${mode} t${threads}`;
    report(BENCH, c, "tessera", ours[key] / 1e6, "Mwords/s");
    if (gensim?.[key] !== undefined) {
      report(BENCH, c, `gensim ${threads} worker${threads > 1 ? "s" : ""}`, gensim[key] / 1e6, "Mwords/s");
      reportRatio(BENCH, c, "tessera", ours[key], gensim[key], "gensim");
    }
  }
}
