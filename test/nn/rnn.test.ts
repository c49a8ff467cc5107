// nn.RNN / LSTM / GRU on every build: gradients against central finite differences on tiny and odd
// sizes (H = 1, 3, 5, 7; B = 1; T = 1; unbatched; two layers; both directions; batch-first; with and
// without initial states; dropout with a fixed seed), torch's parameter names, shapes and default
// init, dropout only in training, and shapes at the edges (batch 0, input size 0).
//
// Gradcheck tolerance: the forward runs in f32, so a central difference with eps = 1e-2 carries about
// 1e-7·|L| / eps ≈ 1e-5·|L| of rounding noise plus an O(eps²) truncation error; atol 2e-3 and rtol
// 1e-2 leave room for both while still catching any wrong term (those err by O(1) of the gradient).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concat, gradcheck, manualSeed, nn, noGrad, randn, tensor, tidy, zeros, type Tensor } from "../../src/index.js";
import { cpuBackendFor, useBackend } from "../../src/backend/device.js";
import { BUILDS, detectFeatures, loadRuntime, type Runtime } from "../../src/runtime/wasm.js";

type Cell = "LSTM" | "GRU" | "RNN" | "RNN-relu";

interface Case {
  cell: Cell;
  I: number; H: number; T: number; B: number | null; // null: unbatched 2-D input
  layers?: number; bidirectional?: boolean; batchFirst?: boolean; init?: boolean; bias?: boolean; dropout?: number;
}

function make(c: Case): nn.LSTM | nn.GRU | nn.RNN {
  const o = { numLayers: c.layers ?? 1, bidirectional: c.bidirectional ?? false, batchFirst: c.batchFirst ?? false, bias: c.bias ?? true, dropout: c.dropout ?? 0 };
  if (c.cell === "LSTM") return new nn.LSTM(c.I, c.H, o);
  if (c.cell === "GRU") return new nn.GRU(c.I, c.H, o);
  return new nn.RNN(c.I, c.H, { ...o, nonlinearity: c.cell === "RNN-relu" ? "relu" : "tanh" });
}

/** Every output of the module, flattened into one tensor (so gradcheck weighs all of them). */
function allOutputs(m: nn.LSTM | nn.GRU | nn.RNN, x: Tensor, h0: Tensor | null, c0: Tensor | null): Tensor {
  if (m instanceof nn.LSTM) {
    const [out, [h, c]] = m.forward(x, h0 && c0 ? [h0, c0] : null);
    return concat([out.reshape([-1]), h.reshape([-1]), c.reshape([-1])]);
  }
  const [out, h] = m.forward(x, h0);
  return concat([out.reshape([-1]), h.reshape([-1])]);
}

const CASES: Case[] = [
  { cell: "LSTM", I: 3, H: 1, T: 2, B: 2, init: true },
  { cell: "LSTM", I: 2, H: 3, T: 1, B: 1, init: true },
  { cell: "LSTM", I: 4, H: 5, T: 3, B: 2, layers: 2, bidirectional: true, batchFirst: true, init: true },
  { cell: "LSTM", I: 3, H: 7, T: 2, B: null, bidirectional: true },
  { cell: "LSTM", I: 2, H: 3, T: 3, B: 3, layers: 2, dropout: 0.4 },
  { cell: "GRU", I: 3, H: 1, T: 3, B: 1, init: true },
  { cell: "GRU", I: 2, H: 5, T: 2, B: 3, layers: 2, bidirectional: true, init: true },
  { cell: "GRU", I: 3, H: 7, T: 1, B: 2, batchFirst: true, bias: false, init: true },
  { cell: "GRU", I: 4, H: 3, T: 4, B: null },
  { cell: "RNN", I: 3, H: 3, T: 3, B: 2, layers: 2, bidirectional: true, init: true },
  { cell: "RNN", I: 2, H: 1, T: 1, B: 1 },
  { cell: "RNN-relu", I: 3, H: 5, T: 3, B: 2, batchFirst: true, init: true },
  { cell: "RNN-relu", I: 2, H: 7, T: 2, B: null, bidirectional: true, init: true },
];

const label = (c: Case) => `${c.cell}(${c.I}, ${c.H}) T${c.T} ${c.B === null ? "unbatched" : `B${c.B}`}` +
  `${c.layers ? ` ${c.layers} layers` : ""}${c.bidirectional ? " bidirectional" : ""}${c.batchFirst ? " batchFirst" : ""}` +
  `${c.init ? " h0" : ""}${c.bias === false ? " no bias" : ""}${c.dropout ? ` dropout ${c.dropout}` : ""}`;

