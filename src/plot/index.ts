// Plots as standalone SVG strings, no dependencies (re-exports only).
export { scatterSvg } from "./scatter.js";
export type { ScatterOptions } from "./scatter.js";
export { lineSvg } from "./line.js";
export type { LineSeries, LineOptions } from "./line.js";
