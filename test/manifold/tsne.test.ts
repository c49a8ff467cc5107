// t-SNE against scikit-learn 1.2 (fixture made by test/fixtures/make_cluster_fixtures.py): the
// joint probabilities of _joint_probabilities_nn (same sparsity pattern, values to 1e-4 relative:
// sklearn measures neighbour distances in float64, we in float32) and of _joint_probabilities, the
// gradients and KL divergence of _kl_divergence and _kl_divergence_bh (angle 0 and 0.5) at a given
// embedding (1e-5), and whole runs: KL divergence within 5 % of the mean over sklearn's three seeds
// and trustworthiness (k = 10) within 0.01, for Barnes–Hut and exact, PCA and random init.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { manifold, metrics, tensor } from "../../src/index.js";
import { cpuBackend } from "../../src/backend/device.js";
import { denseAffinities, sparseAffinities } from "../../src/manifold/affinities.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/cluster/tsne.json", import.meta.url), "utf8"));
const code = (c: string) => expect.objectContaining({ code: c });
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;

describe("t-SNE pieces match scikit-learn", () => {
  const A = fixture.affinities;
  const n = A.X.length;
  const m = { data: Float64Array.from(A.X.flat() as number[]), n, d: A.X[0].length };
  const b = cpuBackend() as Required<ReturnType<typeof cpuBackend>>;

  it("sparse joint probabilities (_joint_probabilities_nn)", () => {
    const P = sparseAffinities(b, m, A.perplexity);
    expect(Array.from(P.indptr)).toEqual(A.indptr);
    expect(Array.from(P.indices)).toEqual(A.indices);
    P.values.forEach((v, e) => expect(Math.abs(v - A.values[e]) / A.values[e]).toBeLessThan(1e-4));
  });

  it("dense joint probabilities (_joint_probabilities)", () => {
    const P = denseAffinities(b, m, A.perplexity);
    let k = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const w = fixture.affinitiesExact.condensed[k++];
        expect(Math.abs(P.values[i * n + j] - w) / w).toBeLessThan(1e-5);
        expect(P.values[j * n + i]).toBe(P.values[i * n + j]);
      }
    }
  });

  const Y = Float32Array.from(fixture.embedding.flat() as number[]);
  const cases = [
    ["exact gradient (_kl_divergence)", "exact", 0.5, fixture.exactGradient],
    ["Barnes–Hut gradient, angle 0", "barnes_hut", 0, fixture.bhGradientAngle0],
    ["Barnes–Hut gradient, angle 0.5 (the same tree as sklearn's)", "barnes_hut", 0.5, fixture.bhGradientAngle05],
  ] as const;
  for (const [name, method, angle, want] of cases) {
    it(name, () => {
      const p = method === "exact" ? denseAffinities(b, m, A.perplexity) : sparseAffinities(b, m, A.perplexity);
      const s = b.tsne(n, 2, p, { method, angle, degreesOfFreedom: 1 });
      try {
        s.setEmbedding(Y);
        const g = s.gradient(1);
        expect(Math.abs(g.error - want.kl) / want.kl).toBeLessThan(1e-5);
        let num = 0, den = 0;
        g.grad.forEach((v, i) => {
          num += (v - want.grad[i]) ** 2;
          den += want.grad[i] ** 2;
        });
        expect(Math.sqrt(num / den)).toBeLessThan(1e-5);
      } finally {
        s.dispose();
      }
    });
  }
});

