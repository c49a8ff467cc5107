// Worked example of the notes (seeds/002, Q-learning maze; SPEC §4 item 3): the 4×4 grid with walls
// (1) and a goal (9), start (0,0), actions up/down/left/right, alpha 0.1, gamma 0.9, epsilon 0.2,
// 1000 episodes, +100 at the goal and −1 per other step. Prints the greedy path on the grid (6 moves,
// a shortest one) and the reward curve as text, writes it as out/maze-rewards.svg, then does the same
// on a seeded 15×31 maze with several routes, and compares SARSA.
import { mkdirSync, writeFileSync } from "node:fs";
import * as ts from "tessera-ml";

const { rl } = ts;
const ACTION_NAMES = rl.ACTIONS;

// 1. The notes' maze and hyperparameters
const grid = [
  [0, 0, 0, 1],
  [0, 1, 0, 1],
  [0, 1, 0, 0],
  [0, 0, 0, 9],
];
const env = new rl.GridWorld({ grid, start: [0, 0] }); // rewards: { goal: 100, step: -1 } by default
const agent = new rl.QLearning({ alpha: 0.1, gamma: 0.9, epsilon: 0.2, episodes: 1000, seed: 0 });

const t0 = performance.now();
const result = agent.fit(env);
const ms = performance.now() - t0;
const totalSteps = result.episodeSteps.reduce((s, v) => s + v, 0);
console.log(`Q-learning, ${result.episodes} episodes (${totalSteps} steps) in ${ms.toFixed(2)} ms, episodes run in ${result.engine}; ` +
  `${result.endedEpisodes} reached the goal`);

// 2. The greedy policy from (0,0)
const path = agent.greedyPath();
console.log(`\ngreedy path: ${path.moves} moves (shortest possible: ${env.shortestPathLength}), ${path.stop}`);
console.log(path.cells.map(([r, c]) => `(${r},${c})`).join(" → "));
console.log(path.actions.map((a) => ACTION_NAMES[a]).join(", "));
console.log(env.render(path));

// 3. The Q values along the path (the notes print the whole table)
console.log("\nQ(s, ·) along the path   up       down     left     right");
for (const s of path.states.slice(0, -1)) {
  const row = [...agent.qTable.subarray(4 * s, 4 * s + 4)].map((v) => v.toFixed(2).padStart(8)).join(" ");
  console.log(`  (${env.cellOf(s).join(",")})                ${row}`);
}

// 4. The reward curve: the mean return of each block of 50 episodes, as bars
const block = 50;
const means = [];
for (let e = 0; e < result.episodes; e += block) {
  const part = result.episodeReturns.subarray(e, e + block);
  means.push(part.reduce((s, v) => s + v, 0) / part.length);
}
console.log(`\nmean return per ${block} episodes (best possible: ${100 - (env.shortestPathLength - 1)})`);
const lo = Math.floor(Math.min(...means)) - 1, hi = Math.max(...means);
means.forEach((m, i) => {
  const bar = "█".repeat(Math.round(((m - lo) / (hi - lo)) * 50));
  console.log(`${String(i * block + 1).padStart(5)}–${String((i + 1) * block).padEnd(5)} ${m.toFixed(1).padStart(7)} ${bar}`);
});

// 5. The same curve as SVG: tessera's plot.lineSvg where this build has it, else a small writer here
const movingAverage = (y, w) => Array.from(y, (_, i) => {
  const part = y.subarray(Math.max(0, i - w + 1), i + 1);
  return part.reduce((s, v) => s + v, 0) / part.length;
});
const series = [
  { name: "return per episode", y: Array.from(result.episodeReturns), color: "#9ecae1" },
  { name: "moving average (50)", y: movingAverage(result.episodeReturns, 50), color: "#08519c" },
];
const svg = ts.plot?.lineSvg
  ? ts.plot.lineSvg(series, { title: "Q-learning on the notes' maze", xLabel: "episode", yLabel: "return" })
  : lineSvg(series, { title: "Q-learning on the notes' maze", xLabel: "episode", yLabel: "return" });
