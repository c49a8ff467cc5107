// Unigram training, SentencePiece's way (unigram_model_trainer.cc): words ("▁" + each
// whitespace-separated word, with counts) seed a large vocabulary of their frequent substrings;
// EM (forward-backward expected counts, then Bayesian scores digamma(count) − digamma(total))
// alternates with pruning, which drops the pieces whose removal costs the corpus likelihood least
// (each piece's loss: its Viterbi frequency times the log-probability lost by segmenting it into its
// best alternative), shrinking by 0.75 a round until 1.1 × the target size; the final vocabulary is
// the best-scored pieces, every character kept.

import { checkInt, fail } from "../errors.js";
import { codePointUnits } from "./split.js";

export interface UnigramTrainOptions {
  vocabSize: number;
  /** Tokens put first (default ["<unk>"]; the first is the unknown token). */
  specialTokens?: string[];
  maxPieceLength?: number;
  shrinkingFactor?: number;
  subIterations?: number;
  /** Seed pieces kept before EM (SentencePiece: seed_sentencepiece_size, 1,000,000). */
  seedSize?: number;
}

const SPACE = "\u2581";
const LETTER = /[\p{L}\p{M}]/u, DIGIT = /\p{N}/u;

function digamma(x: number): number {
  let r = 0;
  for (; x < 7; x++) r -= 1 / x;
  x -= 0.5;
  const xx = 1 / x, xx2 = xx * xx, xx4 = xx2 * xx2;
  return r + Math.log(x) + (1 / 24) * xx2 - (7 / 960) * xx4 + (31 / 8064) * xx4 * xx2 - (127 / 30720) * xx4 * xx4;
}

const logAdd = (a: number, b: number) => (a === -Infinity ? b : b === -Infinity ? a : a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b)));

interface Node { id: number; next: Map<number, Node> | null }

class Lattice {
  readonly root: Node = { id: -1, next: null };
  constructor(readonly pieces: string[]) {
    pieces.forEach((p, id) => {
      let n = this.root;
      for (const ch of p) {
        n.next ??= new Map();
        const c = ch.codePointAt(0)!;
        let m = n.next.get(c);
        if (!m) { m = { id: -1, next: null }; n.next.set(c, m); }
        n = m;
      }
      n.id = id;
    });
  }

  /** Calls edge(i, j, id) for every piece of w starting at unit i and ending at j, skipping `skip`. */
  edges(w: string, edge: (i: number, j: number, id: number) => void, skip = -1): void {
    for (let i = 0; i < w.length; i += codePointUnits(w, i)) {
      let n = this.root;
      for (let j = i; j < w.length && n.next !== null;) {
        const c = w.codePointAt(j)!;
        const m = n.next.get(c);
        if (!m) break;
        n = m;
        j += c > 0xffff ? 2 : 1;
        if (n.id >= 0 && n.id !== skip) edge(i, j, n.id);
      }
    }
  }

  /** Best segmentation of w (piece ids) under scores, or null when none covers it. */
  viterbi(w: string, scores: Float64Array, skip = -1): number[] | null {
    const best = new Float64Array(w.length + 1).fill(-Infinity), from = new Int32Array(w.length + 1), tok = new Int32Array(w.length + 1).fill(-1);
    best[0] = 0;
    this.edges(w, (i, j, id) => {
      const s = best[i] + scores[id];
      if (s > best[j]) { best[j] = s; from[j] = i; tok[j] = id; }
    }, skip);
    if (best[w.length] === -Infinity) return null;
    const out: number[] = [];
    for (let j = w.length; j > 0; j = from[j]) out.push(tok[j]);
    return out.reverse();
  }
}

