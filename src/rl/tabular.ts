// Tabular Q-learning and SARSA with ε-greedy exploration (Sutton & Barto 2018, §6.4–6.5; the notes'
// maze, seeds/002). A table environment (GridWorld) is handed to the WASM kernel once and the whole
// batch of episodes runs in one call; any other Env is stepped from JS by the same algorithm on the
// same random stream. Q is float64, like the notes' numpy table, initialised to 0.
import { TesseraError, checkInt, fail } from "../errors.js";
import { cpuBackend } from "../backend/device.js";
import type { CpuBackend } from "../backend/cpu-wasm/cpu-backend.js";
import type { Handle } from "../backend/backend.js";
import { checkEnv, checkState, checkStepResult, checkTable, isTableEnv, terminalReachable, type Env, type TransitionTable } from "./env.js";
import { runEpisodesJs, type EpisodeLog, type EpisodeSettings } from "./episodes-js.js";
import { GridWorld } from "./gridworld.js";
import { checkClosed, checkKeys, checkOpenClosed, isPlainObject } from "./options.js";
import { Xoshiro128, argmaxRow, seedWords } from "./stream.js";

export interface TabularOptions {
  /** Learning rate α in (0, 1]. Default 0.1. */
  alpha?: number;
  /** Discount γ in [0, 1]. Default 0.9. */
  gamma?: number;
  /** Exploration rate ε in [0, 1] of the first episode. Default 0.2. */
  epsilon?: number;
  /** ε ← max(minEpsilon, ε·epsilonDecay) after each episode; in (0, 1]. Default 1 (constant ε). */
  epsilonDecay?: number;
  /** Floor of the decayed ε, in [0, 1]. Default 0. */
  minEpsilon?: number;
  /** Episodes per fit(). Default 1000. */
  episodes?: number;
  /** Steps after which an episode is cut off (it always is: training never loops forever). Default 100·numStates. */
  maxSteps?: number;
  /** Seed of the exploration stream; without one the global generator (manualSeed) supplies it. */
  seed?: number;
}

export interface TrainResult {
  episodes: number;
  /** Sum of rewards of each episode (the reward curve). */
  episodeReturns: Float64Array;
  /** Steps of each episode. */
  episodeSteps: Int32Array;
  /** 1 where the episode reached a terminal state (the goal), 0 where maxSteps cut it off. */
  episodeEnded: Uint8Array;
  /** How many episodes reached a terminal state. */
  endedEpisodes: number;
  /** Table environments: whether a terminal state is reachable from the start at all; null for JS environments. */
  goalReachable: boolean | null;
  /** Where the episodes ran: "wasm" (one kernel call) or "js" (env.step per step). */
  engine: "wasm" | "js";
}

export interface GreedyPath {
  /** States visited, from the start; one more than actions. */
  states: number[];
  actions: number[];
  /** Grid environments: [row, col] of every state. */
  cells?: [number, number][];
  moves: number;
  totalReward: number;
  reachedGoal: boolean;
  /** "goal"; "unreachable" (no terminal state can be reached); "loop" (the greedy policy revisits a state); "maxSteps". */
  stop: "goal" | "unreachable" | "loop" | "maxSteps";
}

const OPTION_NAMES = ["alpha", "gamma", "epsilon", "epsilonDecay", "minEpsilon", "episodes", "maxSteps", "seed"];

interface Resolved {
  alpha: number;
  gamma: number;
  epsilon: number;
  epsilonDecay: number;
  minEpsilon: number;
  episodes: number;
  maxSteps: number | undefined;
  seed: number | undefined;
}

abstract class TabularAgent {
  protected abstract readonly algorithm: "qlearning" | "sarsa";
  readonly options: Readonly<Resolved>;
  /** Q[state·numActions + action] after fit(), float64; null before. */
  qTable: Float64Array | null = null;
  numStates = 0;
  numActions = 0;
  /** The last fit()'s result. */
  result: TrainResult | null = null;
  private env: Env | null = null;
  private table: TransitionTable | null = null;
  private readonly name: string;

