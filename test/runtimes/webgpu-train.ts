// A GPT-like training step trains entirely on the GPU and gives the CPU's losses: token embedding →
// linear → GELU → layerNorm → linear → cross-entropy, plain SGD written with tensor ops, the same
// seeded weights on both devices. Run by test/runtimes/webgpu-suite.ts (Deno, a WebGPU adapter).
// Tolerance: the devices sum in different orders (tree reductions, tiled GEMM, atomic adds in the
// embedding gradient), each a few float32 roundings apart per value; over 6 steps the losses
// (≈ ln 32 ≈ 3.5) agree to 2e-5 relative, far below the loss change per step (≈ 0.1).
import { describe, expect, it } from "vitest";
import { F, Generator, noGrad, tensor, tidy, webgpuStats, type Tensor } from "../../src/index.js";
import { webGpuBackend } from "../../src/backend/webgpu/init.js";

const V = 32, D = 16, H = 32, B = 2, T = 8, STEPS = 6, LR = 0.5;

interface Params { emb: Tensor; w1: Tensor; b1: Tensor; gamma: Tensor; beta: Tensor; w2: Tensor; b2: Tensor }

function makeParams(device: string): Params {
  const g = new Generator(1234);
  const t = (shape: number[], scale: number, shift = 0) =>
    tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => shift + scale * (g.random() * 2 - 1)), shape, { device, requiresGrad: true });
  return {
    emb: t([V, D], 1), w1: t([H, D], 0.25), b1: t([H], 0.1), gamma: t([H], 0.1, 1), beta: t([H], 0.1),
    w2: t([V, H], 0.18), b2: t([V], 0.1),
  };
}

function batch(device: string): { ids: Tensor; targets: Tensor } {
  const g = new Generator(99);
  const tokens = Array.from({ length: B * T + 1 }, () => Math.floor(g.random() * V));
  return {
    ids: tensor(tokens.slice(0, -1), [B, T], { dtype: "int32", device }),
    targets: tensor(tokens.slice(1), [B, T], { dtype: "int32", device }),
  };
}

/** One step: forward, backward, p ← p − lr·grad under noGrad; returns the loss tensor (not yet read). */
function step(p: Params, ids: Tensor, targets: Tensor): Tensor {
  const loss = tidy(() => {
    const x = ids.embedding(p.emb); // [B, T, D]
    const h = F.linear(x, p.w1, p.b1).gelu().layerNorm(H, p.gamma, p.beta);
    const logits = F.linear(h, p.w2, p.b2); // [B, T, V]
    const l = logits.reshape(B * T, V).crossEntropy(targets.reshape(B * T));
    l.backward();
    return l;
  });
  noGrad(() => tidy(() => {
    for (const w of Object.values(p)) {
      w.copy_(w.sub(w.grad!.mul(LR)));
      w.zeroGrad();
    }
  }));
  return loss;
}

async function train(device: string): Promise<number[]> {
  const p = makeParams(device);
  const { ids, targets } = batch(device);
  const losses: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const loss = step(p, ids, targets);
    losses.push((await loss.read())[0]);
    loss.dispose();
  }
  for (const t of [...Object.values(p), ids, targets]) t.dispose();
  return losses;
}

describe("GPT-like training step (embedding → linear → GELU → layerNorm → linear → cross-entropy, SGD)", () => {
  it(`webgpu losses equal the CPU's within 2e-5 relative over ${STEPS} steps, and the GPU needs no transfers but the loss reads`, async () => {
    const cpu = await train("cpu");
    expect(webGpuBackend(), "the webgpu device").toBeDefined();
    const before = webgpuStats()!;
    const gpu = await train("webgpu");
    const after = webgpuStats()!;
    for (let s = 0; s < STEPS; s++) {
      const rel = Math.abs(gpu[s] - cpu[s]) / Math.abs(cpu[s]);
      expect(rel < 2e-5, `step ${s}: webgpu loss ${gpu[s]} vs cpu ${cpu[s]} (relative difference ${rel})`).toBe(true);
    }
    expect(cpu[STEPS - 1] < cpu[0] - 0.3, `the loss falls (${cpu.join(", ")})`).toBe(true);
    // Uploads: 7 parameters + ids + targets, once; downloads: one loss per step.
    expect(after.uploads - before.uploads).toBe(9);
    expect(after.downloads - before.downloads).toBe(STEPS);
    expect(after.buffers, "GPU buffers still held after disposing everything").toBe(before.buffers);
    console.log(`  losses cpu ${cpu.map((v) => v.toFixed(6)).join(" ")}\n  losses gpu ${gpu.map((v) => v.toFixed(6)).join(" ")}`);
  });
});
