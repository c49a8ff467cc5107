// Worker for fuzz.test.ts: runs one mutation-fuzz case at a time against the built package (dist/),
// so the test's watchdog can terminate a case that hangs. Cases are made here from a seed and an
// index: base files (tokenizer.json made by tessera and by hand, .tiktoken ranks) mutated 1–3
// times — JSON-aware edits (huge, negative, fractional numbers, wrong types, deep nesting,
// deleted / duplicated / swapped nodes) and text edits (flipped characters, truncation, duplicated
// or deleted lines). Each case reports what tessera did and, where tokenizers.js or js-tiktoken
// load the same file, whether their ids agree.
import { parentPort } from "node:worker_threads";
import { readFileSync } from "node:fs";
import { BPETokenizer, PATTERNS, TesseraError, fromTiktoken, loadTokenizerJson, saveTokenizerJson, serializeTiktokenRanks } from "../../dist/index.js";
import { Tokenizer } from "@huggingface/tokenizers";
import { Tiktoken } from "js-tiktoken/lite";

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const genesis = readFileSync(new URL("../fixtures/tokenizers/genesis-1-3.txt", import.meta.url), "utf8");

/** Strings every loaded mutant encodes: words, multibyte and astral text, U+FEFF, a lone surrogate, NUL, special-token text. */
export const PROBES = ["", "Hello world", "In the beginning God created the heaven", "naïve café 日本語 🙂 𝔾𝕠𝕠𝕕",
  "a\ufeffb \ud800 \0 x", "<|endoftext|> [CLS] ##a", "  spaces\n\nnewlines\t end", "unbelievable UNBELIEVABLE 1234567"];

// ---- base files ----

function bases() {
  const trained = BPETokenizer.train([genesis], { vocabSize: 420, specialTokens: ["<|endoftext|>", "[CLS]", "[SEP]", "[PAD]"] });
  const byteLevel = JSON.parse(saveTokenizerJson(trained));
  byteLevel.post_processor = {
    type: "TemplateProcessing",
    single: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } }],
    pair: [{ Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }],
    special_tokens: {},
  };
  byteLevel.padding = { pad_token: "[PAD]" };
  const charTrained = BPETokenizer.train([genesis.toLowerCase()], { vocabSize: 160, byteLevel: false, pattern: "whitespace" });
  const charLevel = JSON.parse(saveTokenizerJson(charTrained));
  // Hand-written around it: normalizers, a Sequence of Splits with several behaviours, a template.
  charLevel.normalizer = { type: "Sequence", normalizers: [{ type: "NFC" }, { type: "Lowercase" }] };
  charLevel.pre_tokenizer = {
    type: "Sequence", pretokenizers: [
      { type: "Split", pattern: { Regex: "\\s+" }, behavior: "Removed", invert: false },
      { type: "Split", pattern: { String: "," }, behavior: "MergedWithPrevious", invert: false },
      { type: "Split", pattern: { Regex: "\\p{P}" }, behavior: "Isolated", invert: false },
    ],
  };
  charLevel.post_processor = { type: "BertProcessing", sep: ["e", 5], cls: ["a", 1] };
  charLevel.decoder = { type: "Fuse" };
  const cl100kStyle = JSON.parse(saveTokenizerJson(trained));
  cl100kStyle.pre_tokenizer = { type: "Sequence", pretokenizers: [
    { type: "Split", pattern: { Regex: PATTERNS.cl100k }, behavior: "Isolated", invert: false },
    { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
  ] };
  cl100kStyle.model.ignore_merges = true;
  const words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "earth", "god", "created", "heaven", "and", "light", "un", "##believ",
    "##able", "##s", "##ing", "a", "b", "c", "##a", "##b", "##c", ".", ",", "!", "'", "日", "本", "hello", "world", "in", "beginning"];
  const wordPiece = {
    version: "1.0", truncation: null, padding: { pad_token: "[PAD]" },
    added_tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: { type: "BertProcessing", sep: ["[SEP]", 3], cls: ["[CLS]", 2] },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab: Object.fromEntries(words.map((w, i) => [w, i])) },
  };
  const ranks = serializeTiktokenRanks(Array.from({ length: 256 }, (_, b) => Uint8Array.of(b)).concat(
    [...trained.tokenTable().bytes].filter((b) => b.length > 1 && !["<|endoftext|>", "[CLS]", "[SEP]", "[PAD]"].includes(new TextDecoder().decode(b)))));
  trained.dispose();
  charTrained.dispose();
  return { json: [byteLevel, charLevel, cl100kStyle, wordPiece], tiktoken: [ranks] };
}

