// The classic estimators run on the CPU backend whatever the default device is (backend/classic.ts):
// with each test device as the default, KMeans, PCA and the clustering metrics take a 2-d tensor of
// that device and give what they give for the same rows as arrays. A device the host cannot read
// synchronously (webgpu) is refused with E_DEVICE naming the estimator and the argument.
import { describe, expect, it } from "vitest";
import { cluster, decomposition, metrics, tensor, Generator } from "../../src/index.js";
import { useBackend } from "../../src/backend/device.js";
import { forEachDevice } from "../ops/devices.js";
import { ReferenceBackend } from "../ops/reference-backend.js";

const g = new Generator(3);
// float32 values, as a tensor holds them
const X = Array.from({ length: 60 }, (_, i) => [3 * (i % 3) + g.normal(), -2 * (i % 3) + g.normal(), g.normal()].map(Math.fround));
const init = [X[0], X[1], X[2]];
const onCpu = {
  km: new cluster.KMeans({ nClusters: 3, init, nInit: 1 }).fit(X),
  pca: new decomposition.PCA({ nComponents: 2 }).fit(X),
};

forEachDevice("classic estimators", (ctx) => {
  it("take a tensor of the default device and match the array input", () => {
    const t = tensor(X);
    expect(t.backend).toBe(ctx.backend);
    const km = new cluster.KMeans({ nClusters: 3, init, nInit: 1 }).fit(t);
    expect(Array.from(km.labels)).toEqual(Array.from(onCpu.km.labels));
    expect(km.inertia).toBeCloseTo(onCpu.km.inertia, 10);
    const pca = new decomposition.PCA({ nComponents: 2 }).fit(t);
    expect(Array.from(pca.components.data())).toEqual(Array.from(onCpu.pca.components.data()));
    expect(metrics.silhouetteScore(t, km.labels)).toBeCloseTo(metrics.silhouetteScore(X, km.labels), 12);
    t.dispose();
  });
});

class AsyncOnlyBackend extends ReferenceBackend {
  override readonly syncRead = false;
  override readonly label = "async-only test device";
}

describe("classic estimators on a device the host cannot read synchronously", () => {
  it("answer E_DEVICE naming the estimator and the argument", () => {
    useBackend(new AsyncOnlyBackend());
    try {
      const t = tensor(X);
      expect(() => new cluster.KMeans({ nClusters: 3 }).fit(t)).toThrow(expect.objectContaining({ code: "E_DEVICE", message: expect.stringMatching(/^KMeans.fit: X: .*async-only test device/) }));
      expect(() => new decomposition.PCA().fit(t)).toThrow(expect.objectContaining({ code: "E_DEVICE" }));
    } finally {
      useBackend(null);
    }
  });
});
