// rl through the public API: the notes' Q-learning maze (seeds/002; SPEC §4 item 3) gives the
// shortest greedy path, 6 moves, for every seed tried; the WASM kernel's Q-table equals, bit for bit,
// the notes' algorithm translated into plain JS (./plain-qlearning.mjs) on the same random stream,
// and equals tessera's own JS-environment path; SARSA, ε decay, seeded mazes, unreachable goals and
// JS environments; bad input.
import { describe, expect, it } from "vitest";
import { TesseraError, manualSeed, rl } from "../../src/index.js";
import { seedWords } from "../../src/rl/stream.js";
import { plainQLearning } from "./plain-qlearning.mjs";

const NOTES_GRID = [[0, 0, 0, 1], [0, 1, 0, 1], [0, 1, 0, 0], [0, 0, 0, 9]];
const NOTES = { alpha: 0.1, gamma: 0.9, epsilon: 0.2, episodes: 1000 };

const notesMaze = () => new rl.GridWorld({ grid: NOTES_GRID, start: [0, 0] });

/** The environment as a plain JS object: fit() can only step it, so it takes the JS path. */
function asJsEnv(env: rl.Env): rl.Env {
  return { numStates: env.numStates, numActions: env.numActions, reset: () => env.reset(), step: (a: number) => env.step(a) };
}

