// `tessera-ml tsne`: t-SNE (manifold.TSNE, Barnes–Hut or exact) of the rows of a CSV file or stdin to
// two dimensions; the embedding as CSV on stdout, or a scatter plot (--svg) coloured by a label column.
import { TSNE } from "../../manifold/tsne.js";
import { scatterSvg } from "../../plot/scatter.js";
import { numberOption, stringOption } from "../args.js";
import { UsageError, type Command } from "../command.js";
import { writeFile } from "../io.js";
import { inputTable } from "../table.js";

const command: Command = {
  name: "tsne",
  summary: "t-SNE of the rows of a CSV file to 2-D: CSV out, or an SVG scatter plot",
  usage: "[file.csv] [--perplexity 30] [--iterations 1000] [--seed 0] [--labels <column>] [--svg plot.svg]",
  options: [
    { name: "perplexity", short: "p", type: "number", description: "effective number of neighbours (below the number of rows)", default: 30 },
    { name: "iterations", short: "i", type: "number", description: "gradient steps at most (≥ 250)", default: 1000 },
    { name: "seed", type: "number", description: "seed of the optimisation", default: 0 },
    { name: "exact", type: "boolean", description: "exact gradients, O(n²) (default: Barnes–Hut)" },
    { name: "labels", short: "l", type: "string", description: "a label column (header name or 0-based index; --labels=-1 for the last): not embedded, colours the plot" },
    { name: "svg", type: "string", description: "write a scatter plot here instead of CSV on stdout" },
  ],
  details: "Input: numbers separated by commas, tabs or spaces, one row per sample; a header row is skipped.\nOutput: x,y (and the label) per row.",
  async run(args, io) {
    const perplexity = numberOption(args, "perplexity")!;
    if (perplexity <= 0) throw new UsageError(`--perplexity: expected a number > 0, received ${perplexity}`);
    const maxIter = numberOption(args, "iterations", 250, true)!;
    const svg = stringOption(args, "svg");
    const table = await inputTable(args, io, stringOption(args, "labels"));
    const n = table.shape[0];
    if (perplexity >= n) throw new UsageError(`--perplexity: expected a number below the ${n} rows of the table, received ${perplexity}`);
    const tsne = new TSNE({ perplexity, maxIter, seed: numberOption(args, "seed", 0, true)!, method: args.options.exact ? "exact" : "barnes_hut" }).fit(table);
    const y = tsne.embedding.data();
    if (svg !== undefined) writeFile(svg, scatterSvg(tsne.embedding, { ...(table.labels ? { labels: table.labels } : {}), title: `t-SNE, perplexity ${perplexity}` }));
    else {
      const rows = table.labels ? ["x,y,label"] : ["x,y"];
      for (let i = 0; i < n; i++) rows.push(`${y[2 * i]},${y[2 * i + 1]}${table.labels ? `,${csvCell(table.labels[i]!)}` : ""}`);
      io.stdout(rows.join("\n") + "\n");
    }
    io.stderr(`t-SNE of ${n} rows: KL divergence ${tsne.klDivergence.toFixed(4)} after ${tsne.nIter + 1} iterations${svg ? ` → ${svg}` : ""}\n`);
  },
};

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export default command;
