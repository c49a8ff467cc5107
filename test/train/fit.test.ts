// fit(): the loop's semantics against a hand-written PyTorch-style loop (zero_grad → forward →
// loss → backward → step, bit for bit), gradient accumulation equal to one big batch, clipping as
// torch.nn.utils.clip_grad_norm_, a NaN/Inf loss stopping before the poisoned update, early
// stopping with patience/minDelta/restoreBest (Keras' rules), schedulers, checkpoints, callbacks,
// flat memory over 2 000 steps, and bad options. The optimizer is optim.SGD.
import { describe, expect, it, vi } from "vitest";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fit, data, io, F, tensor, memory, manualSeed, nn, tidy, type Tensor } from "../../src/index.js";
import { Module } from "../../src/nn/module.js";
import { SGD, StepLR, MLP, blobs, weightsOf } from "./helpers.js";

const code = (c: string) => expect.objectContaining({ code: c });
const ce = (out: Tensor, y: Tensor) => F.crossEntropy(out, y);

function setup(seed = 0, n = 32) {
  manualSeed(seed);
  const { x, y } = blobs(n);
  const model = new MLP(4, 8, 2);
  return { x, y, model, ds: new data.TensorDataset(x, y) };
}

describe("fit: training semantics", () => {
  it("learns separable blobs: loss falls, accuracy reaches 1, history has one entry per epoch", async () => {
    const { model, ds } = setup(1);
    const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const h = await fit(model, ds, { epochs: 8, batchSize: 8, optimizer, lossFn: ce, evalData: ds, metrics: ["accuracy", "f1"], seed: 3 });
    expect(h.epoch).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(h.trainLoss.length).toBe(8);
    expect(h.evalLoss.length).toBe(8);
    expect(h.trainLoss[7]).toBeLessThan(h.trainLoss[0] / 4);
    expect(h.metrics.accuracy[7]).toBe(1);
    expect(h.metrics.f1[7]).toBe(1);
    expect(h.steps).toBe(32);
    expect(h.lr).toEqual(new Array(8).fill(0.1));
    expect(h.stopReason).toBe("completed");
    expect(model.training).toBe(true);
  });

  it("equals a hand-written loop (zeroGrad, forward, loss, backward, step) bit for bit", async () => {
    const a = setup(2);
    const b = setup(2);
    expect(weightsOf(a.model)).toEqual(weightsOf(b.model));
    await fit(a.model, a.ds, { epochs: 3, batchSize: 4, shuffle: false, optimizer: new SGD(a.model.parameters(), { lr: 0.05, momentum: 0.5 }), lossFn: ce, progress: false });
    const opt = new SGD(b.model.parameters(), { lr: 0.05, momentum: 0.5 });
    for (let epoch = 0; epoch < 3; epoch++) {
      for (let i = 0; i < 32; i += 4) {
        tidy(() => {
          opt.zeroGrad();
          const [xb, yb] = b.ds.getBatch([i, i + 1, i + 2, i + 3]);
          F.crossEntropy(b.model.forward(xb), yb).backward();
          opt.step();
        });
      }
    }
    expect(weightsOf(a.model)).toEqual(weightsOf(b.model));
  });

  it("gradAccumulation 2 with batches of 4 matches batches of 8 (mean loss over equal batches)", async () => {
    const a = setup(3);
    const b = setup(3);
    await fit(a.model, a.ds, { epochs: 2, batchSize: 4, shuffle: false, gradAccumulation: 2, optimizer: new SGD(a.model.parameters(), { lr: 0.1 }), lossFn: ce });
    const h = await fit(b.model, b.ds, { epochs: 2, batchSize: 8, shuffle: false, optimizer: new SGD(b.model.parameters(), { lr: 0.1 }), lossFn: ce });
    expect(h.steps).toBe(8);
    const wa = weightsOf(a.model).flat();
    const wb = weightsOf(b.model).flat();
    wa.forEach((v, i) => expect(Math.abs(v - wb[i])).toBeLessThan(1e-6));
  });

  it("steps once more at the end of an epoch for a partial accumulation window", async () => {
    const { model, ds } = setup(4, 20);
    const h = await fit(model, ds, { epochs: 1, batchSize: 4, shuffle: false, gradAccumulation: 2, optimizer: new SGD(model.parameters(), { lr: 0.1 }), lossFn: ce });
    expect(h.steps).toBe(3); // 5 batches: steps after batches 2, 4 and the leftover 5th
  });

  it("fit with clipNorm bounds every update to lr·clipNorm", async () => {
    const { model, ds } = setup(5);
    const before = weightsOf(model).flat();
    await fit(model, ds, { epochs: 1, batchSize: 32, optimizer: new SGD(model.parameters(), { lr: 1 }), lossFn: (o: Tensor, y: Tensor) => F.crossEntropy(o, y).mul(1000), clipNorm: 0.5 });
    const after = weightsOf(model).flat();
    const delta = Math.sqrt(after.reduce((s, v, i) => s + (v - before[i]) ** 2, 0));
    expect(delta).toBeLessThanOrEqual(0.5 + 1e-4);
    expect(delta).toBeGreaterThan(0.49);
  });
});

