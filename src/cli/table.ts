// Numeric tables for the CLI (kmeans, tsne): one sample per line, as CSV (quoted cells allowed), tab-
// or whitespace-separated numbers, with an optional header row and an optional label column kept
// apart as text. Blank lines and lines starting with # are skipped. A cell that is not a finite number
// is an E_FORMAT error naming its line and column.
import { TesseraError } from "../errors.js";
import { UsageError, type Io, type Parsed } from "./command.js";
import { inputTexts } from "./io.js";

export interface Table {
  /** The numbers, row-major [n, d] (the label column left out). */
  data: Float64Array;
  shape: [number, number];
  /** Names of the numeric columns (from the header; "1", "2", … without one). */
  columns: string[];
  /** The label column's cells, one per row (only when a label column was asked for). */
  labels: string[] | null;
}

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch !== '"') cell += ch;
      else if (line[i + 1] === '"') cell += line[++i];
      else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  out.push(cell.trim());
  return out;
}

const isNumber = (s: string) => s !== "" && Number.isFinite(Number(s));

/**
 * The table in `text` (`what` names it in errors). `labelColumn` is a header name or a 0-based
 * column index (negative: from the end).
 */
export function parseTable(text: string, what: string, labelColumn?: string): Table {
  const lines: { cells: string[]; at: number }[] = [];
  let split: ((l: string) => string[]) | null = null;
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) return;
    split ??= t.includes(",") ? splitCsv : t.includes("\t") ? (l) => l.split("\t").map((c) => c.trim()) : (l) => l.split(/\s+/);
    lines.push({ cells: split(t), at: i + 1 });
  });
  if (lines.length === 0) throw new TesseraError("E_FORMAT", `${what}: expected rows of numbers, received no rows`);
  const width = lines[0]!.cells.length;
  for (const l of lines) {
    if (l.cells.length !== width) throw new TesseraError("E_FORMAT", `${what}: line ${l.at}: expected ${width} columns (as line ${lines[0]!.at}), received ${l.cells.length}`);
  }
  const first = lines[0]!.cells;
  let label: number | null = null;
  let header: string[] | null = null;
  if (labelColumn !== undefined) {
    if (/^-?\d+$/.test(labelColumn)) {
      const i = Number(labelColumn);
      if (i >= width || i < -width) throw new UsageError(`--labels: expected a column index in [${-width}, ${width - 1}] or a header name, received ${labelColumn}`);
      label = i < 0 ? width + i : i;
    } else {
      label = first.indexOf(labelColumn);
      if (label < 0) throw new UsageError(`--labels: expected a column index or a header name (${first.join(", ")}), received ${JSON.stringify(labelColumn)}`);
      header = first;
    }
  }
  if (header === null && first.some((c, j) => j !== label && !isNumber(c))) header = first;
  const rows = header ? lines.slice(1) : lines;
  if (rows.length === 0) throw new TesseraError("E_FORMAT", `${what}: expected rows of numbers after the header, received none`);
  const d = width - (label === null ? 0 : 1);
  if (d === 0) throw new TesseraError("E_FORMAT", `${what}: expected at least one numeric column besides the labels, received none`);
  const data = new Float64Array(rows.length * d);
  let k = 0;
  for (const { cells, at } of rows) {
    cells.forEach((c, j) => {
      if (j === label) return;
      if (!isNumber(c)) throw new TesseraError("E_FORMAT", `${what}: line ${at}, column ${j + 1}: expected a finite number, received ${JSON.stringify(c)}`);
      data[k++] = Number(c);
    });
  }
  const names = (header ?? first.map((_, j) => String(j + 1))).filter((_, j) => j !== label);
  return { data, shape: [rows.length, d], columns: names, labels: label === null ? null : rows.map((r) => r.cells[label!]!) };
}

/** The one table named on the command line (a file, or "-" / nothing for stdin). */
export async function inputTable(args: Parsed, io: Io, labelColumn?: string): Promise<Table> {
  if (args.positional.length > 1) throw new UsageError(`expected one table (CSV file), received ${args.positional.length}: ${args.positional.join(" ")}`);
  const [text] = await inputTexts(args.positional, io, "a table of numbers (CSV)");
  return parseTable(text!, args.positional[0] && args.positional[0] !== "-" ? args.positional[0] : "stdin", labelColumn);
}
