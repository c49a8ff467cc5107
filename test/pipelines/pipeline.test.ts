// pipeline(): each task over a model object and over a folder (config.json + model.safetensors +
// tokenizer.json), transformers' output shapes, values equal to running the model by hand, and bad
// input (unknown task, missing files, a tokenizer without a mask token, a model for another task).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { models, pipeline, tensor, Generator, WordPieceTokenizer, BPETokenizer, parseTemplate, saveTokenizerJson, noGrad, tidy } from "../../src/index.js";

const WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "dog", "sat", "ran", "on", "mat", "a", "##s", "."];
const SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
function wordPiece(withMask = true): WordPieceTokenizer {
  const words = withMask ? WORDS : WORDS.filter((w) => w !== "[MASK]");
  const vocab = new Map(words.map((w, i) => [w, i]));
  const tok = new WordPieceTokenizer({ vocab, specialTokens: new Map(SPECIAL.filter((s) => vocab.has(s)).map((s) => [s, vocab.get(s)!])) });
  tok.template = parseTemplate("[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1");
  tok.padToken = "[PAD]";
  return tok;
}
const config = { vocabSize: WORDS.length, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32, maxPositions: 16, padTokenId: 0, labels: ["neg", "pos", "mixed"] };
const dir = mkdtempSync(join(tmpdir(), "tessera-pipeline-"));
const tok = wordPiece();
const clf = new models.EncoderForSequenceClassification(config, { generator: new Generator(7) });
const mlm = new models.EncoderForMaskedLM(config, { generator: new Generator(8) });
const ids = (row: number[]) => tensor(Int32Array.from(row), [1, row.length], { dtype: "int32" });
const values = (f: () => { data(): Float32Array | Int32Array }) => Array.from(noGrad(() => tidy(() => f().data())));

