// The environment interface of the rl trainers — Gymnasium's reset/step reduced to numbered states
// and actions — and the transition table a deterministic environment can hand over once, so that
// whole batches of episodes run inside the WASM kernel instead of calling step() from JS.
import { TesseraError, checkInt, describe, fail } from "../errors.js";

export interface StepResult {
  /** The state the action led to, an integer in [0, numStates). */
  state: number;
  reward: number;
  /** True when the episode is over (the goal, or any terminal state). */
  done: boolean;
}

/** A discrete environment: states 0..numStates−1, actions 0..numActions−1. */
export interface Env {
  readonly numStates: number;
  readonly numActions: number;
  /** Starts an episode; returns the first state. */
  reset(): number;
  step(action: number): StepResult;
}

/**
 * A deterministic environment as arrays indexed by state·numActions + action: the state a step
 * leads to, its reward, and whether it ends the episode. Episodes start at `start`.
 */
export interface TransitionTable {
  numStates: number;
  numActions: number;
  start: number;
  next: Int32Array;
  reward: Float64Array;
  done: Uint8Array;
}

/** An environment that can describe itself as a transition table (GridWorld does). */
export interface TableEnv extends Env {
  transitionTable(): TransitionTable;
}

/** The most actions a trainer takes: one 32-bit draw picks both the ε test and a random action. */
export const MAX_ACTIONS = 256;

export function isTableEnv(env: Env): env is TableEnv {
  return typeof (env as Partial<TableEnv>).transitionTable === "function";
}

/** Checks that `env` has the Env members with usable sizes. */
export function checkEnv(arg: string, env: unknown): Env {
  if (env === null || typeof env !== "object") fail("E_TYPE", arg, "an environment (reset, step, numStates, numActions)", env);
  const e = env as Partial<Env>;
  if (typeof e.reset !== "function" || typeof e.step !== "function") {
    fail("E_TYPE", arg, "an environment with reset() and step(action) methods", env);
  }
  checkInt(`${arg}.numStates`, e.numStates, 1, 2 ** 26);
  checkInt(`${arg}.numActions`, e.numActions, 1, MAX_ACTIONS);
  return env as Env;
}

/** Checks a state number an environment returned (from reset or step). */
export function checkState(arg: string, s: unknown, numStates: number): number {
  if (typeof s !== "number" || !Number.isInteger(s) || s < 0 || s >= numStates) {
    throw new TesseraError("E_VALUE", `${arg}: expected a state, an integer in [0, ${numStates - 1}], received ${describe(s)}`);
  }
  return s;
}

/** Checks what env.step returned: an object with an in-range state, a finite reward and a boolean done. */
export function checkStepResult(arg: string, r: unknown, numStates: number): StepResult {
  if (r === null || typeof r !== "object") fail("E_TYPE", arg, "an object { state, reward, done }", r);
  const { state, reward, done } = r as StepResult;
  checkState(`${arg}.state`, state, numStates);
  if (typeof reward !== "number" || !Number.isFinite(reward)) fail("E_VALUE", `${arg}.reward`, "a finite number", reward);
  if (typeof done !== "boolean") fail("E_TYPE", `${arg}.done`, "a boolean", done);
  return r as StepResult;
}

/** Checks a transition table's sizes and contents (next in range, finite rewards). */
export function checkTable(arg: string, t: TransitionTable): TransitionTable {
  const S = checkInt(`${arg}.numStates`, t.numStates, 1, 2 ** 26);
  const A = checkInt(`${arg}.numActions`, t.numActions, 1, MAX_ACTIONS);
  checkState(`${arg}.start`, t.start, S);
  const n = S * A;
  if (!(t.next instanceof Int32Array) || t.next.length !== n) fail("E_SHAPE", `${arg}.next`, `an Int32Array of ${n} states`, t.next);
  if (!(t.reward instanceof Float64Array) || t.reward.length !== n) fail("E_SHAPE", `${arg}.reward`, `a Float64Array of ${n} rewards`, t.reward);
  if (!(t.done instanceof Uint8Array) || t.done.length !== n) fail("E_SHAPE", `${arg}.done`, `a Uint8Array of ${n} flags`, t.done);
  for (let k = 0; k < n; k++) {
    const s = t.next[k];
    if (s < 0 || s >= S) throw new TesseraError("E_VALUE", `${arg}.next[${k}]: expected a state in [0, ${S - 1}], received ${s}`);
    if (!Number.isFinite(t.reward[k])) throw new TesseraError("E_VALUE", `${arg}.reward[${k}]: expected a finite number, received ${t.reward[k]}`);
  }
  return t;
}

/** Whether some terminal step can be reached from the start (breadth-first over the table). */
export function terminalReachable(t: TransitionTable): boolean {
  const A = t.numActions;
  const seen = new Uint8Array(t.numStates);
  const queue = new Int32Array(t.numStates);
  let head = 0, tail = 0;
  queue[tail++] = t.start;
  seen[t.start] = 1;
  while (head < tail) {
    const s = queue[head++];
    for (let a = 0; a < A; a++) {
      const k = s * A + a;
      if (t.done[k]) return true;
      const n = t.next[k];
      if (!seen[n]) {
        seen[n] = 1;
        queue[tail++] = n;
      }
    }
  }
  return false;
}
