// The decoding functions of models/generation.ts on one logit vector, against numbers worked by hand.
// Notes 003 (around line 600–640) describe the rules — sampling by probability; dividing the logits
// by a "tempreture" above 1 flattens the softmax; TopK keeps the K best; TopP keeps the tokens whose
// cumulative probability reaches P; MinP drops tokens below a probability threshold — but their
// worked example is an image, so the logits here are ours: x = [2, 1, 0.5, 0.1, −1] with
// softmax p = [0.55855, 0.20548, 0.12463, 0.08354, 0.02781] (cumulative from the top 0.55855,
// 0.76402, 0.88865, 0.97219, 1). MinP follows Hugging Face (threshold = minP × the top probability),
// which is the notes' rule with P measured against the most likely token.
import { describe, expect, it } from "vitest";
import { Generator, models } from "../../src/index.js";

const { greedy, softmaxProbs, applyTemperature, topK, topP, minP, applyRepetitionPenalty, sample } = models;
const X = [2, 1, 0.5, 0.1, -1];
const P = [0.5585452344245386, 0.20547730870907152, 0.1246282876072896, 0.08354083948626126, 0.0278083297728391];

const kept = (v: ArrayLike<number>) => Array.from(v).flatMap((x, i) => (x === -Infinity ? [] : [i]));

function code(f: () => unknown, c: string): void {
  let e: unknown;
  try { f(); } catch (err) { e = err; }
  expect((e as { code?: string })?.code, String(e)).toBe(c);
}

describe("decoding functions (worked by hand on x = [2, 1, 0.5, 0.1, −1])", () => {
  it("softmax and greedy: p as above, argmax 0; ties go to the first index", () => {
    const p = softmaxProbs(X);
    P.forEach((q, i) => expect(p[i]).toBeCloseTo(q, 12));
    expect(greedy(X)).toBe(0);
    expect(greedy([1, 3, 3, 2])).toBe(1);
  });

  it("temperature: 2 flattens (top p 0.5585 → 0.3719), 0.5 sharpens (→ 0.8265); the ranking stays", () => {
    expect(softmaxProbs(applyTemperature(X, 2))[0]).toBeCloseTo(0.3719174925838265, 12);
    expect(softmaxProbs(applyTemperature(X, 2))[4]).toBeCloseTo(0.08298600968223167, 12);
    expect(softmaxProbs(applyTemperature(X, 0.5))[0]).toBeCloseTo(0.8264654907563752, 12);
    expect(Array.from(applyTemperature(X, 2))).toEqual([1, 0.5, 0.25, 0.05, -0.5]);
    const entropy = (p: Float64Array) => -p.reduce((s, q) => s + (q > 0 ? q * Math.log(q) : 0), 0);
    expect(entropy(softmaxProbs(applyTemperature(X, 2)))).toBeGreaterThan(entropy(softmaxProbs(X)));
  });

  it("topK: k = 2 keeps {0, 1}; ties with the k-th value stay (HF); k = 0 or k ≥ n keeps all", () => {
    expect(kept(topK(X, 2))).toEqual([0, 1]);
    expect(Array.from(topK(X, 2)).slice(0, 2)).toEqual([2, 1]);
    expect(kept(topK([1, 3, 3, 2], 1))).toEqual([1, 2]);
    expect(kept(topK(X, 0))).toEqual([0, 1, 2, 3, 4]);
    expect(kept(topK(X, 9))).toEqual([0, 1, 2, 3, 4]);
  });

  it("topP: 0.8 keeps {0, 1, 2} (0.889 ≥ 0.8), 0.76 keeps {0, 1}, 0.5 keeps {0}, 1 keeps all", () => {
    expect(kept(topP(X, 0.8))).toEqual([0, 1, 2]);
    expect(kept(topP(X, 0.76))).toEqual([0, 1]);
    expect(kept(topP(X, 0.5))).toEqual([0]);
    expect(kept(topP(X, 1))).toEqual([0, 1, 2, 3, 4]);
    expect(kept(topP(X, 0.01, 3))).toEqual([0, 1, 2]); // minTokensToKeep
  });

  it("minP: 0.2 × 0.5585 = 0.1117 keeps {0, 1, 2}; 0.3 (0.1676) keeps {0, 1}; 0 keeps all", () => {
    expect(kept(minP(X, 0.2))).toEqual([0, 1, 2]);
    expect(kept(minP(X, 0.3))).toEqual([0, 1]);
    expect(kept(minP(X, 0))).toEqual([0, 1, 2, 3, 4]);
    expect(kept(minP(X, 1))).toEqual([0]);
  });

  it("repetition penalty 1.2 on tokens [0, 4, 4]: 2 → 2/1.2, −1 → −1.2, others unchanged", () => {
    const out = applyRepetitionPenalty(X, [0, 4, 4], 1.2);
    expect(out[0]).toBeCloseTo(2 / 1.2, 14);
    expect(Array.from(out).slice(1)).toEqual([1, 0.5, 0.1, -1.2]);
    expect(greedy(applyRepetitionPenalty([2, 1.9], [0], 1.2))).toBe(1);
  });

  it("sample: a seeded draw follows p (20,000 draws within 0.01); same seed, same tokens; filtered tokens never drawn", () => {
    const g = new Generator(7);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 20000; i++) counts[sample(X, g)]++;
    counts.forEach((c, i) => expect(Math.abs(c / 20000 - P[i])).toBeLessThan(0.01));
    const a = Array.from({ length: 20 }, (_, i) => sample(X, new Generator(i)));
    const b = Array.from({ length: 20 }, (_, i) => sample(X, new Generator(i)));
    expect(a).toEqual(b);
    const f = topK(X, 2);
    for (let i = 0; i < 2000; i++) expect(sample(f, g)).toBeLessThan(2);
  });

  it("bad parameters: topP ∉ (0, 1], temperature < 0, topK < 0 or fractional, minP ∉ [0, 1], penalty ≤ 0 → E_RANGE", () => {
    code(() => topP(X, 0), "E_RANGE");
    code(() => topP(X, 1.01), "E_RANGE");
    code(() => topP(X, NaN), "E_RANGE");
    code(() => applyTemperature(X, -0.5), "E_RANGE");
    code(() => applyTemperature(X, 0), "E_RANGE");
    code(() => topK(X, -1), "E_RANGE");
    code(() => topK(X, 1.5), "E_RANGE");
    code(() => minP(X, 1.5), "E_RANGE");
    code(() => applyRepetitionPenalty(X, [0], 0), "E_RANGE");
    code(() => applyRepetitionPenalty(X, [7], 1.1), "E_RANGE");
    code(() => greedy([]), "E_VALUE");
    code(() => greedy("abc" as never), "E_TYPE");
  });
});