describe("TSNE runs match scikit-learn", () => {
  const { X, cases } = fixture.runs;
  for (const c of cases) {
    it(`${c.method}, init ${c.init}: KL within 5 %, trustworthiness within 0.01`, () => {
      const t = new manifold.TSNE({ method: c.method, init: c.init, perplexity: c.perplexity, seed: 0 });
      const E = t.fitTransform(X);
      expect(E.shape).toEqual([X.length, 2]);
      const kl = mean(c.kl);
      expect(Math.abs(t.klDivergence - kl) / kl, `KL ${t.klDivergence} vs sklearn ${c.kl}`).toBeLessThan(0.05);
      const trust = metrics.trustworthiness(X, E, { nNeighbors: 10 });
      expect(Math.abs(trust - mean(c.trustworthiness)), `trustworthiness ${trust} vs sklearn ${c.trustworthiness}`).toBeLessThan(0.01);
      expect(t.nIter).toBe(c.nIter);
      expect(t.effectiveLearningRate).toBe(Math.max(X.length / 12 / 4, 50));
    });
  }
});

describe("TSNE behaviour", () => {
  const small = Array.from({ length: 40 }, (_, i) => [Math.sin(i), Math.cos(i * 1.3), (i % 4) * 2, i / 10]);

  it("is reproducible for a seed, accepts a given initial embedding and 3 components", () => {
    const a = new manifold.TSNE({ perplexity: 5, init: "random", seed: 3, maxIter: 300 }).fitTransform(small).data();
    const b = new manifold.TSNE({ perplexity: 5, init: "random", seed: 3, maxIter: 300 }).fitTransform(small).data();
    expect(Array.from(a)).toEqual(Array.from(b));
    const init = small.map((r) => [r[0] * 1e-4, r[1] * 1e-4]);
    const c = new manifold.TSNE({ perplexity: 5, init, maxIter: 250 }).fitTransform(tensor(small));
    expect(c.shape).toEqual([40, 2]);
    const t3 = new manifold.TSNE({ perplexity: 5, nComponents: 3, seed: 1, maxIter: 300 });
    expect(t3.fitTransform(small).shape).toEqual([40, 3]);
    expect(Number.isFinite(t3.klDivergence)).toBe(true);
  });

  it("keeps duplicate points finite", () => {
    const dup = [...small, ...small.slice(0, 10)];
    const e = new manifold.TSNE({ perplexity: 5, seed: 0, maxIter: 300 }).fitTransform(dup).data();
    for (const v of e) expect(Number.isFinite(v)).toBe(true);
  });

  it("rejects bad input with stable codes naming the argument", () => {
    expect(() => new manifold.TSNE({ perplexity: 40 }).fit(small)).toThrow(code("E_VALUE"));
    expect(() => new manifold.TSNE({ perplexity: 40 }).fit(small)).toThrow(/perplexity/);
    expect(() => new manifold.TSNE({ perplexity: 0 })).toThrow(code("E_RANGE"));
    expect(() => new manifold.TSNE({ nComponents: 4 })).toThrow(code("E_RANGE"));
    expect(() => new manifold.TSNE({ nComponents: 0 })).toThrow(/nComponents/);
    expect(() => new manifold.TSNE({ maxIter: 100 })).toThrow(/maxIter/);
    expect(() => new manifold.TSNE({ method: "fft" as never })).toThrow(code("E_VALUE"));
    expect(() => new manifold.TSNE({ angle: 2 })).toThrow(code("E_RANGE"));
    expect(() => new manifold.TSNE({ learningRate: -1 })).toThrow(code("E_RANGE"));
    expect(() => new manifold.TSNE({ perplexity: 5 }).fit([[0, 1], [2, NaN], ...small.slice(2).map((r) => r.slice(0, 2))])).toThrow(/X\[1\]\[1\]/);
    expect(() => new manifold.TSNE({ perplexity: 5 }).fit([[0, 1], [2]])).toThrow(code("E_SHAPE"));
    expect(() => new manifold.TSNE({ perplexity: 0.5 }).fit([[0, 1]])).toThrow(code("E_VALUE"));
    expect(() => new manifold.TSNE({ perplexity: 5, init: [[0, 0]] }).fit(small)).toThrow(code("E_SHAPE"));
    expect(() => new manifold.TSNE().klDivergence).toThrow(code("E_STATE"));
  });
});
