// Scaled dot-product attention (F.scaledDotProductAttention, torch.nn.functional.
// scaled_dot_product_attention's semantics) on every device: forward values against a float64
// reference (plain, causal, key padding mask, both, tq ≠ tk, dv ≠ d, explicit scale, 2-d inputs),
// gradients of q, k, v against the float64 derivative and by finite differences, a fully masked
// query row is NaN as in torch, and bad inputs.
import { expect } from "vitest";
import { F, tensor, type Tensor } from "../../src/index.js";
import { forEachDevice, onDevice, otherDevice } from "./devices.js";
import { expectClose, expectCode, expectGradcheck, expectShape, intT, itTidy, randT, sizeOf, uniform } from "./compare.js";

// Two float32 GEMMs of at most 8-term sums around a float32 softmax (exp to ≤ 2 ulp, one division):
// a few ulp of the largest terms; 2e-6 relative to the float64 value plus 1e-6 absolute for the
// outputs and gradients that land near 0.
const TOL = { rtol: 2e-6, atol: 1e-6 };

interface Case {
  lead: number[];
  tq: number;
  tk: number;
  d: number;
  dv: number;
  causal?: boolean;
  mask?: number[][];
  scale?: number;
}

/** Outputs and gradients (for L = Σ w·out) of attention in float64. */
function reference(c: Case, q: Float32Array, k: Float32Array, v: Float32Array, w: Float32Array) {
  const batch = sizeOf(c.lead), heads = c.lead.length === 0 ? 1 : batch / c.lead[0];
  const scale = c.scale ?? 1 / Math.sqrt(c.d);
  const out = new Float64Array(batch * c.tq * c.dv);
  const dq = new Float64Array(q.length), dk = new Float64Array(k.length), dv = new Float64Array(v.length);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < c.tq; i++) {
      const s = Array.from({ length: c.tk }, (_, j) => {
        const masked = (c.causal && j > i) || (c.mask !== undefined && c.mask[Math.floor(b / heads)][j] === 0);
        let dot = 0;
        for (let e = 0; e < c.d; e++) dot += q[(b * c.tq + i) * c.d + e] * k[(b * c.tk + j) * c.d + e];
        return masked ? -Infinity : Math.fround(scale) * dot;
      });
      const m = Math.max(...s);
      const z = s.reduce((acc, x) => acc + Math.exp(x - m), 0);
      const p = s.map((x) => Math.exp(x - m) / z);
      const o = (b * c.tq + i) * c.dv;
      for (let e = 0; e < c.dv; e++) for (let j = 0; j < c.tk; j++) out[o + e] += p[j] * v[(b * c.tk + j) * c.dv + e];
      const dp = p.map((_, j) => { let acc = 0; for (let e = 0; e < c.dv; e++) acc += w[o + e] * v[(b * c.tk + j) * c.dv + e]; return acc; });
      const dot = dp.reduce((acc, x, j) => acc + x * p[j], 0);
      for (let j = 0; j < c.tk; j++) {
        const ds = Math.fround(scale) * p[j] * (dp[j] - dot);
        for (let e = 0; e < c.d; e++) {
          dq[(b * c.tq + i) * c.d + e] += ds * k[(b * c.tk + j) * c.d + e];
          dk[(b * c.tk + j) * c.d + e] += ds * q[(b * c.tq + i) * c.d + e];
        }
        for (let e = 0; e < c.dv; e++) dv[(b * c.tk + j) * c.dv + e] += p[j] * w[o + e];
      }
    }
  }
  return { out, dq, dk, dv };
}

function run(c: Case, seed: number) {
  const qv = uniform(sizeOf([...c.lead, c.tq, c.d]), seed, -2, 2);
  const kv = uniform(sizeOf([...c.lead, c.tk, c.d]), seed + 1, -2, 2);
  const vv = uniform(sizeOf([...c.lead, c.tk, c.dv]), seed + 2);
  const q = tensor(qv, [...c.lead, c.tq, c.d], { requiresGrad: true });
  const k = tensor(kv, [...c.lead, c.tk, c.d], { requiresGrad: true });
  const v = tensor(vv, [...c.lead, c.tk, c.dv], { requiresGrad: true });
  const mask = c.mask === undefined ? null : intT(c.mask.flat(), c.lead.length === 0 ? [c.tk] : [c.lead[0], c.tk]);
  const out = F.scaledDotProductAttention(q, k, v, { isCausal: c.causal, keyPaddingMask: mask, scale: c.scale });
  const w = uniform(out.size, seed + 3);
  return { q, k, v, out, w, ref: reference(c, qv, kv, vv, w) };
}

