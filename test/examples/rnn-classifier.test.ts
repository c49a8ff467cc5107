// examples/rnn-classifier.mjs (the notes' RNN and LSTM classifiers) runs against the built package,
// prints falling losses and classifies "I hate this movie" as negative.
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";

const root = new URL("../../", import.meta.url).pathname;

describe.skipIf(!existsSync(`${root}dist/index.js`))("examples/rnn-classifier.mjs", () => {
  it("learns both tasks and predicts the right classes", () => {
    const out = execFileSync(process.execPath, ["--experimental-wasm-relaxed-simd", `${root}examples/rnn-classifier.mjs`], { encoding: "utf8" });
    const [rnnPart, lstmPart] = out.split("== LSTM");
    for (const part of [rnnPart, lstmPart]) {
      const losses = [...part.matchAll(/Loss: ([\d.]+)/g)].map((m) => Number(m[1]));
      expect(losses.length).toBeGreaterThanOrEqual(10);
      expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 5);
    }
    expect(out).toContain('"I hate this movie" → predicted class: 0 (negative)');
    expect(out).toContain("predicted class: 1 (expected 1)");
  });
});
