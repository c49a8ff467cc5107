// nn modules against PyTorch 1.13 (fixtures made by test/fixtures/make_nn_fixtures.py): a torch
// state dict loads by key into the same architecture and gives torch's outputs and gradients;
// Embedding's padding row gets no gradient; Conv1d with stride / padding / dilation / groups; the
// module mechanics (parameters, keys, train/eval, freezing, strict loading that changes nothing on
// failure, dispose). Tolerance 1e-5 relative + 1e-6 absolute: float32 forward passes of a few
// dozen terms, compared with torch's float32 results.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { F, memory, nn, noGrad, randn, tensor, tidy, type Tensor } from "../../src/index.js";

const fx = JSON.parse(readFileSync(new URL("../fixtures/nn.json", import.meta.url), "utf8"));

function close(got: ArrayLike<number>, want: number[], what: string, rtol = 1e-5, atol = 1e-6): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]))) throw new Error(`${what}[${i}]: ${got[i]} vs torch ${want[i]}`);
  }
}

const mlp = () => new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.LayerNorm(8), new nn.Linear(8, 3));

describe("nn modules vs torch", () => {
  it("Sequential(Linear, ReLU, LayerNorm, Linear): keys, loaded outputs and every gradient", () => {
    const model = mlp();
    const f = fx.mlp;
    expect(model.namedParameters().map(([k]) => k)).toEqual(Object.keys(f.state));
    const dict = Object.fromEntries(Object.entries(f.state as Record<string, { shape: number[]; values: number[] }>)
      .map(([k, v]) => [k, tensor(v.values, v.shape)]));
    expect(model.loadStateDict(dict)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const x = tensor(f.x, [5, 4], { requiresGrad: true });
    const y = model.forward(x) as Tensor;
    close(y.data(), f.y, "y");
    y.backward(tensor(f.g, [5, 3]));
    close(x.grad!.data(), f.dx, "dx");
    for (const [k, p] of model.namedParameters()) close(p.grad!.data(), f.grads[k], `grad ${k}`);
    expect(model.numParameters()).toBe(4 * 8 + 8 + 8 + 8 + 8 * 3 + 3);
    model.dispose();
  });

  it("Embedding with paddingIdx: torch's rows, and the padding row gets no gradient", () => {
    const f = fx.embedding;
    const emb = new nn.Embedding(6, 3, { paddingIdx: 2 });
    expect(Array.from(emb.weight.data().slice(6, 9))).toEqual([0, 0, 0]); // starts at zero
    emb.loadStateDict({ weight: tensor(f.weight, [6, 3]) });
    const out = emb.forward(tensor(f.ids, [2, 3], { dtype: "int32" }));
    close(out.data(), f.out, "out");
    out.backward(tensor(f.g, [2, 3, 3]));
    close(emb.weight.grad!.data(), f.dw, "dw");
    expect(String(emb)).toBe("Embedding(6, 3, padding_idx=2)");
    expect(() => new nn.Embedding(4, 2, { paddingIdx: 4 })).toThrow(expect.objectContaining({ code: "E_RANGE" }));
  });

  it.each(fx.conv1d.map((c: { args: unknown[] }) => [c.args.join(", "), c]))("Conv1d (n, cin, len, cout, k, stride, pad, dil, groups) = %s", (_, c: Record<string, never>) => {
    const [n, cin, len, cout, k, stride, padding, dilation, groups] = c.args as unknown as [number, number, number, number, number, number, number | "same", number, number];
    const conv = new nn.Conv1d(cin, cout, k, { stride, padding, dilation, groups });
    conv.loadStateDict({ weight: tensor(c.w, [cout, cin / groups, k]), bias: tensor(c.b, [cout]) });
    const x = tensor(c.x, [n, cin, len], { requiresGrad: true });
    const y = conv.forward(x);
    expect(y.shape).toEqual(c.yshape);
    close(y.data(), c.y, "y", 1e-4, 1e-5);
    y.backward(tensor(c.g, c.yshape));
    close(x.grad!.data(), c.dx, "dx", 1e-4, 1e-5);
    close(conv.weight.grad!.data(), c.dw, "dw", 1e-4, 1e-5);
    close(conv.bias!.grad!.data(), c.db, "db", 1e-4, 1e-5);
  });

  it("cross-entropy in every form and nll_loss with weights match torch (values and gradients)", () => {
    const L = fx.losses;
    const t = tensor(L.t, undefined, { dtype: "int32" }), w = tensor(L.w), p = tensor(L.p, [5, 4]);
    const opts: Record<string, object> = {
      plain: {}, smoothing: { labelSmoothing: 0.2 }, weight: { weight: w }, "weight+smoothing": { weight: w, labelSmoothing: 0.2 },
      probabilities: {}, "probabilities+smoothing+weight": { labelSmoothing: 0.1, weight: w },
    };
    for (const c of L.cases) {
      const x = tensor(L.x, [5, 4], { requiresGrad: true });
      const loss = new nn.CrossEntropyLoss({ ...opts[c.name], reduction: c.reduction }).forward(x, c.name.startsWith("prob") ? p : t);
      close(loss.data(), c.loss, `${c.name} ${c.reduction} loss`, 1e-5, 1e-6);
      loss.sum().backward();
      close(x.grad!.data(), c.grad, `${c.name} ${c.reduction} grad`, 1e-5, 1e-6);
    }
    const lp = tensor(L.nll.input, [5, 4], { requiresGrad: true });
    const nll = new nn.NLLLoss({ weight: w }).forward(lp, t);
    close([nll.item()], [L.nll.loss], "nll");
    nll.backward();
    close(lp.grad!.data(), L.nll.grad, "nll grad");
  });
});

describe("Module mechanics", () => {
  it("strict loading reports every problem at once and changes nothing", () => {
    const model = mlp();
    const before = model.parameters().map((p) => Array.from(p.data()));
    const dict = model.stateDict();
    const bad = { ...dict, "3.bias": tensor([1, 2]), extra: tensor([0]) } as Record<string, Tensor>;
    delete bad["0.weight"];
    let err: { code?: string; message?: string } = {};
    try { model.loadStateDict(bad); } catch (e) { err = e as typeof err; }
    expect(err.code).toBe("E_KEY");
    expect(err.message).toMatch(/Missing key\(s\): "0.weight"/);
    expect(err.message).toMatch(/Unexpected key\(s\): "extra"/);
    expect(err.message).toMatch(/size mismatch for 3.bias: copying a param with shape \[2\]/);
    model.parameters().forEach((p, i) => expect(Array.from(p.data())).toEqual(before[i]));
    // non-strict: loads what matches, reports the rest (shape mismatches still refuse)
    const partial = { "0.bias": tensor(new Float32Array(8).fill(3)), extra: tensor([0]) };
    expect(model.loadStateDict(partial, { strict: false })).toEqual({
      missingKeys: model.namedParameters().map(([k]) => k).filter((k) => k !== "0.bias"), unexpectedKeys: ["extra"],
    });
    expect(Array.from((model.at(0) as nn.Linear).bias!.data())).toEqual(new Array(8).fill(3));
    expect(() => model.loadStateDict({ "0.bias": tensor([1]) }, { strict: false })).toThrow(expect.objectContaining({ code: "E_SHAPE" }));
  });

  it("train/eval reach every submodule; Dropout is the identity in eval", () => {
    const model = new nn.Sequential(new nn.Linear(3, 3), new nn.Dropout(0.9));
    const x = randn([4, 3]);
    model.eval();
    expect(model.modules().every((m) => !m.training)).toBe(true);
    const a = noGrad(() => model.forward(x) as Tensor), b = noGrad(() => model.forward(x) as Tensor);
    expect(Array.from(a.data())).toEqual(Array.from(b.data()));
    model.train();
    const c = noGrad(() => model.forward(x) as Tensor);
    expect(Array.from(c.data()).filter((v) => v === 0).length).toBeGreaterThan(3);
  });

  it("requiresGrad_(false) freezes: no gradients, not counted as trainable", () => {
    const model = mlp();
    (model.at(0) as nn.Linear).requiresGrad_(false);
    expect(model.numParameters(true)).toBe(model.numParameters() - (4 * 8 + 8));
    const loss = F.crossEntropy(model.forward(randn([2, 4])) as Tensor, tensor([0, 2], undefined, { dtype: "int32" }));
    loss.backward();
    expect((model.at(0) as nn.Linear).weight.grad).toBeNull();
    expect((model.at(3) as nn.Linear).weight.grad).not.toBeNull();
  });

  it("a model built inside tidy() survives it; dispose() frees every parameter", () => {
    const before = memory().numBlocks;
    const model = tidy(() => mlp());
    expect(model.parameters().every((p) => !p.isDisposed)).toBe(true);
    tidy(() => { (model.forward(randn([2, 4])) as Tensor).sum().backward(); });
    model.dispose();
    expect(memory().numBlocks).toBe(before);
  });

  it("describes itself like torch", () => {
    expect(String(mlp())).toBe([
      "Sequential(",
      "  (0): Linear(in_features=4, out_features=8, bias=true)",
      "  (1): ReLU()",
      "  (2): LayerNorm((8), eps=0.00001, elementwise_affine=true)",
      "  (3): Linear(in_features=8, out_features=3, bias=true)",
      ")",
    ].join("\n"));
  });

  it("bad construction arguments name the layer and the argument", () => {
    expect(() => new nn.Linear(-1, 2)).toThrow(/Linear: inFeatures/);
    expect(() => new nn.Linear(2, 2, { bias: "no" as never })).toThrow(/Linear: options.bias: expected a boolean/);
    expect(() => new nn.Conv1d(4, 6, 3, { groups: 4 })).toThrow(/Conv1d: options.groups/);
    expect(() => new nn.Dropout(1.5)).toThrow(/Dropout: p/);
    expect(() => new nn.Sequential({} as never)).toThrow(/Sequential: layers\[0\]: expected a Module/);
    expect(() => new nn.Linear(3, 2).forward(randn([2, 4]))).toThrow(/linear: input: expected last dimension 3/);
  });
});
