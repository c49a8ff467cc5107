// nn.RNN / LSTM / GRU: bad arguments are TesseraErrors with stable codes whose messages name the layer
// and both shapes, and training loops keep memory flat (inside tidy(), and without it when the caller
// disposes what forward returned).
import { describe, expect, it } from "vitest";
import { F, memory, nn, noGrad, randn, tensor, tidy, zeros, type Tensor } from "../../src/index.js";
import { cpuBackendFor } from "../../src/backend/device.js";
import { loadRuntime } from "../../src/runtime/wasm.js";

const code = (c: string, message?: RegExp | string) => expect.objectContaining({ name: "TesseraError", code: c, ...(message ? { message: expect.stringMatching(message) } : {}) });

describe("recurrent layers refuse bad arguments", () => {
  it("sizes and options", () => {
    expect(() => new nn.LSTM(10.5, 50)).toThrow(code("E_RANGE", /^LSTM: inputSize: expected an integer >= 0, received 10.5$/));
    expect(() => new nn.GRU(10, 0)).toThrow(code("E_RANGE", /^GRU: hiddenSize: expected an integer >= 1, received 0$/));
    expect(() => new nn.RNN("10" as never, 5)).toThrow(code("E_TYPE", /RNN: inputSize/));
    expect(() => new nn.LSTM(10, 50, { numLayers: 0 })).toThrow(code("E_RANGE", /numLayers/));
    expect(() => new nn.LSTM(10, 50, { numLayers: 1.5 })).toThrow(code("E_RANGE", /numLayers/));
    expect(() => new nn.LSTM(10, 50, { dropout: 1 })).toThrow(code("E_RANGE", /^LSTM: options.dropout: expected a probability in \[0, 1\), received 1$/));
    expect(() => new nn.GRU(10, 50, { dropout: -0.1 })).toThrow(code("E_RANGE", /dropout/));
    expect(() => new nn.GRU(10, 50, { dropout: NaN })).toThrow(code("E_RANGE", /dropout/));
    expect(() => new nn.GRU(10, 50, { dropout: "0.5" as never })).toThrow(code("E_TYPE", /dropout/));
    expect(() => new nn.LSTM(10, 50, { bidirectional: 1 as never })).toThrow(code("E_TYPE", /bidirectional: expected a boolean/));
    expect(() => new nn.LSTM(10, 50, { batchFirst: "yes" as never })).toThrow(code("E_TYPE", /batchFirst/));
    expect(() => new nn.RNN(10, 50, { nonlinearity: "sigmoid" as never })).toThrow(code("E_VALUE", /nonlinearity: expected "tanh" or "relu"/));
    expect(() => new nn.LSTM(10, 50, null as never)).toThrow(code("E_TYPE", /options/));
  });

  it("inputs of the wrong size, rank, dtype or length", () => {
    const m = new nn.LSTM(10, 50);
    tidy(() => {
      expect(() => m.forward(randn([5, 3, 7]))).toThrow(code("E_SHAPE", /^LSTM\(10, 50\): input: expected last dimension 10, received \[5, 3, 7\]$/));
      expect(() => m.forward(randn([10]))).toThrow(code("E_SHAPE", /LSTM\(10, 50\): input: expected a 3-D tensor .* received \[10\]/));
      expect(() => m.forward(randn([2, 5, 3, 10]))).toThrow(code("E_SHAPE", /received \[2, 5, 3, 10\]/));
      expect(() => m.forward(zeros([0, 3, 10]))).toThrow(code("E_SHAPE", /sequence length of at least 1, received \[0, 3, 10\]/));
      expect(() => m.forward(tensor([[[1]]], undefined, { dtype: "int32" }))).toThrow(code("E_DTYPE", /LSTM\(10, 50\): input/));
      expect(() => m.forward([1, 2, 3] as never)).toThrow(code("E_TYPE", /LSTM\(10, 50\): input: expected a Tensor/));
    });
    m.dispose();
  });

  it("initial states of the wrong shape, kind or device", async () => {
    const m = new nn.LSTM(10, 50, { numLayers: 2, batchFirst: true });
    const g = new nn.GRU(4, 6, { bidirectional: true });
    tidy(() => {
      const x = randn([3, 5, 10]); // batch-first: B = 3; states stay [L·D, B, H]
      const h = zeros([2, 3, 50]);
      expect(() => m.forward(x, [zeros([2, 5, 50]), zeros([2, 3, 50])])).toThrow(
        code("E_SHAPE", /^LSTM\(10, 50\): h0: expected shape \[2, 3, 50\] for input \[3, 5, 10\], received \[2, 5, 50\]$/));
      expect(() => m.forward(x, [h, zeros([1, 3, 50])])).toThrow(code("E_SHAPE", /LSTM\(10, 50\): c0: expected shape \[2, 3, 50\] .* received \[1, 3, 50\]/));
      expect(() => m.forward(x, [h] as never)).toThrow(code("E_TYPE", /LSTM\(10, 50\): hx: expected \[h0, c0\]/));
      expect(() => m.forward(x, h as never)).toThrow(code("E_TYPE", /hx/));
      expect(() => g.forward(randn([5, 2, 4]), zeros([1, 2, 6]))).toThrow(code("E_SHAPE", /GRU\(4, 6\): h0: expected shape \[2, 2, 6\]/));
      expect(() => g.forward(randn([5, 4]), zeros([2, 1, 6]))).toThrow(code("E_SHAPE", /h0: expected shape \[2, 6\] for input \[5, 4\]/)); // unbatched
    });
    const other = cpuBackendFor(await loadRuntime({ build: "simd" }));
    const h0 = tensor(new Float32Array(12), [2, 1, 6], { device: other as never });
    tidy(() => { expect(() => g.forward(randn([5, 1, 4]), h0)).toThrow(code("E_DEVICE", /GRU\(4, 6\): h0: expected a tensor on the same device/)); });
    h0.dispose();
    m.dispose();
    g.dispose();
  });

  it("leave nothing allocated when they refuse", () => {
    const m = new nn.GRU(4, 6, { numLayers: 2 });
    const x = randn([5, 2, 4]);
    const before = memory().numBlocks;
    expect(() => m.forward(x, zeros([1, 2, 6]))).toThrow(code("E_SHAPE"));
    expect(memory().numBlocks).toBe(before + 1); // only the zeros() made for the call
    x.dispose();
    m.dispose();
  });
});

