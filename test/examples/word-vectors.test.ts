// examples/word-vectors.mjs runs against the built package: the notes' co-occurrence matrix, a
// falling GloVe cost, king − man + woman ≈ queen, every planted analogy right and an exact binary
// round trip.
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";

const root = new URL("../../", import.meta.url).pathname;

describe.skipIf(!existsSync(`${root}dist/index.js`))("examples/word-vectors.mjs", () => {
  it("prints the notes' matrix and solves the planted analogies", () => {
    const out = execFileSync(process.execPath, ["--experimental-wasm-relaxed-simd", `${root}examples/word-vectors.mjs`], { encoding: "utf8" });
    expect(out).toMatch(/learning\s+0\s+2\s+2\s+0\s+2\s+2\s+2/);
    const [, first, last] = /GloVe cost: epoch 1 ([\d.]+) → epoch 50 ([\d.]+)/.exec(out)!;
    expect(Number(last)).toBeLessThan(Number(first) / 10);
    expect(out).toMatch(/king − man \+ woman ≈ queen/);
    expect(out).toMatch(/prince − boy \+ girl ≈ princess/);
    expect(out).toContain("Total accuracy 7/7");
    expect(out).toContain("same vectors: true");
  });
});
