// LogisticRegression against scikit-learn 1.2.1's LogisticRegression solved to a gradient of 1e-10
// (solver newton-cg; fixtures made by test/fixtures/text/make_text_fixtures.py): binary and
// multinomial, with and without intercept, number and string labels, and TF-IDF features.
// Tolerance 1e-6 on coefficients and probabilities: both sides stop within 1e-9 of a zero gradient
// of a strongly convex loss. With sklearn's defaults (lbfgs, tol 1e-4) both stop early at slightly
// different points, so those probabilities are compared at 1e-3.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { LogisticRegression } from "../../src/linear-model/index.js";
import { TfidfVectorizer } from "../../src/text/index.js";
import { TesseraError } from "../../src/errors.js";

interface LrCase { name: string; options: Record<string, number | boolean>; X: number[][]; y: (number | string)[]; Xtest: number[][]; classes: (number | string)[]; coef: number[]; intercept: number[]; proba: number[]; predict: (number | string)[]; probaDefault: number[] }
const fx = JSON.parse(readFileSync(new URL("../fixtures/text/text.json", import.meta.url), "utf8")) as {
  logistic: LrCase[]; tfidfLogistic: { docs: string[]; y: number[]; test: string[]; coef: number[]; intercept: number[]; proba: number[] };
};

function close(got: ArrayLike<number>, want: number[], tol: number, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol)) throw new Error(`${what}[${i}]: ${got[i]} vs sklearn ${want[i]} (tol ${tol})`);
  }
}

describe("LogisticRegression matches scikit-learn 1.2.1", () => {
  for (const c of fx.logistic) {
    it(c.name, () => {
      const clf = new LogisticRegression({ ...c.options, tol: 1e-9, maxIter: 2000 }).fit(c.X, c.y as number[]);
      expect(clf.classes).toEqual(c.classes);
      close(clf.coef, c.coef, 1e-6, "coef");
      close(clf.intercept, c.intercept, 1e-6, "intercept");
      close(clf.predictProba(c.Xtest), c.proba, 1e-6, "proba");
      expect(clf.predict(c.Xtest)).toEqual(c.predict);
      const byDefault = new LogisticRegression(c.options).fit(c.X, c.y as number[]);
      close(byDefault.predictProba(c.Xtest), c.probaDefault, 1e-3, "probaDefault");
    });
  }

  it("on TF-IDF features (sparse input)", () => {
    const t = fx.tfidfLogistic;
    const tv = new TfidfVectorizer();
    const clf = new LogisticRegression({ tol: 1e-9, maxIter: 2000 }).fit(tv.fitTransform(t.docs), t.y);
    close(clf.coef, t.coef, 1e-6, "coef");
    close(clf.intercept, t.intercept, 1e-6, "intercept");
    close(clf.predictProba(tv.transform(t.test)), t.proba, 1e-6, "proba");
  });

  it("score is the accuracy of predict", () => {
    const c = fx.logistic[2];
    const clf = new LogisticRegression().fit(c.X, c.y as number[]);
    expect(clf.score(c.Xtest, c.predict as number[])).toBe(1);
  });
});

describe("LogisticRegression rejects bad input", () => {
  const code = (f: () => unknown): string => {
    try { f(); } catch (e) { expect(e).toBeInstanceOf(TesseraError); return (e as TesseraError).code; }
    throw new Error("expected a TesseraError");
  };
  const X = [[0, 1], [1, 0], [1, 1]];
  it("options, shapes, labels and state", () => {
    expect(code(() => new LogisticRegression({ C: 0 }))).toBe("E_RANGE");
    expect(code(() => new LogisticRegression({ maxIter: 0 }))).toBe("E_RANGE");
    expect(code(() => new LogisticRegression().fit(X, [0, 1]))).toBe("E_SHAPE");
    expect(code(() => new LogisticRegression().fit(X, [1, 1, 1]))).toBe("E_VALUE");
    expect(code(() => new LogisticRegression().fit([], []))).toBe("E_VALUE");
    expect(code(() => new LogisticRegression().fit([[0, 1], [1]], [0, 1]))).toBe("E_SHAPE");
    expect(code(() => new LogisticRegression().fit([[0, NaN], [1, 0]], [0, 1]))).toBe("E_VALUE");
    expect(code(() => new LogisticRegression().fit(X, [0, "a", 1] as never))).toBe("E_TYPE");
    expect(code(() => new LogisticRegression().fit("X" as never, [0]))).toBe("E_TYPE");
    expect(code(() => new LogisticRegression().predict(X))).toBe("E_STATE");
    const clf = new LogisticRegression().fit(X, [0, 1, 1]);
    expect(code(() => clf.predict([[1, 2, 3]]))).toBe("E_SHAPE");
  });
});
