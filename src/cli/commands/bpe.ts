// `tessera-ml bpe train|encode|count|decode`: byte-level BPE from the command line. Tokenizers are
// read and written as Hugging Face tokenizer.json or tiktoken rank files (.tiktoken); texts come
// from files or standard input.
import { BPETokenizer } from "../../tokenizers/bpe-tokenizer.js";
import { fromTiktoken, serializeTiktokenRanks } from "../../tokenizers/tiktoken-format.js";
import { loadTokenizerJson } from "../../tokenizers/tokenizer-json.js";
import { saveTokenizerJson } from "../../tokenizers/tokenizer-json-save.js";
import { WordPieceTokenizer } from "../../tokenizers/wordpiece.js";
import type { PipelineTokenizer } from "../../tokenizers/pipeline.js";
import type { PatternName } from "../../tokenizers/pre-tokenizers.js";
import type { TokenTable } from "../../tokenizers/vocab.js";
import { numberOption, stringOption } from "../args.js";
import { UsageError, type Command, type Io, type OptionSpec, type Parsed } from "../command.js";
import { inputTexts, progress, readText, writeFile } from "../io.js";

const PATTERN_NAMES = ["gpt2", "cl100k", "o200k"];

const tokenizerOptions: OptionSpec[] = [
  { name: "tokenizer", short: "t", type: "string", description: "tokenizer.json or .tiktoken rank file (required)" },
  { name: "pattern", type: "string", description: "pre-tokenizer of a .tiktoken file: gpt2, cl100k or o200k", default: "cl100k" },
];

function pattern(args: Parsed): PatternName {
  const p = stringOption(args, "pattern") ?? "cl100k";
  if (!PATTERN_NAMES.includes(p)) throw new UsageError(`--pattern: expected one of ${PATTERN_NAMES.join(", ")}, received ${JSON.stringify(p)}`);
  return p as PatternName;
}

function loadTokenizer(args: Parsed): BPETokenizer | WordPieceTokenizer | PipelineTokenizer {
  const path = stringOption(args, "tokenizer");
  if (path === undefined) throw new UsageError("--tokenizer: expected a tokenizer.json or .tiktoken file, received none");
  const text = readText(path);
  if (path.endsWith(".json") || text.trimStart().startsWith("{")) return loadTokenizerJson(text);
  return fromTiktoken(text, { pattern: pattern(args) });
}

