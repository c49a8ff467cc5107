// Tabular temporal-difference control over a deterministic transition table — Q-learning (Watkins
// 1989) and SARSA (Rummery & Niranjan 1994), as in Sutton & Barto (2018) §6.4–6.5 — a whole batch of
// ε-greedy episodes in one call. Q is float64 (the notes' numpy table is), so a plain-JS loop doing
// the same float64 operations on the same random stream yields the same table bit for bit.
//
// Random stream: xoshiro128** (Blackman & Vigna 2018) over 4 state words read at entry and written
// back at exit. Every action choice takes exactly one 32-bit draw x: explore when
// (x >>> 8)·2^-24 < ε, and then act ((x & 255)·nActions) >>> 8 (uniform for 2, 4, 8… actions);
// otherwise act argmax Q[s] (the first maximum, as numpy.argmax).
//
// Speed (bench/rl.bench.mjs and bench/README.md): a step waits on the chain state → Q row →
// action → next state, so the loop is kept plain:
// - the argmax is compares and branches, written as a loop: the predictor guesses the action and
//   the next loads start at once. A data-dependent select (binaryen makes one of an unrolled last
//   compare), a SIMD or branch-free argmax, or a per-state cache of the greedy action put the
//   compare latency on the chain: 2–5× slower on the 4×4 maze, at most 15 % faster on a 64×64 one;
// - the target's row maximum is off the chain and its compares are unpredictable, so there the
//   unrolled form that binaryen turns into selects wins (branches, or f64.max with V8's NaN
//   handling, were ~1.4× slower);
// - the generator's words live in locals (as module globals every draw went through memory).

@inline function argmaxRow(row: usize, nActions: i32): i32 {
  let best = load<f64>(row);
  let a = 0;
  for (let i = 1; i < nActions; i++) {
    const v = load<f64>(row + (<usize>i << 3));
    if (v > best) { best = v; a = i; }
  }
  return a;
}

@inline function maxRow(row: usize, nActions: i32): f64 {
  let best = load<f64>(row);
  if (nActions == 4) {
    const v1 = load<f64>(row, 8);
    if (v1 > best) best = v1;
    const v2 = load<f64>(row, 16);
    if (v2 > best) best = v2;
    const v3 = load<f64>(row, 24);
    if (v3 > best) best = v3;
    return best;
  }
  for (let i = 1; i < nActions; i++) {
    const v = load<f64>(row + (<usize>i << 3));
    if (v > best) best = v;
  }
  return best;
}

@inline function explores(x: u32, epsilon: f64): bool {
  return <f64>(x >>> 8) * 5.9604644775390625e-8 < epsilon; // 2^-24
}

@inline function randomAction(x: u32, nActions: i32): i32 {
  return <i32>(((x & 255) * <u32>nActions) >>> 8);
}

// Each loop below is inlined twice by tabularTdEpisodes: with nActions the constant 4 (maxRow folds
// to its unrolled branch, argmaxRow to a loop of 3) and with any nActions. The draw sites repeat
// xoshiro128**'s six lines so that its words stay in locals (an inlined function cannot update its
// caller's locals). A transition is one 16-byte record, {next: i32, done: i32, reward: f64}: one
// base pointer instead of three, and a state's four transitions share one cache line.

@inline function qlearningEpisodes(tr: usize, q: usize, nActions: i32, start: i32, episodes: i32, maxSteps: i32,
  alpha: f64, gamma: f64, epsilon: f64, epsilonDecay: f64, minEpsilon: f64,
  rng: usize, returns: usize, steps: usize, ended: usize): i32 {
  let w0 = load<u32>(rng), w1 = load<u32>(rng, 4), w2 = load<u32>(rng, 8), w3 = load<u32>(rng, 12);
  const A = <usize>nActions;
  let eps = epsilon;
  let endedCount = 0;
  for (let e = 0; e < episodes; e++) {
    let s = <usize>start;
    let total: f64 = 0;
    let left = maxSteps;
    let terminal = 0;
    // Choose at s with the current Q; target r + γ·max Q[s'] (r alone at a terminal step).
    do {
      const x = rotl<u32>(w1 * 5, 7) * 9;
      const w1s = w1 << 9;
      w2 ^= w0; w3 ^= w1; w1 ^= w2; w0 ^= w3; w2 ^= w1s; w3 = rotl<u32>(w3, 11);
      let a: usize;
      if (explores(x, eps)) a = <usize>randomAction(x, nActions);
      else a = <usize>argmaxRow(q + ((s * A) << 3), nActions);
      const k = s * A + a;
      const t = tr + (k << 4);
      const sNext = <usize>load<i32>(t);
      terminal = load<i32>(t, 4);
      const r = load<f64>(t, 8);
      let target = r;
      if (!terminal) target = r + gamma * maxRow(q + ((sNext * A) << 3), nActions);
      const qk = q + (k << 3);
      const old = load<f64>(qk);
      store<f64>(qk, old + alpha * (target - old));
      total += r;
      s = sNext;
    } while (--left && !terminal);
    store<f64>(returns + (<usize>e << 3), total);
    store<i32>(steps + (<usize>e << 2), maxSteps - left);
    store<i32>(ended + (<usize>e << 2), terminal);
    endedCount += terminal;
    eps = max(minEpsilon, eps * epsilonDecay);
  }
  store<u32>(rng, w0);
  store<u32>(rng, w1, 4);
  store<u32>(rng, w2, 8);
  store<u32>(rng, w3, 12);
  return endedCount;
}

