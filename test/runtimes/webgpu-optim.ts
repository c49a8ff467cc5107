// The optimizer kernels on the GPU follow torch.optim: the teacher-forced trajectories of
// test/optim/fidelity.test.ts (fixture made by test/fixtures/make_optim_fixtures.py, PyTorch 1.13:
// SGD, Adam, AdamW, RMSprop, Adagrad in every option combination, 20 steps, each fed torch's
// gradient) with the parameters, gradients and optimizer state on the webgpu device; parameters
// must match within the same 1e-5 relative (+1e-7 absolute) as on the CPU. Run by webgpu-suite.ts.
import { describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../../src/index.js";
import { useBackend } from "../../src/backend/device.js";
import { webGpuBackend } from "../../src/backend/webgpu/init.js";
import { fixture, makeOptimizer, type Trajectory } from "../optim/helpers.js";

const RTOL = 1e-5, ATOL = 1e-7;
const trajectories = fixture.trajectories as Record<string, Trajectory>;

describe("optimizers on webgpu match torch.optim (teacher-forced trajectories)", () => {
  for (const [name, c] of Object.entries(trajectories)) {
    it(`${name}: 20 steps`, async () => {
      useBackend(webGpuBackend());
      const m = fixture.mlp;
      const params: Tensor[] = m.init.map((v: number[], i: number) => tensor(Float32Array.from(v), m.shapes[i], { requiresGrad: true }));
      const opt = makeOptimizer(c.optimizer, params, c.options, c.groups);
      try {
        for (let k = 0; k < c.params.length; k++) {
          params.forEach((p, i) => {
            p.grad?.dispose();
            p.grad = tensor(Float32Array.from(c.grads[k][i]), p.shape.slice());
          });
          opt.step();
          for (let i = 0; i < params.length; i++) {
            const got = await params[i].read();
            const want = c.params[k][i];
            for (let j = 0; j < want.length; j++) {
              const tol = ATOL + RTOL * Math.abs(want[j]);
              expect(Math.abs(got[j] - want[j]) <= tol, `${name} step ${k + 1} ${m.names[i]}[${j}]: ${got[j]} vs torch ${want[j]}`).toBe(true);
            }
          }
        }
      } finally {
        opt.dispose();
        for (const p of params) p.dispose();
        useBackend(null);
      }
    });
  }
});
