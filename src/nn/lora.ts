// LoRA (Hu et al. 2021) as Hugging Face PEFT applies it: chosen nn.Linear layers become LoRALinear,
// h = W0·x + b + (alpha/r)·B·A·dropout(x), with A [r, in] Kaiming-uniform (a = √5), B [out, r] zero
// (so training starts from the base model) and every base parameter frozen; only A and B train
// (a 100×100 layer with r = 2 has 2·(100 + 100) = 400). merge() folds (alpha/r)·B·A into W0 for
// inference and unmerge() takes it out again. Adapters save alone as safetensors with PEFT's names
// (`base_model.model.<path>.lora_A.weight`) and an adapter_config.json object, and load back into a
// model with the same LoRA layers. Target names follow PEFT: a list matches a module whose name
// equals an entry or ends with "." + entry; a string is a regular expression matched in full.
import { TesseraError, checkInt, checkNumber, describe, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { empty, zeros } from "../tensor/creation.js";
import { add, mul } from "../tensor/elementwise.js";
import { linear, matmul } from "../tensor/matmul.js";
import { dropout } from "../tensor/dropout.js";
import { noGrad } from "../tensor/autograd.js";
import { tidy } from "../tensor/scope.js";
import { fmt, shapesEqual } from "../tensor/shape.js";
import { loadSafetensors, saveSafetensors } from "../io/safetensors.js";
import { Module } from "./module.js";
import { Linear } from "./linear.js";
import { kaimingUniform_ } from "./init.js";

/** lora_A / lora_B: bias-free linear maps holding the adapter matrices. */
class LoRAMatrix extends Module {
  readonly weight: Tensor;
  constructor(weight: Tensor) {
    super();
    this.weight = this.addParameter("weight", weight);
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight);
  }
}

