// Tokenizer benchmarks: cl100k_base encode throughput (MB/s of UTF-8 input, the whole text in one
// call, same process, same text) — tessera vs tiktoken (wasm), js-tiktoken, gpt-tokenizer — every
// one checked to give the same token count; one long piece without spaces (the peers merge it in
// quadratic time); batch encode with padding; BPE training time.
// Text: the KJV from Debian's bible-kjv (`bible 'gen1:1-rev22:21'`); without it, the shipped
// Genesis 1-3 repeated to ~4 MB (said in the output).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { timeSync, report, reportRatio } from "./harness.mjs";
import { BPETokenizer, fromTiktoken } from "../dist/index.js";
import cl100kRanks from "js-tiktoken/ranks/cl100k_base";
import { Tiktoken as JsTiktoken } from "js-tiktoken/lite";
import { get_encoding } from "tiktoken";
import { encode as gptEncode } from "gpt-tokenizer/encoding/cl100k_base";

let text;
let source = "KJV (bible-kjv)";
try {
  text = execFileSync("bible", ["gen1:1-rev22:21"], { encoding: "utf8", maxBuffer: 64 << 20 });
} catch {
  const g = readFileSync(new URL("../test/fixtures/tokenizers/genesis-1-3.txt", import.meta.url), "utf8");
  text = g.repeat(Math.ceil(4.3e6 / g.length));
  source = "Genesis 1-3 repeated (bible not installed)";
}
const mb = Buffer.byteLength(text) / 1e6;
console.log(`# text: ${source}, ${mb.toFixed(2)} MB`);

const lines = [];
for (const line of cl100kRanks.bpe_ranks.split("\n")) {
  if (!line) continue;
  const [, off, ...toks] = line.split(" ");
  toks.forEach((t, i) => lines.push(`${t} ${Number(off) + i}`));
}
let t0 = performance.now();
const ours = fromTiktoken(lines.join("\n"), { pattern: "cl100k", specialTokens: cl100kRanks.special_tokens });
report("tokenizers", "cl100k load", "tessera", performance.now() - t0, "ms");
const jsTik = new JsTiktoken(cl100kRanks);
const wasmTik = get_encoding("cl100k_base");

const impls = [
  ["tessera", () => ours.encode(text).length],
  ["gpt-tokenizer", () => gptEncode(text).length],
  ["tiktoken (wasm)", () => wasmTik.encode(text).length],
  ["js-tiktoken", () => jsTik.encode(text).length],
];
const expected = ours.encode(text).length;
const mbps = {};
for (const [name, fn] of impls) {
  const n = fn();
  if (n !== expected) console.log(`# ${name}: ${n} tokens, tessera ${expected}`);
  const s = timeSync(fn, { maxTime: 4, minSamples: 2 });
  mbps[name] = mb / s;
  report("tokenizers", "cl100k encode", name, mbps[name], "MB/s");
}
console.log(`# ${expected} tokens`);
const peers = ["gpt-tokenizer", "tiktoken (wasm)", "js-tiktoken"];
const best = peers.reduce((a, b) => (mbps[a] > mbps[b] ? a : b));
reportRatio("tokenizers", "cl100k encode", "tessera", mbps.tessera, mbps[best], best);

// One piece: 64 KB of seeded random letters, no spaces, a fresh one per call (gpt-tokenizer caches
// pieces); the best of two calls. js-tiktoken is left out (minutes).
let seed = 1;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const freshPiece = () => {
  let p = "";
  for (let i = 0; i < 65536; i++) p += String.fromCharCode(97 + Math.floor(rand() * 26));
  return p;
};
for (const [name, fn] of [["tessera", (p) => ours.encode(p).length], ["tiktoken (wasm)", (p) => wasmTik.encode(p).length],
  ["gpt-tokenizer", (p) => gptEncode(p).length]]) {
  let best = Infinity;
  for (let k = 0; k < 2; k++) {
    const p = freshPiece();
    const t0 = performance.now();
    const n = fn(p);
    best = Math.min(best, performance.now() - t0);
    if (n !== ours.encode(p).length) console.log(`# ${name}: a different token count on the single piece`);
  }
  report("tokenizers", "one 64 KB piece", name, best, "ms");
}

// Batch: 1000 verses, padded to the longest, with attention masks.
const verses = text.split("\n").filter((l) => l.trim()).slice(0, 1000);
const vb = Buffer.byteLength(verses.join("\n")) / 1e6;
const sBatch = timeSync(() => ours.encodeBatch(verses, { padding: "longest", disallowedSpecial: [], padId: 100257 }), { maxTime: 2 });
report("tokenizers", "batch 1000 pad", "tessera", vb / sBatch, "MB/s");

// Training: byte-level BPE, vocab 8000, on the whole text (HF tokenizers cannot be installed here;
// PEERS.md has its figure for the KJV: 0.99 s with 2 threads, 1.61 s with 1, default trainer).
t0 = performance.now();
const trained = BPETokenizer.train([text], { vocabSize: 8000 });
const trainS = (performance.now() - t0) / 1000;
report("tokenizers", "train vocab 8000", "tessera", trainS, "s");
report("tokenizers", "train vocab 8000", "tessera vs HF 1-thread 1.61 s", 1.61 / trainS, "x");
trained.dispose();
// HF's default trainer (vocab 30000, min frequency 0) runs out of pairs at 20,518 on the KJV (PEERS.md).
t0 = performance.now();
const full = BPETokenizer.train([text], { vocabSize: 30000 });
const fullS = (performance.now() - t0) / 1000;
report("tokenizers", `train to ${full.vocabSize}`, "tessera", fullS, "s");
report("tokenizers", `train to ${full.vocabSize}`, "tessera vs HF 1-thread 1.61 s", 1.61 / fullS, "x");
full.dispose();
wasmTik.free();
