// A CPU backend that runs out of memory on purpose: after `allowed` allocations every alloc throws
// E_OOM, as the arena does when WASM memory is full. Tests use it to check that a failing op or
// backward leaves nothing allocated and nothing half-updated.
import { TesseraError } from "../../src/errors.js";
import type { Handle } from "../../src/backend/backend.js";
import { CpuBackend } from "../../src/backend/cpu-wasm/cpu-backend.js";
import type { Runtime } from "../../src/runtime/wasm.js";

export class FailingBackend extends CpuBackend {
  allowed = Infinity;

  constructor(rt: Runtime) {
    super(rt);
  }

  override alloc(n: number): Handle {
    if (this.allowed <= 0) throw new TesseraError("E_OOM", `allocation of ${n * 4} bytes: injected failure`);
    this.allowed--;
    return super.alloc(n);
  }
}
