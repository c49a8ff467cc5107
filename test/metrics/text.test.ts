// Text metrics on the worked numbers of notes 004 (sacrebleu and rouge-score outputs printed there)
// and on hand-worked cases; the arithmetic of each hand case is written next to it.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { metrics, tensor, TesseraError } from "../../src/index.js";

const { bleu, rouge, perplexity, tokenize13a } = metrics;
const REF = "This plugin allows you to automatically translate web pages between several languages.";

describe("bleu (sacrebleu semantics)", () => {
  it("reproduces notes 004: a good translation scores 46.75", () => {
    const r = bleu(["This plugin lets you translate web pages between several languages automatically."], [[REF]]);
    expect(r.score).toBeCloseTo(46.750469682990165, 9);
    expect(r.counts).toEqual([11, 6, 4, 3]);
    expect(r.totals).toEqual([12, 11, 10, 9]);
    expect(r.bp).toBeCloseTo(0.9200444146293233, 12);
    expect([r.sysLen, r.refLen]).toEqual([12, 13]);
    [91.67, 54.55, 40.0, 33.33].forEach((p, i) => expect(r.precisions[i]).toBeCloseTo(p, 1));
  });

  it("reproduces notes 004: repetition scores 1.68 (exp smoothing of the zero counts)", () => {
    const r = bleu(["This This This This"], [[REF]]);
    expect(r.score).toBeCloseTo(1.683602693167689, 9);
    expect(r.counts).toEqual([1, 0, 0, 0]);
    expect(r.totals).toEqual([4, 3, 2, 1]);
    // 100/(2·3), 100/(4·2), 100/(8·1)
    [25, 100 / 6, 12.5, 12.5].forEach((p, i) => expect(r.precisions[i]).toBeCloseTo(p, 10));
    expect(r.bp).toBeCloseTo(0.10539922456186433, 12);
  });

  it("reproduces notes 004: a two-word prediction scores 0 (no trigrams at all)", () => {
    const r = bleu(["This plugin"], [REF]);
    expect(r.score).toBe(0);
    expect(r.counts).toEqual([2, 1, 0, 0]);
    expect(r.totals).toEqual([2, 1, 0, 0]);
    expect(r.precisions).toEqual([100, 100, 0, 0]);
    expect(r.bp).toBeCloseTo(0.004086771438464067, 12);
    // effective order averages the two orders that exist: bp · √(100·100)
    expect(bleu(["This plugin"], [REF], { effectiveOrder: true }).score).toBeCloseTo(0.4086771438464067, 10);
  });

  it("sums counts over the corpus, clips by the best reference and takes the closest reference length", () => {
    // hyp "the the cat" vs refs "the cat" / "a cat sat on": "the" clipped to 1 (max over refs), "cat" 1 → 2/3;
    // bigrams "the the" ✗, "the cat" ✓ → 1/2; lengths 2 and 4 are both 1 away → the shorter, 2 (no penalty).
    const r = bleu(["the the cat"], [["the cat", "a cat sat on"]], { maxNgramOrder: 2, smoothing: "none" });
    expect(r.counts).toEqual([2, 1]);
    expect(r.refLen).toBe(2);
    expect(r.score).toBeCloseTo(100 * Math.sqrt((2 / 3) * (1 / 2)), 10);
    // two sentences pooled: counts add before the geometric mean
    const c = bleu(["a b", "c d e"], ["a b", "c x e"], { maxNgramOrder: 2, smoothing: "none" });
    expect(c.counts).toEqual([4, 1]);
    expect(c.totals).toEqual([5, 3]);
    expect(c.score).toBeCloseTo(100 * Math.sqrt((4 / 5) * (1 / 3)), 10);
  });

  it("floor and add-k smoothing", () => {
    // counts [1,0,0,0] totals [4,3,2,1]: floor 0.1 → 25, 10/3, 5, 10
    const f = bleu(["This This This This"], [REF], { smoothing: "floor" });
    [25, 10 / 3, 5, 10].forEach((p, i) => expect(f.precisions[i]).toBeCloseTo(p, 10));
    // add-k 1 from bigrams on: 25, 1/4, 1/3, 1/2 (in %)
    const k = bleu(["This This This This"], [REF], { smoothing: "add-k" });
    [25, 25, 100 / 3, 50].forEach((p, i) => expect(k.precisions[i]).toBeCloseTo(p, 10));
    expect(k.score).toBeCloseTo(k.bp * Math.exp((Math.log(25) * 2 + Math.log(100 / 3) + Math.log(50)) / 4), 10);
  });

  it("equals nltk 3.8's corpus_bleu on random corpora: no smoothing, method1 (floor 0.1), method3 (exp)", () => {
    type Case = { hypotheses: string[]; references: string[][]; none: number; floor: number; exp: number };
    const cases = JSON.parse(readFileSync(new URL("../fixtures/metrics/bleu_nltk.json", import.meta.url), "utf8")) as Case[];
    for (const c of cases) {
      for (const smoothing of ["none", "floor", "exp"] as const) {
        expect(bleu(c.hypotheses, c.references, { tokenize: "none", smoothing }).score / 100, `${smoothing} ${JSON.stringify(c.hypotheses)}`).toBeCloseTo(c[smoothing], 12);
      }
    }
  });

  it("13a tokenization splits punctuation but keeps decimals and thousands", () => {
    expect(tokenize13a("Hello, world! It costs 3.50 (about 1,000 yen).")).toEqual(["Hello", ",", "world", "!", "It", "costs", "3.50", "(", "about", "1,000", "yen", ")", "."]);
    expect(tokenize13a("a &amp; b")).toEqual(["a", "&", "b"]);
    expect(bleu(["The Cat"], ["the cat"], { lowercase: true, maxNgramOrder: 2 }).score).toBeCloseTo(100, 10);
  });

  it("bad input → TesseraError naming the argument", () => {
    expect(() => bleu(["a"], [])).toThrow(/references: expected 1 entries/);
    expect(() => bleu([], [])).toThrow(/at least one prediction/);
    expect(() => bleu([3 as unknown as string], ["a"])).toThrow(/predictions\[0\]/);
    expect(() => bleu(["a"], [[]])).toThrow(/references\[0\]/);
    expect(() => bleu(["a"], ["a"], { smoothing: "magic" as "exp" })).toThrow(/options.smoothing/);
    expect(() => bleu(["a"], ["a"], { maxNgramOrder: 0 })).toThrow(TesseraError);
  });
});

