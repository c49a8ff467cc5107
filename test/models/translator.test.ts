// models.TransformerTranslator on the notes' toy pairs (001 §1.7: "hello world meet you" → "hi there
// meet you", "nice to meet you" → "pleased to meet you", their two vocabularies with <pad> 0, <sos> 1,
// <eos> 2): teacher-forced training learns both pairs and greedy decoding gives them back; padding
// in a batch changes nothing; bad inputs.
import { describe, expect, it } from "vitest";
import { expectCode } from "../ops/compare.js";
import { F, manualSeed, models, optim, tensor, tidy } from "../../src/index.js";

const SRC_VOCAB = ["<pad>", "<sos>", "<eos>", "hello", "world", "nice", "to", "meet", "you"];
const TGT_VOCAB = ["<pad>", "<sos>", "<eos>", "hi", "there", "pleased", "to", "meet", "you"];
const PAIRS: [string, string][] = [["hello world meet you", "hi there meet you"], ["nice to meet you", "pleased to meet you"]];
const ids = (vocab: string[], s: string) => s.split(" ").map((w) => vocab.indexOf(w));
const i32 = (rows: number[][]) => tensor(rows.flat(), [rows.length, rows[0].length], { dtype: "int32" });

function data() {
  const targets = PAIRS.map(([, en]) => ids(TGT_VOCAB, en));
  return {
    src: i32(PAIRS.map(([s]) => ids(SRC_VOCAB, s))),
    tgtIn: i32(targets.map((t) => [1, ...t])),
    labels: i32(targets.map((t) => [...t, 2])),
    targets,
  };
}

describe("TransformerTranslator (nn.Transformer encoder–decoder) on the notes' toy pairs", () => {
  it("learns both training pairs; greedy decoding gives the targets, also with a padded batch", () => {
    manualSeed(11);
    const d = data();
    // the notes' sizes (dModel 64, 2 heads, 3 + 3 layers) with a 128-wide feed-forward block
    const model = new models.TransformerTranslator({ srcVocabSize: 9, tgtVocabSize: 9, dModel: 64, nhead: 2, dimFeedforward: 128, srcPadId: 0, tgtPadId: 0 });
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    let loss = Infinity;
    for (let epoch = 0; epoch < 80; epoch++) {
      loss = tidy(() => {
        const l = F.crossEntropy(model.forward(d.src, d.tgtIn).reshape([-1, 9]), d.labels.reshape([-1]));
        l.backward();
        opt.step();
        opt.zeroGrad();
        return l.item();
      });
    }
    expect(loss).toBeLessThan(0.1);
    model.eval();
    const decoded = model.greedyDecode(d.src, { bos: 1, eos: 2, maxLength: 8 });
    expect(decoded).toEqual(d.targets);
    expect(decoded.map((t) => t.map((i) => TGT_VOCAB[i]).join(" "))).toEqual(["hi there meet you", "pleased to meet you"]);
    // a shorter source padded to the batch's length decodes as it does alone
    const short = model.greedyDecode(i32([ids(SRC_VOCAB, "hello world")]), { bos: 1, eos: 2, maxLength: 8 });
    const padded = model.greedyDecode(i32([[...ids(SRC_VOCAB, "hello world"), 0, 0], ids(SRC_VOCAB, "nice to meet you")]), { bos: 1, eos: 2, maxLength: 8 });
    expect(padded[0]).toEqual(short[0]);
    expect(padded[1]).toEqual(d.targets[1]);
  });

  it("bad inputs: nhead not dividing dModel, ids out of range, too long, all padding, batch mismatch, options", () => {
    expectCode("E_VALUE", () => new models.TransformerTranslator({ srcVocabSize: 9, tgtVocabSize: 9, dModel: 10, nhead: 3 }), /TransformerTranslator: config.nhead: expected a divisor of dModel 10, received 3/);
    expectCode("E_RANGE", () => new models.TransformerTranslator({ srcVocabSize: 9, tgtVocabSize: 9, tgtPadId: 9 }), /TransformerTranslator: config.tgtPadId/);
    const m = new models.TransformerTranslator({ srcVocabSize: 9, tgtVocabSize: 9, dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, maxLen: 6, srcPadId: 0 });
    expectCode("E_RANGE", () => m.forward(i32([[3, 9]]), i32([[1]])), /TransformerTranslator.forward: src\[0, 1\]: expected a token id in \[0, 8\], received 9/);
    expectCode("E_SHAPE", () => m.forward(i32([[3, 4, 5, 6, 7, 8, 3]]), i32([[1]])), /TransformerTranslator.forward: src: expected at most maxLen = 6 tokens/);
    expectCode("E_VALUE", () => m.forward(i32([[0, 0]]), i32([[1]])), /TransformerTranslator.forward: src\[0\]: expected at least one token that is not the padding id 0/);
    expectCode("E_SHAPE", () => m.forward(i32([[3, 4]]), i32([[1], [1]])), /TransformerTranslator.forward: tgtIn: expected batch size 1 like src/);
    expectCode("E_RANGE", () => m.greedyDecode(i32([[3, 4]]), { bos: 1, eos: -1 }), /TransformerTranslator.greedyDecode: options.eos/);
    expectCode("E_TYPE", () => m.greedyDecode(i32([[3, 4]]), null as never), /TransformerTranslator.greedyDecode: options/);
    // generation stops at maxLength (and within the position table)
    expect(m.greedyDecode(i32([[3, 4]]), { bos: 1, eos: 2, maxLength: 3 })[0].length).toBeLessThanOrEqual(3);
    expect(m.greedyDecode(i32([[3, 4]]), { bos: 1, eos: 2, maxLength: 50 })[0].length).toBeLessThanOrEqual(5);
  });
});
