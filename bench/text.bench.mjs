// Text vectorizers on the KJV (Debian bible-kjv, `bible 'gen1:1-rev22:21'`, one document per verse;
// without it, the shipped Genesis 1-3): fitTransform time of text.CountVectorizer and
// text.TfidfVectorizer vs scikit-learn 1.2.1 (a timed /usr/bin/python3 subprocess given the same
// verses), checked to give the same vocabulary size and number of stored entries first. Figures:
// ms per fit_transform, best of 5 (median in brackets). Needs `npm run build` (imports ../dist).
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { jsonMode, report } from "./harness.mjs";
import { text } from "../dist/index.js";

const BENCH = "text";
let raw, source = "KJV (bible-kjv)";
try {
  raw = execFileSync("bible", ["gen1:1-rev22:21"], { encoding: "utf8", maxBuffer: 64 << 20 });
} catch {
  raw = readFileSync(new URL("../test/fixtures/tokenizers/genesis-1-3.txt", import.meta.url), "utf8");
  source = "Genesis 1-3 (bible not installed)";
}

/** Verses of `bible` output: "  12 text" starts one, unindented lines continue it; a line after a blank one is a heading ("Genesis 1"). */
function verses(s) {
  const out = [];
  let afterBlank = true;
  for (const line of s.split("\n")) {
    const m = /^\s+(\d+) (.*)$/.exec(line);
    if (m) out.push(m[2]);
    else if (line.trim() && !afterBlank && out.length) out[out.length - 1] += " " + line.trim();
    afterBlank = line.trim() === "";
  }
  return out;
}
const docs = verses(raw);
console.log(`# text: ${source}, ${docs.length} verses`);

const CASES = [
  { name: "count words", kind: "count", js: {}, py: {} },
  { name: "tfidf words", kind: "tfidf", js: {}, py: {} },
  { name: "tfidf 1-2gram minDf2", kind: "tfidf", js: { ngramRange: [1, 2], minDf: 2, sublinearTf: true }, py: { ngram_range: [1, 2], min_df: 2, sublinear_tf: true } },
  { name: "tfidf char_wb 2-4", kind: "tfidf", js: { analyzer: "char_wb", ngramRange: [2, 4] }, py: { analyzer: "char_wb", ngram_range: [2, 4] } },
];

function timeMs(fn, samples = 5) {
  const per = [];
  let out;
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    out = fn();
    per.push(performance.now() - t0);
  }
  per.sort((a, b) => a - b);
  return { best: per[0], median: per[samples >> 1], out };
}

const pyScript = `
import sys, json, time
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
data = json.loads(sys.stdin.read())
docs, out = data["docs"], {}
for c in data["cases"]:
    o = {k: tuple(v) if isinstance(v, list) else v for k, v in c["py"].items()}
    per = []
    for s in range(5):
        v = (CountVectorizer if c["kind"] == "count" else TfidfVectorizer)(**o)
        t0 = time.perf_counter(); X = v.fit_transform(docs); per.append((time.perf_counter() - t0) * 1000)
    per.sort()
    out[c["name"]] = {"best": per[0], "median": per[2], "features": len(v.vocabulary_), "nnz": int(X.nnz)}
print(json.dumps(out))
`;
const py = spawnSync("/usr/bin/python3", ["-c", pyScript], { input: JSON.stringify({ docs, cases: CASES }), encoding: "utf8", maxBuffer: 16 << 20 });
const sk = py.status === 0 ? JSON.parse(py.stdout) : null;
if (!sk) console.log(`# scikit-learn unavailable: ${py.stderr.split("\n").filter(Boolean).pop()}`);

const line = (c, impl, t) => {
  if (jsonMode) report(BENCH, c, impl, t.best, "ms");
  else console.log(`${BENCH.padEnd(6)} ${c.padEnd(22)} ${impl.padEnd(28)} ${`${t.best.toFixed(0)} ms [${t.median.toFixed(0)}]`.padStart(16)}`);
};

for (const c of CASES) {
  const t = timeMs(() => (c.kind === "count" ? new text.CountVectorizer(c.js) : new text.TfidfVectorizer(c.js)).fitTransform(docs));
  const features = t.out.shape[1], nnz = t.out.nnz;
  line(c.name, "tessera", t);
  const s = sk?.[c.name];
  if (s) {
    if (s.features !== features || s.nnz !== nnz) throw new Error(`${c.name}: tessera ${features} features / ${nnz} entries vs sklearn ${s.features} / ${s.nnz}`);
    line(c.name, "scikit-learn 1.2.1", s);
    report(BENCH, c.name, "tessera vs scikit-learn (speed-up)", s.best / t.best, "x");
  }
}