const BASES = bases();

// ---- mutations ----

const pick = (r, arr) => arr[Math.floor(r() * arr.length)];

function deep(depth, make) {
  let x = { type: "NFC" };
  for (let i = 0; i < depth; i++) x = make(x);
  return x;
}

const VALUES = [
  () => -1, () => -(2 ** 31), () => 2 ** 31, () => 2 ** 32, () => 2 ** 53, () => 1e308, () => 1.5, () => 0, () => 1e8,
  () => "abc", () => "", () => "no", () => null, () => true, () => false, () => ({}), () => [], () => "\ud800", () => "a".repeat(5000),
  () => deep(3000, (x) => ({ type: "Sequence", normalizers: [x] })), () => deep(3000, (x) => ({ type: "Sequence", pretokenizers: [x] })),
  () => deep(3000, (x) => [x]), () => "(a+)+$", () => "\\p{L}*", () => "[", () => ({ Regex: "" }), () => "MergedWithNext", () => "Contiguous",
];

/** [container, key, inside model.vocab or model.merges] of every node under root. */
function nodes(root) {
  const out = [];
  const walk = (x, depth, bulk) => {
    if (depth > 40 || x === null || typeof x !== "object") return;
    for (const k of Array.isArray(x) ? x.keys() : Object.keys(x)) {
      out.push([x, k, bulk]);
      walk(x[k], depth + 1, bulk || (x === root.model && (k === "vocab" || k === "merges")));
    }
  };
  walk(root, 0, false);
  return out;
}

function mutateJson(r, json) {
  // Most edits go outside model.vocab and model.merges, which otherwise hold nearly every node.
  const all = nodes(json);
  const outside = all.filter((n) => !n[2]);
  const from = r() < 0.7 && outside.length > 0 ? outside : all;
  if (from.length === 0) return "no nodes";
  const [c, k] = pick(r, from);
  const op = Math.floor(r() * 6);
  const where = Array.isArray(c) ? `[${k}]` : `.${k}`;
  switch (op) {
    case 0: { const v = pick(r, VALUES)(); c[k] = v; return `set ${where} = ${typeof v === "string" ? JSON.stringify(v.slice(0, 12)) : Array.isArray(v) || (v && typeof v === "object") ? "object" : v}`; }
    case 1: if (Array.isArray(c)) c.splice(k, 1); else delete c[k]; return `delete ${where}`;
    case 2: if (Array.isArray(c)) c.splice(k, 0, structuredClone(c[k])); else c[`${k}_${Math.floor(r() * 9)}`] = structuredClone(c[k]); return `duplicate ${where}`;
    case 3: { if (!Array.isArray(c) || c.length < 2) return "swap skipped"; const j = Math.floor(r() * c.length); [c[k], c[j]] = [c[j], c[k]]; return `swap ${where} [${j}]`; }
    case 4: { const v = c[k]; c[k] = typeof v === "number" ? String(v) : typeof v === "string" ? (Number(v) || [v]) : JSON.stringify(v) ?? 0; return `retype ${where}`; }
    default: {
      // A vocabulary or added-token id moved onto another id, or far away.
      const vocab = json.model?.vocab;
      if (vocab && typeof vocab === "object") {
        const keys = Object.keys(vocab);
        const a = pick(r, keys), b = pick(r, keys);
        vocab[a] = r() < 0.5 ? vocab[b] : pick(r, [2 ** 31 - 1, 1e8, -5, 2 ** 32, 3.5]);
        return `vocab[${JSON.stringify(a)}] = ${vocab[a]}`;
      }
      return "no vocab";
    }
  }
}

