// Tabular TD kernel (assembly/qlearn.ts) on every build, against a plain-JS loop written here from
// Sutton & Barto (2018) §6.4–6.5 with the stream the kernel documents (xoshiro128**; one draw per
// choice: explore when (x >>> 8)·2^-24 < ε, random action ((x & 255)·A) >>> 8, else the first
// argmax). Both run float64 arithmetic in the same order, so Q-tables, returns, step counts and the
// generator's final words must be equal bit for bit — not close. Tables are random (seeded): random
// next states, rewards with fractions, a few terminal transitions; 1 to 256 actions.
import { describe, expect, it } from "vitest";
import { BUILDS, loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { cpuBackendFor } from "../../src/backend/device.js";
import { rng } from "./util.js";

interface Table { S: number; A: number; start: number; next: Int32Array; done: Int32Array; reward: Float64Array }
interface Opts { algo: 0 | 1; episodes: number; maxSteps: number; alpha: number; gamma: number; epsilon: number; decay: number; minEps: number }

function randomTable(S: number, A: number, seed: number, terminalRate = 0.05): Table {
  const r = rng(seed);
  const n = S * A;
  const next = new Int32Array(n), done = new Int32Array(n), reward = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    next[k] = Math.floor((r() + 1) / 2 * S);
    done[k] = (r() + 1) / 2 < terminalRate ? 1 : 0;
    reward[k] = done[k] ? 10 + r() : -1 + 0.25 * r();
  }
  return { S, A, start: 0, next, done, reward };
}

function reference(t: Table, o: Opts, words: number[]) {
  let [s0, s1, s2, s3] = words.map((w) => w | 0);
  const draw = () => {
    const m = Math.imul(s1, 5);
    const res = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const sh = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= sh; s3 = (s3 << 11) | (s3 >>> 21);
    return res;
  };
  const q = new Float64Array(t.S * t.A);
  const choose = (s: number, eps: number) => {
    const x = draw();
    if ((x >>> 8) / 2 ** 24 < eps) return ((x & 255) * t.A) >>> 8;
    let a = 0;
    for (let i = 1; i < t.A; i++) if (q[s * t.A + i] > q[s * t.A + a]) a = i;
    return a;
  };
  const rowMax = (s: number) => Math.max(...q.subarray(s * t.A, (s + 1) * t.A));
  const returns: number[] = [], steps: number[] = [], ended: number[] = [];
  let eps = o.epsilon;
  for (let e = 0; e < o.episodes; e++) {
    let s = t.start, total = 0, n = 0, end = 0;
    let a = o.algo === 1 ? choose(s, eps) : -1;
    while (n < o.maxSteps) {
      if (o.algo === 0) a = choose(s, eps);
      const k = s * t.A + a, s2n = t.next[k], r = t.reward[k];
      end = t.done[k];
      let target = r;
      if (!end) {
        if (o.algo === 0) target = r + o.gamma * rowMax(s2n);
        else {
          a = choose(s2n, eps);
          target = r + o.gamma * q[s2n * t.A + a];
        }
      }
      q[k] = q[k] + o.alpha * (target - q[k]);
      total += r;
      n++;
      s = s2n;
      if (end) break;
    }
    returns.push(total);
    steps.push(n);
    ended.push(end);
    eps = Math.max(o.minEps, eps * o.decay);
  }
  return { q, returns, steps, ended, words: [s0 >>> 0, s1 >>> 0, s2 >>> 0, s3 >>> 0] };
}

/** Runs the kernel once (chunked: false) or through CpuBackend.tabularEpisodes (calls of 1, 2, 4… episodes). */
function kernel(rt: Runtime, t: Table, o: Opts, words: number[], chunked = false) {
  const n = t.S * t.A, E = o.episodes;
  const a = rt.arena;
  const ptr = { tr: a.alloc(16 * n + 16), q: a.alloc(8 * n + 16), rng: a.alloc(16), ret: a.alloc(8 * E + 16), st: a.alloc(4 * E + 16), en: a.alloc(4 * E + 16) };
  const dv = new DataView(rt.memory.buffer);
  for (let k = 0; k < n; k++) {
    dv.setInt32(ptr.tr + 16 * k, t.next[k], true);
    dv.setInt32(ptr.tr + 16 * k + 4, t.done[k], true);
    dv.setFloat64(ptr.tr + 16 * k + 8, t.reward[k], true);
  }
  new Float64Array(rt.memory.buffer, ptr.q, n).fill(0);
  new Uint32Array(rt.memory.buffer, ptr.rng, 4).set(words);
  const args = [o.algo, ptr.tr, ptr.q, t.S, t.A, t.start, E, o.maxSteps, o.alpha, o.gamma, o.epsilon, o.decay, o.minEps, ptr.rng, ptr.ret, ptr.st, ptr.en] as const;
  const endedCount = chunked
    ? cpuBackendFor(rt).tabularEpisodes({
      algorithm: o.algo === 1 ? "sarsa" : "qlearning", transitions: ptr.tr, q: ptr.q, nStates: t.S, nActions: t.A, start: t.start,
      episodes: E, maxSteps: o.maxSteps, alpha: o.alpha, gamma: o.gamma, epsilon: o.epsilon, epsilonDecay: o.decay,
      minEpsilon: o.minEps, rng: ptr.rng, returns: ptr.ret, steps: ptr.st, ended: ptr.en,
    })
    : rt.exports.tabularTdEpisodes(...args);
  const out = {
    q: new Float64Array(rt.memory.buffer, ptr.q, n).slice(),
    returns: [...new Float64Array(rt.memory.buffer, ptr.ret, E)],
    steps: [...new Int32Array(rt.memory.buffer, ptr.st, E)],
    ended: [...new Int32Array(rt.memory.buffer, ptr.en, E)],
    words: [...new Uint32Array(rt.memory.buffer, ptr.rng, 4)],
    endedCount,
  };
  for (const p of Object.values(ptr)) a.release(p);
  return out;
}