const features = detectFeatures();
const builds = BUILDS.filter((b) => (!b.includes("relaxed") || features.relaxedSimd) && (!b.startsWith("threads") || features.threads));

describe.each(builds)("recurrent layers (%s build)", (build) => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await loadRuntime({ build });
    useBackend(cpuBackendFor(rt));
  });
  afterAll(() => useBackend(null));

  for (const c of CASES) {
    it(`gradcheck ${label(c)}`, () => {
      const seed = 17 + c.I * 7 + c.H * 3 + c.T;
      manualSeed(seed);
      const m = make(c);
      const D = c.bidirectional ? 2 : 1;
      const L = c.layers ?? 1;
      const xShape = c.B === null ? [c.T, c.I] : c.batchFirst ? [c.B, c.T, c.I] : [c.T, c.B, c.I];
      const sShape = c.B === null ? [L * D, c.H] : [L * D, c.B, c.H];
      const x = randn(xShape).requiresGrad_();
      const h0 = c.init ? randn(sShape).mul(0.5).detach().requiresGrad_() : null;
      const c0 = c.init && c.cell === "LSTM" ? randn(sShape).mul(0.5).detach().requiresGrad_() : null;
      const inputs = [x, ...(h0 ? [h0] : []), ...(c0 ? [c0] : []), ...m.parameters()];
      // With dropout, every evaluation must draw the same masks: reseed inside fn.
      const fn = () => {
        if (c.dropout) manualSeed(seed);
        return allOutputs(m, x, h0, c0);
      };
      const eps = c.cell === "RNN-relu" ? 1e-3 : 1e-2; // smaller steps rarely cross relu's kink
      const r = gradcheck(fn, inputs, { eps, atol: 2e-3, rtol: 1e-2, seed });
      expect(r.ok, `${build} ${label(c)} seed ${seed}: worst ${JSON.stringify(r.worst)}`).toBe(true);
      for (const t of [x, h0, c0]) t?.dispose();
      m.dispose();
    });
  }

  it("bidirectional output: the reverse half of the first step equals the reverse direction's final state", () => {
    manualSeed(3);
    const m = new nn.GRU(3, 4, { bidirectional: true, numLayers: 2 });
    const x = randn([5, 2, 3]);
    const [out, h] = m.forward(x);
    const o = out.data(), hn = h.data();
    // Layer 2 forward final = out[T−1, :, :H]; reverse final = out[0, :, H:].
    for (let b = 0; b < 2; b++) {
      for (let j = 0; j < 4; j++) {
        expect(o[(4 * 2 + b) * 8 + j]).toBe(hn[(2 * 2 + b) * 4 + j]);
        expect(o[(0 * 2 + b) * 8 + 4 + j]).toBe(hn[(3 * 2 + b) * 4 + j]);
      }
    }
    tidy(() => [x, out, h].forEach((t) => t.dispose()));
    m.dispose();
  });
});