// Large inputs are encoded in ~1 MB pieces (for the progress line), cut after a newline that is
// followed by a letter: no pre-tokenizer pattern joins a newline to the word after it, so the ids
// are those of the whole text.
function pieces(text: string, size = 1 << 20): string[] {
  if (text.length <= size) return [text];
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    while (end < text.length && !(text[end - 1] === "\n" && /\p{L}/u.test(text[end]!))) end++;
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

function encodeAll(tok: BPETokenizer | WordPieceTokenizer | PipelineTokenizer, texts: string[], io: Io): number[][] {
  const parts = texts.map((t) => pieces(t));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const bar = progress(io, "encode", total, "MB");
  let done = 0;
  const out = parts.map((ps) => ps.flatMap((p) => {
    const ids = tok.encode(p);
    bar.tick(++done);
    return ids;
  }));
  if (total > 1) bar.end(`encoded ${texts.reduce((n, t) => n + t.length, 0)} characters`);
  return out;
}

const train: Command = {
  name: "train",
  summary: "train a byte-level BPE tokenizer on text files (or stdin)",
  usage: "[files…] --vocab-size <n> [--out tokenizer.json | --out ranks.tiktoken]",
  options: [
    { name: "vocab-size", short: "v", type: "number", description: "vocabulary size: special tokens + 256 bytes + merges (required)" },
    { name: "out", short: "o", type: "string", description: "write here (.tiktoken: rank file; else tokenizer.json); stdout when omitted" },
    { name: "format", type: "string", description: "json or tiktoken (default: from --out, else json)" },
    { name: "pattern", type: "string", description: "pre-tokenizer: gpt2, cl100k or o200k", default: "gpt2" },
    { name: "special", type: "string", description: "special tokens, comma-separated (e.g. \"<|endoftext|>\")" },
    { name: "min-frequency", type: "number", description: "stop when the best pair is rarer than this" },
  ],
  async run(args, io) {
    const vocabSize = numberOption(args, "vocab-size", 1, true);
    if (vocabSize === undefined) throw new UsageError("--vocab-size: expected an integer, received none");
    const out = stringOption(args, "out");
    const format = stringOption(args, "format") ?? (out?.endsWith(".tiktoken") ? "tiktoken" : "json");
    if (format !== "json" && format !== "tiktoken") throw new UsageError(`--format: expected json or tiktoken, received ${JSON.stringify(format)}`);
    const texts = await inputTexts(args.positional, io, "training text");
    const special = stringOption(args, "special")?.split(",").filter((s) => s.length > 0) ?? [];
    if (io.stderrIsTTY) io.stderr(`training on ${texts.reduce((n, t) => n + t.length, 0)} characters…\n`);
    const t0 = performance.now();
    const tok = BPETokenizer.train(texts, {
      vocabSize, specialTokens: special, pattern: pattern(args),
      ...(args.options["min-frequency"] !== undefined ? { minFrequency: numberOption(args, "min-frequency", 0, true)! } : {}),
    });
    const text = format === "json" ? saveTokenizerJson(tok) : serializeTiktokenRanks(idIndexed(tok.tokenTable()));
    if (out !== undefined) writeFile(out, text);
    else io.stdout(text);
    io.stderr(`trained ${tok.vocabSize} tokens in ${((performance.now() - t0) / 1000).toFixed(2)} s${out ? ` → ${out}` : ""}\n`);
  },
};

/** The table as an id-indexed array, holes where ids are unused (the shape serializeTiktokenRanks takes). */
function idIndexed(table: TokenTable): (Uint8Array | undefined)[] {
  const out: (Uint8Array | undefined)[] = [];
  table.ids.forEach((id, i) => (out[id] = table.bytes[i]));
  return out;
}

const encode: Command = {
  name: "encode",
  summary: "text → token ids (one line per input), or tokens with --tokens",
  usage: "--tokenizer <file> [files…]",
  options: [...tokenizerOptions,
    { name: "json", type: "boolean", description: "print a JSON array of ids per input" },
    { name: "tokens", type: "boolean", description: "print the tokens as JSON strings beside the ids" }],
  async run(args, io) {
    const tok = loadTokenizer(args);
    const texts = await inputTexts(args.positional, io, "text to encode");
    for (const ids of encodeAll(tok, texts, io)) {
      if (args.options.tokens) io.stdout(JSON.stringify(ids.map((id) => [id, tok.idToToken(id)])) + "\n");
      else io.stdout((args.options.json ? JSON.stringify(ids) : ids.join(" ")) + "\n");
    }
  },
};

const count: Command = {
  name: "count",
  summary: "count tokens per input and in total",
  usage: "--tokenizer <file> [files…]",
  options: [...tokenizerOptions, { name: "json", type: "boolean", description: "print JSON" }],
  async run(args, io) {
    const tok = loadTokenizer(args);
    const names = args.positional.length > 0 ? args.positional : ["-"];
    const texts = await inputTexts(args.positional, io, "text to count");
    const counts = encodeAll(tok, texts, io).map((ids) => ids.length);
    const total = counts.reduce((a, b) => a + b, 0);
    if (args.options.json) {
      io.stdout(JSON.stringify({ total, files: Object.fromEntries(names.map((n, i) => [n, counts[i]])) }) + "\n");
      return;
    }
    if (counts.length > 1) names.forEach((n, i) => io.stdout(`${String(counts[i]).padStart(10)} ${n}\n`));
    io.stdout(`${String(total).padStart(10)}${counts.length > 1 ? " total" : ""}\n`);
  },
};

const decode: Command = {
  name: "decode",
  summary: "token ids (arguments, or stdin: spaces, commas or a JSON array) → text",
  usage: "--tokenizer <file> [ids…]",
  options: tokenizerOptions,
  async run(args, io) {
    const tok = loadTokenizer(args);
    const source = args.positional.length > 0 ? args.positional.join(" ") : (await inputTexts([], io, "token ids"))[0]!;
    const words = source.replace(/[[\],]/g, " ").split(/\s+/).filter((w) => w.length > 0);
    const ids = words.map((w) => {
      const n = Number(w);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`expected token ids (integers ≥ 0), received ${JSON.stringify(w)}`);
      return n;
    });
    io.stdout(tok.decode(ids));
    if (io.stdinIsTTY) io.stdout("\n");
  },
};

const command: Command = {
  name: "bpe",
  summary: "train, encode, count and decode with byte-level BPE (tokenizer.json, .tiktoken)",
  usage: "<train|encode|count|decode> [options]",
  options: [],
  subcommands: [train, encode, count, decode],
  details: "Examples:\n  tessera-ml bpe train corpus.txt --vocab-size 2000 -o tok.json\n  echo 'Hello world' | tessera-ml bpe encode -t tok.json\n  tessera-ml bpe count -t cl100k_base.tiktoken --pattern cl100k *.md",
};

export default command;