function expectSame(got: ReturnType<typeof kernel>, want: ReturnType<typeof reference>, what: string): void {
  for (let i = 0; i < want.q.length; i++) {
    if (!Object.is(got.q[i], want.q[i])) throw new Error(`${what}: Q[${i}] = ${got.q[i]}, plain JS ${want.q[i]}`);
  }
  expect(got.steps, what).toEqual(want.steps);
  expect(got.ended, what).toEqual(want.ended);
  expect(got.returns, what).toEqual(want.returns);
  expect(got.words, what).toEqual(want.words);
  expect(got.endedCount, what).toBe(want.ended.reduce((s, v) => s + v, 0));
}

const base: Opts = { algo: 0, episodes: 60, maxSteps: 200, alpha: 0.1, gamma: 0.9, epsilon: 0.2, decay: 1, minEps: 0 };

describe.each(BUILDS)("tabular TD kernel on the %s build", (build) => {
  const runtimeP = loadRuntime({ build });

  it.each([[1], [2], [3], [4], [5], [7], [8], [256]])("nActions = %i: Q-learning and SARSA equal the plain-JS loop bit for bit", async (A) => {
    const rt = await runtimeP;
    for (const algo of [0, 1] as const) {
      for (const seed of [1, 2, 3]) {
        const t = randomTable(A === 256 ? 20 : 37, A, seed * 10 + A);
        const o = { ...base, algo, epsilon: 0.3, decay: 0.97, minEps: 0.05 };
        const words = [seed, 0x9e3779b9, 77, 0xdeadbeef];
        expectSame(kernel(rt, t, o, words), reference(t, o, words), `algo ${algo} A ${A} seed ${seed}`);
      }
    }
  });

  it("chunked calls (1, 2, 4, … episodes, ε carried on the host) equal one call", async () => {
    const rt = await runtimeP;
    for (const algo of [0, 1] as const) {
      const t = randomTable(50, 4, 99);
      const o = { ...base, algo, episodes: 37, epsilon: 0.9, decay: 0.9, minEps: 0.01 };
      const words = [5, 6, 7, 8];
      const whole = kernel(rt, t, o, words), parts = kernel(rt, t, o, words, true);
      expect(parts).toEqual(whole);
      expectSame(parts, reference(t, o, words), `chunked algo ${algo}`);
    }
  });

  it("edge cases: maxSteps 1, episodes 0, ε 0 (greedy only) and ε 1 (random only), γ 0, α 1", async () => {
    const rt = await runtimeP;
    const t = randomTable(9, 4, 5, 0.3);
    const words = [1, 2, 3, 4];
    for (const o of [
      { ...base, maxSteps: 1 }, { ...base, episodes: 0 }, { ...base, epsilon: 0 }, { ...base, epsilon: 1 },
      { ...base, gamma: 0 }, { ...base, alpha: 1 }, { ...base, algo: 1 as const, maxSteps: 1 }, { ...base, algo: 1 as const, epsilon: 1, gamma: 1 },
    ]) {
      expectSame(kernel(rt, t, o, words), reference(t, o, words), JSON.stringify(o));
    }
    // episodes 0 leaves the generator and Q untouched
    const none = kernel(rt, t, { ...base, episodes: 0 }, words);
    expect(none.words).toEqual(words);
    expect([...none.q].every((v) => v === 0)).toBe(true);
  });

  it("a table without reachable terminal steps: every episode runs exactly maxSteps and none ends", async () => {
    const rt = await runtimeP;
    const t = randomTable(16, 4, 8, 0);
    const got = kernel(rt, t, { ...base, episodes: 20, maxSteps: 33 }, [9, 9, 9, 9]);
    expect(got.steps.every((s) => s === 33)).toBe(true);
    expect(got.endedCount).toBe(0);
    expect(got.returns.every(Number.isFinite)).toBe(true);
  });

  it("random actions are uniform over 4 actions (ε = 1; 4-sigma binomial bound)", async () => {
    const rt = await runtimeP;
    // One state whose 4 actions loop back with rewards 1, 2, 4, 8: the episode's return is
    // Σ count(a)·reward(a), which checks the kernel's action counts against the stream's.
    const t: Table = { S: 1, A: 4, start: 0, next: new Int32Array(4), done: new Int32Array(4), reward: Float64Array.of(1, 2, 4, 8) };
    const o = { ...base, episodes: 1, maxSteps: 40000, epsilon: 1, gamma: 0 };
    const got = kernel(rt, t, o, [3, 1, 4, 1]);
    const want = reference(t, o, [3, 1, 4, 1]);
    expectSame(got, want, "uniformity run");
    let [s0, s1, s2, s3] = [3, 1, 4, 1];
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40000; i++) {
      const m = Math.imul(s1, 5);
      const x = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
      const sh = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= sh; s3 = (s3 << 11) | (s3 >>> 21);
      counts[((x & 255) * 4) >>> 8]++;
    }
    expect(counts.reduce((s, c, a) => s + c * t.reward[a], 0)).toBe(got.returns[0]);
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(4 * Math.sqrt(40000 * 0.25 * 0.75));
  });
});