beforeAll(async () => {
  await clf.savePretrained(join(dir, "clf"));
  await mlm.savePretrained(join(dir, "mlm"));
  for (const d of ["clf", "mlm"]) writeFileSync(join(dir, d, "tokenizer.json"), saveTokenizerJson(tok));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("pipeline", () => {
  it("WordPiece tokenizer.json saved here loads in tokenizers.js with equal ids", () => {
    const hf = new Tokenizer(JSON.parse(saveTokenizerJson(tok)), {});
    for (const t of ["The cats sat on a mat.", "a dog ran", "[MASK] sat"]) expect(hf.encode(t).ids).toEqual(tok.encodeBatch([t]).inputIds[0]);
  });

  it("text-classification: [{label, score}] per text, all labels with topK null, equal to softmax of the logits", async () => {
    const p = await pipeline("text-classification", { model: join(dir, "clf") });
    const one = await p("the cat sat");
    expect(one).toHaveLength(1);
    const probs = values(() => clf.eval().forward(ids([2, 5, 6, 8, 3])).softmax(-1));
    const best = probs.indexOf(Math.max(...probs));
    expect(one[0]).toEqual({ label: config.labels[best], score: expect.closeTo(probs[best], 5) });
    const all = await p("the cat sat", { topK: null }) as { label: string; score: number }[];
    expect(all.map((r) => r.label).sort()).toEqual([...config.labels].sort());
    expect(all.reduce((s, r) => s + r.score, 0)).toBeCloseTo(1, 5);
    expect(all[0].score).toBeGreaterThanOrEqual(all[1].score);
    // a batch (padded together): one result per text, the same as one at a time
    const batch = await p(["the cat sat", "a dog ran on the mat ."]) as { label: string; score: number }[];
    expect(batch).toHaveLength(2);
    expect(batch[0].score).toBeCloseTo(one[0].score, 5);
    expect((await p(["the cat sat", "a dog"], { topK: 2 }) as unknown[][]).map((r) => r.length)).toEqual([2, 2]);
    p.model.dispose();
  });

  it("feature-extraction: [1][tokens][hidden] per text, the trunk's hidden states", async () => {
    const p = await pipeline("feature-extraction", { model: mlm, tokenizer: tok });
    const out = await p("the dog sat");
    expect([out.length, out[0].length, out[0][0].length]).toEqual([1, 5, 16]);
    const h = values(() => mlm.bert.forward(ids([2, 5, 7, 8, 3])));
    out[0].flat().forEach((v, i) => expect(v).toBeCloseTo(h[i], 5));
    const two = await p(["the dog", "a cat sat on the mat"]);
    expect(two.map((x) => x[0].length)).toEqual([4, 8]);
  });

  it("fill-mask: topK candidates {score, token, token_str, sequence} for the mask, best first", async () => {
    const p = await pipeline("fill-mask", { model: join(dir, "mlm") });
    const out = await p("the [MASK] sat", { topK: 3 }) as { score: number; token: number; token_str: string; sequence: string }[];
    expect(out).toHaveLength(3);
    const probs = values(() => mlm.eval().forward(ids([2, 5, 4, 8, 3])).softmax(-1)).slice(2 * WORDS.length, 3 * WORDS.length);
    const order = probs.map((_, i) => i).sort((a, b) => probs[b] - probs[a]);
    out.forEach((c, k) => {
      expect(c.token).toBe(order[k]);
      expect(c.score).toBeCloseTo(probs[order[k]], 5);
      expect(c.token_str).toBe(tok.decode([order[k]]));
      expect(c.sequence).toBe(tok.decode([5, order[k], 8], { skipSpecialTokens: true }));
    });
    // two masks: a list per mask
    const two = await p("[MASK] cat [MASK]", { topK: 2 }) as unknown[][];
    expect(two.map((x) => x.length)).toEqual([2, 2]);
    p.model.dispose();
  });

  it("text-generation: [{generated_text}] = prompt + decoded greedy continuation, from a GPT folder", async () => {
    const bpe = BPETokenizer.train(["the cat sat on the mat. the dog ran on the mat."], { vocabSize: 300 });
    const gpt = new models.GPT({ nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 32, vocabSize: bpe.vocabSize }, { generator: new Generator(9) });
    const { config: c, weights } = gpt.toHuggingFace();
    mkdirSync(join(dir, "gpt"));
    writeFileSync(join(dir, "gpt", "config.json"), JSON.stringify(c));
    writeFileSync(join(dir, "gpt", "model.safetensors"), weights);
    writeFileSync(join(dir, "gpt", "tokenizer.json"), saveTokenizerJson(bpe));
    const p = await pipeline("text-generation", { model: join(dir, "gpt") });
    const out = await p("the cat", { maxNewTokens: 5 });
    const want = bpe.decode(gpt.generate([bpe.encode("the cat")], { maxNewTokens: 5 })[0]);
    expect(out).toEqual([{ generated_text: "the cat" + want }]);
    expect(await p("the cat", { maxNewTokens: 5, returnFullText: false })).toEqual([{ generated_text: want }]);
    const many = await p(["the cat", "the dog"], { maxNewTokens: 2 });
    expect(many.map((r) => r.length)).toEqual([1, 1]);
    p.model.dispose();
    gpt.dispose();
  });

  it("bad input → TesseraError", async () => {
    await expect(pipeline("summarization" as "fill-mask", { model: mlm, tokenizer: tok })).rejects.toThrow(/task: expected "text-generation", "text-classification", "feature-extraction", "fill-mask"/);
    await expect(pipeline("fill-mask", { model: join(dir, "missing") })).rejects.toThrow(/tokenizer.json/);
    mkdirSync(join(dir, "no-weights"));
    writeFileSync(join(dir, "no-weights", "tokenizer.json"), saveTokenizerJson(tok));
    await expect(pipeline("fill-mask", { model: join(dir, "no-weights") })).rejects.toThrow(/config.json/);
    await expect(pipeline("fill-mask", { model: mlm, tokenizer: wordPiece(false) })).rejects.toThrow(/mask token/);
    await expect(pipeline("fill-mask", { model: mlm })).rejects.toThrow(/options.tokenizer/);
    await expect(pipeline("text-classification", { model: mlm, tokenizer: tok })).rejects.toThrow(/EncoderForSequenceClassification/);
    await expect(pipeline("text-generation", { model: join(dir, "clf") })).rejects.toThrow(/a GPT/);
    await expect(pipeline("fill-mask", { model: 42 as unknown as string, tokenizer: tok })).rejects.toThrow(/options.model/);
    const p = await pipeline("fill-mask", { model: mlm, tokenizer: tok });
    await expect(p("the cat sat")).rejects.toThrow(/expected text with the mask token \[MASK\]/);
    await expect(p(7 as unknown as string)).rejects.toThrow(/inputs/);
    await expect(p("[MASK]", { topK: 0 })).rejects.toThrow(/topK/);
    const c = await pipeline("text-classification", { model: clf, tokenizer: tok });
    await expect(c("the cat", { functionToApply: "relu" as "none" })).rejects.toThrow(/functionToApply/);
  });
});
