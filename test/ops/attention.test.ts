// F.scaledDotProductAttention on every device against a float64 softmax(Q·Kᵀ·scale + mask)·V written
// here: lengths around the kernel's 32-row / 32-key blocks and 4×8 micro-tiles (1, 3, 31, 33, 70),
// head sizes with SIMD tails, E ≠ Ev, L ≠ S, causal, additive and bool masks (broadcast in every
// way), fully masked rows (zeros, not NaN), huge scores; gradients of q, k and v against the float64
// formulas (dS = P∘(dP − rowsum(dP∘P))) and gradcheck; dropout equal across devices for one seed
// and checked by gradcheck; bad inputs with their codes.
import { expect } from "vitest";
import { F, Generator, tensor } from "../../src/index.js";
import { forEachDevice, onDevice, otherDevice } from "./devices.js";
import { expectClose, expectCode, expectGradcheck, expectShape, intT, itTidy, randT, sizeOf, uniform } from "./compare.js";

interface Case {
  lead: number[];
  L: number;
  S: number;
  E: number;
  Ev: number;
}

/** mask(b, i, j): the additive term for flat batch b (−∞ to drop); null: none. */
type MaskFn = ((b: number, i: number, j: number) => number) | null;

/** float64 attention over flat batches; also the gradients for upstream weights g when given. */
function reference(c: Case, q: Float32Array, k: Float32Array, v: Float32Array, opts: { causal?: boolean; mask?: MaskFn; scale?: number }, g?: Float32Array) {
  const B = sizeOf(c.lead);
  const scale = opts.scale ?? 1 / Math.sqrt(c.E);
  const out = new Float64Array(B * c.L * c.Ev);
  const dq = new Float64Array(q.length), dk = new Float64Array(k.length), dv = new Float64Array(v.length);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < c.L; i++) {
      const s = new Float64Array(c.S);
      let mx = -Infinity;
      for (let j = 0; j < c.S; j++) {
        let d = 0;
        for (let e = 0; e < c.E; e++) d += q[(b * c.L + i) * c.E + e] * k[(b * c.S + j) * c.E + e];
        s[j] = d * scale + (opts.mask ? opts.mask(b, i, j) : 0) + (opts.causal && j > i ? -Infinity : 0);
        mx = Math.max(mx, s[j]);
      }
      if (mx === -Infinity) continue; // the kernels give zeros for a row with nothing to see
      const p = s.map((x) => Math.exp(x - mx));
      const z = p.reduce((a, x) => a + x, 0);
      for (let j = 0; j < c.S; j++) p[j] /= z;
      for (let e = 0; e < c.Ev; e++) {
        let acc = 0;
        for (let j = 0; j < c.S; j++) acc += p[j] * v[(b * c.S + j) * c.Ev + e];
        out[(b * c.L + i) * c.Ev + e] = acc;
      }
      if (!g) continue;
      const dp = new Float64Array(c.S);
      for (let j = 0; j < c.S; j++) {
        for (let e = 0; e < c.Ev; e++) {
          dp[j] += g[(b * c.L + i) * c.Ev + e] * v[(b * c.S + j) * c.Ev + e];
          dv[(b * c.S + j) * c.Ev + e] += p[j] * g[(b * c.L + i) * c.Ev + e];
        }
      }
      const dsum = dp.reduce((a, x, j) => a + x * p[j], 0);
      for (let j = 0; j < c.S; j++) {
        const ds = p[j] * (dp[j] - dsum) * scale;
        for (let e = 0; e < c.E; e++) {
          dq[(b * c.L + i) * c.E + e] += ds * k[(b * c.S + j) * c.E + e];
          dk[(b * c.S + j) * c.E + e] += ds * q[(b * c.L + i) * c.E + e];
        }
      }
    }
  }
  return { out, dq, dk, dv };
}

