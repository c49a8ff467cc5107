// examples/text-classification.mjs (the notes' word2vec text classification, 001 §1.2.4) runs
// against the built package and reports accuracy and F1 above 0.9 for both feature sets.
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";

const root = new URL("../../", import.meta.url).pathname;

describe.skipIf(!existsSync(`${root}dist/index.js`))("examples/text-classification.mjs", () => {
  it("averaged word2vec and TF-IDF features both classify the held-out reviews", () => {
    const out = execFileSync(process.execPath, ["--experimental-wasm-relaxed-simd", `${root}examples/text-classification.mjs`], { encoding: "utf8" });
    const scores = [...out.matchAll(/accuracy ([\d.]+), F1 ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(scores.length).toBe(2);
    for (const [accuracy, f1] of scores) {
      expect(accuracy).toBeGreaterThan(0.9);
      expect(f1).toBeGreaterThan(0.9);
    }
  });
});
