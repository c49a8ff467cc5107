// GloVe: the notes' window-2 co-occurrence matrix (seeds/002: Counter order, +1 per pair within two
// words) reproduced exactly; training on 1/distance-weighted counts lowers the weighted
// least-squares cost epoch after epoch and reports it through onProgress; bad input.
import { describe, expect, it } from "vitest";
import { embeddings } from "../../src/index.js";

const NOTES = ["I love machine learning", "I love deep learning", "machine learning is fun", "deep learning is fun"];
// build_vocab_and_cooccurrence_matrix(sentences, window_size=2) of seeds/002, run in Python.
const NOTES_VOCAB = ["I", "love", "machine", "learning", "deep", "is", "fun"];
const NOTES_MATRIX = [
  [0, 2, 1, 0, 1, 0, 0],
  [2, 0, 1, 2, 1, 0, 0],
  [1, 1, 0, 2, 0, 1, 0],
  [0, 2, 2, 0, 2, 2, 2],
  [1, 1, 0, 2, 0, 1, 0],
  [0, 0, 1, 2, 1, 0, 2],
  [0, 0, 0, 2, 0, 2, 0],
];

describe("co-occurrence", () => {
  it("reproduces the notes' window-2 matrix exactly", () => {
    const x = embeddings.cooccurrence(NOTES, { window: 2, distanceWeighting: false, sortedVocab: false });
    expect(x.words).toEqual(NOTES_VOCAB);
    expect(Array.from(x.dense())).toEqual(NOTES_MATRIX.flat());
    expect(x.get("learning", "fun")).toBe(2);
  });
  it("weights pairs by 1/distance (GloVe's cooccur.c)", () => {
    const x = embeddings.cooccurrence([["a", "b", "c"]], { window: 2 });
    expect(x.get("a", "b")).toBe(1);
    expect(x.get("a", "c")).toBe(0.5);
    expect(x.get("c", "a")).toBe(0.5);
  });
});

describe("GloVe.train", () => {
  it("lowers the weighted cost every epoch and reports it", () => {
    const sentences: string[][] = [];
    for (let i = 0; i < 200; i++) sentences.push(...NOTES.map((s) => s.split(" ")));
    const seen: embeddings.GloVeProgress[] = [];
    const m = embeddings.GloVe.train(sentences, { vectorSize: 5, window: 2, epochs: 30, xMax: 10, seed: 3, threads: 1, progress: false, onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => p.epoch)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(seen.map((p) => p.loss)).toEqual(m.epochCosts);
    for (let e = 1; e < m.epochCosts.length; e++) expect(m.epochCosts[e]).toBeLessThan(m.epochCosts[e - 1]);
    expect(m.epochCosts[29]).toBeLessThan(m.epochCosts[0] / 10);
    expect(m.wv.indexToKey).toContain("learning");
    expect(m.wv.vectors.every(Number.isFinite)).toBe(true);
  });
  it("rejects bad input with TesseraError", () => {
    const bad: [unknown, Record<string, unknown>, string][] = [
      [[], {}, "E_VALUE"], [[[], []], {}, "E_VALUE"], [NOTES, { minCount: 5 }, "E_VALUE"], [NOTES, { vectorSize: 0 }, "E_RANGE"],
      [NOTES, { window: 0 }, "E_RANGE"], [NOTES, { epochs: -1 }, "E_RANGE"], [NOTES, { xMax: 0 }, "E_RANGE"], [NOTES, { nope: 1 }, "E_VALUE"],
      ["a string", {}, "E_TYPE"], [[[1, 2]], {}, "E_TYPE"],
    ];
    for (const [s, o, code] of bad) expect(() => embeddings.GloVe.train(s as string[][], o)).toThrow(expect.objectContaining({ code }));
  });
});
