// Creating tensors and reading them back: nested arrays, typed arrays, dtypes, fills, ranges,
// seeded random tensors; and the bad inputs around each.
import { describe, expect, it } from "vitest";
import { arange, full, manualSeed, ones, rand, randn, tensor, zeros, TesseraError } from "../../src/index.js";

describe("creation", () => {
  it("infers shapes from nested arrays and round-trips values", () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe("float32");
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor(3.5).shape).toEqual([]);
    expect(tensor(3.5).item()).toBe(3.5);
    expect(tensor([]).shape).toEqual([0]);
  });

  it("takes typed arrays with a shape and int32 data", () => {
    const t = tensor(new Float32Array([1, 2, 3, 4]), [2, 2]);
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
    const ids = tensor([1, 2, 3], undefined, { dtype: "int32" });
    expect(ids.data()).toBeInstanceOf(Int32Array);
  });

  it("fills, ranges and seeded random tensors", () => {
    expect(Array.from(zeros([3]).data())).toEqual([0, 0, 0]);
    expect(Array.from(ones([2]).data())).toEqual([1, 1]);
    expect(Array.from(full([2], 7, { dtype: "int32" }).data())).toEqual([7, 7]);
    expect(Array.from(arange(5).data())).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(arange(1, 2, 0.25).data())).toEqual([1, 1.25, 1.5, 1.75]);
    manualSeed(42);
    const a = randn([1000]).data();
    manualSeed(42);
    const b = randn([1000]).data();
    expect(a).toEqual(b);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(variance - 1)).toBeLessThan(0.15);
    const u = rand([1000]).data();
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it("rejects bad data with a named argument", () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/data\[1\]: expected an array of length 2/);
    expect(() => tensor([1, "a" as never])).toThrow(/data\[1\]: expected a number/);
    expect(() => tensor("abc" as never)).toThrow(expect.objectContaining({ code: "E_TYPE" }));
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/shape: expected a shape with 3 elements/);
    expect(() => tensor([1.5], undefined, { dtype: "int32" })).toThrow(/int32 integer/);
    expect(() => tensor([1], undefined, { dtype: "float64" as never })).toThrow(expect.objectContaining({ code: "E_DTYPE" }));
    expect(() => tensor([1], undefined, { dtype: "int32", requiresGrad: true })).toThrow(expect.objectContaining({ code: "E_DTYPE" }));
    expect(() => zeros([2, -1])).toThrow(/shape: expected an array of non-negative integers/);
    expect(() => zeros([2, 1.5])).toThrow(TesseraError);
    expect(() => zeros([2 ** 20, 2 ** 20])).toThrow(/fewer than 2\^31/);
    expect(() => arange(0, 10, 0)).toThrow(/step: expected a non-zero number/);
    expect(() => full([2], NaN, { dtype: "int32" })).toThrow(TesseraError);
  });
});