function mutateText(r, text) {
  const op = Math.floor(r() * 4);
  const lines = text.split("\n");
  switch (op) {
    case 0: {
      const chars = [...text];
      const n = 1 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++) chars[Math.floor(r() * chars.length)] = pick(r, [" ", "\"", "{", "}", "[", "]", ",", ":", "0", "9", "-", "e", "\\", "\u00e9", "\ud83d\ude42", "A", "=", "\n"]);
      return [chars.join(""), `flip ${n} characters`];
    }
    case 1: { const at = Math.floor(r() * text.length); return [text.slice(0, at), `truncate at ${at}`]; }
    case 2: { const i = Math.floor(r() * lines.length); lines.splice(i, 0, lines[i]); return [lines.join("\n"), `duplicate line ${i + 1}`]; }
    default: { const i = Math.floor(r() * lines.length); lines.splice(i, 1); return [lines.join("\n"), `delete line ${i + 1}`]; }
  }
}

function mutateRanks(r, text) {
  const lines = text.split("\n").filter(Boolean);
  const op = Math.floor(r() * 6);
  const i = Math.floor(r() * lines.length);
  switch (op) {
    case 0: { const [b] = lines[i].split(" "); lines[i] = `${b} ${pick(r, [-1, 2 ** 31, 2 ** 31 - 1, 1e8, 2 ** 53, "1.5", "x", ""])}`; return [lines.join("\n"), `rank of line ${i + 1}`]; }
    case 1: lines.splice(i, 1); return [lines.join("\n"), `delete line ${i + 1}`];
    case 2: lines.splice(i, 0, lines[i]); return [lines.join("\n"), `duplicate line ${i + 1}`];
    case 3: { const j = Math.floor(r() * lines.length); const [a, ra] = lines[i].split(" "), [b, rb] = lines[j].split(" "); lines[i] = `${a} ${rb}`; lines[j] = `${b} ${ra}`; return [lines.join("\n"), `swap ranks of lines ${i + 1} and ${j + 1}`]; }
    default: return mutateText(r, text);
  }
}

export function makeCase(kind, seed, index) {
  const r = rng(seed * 1000003 + index);
  const steps = [];
  if (kind === "tiktoken") {
    const base = 0;
    let text = BASES.tiktoken[base];
    for (let m = 0, n = 1 + Math.floor(r() * 3); m < n; m++) {
      const [t, what] = mutateRanks(r, text);
      text = t;
      steps.push(what);
    }
    return { kind, base, text, steps, pattern: r() < 0.5 ? "cl100k" : "o200k" };
  }
  const base = index % BASES.json.length;
  let json = structuredClone(BASES.json[base]);
  let text = null;
  for (let m = 0, n = 1 + Math.floor(r() * 3); m < n; m++) {
    if (text === null && r() < 0.75) {
      steps.push(mutateJson(r, json));
    } else {
      let what;
      [text, what] = mutateText(r, text ?? JSON.stringify(json, null, 1));
      steps.push(what);
    }
  }
  return { kind, base, json: text === null ? json : null, text, steps };
}

// ---- running a case ----

function describeError(e) {
  return e instanceof TesseraError ? e.code : `${e?.constructor?.name ?? typeof e}: ${String(e?.message ?? e).slice(0, 200)}`;
}

