// The BERT-style encoder: shapes, padding that changes nothing, [CLS] pooling, save/load through a
// folder (a masked-LM checkpoint feeding a fresh classifier head), and bad input.
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { models, tensor, Generator, TesseraError, noGrad, tidy } from "../../src/index.js";

const { EncoderForSequenceClassification, EncoderForMaskedLM } = models;
const config = { vocabSize: 12, hiddenSize: 16, numLayers: 2, numHeads: 4, intermediateSize: 32, maxPositions: 8, padTokenId: 0, labels: ["neg", "pos"] };
const dir = mkdtempSync(join(tmpdir(), "tessera-encoder-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ids = (rows: number[][]) => tensor(Int32Array.from(rows.flat()), [rows.length, rows[0].length], { dtype: "int32" });
const run = (f: () => { data(): Float32Array | Int32Array }) => Array.from(noGrad(() => tidy(() => f().data())));

describe("EncoderForSequenceClassification", () => {
  it("gives [batch, labels] logits that padding (masked out) does not change", () => {
    const m = new EncoderForSequenceClassification(config, { generator: new Generator(1) }).eval();
    const short = run(() => m.forward(ids([[2, 5, 7, 3]])));
    expect(short).toHaveLength(2);
    const padded = run(() => m.forward({ ids: ids([[2, 5, 7, 3, 0, 0], [2, 6, 3, 0, 0, 0]]), attentionMask: ids([[1, 1, 1, 1, 0, 0], [1, 1, 1, 0, 0, 0]]) }));
    expect(padded).toHaveLength(4);
    padded.slice(0, 2).forEach((v, i) => expect(v).toBeCloseTo(short[i], 5));
    // without the mask the padding is attended to and the hidden states move
    const hidden = (x: ReturnType<typeof ids>) => run(() => m.bert.forward(x).slice(1, 0, 4));
    const base = hidden(ids([[2, 5, 7, 3]]));
    const moved = hidden(ids([[2, 5, 7, 3, 0, 0]])).map((v, i) => Math.abs(v - base[i]));
    expect(Math.max(...moved)).toBeGreaterThan(1e-3);
    m.dispose();
  });

  it("pools the first token: changing a later token changes the logits only through attention", () => {
    const m = new EncoderForSequenceClassification({ ...config, numLayers: 1 }, { generator: new Generator(2) }).eval();
    const a = run(() => m.forward(ids([[2, 5, 3]]))), b = run(() => m.forward(ids([[2, 9, 3]])));
    expect(a).not.toEqual(b);
    m.dispose();
  });

  it("saves to a folder and loads back identically; a masked-LM checkpoint gives a classifier with a fresh head", async () => {
    const clf = new EncoderForSequenceClassification(config, { generator: new Generator(3) }).eval();
    await clf.savePretrained(join(dir, "clf"));
    const back = (await EncoderForSequenceClassification.fromPretrained(join(dir, "clf"))).eval();
    expect(back.config.labels).toEqual(["neg", "pos"]);
    expect(back.newlyInitialized).toEqual([]);
    const x = ids([[2, 4, 6, 3]]);
    expect(run(() => back.forward(x))).toEqual(run(() => clf.forward(x)));

    const mlm = new EncoderForMaskedLM(config, { generator: new Generator(4) }).eval();
    const logits = run(() => mlm.forward(x));
    expect(logits).toHaveLength(4 * 12);
    await mlm.savePretrained(join(dir, "mlm"));
    const mlmBack = (await models.loadEncoder(join(dir, "mlm"))).eval();
    expect(mlmBack).toBeInstanceOf(EncoderForMaskedLM);
    expect(run(() => mlmBack.forward(x))).toEqual(logits);
    const fresh = (await EncoderForSequenceClassification.fromPretrained(join(dir, "mlm"), { labels: ["a", "b", "c"] })).eval();
    expect(fresh.newlyInitialized.sort()).toEqual(["classifier.bias", "classifier.weight", "pooler.bias", "pooler.weight"]);
    expect(fresh.config.labels).toEqual(["a", "b", "c"]);
    // the trunk is the masked LM's
    expect(run(() => fresh.bert.forward(x))).toEqual(run(() => mlm.bert.forward(x)));
    for (const m of [clf, back, mlm, mlmBack, fresh]) m.dispose();
  });

  it("the padding row of the token embedding starts at zero", () => {
    const m = new EncoderForMaskedLM(config, { generator: new Generator(5) });
    const row = run(() => m.bert.embeddings.wordEmbeddings.weight.slice(0, 0, 1));
    expect(row.every((v) => v === 0)).toBe(true);
    m.dispose();
  });

  it("bad input → TesseraError", async () => {
    expect(() => new EncoderForSequenceClassification({ ...config, numHeads: 3 })).toThrow(/numHeads: expected a divisor of hiddenSize 16/);
    expect(() => new EncoderForSequenceClassification({ ...config, labels: [] })).toThrow(/config.labels/);
    const m = new EncoderForSequenceClassification(config, { generator: new Generator(6) });
    expect(() => m.forward(ids([[1, 2, 3, 4, 5, 6, 7, 8, 9]]))).toThrow(/at most|maxPositions = 8/);
    expect(() => m.forward(ids([[1, 12]]))).toThrow(/token ids in \[0, 12\)/);
    expect(() => m.forward(tensor([[1, 2]]))).toThrow(TesseraError);
    expect(() => m.forward({ ids: ids([[1, 2]]), attentionMask: ids([[1, 1, 1]]) })).toThrow(/attentionMask: expected shape \[1, 2\]/);
    await expect(EncoderForSequenceClassification.fromPretrained(join(dir, "nothing-here"))).rejects.toThrow(/config.json/);
    // config and weights that disagree
    writeFileSync(join(dir, "bad.json"), "{}");
    const other = new EncoderForSequenceClassification({ ...config, hiddenSize: 8, numHeads: 2 });
    await other.savePretrained(join(dir, "small"));
    const { writeFile, readFile } = await import("node:fs/promises");
    const cfg = JSON.parse(await readFile(join(dir, "small", "config.json"), "utf8"));
    await writeFile(join(dir, "small", "config.json"), JSON.stringify({ ...cfg, hidden_size: 16, num_attention_heads: 4 }));
    await expect(EncoderForSequenceClassification.fromPretrained(join(dir, "small"))).rejects.toThrow(/size mismatch/);
    await writeFile(join(dir, "small", "config.json"), JSON.stringify({ ...cfg, model_type: "bert" }));
    await expect(EncoderForSequenceClassification.fromPretrained(join(dir, "small"))).rejects.toThrow(/model_type/);
    m.dispose();
    other.dispose();
  });

  it("fuzz: config.json with fields of every wrong type or value loads or throws TesseraError, nothing else", () => {
    const clf = new EncoderForSequenceClassification(config, { generator: new Generator(9) });
    const good = clf.toPretrained().config as unknown as Record<string, unknown>;
    const g = new Generator(10);
    const odd = [null, undefined, -1, 0, 0.5, 1e9, NaN, "x", "", [], {}, true, [1, 2], { 0: 3 }, { 0: "a", 2: "b" }];
    for (let i = 0; i < 300; i++) {
      const j: Record<string, unknown> = { ...good };
      const keys = Object.keys(good);
      for (let k = 0; k < 1 + g.int(3); k++) j[keys[g.int(keys.length)]] = odd[g.int(odd.length)];
      try {
        models.encoderConfigFromJson("fuzz", j);
      } catch (e) {
        expect(e, JSON.stringify(j)).toBeInstanceOf(TesseraError);
      }
    }
    for (const bad of [null, 3, "text", []]) expect(() => models.encoderConfigFromJson("fuzz", bad)).toThrow(TesseraError);
    clf.dispose();
  });
});