describe("fit: non-finite losses", () => {
  it("a NaN loss stops with E_VALUE naming epoch and batch, and the weights are those of the last good step", async () => {
    manualSeed(6);
    const { x, y } = blobs(16);
    const xs = x.data() as Float32Array;
    xs[2 * 4 * 4 + 1] = NaN; // a sample of the third batch of 4
    const ds = new data.TensorDataset(tensor(xs, [16, 4]), y);
    const model = new MLP(4, 8, 2);
    const snapshots: number[][] = [];
    const err = await fit(model, ds, {
      epochs: 2, batchSize: 4, shuffle: false, optimizer: new SGD(model.parameters(), { lr: 0.1 }), lossFn: ce,
      onStep: () => { snapshots.push(weightsOf(model).flat()); },
    }).catch((e) => e);
    expect(err).toMatchObject({ code: "E_VALUE" });
    expect(err.message).toMatch(/epoch 1, batch 3 \(optimizer step 3\): the loss is NaN; training stopped before the optimizer step, so the weights are those after step 2/);
    expect(snapshots.length).toBe(2);
    expect(weightsOf(model).flat()).toEqual(snapshots[1]);
    expect(weightsOf(model).flat().every(Number.isFinite)).toBe(true);
    expect(model.parameters().every((p) => p.grad === null || p.grad.data().every((v) => v === 0))).toBe(true);
  });

  it("an infinite loss, and a non-finite gradient norm under clipNorm, stop the same way", async () => {
    const { model, ds } = setup(7, 8);
    const before = weightsOf(model).flat();
    await expect(fit(model, ds, { epochs: 1, batchSize: 8, optimizer: new SGD(model.parameters(), { lr: 0.1 }), lossFn: (o: Tensor, y: Tensor) => F.crossEntropy(o, y).mul(Infinity) }))
      .rejects.toThrow(/epoch 1, batch 1 .*the loss is Infinity/);
    // sqrt(0) has an infinite derivative: finite loss, infinite gradient
    const lossFn = (o: Tensor, y: Tensor) => F.crossEntropy(o, y).add(o.mul(0).sum().sqrt());
    await expect(fit(model, ds, { epochs: 1, batchSize: 8, optimizer: new SGD(model.parameters(), { lr: 0.1 }), lossFn, clipNorm: 1 }))
      .rejects.toThrow(/the gradient norm is (NaN|Infinity)/);
    expect(weightsOf(model).flat()).toEqual(before);
  });
});

