// tiktoken's o200k_base in tessera: loaded from .tiktoken text (made here from js-tiktoken's rank
// data, a devDependency, so nothing is downloaded), the whole text encoded in one WASM call, then
// the verses of Genesis 1-3 counted and encoded as one batch on the worker pool — the same ids on
// one thread and on two.
// Run after `npm run build`: node examples/tokenizer-batch.mjs
import { readFileSync } from "node:fs";
import o200k from "js-tiktoken/ranks/o200k_base";
import { fromTiktoken, setThreads } from "tessera-ml";

const lines = [];
for (const line of o200k.bpe_ranks.split("\n")) {
  if (!line) continue;
  const [, offset, ...tokens] = line.split(" ");
  tokens.forEach((t, i) => lines.push(`${t} ${Number(offset) + i}`));
}
let t0 = performance.now();
const tok = fromTiktoken(lines.join("\n"), { pattern: "o200k", specialTokens: o200k.special_tokens });
console.log(`o200k_base loaded in ${(performance.now() - t0).toFixed(0)} ms, ${tok.vocabSize} ids`);

const text = readFileSync(new URL("../test/fixtures/tokenizers/genesis-1-3.txt", import.meta.url), "utf8");
const ids = tok.encode("Don'T PANIC: 42 ÉCOLES, naïve café/bar\n");
console.log("tokens:", ids.map((id) => JSON.stringify(tok.decode([id]))).join(" "));

const verses = text.split("\n").filter((l) => l.trim());
const runs = [1, 2].map((threads) => {
  setThreads(threads);
  const counts = tok.countTokens(verses); // no id arrays are made
  const batch = tok.encodeBatch(verses, { padding: "longest", padId: 199999 });
  console.log(`${threads} thread(s): ${verses.length} verses, ${counts.reduce((a, b) => a + b, 0)} tokens, padded to ${batch.inputIds[0].length}`);
  return JSON.stringify(batch.inputIds);
});
console.log("the same ids on 1 and 2 threads:", runs[0] === runs[1]);
console.log("whole text:", tok.countTokens(text), "tokens =", tok.encode(text).length);
tok.dispose();
