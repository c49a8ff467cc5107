// Clustering metrics against scikit-learn 1.2 (fixture made by
// test/fixtures/make_cluster_fixtures.py): silhouette_score (including a singleton cluster),
// adjusted_rand_score (identical, permuted, degenerate and random labelings) and trustworthiness,
// to 1e-9 (the same float64 arithmetic up to summation order), then bad input.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { metrics, tensor } from "../../src/index.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/cluster/metrics.json", import.meta.url), "utf8"));
const code = (c: string) => expect.objectContaining({ code: c });

describe("clustering metrics match scikit-learn", () => {
  fixture.silhouette.forEach((c: { X: number[][]; labels: number[]; score: number }, i: number) => {
    it(`silhouetteScore, case ${i}`, () => {
      expect(Math.abs(metrics.silhouetteScore(c.X, c.labels) - c.score)).toBeLessThan(1e-9);
    });
  });
  fixture.adjustedRand.forEach((c: { labelsTrue: number[]; labelsPred: number[]; score: number }, i: number) => {
    it(`adjustedRandScore, case ${i}`, () => {
      expect(Math.abs(metrics.adjustedRandScore(c.labelsTrue, c.labelsPred) - c.score)).toBeLessThan(1e-9);
    });
  });
  fixture.trustworthiness.forEach((c: { X: number[][]; embedded: number[][]; nNeighbors: number; score: number }, i: number) => {
    it(`trustworthiness, case ${i}`, () => {
      expect(Math.abs(metrics.trustworthiness(c.X, c.embedded, { nNeighbors: c.nNeighbors }) - c.score)).toBeLessThan(1e-9);
    });
  });
});

describe("clustering metrics behaviour", () => {
  const X = [[0, 0], [0, 1], [5, 5], [5, 6], [9, 0], [9, 1]];
  it("accepts string labels, Int32Array and int32 tensors; precomputed distances agree with euclidean", () => {
    const s = metrics.silhouetteScore(X, ["a", "a", "b", "b", "c", "c"]);
    expect(metrics.silhouetteScore(X, Int32Array.from([0, 0, 1, 1, 2, 2]))).toBe(s);
    const t = tensor([0, 0, 1, 1, 2, 2], undefined, { dtype: "int32" });
    expect(metrics.silhouetteScore(X, t)).toBe(s);
    const D = X.map((a) => X.map((b) => Math.hypot(a[0] - b[0], a[1] - b[1])));
    expect(metrics.silhouetteScore(D, [0, 0, 1, 1, 2, 2], { metric: "precomputed" })).toBeCloseTo(s, 12);
    expect(metrics.silhouetteSamples(X, [0, 0, 1, 1, 2, 2]).length).toBe(6);
    expect(metrics.adjustedRandScore(["x", "y", "y"], [1, 0, 0])).toBe(1);
    expect(metrics.trustworthiness(D, X, { nNeighbors: 2, metric: "precomputed" })).toBeCloseTo(metrics.trustworthiness(X, X, { nNeighbors: 2 }), 12);
  });

  it("rejects bad input with stable codes naming the argument", () => {
    expect(() => metrics.silhouetteScore(X, [0, 0, 0, 0, 0, 0])).toThrow(code("E_VALUE"));
    expect(() => metrics.silhouetteScore(X, [0, 1, 2, 3, 4, 5])).toThrow(/labels/);
    expect(() => metrics.silhouetteScore(X, [0, 1])).toThrow(code("E_SHAPE"));
    expect(() => metrics.silhouetteScore(X, [0, 0, 1, 1, 2, 2.5])).toThrow(code("E_VALUE"));
    expect(() => metrics.silhouetteScore([[0, NaN], [1, 1], [2, 2]], [0, 1, 1])).toThrow(/X\[0\]\[1\]/);
    expect(() => metrics.silhouetteScore(X, [0, 0, 1, 1, 2, 2], { metric: "cosine" as never })).toThrow(code("E_VALUE"));
    expect(() => metrics.silhouetteScore(X, [0, 0, 1, 1, 2, 2], { metric: "precomputed" })).toThrow(code("E_SHAPE"));
    expect(() => metrics.adjustedRandScore([0, 1], [0])).toThrow(code("E_SHAPE"));
    expect(() => metrics.adjustedRandScore("ab" as never, [0])).toThrow(code("E_TYPE"));
    expect(() => metrics.trustworthiness(X, X, { nNeighbors: 3 })).toThrow(code("E_VALUE"));
    expect(() => metrics.trustworthiness(X, X.slice(1))).toThrow(code("E_SHAPE"));
    expect(() => metrics.trustworthiness(X, X, { nNeighbors: 0 })).toThrow(/nNeighbors/);
  });
});
