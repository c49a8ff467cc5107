// The CLI's table reader (kmeans, tsne): separators, header detection, quoted cells, label columns,
// and a fuzz over mutated and random text — a table of finite numbers of the stated shape, or a
// TesseraError, never anything else.
import { describe, expect, it } from "vitest";
import { parseTable } from "../../src/cli/table.js";
import { TesseraError } from "../../src/errors.js";

describe("parseTable", () => {
  it("reads CSV, tab- and space-separated numbers, with or without a header", () => {
    const csv = parseTable("# made by hand\nx,y\n1,2\n\n3,4.5e1\n", "t");
    expect(csv).toEqual({ data: Float64Array.of(1, 2, 3, 45), shape: [2, 2], columns: ["x", "y"], labels: null });
    expect(parseTable("1\t-2\n3\t4\r\n", "t")).toMatchObject({ data: Float64Array.of(1, -2, 3, 4), columns: ["1", "2"] });
    expect(parseTable("  1   2 \n3 4\n", "t").shape).toEqual([2, 2]);
  });

  it("keeps a label column apart: by header name, index or negative index; quoted cells", () => {
    const text = 'a,kind,b\n1,"x, y",2\n3,"say ""hi""",4\n';
    const byName = parseTable(text, "t", "kind");
    expect(byName).toEqual({ data: Float64Array.of(1, 2, 3, 4), shape: [2, 2], columns: ["a", "b"], labels: ["x, y", 'say "hi"'] });
    expect(parseTable(text, "t", "1")).toEqual(byName);
    expect(parseTable("1,2,s\n3,4,t\n", "t", "-1")).toMatchObject({ labels: ["s", "t"], columns: ["1", "2"], shape: [2, 2] });
  });

  it("names the line and column of a bad cell, ragged rows and missing rows", () => {
    expect(() => parseTable("x,y\n1,2\n3,nan\n", "f.csv")).toThrow(/f.csv: line 3, column 2: expected a finite number, received "nan"/);
    expect(() => parseTable("1,2\n3\n", "f.csv")).toThrow(/f.csv: line 2: expected 2 columns \(as line 1\), received 1/);
    expect(() => parseTable("x,y\n", "f.csv")).toThrow(/expected rows of numbers after the header, received none/);
    expect(() => parseTable("s\nt\n", "f.csv", "0")).toThrow(/expected at least one numeric column besides the labels/);
    expect(() => parseTable("1,2\n", "f.csv", "2")).toThrow(/--labels: expected a column index in \[-2, 1\]/);
  });

  it("fuzz: mutated and random text gives a table of finite numbers or a TesseraError", () => {
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const alphabet = '0123456789.,-+eE\t\n\r "#xé\u0000';
    const base = 'a,b,label\n1,2,"p"\n3.5,-4e2,q\n# c\n5,6,r\n';
    for (let trial = 0; trial < 3000; trial++) {
      let text = trial % 4 === 0 ? "" : base;
      const edits = 1 + rand(8);
      for (let e = 0; e < edits || text === ""; e++) {
        const at = rand(text.length + 1);
        const ch = alphabet[rand(alphabet.length)]!;
        const op = rand(3);
        text = op === 0 ? text.slice(0, at) + ch + text.slice(at) : op === 1 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + ch + text.slice(at + 1);
        if (text.length > 200) break;
      }
      const label = [undefined, "label", "-1", "0"][rand(4)];
      try {
        const t = parseTable(text, "fuzz", label);
        const [n, d] = t.shape;
        expect(n).toBeGreaterThan(0);
        expect(d).toBeGreaterThan(0);
        expect(t.data.length).toBe(n * d);
        expect(t.columns).toHaveLength(d);
        for (const v of t.data) expect(Number.isFinite(v)).toBe(true);
        if (label === undefined) expect(t.labels).toBeNull();
        else expect(t.labels).toHaveLength(n);
      } catch (e) {
        if (!(e instanceof TesseraError)) throw new Error(`not a TesseraError for ${JSON.stringify(text)} (labels ${label}): ${String(e)}`);
      }
    }
  });
});