const CASES: [string, Case][] = [
  ["plain [2, 3, 4, 5]·[2, 3, 6, 5] → dv 3", { lead: [2, 3], tq: 4, tk: 6, d: 5, dv: 3 }],
  ["causal, tq = tk = 7", { lead: [2, 2], tq: 7, tk: 7, d: 4, dv: 4, causal: true }],
  ["key padding mask [2, 5] shared by 3 heads", { lead: [2, 3], tq: 3, tk: 5, d: 4, dv: 2, mask: [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]] }],
  ["causal and padding, scale 0.3", { lead: [2, 1], tq: 5, tk: 5, d: 3, dv: 6, causal: true, mask: [[1, 1, 1, 1, 0], [1, 0, 1, 1, 1]], scale: 0.3 }],
  ["2-d inputs, tq 1 (one query, decoding)", { lead: [], tq: 1, tk: 9, d: 8, dv: 8 }],
  ["one key", { lead: [3], tq: 2, tk: 1, d: 2, dv: 2 }],
];

forEachDevice("scaledDotProductAttention", (ctx) => {
  for (const [name, c] of CASES) {
    itTidy(ctx, `${name}: output and the gradients of q, k, v vs float64`, async () => {
      const { q, k, v, out, w, ref } = run(c, 40);
      expectShape(out, [...c.lead, c.tq, c.dv], name);
      expectClose(await out.read(), ref.out, TOL, `${name} out`);
      out.backward(tensor(w, out.shape.slice()));
      expectClose(await q.grad!.read(), ref.dq, TOL, `${name} dq`);
      expectClose(await k.grad!.read(), ref.dk, TOL, `${name} dk`);
      expectClose(await v.grad!.read(), ref.dv, TOL, `${name} dv`);
    });
  }

  itTidy(ctx, "gradcheck: causal with a padding mask", async () => {
    const mask = intT([1, 1, 0, 1], [1, 4]);
    const f = (q: Tensor, k: Tensor, v: Tensor) => F.scaledDotProductAttention(q, k, v, { isCausal: true, keyPaddingMask: mask });
    await expectGradcheck(f, [randT([1, 2, 4, 3], 1, -1, 1, true), randT([1, 2, 4, 3], 2, -1, 1, true), randT([1, 2, 4, 2], 3, -1, 1, true)], "attention");
  });

  itTidy(ctx, "a query whose keys are all masked gives NaN (torch); the other rows are unaffected", async () => {
    const q = randT([1, 2, 3], 5), k = randT([1, 3, 3], 6), v = randT([1, 3, 2], 7);
    const out = await F.scaledDotProductAttention(q, k, v, { keyPaddingMask: intT([0, 0, 0], [1, 3]) }).read();
    expect(Array.from(out).every(Number.isNaN)).toBe(true);
    const some = await F.scaledDotProductAttention(q, k, v, { keyPaddingMask: intT([0, 1, 0], [1, 3]) }).read();
    expectClose(some, Array.from(await v.read()).slice(2, 4).concat(Array.from(await v.read()).slice(2, 4)), { rtol: 1e-7, atol: 0 }, "only key 1");
  });

  itTidy(ctx, "bad inputs: E_SHAPE naming the shapes, E_DTYPE, E_TYPE, E_DEVICE", async () => {
    const q = randT([2, 3, 4], 1), k = randT([2, 5, 4], 2), v = randT([2, 5, 6], 3);
    expectCode("E_SHAPE", () => F.scaledDotProductAttention(q, randT([2, 5, 3], 4), v), /key: expected \[2, tk, 4\] for query \[2, 3, 4\], received \[2, 5, 3\]/);
    expectCode("E_SHAPE", () => F.scaledDotProductAttention(q, k, randT([2, 4, 6], 5)), /value: expected \[2, 5, dv\]/);
    expectCode("E_SHAPE", () => F.scaledDotProductAttention(randT([4], 6), k, v), /query: expected \[\.\.\., t, d\]/);
    expectCode("E_SHAPE", () => F.scaledDotProductAttention(q, k, v, { keyPaddingMask: intT([1, 1, 1, 1, 1]) }), /keyPaddingMask: expected \[2, 5\]/);
    expectCode("E_DTYPE", () => F.scaledDotProductAttention(q, k, v, { keyPaddingMask: tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 1]]) }), /keyPaddingMask: expected an int32 tensor/);
    expectCode("E_DTYPE", () => F.scaledDotProductAttention(intT([1], [1, 1]), k, v), /query: expected a float32 tensor/);
    expectCode("E_TYPE", () => F.scaledDotProductAttention(q, k, v, { isCausal: 1 as never }), /isCausal: expected a boolean/);
    expectCode("E_RANGE", () => F.scaledDotProductAttention(q, k, v, { scale: NaN }), /scale/);
    expectCode("E_DEVICE", () => F.scaledDotProductAttention(q, onDevice(otherDevice(ctx.backend), () => randT([2, 5, 4], 2)), v), /key: expected a tensor on the same device/);
  });
});
