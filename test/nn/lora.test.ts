// LoRA (src/nn/lora.ts) after PEFT: the notes' 100×100 layer with r = 2 has exactly 400 trainable
// parameters; the adapted model starts equal to the base (B = 0), trains only A and B, gives the
// same outputs merged and unmerged (within 1e-6 of the output's magnitude: the merged weight is one
// float32 rounding of W0 + (alpha/r)·B·A), saves its adapters alone under PEFT's names and loads
// them back; a GPT's c_attn layers adapt in place; bad targets name the modules that exist.
import { describe, expect, it } from "vitest";
import { io, manualSeed, models, nn, optim, randn, tensor, tidy, type Tensor } from "../../src/index.js";

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return d / (s || 1);
}

function code(f: () => unknown, c: string, msg?: RegExp): void {
  let e: unknown;
  try { f(); } catch (err) { e = err; }
  expect((e as { code?: string })?.code, String(e)).toBe(c);
  if (msg) expect(String((e as Error).message)).toMatch(msg);
}

/** A few AdamW steps on the adapters of `model` towards a random target (so B is no longer zero). */
function train(model: nn.Module, x: Tensor, steps = 20): void {
  const opt = new optim.AdamW(model.parameters().filter((p) => p.requiresGrad), { lr: 0.05 });
  const target = randn([x.shape[0], 100]);
  for (let i = 0; i < steps; i++) {
    tidy(() => {
      const loss = (model.forward(x) as Tensor).sub(target).square().mean();
      loss.backward();
      opt.step();
      opt.zeroGrad();
    });
  }
  target.dispose();
}

