// A k-means session over rows copied in once as float32 and freed when the work is done, even when
// it throws (see backend/classic.ts for which backend runs it).
import type { Backend, Handle, KMeansSession, KMeansSessionOptions } from "../backend/backend.js";
import { classicBackendWith } from "../backend/classic.js";

/** Runs fn with a k-means session over rows x [n, d], then frees both. */
export function withKMeansSession<T>(fn: string, x: Float32Array, n: number, d: number, options: KMeansSessionOptions,
  body: (s: KMeansSession, b: Backend, h: Handle) => T): T {
  const b = classicBackendWith(fn, "kmeans");
  const h = b.alloc(n * d);
  let s: KMeansSession | null = null;
  try {
    b.write(h, x, "float32");
    s = b.kmeans(h, n, d, options);
    return body(s, b, h);
  } finally {
    s?.dispose();
    b.free(h);
  }
}
