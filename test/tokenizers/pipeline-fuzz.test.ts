// Mutation fuzz of the tokenizer.json pipeline loader (pipeline.ts) over every model it reads: the
// Llama-style byte-fallback BPE and T5-style Unigram + charsmap fixtures, a WordLevel file and a
// BPE file with subword affixes. Each mutant (1–3 JSON edits, or bytes of the charsmap flipped or
// cut) either loads or is refused with E_FORMAT; a loaded one encodes, offsets, decodes and batches
// the probes throwing nothing but TesseraErrors, and every id it gives is one its vocabulary names.
// Pure TypeScript (no WASM), so a hang fails the test's timeout. Seeded: a failure names the case.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { loadTokenizerJson, TesseraError } from "../../src/index.js";
import { rng } from "./helpers.js";

const SEED = 20261202;
const CASES = 600;
const dir = new URL("../fixtures/tokenizers/", import.meta.url);
const read = (f: string) => JSON.parse(readFileSync(new URL(f, dir), "utf8"));

const BASES: any[] = [
  read("spm-llama.tokenizer.json"),
  read("spm-t5.tokenizer.json"),
  {
    normalizer: { type: "Sequence", normalizers: [{ type: "NFKC" }, { type: "Lowercase" }, { type: "Strip", strip_left: true, strip_right: true }] },
    pre_tokenizer: { type: "Sequence", pretokenizers: [{ type: "WhitespaceSplit" }, { type: "Punctuation", behavior: "Isolated" }, { type: "Digits", individual_digits: true }] },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true }, post_processor: { type: "BertProcessing", sep: ["[SEP]", 1], cls: ["[CLS]", 2] },
    added_tokens: [{ id: 1, content: "[SEP]", special: true }, { id: 2, content: "[CLS]", special: true }],
    model: { type: "WordLevel", unk_token: "[UNK]", vocab: Object.fromEntries(["[UNK]", "[SEP]", "[CLS]", "in", "the", "beginning", "god", ",", ".", "1", "2"].map((w, i) => [w, i])) },
  },
  {
    normalizer: { type: "Replace", pattern: { Regex: "\\s+" }, content: " " }, pre_tokenizer: { type: "Split", pattern: { String: " " }, behavior: "MergedWithNext", invert: false },
    decoder: { type: "Sequence", decoders: [{ type: "BPEDecoder", suffix: "</w>" }, { type: "Strip", content: " ", start: 0, stop: 1 }] }, post_processor: null, added_tokens: [],
    model: { type: "BPE", dropout: 0.1, unk_token: "<unk>", continuing_subword_prefix: "##", end_of_word_suffix: "</w>", fuse_unk: true, byte_fallback: false, ignore_merges: true,
      vocab: { "<unk>": 0, a: 1, b: 2, "##a": 3, "##b": 4, "##a</w>": 5, "##b</w>": 6, ab: 7, "ab</w>": 8, "a</w>": 9, ba: 10 }, merges: ["a ##b", "a ##b</w>", "b ##a"] },
  },
];

const PROBES = ["", "In the beginning God created the heaven", "naïve café 日本語 🙂 Ⅻ ﬁ", "a\ufeffb \ud800 \0 x\udc00", "<s></s><unk>[CLS]",
  "  spaces\n\nnewlines\t end  ", "ab ab abab ba", "x".repeat(1000), "e" + "\u0301".repeat(500), "12345 6.7"];

const VALUES = [() => -1, () => 2 ** 31, () => 1.5, () => 0, () => 1e308, () => "abc", () => "", () => null, () => true, () => ({}), () => [],
  () => "\ud800", () => ({ Regex: "(" }), () => ({ String: "" }), () => "x".repeat(500), () => [["a", 1]], () => ({ type: "Sequence", normalizers: [{ type: "NFC" }] })];

const pick = <T,>(r: () => number, a: readonly T[]): T => a[Math.floor(r() * a.length)];

function nodes(root: any): [any, string | number][] {
  const out: [any, string | number][] = [];
  const walk = (x: any, depth: number) => {
    if (depth > 12 || x === null || typeof x !== "object") return;
    const keys: (string | number)[] = Array.isArray(x) ? [...x.keys()] : Object.keys(x);
    // Vocabularies and merges hold most nodes: visit a sample so edits reach the components too.
    for (const k of keys.length > 40 ? keys.filter((_, i) => i % 97 === 0 || i < 4) : keys) {
      out.push([x, k]);
      walk(x[k], depth + 1);
    }
  };
  walk(root, 0);
  return out;
}

