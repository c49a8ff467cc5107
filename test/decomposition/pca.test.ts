// PCA against scikit-learn 1.2's PCA(svd_solver="full") (fixture made by
// test/fixtures/make_cluster_fixtures.py): components equal sklearn's (svd_flip signs included) to
// 1e-5, explained variance, its ratio and the singular values to 1e-6 relative, noise variance,
// the resolved component count for a fractional nComponents, transform and inverse_transform (float32
// matmuls: 1e-4 of the data's scale), for tall, wide and far-from-origin data, with and without
// whiten. Components whose singular value is zero (wide data keeping every component) are not
// unique and are compared only for orthonormality.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { decomposition, tensor } from "../../src/index.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/cluster/pca.json", import.meta.url), "utf8"));
const code = (c: string) => expect.objectContaining({ code: c });

describe("PCA matches scikit-learn", () => {
  for (const c of fixture.cases) {
    it(`${c.name}, nComponents ${c.nComponents}, whiten ${c.whiten}`, () => {
      const p = new decomposition.PCA({ nComponents: c.nComponents ?? undefined, whiten: c.whiten });
      const Z = p.fitTransform(c.X);
      const nc = c.nComponentsOut;
      expect(p.nComponentsFitted).toBe(nc);
      const d = c.X[0].length;
      const top = c.singularValues[0];
      const comps = p.components.data();
      for (let j = 0; j < nc; j++) {
        const rank = c.singularValues[j] > 1e-8 * top;
        if (rank) {
          expect(Math.abs(p.explainedVariance[j] - c.explainedVariance[j]) / c.explainedVariance[j]).toBeLessThan(1e-6);
          expect(Math.abs(p.explainedVarianceRatio[j] - c.explainedVarianceRatio[j]) / c.explainedVarianceRatio[j]).toBeLessThan(1e-6);
          expect(Math.abs(p.singularValues[j] - c.singularValues[j]) / c.singularValues[j]).toBeLessThan(1e-6);
          for (let f = 0; f < d; f++) expect(Math.abs(comps[j * d + f] - c.components[j][f]), `component ${j}[${f}]`).toBeLessThan(1e-5);
        } else {
          expect(p.singularValues[j]).toBeLessThan(1e-6 * top);
        }
        let norm = 0;
        for (let f = 0; f < d; f++) norm += comps[j * d + f] ** 2;
        expect(norm).toBeCloseTo(1, 5);
      }
      expect(Math.abs(p.noiseVariance - c.noiseVariance)).toBeLessThan(1e-6 * c.explainedVariance[0]);
      c.mean.forEach((v: number, f: number) => expect(p.mean[f]).toBeCloseTo(v, 9));
      const scale = Math.sqrt(c.explainedVariance[0]);
      const z = Z.data();
      for (let i = 0; i < c.X.length; i++) {
        for (let j = 0; j < nc; j++) {
          if (c.singularValues[j] <= 1e-8 * top) continue;
          const s = c.whiten ? 1 : scale;
          expect(Math.abs(z[i * nc + j] - c.transform[i][j])).toBeLessThan(1e-4 * s);
        }
      }
      if (c.singularValues[nc - 1] > 1e-8 * top) {
        const t = p.transform(c.X).data();
        t.forEach((v, i) => expect(Math.abs(v - z[i])).toBeLessThan(1e-4 * (c.whiten ? 1 : scale)));
        const back = p.inverseTransform(c.transform).data();
        c.inverse.flat().forEach((v: number, i: number) => expect(Math.abs(back[i] - v)).toBeLessThan(1e-4 * (Math.abs(v) + scale)));
      }
    });
  }
});

describe("PCA behaviour", () => {
  it("nComponents 0 keeps nothing; a tensor input works; refit replaces the components", () => {
    const X = [[1, 2], [3, 5], [4, 4], [0, 1]];
    const p = new decomposition.PCA({ nComponents: 0 }).fit(X);
    expect(p.components.shape).toEqual([0, 2]);
    expect(p.transform(X).shape).toEqual([4, 0]);
    const t = tensor(X);
    const q = new decomposition.PCA().fit(t);
    expect(q.components.shape).toEqual([2, 2]);
    t.dispose();
  });

  it("the randomized solver finds the leading components of a decaying spectrum", () => {
    const c = fixture.cases.find((x: { name: string; nComponents: number | null; whiten: boolean }) => x.name === "tall" && x.nComponents === 2 && !x.whiten);
    const p = new decomposition.PCA({ nComponents: 2, svdSolver: "randomized", seed: 0 }).fit(c.X);
    expect(p.fittedSolver).toBe("randomized");
    const comps = p.components.data();
    const d = c.X[0].length;
    for (let j = 0; j < 2; j++) {
      expect(Math.abs(p.explainedVariance[j] - c.explainedVariance[j]) / c.explainedVariance[j]).toBeLessThan(1e-4);
      let dot = 0;
      for (let f = 0; f < d; f++) dot += comps[j * d + f] * c.components[j][f];
      expect(dot).toBeGreaterThan(1 - 1e-4); // same direction and the same svd_flip sign
    }
    expect(Math.abs(p.explainedVarianceRatio[0] - c.explainedVarianceRatio[0])).toBeLessThan(1e-4);
    expect(() => new decomposition.PCA({ nComponents: 0.5, svdSolver: "randomized" }).fit(c.X)).toThrow(expect.objectContaining({ code: "E_RANGE" }));
  });

  it("rejects bad input with stable codes naming the argument", () => {
    expect(() => new decomposition.PCA({ svdSolver: "arpack" as never })).toThrow(code("E_VALUE"));
    expect(() => new decomposition.PCA({ nComponents: -1 })).toThrow(code("E_RANGE"));
    expect(() => new decomposition.PCA({ nComponents: 1.5 })).toThrow(code("E_RANGE"));
    expect(() => new decomposition.PCA({ nComponents: "mle" as never })).toThrow(code("E_TYPE"));
    expect(() => new decomposition.PCA({ nComponents: 3 }).fit([[1, 2], [3, 4], [5, 7]])).toThrow(code("E_RANGE"));
    expect(() => new decomposition.PCA({ nComponents: 3 }).fit([[1, 2], [3, 4], [5, 7]])).toThrow(/nComponents/);
    expect(() => new decomposition.PCA().fit([[1, 2]])).toThrow(code("E_VALUE"));
    expect(() => new decomposition.PCA().fit([[1, 2], [3, NaN]])).toThrow(/X\[1\]\[1\]/);
    expect(() => new decomposition.PCA().fit([[1, 2], [3]])).toThrow(code("E_SHAPE"));
    expect(() => new decomposition.PCA({ whiten: 1 as never })).toThrow(code("E_TYPE"));
    const p = new decomposition.PCA({ nComponents: 1 });
    expect(() => p.components).toThrow(code("E_STATE"));
    p.fit([[1, 2], [3, 5], [4, 4]]);
    expect(() => p.transform([[1, 2, 3]])).toThrow(code("E_SHAPE"));
    expect(() => p.inverseTransform([[1, 2]])).toThrow(code("E_SHAPE"));
  });
});
