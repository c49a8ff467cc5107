// Elementwise unary ops (neg exp log sqrt tanh sigmoid relu gelu silu abs square pow) through the
// public API on every device: values against float64 (unary-cases.ts), torch 1.13's special values,
// gradients against the float64 derivative and by finite differences, and bad inputs.
import { expect } from "vitest";
import { F, tensor, zeros, type Tensor } from "../../src/index.js";
import { forEachDevice } from "./devices.js";
import { expectClose, expectCode, expectGradcheck, gradOf, itChecks, itTidy, randT, uniform } from "./compare.js";
import { FOLLOWS_TORCH, UNARY, unaryForwardChecks } from "./unary-cases.js";
import { TORCH_SPECIAL } from "./special-values.js";

// Derivatives are evaluated in float32 on the device, several from the float32 output y (tanh's
// 1 − y², sigmoid's y·(1 − y) lose ~2^-24 absolutely near saturation) or from polynomial exp/erfc;
// 1e-5 relative plus 1e-6 absolute covers them with dy in [-1, 1).
const GRAD_TOL = { rtol: 1e-5, atol: 1e-6 };

forEachDevice("unary ops", (ctx) => {
  itChecks(ctx, unaryForwardChecks());

  for (const s of UNARY) {
    itTidy(ctx, `${s.name}: gradient = dy·f'(x) in float64 (67 elements: SIMD body and tail)`, async () => {
      const xs = uniform(67, 11, s.lo, s.hi);
      const dy = uniform(67, 12);
      const x = tensor(xs, undefined, { requiresGrad: true });
      const g = await gradOf(s.apply(x), x, dy);
      expectClose(g, Array.from(xs, (v, i) => dy[i] * s.df(v)), GRAD_TOL, `d ${s.name}`);
    });
  }

  // Inputs stay away from kinks (relu, abs at 0) where central differences straddle two slopes.
  const away = (lo: number, hi: number) => () => randT([2, 3], 5, lo, hi, true);
  for (const s of UNARY) {
    const lo = s.name === "relu" || s.name === "abs" ? 0.1 : Math.max(s.lo, -3);
    itTidy(ctx, `${s.name}: gradcheck`, async () => {
      await expectGradcheck(s.apply, [away(lo, Math.min(s.hi, 3))()], s.name);
      if (s.name === "relu" || s.name === "abs") await expectGradcheck(s.apply, [away(-3, -0.1)()], `${s.name} (negative side)`);
    });
  }

  itTidy(ctx, "gradients at the special values: torch 1.13's, except gelu's limits at ±∞", async () => {
    const inputs = TORCH_SPECIAL.inputs;
    for (const name of FOLLOWS_TORCH) {
      const s = UNARY.find((u) => u.name === name)!;
      const x = tensor(inputs, undefined, { requiresGrad: true });
      const g = await gradOf(s.apply(x), x, inputs.map(() => 1));
      expectClose(g, TORCH_SPECIAL.unary[name].grad, { rtol: 1e-6, atol: 0 }, `d ${name}(${inputs})`);
    }
    // gelu'(x) = Φ(x) + x·φ(x) has limits 1 at +∞ and 0 at −∞ (torch 1.13 gives NaN: ∞·0)
    const x = tensor(inputs, undefined, { requiresGrad: true });
    const want = TORCH_SPECIAL.unary.gelu.grad.map((v, i) => (inputs[i] === Infinity ? 1 : inputs[i] === -Infinity ? 0 : v));
    expectClose(await gradOf(x.gelu(), x, inputs.map(() => 1)), want, { rtol: 1e-6, atol: 0 }, "d gelu(specials)");
  });

  itTidy(ctx, "relu'(0) = abs'(0) = 0 and pow 0 has gradient 0 (torch)", async () => {
    for (const [name, f] of [["relu", (t: Tensor) => t.relu()], ["abs", (t: Tensor) => t.abs()], ["pow 0", (t: Tensor) => t.pow(0)]] as const) {
      const x = tensor([0, -0, 0, 0, 0], undefined, { requiresGrad: true });
      expectClose(await gradOf(f(x), x, [1, 1, 1, 1, 1]), [0, 0, 0, 0, 0], { rtol: 0, atol: 0 }, `d ${name}(0)`);
    }
  });

  itTidy(ctx, "chained ops backpropagate through each other (exp(tanh(x))·x)", async () => {
    const xs = uniform(9, 21, -2, 2);
    const x = tensor(xs, undefined, { requiresGrad: true });
    const g = await gradOf(x.tanh().exp().mul(x), x, xs.map(() => 1));
    const want = Array.from(xs, (v) => Math.exp(Math.tanh(v)) * ((1 - Math.tanh(v) ** 2) * v + 1));
    expectClose(g, want, { rtol: 2e-6, atol: 1e-7 }, "d exp(tanh(x))·x");
  });

  itTidy(ctx, "bad inputs: int32 → E_DTYPE, non-tensors → E_TYPE, non-number exponents → E_TYPE, disposed → E_DISPOSED", async () => {
    const ids = tensor([1, 2], undefined, { dtype: "int32" });
    for (const s of UNARY) expectCode("E_DTYPE", () => s.apply(ids), /expected a float32 tensor, received int32/);
    expectCode("E_TYPE", () => F.exp(3 as never), /exp: input: expected a Tensor/);
    expectCode("E_TYPE", () => F.relu([1, 2] as never));
    expectCode("E_TYPE", () => zeros([2]).pow("2" as never), /pow: exponent: expected a number/);
    expectCode("E_TYPE", () => zeros([2]).pow(NaN), /pow: exponent/);
    const x = zeros([3]);
    x.dispose();
    expectCode("E_DISPOSED", () => x.exp());
    expect(() => zeros([3]).gelu()).not.toThrow();
  });
});