// float32 scores summed over E terms and softmax over S terms: 1e-5 relative to the output scale
// plus 2e-6 absolute covers the worst case seen (E = 64, S = 70) with a 5x margin.
const TOL = { rtol: 1e-4, atol: 2e-5 };
const GTOL = { rtol: 1e-3, atol: 1e-4 };

function inputs(c: Case, seed: number) {
  const B = sizeOf(c.lead);
  return {
    q: uniform(B * c.L * c.E, seed, -1.5, 1.5),
    k: uniform(B * c.S * c.E, seed + 1, -1.5, 1.5),
    v: uniform(B * c.S * c.Ev, seed + 2),
    g: uniform(B * c.L * c.Ev, seed + 3),
  };
}

async function run(c: Case, seed: number, opts: { causal?: boolean; mask?: MaskFn; attnMask?: ReturnType<typeof tensor>; scale?: number }, grads: boolean, what: string): Promise<void> {
  const x = inputs(c, seed);
  const q = tensor(x.q, [...c.lead, c.L, c.E], { requiresGrad: grads });
  const k = tensor(x.k, [...c.lead, c.S, c.E], { requiresGrad: grads });
  const v = tensor(x.v, [...c.lead, c.S, c.Ev], { requiresGrad: grads });
  const y = F.scaledDotProductAttention(q, k, v, { isCausal: opts.causal ?? false, attnMask: opts.attnMask ?? null, scale: opts.scale });
  expectShape(y, [...c.lead, c.L, c.Ev], what);
  const ref = reference(c, x.q, x.k, x.v, opts, grads ? x.g : undefined);
  expectClose(await y.read(), ref.out, TOL, what);
  if (!grads) return;
  y.backward(tensor(x.g, y.shape.slice()));
  expectClose(await q.grad!.read(), ref.dq, GTOL, `${what} dq`);
  expectClose(await k.grad!.read(), ref.dk, GTOL, `${what} dk`);
  expectClose(await v.grad!.read(), ref.dv, GTOL, `${what} dv`);
}

