// SVG plots: well-formed documents (parsed back with a small XML checker), points and lines where the
// data puts them, one legend entry per category, escaped text, readable "nice" ticks, and bad input.
import { describe, expect, it } from "vitest";
import { plot, tensor } from "../../src/index.js";
import { formatTick, niceStep, ticks } from "../../src/plot/axes.js";

const code = (c: string) => expect.objectContaining({ code: c });

/** Balanced tags and attribute quoting: a crude well-formedness check without a DOM. */
function wellFormed(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)([^>]*?)(\/?)>/g)) {
    const [, close, name, attrs, self] = m;
    if ((attrs.match(/"/g) ?? []).length % 2 !== 0) return false;
    if (close) {
      if (stack.pop() !== name) return false;
    } else if (!self) stack.push(name);
  }
  return stack.length === 0 && svg.startsWith("<svg") && !/&(?!amp;|lt;|gt;|quot;|#39;)/.test(svg);
}

describe("scatterSvg", () => {
  it("draws every point, colours by label with a legend, writes texts escaped", () => {
    const pts = [[0, 0], [1, 2], [2, 1], [3, 3]];
    const svg = plot.scatterSvg(pts, { labels: [1, 0, 1, 2], title: "a < b & c", texts: ["w<1>", "x", "y", "z"], xLabel: "x", yLabel: "y" });
    expect(wellFormed(svg)).toBe(true);
    expect((svg.match(/<circle /g) ?? []).length).toBe(4 + 3); // points + legend swatches
    expect(svg).toContain("a &lt; b &amp; c");
    expect(svg).toContain("w&lt;1&gt;");
    for (const name of ["0", "1", "2"]) expect(svg).toContain(`>${name}</text>`);
    // numeric labels sorted: label 0 gets the first colour
    expect(svg).toMatch(/<circle cx="[\d.]+" cy="[\d.]+" r="3.5" fill="#ff7f0e"\/>/);
  });

  it("accepts a tensor and custom colours; a larger y is drawn higher", () => {
    const t = tensor([[0, 0], [0, 10]]);
    const svg = plot.scatterSvg(t, { colors: ["red"], width: 300, height: 200 });
    const cys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(cys[1]).toBeLessThan(cys[0]);
    expect(svg).toContain('width="300" height="200"');
    t.dispose();
  });

  it("rejects bad input", () => {
    expect(() => plot.scatterSvg([[0, 1, 2]])).toThrow(code("E_SHAPE"));
    expect(() => plot.scatterSvg([[0, NaN]])).toThrow(code("E_VALUE"));
    expect(() => plot.scatterSvg([[0, 1]], { labels: [1, 2] })).toThrow(code("E_SHAPE"));
    expect(() => plot.scatterSvg([[0, 1]], { texts: [] })).toThrow(/texts/);
    expect(() => plot.scatterSvg([[0, 1]], { width: 10 })).toThrow(code("E_RANGE"));
    expect(() => plot.scatterSvg([[0, 1]], { labels: [0], legend: ["a", "b"] })).toThrow(/legend/);
  });
});

describe("lineSvg", () => {
  it("draws one path per series with a legend, breaking at non-finite values", () => {
    const svg = plot.lineSvg([{ name: "train", y: [3, 2, 1.5, 1.2] }, { name: "valid", x: [0, 2, 3], y: [3.1, NaN, 1.9] }], { title: "loss", xLabel: "epoch", yLabel: "loss" });
    expect(wellFormed(svg)).toBe(true);
    const paths = [...svg.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]);
    expect(paths.length).toBe(2);
    expect((paths[1].match(/M/g) ?? []).length).toBe(2);
    expect(svg).toContain(">train</text>");
    expect(plot.lineSvg([1, 4, 9])).toContain("<path");
    expect(plot.lineSvg(Float32Array.from([1, 2]))).not.toContain(">series 1<");
  });

  it("rejects bad input", () => {
    expect(() => plot.lineSvg([])).toThrow(code("E_VALUE"));
    expect(() => plot.lineSvg([NaN, NaN])).toThrow(code("E_VALUE"));
    expect(() => plot.lineSvg([{ x: [1], y: [1, 2] }])).toThrow(code("E_SHAPE"));
    expect(() => plot.lineSvg("abc" as never)).toThrow(code("E_TYPE"));
  });
});

describe("axes", () => {
  it("picks 1-2-5 steps and formats ticks with the step's decimals", () => {
    expect(niceStep(0, 10)).toBe(2);
    expect(niceStep(0, 1)).toBe(0.2);
    expect(niceStep(-37, 41)).toBe(20);
    expect(ticks(0.03, 0.97).values.map((v) => formatTick(v, 0.2))).toEqual(["0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
    expect(ticks(5, 5).values.length).toBeGreaterThan(1);
    expect(formatTick(2e-7, 1e-7)).toMatch(/e-7/);
  });
});