describe("recurrent layers keep memory flat", () => {
  function setup() {
    const lstm = new nn.LSTM(10, 50, { batchFirst: true, numLayers: 2, dropout: 0.2 });
    const fc = new nn.Linear(50, 2);
    const params = [...lstm.parameters(), ...fc.parameters()];
    const x = randn([8, 5, 10]);
    const y = tensor([0, 1, 0, 1, 1, 0, 0, 1], undefined, { dtype: "int32" });
    const sgd = () => noGrad(() => {
      for (const p of params) {
        const step = p.grad!.mul(0.05);
        const next = p.sub(step);
        p.copy_(next);
        step.dispose();
        next.dispose();
        p.zeroGrad();
      }
    });
    const dispose = () => { lstm.dispose(); fc.dispose(); x.dispose(); y.dispose(); };
    return { lstm, fc, x, y, sgd, dispose };
  }

  it("over 1000 training steps inside tidy()", () => {
    const { lstm, fc, x, y, sgd, dispose } = setup();
    const step = () => tidy(() => {
      const [out, [h, c]] = lstm.forward(x);
      const loss = F.crossEntropy(fc.forward(out.slice(1, 4, 5).reshape([8, 50])), y).add(h.mean()).add(c.mean());
      loss.backward();
      sgd();
      return loss.item();
    });
    const first = step();
    const blocks = memory().numBlocks, bytes = memory().numBytes;
    let last = first;
    for (let i = 0; i < 1000; i++) last = step();
    expect(memory().numBlocks).toBe(blocks);
    expect(memory().numBytes).toBe(bytes);
    expect(last).toBeLessThan(first); // it also learns
    dispose();
  });

  it("over 1000 steps without tidy() when the caller disposes what it made", () => {
    const { lstm, fc, x, y, sgd, dispose } = setup();
    const step = () => {
      const [out, [h, c]] = lstm.forward(x);
      const lastStep = out.slice(1, 4, 5);
      const flat = lastStep.reshape([8, 50]);
      const logits = fc.forward(flat);
      const loss = F.crossEntropy(logits, y);
      loss.backward();
      sgd();
      for (const t of [out, h, c, lastStep, flat, logits, loss] as Tensor[]) t.dispose();
    };
    step();
    const blocks = memory().numBlocks, bytes = memory().numBytes;
    for (let i = 0; i < 1000; i++) step();
    expect(memory().numBlocks).toBe(blocks);
    expect(memory().numBytes).toBe(bytes);
    // Forward alone (no backward): disposing the outputs frees what the node saved.
    for (let i = 0; i < 100; i++) {
      const [out, [h, c]] = lstm.forward(x);
      for (const t of [out, h, c]) t.dispose();
    }
    expect(memory().numBlocks).toBe(blocks);
    // Backward through hN after the output itself was disposed still works, then frees everything.
    const [out, [h, c]] = lstm.forward(x);
    out.dispose();
    const s = h.sum();
    s.backward();
    for (const t of [h, c, s]) t.dispose();
    for (const p of lstm.parameters()) p.zeroGrad();
    expect(memory().numBlocks).toBe(blocks);
    dispose();
  });
});
