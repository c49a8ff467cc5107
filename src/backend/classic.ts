// Where the classic estimators (cluster/, manifold/, decomposition/) run: the CPU backend of the
// loaded runtime, whatever the default device is. Their loops read results on the host between
// passes, which needs a synchronously readable device, and the CPU backend implements every classic
// kernel of the interface.
import type { Backend } from "./backend.js";
import { cpuBackend } from "./device.js";
import { TesseraError } from "../errors.js";

export type ClassicKernel = "kmeans" | "centredProduct" | "symmetricEigen" | "nearestNeighbors" | "conditionalProbabilities" | "tsne";

/** The CPU backend, typed as having the classic kernels `kernels` (E_DEVICE if it lacks one). */
export function classicBackendWith<K extends ClassicKernel>(fn: string, ...kernels: K[]): Backend & Required<Pick<Backend, K>> {
  const b = cpuBackend();
  for (const k of kernels) {
    if (typeof (b as unknown as Record<string, unknown>)[k] !== "function") {
      throw new TesseraError("E_DEVICE", `${fn}: expected a backend with the ${k} kernel, received ${b.label}`);
    }
  }
  return b as unknown as Backend & Required<Pick<Backend, K>>;
}
