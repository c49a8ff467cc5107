// KMeans and MiniBatchKMeans against scikit-learn 1.2 (fixture made by
// test/fixtures/make_cluster_fixtures.py): from the same initial centres, labels equal sklearn's,
// inertia within 1e-6 relative and the same iteration count, for Lloyd and Elkan; with k-means++
// and nInit 10 the best inertia within 0.1 % of sklearn's (seed 0 against random_state 0) on every
// data set; predict / transform / score; MiniBatchKMeans' median inertia over five seeds within 2 %
// of sklearn's median. Then determinism (seed, thread count), the input forms, and bad input.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { cluster, setThreads, tensor, Generator } from "../../src/index.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/cluster/kmeans.json", import.meta.url), "utf8"));
const code = (c: string) => expect.objectContaining({ code: c });
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

function blobs(n: number, d: number, k: number, seed: number, std = 1): { X: number[][]; y: number[] } {
  const g = new Generator(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => 10 * (g.random() * 2 - 1)));
  const X: number[][] = [], y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % k;
    X.push(centres[c].map((v) => v + std * g.normal()));
    y.push(c);
  }
  return { X, y };
}

describe("KMeans matches scikit-learn", () => {
  for (const c of fixture.cases) {
    for (const algorithm of ["lloyd", "elkan"] as const) {
      it(`${c.name}, ${algorithm}, same initial centres`, () => {
        const km = new cluster.KMeans({ nClusters: c.k, init: c.init, algorithm }).fit(c.X);
        const want = c.given[algorithm];
        expect(Array.from(km.labels)).toEqual(want.labels);
        expect(Math.abs(km.inertia - want.inertia) / want.inertia).toBeLessThan(1e-6);
        expect(km.nIter).toBe(want.nIter);
        const centres = km.clusterCenters.data();
        want.centres.flat().forEach((v: number, i: number) => expect(Math.abs(centres[i] - v)).toBeLessThan(1e-4 * (1 + Math.abs(v))));
      });
    }
    it(`${c.name}, k-means++ nInit 10: best inertia within 0.1 % of sklearn's`, () => {
      const km = new cluster.KMeans({ nClusters: c.k, seed: 0 }).fit(c.X);
      expect(km.inertia / c.kmeansPlusPlus.inertia[0] - 1, `seed 0: ${km.inertia} vs sklearn ${c.kmeansPlusPlus.inertia[0]}`).toBeLessThan(1e-3);
      const elkan = new cluster.KMeans({ nClusters: c.k, seed: 0, algorithm: "elkan" }).fit(c.X);
      expect(elkan.inertia / c.kmeansPlusPlus.inertia[0] - 1).toBeLessThan(1e-3);
    });
    it(`${c.name}, random init nInit 10: within 0.1 % of sklearn's`, () => {
      const km = new cluster.KMeans({ nClusters: c.k, init: "random", seed: 0 }).fit(c.X);
      expect(km.inertia / c.random.inertia - 1).toBeLessThan(1e-3);
    });
    it(`${c.name}: predict, transform and score after fit`, () => {
      const km = new cluster.KMeans({ nClusters: c.k, init: c.init, nInit: 1 }).fit(c.X);
      expect(Array.from(km.predict(c.predict.X))).toEqual(c.predict.labels);
      const t = km.transform(c.predict.X);
      expect(t.shape).toEqual([c.predict.X.length, c.k]);
      const dist = t.data();
      c.predict.transform.flat().forEach((v: number, i: number) => expect(Math.abs(dist[i] - v)).toBeLessThan(1e-3 * (1 + v)));
      expect(Math.abs(km.score(c.predict.X) - c.predict.score) / Math.abs(c.predict.score)).toBeLessThan(1e-6);
    });
    it(`${c.name}: MiniBatchKMeans median inertia over 5 seeds within 2 % of sklearn's`, () => {
      const ours = [0, 1, 2, 3, 4].map((seed) => new cluster.MiniBatchKMeans({ nClusters: c.k, seed, batchSize: c.miniBatch.batchSize }).fit(c.X).inertia);
      expect(median(ours) / median(c.miniBatch.inertia) - 1, `ours ${ours} vs sklearn ${c.miniBatch.inertia}`).toBeLessThan(0.02);
    });
  }
});

