// `tessera-ml kmeans`: k-means (cluster.KMeans: k-means++ restarts, Lloyd or Elkan) over the rows of
// a CSV file or stdin; the cluster of each row on stdout, one per line (or everything as JSON), the
// inertia on stderr; --svg plots the first two principal components coloured by cluster.
import { KMeans } from "../../cluster/kmeans.js";
import { PCA } from "../../decomposition/pca.js";
import { scatterSvg } from "../../plot/scatter.js";
import { numberOption, stringOption } from "../args.js";
import { UsageError, type Command } from "../command.js";
import { writeFile } from "../io.js";
import { inputTable } from "../table.js";

const command: Command = {
  name: "kmeans",
  summary: "cluster the rows of a CSV file with k-means (--svg: a PCA plot of the clusters)",
  usage: "[file.csv] [--k 8] [--n-init 10] [--seed 0] [--json] [--svg plot.svg]",
  options: [
    { name: "k", short: "k", type: "number", description: "clusters", default: 8 },
    { name: "n-init", type: "number", description: "k-means++ restarts; the lowest inertia wins", default: 10 },
    { name: "max-iter", type: "number", description: "iterations per restart at most", default: 300 },
    { name: "algorithm", type: "string", description: "lloyd or elkan", default: "lloyd" },
    { name: "seed", type: "number", description: "seed of the restarts", default: 0 },
    { name: "json", type: "boolean", description: "print { labels, inertia, nIter, centers } as JSON" },
    { name: "svg", type: "string", description: "also write a scatter plot of the first two principal components here" },
  ],
  details: "Input: numbers separated by commas, tabs or spaces, one row per sample; a header row is skipped.",
  async run(args, io) {
    const k = numberOption(args, "k", 1, true)!;
    const algorithm = stringOption(args, "algorithm")!;
    if (algorithm !== "lloyd" && algorithm !== "elkan") throw new UsageError(`--algorithm: expected lloyd or elkan, received ${JSON.stringify(algorithm)}`);
    const svg = stringOption(args, "svg");
    const table = await inputTable(args, io);
    const [n, d] = table.shape;
    if (k > n) throw new UsageError(`--k: expected at most the ${n} rows of the table, received ${k}`);
    if (svg !== undefined && (d < 2 || n < 2)) throw new UsageError(`--svg: expected at least 2 rows and 2 numeric columns to plot, received ${n} × ${d}`);
    const km = new KMeans({
      nClusters: k, nInit: numberOption(args, "n-init", 1, true)!, maxIter: numberOption(args, "max-iter", 1, true)!,
      seed: numberOption(args, "seed", 0, true)!, algorithm,
    }).fit(table);
    const labels = Array.from(km.labels);
    if (args.options.json) io.stdout(JSON.stringify({ labels, inertia: km.inertia, nIter: km.nIter, centers: km.clusterCenters.toArray() }) + "\n");
    else io.stdout(labels.join("\n") + "\n");
    io.stderr(`${k} clusters of ${n} rows: inertia ${km.inertia.toPrecision(6)} after ${km.nIter} iterations\n`);
    if (svg !== undefined) {
      const pca = new PCA({ nComponents: 2 });
      const points = pca.fitTransform(table);
      const [r1, r2] = pca.explainedVarianceRatio;
      writeFile(svg, scatterSvg(points, {
        labels, title: `k-means, k = ${k} (inertia ${km.inertia.toPrecision(4)})`,
        xLabel: `PC1 (${(100 * r1!).toFixed(1)} % of variance)`, yLabel: `PC2 (${(100 * r2!).toFixed(1)} %)`,
      }));
      points.dispose();
    }
  },
};

export default command;
