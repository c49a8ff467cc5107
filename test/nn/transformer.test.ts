// nn.MultiheadAttention, TransformerEncoderLayer, TransformerDecoderLayer, Transformer and the
// sinusoidal PositionalEncoding against torch 1.13 (fixtures made by
// test/fixtures/make_transformer_fixtures.py): torch's state dict loads key for key, and the outputs,
// attention weights and the gradient of every parameter and input agree. Tolerance: 1e-4 relative to
// the largest magnitude of each compared tensor (the bound) — float32 on both sides, but the
// fused kernel sums scores and weights in another order (blocked, online softmax) and scales Q·Kᵀ
// rather than Q, so the results differ by some ulp of the largest value: every case also passes at
// 3e-6. Also: bad inputs with stable codes, and layer mechanics (clones, keys).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { nn, tensor, tidy, type Tensor } from "../../src/index.js";

interface Entry { shape: number[]; data: number[]; dtype?: "int32" | "float32" }
interface Case {
  name: string;
  state: Record<string, Entry>;
  inputs: Entry[];
  masks: Record<string, Entry>;
  output: Entry;
  weights?: Entry;
  g: Entry;
  grads: { params: Record<string, Entry>; inputs: (Entry | null)[] };
  options: Record<string, never>;
}

// Python's json writes −∞ (in float masks) as the bare token -Infinity, which JSON.parse rejects.
const fx = JSON.parse(readFileSync(new URL("../fixtures/transformer.json", import.meta.url), "utf8").replace(/-Infinity/g, '"-Infinity"')) as { cases: Case[]; positional: { maxLen: number; dModel: number; table: number[] } };

function closeRel(got: ArrayLike<number>, want: Entry, what: string, rel = 1e-4): void {
  expect(got.length, what).toBe(want.data.length);
  const scale = want.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
  for (let i = 0; i < want.data.length; i++) {
    if (!(Math.abs(got[i] - want.data[i]) <= rel * scale)) throw new Error(`${what}[${i}]: ${got[i]} vs torch ${want.data[i]} (scale ${scale})`);
  }
}

const t = (e: Entry, requiresGrad = false): Tensor => tensor(e.data.map(Number), e.shape, { dtype: e.dtype ?? "float32", requiresGrad });

function build(c: Case): nn.Module {
  const o = c.options as Record<string, never>;
  if (c.name.startsWith("mha")) return new nn.MultiheadAttention(o.embedDim, o.numHeads, { batchFirst: o.batchFirst, kdim: o.kdim, vdim: o.vdim, bias: o.bias ?? true });
  const layer = { dimFeedforward: o.dimFeedforward, dropout: 0, activation: o.activation, normFirst: o.normFirst, batchFirst: o.batchFirst, layerNormEps: o.layerNormEps ?? 1e-5 };
  if (c.name.startsWith("encoder layer")) return new nn.TransformerEncoderLayer(o.dModel, o.nhead, layer);
  if (c.name.startsWith("decoder layer")) return new nn.TransformerDecoderLayer(o.dModel, o.nhead, layer);
  return new nn.Transformer({ dModel: o.dModel, nhead: o.nhead, numEncoderLayers: o.numEncoderLayers, numDecoderLayers: o.numDecoderLayers, dimFeedforward: o.dimFeedforward, dropout: 0, batchFirst: o.batchFirst });
}

function run(m: nn.Module, c: Case, xs: Tensor[], masks: Record<string, Tensor>): [Tensor, Tensor | null] {
  const o = c.options as Record<string, never>;
  if (m instanceof nn.MultiheadAttention) {
    const [q, k, v] = o.selfAttention ? [xs[0], xs[0], xs[0]] : o.keyIsValue ? [xs[0], xs[1], xs[1]] : xs;
    return m.forward(q, k, v, { keyPaddingMask: masks.keyPaddingMask, attnMask: masks.attnMask, needWeights: o.needWeights, averageAttnWeights: o.averageAttnWeights ?? true });
  }
  if (m instanceof nn.TransformerEncoderLayer) return [m.forward(xs[0], { srcMask: masks.srcMask, srcKeyPaddingMask: masks.srcKeyPaddingMask }), null];
  if (m instanceof nn.TransformerDecoderLayer) return [m.forward(xs[0], xs[1], masks), null];
  return [(m as nn.Transformer).forward(xs[0], xs[1], masks), null];
}

