// The frame shared by the SVG plots: "nice" tick steps (1, 2 or 5 × 10^k, as most plotting libraries
// choose them), a linear scale from data to pixels, axes with ticks, grid lines and labels, a title,
// a legend, and escaping of text. Plain strings, no DOM: the result is a standalone SVG document.

export const FONT = 'font-family="Helvetica, Arial, sans-serif"';

/** matplotlib's tab10 palette. */
export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** A step of 1, 2 or 5 × 10^k giving about `count` intervals over [lo, hi]. */
export function niceStep(lo: number, hi: number, count = 5): number {
  const span = hi - lo;
  if (!(span > 0)) return 1;
  const raw = span / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/** Tick values covering [lo, hi] and the extended domain they span. */
export function ticks(lo: number, hi: number, count = 5): { values: number[]; lo: number; hi: number; step: number } {
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(lo, hi, count);
  const start = Math.floor(lo / step) * step;
  const end = Math.ceil(hi / step) * step;
  const values: number[] = [];
  for (let v = start; v <= end + step * 1e-9; v += step) values.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return { values, lo: start, hi: end, step };
}

/** A tick label with just enough decimals for the step. */
export function formatTick(v: number, step: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(Math.max(0, Math.min(6, -Math.floor(Math.log10(step)) + Math.floor(Math.log10(a)))));
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  x: { lo: number; hi: number; step: number; values: number[] };
  y: { lo: number; hi: number; step: number; values: number[] };
}

export function sx(f: Frame, v: number): number {
  return f.left + ((v - f.x.lo) / (f.x.hi - f.x.lo)) * (f.width - f.left - f.right);
}

export function sy(f: Frame, v: number): number {
  return f.height - f.bottom - ((v - f.y.lo) / (f.y.hi - f.y.lo)) * (f.height - f.top - f.bottom);
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** The opening of the document, background, grid, axes, ticks and axis labels, and the title. */
export function frameSvg(f: Frame, title?: string, xLabel?: string, yLabel?: string): string[] {
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}">`);
  out.push(`<rect width="${f.width}" height="${f.height}" fill="white"/>`);
  const x0 = f.left, x1 = f.width - f.right, y0 = f.height - f.bottom, y1 = f.top;
  out.push(`<g stroke="#e5e5e5" stroke-width="1">`);
  for (const v of f.x.values) out.push(`<line x1="${r1(sx(f, v))}" y1="${y1}" x2="${r1(sx(f, v))}" y2="${y0}"/>`);
  for (const v of f.y.values) out.push(`<line x1="${x0}" y1="${r1(sy(f, v))}" x2="${x1}" y2="${r1(sy(f, v))}"/>`);
  out.push(`</g>`);
  out.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#333" stroke-width="1"/>`);
  out.push(`<g ${FONT} font-size="12" fill="#333">`);
  for (const v of f.x.values) {
    const px = r1(sx(f, v));
    out.push(`<line x1="${px}" y1="${y0}" x2="${px}" y2="${y0 + 5}" stroke="#333"/>`);
    out.push(`<text x="${px}" y="${y0 + 18}" text-anchor="middle">${escapeXml(formatTick(v, f.x.step))}</text>`);
  }
  for (const v of f.y.values) {
    const py = r1(sy(f, v));
    out.push(`<line x1="${x0 - 5}" y1="${py}" x2="${x0}" y2="${py}" stroke="#333"/>`);
    out.push(`<text x="${x0 - 8}" y="${py + 4}" text-anchor="end">${escapeXml(formatTick(v, f.y.step))}</text>`);
  }
  if (xLabel) out.push(`<text x="${r1((x0 + x1) / 2)}" y="${f.height - 12}" text-anchor="middle" font-size="13">${escapeXml(xLabel)}</text>`);
  if (yLabel) out.push(`<text transform="translate(16 ${r1((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" font-size="13">${escapeXml(yLabel)}</text>`);
  out.push(`</g>`);
  if (title) out.push(`<text x="${r1(f.width / 2)}" y="24" text-anchor="middle" ${FONT} font-size="16" font-weight="bold" fill="#111">${escapeXml(title)}</text>`);
  return out;
}

/** A legend box at the top right of the plot area's right margin: one swatch and name per entry. */
export function legendSvg(f: Frame, entries: { name: string; color: string; kind: "dot" | "line" }[]): string[] {
  const out: string[] = [];
  const x = f.width - f.right + 14;
  let y = f.top + 6;
  const w = f.right - 22;
  out.push(`<rect x="${x - 6}" y="${f.top}" width="${w}" height="${entries.length * 20 + 8}" fill="white" stroke="#ccc"/>`);
  out.push(`<g ${FONT} font-size="12" fill="#333">`);
  for (const e of entries) {
    if (e.kind === "dot") out.push(`<circle cx="${x + 6}" cy="${y + 8}" r="5" fill="${escapeXml(e.color)}"/>`);
    else out.push(`<line x1="${x}" y1="${y + 8}" x2="${x + 14}" y2="${y + 8}" stroke="${escapeXml(e.color)}" stroke-width="2.5"/>`);
    out.push(`<text x="${x + 20}" y="${y + 12}">${escapeXml(e.name)}</text>`);
    y += 20;
  }
  out.push(`</g>`);
  return out;
}

/** Width of the right margin a legend with these names needs (about 7 px per character at 12 px). */
export function legendWidth(names: readonly string[]): number {
  const longest = names.reduce((m, s) => Math.max(m, s.length), 0);
  return Math.min(240, Math.max(70, 40 + 7 * longest));
}
