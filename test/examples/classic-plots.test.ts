// examples/kmeans-tsne.mjs (notes 000) and examples/pca-words.mjs (notes 002) run against the built
// package: KMeans recovers the four generating topics, the t-SNE keeps neighbourhoods, and both
// write their SVG plots (every point drawn, every word written) to out/.
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

const root = new URL("../../", import.meta.url).pathname;
const run = (name: string) => execFileSync(process.execPath, ["--experimental-wasm-relaxed-simd", `${root}examples/${name}`], { encoding: "utf8" });

describe.skipIf(!existsSync(`${root}dist/index.js`))("classic-ML examples", () => {
  it("kmeans-tsne.mjs clusters the topic embeddings and draws them", () => {
    const out = run("kmeans-tsne.mjs");
    expect(out).toMatch(/cluster sizes (140|110|90|60), (140|110|90|60), (140|110|90|60), (140|110|90|60)/);
    expect(out).toContain("adjusted Rand index against the generating topics: 1.000");
    const trust = Number(/trustworthiness \(k = 10\) ([\d.]+)/.exec(out)![1]);
    expect(trust).toBeGreaterThan(0.9);
    const svg = readFileSync(`${root}out/kmeans-tsne.svg`, "utf8");
    expect((svg.match(/<circle /g) ?? []).length).toBe(400 + 4); // points + legend swatches
  });

  it("pca-words.mjs trains the notes' GloVe and writes every word on the PCA plot", () => {
    const out = run("pca-words.mjs");
    const [, first, last] = /Epoch 20\/100, Loss: ([\d.]+)[\s\S]*Epoch 100\/100, Loss: ([\d.]+)/.exec(out)!;
    expect(Number(last)).toBeLessThan(Number(first));
    const svg = readFileSync(`${root}out/pca-words.svg`, "utf8");
    for (const w of ["I", "love", "machine", "learning", "deep", "is", "fun"]) expect(svg).toContain(`>${w}</text>`);
  });
});
