// A grid maze as an environment, after the notes' Q-learning example (seeds/002): cells 0 free,
// 1 wall, 9 goal (and 2 for a start cell); actions up, down, left, right; a move into a wall or off
// the grid leaves the agent in place. Rewards: reaching a goal (ends the episode) +100, any other
// step −1, by default. States are cells numbered row·cols + col, walls included (their Q rows stay 0).
import { TesseraError, checkInt, checkNumber, describe, fail } from "../errors.js";
import type { StepResult, TableEnv, TransitionTable } from "./env.js";
import { checkKeys, isPlainObject } from "./options.js";

export const FREE = 0;
export const WALL = 1;
export const START = 2;
export const GOAL = 9;

/** Action numbers: 0 up, 1 down, 2 left, 3 right. */
export const ACTIONS = ["up", "down", "left", "right"] as const;
const MOVES: readonly (readonly [number, number])[] = [[-1, 0], [1, 0], [0, -1], [0, 1]];
const ARROWS = ["↑", "↓", "←", "→"];

export interface GridRewards {
  /** Reward for a step that reaches a goal cell (the episode ends). Default 100. */
  goal?: number;
  /** Reward for any other step. Default −1. */
  step?: number;
  /** Reward for a move into a wall or off the grid (the agent stays). Default: the step reward. */
  wall?: number;
}

export interface GridWorldOptions {
  /** Rows of cells: 0 free, 1 wall, 9 goal, 2 start (optional when `start` is given). */
  grid: ArrayLike<number>[];
  /** [row, col] of the start; may be omitted when one cell of the grid is 2. */
  start?: readonly [number, number];
  rewards?: GridRewards;
}

const OPTION_NAMES = ["grid", "start", "rewards"];
const REWARD_NAMES = ["goal", "step", "wall"];

export class GridWorld implements TableEnv {
  readonly rows: number;
  readonly cols: number;
  readonly numStates: number;
  readonly numActions = 4;
  /** The start state (row·cols + col). */
  readonly start: number;
  /** The goal states, in row-major order. */
  readonly goals: readonly number[];
  readonly rewards: Readonly<Required<GridRewards>>;
  /** Fewest moves from the start to a goal (breadth-first search), or −1 when no goal is reachable. */
  readonly shortestPathLength: number;
  private readonly cells: Uint8Array;
  private state: number;
  private table: TransitionTable | null = null;

  constructor(options: GridWorldOptions) {
    if (!isPlainObject(options)) fail("E_TYPE", "GridWorld: options", "an object { grid, start, rewards }", options);
    checkKeys("GridWorld: options", options, OPTION_NAMES);
    const grid = options.grid as unknown;
    if (!Array.isArray(grid) || grid.length === 0) fail(Array.isArray(grid) ? "E_SHAPE" : "E_TYPE", "GridWorld: grid", "a non-empty array of rows", grid);
    const rows = grid.length;
    const row0 = grid[0] as unknown;
    if (!(Array.isArray(row0) || ArrayBuffer.isView(row0)) || (row0 as ArrayLike<number>).length === 0) {
      fail("E_SHAPE", "GridWorld: grid[0]", "a non-empty array of cells", row0);
    }
    const cols = (row0 as ArrayLike<number>).length;
    if (rows * cols > 2 ** 24) fail("E_RANGE", "GridWorld: grid", "at most 2^24 cells", `${rows}×${cols}`);
    const cells = new Uint8Array(rows * cols);
    const starts: number[] = [];
    const goals: number[] = [];
    for (let r = 0; r < rows; r++) {
      const row = grid[r] as unknown;
      if (!(Array.isArray(row) || ArrayBuffer.isView(row))) fail("E_SHAPE", `GridWorld: grid[${r}]`, `an array of ${cols} cells`, row);
      const cellsOfRow = row as ArrayLike<unknown>;
      if (cellsOfRow.length !== cols) {
        throw new TesseraError("E_SHAPE", `GridWorld: grid[${r}]: expected ${cols} cells (as grid[0]), received ${cellsOfRow.length} (a ragged grid)`);
      }
      for (let c = 0; c < cols; c++) {
        const v = cellsOfRow[c];
        if (v !== FREE && v !== WALL && v !== START && v !== GOAL) {
          throw new TesseraError(typeof v === "number" ? "E_VALUE" : "E_TYPE",
            `GridWorld: grid[${r}][${c}]: expected a cell value 0 (free), 1 (wall), 2 (start) or 9 (goal), received ${describe(v)}`);
        }
        cells[r * cols + c] = v;
        if (v === START) starts.push(r * cols + c);
        if (v === GOAL) goals.push(r * cols + c);
      }
    }
    if (goals.length === 0) throw new TesseraError("E_VALUE", "GridWorld: grid: expected at least one goal cell (9), received a grid without one");
    if (starts.length > 1) {
      throw new TesseraError("E_VALUE", `GridWorld: grid: expected at most one start cell (2), received ${starts.length}`);
    }
    let start: number;
    if (options.start !== undefined) {
      const s = options.start as unknown;
      if (!Array.isArray(s) || s.length !== 2) fail("E_TYPE", "GridWorld: start", "[row, col]", s);
      const r = checkInt("GridWorld: start[0] (row)", s[0], 0, rows - 1);
      const c = checkInt("GridWorld: start[1] (col)", s[1], 0, cols - 1);
      start = r * cols + c;
      if (starts.length === 1 && starts[0] !== start) {
        throw new TesseraError("E_VALUE", `GridWorld: start: expected the start cell of grid (${this.pos(starts[0], cols)}) or none there, received [${r}, ${c}]`);
      }
    } else if (starts.length === 1) {
      start = starts[0];
    } else {
      throw new TesseraError("E_VALUE", "GridWorld: start: expected [row, col] or a start cell (2) in grid, received neither");
    }
    if (cells[start] === WALL) throw new TesseraError("E_VALUE", `GridWorld: start: expected a free cell, received ${this.pos(start, cols)}, a wall`);
    if (cells[start] === GOAL) throw new TesseraError("E_VALUE", `GridWorld: start: expected a cell other than a goal, received ${this.pos(start, cols)}, a goal`);

    const rw = options.rewards === undefined ? {} : options.rewards as unknown;
    if (!isPlainObject(rw)) fail("E_TYPE", "GridWorld: rewards", "an object { goal, step, wall }", rw);
    checkKeys("GridWorld: rewards", rw, REWARD_NAMES);
    const goal = rw.goal === undefined ? 100 : checkNumber("GridWorld: rewards.goal", rw.goal);
    const step = rw.step === undefined ? -1 : checkNumber("GridWorld: rewards.step", rw.step);
    const wall = rw.wall === undefined ? step : checkNumber("GridWorld: rewards.wall", rw.wall);

    this.rows = rows;
    this.cols = cols;
    this.numStates = rows * cols;
    this.cells = cells;
    this.start = start;
    this.goals = goals;
    this.rewards = { goal, step, wall };
    this.state = start;
    this.shortestPathLength = this.breadthFirst();
  }