function mutate(r: () => number, j: any): string {
  const pm = j.normalizer?.normalizers?.[0];
  if (pm?.type === "Precompiled" && r() < 0.3) {
    const b = Buffer.from(pm.precompiled_charsmap, "base64");
    if (r() < 0.3) { const at = Math.floor(r() * b.length); pm.precompiled_charsmap = b.subarray(0, at).toString("base64"); return `charsmap cut at ${at}`; }
    const n = 1 + Math.floor(r() * 8);
    for (let i = 0; i < n; i++) b[Math.floor(r() * Math.min(b.length, 4 + 4096 * (r() < 0.5 ? 1 : 40)))] = Math.floor(r() * 256);
    pm.precompiled_charsmap = b.toString("base64");
    return `charsmap ${n} bytes flipped`;
  }
  if (r() < 0.15 && j.model) {
    const m = j.model;
    if (Array.isArray(m.vocab)) { const i = Math.floor(r() * m.vocab.length); m.vocab[i] = pick(r, [[m.vocab[0][0], 0], ["x", NaN], ["y", -1e30], [5, 1]]); return `unigram vocab[${i}]`; }
    if (Array.isArray(m.merges) && r() < 0.5) { m.merges.push(pick(r, ["a zz", "q r", ["", "a"], "a", ["a", "b", "c"]])); return "merge appended"; }
    const keys = Object.keys(m.vocab ?? {});
    if (keys.length) { const k = pick(r, keys); m.vocab[k] = pick(r, [0, 1, 2 ** 31 - 1, -5, 3.5, 1e9]); return `vocab[${JSON.stringify(k)}] = ${m.vocab[k]}`; }
  }
  const all = nodes(j);
  const [c, k] = pick(r, all);
  switch (Math.floor(r() * 5)) {
    case 0: { c[k] = pick(r, VALUES)(); return `set ${String(k)}`; }
    case 1: if (Array.isArray(c)) c.splice(k as number, 1); else delete c[k]; return `delete ${String(k)}`;
    case 2: if (Array.isArray(c)) c.splice(k as number, 0, structuredClone(c[k])); else c[k] = structuredClone(c[k]); return `duplicate ${String(k)}`;
    case 3: { if (!Array.isArray(c) || c.length < 2) return "swap skipped"; const i = Math.floor(r() * c.length); [c[k], c[i]] = [c[i], c[k]]; return `swap ${String(k)} ${i}`; }
    default: { const v = c[k]; c[k] = typeof v === "number" ? String(v) : typeof v === "string" ? [v] : 7; return `retype ${String(k)}`; }
  }
}

interface Outcome { load: string; crashes: string[] }

function runCase(index: number): { steps: string[]; base: number; out: Outcome } {
  const r = rng(SEED * 1000003 + index);
  const base = index % BASES.length;
  const j = structuredClone(BASES[base]);
  const steps: string[] = [];
  for (let m = 0, n = 1 + Math.floor(r() * 3); m < n; m++) steps.push(mutate(r, j));
  const out: Outcome = { load: "ok", crashes: [] };
  let tok: ReturnType<typeof loadTokenizerJson>;
  try {
    tok = loadTokenizerJson(j);
  } catch (e) {
    out.load = e instanceof TesseraError ? e.code : `${(e as Error).name}: ${(e as Error).message}`;
    return { steps, base, out };
  }
  PROBES.forEach((p, i) => {
    try {
      const { ids, offsets } = tok.encodeWithOffsets(p, { returnOffsets: true });
      const bad = ids.findIndex((id) => tok.idToToken(id) === undefined);
      if (bad >= 0) out.crashes.push(`probe ${i}: id ${ids[bad]} names no token`);
      if (offsets!.some(([a, b]) => !(a >= 0 && a <= b && b <= p.length))) out.crashes.push(`probe ${i}: offsets outside the text`);
      if (ids.length > 0) tok.decode(ids);
      tok.encodeBatch([p, [p, "and"]], { padding: true });
    } catch (e) {
      if (!(e instanceof TesseraError)) out.crashes.push(`probe ${i}: ${(e as Error).name}: ${(e as Error).message}`);
    }
  });
  return { steps, base, out };
}

describe("mutation fuzz of pipeline tokenizer.json files", () => {
  it(`${CASES} mutants load or are E_FORMAT; loaded ones encode, offset, decode and batch throwing only TesseraErrors`, () => {
    const loaded = new Array(BASES.length).fill(0), refused = new Array(BASES.length).fill(0);
    const bad: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const { steps, base, out } = runCase(i);
      const name = `seed ${SEED} case ${i} (base ${base}: ${steps.join("; ")})`;
      if (out.load === "ok") loaded[base]++;
      else if (out.load === "E_FORMAT") refused[base]++;
      else bad.push(`${name}: load ${out.load}`);
      for (const c of out.crashes) bad.push(`${name}: ${c}`);
    }
    console.log(JSON.stringify({ cases: CASES, loaded, refused }));
    expect(bad).toEqual([]);
    for (let b = 0; b < BASES.length; b++) {
      expect(loaded[b], `base ${b} loads sometimes`).toBeGreaterThan(0);
      expect(refused[b], `base ${b} is refused sometimes`).toBeGreaterThan(0);
    }
  }, 120_000);

  it("adversarial text: 256k characters without a space, 20k combining marks, NUL and lone surrogates encode and decode", () => {
    for (const j of BASES.slice(0, 2)) {
      const tok = loadTokenizerJson(structuredClone(j));
      for (const t of ["a".repeat(1 << 18), "e" + "\u0301".repeat(20_000), "\0\ud800\udc00\udfff".repeat(5_000)]) {
        const ids = tok.encode(t);
        expect(ids.length).toBeGreaterThan(0);
        expect(typeof tok.decode(ids)).toBe("string");
      }
    }
  }, 120_000);
});
