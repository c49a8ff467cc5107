// Causal-LM data (src/data/causal-lm.ts): windows input = tokens[i..i+n), target = tokens[i+1..i+n+1)
// with stride n (tiling) and 1 (every offset), batches through DataLoader as int32 [B, n] pairs,
// and chunkTokens as Hugging Face run_clm's group_texts (concatenate, cut, drop the remainder).
import { describe, expect, it } from "vitest";
import { data, tidy } from "../../src/index.js";

const stream = Array.from({ length: 23 }, (_, i) => 100 + i);

function code(f: () => unknown, c: string): void {
  let e: unknown;
  try { f(); } catch (err) { e = err; }
  expect((e as { code?: string })?.code, String(e)).toBe(c);
}

describe("causal-LM windows and chunks", () => {
  it("stride = blockSize: ⌊(23 − 1 − 5) / 5⌋ + 1 = 4 windows, each target the input shifted by one", () => tidy(() => {
    const ds = new data.CausalLMDataset(stream, 5);
    expect(ds.length).toBe(4);
    expect(Array.from(ds.window(0).input)).toEqual([100, 101, 102, 103, 104]);
    expect(Array.from(ds.window(0).target)).toEqual([101, 102, 103, 104, 105]);
    expect(Array.from(ds.window(3).input)).toEqual([115, 116, 117, 118, 119]);
    expect(Array.from(ds.window(3).target)).toEqual([116, 117, 118, 119, 120]);
    const [x, y] = ds.get(1);
    expect(x.shape).toEqual([5]);
    expect(Array.from(y.data())).toEqual([106, 107, 108, 109, 110]);
  }));

  it("stride 1: every offset (23 − 5 = 18 windows); the last target ends at the last token", () => {
    const ds = new data.CausalLMDataset(Int32Array.from(stream), 5, { stride: 1 });
    expect(ds.length).toBe(18);
    expect(Array.from(ds.window(17).target)).toEqual([118, 119, 120, 121, 122]);
  });

  it("DataLoader batches [inputs, targets] int32 [B, n] through getBatch", () => tidy(() => {
    const loader = new data.DataLoader(new data.CausalLMDataset(stream, 4, { stride: 2 }), { batchSize: 3 });
    const batches = [...loader] as [ReturnType<typeof data.chunkTokens>, never][];
    expect(batches.length).toBe(4); // 10 windows
    const [x, y] = batches[0] as unknown as [{ shape: number[]; dtype: string; data(): Int32Array }, { data(): Int32Array }];
    expect(x.shape).toEqual([3, 4]);
    expect(x.dtype).toBe("int32");
    expect(Array.from(x.data())).toEqual([100, 101, 102, 103, 102, 103, 104, 105, 104, 105, 106, 107]);
    expect(Array.from(y.data())).toEqual([101, 102, 103, 104, 103, 104, 105, 106, 105, 106, 107, 108]);
  }));

  it("chunkTokens: group_texts over several texts, remainder dropped (or kept)", () => {
    const blocks = data.chunkTokens([[1, 2, 3], [4, 5], [6, 7, 8, 9, 10]], 4);
    expect(blocks.map((b) => Array.from(b))).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    expect(data.chunkTokens([1, 2, 3, 4, 5], 2, { keepRemainder: true }).map((b) => Array.from(b))).toEqual([[1, 2], [3, 4], [5]]);
    expect(data.chunkTokens(new Uint16Array([1, 2, 3]), 4)).toEqual([]);
  });

  it("bad inputs: too few tokens, bad sizes and ids, index out of range", () => {
    code(() => new data.CausalLMDataset([1, 2, 3], 3), "E_VALUE");
    code(() => new data.CausalLMDataset(stream, 0), "E_RANGE");
    code(() => new data.CausalLMDataset(stream, 4, { stride: 0 }), "E_RANGE");
    code(() => new data.CausalLMDataset([1, 2.5, 3, 4], 2), "E_VALUE");
    code(() => new data.CausalLMDataset("abc" as never, 2), "E_TYPE");
    code(() => new data.CausalLMDataset(stream, 5).window(4), "E_RANGE");
    code(() => data.chunkTokens(stream, 0), "E_RANGE");
  });
});
