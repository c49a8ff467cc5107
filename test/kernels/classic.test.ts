// The classic-ML kernels on every build (assembly/kmeans.ts, neighbors.ts, linalg.ts, tsne.ts)
// against float64 references in plain loops: the k-means assignment at every SIMD tail (k and d of
// 1..9, row counts around the 4-row block and the 256-row chunk), Elkan agreeing with Lloyd,
// brute-force neighbours, the centred product and the symmetric eigensolver on named small cases,
// and the Barnes–Hut gradient at angle 0 (every cell opened) equal to the exact gradient in 1, 2 and
// 3 dimensions.
import { describe, expect, it } from "vitest";
import { BUILDS, loadRuntime } from "../../src/runtime/wasm.js";
import { cpuBackendFor } from "../../src/backend/device.js";
import type { CpuBackend } from "../../src/backend/cpu-wasm/cpu-backend.js";
import { rng } from "./util.js";

const backends = new Map<string, Promise<CpuBackend>>();
const backend = (build: (typeof BUILDS)[number]) => {
  if (!backends.has(build)) backends.set(build, loadRuntime({ build }).then(cpuBackendFor));
  return backends.get(build)!;
};

function put(b: CpuBackend, x: Float32Array): number {
  const h = b.alloc(x.length) as number;
  b.write(h, x, "float32");
  return h;
}