describe("rouge (rouge-score semantics)", () => {
  it("reproduces notes 004: rouge1 0.86/1.0/0.92, rouge2 0.67/0.8/0.73, rougeL = rouge1", () => {
    const r = rouge(["I absolutely loved reading the Hunger Games"], ["I loved reading the Hunger Games"]);
    const s = r.scores;
    expect(s.rouge1.precision).toBeCloseTo(6 / 7, 12);
    expect(s.rouge1.recall).toBe(1);
    expect(s.rouge1.fmeasure).toBeCloseTo(12 / 13, 12);
    expect(s.rouge2.precision).toBeCloseTo(4 / 6, 12);
    expect(s.rouge2.recall).toBeCloseTo(4 / 5, 12);
    expect(s.rouge2.fmeasure).toBeCloseTo(8 / 11, 12);
    expect(s.rougeL).toEqual(s.rouge1);
    expect(s.rougeLsum).toEqual(s.rouge1);
    // the notes' rounded figures
    expect(s.rouge1.precision.toFixed(2)).toBe("0.86");
    expect(s.rouge2.fmeasure.toFixed(2)).toBe("0.73");
  });

  it("rougeL is the longest common subsequence, rougeLsum the union LCS over lines", () => {
    // ref "a b c d e", pred "a c b d": LCS "a b d" or "a c d" = 3 → p 3/4, r 3/5
    const l = rouge(["a c b d"], ["a b c d e"], { rougeTypes: ["rougeL"] }).scores.rougeL;
    expect([l.precision, l.recall]).toEqual([3 / 4, 3 / 5]);
    // ref one line "a b c d", pred lines "a b" and "c d": union LCS covers all 4 → 1/1 (rougeL: 4/4 too)
    // but pred lines "c d" / "a b" order: union still 4, while plain LCS over "c d a b" is 2
    const r = rouge(["c d\na b"], ["a b c d"], { rougeTypes: ["rougeL", "rougeLsum"] }).scores;
    expect(r.rougeL.recall).toBe(2 / 4);
    expect(r.rougeLsum.recall).toBe(1);
    expect(r.rougeLsum.precision).toBe(1);
  });

  it("several references: the best by F1; several predictions: the mean; any rougeN", () => {
    const r = rouge(["the cat sat", "dogs run"], [["a dog", "the cat sat down"], "dogs run"], { rougeTypes: ["rouge1", "rouge3"] });
    expect(r.perPrediction.rouge1[0]).toEqual({ precision: 1, recall: 3 / 4, fmeasure: 6 / 7 });
    expect(r.scores.rouge1.fmeasure).toBeCloseTo((6 / 7 + 1) / 2, 12);
    // rouge3: "the cat sat" is 1 of the reference's 2 trigrams; "dogs run" has none → 0
    expect(r.perPrediction.rouge3[0].recall).toBe(1 / 2);
    expect(r.perPrediction.rouge3[1].fmeasure).toBe(0);
    // rouge-score's tokenizer: lower case, punctuation is a separator
    expect(rouge(["Hello, World!"], ["hello world"]).scores.rouge2.fmeasure).toBe(1);
  });

  it("bad input → TesseraError", () => {
    expect(() => rouge(["a"], ["a"], { rougeTypes: ["rougeX" as "rougeL"] })).toThrow(/options.rougeTypes/);
    expect(() => rouge(["a", "b"], ["a"])).toThrow(/references: expected 2 entries/);
  });
});

describe("perplexity", () => {
  it("is exp(mean NLL), from a number or from logits with ignored targets", () => {
    expect(perplexity(Math.log(7))).toBeCloseTo(7, 12);
    // uniform logits over 4 classes → perplexity 4 whatever the targets; −100 rows are skipped
    const uniform = tensor(new Float32Array(3 * 4), [1, 3, 4]);
    expect(perplexity(uniform, tensor([[0, 3, -100]], undefined, { dtype: "int32" }))).toBeCloseTo(4, 5);
    // two tokens with p = 1/2 and p = e/(e+1): NLLs log 2 and log(1 + 1/e)
    const logits = tensor([[0, 0], [1, 0]]);
    const want = Math.exp((Math.log(2) + Math.log(1 + Math.exp(-1))) / 2);
    expect(perplexity(logits, tensor([1, 0], undefined, { dtype: "int32" }))).toBeCloseTo(want, 5);
  });

  it("bad input → TesseraError", () => {
    expect(() => perplexity(-1)).toThrow(/meanNll/);
    expect(() => perplexity(Number.NaN)).toThrow(TesseraError);
    expect(() => perplexity(tensor([[0, 0]]), tensor([-100], undefined, { dtype: "int32" }))).toThrow(/at least one token/);
    expect(() => perplexity(tensor([[0, 0]]), tensor([0]))).toThrow(/int32/);
  });
});
