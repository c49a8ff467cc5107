// Tabular TD episodes over an environment written in JS (reset/step called per step): the loop of
// assembly/qlearn.ts line for line — same float64 operations, same draws in the same order — so a
// table environment trained either way gives the same Q-table bit for bit.
import { checkState, checkStepResult, type Env } from "./env.js";
import { Xoshiro128, chooseAction, maxRow } from "./stream.js";

export interface EpisodeSettings {
  algorithm: "qlearning" | "sarsa";
  episodes: number;
  maxSteps: number;
  alpha: number;
  gamma: number;
  epsilon: number;
  epsilonDecay: number;
  minEpsilon: number;
}

export interface EpisodeLog {
  returns: Float64Array;
  steps: Int32Array;
  ended: Uint8Array;
  endedCount: number;
}

/** Runs the episodes, updating q ([numStates·numActions], row-major) and advancing rng. */
export function runEpisodesJs(env: Env, q: Float64Array, rng: Xoshiro128, o: EpisodeSettings): EpisodeLog {
  const S = env.numStates, A = env.numActions;
  const { alpha, gamma } = o;
  const returns = new Float64Array(o.episodes), steps = new Int32Array(o.episodes), ended = new Uint8Array(o.episodes);
  let eps = o.epsilon, endedCount = 0;
  // A reward of −0 counts as +0 (as in the kernel): then no Q value is ever −0, and the kernel's
  // row maxima (compares) and this loop's Math.max agree on every bit.
  const stepEnv = (a: number) => {
    const res = checkStepResult(`env.step(${a})`, env.step(a), S);
    return { state: res.state, reward: res.reward + 0, done: res.done };
  };
  for (let e = 0; e < o.episodes; e++) {
    let s = checkState("env.reset()", env.reset(), S);
    let total = 0, t = 0, terminal = false;
    if (o.algorithm === "qlearning") {
      while (t < o.maxSteps) {
        const a = chooseAction(rng.nextU32(), q, s * A, A, eps);
        const { state: sNext, reward: r, done } = stepEnv(a);
        terminal = done;
        const target = terminal ? r : r + gamma * maxRow(q, sNext * A, A);
        const k = s * A + a;
        const old = q[k];
        q[k] = old + alpha * (target - old);
        total += r;
        t++;
        s = sNext;
        if (terminal) break;
      }
    } else {
      let a = chooseAction(rng.nextU32(), q, s * A, A, eps);
      while (t < o.maxSteps) {
        const { state: sNext, reward: r, done } = stepEnv(a);
        terminal = done;
        const k = s * A + a;
        let target = r;
        if (!terminal) {
          a = chooseAction(rng.nextU32(), q, sNext * A, A, eps);
          target = r + gamma * q[sNext * A + a];
        }
        const old = q[k];
        q[k] = old + alpha * (target - old);
        total += r;
        t++;
        s = sNext;
        if (terminal) break;
      }
    }
    returns[e] = total;
    steps[e] = t;
    ended[e] = terminal ? 1 : 0;
    endedCount += terminal ? 1 : 0;
    eps = Math.max(o.minEpsilon, eps * o.epsilonDecay);
  }
  return { returns, steps, ended, endedCount };
}
