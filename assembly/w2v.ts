// word2vec training with negative sampling — CBOW and skip-gram (Mikolov et al. 2013), as
// word2vec.c and gensim's word2vec_inner.pyx do it: frequent-word subsampling, reduced windows,
// negatives drawn from gensim's cumulative unigram^0.75 table with word2vec.c's 48-bit LCG, the
// 1000-entry sigmoid table (|f| ≥ 6 skips the update, as gensim). Optional FastText input rows
// (Bojanowski et al. 2017; gensim fasttext_inner.pyx): a word's input vector is the mean of its own
// row and its character n-gram rows, and every one of those rows receives the gradient.
//
// Threads train Hogwild (Recht et al. 2011): workers claim tiles (batches of sentences) and update
// the shared matrices without locks, like word2vec.c's threads and gensim's workers. Each tile seeds
// its own generator from (seed, epoch, tile) and has its learning rate fixed by the caller, so one
// thread gives the same vectors on every run and more threads differ only by the races.

import { W2vJob } from "./abi";
import { claim } from "./parallel";
import { hsum, madd as fma } from "./vmath";

const MAX_EXP: f32 = 6.0;
const EXP_TABLE_SIZE: i32 = 1000;
const EXP_SCALE: f32 = <f32>EXP_TABLE_SIZE / MAX_EXP / 2.0; // gensim: EXP_TABLE_SIZE / MAX_EXP / 2
// Longest sentence a tile trains in one piece; the caller splits longer ones (word2vec.c: 1000,
// gensim: 10 000 words per job).
export const W2V_MAX_SENTENCE: i32 = 10000;

// Σ a[i]·b[i] over n floats; two accumulators hide the add latency at d = 100 (25 vectors).
@inline export function dot(a: usize, b: usize, n: i32): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  const n8 = n & ~7, n4 = n & ~3;
  let i = 0;
  for (; i < n8; i += 8) {
    const p = <usize>i << 2;
    s0 = fma(v128.load(a + p), v128.load(b + p), s0);
    s1 = fma(v128.load(a + p, 16), v128.load(b + p, 16), s1);
  }
  if (i < n4) {
    const p = <usize>i << 2;
    s0 = fma(v128.load(a + p), v128.load(b + p), s0);
    i += 4;
  }
  let s = hsum(f32x4.add(s0, s1));
  for (; i < n; i++) s += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2));
  return s;
}

// y[0..n) += a·x[0..n)
@inline function axpy(y: usize, a: f32, x: usize, n: i32): void {
  const av = f32x4.splat(a);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const p = <usize>i << 2;
    v128.store(y + p, fma(av, v128.load(x + p), v128.load(y + p)));
  }
  for (; i < n; i++) {
    const p = <usize>i << 2;
    store<f32>(y + p, load<f32>(y + p) + a * load<f32>(x + p));
  }
}

@inline function scale(y: usize, a: f32, n: i32): void {
  const av = f32x4.splat(a);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) v128.store(y + (<usize>i << 2), f32x4.mul(av, v128.load(y + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), a * load<f32>(y + (<usize>i << 2)));
}

@inline function zero(y: usize, n: i32): void {
  memory.fill(y, 0, <usize>n << 2);
}

// One prediction's update, fused into one pass over the output row: work += g·out; out += g·h.
@inline function updateOutput(work: usize, out: usize, h: usize, g: f32, n: i32): void {
  const gv = f32x4.splat(g);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const p = <usize>i << 2;
    const o = v128.load(out + p);
    v128.store(work + p, fma(gv, o, v128.load(work + p)));
    v128.store(out + p, fma(gv, v128.load(h + p), o));
  }
  for (; i < n; i++) {
    const p = <usize>i << 2;
    const o = load<f32>(out + p);
    store<f32>(work + p, load<f32>(work + p) + g * o);
    store<f32>(out + p, o + g * load<f32>(h + p));
  }
}

// word2vec.c's generator: next = next·25214903917 + 11 mod 2^48; a draw is next >> 16.
@inline function lcg(r: u64): u64 {
  return (r * 25214903917 + 11) & 0xffffffffffff;
}