function expectSameBits(got: Float64Array, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}: Q[${i}] = ${got[i]}, expected ${want[i]}`);
  }
}

function expectTesseraError(fn: () => unknown, code: string, ...words: string[]): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TesseraError);
    expect((e as TesseraError).code).toBe(code);
    for (const w of words) expect((e as Error).message).toContain(w);
    return;
  }
  throw new Error(`expected a TesseraError ${code}`);
}

describe("GridWorld: the notes' 4×4 maze", () => {
  it("moves, walls, the edge, rewards (+100 at the goal, −1 per other step) and the shortest path (6)", () => {
    const env = notesMaze();
    expect(env.numStates).toBe(16);
    expect(env.numActions).toBe(4);
    expect(env.shortestPathLength).toBe(6);
    expect(env.goalReachable).toBe(true);
    expect(env.reset()).toBe(0);
    expect(env.step(0)).toEqual({ state: 0, reward: -1, done: false }); // up: off the grid, stays
    expect(env.step(2)).toEqual({ state: 0, reward: -1, done: false }); // left: off the grid
    expect(env.step(3)).toEqual({ state: 1, reward: -1, done: false }); // right
    expect(env.step(1)).toEqual({ state: 1, reward: -1, done: false }); // down into the wall at (1, 1)
    env.reset();
    for (const a of [1, 1, 1, 3, 3]) expect(env.step(a).done).toBe(false);
    expect(env.step(3)).toEqual({ state: 15, reward: 100, done: true });
    expect(env.render()).toBe("S..#\n.#.#\n.#..\n...G");
  });

  it("rewards are configurable; a wall bump can cost more than a step", () => {
    const env = new rl.GridWorld({ grid: NOTES_GRID, start: [0, 0], rewards: { goal: 1, step: 0, wall: -5 } });
    env.reset();
    expect(env.step(0).reward).toBe(-5);
    expect(env.step(3).reward).toBe(0);
    const t = env.transitionTable();
    expect(t.reward[14 * 4 + 3]).toBe(1);
    expect(t.done[14 * 4 + 3]).toBe(1);
  });

  it("a start cell (2) in the grid replaces the start option", () => {
    const env = new rl.GridWorld({ grid: [[1, 2, 0], [0, 0, 9]] });
    expect(env.start).toBe(1);
    expect(env.shortestPathLength).toBe(2);
  });
});

describe("QLearning on the notes' maze (alpha 0.1, gamma 0.9, epsilon 0.2, 1000 episodes)", () => {
  it("the greedy path from (0,0) is a shortest one, 6 moves, for seeds 0..99", () => {
    const env = notesMaze();
    const lengths = new Map<number, number>();
    for (let seed = 0; seed < 100; seed++) {
      const agent = new rl.QLearning({ ...NOTES, seed });
      const result = agent.fit(env);
      expect(result.engine).toBe("wasm");
      expect(result.endedEpisodes, `seed ${seed}`).toBe(1000); // no cap: every episode reaches the goal
      const path = agent.greedyPath();
      lengths.set(path.moves, (lengths.get(path.moves) ?? 0) + 1);
      if (!path.reachedGoal || path.moves !== 6) throw new Error(`seed ${seed}: greedy path ${JSON.stringify(path.cells)} (${path.stop})`);
      expect(path.cells![0]).toEqual([0, 0]);
      expect(path.cells![6]).toEqual([3, 3]);
      expect(path.totalReward).toBe(5 * -1 + 100);
    }
    expect([...lengths]).toEqual([[6, 100]]);
  });

  it("the kernel's Q-table equals the notes' code in plain JS on the same stream, bit for bit (seeds 0..19)", () => {
    const env = notesMaze();
    for (let seed = 0; seed < 20; seed++) {
      const agent = new rl.QLearning({ ...NOTES, seed });
      const result = agent.fit(env);
      const plain = plainQLearning(NOTES_GRID, { ...NOTES, start: [0, 0], words: seedWords(seed) });
      expectSameBits(agent.qTable!, plain.Q.flat(2), `seed ${seed}`);
      expect([...result.episodeSteps]).toEqual(plain.steps);
    }
  });

  it("the JS-environment path gives the same table, returns and steps as the kernel (Q-learning and SARSA, ε decay)", () => {
    const env = notesMaze();
    for (const Agent of [rl.QLearning, rl.SARSA]) {
      for (const seed of [1, 2, 3]) {
        const opts = { ...NOTES, epsilon: 0.5, epsilonDecay: 0.995, minEpsilon: 0.05, seed };
        const a = new Agent(opts), b = new Agent(opts);
        const ra = a.fit(env), rb = b.fit(asJsEnv(env));
        expect(ra.engine).toBe("wasm");
        expect(rb.engine).toBe("js");
        expectSameBits(a.qTable!, b.qTable!, `${Agent.name} seed ${seed}`);
        expect(rb.episodeReturns).toEqual(ra.episodeReturns);
        expect(rb.episodeSteps).toEqual(ra.episodeSteps);
        expect(rb.goalReachable).toBe(null);
        expect(a.greedyPath().states).toEqual(b.greedyPath().states);
      }
    }
  });

  it("episode returns follow from the steps (−1 per step, +100 at the end) and the curve improves", () => {
    const agent = new rl.QLearning({ ...NOTES, seed: 7 });
    const { episodeReturns, episodeSteps } = agent.fit(notesMaze());
    for (let e = 0; e < 1000; e++) expect(episodeReturns[e]).toBe(-(episodeSteps[e] - 1) + 100);
    const mean = (a: Int32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(episodeSteps.subarray(900))).toBeLessThan(mean(episodeSteps.subarray(0, 100)));
    expect(mean(episodeSteps.subarray(900))).toBeLessThan(10); // ε = 0.2 adds detours to the 6 moves
  });

  it("without a seed, manualSeed reproduces a run; a different seed gives a different table", () => {
    const env = notesMaze();
    manualSeed(42);
    const a = new rl.QLearning(NOTES);
    a.fit(env);
    manualSeed(42);
    const b = new rl.QLearning(NOTES);
    b.fit(env);
    expectSameBits(a.qTable!, b.qTable!, "manualSeed(42) twice");
    const c = new rl.QLearning({ ...NOTES, seed: 1 }), d = new rl.QLearning({ ...NOTES, seed: 2 });
    c.fit(env);
    d.fit(env);
    expect([...c.qTable!]).not.toEqual([...d.qTable!]);
  });

  it("greedyAction is the first maximum of the row", () => {
    const agent = new rl.QLearning({ ...NOTES, seed: 0 });
    agent.fit(notesMaze());
    const q = agent.qTable!;
    for (let s = 0; s < 16; s++) {
      const row = [...q.subarray(4 * s, 4 * s + 4)];
      expect(agent.greedyAction(s)).toBe(row.indexOf(Math.max(...row)));
    }
  });
});

describe("SARSA", () => {
  it("learns the notes' maze: greedy path reaches the goal for seeds 0..19 (on-policy: safe detours allowed)", () => {
    const env = notesMaze();
    for (let seed = 0; seed < 20; seed++) {
      const agent = new rl.SARSA({ ...NOTES, seed });
      agent.fit(env);
      const path = agent.greedyPath();
      expect(path.reachedGoal, `seed ${seed}`).toBe(true);
      expect(path.moves).toBeGreaterThanOrEqual(6);
    }
  });
});

describe("larger mazes", () => {
  it("mazeGrid is deterministic per seed, solvable, with start and goal; loops open extra walls", () => {
    const a = rl.mazeGrid({ rows: 21, cols: 31, seed: 5 });
    expect(rl.mazeGrid({ rows: 21, cols: 31, seed: 5 })).toEqual(a);
    expect(rl.mazeGrid({ rows: 21, cols: 31, seed: 6 })).not.toEqual(a);
    const env = new rl.GridWorld({ grid: a });
    expect(env.goalReachable).toBe(true);
    expect(a[0][0]).toBe(rl.START);
    expect(a[20][30]).toBe(rl.GOAL);
    const open = (g: number[][]) => g.flat().filter((v) => v !== rl.WALL).length;
    expect(open(rl.mazeGrid({ rows: 21, cols: 31, seed: 5, loops: 0.5 }))).toBeGreaterThan(open(a));
    const even = new rl.GridWorld({ grid: rl.mazeGrid({ rows: 64, cols: 64, seed: 1 }) });
    expect(even.goalReachable).toBe(true);
    expect(even.goals).toEqual([62 * 64 + 62]);
  });

  it("a 32×32 maze with loops: γ 0.99, ε decaying, the greedy path is a shortest one; kernel = JS path", () => {
    const env = new rl.GridWorld({ grid: rl.mazeGrid({ rows: 32, cols: 32, seed: 3, loops: 0.2 }) });
    const opts = { alpha: 0.5, gamma: 0.99, epsilon: 1, epsilonDecay: 0.99, minEpsilon: 0.05, episodes: 600, seed: 11 };
    const agent = new rl.QLearning(opts);
    const result = agent.fit(env);
    expect(result.endedEpisodes).toBe(600);
    const path = agent.greedyPath();
    expect(path.reachedGoal).toBe(true);
    expect(path.moves).toBe(env.shortestPathLength);
    const js = new rl.QLearning(opts);
    js.fit(asJsEnv(env));
    expectSameBits(agent.qTable!, js.qTable!, "32×32 maze");
  });
});

describe("when the goal cannot be reached", () => {
  const walled = [[0, 0, 1, 0], [0, 0, 1, 9]];

  it("the result says so, every episode stops at maxSteps, and the greedy path reports it without looping", () => {
    const env = new rl.GridWorld({ grid: walled, start: [0, 0] });
    expect(env.goalReachable).toBe(false);
    expect(env.shortestPathLength).toBe(-1);
    const agent = new rl.QLearning({ episodes: 50, maxSteps: 100, seed: 1 });
    const result = agent.fit(env);
    expect(result.goalReachable).toBe(false);
    expect(result.endedEpisodes).toBe(0);
    expect([...result.episodeSteps].every((s) => s === 100)).toBe(true);
    expect([...result.episodeEnded].every((e) => e === 0)).toBe(true);
    const path = agent.greedyPath();
    expect(path.reachedGoal).toBe(false);
    expect(path.stop).toBe("unreachable");
    expect(path.moves).toBeLessThanOrEqual(4);
  });

  it("the default maxSteps (100 per state) caps episodes too", () => {
    const env = new rl.GridWorld({ grid: walled, start: [0, 0] });
    const agent = new rl.QLearning({ episodes: 3, seed: 1 });
    expect([...agent.fit(env).episodeSteps]).toEqual([800, 800, 800]);
  });

  it("an untrained-looking policy that walks into a wall is reported as a loop", () => {
    const agent = new rl.QLearning({ episodes: 1, maxSteps: 1, epsilon: 0, seed: 1 });
    agent.fit(notesMaze());
    const path = agent.greedyPath();
    expect(path.stop).toBe("loop");
    expect(path.reachedGoal).toBe(false);
  });
});

describe("environments written in JS", () => {
  // A corridor of n cells: action 0 left, 1 right; reaching the right end gives +1 and ends.
  class Corridor implements rl.Env {
    readonly numActions = 2;
    private s = 0;
    constructor(readonly numStates: number) {}
    reset(): number {
      this.s = 0;
      return 0;
    }
    step(a: number): rl.StepResult {
      this.s = Math.max(0, Math.min(this.numStates - 1, this.s + (a === 1 ? 1 : -1)));
      const done = this.s === this.numStates - 1;
      return { state: this.s, reward: done ? 1 : 0, done };
    }
  }

  it("train through reset/step and walk the greedy path to the end", () => {
    const agent = new rl.QLearning({ episodes: 200, epsilon: 0.3, seed: 4 });
    const result = agent.fit(new Corridor(8));
    expect(result.engine).toBe("js");
    const path = agent.greedyPath();
    expect(path.reachedGoal).toBe(true);
    expect(path.moves).toBe(7);
    expect(path.actions.every((a) => a === 1)).toBe(true);
  });

  it("an environment that returns a bad state, reward or done is a TesseraError, not a corrupt table", () => {
    const bad = (step: rl.Env["step"]): rl.Env => ({ numStates: 3, numActions: 2, reset: () => 0, step });
    const agent = new rl.QLearning({ episodes: 2, seed: 1 });
    expectTesseraError(() => agent.fit(bad(() => ({ state: 3, reward: 0, done: false }))), "E_VALUE", "env.step", "state");
    expectTesseraError(() => agent.fit(bad(() => ({ state: 1, reward: NaN, done: false }))), "E_VALUE", "reward");
    expectTesseraError(() => agent.fit(bad(() => ({ state: 1, reward: 0, done: 1 as unknown as boolean }))), "E_TYPE", "done");
    expectTesseraError(() => agent.fit({ numStates: 3, numActions: 2, reset: () => -1, step: () => ({ state: 0, reward: 0, done: true }) }), "E_VALUE", "env.reset()");
    expect(agent.qTable).toBe(null);
  });
});

describe("bad input", () => {
  it("grids: missing goal or start, ragged, unknown cells, start on a wall / the goal / off the grid", () => {
    const G = (opts: unknown) => () => new rl.GridWorld(opts as rl.GridWorldOptions);
    expectTesseraError(G({ grid: [[0, 0], [0, 0]], start: [0, 0] }), "E_VALUE", "grid", "goal");
    expectTesseraError(G({ grid: NOTES_GRID }), "E_VALUE", "start", "neither");
    expectTesseraError(G({ grid: [[0, 0, 0], [0, 9]], start: [0, 0] }), "E_SHAPE", "grid[1]", "ragged");
    expectTesseraError(G({ grid: [[0, 3], [0, 9]], start: [0, 0] }), "E_VALUE", "grid[0][1]", "3");
    expectTesseraError(G({ grid: [[0, NaN], [0, 9]], start: [0, 0] }), "E_VALUE", "grid[0][1]");
    expectTesseraError(G({ grid: [[0, "x"], [0, 9]], start: [0, 0] }), "E_TYPE", "grid[0][1]");
    expectTesseraError(G({ grid: NOTES_GRID, start: [1, 1] }), "E_VALUE", "start", "wall");
    expectTesseraError(G({ grid: NOTES_GRID, start: [3, 3] }), "E_VALUE", "start", "goal");
    expectTesseraError(G({ grid: NOTES_GRID, start: [4, 0] }), "E_RANGE", "start[0]");
    expectTesseraError(G({ grid: NOTES_GRID, start: [0] }), "E_TYPE", "start");
    expectTesseraError(G({ grid: [[2, 2, 9]] }), "E_VALUE", "start cell");
    expectTesseraError(G({ grid: [[2, 0, 9]], start: [0, 1] }), "E_VALUE", "start");
    expectTesseraError(G({ grid: [] }), "E_SHAPE", "grid");
    expectTesseraError(G({ grid: [[]] }), "E_SHAPE", "grid[0]");
    expectTesseraError(G({ grid: "0009" }), "E_TYPE", "grid");
    expectTesseraError(G(null), "E_TYPE", "options");
    expectTesseraError(G({ grid: NOTES_GRID, start: [0, 0], rewards: { goal: Infinity } }), "E_RANGE", "rewards.goal");
    expectTesseraError(G({ grid: NOTES_GRID, start: [0, 0], rewards: { bonus: 1 } }), "E_KEY", "bonus");
    expectTesseraError(G({ grid: NOTES_GRID, start: [0, 0], size: 4 }), "E_KEY", "size");
    expectTesseraError(() => notesMaze().step(4), "E_RANGE", "action");
  });

  it("hyperparameters out of range or of the wrong type name the argument", () => {
    const Q = (opts: unknown) => () => new rl.QLearning(opts as rl.TabularOptions);
    expectTesseraError(Q({ alpha: 0 }), "E_RANGE", "alpha");
    expectTesseraError(Q({ alpha: 1.5 }), "E_RANGE", "alpha");
    expectTesseraError(Q({ alpha: NaN }), "E_RANGE", "alpha");
    expectTesseraError(Q({ alpha: "0.1" }), "E_TYPE", "alpha");
    expectTesseraError(Q({ gamma: -0.1 }), "E_RANGE", "gamma");
    expectTesseraError(Q({ gamma: 1.01 }), "E_RANGE", "gamma");
    expectTesseraError(Q({ epsilon: 2 }), "E_RANGE", "epsilon");
    expectTesseraError(Q({ epsilon: -0.5 }), "E_RANGE", "epsilon");
    expectTesseraError(Q({ epsilonDecay: 0 }), "E_RANGE", "epsilonDecay");
    expectTesseraError(Q({ minEpsilon: 1.5 }), "E_RANGE", "minEpsilon");
    expectTesseraError(Q({ episodes: 0 }), "E_RANGE", "episodes");
    expectTesseraError(Q({ episodes: 2.5 }), "E_RANGE", "episodes");
    expectTesseraError(Q({ maxSteps: 0 }), "E_RANGE", "maxSteps");
    expectTesseraError(Q({ seed: 0.5 }), "E_RANGE", "seed");
    expectTesseraError(Q({ learningRate: 0.1 }), "E_KEY", "learningRate");
    expectTesseraError(Q(5), "E_TYPE", "options");
    expectTesseraError(() => new rl.SARSA({ gamma: 2 }), "E_RANGE", "SARSA", "gamma");
  });

  it("fit needs an environment; the greedy path and action need a trained agent", () => {
    const agent = new rl.QLearning({ episodes: 1 });
    expectTesseraError(() => agent.fit(null as unknown as rl.Env), "E_TYPE", "env");
    expectTesseraError(() => agent.fit({} as rl.Env), "E_TYPE", "env");
    expectTesseraError(() => agent.fit({ numStates: 0, numActions: 2, reset: () => 0, step: () => ({ state: 0, reward: 0, done: true }) }), "E_RANGE", "numStates");
    expectTesseraError(() => agent.fit({ numStates: 2, numActions: 300, reset: () => 0, step: () => ({ state: 0, reward: 0, done: true }) }), "E_RANGE", "numActions");
    expectTesseraError(() => agent.greedyPath(), "E_STATE", "greedyPath", "fit");
    expectTesseraError(() => agent.greedyAction(0), "E_STATE", "greedyAction");
    agent.fit(notesMaze());
    expectTesseraError(() => agent.greedyAction(16), "E_VALUE", "state");
    expectTesseraError(() => agent.greedyPath({ steps: 3 } as never), "E_KEY", "steps");
  });

  it("mazeGrid: sizes too small, bad seeds and loops", () => {
    expectTesseraError(() => rl.mazeGrid({ rows: 2, cols: 2 }), "E_RANGE", "rows, cols");
    expectTesseraError(() => rl.mazeGrid({ rows: 0, cols: 5 }), "E_RANGE", "rows");
    expectTesseraError(() => rl.mazeGrid({ rows: 5, cols: 5, loops: 2 }), "E_RANGE", "loops");
    expectTesseraError(() => rl.mazeGrid({ rows: 5, cols: 5, seed: 0.5 }), "E_RANGE", "seed");
  });
});
