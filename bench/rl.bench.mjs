// Q-learning, 1000 episodes (alpha 0.1, gamma 0.9, epsilon 0.2, +100 at the goal, −1 per other
// step), milliseconds per training run (lower is better), on the notes' 4×4 maze and on a seeded
// 64×64 maze (rl.mazeGrid seed 1 with 10 % extra openings, ~7.5 M steps). Every implementation
// follows the same random stream (tessera's xoshiro128** words for seed 0), so each does the same
// episodes, the same number of steps and ends with the same Q-table, checked before timing.
// - tessera rl.QLearning.fit: the public API, everything included (table packing, validation, the
//   kernel calls, reading back Q and the per-episode logs); the default build;
// - tessera kernel: CpuBackend.tabularEpisodes on a table already in WASM memory;
// - plain JS (notes): the notes' Python translated line for line (test/rl/plain-qlearning.mjs:
//   nested arrays, (dx, dy) moves, is_valid_state / get_reward, Math.max(...row)) — the plain-JS
//   peer of PEERS.md;
// - plain JS (typed arrays): the same loop hand-tuned over a transition table in typed arrays.
// Ratios are plain-JS time / tessera time (> 1: tessera faster). Needs `npm run build`.
import { report, timeSync } from "./harness.mjs";
import { plainQLearning, xoshiro128 } from "../test/rl/plain-qlearning.mjs";
import { rl, info } from "../dist/index.js";
import { seedWords } from "../dist/rl/stream.js";
import { cpuBackend } from "../dist/backend/device.js";

const BENCH = "rl";
const OPTS = { alpha: 0.1, gamma: 0.9, epsilon: 0.2, episodes: 1000 };
const WORDS = seedWords(0);

/** The same loop over typed arrays: next state, reward and done per (state, action). */
function typedArraysQLearning(table, { alpha, gamma, epsilon, episodes, maxSteps }, words) {
  const { numStates, start, next, reward, done } = table;
  const q = new Float64Array(numStates * 4);
  const draw = xoshiro128(words);
  let steps = 0;
  for (let e = 0; e < episodes; e++) {
    let s = start;
    for (let t = 0; t < maxSteps; t++) {
      const x = draw(), o = s * 4;
      let a = 0;
      if ((x >>> 8) * 5.9604644775390625e-8 < epsilon) a = ((x & 255) * 4) >>> 8;
      else for (let i = 1; i < 4; i++) if (q[o + i] > q[o + a]) a = i;
      const k = o + a, n = next[k], r = reward[k], d = done[k];
      const target = d ? r : r + gamma * Math.max(q[n * 4], q[n * 4 + 1], q[n * 4 + 2], q[n * 4 + 3]);
      q[k] = q[k] + alpha * (target - q[k]);
      steps++;
      s = n;
      if (d) break;
    }
  }
  return { q, steps };
}

/** CpuBackend.tabularEpisodes on a table written to WASM memory once; Q and the generator reset each run. */
function kernelRunner(table, maxSteps) {
  const be = cpuBackend(), n = table.numStates * 4, E = OPTS.episodes;
  const words = new Int32Array(4 * n), rewards = new Float64Array(words.buffer);
  for (let k = 0; k < n; k++) {
    words[4 * k] = table.next[k];
    words[4 * k + 1] = table.done[k];
    rewards[2 * k + 1] = table.reward[k];
  }
  const h = { transitions: be.alloc(4 * n), q: be.alloc(2 * n), rng: be.alloc(4), returns: be.alloc(2 * E), steps: be.alloc(E), ended: be.alloc(E) };
  be.write(h.transitions, words, "int32");
  return () => {
    be.fill(h.q, 2 * n, 0, "int32");
    be.write(h.rng, new Int32Array(WORDS.buffer), "int32");
    be.tabularEpisodes({ algorithm: "qlearning", ...h, nStates: table.numStates, nActions: 4, start: table.start, episodes: E, maxSteps,
      alpha: OPTS.alpha, gamma: OPTS.gamma, epsilon: OPTS.epsilon, epsilonDecay: 1, minEpsilon: 0 });
    return new Float64Array((be.readSync(h.q, 2 * n, "int32")).buffer);
  };
}

function same(a, b) {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

for (const [name, grid] of [["maze 4x4", [[0, 0, 0, 1], [0, 1, 0, 1], [0, 1, 0, 0], [0, 0, 0, 9]]], ["maze 64x64", rl.mazeGrid({ rows: 64, cols: 64, seed: 1, loops: 0.1 })]]) {
  const env = new rl.GridWorld({ grid, start: [0, 0] });
  const maxSteps = 100 * env.numStates; // tessera's default cap, given to every implementation
  const table = env.transitionTable();
  const api = () => new rl.QLearning({ ...OPTS, maxSteps, seed: 0 }).fit(env);
  const kernel = kernelRunner(table, maxSteps);
  const notes = () => plainQLearning(grid, { ...OPTS, maxSteps, start: [0, 0], words: WORDS });
  const typed = () => typedArraysQLearning(table, { ...OPTS, maxSteps }, WORDS);

  // Same work everywhere: identical Q-tables and step counts.
  const agent = new rl.QLearning({ ...OPTS, maxSteps, seed: 0 });
  const result = agent.fit(env);
  const steps = result.episodeSteps.reduce((s, v) => s + v, 0);
  const notesRun = notes(), typedRun = typed();
  if (!same(agent.qTable, notesRun.Q.flat(2)) || !same(agent.qTable, typedRun.q) || !same(agent.qTable, kernel()) || typedRun.steps !== steps) {
    throw new Error(`${name}: the implementations disagree; the benchmark would compare different work`);
  }

  const ms = {};
  for (const [impl, fn] of [[`tessera rl.QLearning.fit (${info().build})`, api], ["tessera kernel", kernel], ["plain JS (notes)", notes], ["plain JS (typed arrays)", typed]]) {
    fn();
    ms[impl] = timeSync(fn, { maxTime: 3 }) * 1e3;
    report(BENCH, name, impl, ms[impl], "ms");
    report(BENCH, name, `${impl} per step`, (ms[impl] * 1e6) / steps, "ns");
  }
  report(BENCH, name, "steps per run", steps, "steps");
  const [apiName, kernelName] = Object.keys(ms);
  for (const peer of ["plain JS (notes)", "plain JS (typed arrays)"]) {
    report(BENCH, name, `${apiName} vs ${peer}`, ms[peer] / ms[apiName], "x faster");
    report(BENCH, name, `${kernelName} vs ${peer}`, ms[peer] / ms[kernelName], "x faster");
  }
}
