// `tessera-ml maze`: Q-learning on the notes' 4×4 maze or a seeded maze (rl.mazeGrid), the greedy
// path drawn on the grid and the reward curve summarised. The episodes run in one WASM call.
import { GridWorld } from "../../rl/gridworld.js";
import { mazeGrid } from "../../rl/maze.js";
import { QLearning, SARSA } from "../../rl/tabular.js";
import { numberOption, stringOption } from "../args.js";
import { UsageError, type Command } from "../command.js";

// The maze of the notes: 0 free, 1 wall, 9 goal; start top-left.
const NOTES_MAZE = [[0, 0, 0, 1], [0, 1, 0, 1], [0, 1, 0, 0], [0, 0, 0, 9]];

const command: Command = {
  name: "maze",
  summary: "solve a maze with tabular Q-learning (or SARSA) and draw the greedy path",
  usage: "[--size 15x31] [--episodes 1000] [--seed 0] [--sarsa] [--json]",
  options: [
    { name: "size", type: "string", description: "rows x cols of a seeded maze (default: the notes' 4×4 maze)" },
    { name: "episodes", short: "e", type: "number", description: "training episodes", default: 1000 },
    { name: "seed", type: "number", description: "seed of the maze and the exploration", default: 0 },
    { name: "alpha", type: "number", description: "learning rate", default: 0.1 },
    { name: "gamma", type: "number", description: "discount", default: 0.9 },
    { name: "epsilon", type: "number", description: "exploration rate", default: 0.2 },
    { name: "sarsa", type: "boolean", description: "SARSA instead of Q-learning" },
    { name: "json", type: "boolean", description: "print the path and returns as JSON" },
  ],
  run(args, io) {
    const size = stringOption(args, "size");
    let grid = NOTES_MAZE;
    const seed = numberOption(args, "seed", 0, true)!;
    if (size !== undefined) {
      const m = /^(\d+)x(\d+)$/.exec(size);
      if (!m) throw new UsageError(`--size: expected ROWSxCOLS (e.g. 15x31), received ${JSON.stringify(size)}`);
      grid = mazeGrid({ rows: Number(m[1]), cols: Number(m[2]), seed, loops: 0.1 });
    }
    const episodes = numberOption(args, "episodes", 1, true)!;
    const env = new GridWorld({ grid, start: [0, 0] });
    const Agent = args.options.sarsa ? SARSA : QLearning;
    const agent = new Agent({ alpha: numberOption(args, "alpha")!, gamma: numberOption(args, "gamma")!, epsilon: numberOption(args, "epsilon")!, episodes, seed });
    const t0 = performance.now();
    const r = agent.fit(env); // every episode in one WASM call: fast enough to need no progress line
    const returns = Array.from(r.episodeReturns);
    const ended = r.endedEpisodes;
    if (io.stderrIsTTY) io.stderr(`trained ${episodes} episodes in ${((performance.now() - t0) / 1000).toFixed(2)} s (${r.engine})\n`);
    const path = agent.greedyPath();
    if (args.options.json) {
      io.stdout(JSON.stringify({ cells: path.cells, moves: path.moves, stop: path.stop, reachedGoal: path.reachedGoal, endedEpisodes: ended, lastReturn: returns.at(-1) }) + "\n");
      return;
    }
    const on = new Set((path.cells ?? []).map(([r, c]) => `${r},${c}`));
    for (let r = 0; r < grid.length; r++) {
      io.stdout(grid[r]!.map((v, c) => (v === 1 ? "██" : v === 9 ? "()" : on.has(`${r},${c}`) ? "··" : "  ")).join("") + "\n");
    }
    const tenth = Math.max(1, Math.floor(returns.length / 10));
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    io.stdout(`greedy path: ${path.moves} moves, ${path.stop}; episodes reaching the goal: ${ended}/${episodes}; ` +
      `mean return first/last tenth: ${mean(returns.slice(0, tenth)).toFixed(1)} → ${mean(returns.slice(-tenth)).toFixed(1)}\n`);
  },
};

export default command;
