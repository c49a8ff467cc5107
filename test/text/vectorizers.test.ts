// CountVectorizer / TfidfVectorizer against scikit-learn 1.2.1: same feature names in the same
// order, same sparsity pattern, values within 1e-6 (fixtures made by
// test/fixtures/text/make_text_fixtures.py, covering word/char/char_wb n-grams, stop words,
// minDf/maxDf as counts and fractions, maxFeatures with ties, binary, sublinearTf, norms, idf).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { CountVectorizer, TfidfVectorizer, CsrMatrix, ENGLISH_STOP_WORDS } from "../../src/text/index.js";
import { TesseraError } from "../../src/errors.js";

interface Csr { shape: [number, number]; indptr: number[]; indices: number[]; data: number[] }
interface Case { name: string; kind: "count" | "tfidf"; options: Record<string, unknown>; corpus: "toy" | "genesis"; features: string[]; fit: Csr; transform: Csr; idf?: number[] }
const fx = JSON.parse(readFileSync(new URL("../fixtures/text/text.json", import.meta.url), "utf8")) as {
  toy: string[]; new: string[]; genesis: string[]; vectorizers: Case[];
};

function expectCsr(got: CsrMatrix, want: Csr): void {
  expect(got.shape).toEqual(want.shape);
  expect(Array.from(got.indptr)).toEqual(want.indptr);
  expect(Array.from(got.indices)).toEqual(want.indices);
  for (let p = 0; p < want.data.length; p++) {
    if (Math.abs(got.data[p] - want.data[p]) > 1e-6) throw new Error(`entry ${p}: ${got.data[p]} vs sklearn ${want.data[p]}`);
  }
}

describe("vectorizers match scikit-learn 1.2.1", () => {
  for (const c of fx.vectorizers) {
    it(c.name, () => {
      const v = c.kind === "count" ? new CountVectorizer(c.options) : new TfidfVectorizer(c.options);
      const fit = v.fitTransform(c.corpus === "toy" ? fx.toy : fx.genesis);
      expect(v.getFeatureNamesOut()).toEqual(c.features);
      expectCsr(fit, c.fit);
      expectCsr(v.transform(fx.new), c.transform);
      if (c.idf) {
        const idf = (v as TfidfVectorizer).idf;
        c.idf.forEach((x, i) => expect(Math.abs(idf[i] - x)).toBeLessThan(1e-9));
      }
    });
  }

  it("fit then transform equals fitTransform, and toDense/row agree with the CSR entries", () => {
    const a = new TfidfVectorizer({ ngramRange: [1, 2] });
    const m = a.fitTransform(fx.toy);
    const b = new TfidfVectorizer({ ngramRange: [1, 2] }).fit(fx.toy).transform(fx.toy);
    expect(Array.from(b.data)).toEqual(Array.from(m.data));
    const dense = m.toDense();
    const cols = m.shape[1];
    expect(Array.from(m.row(2))).toEqual(Array.from(dense.subarray(2 * cols, 3 * cols)));
    expect(m.toArray()[2]).toEqual(Array.from(m.row(2)));
    expect(a.vocabulary.get("quick fox")).toBe(a.getFeatureNamesOut().indexOf("quick fox"));
    expect(ENGLISH_STOP_WORDS.size).toBe(318);
  });

  it("custom token pattern with a capture group", () => {
    const v = new CountVectorizer({ tokenPattern: /#(\w+)/ });
    v.fit(["#red and #blue", "#blue #blue"]);
    expect(v.getFeatureNamesOut()).toEqual(["blue", "red"]);
  });
});

describe("vectorizers reject bad input", () => {
  const code = (f: () => unknown): string => {
    try { f(); } catch (e) { expect(e).toBeInstanceOf(TesseraError); return (e as TesseraError).code; }
    throw new Error("expected a TesseraError");
  };
  it("options", () => {
    expect(code(() => new CountVectorizer({ analyzer: "words" as never }))).toBe("E_VALUE");
    expect(code(() => new CountVectorizer({ ngramRange: [2, 1] }))).toBe("E_VALUE");
    expect(code(() => new CountVectorizer({ ngramRange: [0, 1] }))).toBe("E_RANGE");
    expect(code(() => new CountVectorizer({ minDf: 1.5 }))).toBe("E_RANGE");
    expect(code(() => new CountVectorizer({ maxDf: -1 }))).toBe("E_RANGE");
    expect(code(() => new CountVectorizer({ maxFeatures: 0 }))).toBe("E_RANGE");
    expect(code(() => new CountVectorizer({ stopWords: "french" as never }))).toBe("E_VALUE");
    expect(code(() => new CountVectorizer({ vocabulary: ["a", "a"] }))).toBe("E_VALUE");
    expect(code(() => new TfidfVectorizer({ norm: "l3" as never }))).toBe("E_VALUE");
    expect(code(() => new CountVectorizer(null as never))).toBe("E_TYPE");
  });
  it("documents and state", () => {
    expect(code(() => new CountVectorizer().fit("one string" as never))).toBe("E_TYPE");
    expect(code(() => new CountVectorizer().fit(["ok", 3] as never))).toBe("E_TYPE");
    expect(code(() => new CountVectorizer().transform(["x"]))).toBe("E_STATE");
    expect(code(() => new CountVectorizer().fit(["a b c", "I x"]))).toBe("E_VALUE"); // only 1-char tokens
    expect(code(() => new CountVectorizer({ stopWords: "english" }).fit(["the and of"]))).toBe("E_VALUE");
    expect(code(() => new CountVectorizer({ minDf: 3 }).fit(["red fox", "blue fox"]))).toBe("E_VALUE");
    expect(code(() => new CountVectorizer({ minDf: 2, maxDf: 1 }).fit(["red fox", "blue fox"]))).toBe("E_VALUE");
    expect(code(() => new TfidfVectorizer({ useIdf: false }).fit(["red fox"]).idf)).toBe("E_STATE");
  });
});