describe("transformer layers vs torch 1.13", () => {
  for (const c of fx.cases) {
    it(`${c.name}: keys, output${c.weights ? ", weights" : ""} and every gradient`, () => tidy(() => {
      const m = build(c);
      expect(Object.keys(m.stateDict()).sort()).toEqual(Object.keys(c.state).sort());
      m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, e]) => [k, t(e)])));
      const xs = c.inputs.map((e) => t(e, true));
      const masks = Object.fromEntries(Object.entries(c.masks).map(([k, e]) => [k, t(e)]));
      const [y, w] = run(m, c, xs, masks);
      closeRel(y.data(), c.output, "output");
      if (c.weights) closeRel(w!.data(), c.weights, "weights");
      y.backward(t(c.g));
      for (const [k, p] of m.namedParameters()) closeRel(p.grad!.data(), c.grads.params[k], `grad ${k}`);
      c.grads.inputs.forEach((g, i) => { if (g) closeRel(xs[i].grad!.data(), g, `grad input ${i}`); });
      m.dispose();
    }));
  }

  it("PositionalEncoding's table equals the PyTorch tutorial's (float32 arithmetic) up to position 511", () => tidy(() => {
    const { maxLen, dModel, table } = fx.positional;
    const pe = new nn.PositionalEncoding(dModel, { maxLen, dropout: 0 });
    closeRel(pe.pe.data(), { shape: [maxLen, dModel], data: table }, "pe", 1e-6);
    const x = tensor(new Float32Array(3 * 2 * dModel), [3, 2, dModel]);
    const y = pe.forward(x);
    expect(Array.from(y.data().slice(dModel, 2 * dModel))).toEqual(Array.from(pe.pe.data().slice(0, dModel))); // batch 1 gets position 0
    expect(Object.keys(pe.stateDict())).toEqual(["pe"]);
    pe.dispose();
  }));

  it("bad inputs: numHeads not dividing embedDim, wrong dims, masks of the wrong shape, sequences past maxLen", () => tidy(() => {
    const code = (f: () => unknown, c: string, msg?: RegExp) => {
      let e: unknown;
      try { f(); } catch (err) { e = err; }
      expect((e as { code?: string })?.code, String(e)).toBe(c);
      if (msg) expect(String((e as Error).message)).toMatch(msg);
    };
    code(() => new nn.MultiheadAttention(10, 3), "E_VALUE", /divisor of embedDim 10/);
    const m = new nn.MultiheadAttention(8, 2, { batchFirst: true });
    const x = tensor(new Float32Array(2 * 3 * 8), [2, 3, 8]);
    code(() => m.forward(x, x, tensor(new Float32Array(2 * 4 * 8), [2, 4, 8])), "E_SHAPE", /value/);
    code(() => m.forward(x, x, x, { keyPaddingMask: tensor([1, 0, 0], [1, 3], { dtype: "int32" }) }), "E_SHAPE", /keyPaddingMask: expected shape \[2, 3\]/);
    code(() => m.forward(x, x, x, { attnMask: tensor(new Float32Array(9 * 2), [2, 3, 3]) }), "E_SHAPE", /attnMask: expected shape \[3, 3\] or \[4, 3, 3\]/);
    code(() => m.forward(tensor(new Float32Array(2 * 3 * 7), [2, 3, 7]), x, x), "E_SHAPE", /embedDim = 8/);
    const pe = new nn.PositionalEncoding(8, { maxLen: 2 });
    code(() => pe.forward(tensor(new Float32Array(3 * 8), [3, 8])), "E_SHAPE", /at most maxLen = 2/);
    code(() => new nn.TransformerEncoderLayer(8, 2, { activation: "tanh" as never }), "E_VALUE");
    m.dispose();
    pe.dispose();
  }));

  it("TransformerEncoder clones the layer: numLayers copies with the same weights and torch's keys", () => tidy(() => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 });
    const enc = new nn.TransformerEncoder(layer, 3, { norm: new nn.LayerNorm(8) });
    const keys = Object.keys(enc.stateDict());
    expect(keys).toContain("layers.2.self_attn.in_proj_weight");
    expect(keys).toContain("norm.weight");
    const w0 = enc.layers.at(0).linear1.weight.data(), w2 = enc.layers.at(2).linear1.weight.data();
    expect(Array.from(w2)).toEqual(Array.from(w0));
    expect(Array.from(w0)).toEqual(Array.from(layer.linear1.weight.data()));
    enc.dispose();
    layer.dispose();
  }));
});
