// The random stream of the rl trainers, in JS: the same xoshiro128** as assembly/qlearn.ts and the
// same ε-greedy choice from one 32-bit draw, so an environment written in JS is trained on exactly
// the stream the kernel would use. The four state words come from a seeded tessera Generator (or the
// global one, so manualSeed reproduces a run).
import { Generator, defaultGenerator } from "../tensor/random.js";

/** Four xoshiro128** state words from `seed` (a fresh Generator) or from the global generator. */
export function seedWords(seed: number | undefined): Uint32Array {
  const g = seed === undefined ? defaultGenerator : new Generator(seed);
  const w = new Uint32Array(4);
  do for (let i = 0; i < 4; i++) w[i] = g.nextU32();
  while ((w[0] | w[1] | w[2] | w[3]) === 0); // the all-zero state is xoshiro's one fixed point
  return w;
}

export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(words: Uint32Array) {
    this.s0 = words[0] | 0;
    this.s1 = words[1] | 0;
    this.s2 = words[2] | 0;
    this.s3 = words[3] | 0;
  }

  /** The next draw, as an unsigned 32-bit integer. */
  nextU32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 = s1 ^ this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  words(): Uint32Array {
    return Uint32Array.of(this.s0, this.s1, this.s2, this.s3);
  }
}

/** The first index of the maximum of q[offset .. offset + nActions) (numpy.argmax). */
export function argmaxRow(q: Float64Array, offset: number, nActions: number): number {
  let best = q[offset], a = 0;
  for (let i = 1; i < nActions; i++) {
    if (q[offset + i] > best) {
      best = q[offset + i];
      a = i;
    }
  }
  return a;
}

export function maxRow(q: Float64Array, offset: number, nActions: number): number {
  let best = q[offset];
  for (let i = 1; i < nActions; i++) best = Math.max(best, q[offset + i]);
  return best;
}

/**
 * ε-greedy from one draw x: explore when (x >>> 8)·2^-24 < ε, taking ((x & 255)·nActions) >>> 8;
 * else the greedy action of the row at `offset`.
 */
export function chooseAction(x: number, q: Float64Array, offset: number, nActions: number, epsilon: number): number {
  if ((x >>> 8) * 5.9604644775390625e-8 < epsilon) return ((x & 255) * nActions) >>> 8;
  return argmaxRow(q, offset, nActions);
}