  constructor(name: string, options: TabularOptions = {}) {
    this.name = name;
    if (!isPlainObject(options)) fail("E_TYPE", `${name}: options`, "an object", options);
    checkKeys(`${name}: options`, options, OPTION_NAMES);
    const o = options as Record<string, unknown>;
    const num = (key: string, def: number, check: (arg: string, v: unknown) => number) => (o[key] === undefined ? def : check(`${name}: ${key}`, o[key]));
    this.options = {
      alpha: num("alpha", 0.1, (a, v) => checkOpenClosed(a, v, 0, 1)),
      gamma: num("gamma", 0.9, (a, v) => checkClosed(a, v, 0, 1)),
      epsilon: num("epsilon", 0.2, (a, v) => checkClosed(a, v, 0, 1)),
      epsilonDecay: num("epsilonDecay", 1, (a, v) => checkOpenClosed(a, v, 0, 1)),
      minEpsilon: num("minEpsilon", 0, (a, v) => checkClosed(a, v, 0, 1)),
      episodes: num("episodes", 1000, (a, v) => checkInt(a, v, 1, 2 ** 24)),
      maxSteps: o.maxSteps === undefined ? undefined : checkInt(`${name}: maxSteps`, o.maxSteps, 1, 2 ** 31 - 1),
      seed: o.seed === undefined ? undefined : checkInt(`${name}: seed`, o.seed),
    };
  }

  /** Steps per episode before it is cut off, for an environment of numStates states. */
  maxStepsFor(numStates: number): number {
    return this.options.maxSteps ?? Math.min(100 * numStates, 2 ** 31 - 1);
  }

  /**
   * Trains a fresh Q-table (all zeros) on `env` for options.episodes episodes. Table environments
   * run in the WASM kernel, others through env.reset/env.step; both give the same table.
   */
  fit(env: Env): TrainResult {
    const name = this.name;
    checkEnv(`${name}.fit: env`, env);
    const S = env.numStates, A = env.numActions;
    const o = this.options;
    const settings: EpisodeSettings = {
      algorithm: this.algorithm, episodes: o.episodes, maxSteps: this.maxStepsFor(S),
      alpha: o.alpha, gamma: o.gamma, epsilon: o.epsilon, epsilonDecay: o.epsilonDecay, minEpsilon: o.minEpsilon,
    };
    const q = new Float64Array(S * A);
    const words = seedWords(o.seed);
    let log: EpisodeLog, goalReachable: boolean | null = null, engine: "wasm" | "js";
    let table: TransitionTable | null = null;
    if (isTableEnv(env)) {
      table = checkTable(`${name}.fit: env.transitionTable()`, env.transitionTable());
      if (table.numStates !== S || table.numActions !== A) {
        throw new TesseraError("E_SHAPE", `${name}.fit: env.transitionTable(): expected ${S} states × ${A} actions (as env), received ${table.numStates} × ${table.numActions}`);
      }
      goalReachable = terminalReachable(table);
      log = runEpisodesWasm(cpuBackend(), table, q, words, settings);
      engine = "wasm";
    } else {
      log = runEpisodesJs(env, q, new Xoshiro128(words), settings);
      engine = "js";
    }
    this.qTable = q;
    this.numStates = S;
    this.numActions = A;
    this.env = env;
    this.table = table;
    this.result = {
      episodes: o.episodes, episodeReturns: log.returns, episodeSteps: log.steps, episodeEnded: log.ended,
      endedEpisodes: log.endedCount, goalReachable, engine,
    };
    return this.result;
  }

  /** Per-episode returns of the last fit(). */
  get episodeReturns(): Float64Array {
    return this.trained("episodeReturns").result!.episodeReturns;
  }

  /** Per-episode step counts of the last fit(). */
  get episodeSteps(): Int32Array {
    return this.trained("episodeSteps").result!.episodeSteps;
  }

  /** The greedy action (first maximum of Q) at a state. */
  greedyAction(state: number): number {
    this.trained("greedyAction");
    checkState(`${this.name}.greedyAction: state`, state, this.numStates);
    return argmaxRow(this.qTable!, state * this.numActions, this.numActions);
  }

