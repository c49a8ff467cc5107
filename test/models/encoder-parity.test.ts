// The encoder against the same model built from torch 1.13 modules (test/fixtures/make_encoder_fixtures.py):
// classifier logits with a padding mask, masked-LM logits through the tied embedding, and every
// gradient of the classifier.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { models, tensor, noGrad, tidy } from "../../src/index.js";

type Entry = { shape: number[]; data: number[] };
const fx = JSON.parse(readFileSync(new URL("../fixtures/encoder.json", import.meta.url), "utf8")) as {
  config: models.EncoderConfig; params: Record<string, Entry>; ids: number[]; mask: number[]; shape: number[];
  logits: number[]; g: number[]; mlmLogits: number[]; grads: Record<string, number[]>;
};
const load = (m: { namedParameters(): [string, unknown][]; loadStateDict(d: Record<string, unknown>): unknown }) => {
  const names = new Set(m.namedParameters().map(([n]) => n));
  const dict = Object.fromEntries(Object.entries(fx.params).filter(([k]) => names.has(k)).map(([k, e]) => [k, tensor(e.data, e.shape)]));
  m.loadStateDict(dict);
  for (const t of Object.values(dict)) t.dispose();
};
const close = (got: ArrayLike<number>, want: number[], tol: number) => {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  expect(worst).toBeLessThan(tol);
};

describe("encoder parity with torch 1.13", () => {
  const ids = tensor(Int32Array.from(fx.ids), fx.shape, { dtype: "int32" });
  const attentionMask = tensor(Int32Array.from(fx.mask), fx.shape, { dtype: "int32" });

  it("classifier logits and every parameter's gradient", () => {
    const clf = new models.EncoderForSequenceClassification(fx.config);
    load(clf);
    clf.train();
    const logits = clf.forward({ ids, attentionMask });
    close(logits.data(), fx.logits, 1e-5);
    const g = tensor(fx.g, logits.shape);
    logits.mul(g).sum().backward();
    for (const [name, p] of clf.namedParameters()) close(p.grad!.data(), fx.grads[name], 1e-4);
    clf.dispose();
  });

  it("masked-LM logits (head tied to the token embedding)", () => {
    const mlm = new models.EncoderForMaskedLM(fx.config);
    load(mlm);
    close(noGrad(() => tidy(() => mlm.forward({ ids, attentionMask }).data())), fx.mlmLogits, 1e-5);
    mlm.dispose();
  });
});
