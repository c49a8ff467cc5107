// The one program a pool worker runs (src/runtime/pool.ts): join the open job, if any, and claim
// its tiles until none remain. Each job kind's tile runner lives with its kernel family; this file
// only dispatches on the kind, so adding a threaded kernel is one case here.

import { Ctl, Job, JobKind, Rnn } from "./abi";
import { fetchAdd, loadAcquire } from "./parallel";
import { gemmTiles } from "./matmul";
import { kmeansTiles } from "./kmeans";
import { covarianceTiles } from "./linalg";
import { knnTiles } from "./neighbors";
import { tsneTiles } from "./tsne";
import { attentionTiles } from "./attention";
import { gemvTiles } from "./gemv";
import { rnnBackwardTiles, rnnForwardTiles } from "./rnn";
import { word2vecTiles } from "./w2v";
import { gloveTiles } from "./glove";
import { vectorSearchTiles } from "./vector-index";
import { bpeTokenizeTiles } from "./pretokenize";

// Runs tiles of the job at `job` as participant `worker` (0 = the caller) until none remain.
export function runJob(job: usize, worker: i32): void {
  const kind = load<i32>(job + Job.kind);
  if (kind == JobKind.gemm) gemmTiles(job, worker);
  else if (kind == JobKind.kmeans) kmeansTiles(job, worker);
  else if (kind == JobKind.covariance) covarianceTiles(job, worker);
  else if (kind == JobKind.knn) knnTiles(job, worker);
  else if (kind == JobKind.tsne) tsneTiles(job, worker);
  else if (kind == JobKind.gemv) gemvTiles(job, worker);
  else if (kind == JobKind.attentionForward || kind == JobKind.attentionBackward || kind == JobKind.attentionDecode) {
    attentionTiles(job, worker, kind);
  }
  else if (kind == Rnn.forwardJob) rnnForwardTiles(job, worker);
  else if (kind == Rnn.backwardJob) rnnBackwardTiles(job, worker);
  else if (kind == JobKind.word2vec) word2vecTiles(job, worker);
  else if (kind == JobKind.glove) gloveTiles(job, worker);
  else if (kind == JobKind.vectorSearch) vectorSearchTiles(job, worker);
  else if (kind == JobKind.tokenize) bpeTokenizeTiles(job, worker);
}

// ctl: the pool's control block (Ctl in abi.ts); worker: 0 for the caller, 1.. for pool workers.
// Joins the open job if there is one and it admits this worker; the last participant to leave wakes
// a caller waiting for the job to drain.
export function join(ctl: usize, worker: i32): void {
  fetchAdd(ctl + Ctl.active, 1);
  if (loadAcquire(ctl + Ctl.open) != 0) {
    const job = <usize>load<u32>(ctl + Ctl.job);
    if (worker < load<i32>(job + Job.threads)) runJob(job, worker);
  }
  if (fetchAdd(ctl + Ctl.active, -1) == 1) {
    if (ASC_FEATURE_THREADS) atomic.notify(ctl + Ctl.active);
  }
}
