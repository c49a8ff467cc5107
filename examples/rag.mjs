// Worked example of the notes (seeds/000 and 001 §2.5.3, RAG; SPEC §4 item 16): the retrieval half
// of retrieval-augmented generation. Passages of public-domain text (Genesis 1-3, KJV, shipped in
// the repository) are embedded with TF-IDF (scikit-learn's TfidfVectorizer semantics: English stop
// words, sublinear tf, unit rows), stored in an exact VectorIndex, and the top-k passages for a
// question are retrieved and put into the prompt a generator would receive. `--question "..."` asks
// your own; `--k 3` sets how many passages.
import { readFileSync } from "node:fs";
import * as ts from "tessera-ml";

const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const k = Number(arg("--k", 3));
const questions = args.includes("--question")
  ? [arg("--question")]
  : ["What did God call the light?", "Who was formed from the dust of the ground?", "Why were they afraid in the garden?"];

// 1. Passages: the verses of Genesis 1-3, three verses per passage, each labelled with its place.
const raw = readFileSync(new URL("../test/fixtures/tokenizers/genesis-1-3.txt", import.meta.url), "utf8");
const verses = [];
let chapter = 0, afterBlank = true;
for (const line of raw.split("\n")) {
  const heading = /^Genesis (\d+)$/.exec(line.trim());
  const verse = /^\s+(\d+) (.*)$/.exec(line);
  if (heading && afterBlank) chapter = Number(heading[1]);
  else if (verse) verses.push({ ref: `Genesis ${chapter}:${verse[1]}`, text: verse[2] });
  else if (line.trim() && !afterBlank && verses.length) verses[verses.length - 1].text += " " + line.trim();
  afterBlank = line.trim() === "";
}
const passages = [];
for (let i = 0; i < verses.length; i += 3) {
  const group = verses.slice(i, i + 3);
  passages.push({ ref: `${group[0].ref}-${group[group.length - 1].ref.split(":")[1]}`, text: group.map((v) => v.text).join(" ") });
}

// 2. Embed: TF-IDF rows are L2-normalised, so the inner product is the cosine similarity.
const vectorizer = new ts.text.TfidfVectorizer({ stopWords: "english", sublinearTf: true });
const X = vectorizer.fitTransform(passages.map((p) => p.text));
const dim = X.shape[1];
console.log(`${verses.length} verses → ${passages.length} passages, TF-IDF vocabulary of ${dim} terms`);

// 3. Index: exact top-k in WASM; ids are the passage numbers.
const index = new ts.embeddings.VectorIndex(dim, { metric: "ip" });
index.add(X.toDense(), passages.map((_, i) => i));

// 4. Retrieve and build the prompt for each question.
for (const question of questions) {
  const q = vectorizer.transform([question]);
  const hits = index.search(q.toDense(), k);
  const context = [];
  console.log(`\nQuestion: ${question}`);
  for (let j = 0; j < k; j++) {
    if (hits.ids[j] < 0 || !(hits.scores[j] > 0)) break; // no shared term: nothing relevant
    const p = passages[hits.ids[j]];
    console.log(`  ${j + 1}. ${p.ref}  (cosine ${hits.scores[j].toFixed(3)})`);
    context.push(`[${context.length + 1}] (${p.ref}) ${p.text}`);
  }
  const prompt = [
    "Answer the question using only the context below. Cite the passages you use by their number.",
    "",
    "Context:",
    ...(context.length ? context : ["(no relevant passage found)"]),
    "",
    `Question: ${question}`,
    "Answer:",
  ].join("\n");
  if (question === questions[0]) console.log(`\nPrompt for the generator:\n${"-".repeat(60)}\n${prompt}\n${"-".repeat(60)}`);
}
index.dispose();
