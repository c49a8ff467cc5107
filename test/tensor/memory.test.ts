// Memory: dispose, tidy scopes, memory() accounting, views that survive memory growth, and clear
// errors on use after dispose.
import { describe, expect, it } from "vitest";
import { memory, tensor, tidy, keep, zeros, ones, TesseraError } from "../../src/index.js";

describe("memory", () => {
  it("dispose frees the block and later use is E_DISPOSED", () => {
    ones([1]).dispose(); // the CPU backend keeps one small scratch block from its first use on
    const before = memory().numBlocks;
    const t = ones([100]);
    expect(memory().numBlocks).toBe(before + 1);
    t.dispose();
    expect(memory().numBlocks).toBe(before);
    expect(t.isDisposed).toBe(true);
    expect(() => t.data()).toThrow(expect.objectContaining({ code: "E_DISPOSED" }));
    expect(() => t.add(1)).toThrow(/disposed/);
    t.dispose(); // idempotent
  });

  it("tidy frees intermediates and keeps what is returned or kept", () => {
    const before = memory().numBlocks;
    let kept!: ReturnType<typeof zeros>;
    const result = tidy(() => {
      const a = ones([10]);
      const b = a.mul(3).add(1);
      kept = keep(a.exp());
      return { b, list: [b.sum()] };
    });
    expect(Array.from(result.b.data())).toEqual(new Array(10).fill(4));
    expect(result.list[0].item()).toBe(40);
    expect(memory().numBlocks).toBe(before + 3);
    result.b.dispose();
    result.list[0].dispose();
    kept.dispose();
    expect(memory().numBlocks).toBe(before);
  });

  it("tidy disposes everything when fn throws, and nests", () => {
    const before = memory().numBlocks;
    expect(() => tidy(() => { ones([5]); throw new Error("boom"); })).toThrow("boom");
    const outer = tidy(() => {
      const inner = tidy(() => ones([3]).mul(2));
      return inner.add(1);
    });
    expect(Array.from(outer.data())).toEqual([3, 3, 3]);
    outer.dispose();
    expect(memory().numBlocks).toBe(before);
    expect(() => tidy(42 as never)).toThrow(TesseraError);
  });

  it("reshape shares storage until the last view is gone", () => {
    const before = memory().numBlocks;
    const a = tensor([1, 2, 3, 4]);
    const b = a.reshape(2, 2);
    a.dispose();
    expect(b.toArray()).toEqual([[1, 2], [3, 4]]);
    b.dispose();
    expect(memory().numBlocks).toBe(before);
  });

  it("keeps data intact while the WASM memory grows", () => {
    const small = tensor([1, 2, 3]);
    const big = zeros([64 * 1024 * 1024 / 4]); // forces memory.grow
    expect(Array.from(small.data())).toEqual([1, 2, 3]);
    expect(small.add(1).data()[2]).toBe(4);
    big.dispose();
    small.dispose();
  });
});
