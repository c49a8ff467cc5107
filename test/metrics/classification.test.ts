// Classification metrics against scikit-learn 1.2 (fixture made by
// test/fixtures/make_metrics_fixtures.py): accuracy, confusion matrix with every normalize, and
// precision / recall / F1 / F-beta(0.5) for every average and zero_division, including the cases
// sklearn refuses (recorded as errors, expected here as E_VALUE). Tolerance 1e-12: the same
// arithmetic in float64, summed in a possibly different order.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { metrics, tensor } from "../../src/index.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/metrics/classification.json", import.meta.url), "utf8"));
const code = (c: string) => expect.objectContaining({ code: c });

function expectMatch(actual: () => unknown, want: unknown, what: string): void {
  if (want !== null && typeof want === "object" && !Array.isArray(want) && "error" in want) {
    expect(actual, `${what}: sklearn raised ${(want as { error: string }).error}`).toThrow(code("E_VALUE"));
    return;
  }
  const got = actual();
  const flatGot = [got].flat(2) as number[];
  const flatWant = [want].flat(2) as number[];
  expect(flatGot.length, what).toBe(flatWant.length);
  flatGot.forEach((v, i) => expect(Math.abs(v - flatWant[i]), `${what} [${i}]: ${v} vs sklearn ${flatWant[i]}`).toBeLessThan(1e-12));
}

describe("classification metrics match scikit-learn", () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const base = { sampleWeight: c.sampleWeight, labels: c.labels };
      expectMatch(() => metrics.accuracyScore(c.yTrue, c.yPred, { sampleWeight: c.sampleWeight }), c.accuracy, "accuracy");
      expectMatch(() => metrics.accuracyScore(c.yTrue, c.yPred, { sampleWeight: c.sampleWeight, normalize: false }), c.accuracyCount, "accuracy count");
      for (const [n, want] of Object.entries(c.confusion)) {
        expectMatch(() => metrics.confusionMatrix(c.yTrue, c.yPred, { ...base, normalize: n === "None" ? null : (n as "true") }), want, `confusion ${n}`);
      }
      for (const [key, want] of Object.entries<any>(c.prf)) {
        const [avg, zd] = key.split("/");
        const o = { ...base, average: avg === "None" ? null : (avg as "macro"), zeroDivision: zd === "warn" ? "warn" : (Number(zd) as 0 | 1), posLabel: c.posLabel };
        expectMatch(() => metrics.precisionScore(c.yTrue, c.yPred, o), want.precision, `precision ${key}`);
        expectMatch(() => metrics.recallScore(c.yTrue, c.yPred, o), want.recall, `recall ${key}`);
        expectMatch(() => metrics.f1Score(c.yTrue, c.yPred, o), want.f1, `f1 ${key}`);
        expectMatch(() => metrics.fbetaScore(c.yTrue, c.yPred, 0.5, o), want.fbeta05, `fbeta ${key}`);
      }
    });
  }
});

describe("classification metrics: inputs and bad input", () => {
  it("takes int32 tensors and Int32Arrays as well as arrays", () => {
    const t = tensor([0, 1, 2, 2], undefined, { dtype: "int32" });
    const p = Int32Array.of(0, 2, 2, 2);
    expect(metrics.accuracyScore(t, p)).toBe(0.75);
    expect(metrics.confusionMatrix(t, p)).toEqual([[1, 0, 0], [0, 0, 1], [0, 0, 2]]);
    expect(metrics.f1Score(t, p, { average: "micro" })).toBe(0.75);
    const r = metrics.precisionRecallFscoreSupport(t, p, { average: null });
    expect(r.support).toEqual([1, 1, 2]);
  });

  it("refuses mismatched lengths, empty inputs, scores instead of labels, float tensors, mixed label types, bad options", () => {
    expect(() => metrics.accuracyScore([0, 1], [0])).toThrow(code("E_SHAPE"));
    expect(() => metrics.accuracyScore([], [])).toThrow(code("E_VALUE"));
    expect(() => metrics.accuracyScore([0, 1], [0.2, 0.9])).toThrow(/yPred\[0\]: expected an integer class label/);
    expect(() => metrics.accuracyScore(tensor([0, 1]), [0, 1])).toThrow(code("E_DTYPE"));
    expect(() => metrics.accuracyScore(tensor([[0, 1]], undefined, { dtype: "int32" }), [0, 1])).toThrow(code("E_SHAPE"));
    expect(() => metrics.accuracyScore([0, "a"] as never, [0, 1])).toThrow(code("E_TYPE"));
    expect(() => metrics.accuracyScore(["a", "b"], [0, 1] as never)).toThrow(code("E_TYPE"));
    expect(() => metrics.accuracyScore("01" as never, "01" as never)).toThrow(code("E_TYPE"));
    expect(() => metrics.accuracyScore([0, 1], [0, 1], { sampleWeight: [1] })).toThrow(code("E_SHAPE"));
    expect(() => metrics.accuracyScore([0, 1], [0, 1], { sampleWeight: [1, -1] })).toThrow(code("E_VALUE"));
    expect(() => metrics.f1Score([0, 1], [0, 1], { average: "samples" as never })).toThrow(code("E_VALUE"));
    expect(() => metrics.f1Score([0, 1], [0, 1], { zeroDivision: 0.5 as never })).toThrow(code("E_VALUE"));
    expect(() => metrics.f1Score([0, 1, 2], [0, 1, 2])).toThrow(/multiclass.*"binary"/);
    expect(() => metrics.confusionMatrix([0, 1], [0, 1], { normalize: "rows" as never })).toThrow(code("E_VALUE"));
    expect(() => metrics.confusionMatrix([0, 1], [0, 1], { labels: [] })).toThrow(code("E_VALUE"));
    expect(() => metrics.fbetaScore([0, 1], [0, 1], -1)).toThrow(code("E_VALUE"));
  });
});