describe("fit: early stopping, schedulers, callbacks", () => {
  it("stops after `patience` epochs without an improvement of minDelta and restores the best epoch's weights", async () => {
    const { model, ds } = setup(8);
    const scores = [0.5, 0.7, 0.69, 0.71, 0.9, 0.95];
    let epoch = 0;
    const atEpoch: number[][] = [];
    const h = await fit(model, ds, {
      epochs: 6, batchSize: 8, optimizer: new SGD(model.parameters(), { lr: 0.05 }), lossFn: ce,
      metrics: { score: () => scores[epoch] },
      earlyStopping: { monitor: "score", patience: 2, minDelta: 0.05, restoreBest: true },
      onEpoch: () => { epoch++; atEpoch.push(weightsOf(model).flat()); },
    });
    // 0.69 and 0.71 are not better than 0.7 + 0.05: two epochs without improvement → stop after epoch 4
    expect(h.epoch).toEqual([1, 2, 3, 4]);
    expect(h.stopReason).toBe("earlyStopping");
    expect(h.bestEpoch).toBe(2);
    expect(h.bestValue).toBe(0.7);
    expect(h.metrics.score).toEqual([0.5, 0.7, 0.69, 0.71]);
    expect(weightsOf(model).flat()).toEqual(atEpoch[1]);
    expect(weightsOf(model).flat()).not.toEqual(atEpoch[3]);
  });

  it("monitors evalLoss by default (mode min) and keeps the weights without restoreBest", async () => {
    const { model, ds } = setup(9);
    const h = await fit(model, ds, { epochs: 3, batchSize: 8, optimizer: new SGD(model.parameters(), { lr: 0.1 }), lossFn: ce, evalData: ds, earlyStopping: { patience: 5 } });
    expect(h.bestEpoch).toBe(3);
    expect(h.bestValue).toBe(h.evalLoss[2]);
  });

  it("steps schedulers per epoch (default) or per optimizer step, and records lr", async () => {
    const { model, ds } = setup(10, 16);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const h = await fit(model, ds, { epochs: 3, batchSize: 8, optimizer: opt, scheduler: new StepLR(opt, 0.5), lossFn: ce });
    expect(h.lr).toEqual([0.1, 0.1, 0.1].map((v, i) => v * 0.5 ** i));
    expect(opt.paramGroups[0].lr).toBeCloseTo(0.0125, 10);
    const opt2 = new SGD(model.parameters(), { lr: 1 });
    const h2 = await fit(model, ds, { epochs: 2, batchSize: 8, optimizer: opt2, scheduler: new StepLR(opt2, 0.5), schedulerInterval: "step", lossFn: ce });
    expect(h2.lr).toEqual([0.25, 0.0625]);
  });

  it("calls onStep per batch and onEpoch per epoch (awaiting promises); returning false stops", async () => {
    const { model, ds } = setup(11, 16);
    const steps: number[] = [];
    const h = await fit(model, ds, {
      epochs: 5, batchSize: 4, optimizer: new SGD(model.parameters(), { lr: 0.1 }), lossFn: ce,
      onStep: (s) => { steps.push(s.step); return s.step < 6 ? undefined : false; },
    });
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(h.stopReason).toBe("callback");
    expect(h.epoch).toEqual([1, 2]);
    const seen: number[] = [];
    const h2 = await fit(model, ds, {
      epochs: 5, batchSize: 16, optimizer: new SGD(model.parameters(), { lr: 0.1 }), lossFn: ce,
      onEpoch: async (e) => { await new Promise((r) => setTimeout(r, 1)); seen.push(e.epoch); return e.epoch < 3; },
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(h2.epoch).toEqual([1, 2, 3]);
  });

  it("evaluates in eval mode and restores the mode the model had", async () => {
    const { model, ds } = setup(12, 8);
    model.eval();
    await fit(model, ds, { epochs: 1, batchSize: 8, optimizer: new SGD(model.parameters(), { lr: 0.1 }), lossFn: ce, evalData: ds });
    expect(model.seenTraining).toEqual([true, false]);
    expect(model.training).toBe(false);
  });

  it("takes object batches with labels (paddingCollator) and a custom forward", async () => {
    manualSeed(13);
    class Bag extends Module {
      readonly emb = this.addParameter("emb", tensor(new Float32Array(10 * 4).map((_, i) => Math.sin(i)), [10, 4]));
      readonly fc = this.addModule("fc", new nn.Linear(4, 2));
      forward(batch: { ids: Tensor; attentionMask: Tensor }): Tensor {
        const mask = batch.attentionMask.toFloat().unsqueeze(-1);
        return this.fc.forward(F.embedding(this.emb, batch.ids).mul(mask).sum(1).div(mask.sum(1)));
      }
    }
    const model = new Bag();
    const samples = [{ ids: [1, 2, 3], label: 1 }, { ids: [4], label: 0 }, { ids: [1, 3], label: 1 }, { ids: [5, 6], label: 0 }];
    const loader = new data.DataLoader(samples, { batchSize: 2, collate: data.paddingCollator() });
    const h = await fit(model, loader, { epochs: 30, optimizer: new SGD(model.parameters(), { lr: 0.5 }), lossFn: ce, metrics: ["accuracy"] });
    expect(h.trainLoss[29]).toBeLessThan(h.trainLoss[0]);
    expect(h.metrics.accuracy[29]).toBe(1);
    const custom = await fit(model, loader, {
      epochs: 1, optimizer: new SGD(model.parameters(), { lr: 0.1 }), lossFn: ce,
      forward: (m, b) => ({ output: (m as Bag).forward(b), target: b.labels }),
    });
    expect(custom.trainLoss.length).toBe(1);
  });
});

describe("fit: checkpoints", () => {
  it("hands model and optimizer safetensors to a callback every N epochs and at the end", async () => {
    const { model, ds } = setup(14, 16);
    const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const saved: { epoch: number; step: number; model: Uint8Array; optimizer: Uint8Array | null; weights: number[][] }[] = [];
    let latest: number[][] = [];
    await fit(model, ds, {
      epochs: 5, batchSize: 8, optimizer: opt, lossFn: ce,
      onEpoch: () => { latest = weightsOf(model); },
      checkpoint: { every: 2, save: (files, info) => { saved.push({ ...info, ...files, weights: weightsOf(model) }); } },
    });
    expect(saved.map((s) => s.epoch)).toEqual([2, 4, 5]);
    expect(saved.map((s) => s.step)).toEqual([4, 8, 10]);
    const fresh = new MLP(4, 8, 2);
    const res = io.loadSafetensorsInto(fresh, saved[1].model);
    expect(res.metadata).toEqual({ format: "pt", epoch: "4", step: "8" });
    expect(weightsOf(fresh)).toEqual(saved[1].weights);
    const { state } = io.loadState(saved[2].optimizer!) as any;
    expect(state.paramGroups[0]).toMatchObject({ lr: 0.1, momentum: 0.9, params: [0, 1, 2, 3] });
    expect(state.state["0"].momentumBuffer.shape).toEqual([8, 4]);
    expect(latest).toEqual(saved[2].weights);
  });

  it("writes files to a path with {epoch} (model and .optimizer.safetensors)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-fit-"));
    try {
      const { model, ds } = setup(15, 8);
      await fit(model, ds, { epochs: 2, batchSize: 8, optimizer: new SGD(model.parameters(), { lr: 0.1 }), lossFn: ce, checkpoint: { path: join(dir, "ckpt-{epoch}.safetensors") } });
      for (const e of [1, 2]) {
        expect(existsSync(join(dir, `ckpt-${e}.safetensors`))).toBe(true);
        expect(existsSync(join(dir, `ckpt-${e}.optimizer.safetensors`))).toBe(true);
      }
      const back = new MLP(4, 8, 2);
      io.loadSafetensorsInto(back, readFileSync(join(dir, "ckpt-2.safetensors")));
      expect(weightsOf(back)).toEqual(weightsOf(model));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("fit: memory", () => {
  it("stays flat over 2 000 steps (each step in tidy; optimizer state kept)", async () => {
    const { model, ds } = setup(16, 64);
    const blocks: number[] = [];
    const h = await fit(model, ds, {
      epochs: 250, batchSize: 8, optimizer: new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 }), lossFn: ce, progress: false,
      onEpoch: () => { blocks.push(memory().numBlocks); },
    });
    expect(h.steps).toBe(2000);
    expect(new Set(blocks.slice(1)).size).toBe(1);
  });

  it("stays flat with evaluation, metrics, accumulation, clipping and early stopping snapshots", async () => {
    const { model, ds } = setup(17, 32);
    const blocks: number[] = [];
    await fit(model, ds, {
      epochs: 30, batchSize: 4, optimizer: new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 }), lossFn: ce, evalData: ds, metrics: ["accuracy", "precision"],
      gradAccumulation: 3, clipNorm: 1, earlyStopping: { patience: 100, restoreBest: true, minDelta: 0 },
      onEpoch: () => { blocks.push(memory().numBlocks); },
    });
    expect(new Set(blocks.slice(2)).size).toBe(1);
  });

  it("a failed fit leaves no tensors behind", async () => {
    const { model, ds } = setup(18, 8);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const before = memory().numBlocks;
    await expect(fit(model, ds, { epochs: 1, batchSize: 8, optimizer: opt, lossFn: (o: Tensor) => o.sum().mul(NaN) })).rejects.toThrow(code("E_VALUE"));
    await expect(fit(model, ds, { epochs: 1, batchSize: 8, optimizer: opt, lossFn: (o: Tensor) => o })).rejects.toThrow(code("E_SHAPE"));
    expect(memory().numBlocks).toBe(before);
  });
});

