// SentencePiece-style tokenizer.json files (made with Debian's spm_train on the KJV and converted as
// transformers does: test/fixtures/tokenizers/make_spm_fixtures.py): a Llama-style byte-fallback BPE
// and a T5-style Unigram with SentencePiece's charsmap — ids, tokens, offsets on the original text,
// decode, a batch with the file's template, and a save that loads back; then a Unigram model trained here.
// Run after `npm run build`: node examples/sentencepiece.mjs
import { readFileSync } from "node:fs";
import { loadTokenizerJson, saveTokenizerJson } from "tessera-ml";

const file = (name) => readFileSync(new URL(`../test/fixtures/tokenizers/spm-${name}.tokenizer.json`, import.meta.url), "utf8");
const text = "In the beginning God created ｔｈｅ heaven — ①日 🙂";

for (const name of ["llama", "t5"]) {
  const tok = loadTokenizerJson(file(name));
  const { ids, offsets } = tok.encodeWithOffsets(text, { returnOffsets: true });
  console.log(`${name}-style (${tok.model.kind}, ${tok.vocabSize} tokens): ${ids.length} tokens`);
  console.log("  " + ids.map((id, i) => `${tok.idToToken(id)}=${JSON.stringify(text.slice(...offsets[i]))}`).join(" "));
  console.log("  decode:", JSON.stringify(tok.decode(ids)));
  console.log("  batch with the template:", JSON.stringify(tok.encodeBatch(["And God said"]).inputIds[0]));
  const back = loadTokenizerJson(saveTokenizerJson(tok));
  console.log("  saved and loaded back, same ids:", back.encode(text).join() === ids.join());
}

// Training a Unigram model SentencePiece's way on Genesis 1-3 (shipped), then using it.
const { PipelineTokenizer } = await import("tessera-ml");
const genesis = readFileSync(new URL("../test/fixtures/tokenizers/genesis-1-3.txt", import.meta.url), "utf8").split("\n").filter((l) => l.trim());
const uni = PipelineTokenizer.trainUnigram(genesis, { vocabSize: 400 });
const verse = "And God said, Let there be light: and there was light.";
console.log(`trained Unigram (${uni.vocabSize} pieces):`, uni.encode(verse).map((id) => uni.idToToken(id)).join(" "));
