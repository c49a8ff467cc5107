// Worker pool over the shared-memory build. Until workers are started everything runs on the
// calling thread.
let requested = 1;

export function setThreads(n: number): void {
  requested = n;
}

export function threadsInUse(): number {
  return Math.min(requested, 1);
}
