// Shared test helpers: tessera tokenizers built from the rank data shipped in js-tiktoken (the
// devDependency, so no vocabulary file is committed), converted to .tiktoken text on the way so the
// .tiktoken loader is exercised too.
import cl100k from "js-tiktoken/ranks/cl100k_base";
import o200k from "js-tiktoken/ranks/o200k_base";
import { fromTiktoken, type BPETokenizer } from "../../src/index.js";

type Ranks = { pat_str: string; special_tokens: Record<string, number>; bpe_ranks: string };

/** js-tiktoken's compressed rank lines ("<prefix> <offset> tok tok ...") as .tiktoken text. */
export function toTiktokenText(ranks: Ranks): string {
  const out: string[] = [];
  for (const line of ranks.bpe_ranks.split("\n")) {
    if (!line) continue;
    const [, offset, ...tokens] = line.split(" ");
    tokens.forEach((t, i) => out.push(`${t} ${Number(offset) + i}`));
  }
  return out.join("\n");
}

const built = new Map<string, BPETokenizer>();

export function tesseraEncoding(name: "cl100k_base" | "o200k_base"): BPETokenizer {
  let t = built.get(name);
  if (!t) {
    const ranks = (name === "cl100k_base" ? cl100k : o200k) as Ranks;
    t = fromTiktoken(toTiktokenText(ranks), { pattern: name === "cl100k_base" ? "cl100k" : "o200k", specialTokens: ranks.special_tokens });
    built.set(name, t);
  }
  return t;
}

export const jsTiktokenRanks = { cl100k_base: cl100k as Ranks, o200k_base: o200k as Ranks };

/** Seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Least CPU time (ms, this process: user + system) fn takes over `runs` runs. Timing tests compare
 * two such figures, never a wall-clock limit: CPU time leaves out the other processes sharing the
 * machine (vitest runs test files side by side).
 */
export function bestCpuMs(fn: () => unknown, runs = 3): number {
  let best = Infinity;
  for (let k = 0; k < runs; k++) {
    const t0 = process.cpuUsage();
    fn();
    const t = process.cpuUsage(t0);
    best = Math.min(best, (t.user + t.system) / 1000);
  }
  return best;
}
