// `tessera-ml` as a user runs it: the built dist/cli/main.js in a child process, with files and
// standard input. Every command and subcommand: --help, a real answer, and bad input as one line on
// stderr with a non-zero exit. cl100k counts are checked against gpt-tokenizer on the same text.
import { afterAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode as gptEncode } from "gpt-tokenizer/encoding/cl100k_base";
import { pipeline } from "../../src/index.js";

const root = new URL("../../", import.meta.url).pathname;
const main = join(root, "dist/cli/main.js");
const CL100K = join(root, "node_modules/gpt-tokenizer/data/cl100k_base.tiktoken");
const GENESIS = join(root, "test/fixtures/tokenizers/genesis-1-3.txt");

interface Run { code: number | null; stdout: string; stderr: string }

function cli(args: string[], input?: string): Run {
  const r = spawnSync(process.execPath, [main, ...args], { input: input ?? "", encoding: "utf8", timeout: 60_000, cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without waiting: independent runs go in parallel. */
function cliAsync(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], { cwd: dir });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

/** Bad input: exit code 2 (usage) or 1 (a TesseraError), nothing on stdout, exactly one line on stderr. */
function expectOneLineError(r: Run, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe("");
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

const dir = mkdtempSync(join(tmpdir(), "tessera-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(main))("tessera-ml CLI", () => {
  it("lists every command; --help works at every level; unknown commands and options are one line, exit 2", () => {
    const top = cli(["--help"]);
    expect(top.code).toBe(0);
    for (const c of ["bench", "bpe", "info", "maze", "w2v", "kmeans", "tsne", "gpt"]) expect(top.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
    for (const path of [["info"], ["bench"], ["maze"], ["bpe"], ["bpe", "train"], ["bpe", "encode"], ["bpe", "count"], ["bpe", "decode"],
      ["w2v"], ["w2v", "train"], ["w2v", "similar"], ["w2v", "analogy"], ["kmeans"], ["tsne"],
      ["gpt"], ["gpt", "train"], ["gpt", "sample"]]) {
      const r = cli([...path, "--help"]);
      expect(r.code, path.join(" ")).toBe(0);
      expect(r.stdout, path.join(" ")).toContain(`Usage:\n  tessera-ml ${path.join(" ")}`);
      expect(r.stdout).toContain("--help");
    }
    expect(cli(["--version"]).stdout.trim()).toBe(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
    expectOneLineError(cli(["frobnicate"]), 2, /unknown command "frobnicate"; expected one of .*bpe/);
    expectOneLineError(cli(["bpe", "tokenize"]), 2, /unknown command "bpe tokenize"/);
    expectOneLineError(cli(["info", "--colour"]), 2, /unknown option --colour/);
    expectOneLineError(cli(["bpe"]), 2, /bpe: expected a command \(train, encode, count, decode\)/);
  });

  it("info --json reports the loaded build", () => {
    const r = cli(["info", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const i = JSON.parse(r.stdout);
    expect(i).toMatchObject({ simd: true, webgpu: false });
    expect(["simd", "relaxed", "threads", "threads-relaxed"]).toContain(i.build);
    expect(i.threadsInUse).toBeGreaterThanOrEqual(1);
    expect(i.memory.wasmBytes).toBeGreaterThan(0);
    expect(cli(["info"]).stdout).toMatch(/^build +\S+\nsimd +true\n/);
  });

  it("bpe train (stdin → tokenizer.json and a file → .tiktoken), encode, count, decode round-trip", () => {
    const text = readFileSync(GENESIS, "utf8");
    const trained = cli(["bpe", "train", "--vocab-size", "400"], text);
    expect(trained.code, trained.stderr).toBe(0);
    const json = JSON.parse(trained.stdout);
    expect(json.model.type).toBe("BPE");
    expect(Object.keys(json.model.vocab)).toHaveLength(400);
    expect(trained.stderr).toMatch(/^trained 400 tokens in [\d.]+ s\n$/); // not a TTY: no progress bar
    writeFileSync(join(dir, "tok.json"), trained.stdout);

    const ranks = cli(["bpe", "train", GENESIS, "-v", "300", "-o", "tok.tiktoken"]);
    expect(ranks.code, ranks.stderr).toBe(0);
    expect(ranks.stdout).toBe("");
    const lines = readFileSync(join(dir, "tok.tiktoken"), "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(300);
    expect(lines[299]).toMatch(/^[A-Za-z0-9+/=]+ 299$/);

    const sentence = "And God said, Let there be light: and there was light.";
    writeFileSync(join(dir, "a.txt"), sentence);
    for (const tokFile of ["tok.json", "tok.tiktoken"]) {
      const enc = cli(["bpe", "encode", "-t", tokFile, "--pattern", "gpt2", "--json", "a.txt"]);
      expect(enc.code, enc.stderr).toBe(0);
      const ids = JSON.parse(enc.stdout) as number[];
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.length).toBeLessThan(sentence.length * 0.7); // the corpus' words merged
      const dec = cli(["bpe", "decode", "-t", tokFile, "--pattern", "gpt2"], JSON.stringify(ids));
      expect(dec.code, dec.stderr).toBe(0);
      expect(dec.stdout).toBe(sentence);
      const twice = Number(cli(["bpe", "count", "-t", tokFile, "--pattern", "gpt2"], sentence + sentence).stdout.trim());
      expect(twice).toBeGreaterThanOrEqual(2 * ids.length - 1);
      const cnt = cli(["bpe", "count", "-t", tokFile, "--pattern", "gpt2", "--json", "a.txt", "-"], sentence + sentence);
      expect(JSON.parse(cnt.stdout)).toEqual({ total: ids.length + twice, files: { "a.txt": ids.length, "-": twice } });
    }
    const tokens = cli(["bpe", "encode", "-t", "tok.json", "--tokens"], "light");
    expect(JSON.parse(tokens.stdout).map((p: [number, string]) => p[1]).join("")).toBe("light");
  });

  it("bpe count with cl100k_base.tiktoken agrees with gpt-tokenizer", () => {
    const text = readFileSync(GENESIS, "utf8");
    const r = cli(["bpe", "count", "-t", CL100K, GENESIS]);
    expect(r.code, r.stderr).toBe(0);
    expect(Number(r.stdout.trim())).toBe(gptEncode(text).length);
    const enc = cli(["bpe", "encode", "-t", CL100K], "hello world, tessera!");
    expect(enc.stdout.trim().split(" ").map(Number)).toEqual(gptEncode("hello world, tessera!"));
  });

  it("bpe bad input: one line, non-zero exit", async () => {
    writeFileSync(join(dir, "bad.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": 3}}");
    writeFileSync(join(dir, "bad.tiktoken"), "not base64!! x\n");
    const cases: [Promise<Run>, number, RegExp][] = [
      [cliAsync(["bpe", "train"], "some text"), 2, /--vocab-size: expected an integer, received none/],
      [cliAsync(["bpe", "train", "--vocab-size", "ten"], "x"), 2, /--vocab-size: expected a number, received "ten"/],
      [cliAsync(["bpe", "train", "--vocab-size", "2.5"], "x"), 2, /--vocab-size: expected an integer ≥ 1, received 2.5/],
      [cliAsync(["bpe", "train", "-v", "300", "--format", "xml"], "x"), 2, /--format: expected json or tiktoken, received "xml"/],
      [cliAsync(["bpe", "encode"], "x"), 2, /--tokenizer: expected a tokenizer.json or .tiktoken file, received none/],
      [cliAsync(["bpe", "encode", "-t", "missing.json"], "x"), 2, /cannot read missing.json/],
      [cliAsync(["bpe", "count", "-t", "tok.json", "nope.txt"]), 2, /cannot read nope.txt/],
      [cliAsync(["bpe", "encode", "-t", "tok.tiktoken", "--pattern", "gpt5"], "x"), 2, /--pattern: expected one of gpt2, cl100k, o200k, received "gpt5"/],
      [cliAsync(["bpe", "decode", "-t", "tok.json", "1", "x2"]), 2, /expected token ids \(integers ≥ 0\), received "x2"/],
      [cliAsync(["bpe", "encode", "-t", "bad.json"], "x"), 1, /^tessera-ml bpe encode: E_\w+: /],
      [cliAsync(["bpe", "count", "-t", "bad.tiktoken"], "x"), 1, /^tessera-ml bpe count: E_\w+: /],
    ];
    const runs = await Promise.all(cases.map((c) => c[0]));
    runs.forEach((r, i) => expectOneLineError(r, cases[i]![1], cases[i]![2]));
  });

  it("maze solves the notes' 4×4 maze and a seeded one; bad sizes are one line", () => {
    const r = cli(["maze", "--json", "--episodes", "500"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.reachedGoal).toBe(true);
    expect(out.moves).toBe(6); // the shortest route of the notes' maze
    const big = cli(["maze", "--size", "9x9", "--episodes", "2000", "--seed", "3"]);
    expect(big.code, big.stderr).toBe(0);
    expect(big.stdout).toMatch(/greedy path: \d+ moves/);
    expect(big.stdout.split("\n").slice(0, 9).join("")).toContain("··");
    expectOneLineError(cli(["maze", "--size", "banana"]), 2, /--size/);
    expectOneLineError(cli(["maze", "--episodes", "-4"]), 2, /--episodes/);
  });

  it("bench --quick --json gives one figure per line", () => {
    const r = cli(["bench", "--quick", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const figures = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(figures.length).toBeGreaterThanOrEqual(2);
    for (const f of figures) {
      expect(f).toMatchObject({ bench: "cli", impl: "tessera" });
      expect(f.value).toBeGreaterThan(0);
    }
  });

  it("w2v train writes text and binary vectors; similar and analogy agree with cosines computed from the text file", () => {
    const opts = ["--min-count", "2", "--vector-size", "16", "--epochs", "10", "--threads", "1", "--seed", "3"];
    const text = cli(["w2v", "train", GENESIS, ...opts, "--sg", "-o", "v.txt"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toMatch(/^trained \d+ words × 16 on \d+ words in [\d.]+ s \(loss [\d.]+ → [\d.]+\) → v.txt\n$/);
    const [header, ...rows] = readFileSync(join(dir, "v.txt"), "utf8").trimEnd().split("\n");
    const vectors = new Map(rows.map((r) => {
      const [w, ...xs] = r.split(" ");
      return [w!, xs.map(Number)] as const;
    }));
    expect(header).toBe(`${vectors.size} 16`);
    expect(vectors.has("god") && vectors.has("light") && !vectors.has("God")).toBe(true); // lowercased words
    for (const v of vectors.values()) expect(v).toHaveLength(16);
    const bin = cli(["w2v", "train", ...opts, "--sg", "--format", "binary", "-o", "v.bin"], readFileSync(GENESIS, "utf8"));
    expect(bin.code, bin.stderr).toBe(0);
    expect(readFileSync(join(dir, "v.bin")).length).toBe(header!.length + 1 + [...vectors.keys()].reduce((n, w) => n + Buffer.byteLength(w) + 1 + 64, 0)); // "word " + 16 float32 (gensim 4)

    const unit = (v: readonly number[]) => v.map((x) => x / Math.hypot(...v));
    const cosine = (a: readonly number[], b: readonly number[]) => unit(a).reduce((s, x, i) => s + x * unit(b)[i]!, 0);
    const sim = cli(["w2v", "similar", "v.txt", "God", "-n", "5"]);
    expect(sim.code, sim.stderr).toBe(0);
    const found = sim.stdout.trimEnd().split("\n").map((l) => l.split("\t"));
    expect(found).toHaveLength(5);
    const want = [...vectors].filter(([w]) => w !== "god").map(([w, v]) => [w, cosine(vectors.get("god")!, v)] as const).sort((a, b) => b[1] - a[1]);
    expect(found.map(([w]) => w)).toEqual(want.slice(0, 5).map(([w]) => w));
    found.forEach(([, s], i) => expect(Number(s)).toBeCloseTo(want[i]![1], 3));
    expect(cli(["w2v", "similar", "v.bin", "god", "-n", "5"]).stdout).toBe(sim.stdout); // binary: the same vectors

    const an = cli(["w2v", "analogy", "v.bin", "day", "light", "night", "--topn", "3", "--json"]);
    expect(an.code, an.stderr).toBe(0);
    const target = unit(vectors.get("light")!).map((x, i) => x - unit(vectors.get("day")!)[i]! + unit(vectors.get("night")!)[i]!);
    const best = [...vectors].filter(([w]) => !["day", "light", "night"].includes(w)).map(([w, v]) => [w, cosine(target, v)] as const).sort((a, b) => b[1] - a[1]);
    expect((JSON.parse(an.stdout) as [string, number][]).map(([w]) => w)).toEqual(best.slice(0, 3).map(([w]) => w));
  });

  it("w2v bad input: one line, non-zero exit", async () => {
    writeFileSync(join(dir, "not-vectors.txt"), "hello world\n");
    const cases: [Promise<Run>, number, RegExp][] = [
      [cliAsync(["w2v", "train", "--format", "xml"], "a b"), 2, /--format: expected text or binary, received "xml"/],
      [cliAsync(["w2v", "train", "--format", "binary"], "a b"), 2, /--out: expected a file for --format binary/],
      [cliAsync(["w2v", "similar", "v.txt"]), 2, /expected one word after the vectors file, received none/],
      [cliAsync(["w2v", "analogy", "v.txt", "a", "b"]), 2, /expected three words a b c after the vectors file, received "a" "b"/],
      [cliAsync(["w2v", "similar", "v.txt", "zebra"]), 1, /E_KEY: .*"zebra"/],
      [cliAsync(["w2v", "similar", "not-vectors.txt", "god"]), 1, /E_FORMAT: .*header/],
    ];
    const runs = await Promise.all(cases.map((c) => c[0]));
    runs.forEach((r, i) => expectOneLineError(r, cases[i]![1], cases[i]![2]));
  });

  // Three separated blobs in 4-D, 20 rows each, with a header and a species column (deterministic jitter).
  const BLOB_CENTRES = [[0, 0, 0, 0], [6, 6, 0, 1], [0, 8, 3, 2]];
  const blobRows = BLOB_CENTRES.flatMap((c, k) => Array.from({ length: 20 }, (_, i) => c.map((v, j) => v + Math.sin(7.3 * i + 3.1 * j + k)).concat(k)));
  const blobsCsv = ["a,b,c,d,species", ...blobRows.map((r) => `${r.slice(0, 4).map((v) => v.toFixed(4)).join(",")},s${r[4]}`)].join("\n") + "\n";
  const samePartition = (a: readonly (number | string)[], b: readonly (number | string)[]) =>
    a.every((x, i) => a.every((y, j) => (x === y) === (b[i] === b[j])));

  it("kmeans finds the three blobs; its inertia is that of the printed centres; --svg plots every row", () => {
    writeFileSync(join(dir, "blobs.csv"), blobsCsv.replace(/,s\d$/gm, "").replace(",species", ""));
    const r = cli(["kmeans", "blobs.csv", "--k", "3", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { labels: number[]; inertia: number; nIter: number; centers: number[][] };
    const truth = blobRows.map((row) => row[4]!);
    expect(samePartition(out.labels, truth)).toBe(true);
    const x = blobRows.map((row) => row.slice(0, 4).map((v) => Number(v.toFixed(4))));
    const inertia = x.reduce((s, row, i) => s + row.reduce((t, v, j) => t + (v - out.centers[out.labels[i]!]![j]!) ** 2, 0), 0);
    expect(out.inertia).toBeCloseTo(inertia, 2);
    expect(r.stderr).toMatch(/^3 clusters of 60 rows: inertia [\d.]+ after \d+ iterations\n$/);
    // whitespace-separated numbers on stdin, no header: the same clusters, one label per line
    const plain = cli(["kmeans", "-k", "3", "--svg", "k.svg"], x.map((row) => row.join(" ")).join("\n"));
    expect(plain.code, plain.stderr).toBe(0);
    const labels = plain.stdout.trimEnd().split("\n").map(Number);
    expect(labels).toHaveLength(60);
    expect(samePartition(labels, truth)).toBe(true);
    const svg = readFileSync(join(dir, "k.svg"), "utf8");
    expect(svg).toMatch(/^<svg [^>]*>/);
    expect(svg).toContain("PC1 (");
    expect(svg.match(/<circle /g)!.length).toBeGreaterThanOrEqual(60);
  });

  it("tsne embeds the blobs apart (CSV with labels, or an SVG); bad input is one line", async () => {
    writeFileSync(join(dir, "species.csv"), blobsCsv);
    const r = cli(["tsne", "species.csv", "--perplexity", "10", "--iterations", "300", "--labels", "species"]);
    expect(r.code, r.stderr).toBe(0);
    const [head, ...rows] = r.stdout.trimEnd().split("\n");
    expect(head).toBe("x,y,label");
    expect(rows).toHaveLength(60);
    const pts = rows.map((l) => l.split(","));
    expect(pts.map((p) => p[2])).toEqual(blobRows.map((row) => `s${row[4]}`));
    // every point's nearest neighbour in the embedding is from its own blob
    for (const [i, p] of pts.entries()) {
      const d = pts.map((q, j) => (j === i ? Infinity : Math.hypot(Number(p[0]) - Number(q[0]), Number(p[1]) - Number(q[1]))));
      expect(pts[d.indexOf(Math.min(...d))]![2]).toBe(p[2]);
    }
    expect(r.stderr).toMatch(/^t-SNE of 60 rows: KL divergence [\d.]+ after \d+ iterations\n$/);
    const plot = cli(["tsne", "-p", "10", "-i", "250", "--labels=-1", "--svg", "t.svg"], blobsCsv);
    expect(plot.code, plot.stderr).toBe(0);
    expect(plot.stdout).toBe("");
    expect(readFileSync(join(dir, "t.svg"), "utf8")).toMatch(/>s0<\/text>[^]*>s2<\/text>/); // the legend

    writeFileSync(join(dir, "ragged.csv"), "1,2\n3,4,5\n");
    writeFileSync(join(dir, "word.csv"), "x,y\n1,2\n3,oops\n");
    writeFileSync(join(dir, "one.csv"), "1\n2\n3\n");
    const cases: [Promise<Run>, number, RegExp][] = [
      [cliAsync(["kmeans", "--k", "61", "blobs.csv"]), 2, /--k: expected at most the 60 rows of the table, received 61/],
      [cliAsync(["kmeans", "--k", "2", "--algorithm", "fast", "blobs.csv"]), 2, /--algorithm: expected lloyd or elkan, received "fast"/],
      [cliAsync(["kmeans", "--k", "2", "--svg", "o.svg", "one.csv"]), 2, /--svg: expected at least 2 rows and 2 numeric columns to plot, received 3 × 1/],
      [cliAsync(["kmeans", "--k", "2", "ragged.csv"]), 1, /E_FORMAT: ragged.csv: line 2: expected 2 columns \(as line 1\), received 3/],
      [cliAsync(["kmeans", "--k", "2", "word.csv"]), 1, /E_FORMAT: word.csv: line 3, column 2: expected a finite number, received "oops"/],
      [cliAsync(["kmeans", "--k", "2", "blobs.csv", "one.csv"]), 2, /expected one table \(CSV file\), received 2/],
      [cliAsync(["tsne", "-p", "60", "species.csv", "-l", "species"]), 2, /--perplexity: expected a number below the 60 rows of the table, received 60/],
      [cliAsync(["tsne", "--labels", "genus", "species.csv"]), 2, /--labels: expected a column index or a header name \(a, b, c, d, species\), received "genus"/],
      [cliAsync(["tsne", "--labels", "7", "species.csv"]), 2, /--labels: expected a column index in \[-5, 4\] or a header name, received 7/],
      [cliAsync(["tsne", "species.csv"]), 1, /E_FORMAT: species.csv: line 2, column 5: expected a finite number, received "s0"/],
      [cliAsync(["tsne"], "# nothing\n\n"), 1, /E_FORMAT: stdin: expected rows of numbers, received no rows/],
    ];
    const runs = await Promise.all(cases.map((c) => c[0]));
    runs.forEach((res, i) => expectOneLineError(res, cases[i]![1], cases[i]![2]));
  });

  it("gpt train saves a folder pipeline() loads; the loss falls; gpt sample = pipeline's generation with the same options", async () => {
    const r = cli(["gpt", "train", GENESIS, "-o", "tiny", "--epochs", "3", "--layers", "1", "--embd", "32", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ vocabSize: 384, steps: 30, out: "tiny" }); // ⌊(tokens − 1) / 32⌋ windows in batches of 16, 3 epochs
    expect(s.firstLoss).toBeCloseTo(Math.log(384), 0); // a fresh model: about uniform over the vocabulary
    expect(s.finalLoss).toBeLessThan(s.firstLoss - 0.8);
    expect(r.stderr).toMatch(/^trained a GPT of \d+ parameters on \d+ tokens: 30 steps in [\d.]+ s, loss [\d.]+ → [\d.]+ → tiny\n$/);
    expect(JSON.parse(readFileSync(join(dir, "tiny/config.json"), "utf8"))).toMatchObject({ model_type: "gpt2", n_layer: 1, n_head: 2, n_embd: 32, n_positions: 32, vocab_size: 384 });
    expect(Object.keys(JSON.parse(readFileSync(join(dir, "tiny/tokenizer.json"), "utf8")).model.vocab)).toHaveLength(384);
    const capped = cli(["gpt", "train", "-o", "capped", "--steps", "4", "--json"], readFileSync(GENESIS, "utf8"));
    expect(JSON.parse(capped.stdout).steps).toBe(4);

    const p = await pipeline("text-generation", { model: join(dir, "tiny") });
    const greedy = cli(["gpt", "sample", "tiny", "--prompt", "And God said", "-n", "12", "-t", "0"]);
    expect(greedy.code, greedy.stderr).toBe(0);
    expect(greedy.stdout).toBe((await p("And God said", { maxNewTokens: 12 }))[0]!.generated_text + "\n");
    const options = ["-n", "16", "--temperature", "0.9", "--top-k", "20", "--top-p", "0.95", "--seed", "5", "--json"];
    const sampled = cli(["gpt", "sample", "tiny", ...options], "In the beginning\n"); // the prompt on stdin
    expect(sampled.code, sampled.stderr).toBe(0);
    expect(JSON.parse(sampled.stdout)).toEqual(await p("In the beginning", { maxNewTokens: 16, doSample: true, temperature: 0.9, topK: 20, topP: 0.95, seed: 5 }));
    p.model.dispose();
  });

  it("gpt bad input: one line, non-zero exit", async () => {
    writeFileSync(join(dir, "a-file"), "");
    const text = readFileSync(GENESIS, "utf8");
    const cases: [Promise<Run>, number, RegExp][] = [
      [cliAsync(["gpt", "train"], text), 2, /--out: expected a folder to save the model in, received none/],
      [cliAsync(["gpt", "train", "-o", "a-file/x"], text), 2, /--out: cannot create the folder a-file\/x/],
      [cliAsync(["gpt", "train", "-o", "m", "--heads", "5"], text), 2, /--heads: expected a divisor of --embd 48, received 5/],
      [cliAsync(["gpt", "train", "-o", "m", "--block-size", "64"], "too short"), 2, /--block-size: expected fewer than the \d+ tokens of the text, received 64/],
      [cliAsync(["gpt", "sample", "-p", "hi"]), 2, /expected one model folder, received none/],
      [cliAsync(["gpt", "sample", "tiny", "-p", "hi", "--top-p", "0"]), 2, /--top-p: expected a number in \(0, 1\], received 0/],
      [cliAsync(["gpt", "sample", "tiny"], ""), 2, /--prompt: expected text to continue, received none/],
      [cliAsync(["gpt", "sample", "missing", "-p", "hi"]), 1, /E_VALUE: .*missing\/tokenizer.json/],
      [cliAsync(["gpt", "sample", "tiny", "-p", text.slice(0, 400)]), 1, /E_SHAPE: .*at most blockSize = 32 tokens/],
    ];
    const runs = await Promise.all(cases.map((c) => c[0]));
    runs.forEach((res, i) => expectOneLineError(res, cases[i]![1], cases[i]![2]));
  });
});