mkdirSync(new URL("../out/", import.meta.url), { recursive: true });
const svgPath = new URL("../out/maze-rewards.svg", import.meta.url);
writeFileSync(svgPath, svg);
console.log(`\nwrote ${svgPath.pathname}`);

// 6. A larger maze with several routes: γ 0.99 (the goal is far), ε from 1 down to 0.05
const big = new rl.GridWorld({ grid: rl.mazeGrid({ rows: 15, cols: 31, seed: 7, loops: 0.15 }) });
const bigAgent = new rl.QLearning({ alpha: 0.5, gamma: 0.99, epsilon: 1, epsilonDecay: 0.99, minEpsilon: 0.05, episodes: 500, seed: 1 });
const t1 = performance.now();
const bigResult = bigAgent.fit(big);
const bigMs = performance.now() - t1;
const bigPath = bigAgent.greedyPath();
console.log(`\n15×31 maze: ${bigResult.episodeSteps.reduce((s, v) => s + v, 0)} steps in ${bigMs.toFixed(1)} ms; greedy path ` +
  `${bigPath.moves} moves (shortest ${big.shortestPathLength}), ${bigPath.stop}`);
console.log(big.render(bigPath));

// 7. SARSA on the notes' maze: on-policy, it learns the value of the ε-greedy walk it takes
const sarsa = new rl.SARSA({ alpha: 0.1, gamma: 0.9, epsilon: 0.2, episodes: 1000, seed: 0 });
sarsa.fit(env);
const sarsaPath = sarsa.greedyPath();
console.log(`\nSARSA greedy path: ${sarsaPath.moves} moves, ${sarsaPath.stop}`);
console.log(env.render(sarsaPath));

/** A line plot as an SVG string: series of y values over episodes, axes with a few ticks, a legend. */
function lineSvg(list, { title, xLabel, yLabel, width = 720, height = 420 }) {
  const m = { left: 64, right: 20, top: 40, bottom: 48 };
  const n = Math.max(...list.map((s) => s.y.length));
  const ys = list.flatMap((s) => s.y);
  const ylo = Math.min(...ys), yhi = Math.max(...ys);
  const x = (i) => m.left + (i / Math.max(1, n - 1)) * (width - m.left - m.right);
  const y = (v) => height - m.bottom - ((v - ylo) / (yhi - ylo || 1)) * (height - m.top - m.bottom);
  const niceStep = (span) => {
    const raw = span / 5, p = 10 ** Math.floor(Math.log10(raw));
    return [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw);
  };
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${title}</text>`];
  const ystep = niceStep(yhi - ylo || 1);
  for (let v = Math.ceil(ylo / ystep) * ystep; v <= yhi; v += ystep) {
    out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${m.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${+v.toFixed(6)}</text>`);
  }
  const xstep = niceStep(n);
  for (let i = 0; i <= n; i += xstep) out.push(`<text x="${x(i).toFixed(1)}" y="${height - m.bottom + 16}" text-anchor="middle">${i}</text>`);
  out.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${height - m.bottom}" stroke="black"/>`,
    `<line x1="${m.left}" x2="${width - m.right}" y1="${height - m.bottom}" y2="${height - m.bottom}" stroke="black"/>`,
    `<text x="${width / 2}" y="${height - 10}" text-anchor="middle">${xLabel}</text>`,
    `<text transform="translate(16 ${height / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`);
  // Lines, then the legend in the lower right corner (reward curves climb to the top).
  const ly = height - m.bottom - 12 - 18 * list.length;
  list.forEach((s) => {
    const pts = Array.from(s.y, (v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts}"/>`);
  });
  out.push(`<rect x="${width - m.right - 180}" y="${ly - 4}" width="176" height="${18 * list.length + 6}" fill="white" stroke="#ccc"/>`);
  list.forEach((s, k) => {
    out.push(`<rect x="${width - m.right - 170}" y="${ly + 6 + 18 * k}" width="12" height="3" fill="${s.color}"/>`,
      `<text x="${width - m.right - 152}" y="${ly + 11 + 18 * k}">${s.name}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}
