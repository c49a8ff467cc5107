// Work splitting for the shared-memory builds. A job record starts with the header in abi.ts (Job):
// a claim counter, the job's kind, how many participants it admits and its tile count. The caller
// and whichever pool workers join claim tile indices from the counter until none remain, so one
// thread and many run the same code, and a job finishes even if no worker ever wakes. Real atomics
// in the threads builds, plain memory operations in the others.

import { Job } from "./abi";

@inline export function fetchAdd(ptr: usize, v: i32): i32 {
  if (ASC_FEATURE_THREADS) {
    return atomic.add<i32>(ptr, v);
  } else {
    const old = load<i32>(ptr);
    store<i32>(ptr, old + v);
    return old;
  }
}

@inline export function loadAcquire(ptr: usize): i32 {
  if (ASC_FEATURE_THREADS) return atomic.load<i32>(ptr);
  else return load<i32>(ptr);
}

// Writes the header of a job with `tiles` tiles that admits `threads` participants.
export function jobInit(job: usize, kind: i32, threads: i32, tiles: i32): void {
  store<i32>(job + Job.next, 0);
  store<i32>(job + Job.kind, kind);
  store<i32>(job + Job.threads, max(threads, 1));
  store<i32>(job + Job.tiles, tiles);
}

// The next unclaimed tile of the job, or -1 when all are taken.
@inline export function claim(job: usize): i32 {
  const t = fetchAdd(job + Job.next, 1);
  return t < load<i32>(job + Job.tiles) ? t : -1;
}