describe("KMeans behaviour", () => {
  it("is reproducible for a seed and independent of the thread count", () => {
    const { X } = blobs(5000, 16, 8, 1, 3);
    setThreads(1);
    const a = new cluster.KMeans({ nClusters: 8, nInit: 4, seed: 7 }).fit(X);
    setThreads(2);
    const b = new cluster.KMeans({ nClusters: 8, nInit: 4, seed: 7 }).fit(X);
    const e = new cluster.KMeans({ nClusters: 8, nInit: 4, seed: 7, algorithm: "elkan" }).fit(X);
    expect(b.inertia).toBe(a.inertia);
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(Array.from(b.clusterCenters.data())).toEqual(Array.from(a.clusterCenters.data()));
    // Elkan prunes distances but reaches the same partition here.
    expect(Math.abs(e.inertia - a.inertia) / a.inertia).toBeLessThan(1e-9);
  });

  it("accepts rows, { data, shape } and 2-d tensors alike", () => {
    const { X } = blobs(90, 3, 3, 2);
    const flat = Float32Array.from(X.flat());
    const a = new cluster.KMeans({ nClusters: 3, seed: 1 }).fit(X.map((r) => Float32Array.from(r)));
    const b = new cluster.KMeans({ nClusters: 3, seed: 1 }).fit({ data: flat, shape: [90, 3] });
    const t = tensor(flat, [90, 3]);
    const c = new cluster.KMeans({ nClusters: 3, seed: 1 }).fit(t);
    expect(b.inertia).toBe(a.inertia);
    expect(c.inertia).toBe(a.inertia);
    expect(Array.from(c.fitPredict(t))).toEqual(Array.from(a.labels));
    expect(c.fitTransform(t).shape).toEqual([90, 3]);
    t.dispose();
  });

  it("handles k = 1, k = n and duplicate rows (empty clusters relocated, no NaN)", () => {
    const X = [[0, 0], [0, 0], [0, 0], [1, 1], [1, 1], [5, 5]];
    const one = new cluster.KMeans({ nClusters: 1, seed: 0 }).fit(X);
    expect(Array.from(one.labels)).toEqual([0, 0, 0, 0, 0, 0]);
    const all = new cluster.KMeans({ nClusters: 6, seed: 0, nInit: 3 }).fit(X);
    expect(Number.isFinite(all.inertia)).toBe(true);
    expect(all.inertia).toBeCloseTo(0, 6);
    for (const v of all.clusterCenters.data()) expect(Number.isFinite(v)).toBe(true);
    // A bad initial centre far away leaves a cluster empty in the first pass: it is moved onto a row.
    const km = new cluster.KMeans({ nClusters: 3, init: [[0, 0], [1, 1], [100, 100]] }).fit(X);
    expect(new Set(km.labels).size).toBe(3);
    expect(km.inertia).toBeCloseTo(0, 6);
  });

  it("stops at maxIter", () => {
    const { X } = blobs(400, 4, 6, 3, 4);
    const km = new cluster.KMeans({ nClusters: 6, maxIter: 2, tol: 0, nInit: 1, seed: 0 }).fit(X);
    expect(km.nIter).toBeLessThanOrEqual(2);
  });

  it("rejects bad input with stable codes naming the argument", () => {
    const X = [[0, 1], [2, 3], [4, 5]];
    expect(() => new cluster.KMeans({ nClusters: 4 }).fit(X)).toThrow(code("E_VALUE"));
    expect(() => new cluster.KMeans({ nClusters: 4 }).fit(X)).toThrow(/nClusters/);
    expect(() => new cluster.KMeans({ nClusters: 2 }).fit([[0, 1], [NaN, 3], [4, 5]])).toThrow(/X\[1\]\[0\]/);
    expect(() => new cluster.KMeans({ nClusters: 2 }).fit([[0, 1], [Infinity, 3], [4, 5]])).toThrow(code("E_VALUE"));
    expect(() => new cluster.KMeans({ nClusters: 2 }).fit([[0, 1], [2], [4, 5]])).toThrow(code("E_SHAPE"));
    expect(() => new cluster.KMeans({ nClusters: 2 }).fit([])).toThrow(code("E_VALUE"));
    expect(() => new cluster.KMeans({ nClusters: 2 }).fit({ data: [1, 2, 3], shape: [2, 2] })).toThrow(code("E_SHAPE"));
    expect(() => new cluster.KMeans({ nClusters: 2 }).fit(tensor([1, 2, 3]))).toThrow(code("E_SHAPE"));
    expect(() => new cluster.KMeans({ nClusters: 2 }).fit("rows" as never)).toThrow(code("E_TYPE"));
    expect(() => new cluster.KMeans({ nClusters: 0 })).toThrow(code("E_RANGE"));
    expect(() => new cluster.KMeans({ nClusters: 2.5 })).toThrow(code("E_RANGE"));
    expect(() => new cluster.KMeans({ nInit: 0 })).toThrow(/nInit/);
    expect(() => new cluster.KMeans({ maxIter: 0 })).toThrow(/maxIter/);
    expect(() => new cluster.KMeans({ tol: -1 })).toThrow(/tol/);
    expect(() => new cluster.KMeans({ algorithm: "full" as never })).toThrow(code("E_VALUE"));
    expect(() => new cluster.KMeans({ init: "kmeans" as never })).toThrow(code("E_VALUE"));
    expect(() => new cluster.KMeans({ nClusters: 2, init: [[0, 0, 0], [1, 1, 1]] }).fit(X)).toThrow(code("E_SHAPE"));
    expect(() => new cluster.KMeans({ nClusters: 2, init: [[0, NaN], [1, 1]] }).fit(X)).toThrow(/options.init\[0\]\[1\]/);
    const km = new cluster.KMeans({ nClusters: 2 });
    expect(() => km.labels).toThrow(code("E_STATE"));
    expect(() => km.predict(X)).toThrow(code("E_STATE"));
    km.fit(X);
    expect(() => km.predict([[1, 2, 3]])).toThrow(code("E_SHAPE"));
    expect(() => new cluster.MiniBatchKMeans({ nClusters: 4 }).fit(X)).toThrow(code("E_VALUE"));
    expect(() => new cluster.MiniBatchKMeans({ batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new cluster.MiniBatchKMeans({ nClusters: 2, computeLabels: false }).fit(X).labels).toThrow(code("E_STATE"));
  });
});