export class LoRALinear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** W0 and b0 of the wrapped layer (the same tensors; frozen). */
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly loraA: LoRAMatrix;
  readonly loraB: LoRAMatrix;
  readonly scaling: number;
  private mergedFlag = false;

  constructor(readonly base: Linear, readonly r: number, readonly alpha: number, readonly loraDropout = 0) {
    super();
    if (!(base instanceof Linear)) fail("E_TYPE", "LoRALinear: base", "an nn.Linear", base);
    checkInt("LoRALinear: r", r, 1);
    checkNumber("LoRALinear: alpha", alpha);
    checkNumber("LoRALinear: dropout", loraDropout, 0, 1);
    this.inFeatures = base.inFeatures;
    this.outFeatures = base.outFeatures;
    this.weight = this.addParameter("weight", base.weight);
    this.bias = this.addParameter("bias", base.bias);
    this.weight.requiresGrad_(false);
    this.bias?.requiresGrad_(false);
    const device = base.weight.device;
    this.loraA = this.addModule("lora_A", new LoRAMatrix(kaimingUniform_(empty([r, this.inFeatures], { device }), { a: Math.sqrt(5) })));
    this.loraB = this.addModule("lora_B", new LoRAMatrix(zeros([this.outFeatures, r], { device })));
    this.scaling = alpha / r;
  }

  get merged(): boolean {
    return this.mergedFlag;
  }

  forward(x: Tensor): Tensor {
    const h = linear(x, this.weight, this.bias);
    if (this.mergedFlag) return h;
    const xd = this.loraDropout > 0 ? dropout(x, this.loraDropout, this.training) : x;
    return add(h, mul(this.loraB.forward(this.loraA.forward(xd)), this.scaling));
  }

  /** W0 ← W0 + (alpha/r)·B·A: forward is then one plain linear. */
  merge(): void {
    if (this.mergedFlag) throw new TesseraError("E_STATE", "LoRALinear.merge: expected an unmerged layer, received one already merged");
    this.fold(1);
    this.mergedFlag = true;
  }

  /** W0 ← W0 − (alpha/r)·B·A, undoing merge(). */
  unmerge(): void {
    if (!this.mergedFlag) throw new TesseraError("E_STATE", "LoRALinear.unmerge: expected a merged layer, received one not merged");
    this.fold(-1);
    this.mergedFlag = false;
  }

  private fold(sign: number): void {
    noGrad(() => tidy(() => { this.weight.copy_(add(this.weight, mul(matmul(this.loraB.weight, this.loraA.weight), sign * this.scaling))); }));
  }

  protected override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, r=${this.r}, alpha=${this.alpha}${this.mergedFlag ? ", merged" : ""}`;
  }
}

export interface LoRAConfig {
  /** Rank of the update (default 8, as PEFT). */
  r?: number;
  /** Scale numerator: the update is (alpha/r)·B·A (default 8). */
  alpha?: number;
  /** Dropout on the adapter's input in training (default 0). */
  dropout?: number;
  /** Module names to adapt: a list (name equal, or ending with "." + entry) or a regex string matched in full. */
  targetModules: string[] | string;
}

function matches(name: string, targets: string[] | RegExp): boolean {
  if (targets instanceof RegExp) return targets.test(name);
  return targets.some((t) => name === t || name.endsWith(`.${t}`));
}

/**
 * Replaces every nn.Linear of `model` whose name matches targetModules by a LoRALinear and freezes
 * all other parameters (PEFT's get_peft_model with bias "none"); returns the adapted layers by name.
 * A target list that matches no module is E_KEY, naming the modules that exist.
 */
export function applyLoRA(model: Module, config: LoRAConfig): Map<string, LoRALinear> {
  const fn = "applyLoRA";
  if (!(model instanceof Module)) fail("E_TYPE", `${fn}: model`, "an nn.Module", model);
  if (config === null || typeof config !== "object") fail("E_TYPE", `${fn}: config`, "an object { r, alpha, dropout, targetModules }", config);
  const { r = 8, alpha = 8, dropout: p = 0, targetModules } = config;
  checkInt(`${fn}: config.r`, r, 1);
  checkNumber(`${fn}: config.alpha`, alpha);
  checkNumber(`${fn}: config.dropout`, p, 0, 1);
  let targets: string[] | RegExp;
  if (typeof targetModules === "string") {
    try {
      targets = new RegExp(`^(?:${targetModules})$`);
    } catch (e) {
      throw new TesseraError("E_VALUE", `${fn}: config.targetModules: expected a valid regular expression, received ${describe(targetModules)} (${String(e)})`);
    }
  } else if (Array.isArray(targetModules) && targetModules.length > 0 && targetModules.every((t) => typeof t === "string" && t !== "")) {
    targets = targetModules;
  } else {
    return fail("E_TYPE", `${fn}: config.targetModules`, "a non-empty list of module names or a regex string", targetModules);
  }
  const all = model.namedModules().filter(([name]) => name !== "");
  const hits = all.filter(([name]) => matches(name, targets));
  if (hits.length === 0) {
    const linears = all.filter(([, m]) => m instanceof Linear).map(([n]) => n);
    throw new TesseraError("E_KEY", `${fn}: config.targetModules: expected names of modules in the model, received ${describe(targetModules)}, which matches none. ` +
      `Linear modules: ${linears.join(", ") || "none"}. All modules: ${all.map(([n]) => n).join(", ")}`);
  }
  const bad = hits.filter(([, m]) => !(m instanceof Linear) && !(m instanceof LoRALinear));
  if (bad.length > 0) {
    throw new TesseraError("E_TYPE", `${fn}: config.targetModules: expected only nn.Linear modules to match, received ${bad.map(([n, m]) => `${n} (${m.constructor.name})`).join(", ")}`);
  }
  const already = hits.filter(([, m]) => m instanceof LoRALinear);
  if (already.length > 0) throw new TesseraError("E_STATE", `${fn}: expected layers without LoRA, received ${already.map(([n]) => n).join(", ")} already adapted`);
  const byName = new Map(all);
  model.requiresGrad_(false);
  const out = new Map<string, LoRALinear>();
  for (const [name, m] of hits) {
    const dot = name.lastIndexOf(".");
    const parent = dot < 0 ? model : byName.get(name.slice(0, dot))!;
    const lora = new LoRALinear(m as Linear, r, alpha, p);
    parent.replaceModule(name.slice(dot + 1), lora);
    out.set(name, lora);
  }
  return out;
}

/** The LoRA layers of a model, by name. */
export function loraLayers(model: Module): Map<string, LoRALinear> {
  return new Map(model.namedModules().filter((e): e is [string, LoRALinear] => e[1] instanceof LoRALinear));
}

/** merge() on every LoRA layer of the model. */
export function mergeLoRA(model: Module): void {
  for (const l of loraLayers(model).values()) l.merge();
}

/** unmerge() on every LoRA layer of the model. */
export function unmergeLoRA(model: Module): void {
  for (const l of loraLayers(model).values()) l.unmerge();
}

const PEFT_PREFIX = "base_model.model.";

/** The adapter tensors alone under PEFT's names (views of the live tensors). */
export function loraStateDict(model: Module): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, l] of loraLayers(model)) {
    out[`${PEFT_PREFIX}${name}.lora_A.weight`] = l.loraA.weight.detach();
    out[`${PEFT_PREFIX}${name}.lora_B.weight`] = l.loraB.weight.detach();
  }
  return out;
}

/** PEFT's adapter_config.json for these layers. */
export function loraConfigJson(model: Module): Record<string, unknown> {
  const layers = [...loraLayers(model)];
  if (layers.length === 0) throw new TesseraError("E_STATE", "loraConfigJson: expected a model with LoRA layers (applyLoRA), received none");
  const first = layers[0][1];
  return {
    peft_type: "LORA", r: first.r, lora_alpha: first.alpha, lora_dropout: first.loraDropout, bias: "none",
    target_modules: [...new Set(layers.map(([n]) => n.slice(n.lastIndexOf(".") + 1)))], fan_in_fan_out: false, inference_mode: false,
  };
}

/** The adapters as safetensors bytes (adapter_model.safetensors), PEFT names. */
export function saveLoRA(model: Module): Uint8Array {
  const dict = loraStateDict(model);
  if (Object.keys(dict).length === 0) throw new TesseraError("E_STATE", "saveLoRA: expected a model with LoRA layers (applyLoRA), received none");
  try {
    return saveSafetensors(dict, { format: "pt" });
  } finally {
    for (const t of Object.values(dict)) t.dispose();
  }
}

/**
 * Loads adapters saved by saveLoRA (or PEFT) into a model with the same LoRA layers. Every missing,
 * unexpected or mis-shaped tensor is reported together, and nothing changes unless all are right.
 */
export function loadLoRA(model: Module, bytes: Uint8Array | ArrayBuffer): void {
  const fn = "loadLoRA";
  const layers = loraLayers(model);
  if (layers.size === 0) throw new TesseraError("E_STATE", `${fn}: expected a model with LoRA layers (applyLoRA first), received none`);
  const { tensors } = loadSafetensors(bytes);
  try {
    // PEFT files may carry the adapter name (".lora_A.default.weight"); accept both.
    const given = new Map(Object.entries(tensors).map(([k, t]) => [k.replace(/\.lora_([AB])\.[^.]+\.weight$/, ".lora_$1.weight"), t]));
    const want = new Map<string, Tensor>();
    for (const [name, l] of layers) {
      want.set(`${PEFT_PREFIX}${name}.lora_A.weight`, l.loraA.weight);
      want.set(`${PEFT_PREFIX}${name}.lora_B.weight`, l.loraB.weight);
    }
    const problems: string[] = [];
    const missing = [...want.keys()].filter((k) => !given.has(k));
    const unexpected = [...given.keys()].filter((k) => !want.has(k));
    if (missing.length) problems.push(`missing: ${missing.join(", ")}`);
    if (unexpected.length) problems.push(`unexpected: ${unexpected.join(", ")}`);
    for (const [k, target] of want) {
      const t = given.get(k);
      if (t && !shapesEqual(t.shape, target.shape)) problems.push(`${k}: expected shape ${fmt(target.shape)}, received ${fmt(t.shape)}`);
    }
    if (problems.length) throw new TesseraError(missing.length || unexpected.length ? "E_KEY" : "E_SHAPE", `${fn}: adapters do not fit the model's LoRA layers:\n  ${problems.join("\n  ")}`);
    const merged = [...layers.values()].filter((l) => l.merged);
    if (merged.length) throw new TesseraError("E_STATE", `${fn}: expected unmerged LoRA layers, received ${merged.length} merged (unmerge first)`);
    noGrad(() => { for (const [k, target] of want) target.copy_(given.get(k)!); });
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}