/** Trains Unigram pieces and scores on texts; returns [piece, score] in id order (specials first, score 0). */
export function trainUnigramPieces(texts: readonly string[], opts: UnigramTrainOptions): [string, number][] {
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== "string")) fail("E_TYPE", "texts", "an array of strings", texts);
  const specials = opts.specialTokens ?? ["<unk>"];
  const vocabSize = checkInt("options.vocabSize", opts.vocabSize, specials.length + 1);
  const maxLen = checkInt("options.maxPieceLength", opts.maxPieceLength ?? 16, 1);
  const shrink = opts.shrinkingFactor ?? 0.75;
  if (!(shrink > 0 && shrink < 1)) fail("E_RANGE", "options.shrinkingFactor", "a number in (0, 1)", shrink);
  const subIters = checkInt("options.subIterations", opts.subIterations ?? 2, 1);
  const seedSize = checkInt("options.seedSize", opts.seedSize ?? 1_000_000, 1);

  const counts = new Map<string, number>();
  for (const t of texts) for (const w of t.split(/\s+/u)) if (w) counts.set(SPACE + w, (counts.get(SPACE + w) ?? 0) + 1);
  const words = [...counts.keys()], wc = words.map((w) => counts.get(w)!);

  // Seeds: every character, and substrings of 2..maxLen characters seen at least twice, by count × length.
  // As SentencePiece's split_by_unicode_script and split_by_number: a piece keeps to one class of
  // character (letters and marks, digits, or the rest), after an optional leading "▁".
  const chars = new Map<string, number>(), subs = new Map<string, number>();
  words.forEach((w, k) => {
    const cs = [...w];
    const cls = cs.map((c) => (c === SPACE ? 0 : LETTER.test(c) ? 1 : DIGIT.test(c) ? 2 : 3));
    for (let i = 0; i < cs.length; i++) {
      chars.set(cs[i], (chars.get(cs[i]) ?? 0) + wc[k]);
      let s = cs[i];
      for (let j = i + 1; j < Math.min(cs.length, i + maxLen); j++) {
        if (cls[j] === 0 || (cls[i] !== 0 && cls[j] !== cls[i]) || (cls[i] === 0 && j > i + 1 && cls[j] !== cls[i + 1])) break;
        s += cs[j];
        subs.set(s, (subs.get(s) ?? 0) + wc[k]);
      }
    }
  });
  const room = vocabSize - specials.length;
  if (chars.size > room) fail("E_RANGE", "options.vocabSize", `at least ${chars.size + specials.length} (the texts have ${chars.size} characters)`, vocabSize);
  const seeds = [...subs].filter(([, f]) => f >= 2).sort((a, b) => b[1] * [...b[0]].length - a[1] * [...a[0]].length || (a[0] < b[0] ? -1 : 1))
    .slice(0, Math.max(0, seedSize - chars.size));
  let pieces = [...chars.keys(), ...seeds.map(([s]) => s)];
  const isChar = (p: string) => [...p].length === 1;
  const freq0 = [...chars.values(), ...seeds.map(([, f]) => f)];
  const total0 = freq0.reduce((a, b) => a + b, 0);
  let scores = Float64Array.from(freq0, (f) => Math.log(f) - Math.log(total0));
  const desired = Math.floor((vocabSize - specials.length) * 1.1);

  for (;;) {
    for (let it = 0; it < subIters; it++) {
      // E-step: expected counts by forward-backward over each word's lattice.
      const lat = new Lattice(pieces);
      const expected = new Float64Array(pieces.length);
      words.forEach((w, k) => {
        const n = w.length, alpha = new Float64Array(n + 1).fill(-Infinity), beta = new Float64Array(n + 1).fill(-Infinity);
        const es: number[] = [];
        lat.edges(w, (i, j, id) => es.push(i, j, id));
        alpha[0] = 0;
        for (let e = 0; e < es.length; e += 3) alpha[es[e + 1]] = logAdd(alpha[es[e + 1]], alpha[es[e]] + scores[es[e + 2]]);
        beta[n] = 0;
        for (let e = es.length - 3; e >= 0; e -= 3) beta[es[e]] = logAdd(beta[es[e]], beta[es[e + 1]] + scores[es[e + 2]]);
        const z = alpha[n];
        for (let e = 0; e < es.length; e += 3) expected[es[e + 2]] += wc[k] * Math.exp(alpha[es[e]] + scores[es[e + 2]] + beta[es[e + 1]] - z);
      });
      // M-step: drop pieces expected under half a time (never a character), Bayesian scores.
      const keep = pieces.map((p, i) => isChar(p) || expected[i] >= 0.5);
      pieces = pieces.filter((_, i) => keep[i]);
      const ex = [...expected].filter((_, i) => keep[i]);
      const sum = ex.reduce((a, b) => a + b, 0);
      scores = Float64Array.from(ex, (c) => digamma(Math.max(c, 1e-9)) - digamma(sum));
    }
    if (pieces.length <= desired) break;
    // Prune: each piece's Viterbi frequency, and the loss of replacing it by its best alternative.
    const lat = new Lattice(pieces);
    const vfreq = new Float64Array(pieces.length), inWords = new Float64Array(pieces.length);
    words.forEach((w, k) => {
      const seg = lat.viterbi(w, scores)!;
      for (const id of seg) vfreq[id] += wc[k];
      for (const id of new Set(seg)) inWords[id] += wc[k];
    });
    const vsum = vfreq.reduce((a, b) => a + b, 0), logsum = Math.log(vsum);
    const candidates: [number, number][] = [];
    const always: number[] = [];
    pieces.forEach((p, i) => {
      const alt = isChar(p) ? null : lat.viterbi(p, scores, i);
      if (alt === null) { always.push(i); return; }
      if (vfreq[i] === 0) { candidates.push([i, 0]); return; }
      const logprobSp = Math.log(vfreq[i]) - logsum;
      const logsumAlt = Math.log(vsum + vfreq[i] * (alt.length - 1));
      let logprobAlt = 0;
      for (const a of alt) logprobAlt += Math.log(vfreq[a] + vfreq[i]) - logsumAlt;
      candidates.push([i, (inWords[i] / vsum) * (logprobSp - logprobAlt)]);
    });
    const target = Math.max(desired, Math.floor(pieces.length * shrink));
    candidates.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const kept = new Set(always);
    for (const [i] of candidates) { if (kept.size >= target) break; kept.add(i); }
    if (kept.size === pieces.length) break; // nothing left to prune: only characters and pieces without alternatives
    const order = [...kept].sort((a, b) => a - b);
    pieces = order.map((i) => pieces[i]);
    scores = Float64Array.from(order, (i) => scores[i]);
  }
  // Final: every character, then the best-scored other pieces, by score.
  const idx = pieces.map((_, i) => i);
  const charIdx = idx.filter((i) => isChar(pieces[i]));
  const rest = idx.filter((i) => !isChar(pieces[i])).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, room - charIdx.length);
  const chosen = [...charIdx, ...rest].sort((a, b) => scores[b] - scores[a] || a - b);
  return [...specials.map((s): [string, number] => [s, 0]), ...chosen.map((i): [string, number] => [pieces[i], scores[i]])];
}
