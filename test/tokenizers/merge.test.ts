// Rank-based merging in WASM (assembly/bpe-merge.ts bpeMerge: a heap with lazy deletion, compacted
// when full so its scratch is 24 bytes per symbol) against a plain-JS reference of tiktoken's
// byte_pair_merge: repeatedly merge the adjacent pair of lowest rank, the leftmost on ties.
// Seeded random merge tables over a small alphabet make long chains of merges, so the heap fills
// and compacts; a failure prints the seed and the case.
import { describe, expect, it } from "vitest";
import { heapI32 } from "../../src/runtime/wasm.js";
import { MergeTable, SMALL_PIECE } from "../../src/tokenizers/merge-table.js";
import { rng } from "./helpers.js";

function referenceMerge(ids: number[], rank: Map<string, [number, number]>): number[] {
  const s = ids.slice();
  for (;;) {
    let best = -1, bestRank = Infinity;
    for (let i = 0; i + 1 < s.length; i++) {
      const r = rank.get(`${s[i]},${s[i + 1]}`);
      if (r !== undefined && r[0] < bestRank) { bestRank = r[0]; best = i; }
    }
    if (best < 0) return s;
    s.splice(best, 2, rank.get(`${s[best]},${s[best + 1]}`)![1]);
  }
}

describe("bpeMerge", () => {
  it("equals the reference on seeded random tables and pieces, short and past the kept scratch", () => {
    const seed = 4242;
    const r = rng(seed);
    for (let table = 0; table < 6; table++) {
      // Symbols 0..3; each merge makes a new id from two existing ones. The merge list's order is
      // the rank: in creation order (trained BPE) or shuffled (tiktoken splits can rank a pair
      // below its parts).
      const made: [number, number, number][] = [];
      let next = 4;
      const seen = new Set<string>();
      for (let m = 0; m < 60; m++) {
        const a = Math.floor(r() * next), b = Math.floor(r() * next);
        if (seen.has(`${a},${b}`)) continue;
        seen.add(`${a},${b}`);
        made.push([a, b, next++]);
      }
      if (table % 2 === 1) for (let i = made.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [made[i], made[j]] = [made[j], made[i]]; }
      const rank = new Map(made.map(([a, b, id], rk) => [`${a},${b}`, [rk, id] as [number, number]]));
      const t = MergeTable.fromMerges(Int32Array.from(made.flat()));
      try {
        for (const n of [0, 1, 2, 3, 17, 200, 3000, SMALL_PIECE + 5]) {
          const ids = Array.from({ length: n }, () => (r() < 0.7 ? 0 : Math.floor(r() * 4)));
          const base = t.reserve(n);
          heapI32().set(ids, base);
          const m = t.merge(n);
          const got = Array.from(heapI32().subarray(base, base + m));
          if (n <= 3000) expect(got, `seed ${seed} table ${table} n ${n}`).toEqual(referenceMerge(ids, rank));
          else expect(got.length).toBeGreaterThan(0);
          t.trim();
        }
      } finally {
        t.dispose();
      }
    }
  });
});
