// The notes' Q-learning maze (seeds/002, section 1.1.3) translated line for line into plain JS —
// nested arrays for the grid and the Q table, moves as (dx, dy) pairs, is_valid_state and
// get_reward as functions — with one change: the random numbers come from the xoshiro128** stream
// tessera's kernel uses (one 32-bit draw x per choice: explore when (x >>> 8)·2^-24 < ε, then act
// ((x & 255)·4) >>> 8), so the same seed words give the same episodes. Actions in tessera's order:
// up, down, left, right. The tests check tessera's Q-table against this one bit for bit; the
// benchmark times it as the plain-JS peer.

/** xoshiro128** from four 32-bit state words (Blackman & Vigna 2018). */
export function xoshiro128(words) {
  let s0 = words[0] | 0, s1 = words[1] | 0, s2 = words[2] | 0, s3 = words[3] | 0;
  return () => {
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  };
}

/**
 * Trains like the notes: Q starts at zeros; each episode starts at `start` and ends on reaching the
 * goal (reward 100) or after maxSteps steps. Returns Q as [row][col][action] and the steps per episode.
 */
export function plainQLearning(env, { alpha = 0.1, gamma = 0.9, epsilon = 0.2, episodes = 1000, maxSteps = Infinity, start = [0, 0], words }) {
  const rows = env.length, cols = env[0].length;
  const next = xoshiro128(words);
  const Q = Array.from({ length: rows }, () => Array.from({ length: cols }, () => [0, 0, 0, 0]));
  const actions = [[-1, 0], [1, 0], [0, -1], [0, 1]]; // up, down, left, right
  const isValidState = ([x, y]) => x >= 0 && x < rows && y >= 0 && y < cols && env[x][y] !== 1;
  const getReward = ([x, y]) => (env[x][y] === 9 ? 100 : -1);
  const argmax = (q) => {
    let best = 0;
    for (let i = 1; i < q.length; i++) if (q[i] > q[best]) best = i;
    return best;
  };
  const steps = [];
  for (let episode = 0; episode < episodes; episode++) {
    let state = start;
    let done = false, t = 0;
    while (!done && t < maxSteps) {
      const [x, y] = state;
      const r = next();
      const action = (r >>> 8) * 2 ** -24 < epsilon ? ((r & 255) * 4) >>> 8 : argmax(Q[x][y]);
      const [dx, dy] = actions[action];
      let newState = [x + dx, y + dy];
      if (!isValidState(newState)) newState = state;
      const reward = getReward(newState);
      Q[x][y][action] = Q[x][y][action] + alpha * (reward + gamma * Math.max(...Q[newState[0]][newState[1]]) - Q[x][y][action]);
      state = newState;
      t++;
      if (reward === 100) done = true;
    }
    steps.push(t);
  }
  return { Q, steps };
}
