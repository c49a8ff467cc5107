// Line plots as SVG strings (loss and reward curves): one polyline per series over shared axes, a
// legend when there are several series or names, gaps where a value is not finite.
import { TesseraError, checkInt, checkOptionsObject, fail } from "../errors.js";
import { PALETTE, escapeXml, frameSvg, legendSvg, legendWidth, sx, sy, ticks, type Frame } from "./axes.js";

export interface LineSeries {
  name?: string;
  /** x values (default 0, 1, 2, …). */
  x?: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
}

export interface LineOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Show a legend (default: with several series or any named one). */
  legend?: boolean;
  width?: number;
  height?: number;
}

/** An SVG document plotting one series (an array of y values) or several. */
export function lineSvg(series: ArrayLike<number> | readonly LineSeries[], options?: LineOptions): string {
  const fn = "lineSvg";
  const o = checkOptionsObject(fn, options);
  const width = o.width === undefined ? 720 : checkInt(`${fn}: options.width`, o.width, 100, 20000);
  const height = o.height === undefined ? 480 : checkInt(`${fn}: options.height`, o.height, 100, 20000);
  let list: LineSeries[];
  if (Array.isArray(series) && series.length > 0 && typeof series[0] === "object") list = series as LineSeries[];
  else if (Array.isArray(series) || ArrayBuffer.isView(series)) list = [{ y: series as ArrayLike<number> }];
  else return fail("E_TYPE", `${fn}: series`, "an array of numbers or of { name, x, y } series", series);
  if (list.length === 0) throw new TesseraError("E_VALUE", `${fn}: series: expected at least one series, received none`);
  let xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity;
  list.forEach((s, k) => {
    if (s === null || typeof s !== "object" || !s.y || typeof s.y.length !== "number") fail("E_TYPE", `${fn}: series[${k}]`, "{ y: numbers, x?, name?, color? }", s);
    if (s.x !== undefined && s.x.length !== s.y.length) {
      throw new TesseraError("E_SHAPE", `${fn}: series[${k}].x: expected ${s.y.length} values like y, received ${s.x.length}`);
    }
    for (let i = 0; i < s.y.length; i++) {
      const x = s.x ? s.x[i] : i, y = s.y[i];
      if (typeof y !== "number" || typeof x !== "number") fail("E_TYPE", `${fn}: series[${k}] value ${i}`, "numbers", typeof y !== "number" ? y : x);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      xlo = Math.min(xlo, x);
      xhi = Math.max(xhi, x);
      ylo = Math.min(ylo, y);
      yhi = Math.max(yhi, y);
    }
  });
  if (!Number.isFinite(xlo)) throw new TesseraError("E_VALUE", `${fn}: series: expected at least one finite point, received none`);
  const names = list.map((s, k) => s.name ?? `series ${k + 1}`);
  const showLegend = o.legend ?? (list.length > 1 || list.some((s) => s.name !== undefined));
  const f: Frame = {
    width, height, left: 70, right: showLegend ? legendWidth(names) + 16 : 24, top: o.title ? 44 : 20, bottom: o.xLabel ? 52 : 36,
    x: ticks(xlo, xhi), y: ticks(ylo, yhi),
  };
  const out = frameSvg(f, o.title as string | undefined, o.xLabel as string | undefined, o.yLabel as string | undefined);
  list.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    let path = "";
    let pen = false;
    for (let i = 0; i < s.y.length; i++) {
      const x = s.x ? s.x[i] : i, y = s.y[i];
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        pen = false;
        continue;
      }
      path += `${pen ? "L" : "M"}${sx(f, x).toFixed(1)} ${sy(f, y).toFixed(1)}`;
      pen = true;
    }
    out.push(`<path d="${path}" fill="none" stroke="${escapeXml(color)}" stroke-width="2" stroke-linejoin="round"/>`);
  });
  if (showLegend) out.push(...legendSvg(f, list.map((s, k) => ({ name: names[k], color: s.color ?? PALETTE[k % PALETTE.length], kind: "line" as const }))));
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
