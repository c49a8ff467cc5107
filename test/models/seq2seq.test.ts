// models.Seq2Seq on the notes' six Chinese → English pairs (001 §1.4.8): characters in, words out,
// <S> / <E> / <*> (pad) tokens. Both cells learn the training pairs by teacher forcing; greedy and
// beam decoding then give every target exactly. Also: the attention weights (2-layer LSTM) are a
// distribution that ignores source padding, beam search with one beam is greedy, and bad inputs.
import { describe, expect, it } from "vitest";
import { expectCode } from "../ops/compare.js";
import { F, manualSeed, models, noGrad, optim, tensor, tidy } from "../../src/index.js";

const PAIRS: [string, string][] = [
  ["女孩在看书", "girl is reading a book"],
  ["男孩在看书", "boy is reading a book"],
  ["能看看你的书吗", "can i read you book"],
  ["我有一本书", "i have a book"],
  ["男孩有一本书", "boy have a book"],
  ["女孩有一本书", "girl have a book"],
];

/** The notes' vocabulary (one table for both sides), in order of first appearance. */
function corpus() {
  const words: string[] = [];
  for (const [zh, en] of PAIRS) for (const w of [...zh, ...en.split(" ")]) if (!words.includes(w)) words.push(w);
  words.push("<S>", "<E>", "<*>");
  const id = (w: string) => words.indexOf(w);
  const [S, E, P] = [id("<S>"), id("<E>"), id("<*>")];
  const srcLen = Math.max(...PAIRS.map(([zh]) => zh.length)) + 1;
  const tgtLen = Math.max(...PAIRS.map(([, en]) => en.split(" ").length)) + 1;
  const pad = (ids: number[], n: number, v: number) => [...ids, ...new Array<number>(n - ids.length).fill(v)];
  const src = PAIRS.flatMap(([zh]) => pad([...[...zh].map(id), E], srcLen, P));
  const targets = PAIRS.map(([, en]) => en.split(" ").map(id));
  const tgtIn = targets.flatMap((t) => pad([S, ...t], tgtLen, P));
  const labels = targets.flatMap((t) => pad([...t, E], tgtLen, -100)); // padding ignored by the loss
  const i32 = (v: number[], n: number) => tensor(v, [PAIRS.length, n], { dtype: "int32" });
  return { words, S, E, P, targets, src: i32(src, srcLen), tgtIn: i32(tgtIn, tgtLen), labels: i32(labels, tgtLen) };
}

function train(cell: "gru" | "lstm", epochs: number) {
  const c = corpus();
  manualSeed(7);
  const model = new models.Seq2Seq({ srcVocabSize: c.words.length, tgtVocabSize: c.words.length, embeddingDim: 32, hiddenSize: 64, cell, srcPadId: c.P });
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  let loss = Infinity;
  for (let epoch = 0; epoch < epochs; epoch++) {
    loss = tidy(() => {
      const logits = model.forward(c.src, c.tgtIn);
      const l = F.crossEntropy(logits.reshape([-1, c.words.length]), c.labels.reshape([-1]), { ignoreIndex: -100 });
      l.backward();
      opt.step();
      opt.zeroGrad();
      return l.item();
    });
  }
  return { c, model, loss };
}

