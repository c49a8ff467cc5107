// Where the clustering estimators run: the CPU backend of the loaded runtime (their loops read
// results between passes, which needs a synchronously readable device). Rows are copied in once per
// call as float32 and freed when the work is done, even when it throws.
import type { Backend, Handle, KMeansSession, KMeansSessionOptions } from "../backend/backend.js";
import { cpuBackend } from "../backend/device.js";
import { TesseraError } from "../errors.js";

/** The backend the classic estimators use (the CPU backend, which implements every classic kernel). */
export function classicBackend(fn: string): Backend & Required<Pick<Backend, "kmeans">> {
  const b = cpuBackend();
  if (!b.kmeans) throw new TesseraError("E_DEVICE", `${fn}: expected a backend with the k-means kernels, received ${b.label}`);
  return b as Backend & Required<Pick<Backend, "kmeans">>;
}

/** Runs fn with a k-means session over rows x [n, d], then frees both. */
export function withKMeansSession<T>(fn: string, x: Float32Array, n: number, d: number, options: KMeansSessionOptions,
  body: (s: KMeansSession, b: Backend, h: Handle) => T): T {
  const b = classicBackend(fn);
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
