// A buffer on a device shared by the tensors that view the same data (reshape, detach, views): the
// backend that owns it, its opaque handle, a reference count and a version counter. Freed when the
// last tensor releases it — by dispose(), tidy(), or the FinalizationRegistry safety net. The
// version rises with every in-place write, so autograd can refuse to use values that changed after
// they were saved for backward (PyTorch's "modified by an inplace operation").
import type { Backend, Handle } from "../backend/backend.js";

export class Storage {
  refs = 1;
  version = 0;
  constructor(readonly backend: Backend, readonly handle: Handle, readonly n: number) {}

  /** n elements of 4 bytes on `backend`. */
  static allocate(backend: Backend, n: number): Storage {
    return new Storage(backend, backend.alloc(n), n);
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs === 0) this.backend.free(this.handle);
  }
}
