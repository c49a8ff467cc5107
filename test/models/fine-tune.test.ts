// The pretrain → fine-tune recipe of examples/fine-tune.mjs in miniature: a masked-LM encoder
// pretrained on sentences of two topics, then its [CLS] classifier fine-tuned fully and with LoRA
// (dynamic padding, fit with metrics and early stopping) must beat chance clearly on held-out
// sentences. Topic words: 5–14 vs 15–24; 25–29 are shared filler; lengths 4–10.
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { data, fit, models, nn, optim, F, Generator, metrics, noGrad, tidy } from "../../src/index.js";

const g = new Generator(11);
function sentence(topic: number): number[] {
  const n = 4 + g.int(7);
  return [2, ...Array.from({ length: n }, () => (g.random() < 0.4 ? 25 + g.int(5) : 5 + 10 * topic + g.int(10))), 3];
}
const make = (n: number) => Array.from({ length: n }, (_, i) => ({ ids: sentence(i % 2), label: i % 2 }));
const train = make(240), val = make(60), test = make(100);
const config = { vocabSize: 30, hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64, maxPositions: 16, padTokenId: 0, dropout: 0, labels: ["a", "b"] };
const collate = data.paddingCollator({ padId: 0 });

async function tune(dir: string, lora: boolean): Promise<{ acc: number; history: { metrics: Record<string, number[]> } }> {
  const clf = await models.EncoderForSequenceClassification.fromPretrained(dir);
  if (lora) {
    nn.applyLoRA(clf, { r: 4, alpha: 8, targetModules: ["out_proj", "linear1", "linear2"] });
    clf.pooler.requiresGrad_(true);
    clf.classifier.requiresGrad_(true);
  }
  const params = clf.parameters().filter((p) => p.requiresGrad);
  const history = await fit(clf, new data.DataLoader(train, { batchSize: 16, shuffle: true, seed: 1, collate }), {
    epochs: 6, optimizer: new optim.AdamW(params, { lr: lora ? 1e-2 : 3e-3 }), lossFn: F.crossEntropy, progress: false,
    evalData: new data.DataLoader(val, { batchSize: 60, collate }), metrics: ["accuracy", "f1"],
    earlyStopping: { monitor: "evalLoss", patience: 2, restoreBest: true },
  });
  clf.eval();
  const batch = collate(test);
  const pred = Array.from(noGrad(() => tidy(() => clf.forward(batch).argmax(-1).data())));
  for (const t of Object.values(batch)) (t as { dispose(): void }).dispose();
  clf.dispose();
  return { acc: metrics.accuracyScore(test.map((s) => s.label), pred), history };
}

describe("pretrain, then fine-tune (notes 001 §2.1, 004)", () => {
  it("full and LoRA fine-tuning of a pretrained encoder beat chance clearly on held-out sentences", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-ft-"));
    try {
      const mlm = new models.EncoderForMaskedLM(config, { generator: new Generator(2) });
      const collateMLM = data.maskedLMCollator({ maskId: 4, vocabSize: 30, specialIds: [0, 1, 2, 3, 4], generator: new Generator(3) });
      const pre = await fit(mlm, new data.DataLoader([...train, ...val].map((s) => s.ids), { batchSize: 16, shuffle: true, seed: 4, collate: collateMLM }), {
        epochs: 3, optimizer: new optim.AdamW(mlm.parameters(), { lr: 3e-3 }), lossFn: (o, t) => F.crossEntropy(o, t), progress: false,
        forward: (m, b) => ({ output: m.forward(b), target: b.labels }),
      });
      expect(pre.trainLoss.at(-1)!).toBeLessThan(pre.trainLoss[0]);
      await mlm.savePretrained(dir);
      mlm.dispose();
      const full = await tune(dir, false);
      expect(full.acc).toBeGreaterThan(0.85);
      expect(full.history.metrics.accuracy.length).toBeGreaterThan(0);
      const lora = await tune(dir, true);
      expect(lora.acc).toBeGreaterThan(0.75);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