  /** The cell value at a state (0 free, 1 wall, 2 start, 9 goal). */
  cell(state: number): number {
    return this.cells[state];
  }

  /** [row, col] of a state. */
  cellOf(state: number): [number, number] {
    return [Math.floor(state / this.cols), state % this.cols];
  }

  stateOf(row: number, col: number): number {
    return row * this.cols + col;
  }

  get goalReachable(): boolean {
    return this.shortestPathLength >= 0;
  }

  reset(): number {
    this.state = this.start;
    return this.state;
  }

  step(action: number): StepResult {
    checkInt("GridWorld.step: action", action, 0, 3);
    const t = this.move(this.state, action);
    this.state = t.state;
    return t;
  }

  /**
   * Every (state, action) as arrays: the whole maze handed to the kernel once. Made on the first
   * call and shared by later ones (the grid never changes): read it, do not write to it.
   */
  transitionTable(): TransitionTable {
    return (this.table ??= this.makeTable());
  }

  private makeTable(): TransitionTable {
    const S = this.numStates;
    const next = new Int32Array(S * 4), reward = new Float64Array(S * 4), done = new Uint8Array(S * 4);
    for (let s = 0; s < S; s++) {
      for (let a = 0; a < 4; a++) {
        const t = this.move(s, a);
        next[s * 4 + a] = t.state;
        reward[s * 4 + a] = t.reward;
        done[s * 4 + a] = t.done ? 1 : 0;
      }
    }
    return { numStates: S, numActions: 4, start: this.start, next, reward, done };
  }

  /**
   * The grid as text: `#` wall, `S` start, `G` goal, `.` free; with a path (states and the actions
   * taken), each cell left by the path shows the arrow of its move.
   */
  render(path?: { states: readonly number[]; actions: readonly number[] }): string {
    const marks = new Map<number, string>();
    if (path) path.actions.forEach((a, i) => marks.set(path.states[i], ARROWS[a] ?? "?"));
    const lines: string[] = [];
    for (let r = 0; r < this.rows; r++) {
      let line = "";
      for (let c = 0; c < this.cols; c++) {
        const s = r * this.cols + c, v = this.cells[s];
        line += marks.get(s) ?? (v === WALL ? "#" : v === GOAL ? "G" : s === this.start ? "S" : ".");
      }
      lines.push(line);
    }
    return lines.join("\n");
  }

  // A move from a state: into a wall or off the grid stays put.
  private move(s: number, action: number): StepResult {
    const [dr, dc] = MOVES[action];
    const r = Math.floor(s / this.cols) + dr, c = (s % this.cols) + dc;
    if (r < 0 || r >= this.rows || c < 0 || c >= this.cols || this.cells[r * this.cols + c] === WALL) {
      return { state: s, reward: this.rewards.wall, done: false };
    }
    const n = r * this.cols + c;
    if (this.cells[n] === GOAL) return { state: n, reward: this.rewards.goal, done: true };
    return { state: n, reward: this.rewards.step, done: false };
  }

  private breadthFirst(): number {
    const dist = new Int32Array(this.numStates).fill(-1);
    const queue = new Int32Array(this.numStates);
    let head = 0, tail = 0;
    queue[tail++] = this.start;
    dist[this.start] = 0;
    while (head < tail) {
      const s = queue[head++];
      if (this.cells[s] === GOAL) return dist[s];
      for (let a = 0; a < 4; a++) {
        const n = this.move(s, a).state;
        if (dist[n] < 0) {
          dist[n] = dist[s] + 1;
          queue[tail++] = n;
        }
      }
    }
    return -1;
  }

  private pos(s: number, cols: number): string {
    return `[${Math.floor(s / cols)}, ${s % cols}]`;
  }
}