// splitmix64 finaliser: independent streams per (seed, epoch, tile).
function mix64(x: u64): u64 {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

// bisect_left(cumTable, r): the first word whose cumulative weight is >= r, searched between the
// guide entries of r's slice of the domain (a few entries; the table itself is gensim's).
@inline function drawNegative(cum: usize, guide: usize, shift: u32, r: u32): i32 {
  const g = <usize>(r >> shift);
  let lo = load<i32>(guide + (g << 2));
  let hi = load<i32>(guide + ((g + 1) << 2));
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (load<u32>(cum + (<usize>mid << 2)) < r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// The tile loop's shared state: what a prediction needs besides its rows. Module-level globals
// are per instance, so per thread.
let gSyn1: usize = 0;
let gCum: usize = 0;
let gGuide: usize = 0;
let gShift: u32 = 0;
let gCumLast: u64 = 1;
let gExp: usize = 0;
let gNegative: i32 = 0;
let gDim: i32 = 0;
let gRandom: u64 = 0;
let gLoss: f64 = 0;
let gPreds: f64 = 0;

// Predicts `target` (label 1) and `negative` drawn words (label 0) from the hidden vector h;
// accumulates the input gradient in work (zeroed here).
@inline function predict(h: usize, work: usize, target: i32, alpha: f32): void {
  const n = gDim;
  zero(work, n);
  const rowBytes = <usize>n << 2;
  for (let d = 0; d <= gNegative; d++) {
    let t = target;
    let label: f32 = 1.0;
    if (d > 0) {
      t = drawNegative(gCum, gGuide, gShift, <u32>((gRandom >> 16) % gCumLast));
      gRandom = lcg(gRandom);
      if (t == target) continue;
      label = 0.0;
    }
    const out = gSyn1 + <usize>t * rowBytes;
    const f = dot(h, out, n);
    if (f <= -MAX_EXP || f >= MAX_EXP) continue;
    const idx = <usize>(<i32>((f + MAX_EXP) * EXP_SCALE));
    const g = (label - load<f32>(gExp + (idx << 2))) * alpha;
    // gensim's loss: -log σ(f) for the target, -log σ(-f) for a negative.
    const fl = d == 0 ? f : -f;
    if (fl > -MAX_EXP && fl < MAX_EXP) {
      gLoss -= <f64>load<f32>(gExp + ((<usize>EXP_TABLE_SIZE + <usize>(<i32>((fl + MAX_EXP) * EXP_SCALE))) << 2));
      gPreds += 1;
    }
    updateOutput(work, out, h, g, n);
  }
}

// Trains corpus tile `tile`; scratch holds neu1 [dim], work [dim] and the subsampled sentence.
function trainTile(job: usize, tile: i32, scratch: usize): void {
  const ids = <usize>load<u32>(job + W2vJob.ids);
  const sentStart = <usize>load<u32>(job + W2vJob.sentStart);
  const tileStart = <usize>load<u32>(job + W2vJob.tileStart);
  const syn0 = <usize>load<u32>(job + W2vJob.syn0);
  const sampleInt = <usize>load<u32>(job + W2vJob.sampleInt);
  const subStart = <usize>load<u32>(job + W2vJob.subStart);
  const subRows = <usize>load<u32>(job + W2vJob.subRows);
  const dim = load<i32>(job + W2vJob.dim);
  const window = load<i32>(job + W2vJob.window);
  const sg = load<i32>(job + W2vJob.sg) != 0;
  const cbowMean = load<i32>(job + W2vJob.cbowMean) != 0;
  const shrink = load<i32>(job + W2vJob.shrink) != 0;
  const alpha = load<f32>(<usize>load<u32>(job + W2vJob.tileAlpha) + (<usize>tile << 2));
  const rowBytes = <usize>dim << 2;
  const dimPad = (dim + 3) & ~3;
  const neu1 = scratch;
  const work = scratch + (<usize>dimPad << 2);
  const eff = work + (<usize>dimPad << 2);

  gSyn1 = <usize>load<u32>(job + W2vJob.syn1);
  gCum = <usize>load<u32>(job + W2vJob.cumTable);
  gGuide = <usize>load<u32>(job + W2vJob.guide);
  gShift = load<u32>(job + W2vJob.guideShift);
  gCumLast = <u64>load<u32>(gCum + ((<usize>load<i32>(job + W2vJob.vocab) - 1) << 2));
  gExp = <usize>load<u32>(job + W2vJob.expTable);
  gNegative = load<i32>(job + W2vJob.negative);
  gDim = dim;
  const seed = (<u64>load<u32>(job + W2vJob.seedHi) << 32) | <u64>load<u32>(job + W2vJob.seedLo);
  gRandom = mix64(seed ^ mix64((<u64>load<u32>(job + W2vJob.epoch) << 32) | <u64>(<u32>tile))) & 0xffffffffffff;
  gLoss = 0;
  gPreds = 0;
  let words = 0;

  const s0 = load<i32>(tileStart + (<usize>tile << 2));
  const s1 = load<i32>(tileStart + (<usize>(tile + 1) << 2));
  for (let s = s0; s < s1; s++) {
    const a = load<i32>(sentStart + (<usize>s << 2));
    const b = load<i32>(sentStart + (<usize>(s + 1) << 2));
    // Subsampling: keep word w when a 32-bit draw is <= sampleInt[w] (gensim's test).
    let n = 0;
    for (let p = a; p < b; p++) {
      const w = load<i32>(ids + (<usize>p << 2));
      if (sampleInt != 0) {
        const r = <u32>(gRandom >> 16);
        gRandom = lcg(gRandom);
        if (load<u32>(sampleInt + (<usize>w << 2)) < r) continue;
      }
      store<i32>(eff + (<usize>n << 2), w);
      n++;
    }
    words += n;
    for (let i = 0; i < n; i++) {
      let reduce = 0;
      if (shrink) {
        reduce = <i32>(<u32>(gRandom >> 16) % <u32>window);
        gRandom = lcg(gRandom);
      }
      const j0 = max(0, i - window + reduce);
      const j1 = min(n, i + window + 1 - reduce);
      const word = load<i32>(eff + (<usize>i << 2));
      if (sg) {
        // Skip-gram as gensim and word2vec.c: each context word's input predicts the centre word.
        for (let j = j0; j < j1; j++) {
          if (j == i) continue;
          const ctx = load<i32>(eff + (<usize>j << 2));
          if (subStart == 0) {
            const h = syn0 + <usize>ctx * rowBytes;
            predict(h, work, word, alpha);
            axpy(h, 1.0, work, dim);
          } else {
            const r0 = load<i32>(subStart + (<usize>ctx << 2));
            const r1 = load<i32>(subStart + (<usize>(ctx + 1) << 2));
            zero(neu1, dim);
            for (let r = r0; r < r1; r++) axpy(neu1, 1.0, syn0 + <usize>load<i32>(subRows + (<usize>r << 2)) * rowBytes, dim);
            scale(neu1, 1.0 / <f32>(r1 - r0), dim);
            predict(neu1, work, word, alpha);
            for (let r = r0; r < r1; r++) axpy(syn0 + <usize>load<i32>(subRows + (<usize>r << 2)) * rowBytes, 1.0, work, dim);
          }
        }
      } else {
        // CBOW: the (mean of the) context inputs predicts the centre word; every context input
        // receives the whole gradient (cbow_mean = 1) or its share (cbow_mean = 0).
        zero(neu1, dim);
        let count = 0;
        for (let j = j0; j < j1; j++) {
          if (j == i) continue;
          const ctx = load<i32>(eff + (<usize>j << 2));
          if (subStart == 0) {
            axpy(neu1, 1.0, syn0 + <usize>ctx * rowBytes, dim);
            count++;
          } else {
            const r0 = load<i32>(subStart + (<usize>ctx << 2));
            const r1 = load<i32>(subStart + (<usize>(ctx + 1) << 2));
            for (let r = r0; r < r1; r++) axpy(neu1, 1.0, syn0 + <usize>load<i32>(subRows + (<usize>r << 2)) * rowBytes, dim);
            count += r1 - r0;
          }
        }
        if (count == 0) continue;
        const inv: f32 = 1.0 / <f32>count;
        if (cbowMean) scale(neu1, inv, dim);
        predict(neu1, work, word, alpha);
        if (!cbowMean) scale(work, inv, dim);
        for (let j = j0; j < j1; j++) {
          if (j == i) continue;
          const ctx = load<i32>(eff + (<usize>j << 2));
          if (subStart == 0) {
            axpy(syn0 + <usize>ctx * rowBytes, 1.0, work, dim);
          } else {
            const r0 = load<i32>(subStart + (<usize>ctx << 2));
            const r1 = load<i32>(subStart + (<usize>(ctx + 1) << 2));
            for (let r = r0; r < r1; r++) axpy(syn0 + <usize>load<i32>(subRows + (<usize>r << 2)) * rowBytes, 1.0, work, dim);
          }
        }
      }
    }
  }
  store<f64>(<usize>load<u32>(job + W2vJob.tileLoss) + (<usize>tile << 3), gLoss);
  store<f64>(<usize>load<u32>(job + W2vJob.tilePreds) + (<usize>tile << 3), gPreds);
  store<i32>(<usize>load<u32>(job + W2vJob.tileWords) + (<usize>tile << 2), words);
}

// Bytes of scratch one participant needs: neu1 and work (dim floats each, 16-byte aligned) and a
// sentence of W2V_MAX_SENTENCE ids.
export function word2vecScratchBytes(dim: i32): i32 {
  return 2 * (((dim + 3) & ~3) << 2) + (W2V_MAX_SENTENCE << 2) + 64;
}

// Runs tiles of a prepared word2vec job as participant `worker` (jobs.ts).
export function word2vecTiles(job: usize, worker: i32): void {
  const scratch = (<usize>load<u32>(job + W2vJob.scratch) + <usize>worker * <usize>load<i32>(job + W2vJob.scratchBytes) + 15) & ~<usize>15;
  const first = load<i32>(job + W2vJob.tileFirst);
  for (let t = claim(job); t >= 0; t = claim(job)) trainTile(job, first + t, scratch);
}

// Fills gensim's tables at `table`: EXP_TABLE (σ at 1000 points of [−6, 6)) then LOG_TABLE.
export function word2vecExpTable(table: usize): void {
  for (let i = 0; i < EXP_TABLE_SIZE; i++) {
    const e = Math.exp((<f64>i / <f64>EXP_TABLE_SIZE * 2.0 - 1.0) * <f64>MAX_EXP);
    const s = <f32>(e / (e + 1.0));
    store<f32>(table + (<usize>i << 2), s);
    store<f32>(table + ((<usize>(EXP_TABLE_SIZE + i)) << 2), <f32>Math.log(<f64>s));
  }
}
