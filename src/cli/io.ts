// Files, standard input and progress for the CLI (Node, Deno and Bun: node:fs).
import { readFileSync, writeFileSync } from "node:fs";
import { ProgressBar, type ProgressState } from "../train/progress.js";
import { UsageError, type Io } from "./command.js";

export function readText(path: string): string {
  return new TextDecoder().decode(readBytes(path));
}

export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message.split("\n")[0]}`);
  }
}

export function writeFile(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** The texts named on the command line ("-" is stdin), or stdin when none are named and it is piped. */
export async function inputTexts(files: string[], io: Io, what: string): Promise<string[]> {
  if (files.length === 0) {
    if (io.stdinIsTTY) throw new UsageError(`expected ${what} as files or on standard input, received neither`);
    return [await io.readStdin()];
  }
  const out: string[] = [];
  for (const f of files) out.push(f === "-" ? await io.readStdin() : readText(f));
  return out;
}

/** A progress line on stderr when it is a terminal (reusing the training bar); a no-op otherwise. */
export function progress(io: Io, label: string, total: number, unit: string): { tick(done: number): void; end(summary: string): void } {
  if (!io.stderrIsTTY) return { tick() {}, end() {} };
  const bar = new ProgressBar({ write: (t) => io.stderr(t), columns: (globalThis as { process?: { stderr?: { columns?: number } } }).process?.stderr?.columns });
  const t0 = performance.now();
  const state = (done: number): ProgressState => ({ epoch: 1, epochs: 1, batch: done, batches: total, loss: null, elapsed: (performance.now() - t0) / 1000, label, unit });
  return { tick: (done) => bar.update(state(done)), end: (summary) => bar.end(summary) };
}