describe("fit: progress output", () => {
  it("writes nothing to stderr when it is not a terminal (and with progress: false)", async () => {
    const { model, ds } = setup(19, 8);
    const write = vi.spyOn(process.stderr, "write");
    try {
      const isTTY = process.stderr.isTTY;
      (process.stderr as { isTTY?: boolean }).isTTY = false;
      await fit(model, ds, { epochs: 2, batchSize: 4, optimizer: new SGD(model.parameters(), { lr: 0.1 }), lossFn: ce });
      (process.stderr as { isTTY?: boolean }).isTTY = true;
      await fit(model, ds, { epochs: 1, batchSize: 4, optimizer: new SGD(model.parameters(), { lr: 0.1 }), lossFn: ce, progress: false });
      (process.stderr as { isTTY?: boolean }).isTTY = isTTY;
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });

  it("draws on a terminal: \\r-redrawn lines, a summary line per epoch", async () => {
    const { model, ds } = setup(20, 8);
    const out: string[] = [];
    const write = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => { out.push(String(s)); return true; });
    const isTTY = process.stderr.isTTY;
    (process.stderr as { isTTY?: boolean }).isTTY = true;
    try {
      await fit(model, ds, { epochs: 2, batchSize: 4, optimizer: new SGD(model.parameters(), { lr: 0.1 }), lossFn: ce, evalData: ds, metrics: ["accuracy"] });
    } finally {
      (process.stderr as { isTTY?: boolean }).isTTY = isTTY;
      write.mockRestore();
    }
    expect(out.every((s) => s.startsWith("\r"))).toBe(true);
    const summaries = out.filter((s) => s.endsWith("\n"));
    expect(summaries.length).toBe(2);
    expect(summaries[1]).toMatch(/^\rEpoch 2\/2  loss \d\.\d{4}  evalLoss \d\.\d{4}  accuracy \d\.\d{4}  lr 0\.100  \d+\.\ds\x1b\[K\n$/);
  });
});

describe("fit: bad input", () => {
  const { model, ds } = setup(21, 8);
  const optimizer = new SGD(model.parameters(), { lr: 0.1 });
  const base = { optimizer, lossFn: ce, epochs: 1 };
  const cases: [string, () => Promise<unknown>, string, RegExp?][] = [
    ["model not a Module", () => fit({ forward: () => 0 } as never, ds, base), "E_TYPE"],
    ["options missing", () => fit(model, ds, undefined as never), "E_TYPE"],
    ["no optimizer", () => fit(model, ds, { lossFn: ce } as never), "E_TYPE", /optimizer with step\(\), zeroGrad\(\) and paramGroups/],
    ["optimizer without paramGroups", () => fit(model, ds, { ...base, optimizer: { step() {}, zeroGrad() {} } as never }), "E_TYPE"],
    ["optimizer with no parameters", () => fit(model, ds, { ...base, optimizer: { paramGroups: [], step() {}, zeroGrad() {} } }), "E_VALUE"],
    ["lr not a number", () => fit(model, ds, { ...base, optimizer: { ...optimizer, step() {}, zeroGrad() {}, paramGroups: [{ params: model.parameters(), lr: "0.1" as never }] } }), "E_TYPE"],
    ["no lossFn", () => fit(model, ds, { optimizer } as never), "E_TYPE", /lossFn/],
    ["epochs 0", () => fit(model, ds, { ...base, epochs: 0 }), "E_RANGE"],
    ["epochs fractional", () => fit(model, ds, { ...base, epochs: 1.5 }), "E_RANGE"],
    ["batchSize 0", () => fit(model, ds, { ...base, batchSize: 0 }), "E_RANGE"],
    ["batchSize negative", () => fit(model, ds, { ...base, batchSize: -4 }), "E_RANGE"],
    ["empty dataset", () => fit(model, [], base), "E_VALUE", /empty dataset/],
    ["trainData not data", () => fit(model, 42 as never, base), "E_TYPE"],
    ["DataLoader with batchSize", () => fit(model, new data.DataLoader(ds), { ...base, batchSize: 4 }), "E_VALUE"],
    ["unknown metric", () => fit(model, ds, { ...base, metrics: ["auc" as never] }), "E_VALUE"],
    ["metric not a function", () => fit(model, ds, { ...base, metrics: { m: 1 as never } }), "E_TYPE"],
    ["unknown monitor", () => fit(model, ds, { ...base, earlyStopping: { monitor: "valLoss" } }), "E_VALUE"],
    ["evalLoss monitor without evalData", () => fit(model, ds, { ...base, earlyStopping: { monitor: "evalLoss" } }), "E_VALUE"],
    ["patience negative", () => fit(model, ds, { ...base, earlyStopping: { patience: -1 } }), "E_RANGE"],
    ["clipNorm 0", () => fit(model, ds, { ...base, clipNorm: 0 }), "E_RANGE"],
    ["clipNorm NaN", () => fit(model, ds, { ...base, clipNorm: NaN }), "E_RANGE"],
    ["gradAccumulation 0", () => fit(model, ds, { ...base, gradAccumulation: 0 }), "E_RANGE"],
    ["scheduler without step", () => fit(model, ds, { ...base, scheduler: {} as never }), "E_TYPE"],
    ["schedulerInterval unknown", () => fit(model, ds, { ...base, schedulerInterval: "batch" as never }), "E_VALUE"],
    ["checkpoint with path and save", () => fit(model, ds, { ...base, checkpoint: { path: "a", save: () => {} } }), "E_VALUE"],
    ["checkpoint every 0", () => fit(model, ds, { ...base, checkpoint: { save: () => {}, every: 0 } }), "E_RANGE"],
    ["progress not boolean", () => fit(model, ds, { ...base, progress: "yes" as never }), "E_TYPE"],
    ["loss not a tensor", () => fit(model, ds, { ...base, lossFn: () => 0.5 as never }), "E_TYPE", /lossFn: expected a scalar Tensor, received 0.5/],
    ["loss not a scalar", () => fit(model, ds, { ...base, lossFn: (o: Tensor, y: Tensor) => F.crossEntropy(o, y, { reduction: "none" }) }), "E_SHAPE", /use reduction "mean" or "sum"/],
    ["loss without grad (frozen model)", () => fit(model, ds, { ...base, lossFn: (o: Tensor, y: Tensor) => F.crossEntropy(o.detach(), y) }), "E_GRAD"],
    ["batch that is not [input, target]", () => fit(model, [tensor([1, 2, 3, 4])], base), "E_TYPE", /expected \[input, target\] or an object with labels/],
  ];
  for (const [what, run, c, message] of cases) {
    it(what, async () => {
      const err = await run().then(() => null, (e) => e);
      expect(err, what).toMatchObject({ code: c });
      if (message) expect(err.message).toMatch(message);
    });
  }
});