describe("recurrent modules", () => {
  it("have torch's parameter names, shapes and order", () => {
    const m = new nn.LSTM(10, 20, { numLayers: 2, bidirectional: true });
    expect(m.namedParameters().map(([k, p]) => `${k} ${p.shape.join("x")}`)).toEqual([
      "weight_ih_l0 80x10", "weight_hh_l0 80x20", "bias_ih_l0 80", "bias_hh_l0 80",
      "weight_ih_l0_reverse 80x10", "weight_hh_l0_reverse 80x20", "bias_ih_l0_reverse 80", "bias_hh_l0_reverse 80",
      "weight_ih_l1 80x40", "weight_hh_l1 80x20", "bias_ih_l1 80", "bias_hh_l1 80",
      "weight_ih_l1_reverse 80x40", "weight_hh_l1_reverse 80x20", "bias_ih_l1_reverse 80", "bias_hh_l1_reverse 80",
    ]);
    expect(new nn.GRU(3, 5, { bias: false }).namedParameters().map(([k, p]) => `${k} ${p.shape.join("x")}`))
      .toEqual(["weight_ih_l0 15x3", "weight_hh_l0 15x5"]);
    expect(new nn.RNN(3, 5).numParameters()).toBe(5 * 3 + 5 * 5 + 10);
    expect(String(m)).toBe("LSTM(10, 20, num_layers=2, bidirectional=True)");
    expect(String(new nn.RNN(2, 3, { nonlinearity: "relu", batchFirst: true }))).toBe("RNN(2, 3, batch_first=True, nonlinearity='relu')");
    m.dispose();
  });

  it("initialise every parameter from U(−1/√H, 1/√H)", () => {
    manualSeed(1);
    const m = new nn.GRU(30, 64, { numLayers: 2 });
    const bound = 1 / 8;
    for (const [name, p] of m.namedParameters()) {
      const v = p.data();
      let lo = Infinity, hi = -Infinity, mean = 0;
      for (const x of v) { lo = Math.min(lo, x); hi = Math.max(hi, x); mean += x / v.length; }
      expect(lo, name).toBeGreaterThanOrEqual(-bound);
      expect(hi, name).toBeLessThanOrEqual(bound);
      if (v.length > 1000) {
        expect(hi - lo, name).toBeGreaterThan(1.9 * bound); // spread over the whole interval
        expect(Math.abs(mean), name).toBeLessThan(0.01);
      }
    }
    m.dispose();
  });

  it("apply dropout between layers in training only", () => {
    manualSeed(5);
    const m = new nn.LSTM(4, 6, { numLayers: 3, dropout: 0.5 });
    const plain = new nn.LSTM(4, 6, { numLayers: 3 });
    plain.loadStateDict(m.stateDict());
    const x = randn([5, 3, 4]);
    tidy(() => {
      const [a] = m.forward(x);
      const [b] = m.forward(x);
      const [ref] = plain.forward(x);
      expect(Array.from(a.data())).not.toEqual(Array.from(b.data())); // fresh masks per call
      expect(Array.from(a.data())).not.toEqual(Array.from(ref.data()));
      m.eval();
      const [e1] = m.forward(x);
      expect(Array.from(e1.data())).toEqual(Array.from(ref.data())); // eval: no dropout at all
      // One layer: dropout has no layer to act between (torch warns; the output is unchanged).
      const one = new nn.GRU(4, 6, { dropout: 0.5 });
      const [o1] = one.forward(x);
      const [o2] = one.forward(x);
      expect(Array.from(o1.data())).toEqual(Array.from(o2.data()));
      one.dispose();
    });
    x.dispose();
    m.dispose();
    plain.dispose();
  });

  it("return states of torch's shapes, also for unbatched input, batch 0 and input size 0", () => {
    tidy(() => {
      const m = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true });
      const [out, [h, c]] = m.forward(randn([2, 5, 3]));
      expect(out.shape).toEqual([2, 5, 8]);
      expect(h.shape).toEqual([4, 2, 4]);
      expect(c.shape).toEqual([4, 2, 4]);
      const [u, [hu]] = m.forward(randn([5, 3]));
      expect(u.shape).toEqual([5, 8]);
      expect(hu.shape).toEqual([4, 4]);
      const x0 = zeros([0, 5, 3]).requiresGrad_();
      const [e, [he]] = m.forward(x0);
      expect(e.shape).toEqual([0, 5, 8]);
      expect(he.shape).toEqual([4, 0, 4]);
      e.sum().add(he.sum()).backward();
      expect(x0.grad!.shape).toEqual([0, 5, 3]);
      expect(Array.from(m.parameters()[0].grad!.data()).every((v) => v === 0)).toBe(true);
      m.dispose();
      // No inputs at all: the gates see only biases and the recurrence.
      const g = new nn.GRU(0, 3);
      const [go, gh] = g.forward(zeros([4, 2, 0]));
      expect(go.shape).toEqual([4, 2, 3]);
      expect(Array.from(gh.data())).toEqual(Array.from(go.data().slice(3 * 2 * 3)));
      g.dispose();
    });
  });

  it("stay out of the graph under noGrad and keep the state dict in step with torch's keys", () => {
    const m = new nn.RNN(2, 3, { numLayers: 2 });
    const x = tensor([[[1, 2]], [[3, 4]]]);
    const [o] = noGrad(() => m.forward(x));
    expect(o.requiresGrad).toBe(false);
    expect(Object.keys(m.stateDict())).toEqual(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
      "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"]);
    o.dispose();
    x.dispose();
    m.dispose();
  });
});