@inline function sarsaEpisodes(tr: usize, q: usize, nActions: i32, start: i32, episodes: i32, maxSteps: i32,
  alpha: f64, gamma: f64, epsilon: f64, epsilonDecay: f64, minEpsilon: f64,
  rng: usize, returns: usize, steps: usize, ended: usize): i32 {
  let w0 = load<u32>(rng), w1 = load<u32>(rng, 4), w2 = load<u32>(rng, 8), w3 = load<u32>(rng, 12);
  const A = <usize>nActions;
  let eps = epsilon;
  let endedCount = 0;
  for (let e = 0; e < episodes; e++) {
    let s = <usize>start;
    let total: f64 = 0;
    let left = maxSteps;
    let terminal = 0;
    // a' is chosen at s' before Q[s, a] moves; target r + γ·Q[s', a'].
    let x = rotl<u32>(w1 * 5, 7) * 9;
    let w1s = w1 << 9;
    w2 ^= w0; w3 ^= w1; w1 ^= w2; w0 ^= w3; w2 ^= w1s; w3 = rotl<u32>(w3, 11);
    let a: usize;
    if (explores(x, eps)) a = <usize>randomAction(x, nActions);
    else a = <usize>argmaxRow(q + ((s * A) << 3), nActions);
    do {
      const k = s * A + a;
      const t = tr + (k << 4);
      const sNext = <usize>load<i32>(t);
      terminal = load<i32>(t, 4);
      const r = load<f64>(t, 8);
      let target = r;
      if (!terminal) {
        x = rotl<u32>(w1 * 5, 7) * 9;
        w1s = w1 << 9;
        w2 ^= w0; w3 ^= w1; w1 ^= w2; w0 ^= w3; w2 ^= w1s; w3 = rotl<u32>(w3, 11);
        if (explores(x, eps)) a = <usize>randomAction(x, nActions);
        else a = <usize>argmaxRow(q + ((sNext * A) << 3), nActions);
        target = r + gamma * load<f64>(q + ((sNext * A + a) << 3));
      }
      const qk = q + (k << 3);
      const old = load<f64>(qk);
      store<f64>(qk, old + alpha * (target - old));
      total += r;
      s = sNext;
    } while (--left && !terminal);
    store<f64>(returns + (<usize>e << 3), total);
    store<i32>(steps + (<usize>e << 2), maxSteps - left);
    store<i32>(ended + (<usize>e << 2), terminal);
    endedCount += terminal;
    eps = max(minEpsilon, eps * epsilonDecay);
  }
  store<u32>(rng, w0);
  store<u32>(rng, w1, 4);
  store<u32>(rng, w2, 8);
  store<u32>(rng, w3, 12);
  return endedCount;
}

// transitions: [nStates·nActions] records of 16 bytes {next: i32 (the state a step leads to),
// done: i32 (1: the step ends the episode), reward: f64 (never −0)}; q: f64 [nStates·nActions]
// row-major by state, read and updated in place; rng: u32 [4] xoshiro state, in/out; returns: f64
// [episodes] (the sum of rewards of each episode); steps, ended: i32 [episodes] (steps taken; 1 if the
// episode ended in a terminal step, 0 if maxSteps cut it). algo 0: Q-learning, 1: SARSA. ε starts
// at epsilon and becomes max(minEpsilon, ε·epsilonDecay) after each episode. 1 ≤ nActions ≤ 256,
// maxSteps ≥ 1, episodes ≥ 0. Returns the number of episodes that ended in a terminal step.
export function tabularTdEpisodes(algo: i32, transitions: usize, q: usize, nStates: i32, nActions: i32, start: i32,
  episodes: i32, maxSteps: i32, alpha: f64, gamma: f64, epsilon: f64, epsilonDecay: f64, minEpsilon: f64,
  rng: usize, returns: usize, steps: usize, ended: usize): i32 {
  if (algo == 0) {
    if (nActions == 4) {
      return qlearningEpisodes(transitions, q, 4, start, episodes, maxSteps, alpha, gamma, epsilon, epsilonDecay, minEpsilon,
        rng, returns, steps, ended);
    }
    return qlearningEpisodes(transitions, q, nActions, start, episodes, maxSteps, alpha, gamma, epsilon, epsilonDecay, minEpsilon,
      rng, returns, steps, ended);
  }
  if (nActions == 4) {
    return sarsaEpisodes(transitions, q, 4, start, episodes, maxSteps, alpha, gamma, epsilon, epsilonDecay, minEpsilon,
      rng, returns, steps, ended);
  }
  return sarsaEpisodes(transitions, q, nActions, start, episodes, maxSteps, alpha, gamma, epsilon, epsilonDecay, minEpsilon,
    rng, returns, steps, ended);
}