  /**
   * Follows the greedy policy from the start. On a table environment it stops at the goal, or as
   * soon as a state repeats (a deterministic policy that revisits a state never gets out), so within
   * numStates moves; on a JS environment at the goal or after maxSteps moves (default: the training
   * cap). `maxSteps` caps either walk.
   */
  greedyPath(options: { maxSteps?: number } = {}): GreedyPath {
    const name = `${this.name}.greedyPath`;
    this.trained("greedyPath");
    if (!isPlainObject(options)) fail("E_TYPE", `${name}: options`, "an object { maxSteps }", options);
    checkKeys(`${name}: options`, options, ["maxSteps"]);
    const q = this.qTable!, A = this.numActions, t = this.table;
    // A table walk needs no cap: it stops by itself within numStates moves.
    const cap = options.maxSteps !== undefined ? checkInt(`${name}: maxSteps`, options.maxSteps, 0)
      : t ? Infinity : this.maxStepsFor(this.numStates);
    const states: number[] = [], actions: number[] = [];
    let totalReward = 0, stop: GreedyPath["stop"] = "maxSteps";
    if (t) {
      const seen = new Uint8Array(t.numStates);
      let s = t.start;
      states.push(s);
      while (actions.length < cap) {
        if (seen[s]) {
          stop = this.result!.goalReachable ? "loop" : "unreachable";
          break;
        }
        seen[s] = 1;
        const a = argmaxRow(q, s * A, A), k = s * A + a;
        actions.push(a);
        totalReward += t.reward[k];
        s = t.next[k];
        states.push(s);
        if (t.done[k]) {
          stop = "goal";
          break;
        }
      }
    } else {
      const env = this.env!;
      let s = checkState("env.reset()", env.reset(), this.numStates);
      states.push(s);
      while (actions.length < cap) {
        const a = argmaxRow(q, s * A, A);
        const r = checkStepResult(`env.step(${a})`, env.step(a), this.numStates);
        actions.push(a);
        totalReward += r.reward;
        s = r.state;
        states.push(s);
        if (r.done) {
          stop = "goal";
          break;
        }
      }
    }
    const path: GreedyPath = { states, actions, moves: actions.length, totalReward, reachedGoal: stop === "goal", stop };
    if (this.env instanceof GridWorld) path.cells = states.map((s) => (this.env as GridWorld).cellOf(s));
    return path;
  }

  private trained(what: string): this {
    if (!this.qTable) throw new TesseraError("E_STATE", `${this.name}.${what}: expected a trained agent, received one before fit(env)`);
    return this;
  }
}

/** Q-learning: off-policy TD control, target r + γ·max_a' Q(s', a'). */
export class QLearning extends TabularAgent {
  protected readonly algorithm = "qlearning";
  constructor(options: TabularOptions = {}) {
    super("QLearning", options);
  }
}

/** SARSA: on-policy TD control, target r + γ·Q(s', a') with a' the ε-greedy action taken next. */
export class SARSA extends TabularAgent {
  protected readonly algorithm = "sarsa";
  constructor(options: TabularOptions = {}) {
    super("SARSA", options);
  }
}

// float64 values cross as pairs of int32 elements (the device interface moves 4-byte elements; the
// bits are copied unchanged, WASM and every JS engine in practice being little-endian).
function asInt32(x: Float64Array | Uint32Array): Int32Array {
  return new Int32Array(x.buffer, x.byteOffset, x.byteLength >> 2);
}

function readF64(be: CpuBackend, h: Handle, n: number): Float64Array {
  const bits = be.readSync(h, 2 * n, "int32") as Int32Array;
  return new Float64Array(bits.buffer, bits.byteOffset, n);
}

/** The kernel's transition records, {next, done, reward} in 16 bytes; −0 rewards become +0 (as in the JS loop). */
function packTransitions(t: TransitionTable): Int32Array {
  const n = t.numStates * t.numActions;
  const words = new Int32Array(4 * n), rewards = new Float64Array(words.buffer);
  for (let k = 0; k < n; k++) {
    words[4 * k] = t.next[k];
    words[4 * k + 1] = t.done[k];
    rewards[2 * k + 1] = t.reward[k] + 0;
  }
  return words;
}

/** Runs the episodes through the kernel; q (zeros in) receives the trained table. */
function runEpisodesWasm(be: CpuBackend, t: TransitionTable, q: Float64Array, words: Uint32Array, o: EpisodeSettings): EpisodeLog {
  const n = t.numStates * t.numActions, E = o.episodes;
  const handles: Handle[] = [];
  const alloc = (elements: number) => {
    const h = be.alloc(elements);
    handles.push(h);
    return h;
  };
  try {
    const transitions = alloc(4 * n), qh = alloc(2 * n), rng = alloc(4);
    const returns = alloc(2 * E), steps = alloc(E), ended = alloc(E);
    be.write(transitions, packTransitions(t), "int32");
    be.write(qh, asInt32(q), "int32");
    be.write(rng, asInt32(words), "int32");
    const endedCount = be.tabularEpisodes({
      algorithm: o.algorithm, transitions, q: qh, nStates: t.numStates, nActions: t.numActions, start: t.start,
      episodes: E, maxSteps: o.maxSteps, alpha: o.alpha, gamma: o.gamma, epsilon: o.epsilon, epsilonDecay: o.epsilonDecay,
      minEpsilon: o.minEpsilon, rng, returns, steps, ended,
    });
    q.set(readF64(be, qh, n));
    return {
      returns: readF64(be, returns, E),
      steps: be.readSync(steps, E, "int32") as Int32Array,
      ended: Uint8Array.from(be.readSync(ended, E, "int32")),
      endedCount,
    };
  } finally {
    for (const h of handles) be.free(h);
  }
}
