// Worked example 1 (notes 001 §1.3): BPE on ['hello world', 'world of hello', 'hello world of nlp']
// with 5 merges, then byte-level BPE trained on a real corpus (KJV Genesis 1-3, shipped in the repo).
// Run after `npm run build`: node examples/bpe.mjs
import { readFileSync } from "node:fs";
import { BPETokenizer } from "tessera-ml";

const corpus = ["hello world", "world of hello", "hello world of nlp"];
// The notes start from characters; 10 distinct characters + 5 merges.
const tok = BPETokenizer.train(corpus, { vocabSize: 10 + 5, byteLevel: false, pattern: "whitespace" });
tok.getMerges().forEach((m, i) => console.log(`Merge ${i}: (${m.map((s) => JSON.stringify(s)).join(", ")})`));
const ids = tok.encode("hello world");
console.log("encode('hello world') →", tok.convertIdsToTokens(ids), ids);

const text = readFileSync(new URL("../test/fixtures/tokenizers/genesis-1-3.txt", import.meta.url), "utf8");
const gpt = BPETokenizer.train([text], { vocabSize: 1000, specialTokens: ["<|endoftext|>"] });
const sample = "And God said, Let there be light: and there was light.<|endoftext|>";
const sampleIds = gpt.encode(sample);
console.log(`\nbyte-level BPE, vocab ${gpt.vocabSize}: ${sampleIds.length} tokens for ${sample.length} characters`);
console.log(gpt.convertIdsToTokens(sampleIds).join(" | "));
console.log("round trip:", gpt.decode(sampleIds) === sample);
