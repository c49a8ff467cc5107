// Mutation fuzz of tokenizer.json (byte-level and character-level BPE, a cl100k-style Split +
// ByteLevel file, BERT WordPiece) and .tiktoken files: every mutant either loads or is refused with
// E_FORMAT; a loaded one encodes, decodes, batches and offsets the probe strings throwing nothing but
// TesseraErrors. Each case runs in a worker (fuzz-worker.mjs, against the built dist/) under a
// watchdog, so a hang fails the test instead of stalling it. Where tokenizers.js (tokenizer.json)
// or js-tiktoken (.tiktoken) load the same mutant, ids are compared and differences reported;
// equality is asserted where it is expected (see the last test). Seeded: a failure names the case.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Worker } from "node:worker_threads";
import { existsSync, readdirSync, statSync } from "node:fs";

const SEED = 20261201;
const CASES = { json: 480, tiktoken: 160 };
const CASE_LIMIT_MS = 15_000; // a case takes milliseconds; this only catches hangs
const root = new URL("../../", import.meta.url);

interface Ours { load: string; errors: string[]; crashes: string[] }
interface Compare { equal: number; differ: { probe: number; ours: number[]; ref: number[]; explained: string | null }[] }
interface Result { kind: string; index: number; base: number; steps: string[]; ours?: Ours; compare?: Compare | null; hang?: "ours" | "reference" }

/** The built package must be newer than the tokenizer sources the fuzz is meant to test. */
function staleBuild(): string | null {
  const dist = new URL("dist/tokenizers/index.js", root);
  if (!existsSync(dist)) return "dist/ is missing: run npm run build (npm test does)";
  const built = Math.min(statSync(dist).mtimeMs, statSync(new URL("build/simd.wasm", root)).mtimeMs);
  const sources = [...readdirSync(new URL("src/tokenizers/", root)).map((f) => `src/tokenizers/${f}`),
    "assembly/bpe-merge.ts", "assembly/pretokenize.ts", "assembly/bytekeys.ts", "assembly/abi.ts"];
  const newer = sources.filter((f) => statSync(new URL(f, root)).mtimeMs > built);
  return newer.length ? `dist/ is older than ${newer.join(", ")}: run npm run build` : null;
}

class Runner {
  private worker: Worker | null = null;

  private spawn(): Worker {
    this.worker ??= new Worker(new URL("./fuzz-worker.mjs", import.meta.url), { execArgv: [] });
    return this.worker;
  }

  async stop(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }

  /** Runs one case; a phase that overruns CASE_LIMIT_MS is recorded as a hang and the worker replaced. */
  run(kind: "json" | "tiktoken", index: number): Promise<Result> {
    const w = this.spawn();
    const result: Result = { kind, index, base: -1, steps: [] };
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout>;
      const arm = (phase: "ours" | "reference") => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          w.off("message", onMessage);
          w.off("error", onError);
          result.hang = phase;
          void this.stop().then(() => resolve(result));
        }, CASE_LIMIT_MS);
      };
      const onError = (e: Error) => {
        clearTimeout(timer);
        w.off("message", onMessage);
        this.worker = null;
        reject(new Error(`seed ${SEED} ${kind} case ${index} (${result.steps.join("; ")}): worker died: ${e.message}`));
      };
      const onMessage = (m: { phase: string; steps?: string[]; base?: number; out?: Ours; compare?: Compare | null }) => {
        if (m.phase === "start") { result.steps = m.steps!; result.base = m.base!; arm("ours"); }
        if (m.phase === "ours") { result.ours = m.out; arm("reference"); }
        if (m.phase === "done") {
          clearTimeout(timer);
          w.off("message", onMessage);
          w.off("error", onError);
          result.compare = m.compare;
          resolve(result);
        }
      };
      w.on("message", onMessage);
      w.once("error", onError);
      arm("ours");
      w.postMessage({ kind, seed: SEED, index });
    });
  }
}

const stale = staleBuild();

describe("mutation fuzz of tokenizer.json and .tiktoken files", () => {
  const runner = new Runner();
  const results: Result[] = [];

  beforeAll(async () => {
    if (stale) return;
    for (const kind of ["json", "tiktoken"] as const) {
      for (let i = 0; i < CASES[kind]; i++) results.push(await runner.run(kind, i));
    }
  }, 600_000);
  afterAll(() => runner.stop());

  const name = (r: Result) => `seed ${SEED} ${r.kind} case ${r.index} (base ${r.base}: ${r.steps.join("; ")})`;

  it("runs against a current build", () => {
    expect(stale).toBeNull();
    expect(results.length).toBe(CASES.json + CASES.tiktoken);
  });
  if (stale) return; // the test above says why; the rest would only repeat it

  it("no case hangs", () => {
    expect(results.filter((r) => r.hang === "ours").map(name)).toEqual([]);
  });

  it("loading either succeeds or throws E_FORMAT", () => {
    const bad = results.filter((r) => r.ours && r.ours.load !== "ok" && r.ours.load !== "E_FORMAT");
    expect(bad.map((r) => `${name(r)}: ${r.ours!.load}`)).toEqual([]);
    // Both outcomes occur: the fuzz is not all rejects nor all no-ops.
    for (const kind of ["json", "tiktoken"]) {
      const mine = results.filter((r) => r.kind === kind);
      expect(mine.some((r) => r.ours?.load === "ok")).toBe(true);
      expect(mine.some((r) => r.ours?.load === "E_FORMAT")).toBe(true);
    }
  });

  it("a loaded tokenizer encodes, decodes, batches and offsets throwing only TesseraErrors", () => {
    const crashed = results.filter((r) => r.ours && r.ours.crashes.length > 0);
    expect(crashed.map((r) => `${name(r)}: ${r.ours!.crashes.join(" | ")}`)).toEqual([]);
  });

  it("ids agree with tokenizers.js / js-tiktoken wherever both load the mutant, except where the reference departs from Hugging Face", () => {
    const compared = results.filter((r) => r.compare);
    const differing = compared.filter((r) => r.compare!.differ.length > 0);
    const unexplained = differing.filter((r) => r.compare!.differ.some((d) => d.explained === null));
    const summary = {
      cases: results.length, compared: compared.length,
      loaded: Object.fromEntries(["json 0", "json 1", "json 2", "json 3", "tiktoken 0"].map((k) => [k,
        `${results.filter((r) => `${r.kind} ${r.base}` === k && r.ours?.load === "ok").length} of ${results.filter((r) => `${r.kind} ${r.base}` === k).length}`])),
      differing: differing.length, referenceHangs: results.filter((r) => r.hang === "reference").length,
      encodeErrors: [...new Set(results.flatMap((r) => r.ours?.errors ?? []).map((e) => e.replace(/probe \d+/, "probe")))],
    };
    console.log(JSON.stringify(summary, null, 1));
    for (const r of differing.slice(0, 40)) console.log(name(r), JSON.stringify(r.compare!.differ[0]));
    expect(compared.length).toBeGreaterThan(0);
    expect(unexplained.map((r) => `${name(r)}: ${JSON.stringify(r.compare!.differ)}`)).toEqual([]);
  });
});
