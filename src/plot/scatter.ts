// Scatter plots as SVG strings (the notes' plt.scatter of t-SNE / PCA points): one circle per point,
// coloured by a category label (the palette, or the given colours by category index), with a legend
// of the categories, readable axes, and optional text beside each point (word plots).
import { TesseraError, checkInt, checkNumber, checkOptionsObject, fail } from "../errors.js";
import { toMatrix, type MatrixLike } from "../tensor/matrix.js";
import { Tensor } from "../tensor/tensor.js";
import { PALETTE, escapeXml, frameSvg, legendSvg, legendWidth, sx, sy, ticks, type Frame } from "./axes.js";

export interface ScatterOptions {
  /** A category per point (numbers or strings): the point's colour and legend entry. */
  labels?: readonly (number | string)[] | Int32Array | Tensor;
  /** Colours by category (in order of first appearance, or sorted numeric labels); default tab10. */
  colors?: readonly string[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Show a legend (default: when labels are given), or the names to show per category. */
  legend?: boolean | readonly string[];
  /** Text drawn beside each point (e.g. the words of a word-vector plot). */
  texts?: readonly string[];
  width?: number;
  height?: number;
  /** Circle radius in pixels (default 3.5). */
  pointSize?: number;
  /** Fill opacity (default 0.75). */
  opacity?: number;
}

/** An SVG document plotting points [n, 2]. */
export function scatterSvg(points: MatrixLike, options?: ScatterOptions): string {
  const fn = "scatterSvg";
  const o = checkOptionsObject(fn, options);
  const m = toMatrix(fn, "points", points);
  if (m.d !== 2) throw new TesseraError("E_SHAPE", `${fn}: points: expected [n, 2] (x, y per point), received [${m.n}, ${m.d}]`);
  const n = m.n;
  const width = o.width === undefined ? 720 : checkInt(`${fn}: options.width`, o.width, 100, 20000);
  const height = o.height === undefined ? 540 : checkInt(`${fn}: options.height`, o.height, 100, 20000);
  const radius = o.pointSize === undefined ? 3.5 : checkNumber(`${fn}: options.pointSize`, o.pointSize, 0.1, 100);
  const opacity = o.opacity === undefined ? 0.75 : checkNumber(`${fn}: options.opacity`, o.opacity, 0, 1);
  let labels: (number | string)[] | null = null;
  if (o.labels !== undefined) {
    const raw = o.labels instanceof Tensor ? Array.from(o.labels.data()) : o.labels;
    if (!Array.isArray(raw) && !(raw instanceof Int32Array)) fail("E_TYPE", `${fn}: options.labels`, "an array of labels", raw);
    labels = Array.from(raw as ArrayLike<number | string>);
    if (labels.length !== n) throw new TesseraError("E_SHAPE", `${fn}: options.labels: expected ${n} labels (one per point), received ${labels.length}`);
  }
  const texts = o.texts as readonly string[] | undefined;
  if (texts !== undefined && (!Array.isArray(texts) || texts.length !== n)) {
    throw new TesseraError("E_SHAPE", `${fn}: options.texts: expected ${n} strings (one per point), received ${Array.isArray(texts) ? texts.length : typeof texts}`);
  }
  const colors = (o.colors as readonly string[] | undefined) ?? PALETTE;
  if (!Array.isArray(colors) || colors.length === 0) fail("E_TYPE", `${fn}: options.colors`, "a non-empty array of CSS colours", colors);
  // Categories: sorted numbers, else strings in order of first appearance.
  let cats: (number | string)[] = [];
  if (labels) {
    cats = [...new Set(labels)];
    if (cats.every((c) => typeof c === "number")) (cats as number[]).sort((a, b) => a - b);
  }
  const catIndex = new Map(cats.map((c, i) => [c, i]));
  const legendNames = Array.isArray(o.legend) ? (o.legend as string[]) : cats.map(String);
  if (Array.isArray(o.legend) && o.legend.length !== cats.length) {
    throw new TesseraError("E_SHAPE", `${fn}: options.legend: expected ${cats.length} names (one per category), received ${o.legend.length}`);
  }
  const showLegend = cats.length > 0 && o.legend !== false;
  let xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity;
  for (let i = 0; i < n; i++) {
    xlo = Math.min(xlo, m.data[2 * i]);
    xhi = Math.max(xhi, m.data[2 * i]);
    ylo = Math.min(ylo, m.data[2 * i + 1]);
    yhi = Math.max(yhi, m.data[2 * i + 1]);
  }
  // A margin inside the axes; wider on the x axis when words are written beside the points.
  const pad = (lo: number, hi: number) => (hi - lo) * 0.04;
  const padRight = (lo: number, hi: number) => (hi - lo) * (texts ? 0.12 : 0.04);
  const f: Frame = {
    width, height, left: 64, right: showLegend ? legendWidth(legendNames) + 16 : 24, top: o.title ? 44 : 20, bottom: o.xLabel ? 52 : 36,
    x: ticks(xlo - pad(xlo, xhi), xhi + padRight(xlo, xhi)), y: ticks(ylo - pad(ylo, yhi), yhi + pad(ylo, yhi)),
  };
  const out = frameSvg(f, o.title as string | undefined, o.xLabel as string | undefined, o.yLabel as string | undefined);
  out.push(`<g fill-opacity="${opacity}" stroke="white" stroke-width="0.5">`);
  for (let i = 0; i < n; i++) {
    const c = labels ? colors[catIndex.get(labels[i])! % colors.length] : colors[0];
    out.push(`<circle cx="${sx(f, m.data[2 * i]).toFixed(1)}" cy="${sy(f, m.data[2 * i + 1]).toFixed(1)}" r="${radius}" fill="${escapeXml(c)}"/>`);
  }
  out.push(`</g>`);
  if (texts) {
    out.push(`<g font-family="Helvetica, Arial, sans-serif" font-size="13" fill="#222">`);
    for (let i = 0; i < n; i++) {
      out.push(`<text x="${(sx(f, m.data[2 * i]) + radius + 3).toFixed(1)}" y="${(sy(f, m.data[2 * i + 1]) - radius - 2).toFixed(1)}">${escapeXml(String(texts[i]))}</text>`);
    }
    out.push(`</g>`);
  }
  if (showLegend) out.push(...legendSvg(f, cats.map((_, i) => ({ name: legendNames[i], color: colors[i % colors.length], kind: "dot" as const }))));
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