describe.each(BUILDS)("classic kernels on %s", (build) => {
  it("k-means assignment: labels and inertia at every tail (k, d = 1..9; n around 4 and 256)", async () => {
    const b = await backend(build);
    const r = rng(11);
    for (const n of [1, 3, 4, 5, 9, 255, 257]) {
      for (let k = 1; k <= 9; k++) {
        if (k > n) continue;
        for (let d = 1; d <= 9; d++) {
          const x = Float32Array.from({ length: n * d }, r);
          const c = Float32Array.from({ length: k * d }, r);
          const h = put(b, x);
          const s = b.kmeans(h, n, d, { k, runs: 1, elkan: false, nTrials: 0 });
          try {
            s.setCentres(0, c);
            const { inertia } = s.pass([0], "assign", { inertia: true, update: true });
            const labels = s.labels(0);
            const { sums, counts } = s.clusterSums(0);
            let want = 0;
            const wantSums = new Float64Array(k * d), wantCounts = new Float64Array(k);
            for (let i = 0; i < n; i++) {
              const dist = (j: number) => { let t = 0; for (let f = 0; f < d; f++) t += (x[i * d + f] - c[j * d + f]) ** 2; return t; };
              const dl = dist(labels[i]);
              for (let j = 0; j < k; j++) expect(dl, `n ${n} k ${k} d ${d} row ${i}`).toBeLessThanOrEqual(dist(j) + 1e-5);
              want += dl;
              wantCounts[labels[i]]++;
              for (let f = 0; f < d; f++) wantSums[labels[i] * d + f] += x[i * d + f];
            }
            expect(Math.abs(inertia[0] - want)).toBeLessThan(1e-9 * (1 + want) + 1e-12);
            expect(Array.from(counts)).toEqual(Array.from(wantCounts));
            sums.forEach((v, i) => expect(Math.abs(v - wantSums[i])).toBeLessThan(1e-5 * (1 + Math.abs(wantSums[i]))));
          } finally {
            s.dispose();
            b.free(h);
          }
        }
      }
    }
  });

  it("Elkan's pass finds the labels Lloyd's does", async () => {
    const b = await backend(build);
    const r = rng(12);
    const n = 700, d = 7, k = 9;
    const x = Float32Array.from({ length: n * d }, () => r() * 5);
    const c = Float32Array.from({ length: k * d }, () => r() * 5);
    const h = put(b, x);
    const s = b.kmeans(h, n, d, { k, runs: 2, elkan: true, nTrials: 0 });
    try {
      s.setCentres(0, c);
      s.setCentres(1, c);
      s.pass([0, 1], "elkanInit", {});
      s.pass([0], "elkan", { update: true });
      const lloyd = b.kmeans(h, n, d, { k, runs: 1, elkan: false, nTrials: 0 });
      lloyd.setCentres(0, c);
      lloyd.pass([0], "assign", {});
      expect(Array.from(s.labels(0))).toEqual(Array.from(lloyd.labels(0)));
      lloyd.dispose();
    } finally {
      s.dispose();
      b.free(h);
    }
  });

  it("nearest neighbours equal a float64 brute force", async () => {
    const b = await backend(build);
    const r = rng(13);
    for (const [n, d, k] of [[2, 1, 1], [9, 3, 4], [33, 5, 32], [300, 11, 10]]) {
      const x = Float32Array.from({ length: n * d }, r);
      const h = put(b, x);
      try {
        const nn = b.nearestNeighbors(h, n, d, k);
        for (let i = 0; i < n; i++) {
          const dist = Array.from({ length: n }, (_, j) => {
            let t = 0;
            for (let f = 0; f < d; f++) t += (x[i * d + f] - x[j * d + f]) ** 2;
            return [t, j];
          }).filter(([, j]) => j !== i).sort((a, c) => a[0] - c[0] || a[1] - c[1]);
          for (let t = 0; t < k; t++) {
            expect(nn.indices[i * k + t]).toBe(dist[t][1]);
            expect(Math.abs(nn.distances[i * k + t] - dist[t][0])).toBeLessThan(1e-6 * (1 + dist[t][0]));
          }
        }
      } finally {
        b.free(h);
      }
    }
  });

  it("centred product (covariance and Gram) in float64", async () => {
    const b = await backend(build);
    const r = rng(14);
    for (const [n, d, gram] of [[1, 1, false], [3, 5, true], [17, 13, false], [130, 37, false], [6, 70, true]] as const) {
      const x = Float32Array.from({ length: n * d }, () => r() * 3 + 10);
      const h = put(b, x);
      try {
        const { mean, matrix } = b.centredProduct(h, n, d, gram);
        const mu = new Float64Array(d);
        for (let i = 0; i < n; i++) for (let f = 0; f < d; f++) mu[f] += x[i * d + f] / n;
        mu.forEach((v, f) => expect(Math.abs(mean[f] - v)).toBeLessThan(1e-12 * 10));
        const p = gram ? n : d;
        for (let a = 0; a < p; a++) {
          for (let c = 0; c < p; c++) {
            let want = 0;
            if (gram) for (let f = 0; f < d; f++) want += (x[a * d + f] - mu[f]) * (x[c * d + f] - mu[f]);
            else for (let i = 0; i < n; i++) want += (x[i * d + a] - mu[a]) * (x[i * d + c] - mu[c]);
            expect(Math.abs(matrix[a * p + c] - want)).toBeLessThan(1e-9 * (1 + Math.abs(want)));
          }
        }
      } finally {
        b.free(h);
      }
    }
  });

  it("symmetric eigen-decomposition: A·v = λ·v, orthonormal, ascending", async () => {
    const b = await backend(build);
    const r = rng(15);
    const cases: [string, number, (i: number, j: number) => number][] = [
      ["1×1", 1, () => 3],
      ["2×2", 2, (i, j) => (i === j ? 2 : 1)],
      ["diagonal", 5, (i, j) => (i === j ? 5 - i : 0)],
      ["identity (repeated eigenvalues)", 4, (i, j) => (i === j ? 1 : 0)],
      ["zero", 3, () => 0],
    ];
    for (const n of [7, 33]) {
      const m = Array.from({ length: n * n }, r);
      cases.push([`random ${n}×${n}`, n, (i, j) => m[i * n + j] + m[j * n + i]]);
    }
    for (const [name, n, at] of cases) {
      const a = Float64Array.from({ length: n * n }, (_, t) => at(Math.floor(t / n), t % n));
      const { values, vectors } = b.symmetricEigen(a, n);
      for (let j = 1; j < n; j++) expect(values[j], name).toBeGreaterThanOrEqual(values[j - 1]);
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) {
          let av = 0;
          for (let t = 0; t < n; t++) av += a[i * n + t] * vectors[j * n + t];
          expect(Math.abs(av - values[j] * vectors[j * n + i]), `${name} vector ${j}`).toBeLessThan(1e-10 * (1 + Math.abs(values[n - 1])));
        }
        for (let l = 0; l < n; l++) {
          let dot = 0;
          for (let t = 0; t < n; t++) dot += vectors[j * n + t] * vectors[l * n + t];
          expect(Math.abs(dot - (j === l ? 1 : 0))).toBeLessThan(1e-10);
        }
      }
    }
    expect(() => b.symmetricEigen(Float64Array.from([NaN, 1, 1, 0]), 2)).toThrow(expect.objectContaining({ code: "E_VALUE" }));
  });

  it("Barnes–Hut at angle 0 equals the exact gradient in 1, 2 and 3 dimensions", async () => {
    const b = await backend(build);
    const r = rng(16);
    const n = 60;
    // Every pair in both P forms, all well above machine epsilon.
    const dense = new Float32Array(n * n);
    let total = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) total += 2 * (dense[i * n + j] = dense[j * n + i] = 0.5 + r() * 0.4);
    for (let t = 0; t < n * n; t++) dense[t] /= total;
    const indptr = Int32Array.from({ length: n + 1 }, (_, i) => i * (n - 1));
    const indices = new Int32Array(n * (n - 1)), values = new Float32Array(n * (n - 1));
    let e = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (j !== i) { indices[e] = j; values[e++] = dense[i * n + j]; }
    for (const dims of [1, 2, 3]) {
      const y = Float32Array.from({ length: n * dims }, () => r() * 4);
      const grads = (["exact", "barnes_hut"] as const).map((method) => {
        const s = b.tsne(n, dims, method === "exact" ? { kind: "dense", values: dense } : { kind: "sparse", indptr, indices, values },
          { method, angle: 0, degreesOfFreedom: Math.max(dims - 1, 1) });
        s.setEmbedding(y);
        const g = s.gradient(1);
        s.dispose();
        return g;
      });
      grads[0].grad.forEach((v, i) => expect(Math.abs(grads[1].grad[i] - v), `dims ${dims} [${i}]`).toBeLessThan(1e-5 * (1 + Math.abs(v))));
      if (dims === 2) expect(Math.abs(grads[1].error - grads[0].error)).toBeLessThan(1e-5 * grads[0].error);
    }
  });
});