describe("LoRA", () => {
  it("the notes' example: Linear(100, 100) with r = 2 → 400 trainable parameters; base frozen; A and B shapes and init", () => tidy(() => {
    manualSeed(1);
    const model = new nn.Sequential(new nn.Linear(100, 100));
    const layers = nn.applyLoRA(model, { r: 2, alpha: 4, targetModules: ["0"] });
    expect(model.numParameters(true)).toBe(400);
    expect(model.numParameters()).toBe(100 * 100 + 100 + 400);
    const l = layers.get("0")!;
    expect(l).toBeInstanceOf(nn.LoRALinear);
    expect(l.loraA.weight.shape).toEqual([2, 100]);
    expect(l.loraB.weight.shape).toEqual([100, 2]);
    expect(Array.from(l.loraB.weight.data()).every((v) => v === 0)).toBe(true);
    expect(Array.from(l.loraA.weight.data()).every((v) => Math.abs(v) <= 0.1)).toBe(true); // kaiming a=√5: U(±1/√100)
    expect(l.weight.requiresGrad).toBe(false);
    expect(Object.keys(model.stateDict())).toEqual(["0.weight", "0.bias", "0.lora_A.weight", "0.lora_B.weight"]);
    expect(l.scaling).toBe(2);
    model.dispose();
  }));

  it("starts equal to the base model; trains only A and B; merged and unmerged outputs agree within 1e-6", () => tidy(() => {
    manualSeed(2);
    const base = new nn.Linear(100, 100);
    const model = new nn.Sequential(base);
    const x = randn([16, 100]);
    const before = base.forward(x).data();
    nn.applyLoRA(model, { r: 2, alpha: 16, targetModules: ["0"] });
    expect(Array.from((model.forward(x) as Tensor).data())).toEqual(Array.from(before));
    const w0 = base.weight.data();
    train(model, x);
    expect(Array.from(base.weight.data())).toEqual(Array.from(w0)); // W0 frozen
    const unmerged = (model.forward(x) as Tensor).data();
    expect(maxRel(unmerged, before)).toBeGreaterThan(1e-2); // the adapter learned something
    nn.mergeLoRA(model);
    const merged = (model.forward(x) as Tensor).data();
    expect(maxRel(merged, unmerged)).toBeLessThan(1e-6);
    nn.unmergeLoRA(model);
    expect(maxRel((model.forward(x) as Tensor).data(), unmerged)).toBeLessThan(1e-6);
    expect(maxRel(base.weight.data(), w0)).toBeLessThan(1e-6);
    code(() => nn.unmergeLoRA(model), "E_STATE");
    model.dispose();
  }));

  it("adapters save alone under PEFT names and load into a fresh model with the same base", () => tidy(() => {
    manualSeed(3);
    const make = () => new nn.Sequential(new nn.Linear(100, 100), new nn.ReLU(), new nn.Linear(100, 100));
    const a = make();
    const b = make();
    b.loadStateDict(a.stateDict());
    nn.applyLoRA(a, { r: 4, alpha: 8, targetModules: ["0", "2"] });
    const x = randn([8, 100]);
    train(a, x, 10);
    const bytes = nn.saveLoRA(a);
    const names = io.readSafetensorsHeader(bytes).entries.map((e) => e.name).sort();
    expect(names).toEqual(["base_model.model.0.lora_A.weight", "base_model.model.0.lora_B.weight", "base_model.model.2.lora_A.weight", "base_model.model.2.lora_B.weight"]);
    expect(nn.loraConfigJson(a)).toMatchObject({ peft_type: "LORA", r: 4, lora_alpha: 8, target_modules: ["0", "2"] });
    nn.applyLoRA(b, { r: 4, alpha: 8, targetModules: "[02]" });
    nn.loadLoRA(b, bytes);
    expect(Array.from((b.forward(x) as Tensor).data())).toEqual(Array.from((a.forward(x) as Tensor).data()));
    const c = make();
    nn.applyLoRA(c, { r: 2, alpha: 8, targetModules: ["0", "2"] });
    code(() => nn.loadLoRA(c, bytes), "E_SHAPE", /lora_A\.weight: expected shape \[2, 100\], received \[4, 100\]/);
    a.dispose(); b.dispose(); c.dispose();
  }));

  it("GPT: c_attn layers adapt in place (forward, backward, generate), trainable count r·(C + 3C) per layer", () => tidy(() => {
    manualSeed(4);
    const gpt = new models.GPT({ nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 8, vocabSize: 20 });
    const ids = tensor([[1, 2, 3, 4]], undefined, { dtype: "int32" });
    const before = gpt.forward(ids).data();
    const layers = nn.applyLoRA(gpt, { r: 4, alpha: 8, targetModules: ["c_attn"] });
    expect([...layers.keys()]).toEqual(["transformer.h.0.attn.c_attn", "transformer.h.1.attn.c_attn"]);
    expect(gpt.numParameters(true)).toBe(2 * 4 * (16 + 48));
    expect(Array.from(gpt.forward(ids).data())).toEqual(Array.from(before));
    const loss = gpt.loss(ids, tensor([[2, 3, 4, 5]], undefined, { dtype: "int32" }));
    loss.backward();
    expect(layers.get("transformer.h.0.attn.c_attn")!.loraB.weight.grad).not.toBeNull();
    expect(gpt.transformer.wte.weight.grad).toBeNull();
    expect(gpt.generate([1, 2], { maxNewTokens: 3 })[0].length).toBe(3);
    gpt.dispose();
  }));

  it("bad targets: a list that matches nothing → E_KEY naming the Linear modules; non-Linear → E_TYPE; twice → E_STATE", () => tidy(() => {
    const model = new nn.Sequential(new nn.Linear(4, 4), new nn.ReLU(), new nn.LayerNorm(4));
    code(() => nn.applyLoRA(model, { r: 2, targetModules: ["q_proj", "v_proj"] }), "E_KEY", /matches none\. Linear modules: 0\. All modules: 0, 1, 2/);
    code(() => nn.applyLoRA(model, { r: 2, targetModules: ["2"] }), "E_TYPE", /2 \(LayerNorm\)/);
    code(() => nn.applyLoRA(model, { r: 0, targetModules: ["0"] }), "E_RANGE");
    code(() => nn.applyLoRA(model, { r: 2, targetModules: [] }), "E_TYPE");
    nn.applyLoRA(model, { r: 2, targetModules: ["0"] });
    code(() => nn.applyLoRA(model, { r: 2, targetModules: ["0"] }), "E_STATE");
    code(() => nn.loadLoRA(new nn.Sequential(new nn.Linear(2, 2)), new Uint8Array(8)), "E_STATE");
    model.dispose();
  }));
});
