// `tessera-ml w2v train|similar|analogy`: word2vec (CBOW or skip-gram, negative sampling) trained on
// text files or stdin, saved in the word2vec text or binary format (gensim's), and queried.
import { Word2Vec } from "../../embeddings/word2vec.js";
import { KeyedVectors } from "../../embeddings/keyed-vectors.js";
import { numberOption, stringOption } from "../args.js";
import { UsageError, type Command, type Io, type Parsed } from "../command.js";
import { inputTexts, readBytes, writeFile } from "../io.js";

// Words: runs of letters and digits, with inner apostrophes ("don't"), after lowercasing.
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;

function sentences(texts: string[]): string[][] {
  const out: string[][] = [];
  for (const text of texts) {
    for (const line of text.split("\n")) {
      const words = line.toLowerCase().match(WORD);
      if (words) out.push(words);
    }
  }
  return out;
}

const train: Command = {
  name: "train",
  summary: "train word vectors on text files (or stdin): one sentence per line",
  usage: "[files…] [-o vectors.txt] [--format text|binary] [--sg] [--vector-size 100] [--window 5] [--min-count 5] [--epochs 5]",
  options: [
    { name: "out", short: "o", type: "string", description: "write the vectors here (stdout when omitted; text format only)" },
    { name: "format", type: "string", description: "word2vec \"text\" or \"binary\"", default: "text" },
    { name: "sg", type: "boolean", description: "skip-gram (default: CBOW)" },
    { name: "vector-size", type: "number", description: "dimension of the vectors", default: 100 },
    { name: "window", type: "number", description: "largest distance between a word and its context", default: 5 },
    { name: "min-count", type: "number", description: "drop words rarer than this", default: 5 },
    { name: "negative", type: "number", description: "negative samples per prediction", default: 5 },
    { name: "epochs", type: "number", description: "passes over the text", default: 5 },
    { name: "threads", type: "number", description: "worker threads (default: the runtime's)" },
    { name: "seed", type: "number", description: "seed of the initial vectors and the sampling", default: 1 },
  ],
  details: "Each line is a sentence: lowercased and split into words (letters and digits; punctuation dropped).",
  async run(args, io) {
    const format = stringOption(args, "format")!;
    if (format !== "text" && format !== "binary") throw new UsageError(`--format: expected text or binary, received ${JSON.stringify(format)}`);
    const out = stringOption(args, "out");
    if (format === "binary" && out === undefined) throw new UsageError("--out: expected a file for --format binary (binary vectors are not written to stdout), received none");
    const threads = numberOption(args, "threads", 1, true);
    const corpus = sentences(await inputTexts(args.positional, io, "training text"));
    const model = Word2Vec.train(corpus, {
      sg: args.options.sg ? 1 : 0,
      vectorSize: numberOption(args, "vector-size", 1, true)!,
      window: numberOption(args, "window", 1, true)!,
      minCount: numberOption(args, "min-count", 1, true)!,
      negative: numberOption(args, "negative", 1, true)!,
      epochs: numberOption(args, "epochs", 1, true)!,
      seed: numberOption(args, "seed", 0, true)!,
      ...(threads !== undefined ? { threads } : {}),
    });
    const bytes = model.wv.save(format);
    if (out !== undefined) writeFile(out, bytes);
    else io.stdout(new TextDecoder().decode(bytes));
    io.stderr(`trained ${model.wv.length} words × ${model.wv.vectorSize} on ${model.corpusWords} words in ${model.timings.train.toFixed(2)} s` +
      ` (loss ${model.epochLosses[0]!.toFixed(3)} → ${model.epochLosses.at(-1)!.toFixed(3)})${out ? ` → ${out}` : ""}\n`);
  },
};

// A word2vec binary file has raw float32 bytes after each word; the text format only number characters.
function looksBinary(bytes: Uint8Array): boolean {
  const header = bytes.indexOf(10);
  const dim = Number(new TextDecoder().decode(bytes.subarray(0, Math.max(0, header))).trim().split(/\s+/)[1]);
  const word = bytes.indexOf(32, header + 1);
  if (header < 0 || word < 0 || !Number.isInteger(dim)) return false; // the reader reports the bad header
  for (const b of bytes.subarray(word + 1, word + 1 + 4 * dim)) if (!/[0-9.eE+\-\snaifNAIF]/.test(String.fromCharCode(b))) return true;
  return false;
}

function loadVectors(args: Parsed): KeyedVectors {
  const path = args.positional[0];
  if (path === undefined) throw new UsageError("expected a vectors file (word2vec text or binary) as the first argument, received none");
  const bytes = readBytes(path);
  return KeyedVectors.fromWord2VecFormat(bytes, { binary: looksBinary(bytes) });
}

function printNeighbours(args: Parsed, io: Io, found: [string, number][]): void {
  if (args.options.json) io.stdout(JSON.stringify(found) + "\n");
  else for (const [w, s] of found) io.stdout(`${w}\t${s.toFixed(4)}\n`);
}

function words(args: Parsed, n: number, names: string): string[] {
  const ws = args.positional.slice(1);
  if (ws.length !== n) throw new UsageError(`expected ${names} after the vectors file, received ${ws.length === 0 ? "none" : ws.map((w) => JSON.stringify(w)).join(" ")}`);
  return ws.map((w) => w.toLowerCase());
}

const queryOptions = [
  { name: "topn", short: "n", type: "number" as const, description: "how many words", default: 10 },
  { name: "json", type: "boolean" as const, description: "print a JSON array of [word, cosine]" },
];

const similar: Command = {
  name: "similar",
  summary: "the words nearest to a word (cosine similarity)",
  usage: "<vectors> <word> [--topn 10] [--json]",
  options: queryOptions,
  run(args, io) {
    const [word] = words(args, 1, "one word");
    const kv = loadVectors(args);
    printNeighbours(args, io, kv.mostSimilar(word!, { topn: numberOption(args, "topn", 1, true)! }));
  },
};

const analogy: Command = {
  name: "analogy",
  summary: "a is to b as c is to …: the words nearest to b − a + c",
  usage: "<vectors> <a> <b> <c> [--topn 10] [--json]",
  options: queryOptions,
  details: "Example: tessera-ml w2v analogy vectors.txt man king woman   # → queen, with enough text",
  run(args, io) {
    const [a, b, c] = words(args, 3, "three words a b c");
    const kv = loadVectors(args);
    printNeighbours(args, io, kv.mostSimilar({ positive: [b!, c!], negative: [a!], topn: numberOption(args, "topn", 1, true)! }));
  },
};

const command: Command = {
  name: "w2v",
  summary: "train word2vec vectors and query them (similar words, analogies)",
  usage: "<train|similar|analogy> [options]",
  options: [],
  subcommands: [train, similar, analogy],
  details: "Examples:\n  tessera-ml w2v train corpus.txt --sg --min-count 2 -o vectors.txt\n  tessera-ml w2v similar vectors.txt light -n 5\n  tessera-ml w2v analogy vectors.txt man king woman",
};

export default command;
