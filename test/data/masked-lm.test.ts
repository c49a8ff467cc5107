// Masked-LM batches (DataCollatorForLanguageModeling's recipe): proportions of chosen, masked,
// replaced and kept tokens, specials never chosen, labels −100 elsewhere and at padding.
import { describe, expect, it } from "vitest";
import { data, Generator, TesseraError } from "../../src/index.js";

describe("maskTokens / maskedLMCollator", () => {
  it("chooses ~15 % of the non-special tokens: 80 % [MASK], 10 % random, 10 % kept", () => {
    const seqs = Array.from({ length: 400 }, (_, i) => [2, ...Array.from({ length: 50 }, (_, j) => 5 + ((i * 7 + j) % 95)), 3]);
    const { ids, labels } = data.maskTokens(seqs, { maskId: 4, vocabSize: 100, specialIds: [0, 1, 2, 3, 4], generator: new Generator(1) });
    let chosen = 0, masked = 0, kept = 0;
    seqs.forEach((s, i) => s.forEach((id, j) => {
      if (id < 5) { expect(labels[i][j]).toBe(-100); expect(ids[i][j]).toBe(id); return; }
      if (labels[i][j] === -100) { expect(ids[i][j]).toBe(id); return; }
      expect(labels[i][j]).toBe(id);
      chosen++;
      if (ids[i][j] === 4) masked++;
      else if (ids[i][j] === id) kept++;
    }));
    const n = 400 * 50; // 20,000 candidates: binomial sd of the chosen share ≈ 0.25 %
    expect(chosen / n).toBeGreaterThan(0.14);
    expect(chosen / n).toBeLessThan(0.16);
    expect(masked / chosen).toBeGreaterThan(0.77);
    expect(masked / chosen).toBeLessThan(0.83);
    // kept: 10 % plus the random draws that hit the same id (≈ 0.1 %)
    expect(kept / chosen).toBeGreaterThan(0.08);
    expect(kept / chosen).toBeLessThan(0.12);
  });

  it("the collator pads ids with padId and labels with −100; the same generator seed gives the same batch", () => {
    const make = () => data.maskedLMCollator({ maskId: 4, vocabSize: 10, specialIds: [0, 2, 3], mlmProbability: 1, generator: new Generator(3) });
    const b = make()([[2, 5, 6, 3], [2, 7, 3]]);
    expect(b.ids.shape).toEqual([2, 4]);
    const labels = Array.from(b.labels.data());
    expect(labels).toEqual([-100, 5, 6, -100, -100, 7, -100, -100]);
    expect(Array.from(b.attentionMask.data())).toEqual([1, 1, 1, 1, 1, 1, 1, 0]);
    expect(Array.from(b.ids.data())[7]).toBe(0);
    const again = make()([[2, 5, 6, 3], [2, 7, 3]]);
    expect(Array.from(again.ids.data())).toEqual(Array.from(b.ids.data()));
    for (const t of [...Object.values(b), ...Object.values(again)]) t.dispose();
  });

  it("bad input → TesseraError", () => {
    expect(() => data.maskTokens([[1, 2]], { maskId: 10, vocabSize: 10 })).toThrow(/options.maskId/);
    expect(() => data.maskTokens([[1, 12]], { maskId: 4, vocabSize: 10 })).toThrow(/sequences\[0\]\[1\]: expected a token id in \[0, 10\)/);
    expect(() => data.maskedLMCollator({ maskId: 4, vocabSize: 10, mlmProbability: 2 })).toThrow(TesseraError);
    expect(() => data.maskTokens("ab" as unknown as number[][], { maskId: 4, vocabSize: 10 })).toThrow(/sequences/);
  });
});
