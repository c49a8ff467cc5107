// GloVe training (Pennington, Socher & Manning 2014): AdaGrad on the weighted least-squares loss
// Σ f(X_ij)·(w_i·w̃_j + b_i + b̃_j − log X_ij)² over the non-zero co-occurrence records, one record at
// a time in the caller's (shuffled) order, as the reference glove.c does: gradient sums start at 1,
// a record whose residual is not finite is skipped. f(x) = min(1, (x / xMax)^alpha) and log x come
// precomputed per record. Threads take chunks of records and update the shared matrices without
// locks (Hogwild), like glove.c's threads.

import { GloveJob } from "./abi";
import { claim } from "./parallel";
import { dot } from "./w2v";
import { madd as fma } from "./vmath";

function gloveTile(job: usize, tile: i32): void {
  const rows = <usize>load<u32>(job + GloveJob.rows);
  const cols = <usize>load<u32>(job + GloveJob.cols);
  const logX = <usize>load<u32>(job + GloveJob.logX);
  const weight = <usize>load<u32>(job + GloveJob.weight);
  const records = load<i32>(job + GloveJob.records);
  const chunk = load<i32>(job + GloveJob.chunk);
  const W = <usize>load<u32>(job + GloveJob.w);
  const C = <usize>load<u32>(job + GloveJob.c);
  const bw = <usize>load<u32>(job + GloveJob.bw);
  const bc = <usize>load<u32>(job + GloveJob.bc);
  const gW = <usize>load<u32>(job + GloveJob.gw);
  const gC = <usize>load<u32>(job + GloveJob.gc);
  const gbw = <usize>load<u32>(job + GloveJob.gbw);
  const gbc = <usize>load<u32>(job + GloveJob.gbc);
  const dim = load<i32>(job + GloveJob.dim);
  const eta = load<f32>(job + GloveJob.learningRate);
  const rowBytes = <usize>dim << 2;
  const n4 = dim & ~3;
  const r0 = tile * chunk;
  const r1 = min(records, r0 + chunk);
  let cost: f64 = 0;
  for (let r = r0; r < r1; r++) {
    const i = <usize>load<i32>(rows + (<usize>r << 2));
    const j = <usize>load<i32>(cols + (<usize>r << 2));
    const w = W + i * rowBytes, c = C + j * rowBytes;
    const gw = gW + i * rowBytes, gc = gC + j * rowBytes;
    const diff = dot(w, c, dim) + load<f32>(bw + (i << 2)) + load<f32>(bc + (j << 2)) - load<f32>(logX + (<usize>r << 2));
    let fdiff = load<f32>(weight + (<usize>r << 2)) * diff;
    if (!isFinite(fdiff)) continue;
    cost += 0.5 * <f64>fdiff * <f64>diff;
    fdiff *= eta;
    const fv = f32x4.splat(fdiff);
    let k = 0;
    for (; k < n4; k += 4) {
      const p = <usize>k << 2;
      const wv = v128.load(w + p), cv = v128.load(c + p);
      const t1 = f32x4.mul(fv, cv), t2 = f32x4.mul(fv, wv);
      const g1 = v128.load(gw + p), g2 = v128.load(gc + p);
      v128.store(w + p, f32x4.sub(wv, f32x4.div(t1, f32x4.sqrt(g1))));
      v128.store(c + p, f32x4.sub(cv, f32x4.div(t2, f32x4.sqrt(g2))));
      v128.store(gw + p, fma(t1, t1, g1));
      v128.store(gc + p, fma(t2, t2, g2));
    }
    for (; k < dim; k++) {
      const p = <usize>k << 2;
      const wk = load<f32>(w + p), ck = load<f32>(c + p);
      const t1 = fdiff * ck, t2 = fdiff * wk;
      const g1 = load<f32>(gw + p), g2 = load<f32>(gc + p);
      store<f32>(w + p, wk - t1 / Mathf.sqrt(g1));
      store<f32>(c + p, ck - t2 / Mathf.sqrt(g2));
      store<f32>(gw + p, g1 + t1 * t1);
      store<f32>(gc + p, g2 + t2 * t2);
    }
    store<f32>(bw + (i << 2), load<f32>(bw + (i << 2)) - fdiff / Mathf.sqrt(load<f32>(gbw + (i << 2))));
    store<f32>(bc + (j << 2), load<f32>(bc + (j << 2)) - fdiff / Mathf.sqrt(load<f32>(gbc + (j << 2))));
    const f2 = fdiff * fdiff;
    store<f32>(gbw + (i << 2), load<f32>(gbw + (i << 2)) + f2);
    store<f32>(gbc + (j << 2), load<f32>(gbc + (j << 2)) + f2);
  }
  store<f64>(<usize>load<u32>(job + GloveJob.tileLoss) + (<usize>tile << 3), cost);
}

// Runs tiles of a prepared GloVe epoch as participant `worker` (jobs.ts).
export function gloveTiles(job: usize, worker: i32): void {
  for (let t = claim(job); t >= 0; t = claim(job)) gloveTile(job, t);
}