/** Tessera's side: load, then encode, decode and batch the probes. Returns the tokenizer (or null) and what happened. */
function runOurs(c) {
  const out = { load: "ok", errors: [], crashes: [] };
  let tok = null;
  try {
    tok = c.kind === "tiktoken" ? fromTiktoken(c.text, { pattern: c.pattern }) : loadTokenizerJson(c.json ?? c.text);
  } catch (e) {
    out.load = describeError(e);
    if (!(e instanceof TesseraError)) out.crashes.push(`load: ${out.load}`);
    return { tok: null, out };
  }
  const step = (what, fn) => {
    try {
      return fn();
    } catch (e) {
      const d = describeError(e);
      if (e instanceof TesseraError) out.errors.push(`${what}: ${d}`);
      else out.crashes.push(`${what}: ${d}`);
      return undefined;
    }
  };
  out.ids = PROBES.map((s, i) => step(`encode probe ${i}`, () => {
    const ids = tok.encode(s);
    step(`decode probe ${i}`, () => tok.decode(ids));
    return ids;
  }));
  step("encodeWithOffsets", () => tok.encodeWithOffsets(PROBES[3], { returnOffsets: true }));
  step("encodeBatch", () => tok.encodeBatch([PROBES[1], [PROBES[2], PROBES[3]]], { padding: true, truncation: true, maxLength: 12, returnOffsets: true }));
  step("decode of every id", () => {
    for (let id = 0; id < Math.min(tok.vocabSize, 2000); id++) if (tok.idToToken(id) !== undefined) tok.decode([id]);
  });
  return { tok, out };
}

function toJsTiktoken(text, pattern) {
  const lines = text.split("\n").filter(Boolean).map((l) => { const [b, rank] = l.split(" "); return `! ${rank} ${b}`; });
  return new Tiktoken({ pat_str: PATTERNS[pattern], special_tokens: {}, bpe_ranks: lines.join("\n") });
}

/** The reference's side, where it loads the same file: ids per probe, or null. */
function runReference(c) {
  try {
    if (c.kind === "tiktoken") {
      const ref = toJsTiktoken(c.text, c.pattern);
      return PROBES.map((s) => { try { return ref.encode(s); } catch { return null; } });
    }
    const json = c.json ?? JSON.parse(c.text);
    const hf = new Tokenizer(json, {});
    return PROBES.map((s) => { try { return s === "" ? [] : hf.encode(s, { add_special_tokens: false }).ids; } catch { return null; } });
  } catch {
    return null;
  }
}

/**
 * Where tokenizers.js departs from Hugging Face tokenizers (Rust) on this mutant, so a difference is
 * expected: BertNormalizer flags left out default to true in Rust (serde defaults), to false in
 * tokenizers.js; a WordPiece model without continuing_subword_prefix defaults to "##" in Rust.
 */
function knownDifference(c) {
  if (c.kind !== "json") return null;
  const json = c.json ?? JSON.parse(c.text);
  const n = json.normalizer;
  if (n && n.type === "BertNormalizer" && ["clean_text", "handle_chinese_chars", "lowercase"].some((k) => n[k] === undefined)) {
    return "a BertNormalizer flag left out (Rust: true, tokenizers.js: false)";
  }
  if (json.model?.type === "WordPiece" && json.model.continuing_subword_prefix === undefined) return "no continuing_subword_prefix (Rust: \"##\")";
  return null;
}

parentPort.on("message", ({ kind, seed, index }) => {
  const c = makeCase(kind, seed, index);
  parentPort.postMessage({ phase: "start", steps: c.steps, base: c.base });
  const { tok, out } = runOurs(c);
  parentPort.postMessage({ phase: "ours", out });
  let compare = null;
  if (tok !== null) {
    const ref = runReference(c);
    if (ref !== null) {
      compare = { equal: 0, differ: [] };
      const why = knownDifference(c);
      PROBES.forEach((s, i) => {
        const a = out.ids[i], b = ref[i];
        if (a === undefined || b === null) return;
        if (a.length === b.length && a.every((x, k) => x === b[k])) compare.equal++;
        else compare.differ.push({ probe: i, ours: a.slice(0, 12), ref: Array.from(b).slice(0, 12),
          explained: Array.from(b).some((x) => !Number.isInteger(x)) ? "the reference returned ids that are not integers" : why });
      });
    }
    tok.dispose();
  }
  parentPort.postMessage({ phase: "done", compare });
});
