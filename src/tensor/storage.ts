// A block of WASM memory shared by tensors that view the same data (reshape, detach). Freed when
// the last tensor releases it — by dispose(), tidy(), or the FinalizationRegistry safety net.
import { free, alloc } from "../runtime/wasm.js";

export class Storage {
  refs = 1;
  constructor(readonly ptr: number, readonly nBytes: number) {}

  static allocate(nBytes: number): Storage {
    return new Storage(alloc(Math.max(nBytes, 4)), nBytes);
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs === 0) free(this.ptr);
  }
}

// Tensors dropped without dispose(): release their storage when the GC collects them. Runtimes
// without FinalizationRegistry (some edge workers) rely on dispose()/tidy() alone.
export const storageRegistry: Pick<FinalizationRegistry<Storage>, "register" | "unregister"> =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry<Storage>((s) => {
        if (s.refs > 0) s.release();
      })
    : { register() {}, unregister: () => false };
