// The WASM memory a tokenizer object owns (hash tables, scratch, buffers): freed by the object's
// dispose(), or — when the object is dropped without one — by a FinalizationRegistry callback after
// the garbage collector reclaims it. The registry is a backstop, not a schedule: callbacks run
// between tasks, never inside a synchronous loop, and may run late or not at all.

import { TesseraError } from "../errors.js";
import { alloc, free } from "../runtime/wasm.js";

// Held value: the owner's live blocks (pointer → bytes). It must not reference the owner.
const registry: Pick<FinalizationRegistry<Map<number, number>>, "register" | "unregister"> =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry<Map<number, number>>((blocks) => {
        for (const p of blocks.keys()) free(p);
        blocks.clear();
      })
    : { register() {}, unregister: () => false };

export class WasmBlocks {
  private readonly blocks = new Map<number, number>();
  private disposed = false;

  /** `what` names the owner in E_DISPOSED messages. */
  constructor(owner: object, private readonly what: string) {
    registry.register(owner, this.blocks, this);
  }

  /** A block of nBytes; nothing is recorded when the allocation throws (E_OOM). */
  alloc(nBytes: number): number {
    this.check();
    const p = alloc(nBytes);
    this.blocks.set(p, nBytes);
    return p;
  }

  /** Frees one of this owner's blocks; 0 is ignored. */
  free(p: number): void {
    if (p !== 0 && this.blocks.delete(p)) free(p);
  }

  /** Bytes held now (requested sizes, before the allocator's rounding). */
  get bytes(): number {
    let n = 0;
    for (const b of this.blocks.values()) n += b;
    return n;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Throws E_DISPOSED once dispose() has run. */
  check(): void {
    if (this.disposed) throw new TesseraError("E_DISPOSED", `${this.what}: expected a live object, received one whose dispose() has run`);
  }

  /** Frees every block; idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    registry.unregister(this);
    for (const p of this.blocks.keys()) free(p);
    this.blocks.clear();
  }
}