describe("Seq2Seq (GRU / LSTM encoder–decoder with additive attention) on the notes' six pairs", () => {
  for (const cell of ["gru", "lstm"] as const) {
    it(`${cell}: teacher forcing learns every pair; greedy and beam search decode every target`, () => {
      const { c, model, loss } = train(cell, 40);
      expect(loss).toBeLessThan(0.05);
      model.eval();
      const opts = { bos: c.S, eos: c.E, maxLength: 10 };
      expect(model.greedyDecode(c.src, opts)).toEqual(c.targets);
      expect(model.beamSearch(c.src, { ...opts, numBeams: 3 })).toEqual(c.targets);
      expect(model.beamSearch(c.src, { ...opts, numBeams: 1 })).toEqual(model.greedyDecode(c.src, opts));
      const words = (ids: number[]) => ids.map((i) => c.words[i]).join(" ");
      expect(words(model.greedyDecode(c.src, opts)[3])).toBe("i have a book");
    });
  }

  it("attentionWeights: each teacher-forced step's weights are a distribution over the source that gives padding nothing", () => {
    const c = corpus();
    manualSeed(3);
    const model = new models.Seq2Seq({ srcVocabSize: c.words.length, tgtVocabSize: c.words.length, embeddingDim: 8, hiddenSize: 16, cell: "lstm", numLayers: 2, srcPadId: c.P });
    noGrad(() => tidy(() => {
      const [S, T] = [c.src.shape[1], c.tgtIn.shape[1]];
      const w = model.attentionWeights(c.src, c.tgtIn);
      expect(w.shape).toEqual([6, T, S]);
      const wd = w.data(), src = c.src.data();
      for (let b = 0; b < 6; b++) {
        for (let t = 0; t < T; t++) {
          let sum = 0;
          for (let j = 0; j < S; j++) {
            const x = wd[(b * T + t) * S + j];
            sum += x;
            if (src[b * S + j] === c.P) expect(x).toBe(0);
          }
          expect(sum).toBeCloseTo(1, 5);
        }
      }
    }));
  });

  it("bad inputs: config, ids out of range, all-padding rows, batch mismatch, decoding options", () => {
    const c = corpus();
    const V = c.words.length;
    expectCode("E_RANGE", () => new models.Seq2Seq({ srcVocabSize: 0, tgtVocabSize: V }), /Seq2Seq: config.srcVocabSize/);
    expectCode("E_VALUE", () => new models.Seq2Seq({ srcVocabSize: V, tgtVocabSize: V, cell: "rnn" as never }), /Seq2Seq: config.cell: expected "gru" or "lstm"/);
    expectCode("E_RANGE", () => new models.Seq2Seq({ srcVocabSize: V, tgtVocabSize: V, srcPadId: V }), /Seq2Seq: config.srcPadId/);
    const model = new models.Seq2Seq({ srcVocabSize: V, tgtVocabSize: V, embeddingDim: 4, hiddenSize: 8, srcPadId: c.P });
    const ids = (v: number[], shape: number[]) => tensor(v, shape, { dtype: "int32" });
    expectCode("E_RANGE", () => model.forward(ids([1, V], [1, 2]), ids([1], [1, 1])), new RegExp(`Seq2Seq.forward: src\\[0, 1\\]: expected a token id in \\[0, ${V - 1}\\], received ${V}`));
    expectCode("E_VALUE", () => model.forward(ids([c.P, c.P], [1, 2]), ids([1], [1, 1])), /Seq2Seq.forward: src\[0\]: expected at least one token that is not the padding id/);
    expectCode("E_SHAPE", () => model.forward(ids([1, 2], [1, 2]), ids([1, 2], [2, 1])), /Seq2Seq.forward: tgtIn: expected batch size 1/);
    expectCode("E_DTYPE", () => model.forward(tensor([[1, 2]]), ids([1], [1, 1])), /Seq2Seq.forward: src/);
    expectCode("E_SHAPE", () => model.forward(ids([1, 2], [2]), ids([1], [1, 1])), /Seq2Seq.forward: src: expected \[batch, seq\]/);
    expectCode("E_RANGE", () => model.greedyDecode(ids([1, 2], [1, 2]), { bos: V, eos: c.E }), /Seq2Seq.greedyDecode: options.bos/);
    expectCode("E_RANGE", () => model.greedyDecode(ids([1, 2], [1, 2]), { bos: c.S, eos: c.E, maxLength: 0 }), /Seq2Seq.greedyDecode: options.maxLength/);
    expectCode("E_RANGE", () => model.beamSearch(ids([1, 2], [1, 2]), { bos: c.S, eos: c.E, numBeams: 0 }), /Seq2Seq.beamSearch: options.numBeams/);
    expectCode("E_RANGE", () => model.beamSearch(ids([1, 2], [1, 2]), { bos: c.S, eos: c.E, lengthPenalty: NaN }), /Seq2Seq.beamSearch: options.lengthPenalty/);
    // an untrained model stops at maxLength
    expect(model.greedyDecode(ids([1, 2], [1, 2]), { bos: c.S, eos: c.E, maxLength: 3 })[0].length).toBeLessThanOrEqual(3);
  });
});