forEachDevice("scaledDotProductAttention", (ctx) => {
  const shapes: Case[] = [
    { lead: [], L: 1, S: 1, E: 1, Ev: 1 },
    { lead: [2], L: 3, S: 5, E: 3, Ev: 6 },
    { lead: [1, 2], L: 31, S: 33, E: 8, Ev: 8 },
    { lead: [2, 1], L: 33, S: 31, E: 13, Ev: 5 },
    { lead: [1, 1], L: 70, S: 70, E: 32, Ev: 32 },
    { lead: [1, 1], L: 2, S: 70, E: 16, Ev: 16 }, // the decode path (≤ 2 query rows)
  ];
  itTidy(ctx, "forward and gradients of q, k, v vs float64 over block and SIMD tails (no mask)", async () => {
    for (const [n, c] of shapes.entries()) await run(c, 10 + n, {}, true, `sdpa ${JSON.stringify(c)}`);
  });
  itTidy(ctx, "isCausal: query i sees keys 0 … i (L = S and L ≠ S), forward and gradients", async () => {
    await run({ lead: [1, 2], L: 70, S: 70, E: 8, Ev: 8 }, 20, { causal: true }, true, "causal 70");
    await run({ lead: [2], L: 33, S: 40, E: 4, Ev: 12 }, 21, { causal: true }, true, "causal 33x40");
    await run({ lead: [2], L: 40, S: 33, E: 4, Ev: 4 }, 22, { causal: true }, true, "causal 40x33 (rows past S see every key)");
    await run({ lead: [1], L: 1, S: 9, E: 4, Ev: 4 }, 23, { causal: true }, false, "causal decode row sees key 0 only");
  });
  itTidy(ctx, "above the threading threshold: [2, 4, 130, 128] causal with a padding mask, forward and gradients", async () => {
    const c: Case = { lead: [2, 4], L: 130, S: 128, E: 32, Ev: 16 };
    const pad = Array.from({ length: 2 * c.S }, (_, n) => (n >= c.S && n % c.S >= 100 ? 0 : 1));
    await run(c, 30, { causal: true, attnMask: undefined }, true, "threaded causal");
    await run(c, 31, { attnMask: intT(pad, [2, 1, 1, c.S]), mask: (b, _i, j) => (pad[Math.floor(b / 4) * c.S + j] ? 0 : -Infinity) }, true, "threaded padding");
  });
  itTidy(ctx, "float mask [L, S], [B, 1, 1, S] (key padding) and int32 bool masks [B, H, L, S] (true = attend)", async () => {
    const c: Case = { lead: [2, 3], L: 35, S: 37, E: 8, Ev: 8 };
    const fm = uniform(c.L * c.S, 40, -2, 2);
    await run(c, 41, { attnMask: tensor(fm, [c.L, c.S]), mask: (_b, i, j) => fm[i * c.S + j] }, true, "float [L, S]");
    const pad = Array.from({ length: 2 * c.S }, (_, n) => (n % c.S < (n < c.S ? 30 : 12) ? 0 : -Infinity));
    await run(c, 42, { attnMask: tensor(pad, [2, 1, 1, c.S]), mask: (b, _i, j) => pad[Math.floor(b / 3) * c.S + j] }, true, "padding [2, 1, 1, S]");
    const bools = Array.from({ length: sizeOf([2, 3, c.L, c.S]) }, (_, n) => (n * 7919 % 5 === 0 ? 0 : 1));
    await run(c, 43, { attnMask: intT(bools, [2, 3, c.L, c.S]), mask: (b, i, j) => (bools[(b * c.L + i) * c.S + j] ? 0 : -Infinity) }, true, "bool [B, H, L, S]");
    const b2 = Array.from({ length: 3 * c.S }, (_, n) => (n % 4 === 0 ? 0 : 1));
    await run(c, 44, { attnMask: intT(b2, [3, 1, c.S]), mask: (b, _i, j) => (b2[(b % 3) * c.S + j] ? 0 : -Infinity) }, true, "bool [H, 1, S]");
  });
  itTidy(ctx, "fully masked rows give zeros (torch: NaN) and zero gradients; huge scores stay finite", async () => {
    const c: Case = { lead: [1], L: 4, S: 6, E: 4, Ev: 3 };
    const m = Array.from({ length: 4 * 6 }, (_, n) => (Math.floor(n / 6) === 2 ? 0 : 1));
    await run(c, 50, { attnMask: intT(m, [4, 6]), mask: (_b, i) => (i === 2 ? -Infinity : 0) }, true, "row 2 fully masked");
    const y = F.scaledDotProductAttention(randT([1, 4, 4], 51), randT([1, 6, 4], 52), randT([1, 6, 3], 53), { attnMask: intT(m, [4, 6]) });
    expectClose((await y.read()).slice(6, 9), [0, 0, 0], { rtol: 0, atol: 0 }, "masked row is 0");
    await run({ lead: [1], L: 5, S: 40, E: 4, Ev: 4 }, 54, { scale: 300 }, false, "scale 300 (scores ~±1e3)");
  });
  itTidy(ctx, "gradcheck: q, k, v together, causal with a float mask on [1, 2, 5, 4]", async () => {
    await expectGradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v), [randT([2, 5, 4], 60, -1, 1, true), randT([2, 6, 4], 61, -1, 1, true), randT([2, 6, 3], 62, -1, 1, true)], "sdpa");
    const m = randT([5, 5], 63);
    await expectGradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v, { attnMask: m }), [randT([1, 2, 5, 4], 64, -1, 1, true), randT([1, 2, 5, 4], 65, -1, 1, true), randT([1, 2, 5, 4], 66, -1, 1, true)], "sdpa mask");
    await expectGradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true }), [randT([1, 2, 5, 4], 67, -1, 1, true), randT([1, 2, 5, 4], 68, -1, 1, true), randT([1, 2, 5, 4], 69, -1, 1, true)], "sdpa causal");
  });
  itTidy(ctx, "broadcast batch dims: key/value [1, S, E] shared by every head (gradients summed back)", async () => {
    const q = randT([2, 3, 7, 4], 70, -1, 1, true), k = randT([1, 9, 4], 71, -1, 1, true), v = randT([1, 9, 4], 72, -1, 1, true);
    await expectGradcheck((a, b, c) => F.scaledDotProductAttention(a, b, c), [q, k, v], "broadcast k/v");
  });
  itTidy(ctx, "dropoutP: same weights dropped for one seed, gradcheck through a fixed generator, p = 1 gives zeros", async () => {
    const q = randT([1, 2, 40, 8], 80, -1, 1, true), k = randT([1, 2, 40, 8], 81, -1, 1, true), v = randT([1, 2, 40, 8], 82, -1, 1, true);
    const a = await F.scaledDotProductAttention(q, k, v, { dropoutP: 0.3, generator: new Generator(5) }).read();
    const b = await F.scaledDotProductAttention(q, k, v, { dropoutP: 0.3, generator: new Generator(5) }).read();
    expectClose(a, b, { rtol: 0, atol: 0 }, "same seed, same output");
    const noDrop = await F.scaledDotProductAttention(q, k, v).read();
    expect(a.some((x, i) => Math.abs(x - noDrop[i]) > 1e-3)).toBe(true);
    await expectGradcheck((x, y, z) => F.scaledDotProductAttention(x, y, z, { dropoutP: 0.25, generator: new Generator(9) }),
      [randT([1, 6, 4], 83, -1, 1, true), randT([1, 7, 4], 84, -1, 1, true), randT([1, 7, 4], 85, -1, 1, true)], "dropout");
    const z = await F.scaledDotProductAttention(q, k, v, { dropoutP: 1 }).read();
    expectClose(z, new Float32Array(z.length), { rtol: 0, atol: 0 }, "p = 1");
  });
  itTidy(ctx, "bad inputs: E_SHAPE for mismatched dims and masks that do not broadcast, E_VALUE mask + isCausal, E_RANGE p, E_DTYPE, E_DEVICE", async () => {
    const q = randT([2, 4, 8], 90), k = randT([2, 5, 8], 91), v = randT([2, 5, 3], 92);
    expectCode("E_SHAPE", () => F.scaledDotProductAttention(q, randT([2, 5, 7], 93), v), /key: expected last dimension 8/);
    expectCode("E_SHAPE", () => F.scaledDotProductAttention(q, k, randT([2, 6, 3], 94)), /value: expected 5 rows/);
    expectCode("E_SHAPE", () => F.scaledDotProductAttention(q, k, v, { attnMask: randT([4, 6], 95) }), /broadcast/);
    expectCode("E_SHAPE", () => F.scaledDotProductAttention(q, k, v, { attnMask: randT([3, 4, 5], 96) }), /broadcast/);
    expectCode("E_SHAPE", () => F.scaledDotProductAttention(randT([8], 97), k, v), /at least 2 dimensions/);
    expectCode("E_VALUE", () => F.scaledDotProductAttention(q, k, v, { attnMask: randT([4, 5], 98), isCausal: true }), /isCausal/);
    expectCode("E_RANGE", () => F.scaledDotProductAttention(q, k, v, { dropoutP: 1.5 }));
    expectCode("E_DTYPE", () => F.scaledDotProductAttention(intT([1, 2], [1, 2]), k, v));
    expectCode("E_SHAPE", () => F.scaledDotProductAttention(randT([3, 4, 8], 99), k, v), /broadcast/);
    expectCode("E_DEVICE", () => F.scaledDotProductAttention(q, onDevice(otherDevice(ctx.backend), () => randT([2, 5, 8], 100)), v), /key: expected a tensor on the same device/);
  });
});
