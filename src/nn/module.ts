// nn.Module: named parameters, buffers and submodules in registration order, so state-dict keys are
// PyTorch's (`0.weight`, `lstm.weight_ih_l0`, `encoder.layers.1.norm1.bias`). A layer registers its
// tensors in its constructor (addParameter / addBuffer / addModule) and implements forward(); there
// is no attribute magic as in Python, so the registry is explicit and the compiler sees the fields.
// loadStateDict checks everything first (missing, unexpected, shape and dtype mismatches, reported
// together like PyTorch's strict load) and only then copies, so a failed load changes nothing.
import { TesseraError, describe, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../tensor/autograd.js";
import { keep } from "../tensor/scope.js";
import { fmt, shapesEqual } from "../tensor/shape.js";

export type StateDict = Record<string, Tensor>;

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export abstract class Module {
  /** True in training mode (dropout active), false after eval(). */
  training = true;
  private readonly params = new Map<string, Tensor | null>();
  private readonly buffersByName = new Map<string, Tensor | null>();
  private readonly children = new Map<string, Module | null>();

  /** The layer's computation: `model.forward(x)` is the call (PyTorch's `model(x)`). */
  abstract forward(...inputs: unknown[]): unknown;

  /** Registers a parameter (made to require grad, kept out of tidy() scopes); null keeps the slot. */
  protected addParameter<T extends Tensor | null>(name: string, t: T): T {
    this.checkName(name);
    if (t !== null) {
      if (!(t instanceof Tensor)) fail("E_TYPE", `addParameter(${JSON.stringify(name)})`, "a Tensor or null", t);
      if (t.dtype !== "float32") fail("E_DTYPE", `addParameter(${JSON.stringify(name)})`, "a float32 tensor", t.dtype);
      t.requiresGrad_(true);
      keep(t);
    }
    this.params.set(name, t);
    return t;
  }

  /** Registers a tensor that is state but not trained (running statistics, masks). */
  protected addBuffer<T extends Tensor | null>(name: string, t: T): T {
    this.checkName(name);
    if (t !== null) keep(t);
    this.buffersByName.set(name, t);
    return t;
  }

  protected addModule<M extends Module | null>(name: string, m: M): M {
    this.checkName(name);
    if (m !== null && !(m instanceof Module)) fail("E_TYPE", `addModule(${JSON.stringify(name)})`, "a Module or null", m);
    this.children.set(name, m);
    return m;
  }

  private checkName(name: string): void {
    if (typeof name !== "string" || name === "" || name.includes(".")) fail("E_VALUE", "name", "a non-empty name without dots", name);
    if (this.params.has(name) || this.buffersByName.has(name) || this.children.has(name)) {
      throw new TesseraError("E_VALUE", `${this.constructor.name}: name: expected a name not yet registered, received ${JSON.stringify(name)} a second time`);
    }
  }

  /**
   * Replaces the direct submodule `name` by `m` — in the registry and in every field of this module
   * (or array in a field) that held the old one, like torch's setattr — and returns the old one.
   * Used to swap layers in place (LoRA); the old module's tensors are not freed.
   */
  replaceModule(name: string, m: Module): Module {
    const old = this.children.get(name);
    if (old == null) throw new TesseraError("E_KEY", `${this.constructor.name}.replaceModule: name: expected a submodule name (${[...this.children.keys()].join(", ") || "none"}), received ${JSON.stringify(name)}`);
    if (!(m instanceof Module)) fail("E_TYPE", `${this.constructor.name}.replaceModule: module`, "a Module", m);
    this.children.set(name, m);
    const self = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(self)) {
      const v = self[key];
      if (v === old) self[key] = m;
      else if (Array.isArray(v)) v.forEach((e, i) => { if (e === old) v[i] = m; });
    }
    return old;
  }

  /** Direct submodules with their names. */
  namedChildren(): [string, Module][] {
    return [...this.children].filter((e): e is [string, Module] => e[1] !== null);
  }

  /** This module and every submodule, depth first, with dotted names ("" for this one). */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this.namedChildren()) out.push(...m.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with their state-dict names, in registration order; a tensor shared by two modules once. */
  namedParameters(): [string, Tensor][] {
    return this.collect((m) => m.params);
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(): [string, Tensor][] {
    return this.collect((m) => m.buffersByName);
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  private collect(pick: (m: Module) => Map<string, Tensor | null>): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of pick(m)) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        out.push([prefix ? `${prefix}.${name}` : name, t]);
      }
    }
    return out;
  }

  /** Number of parameter elements (only those that require grad when onlyTrainable). */
  numParameters(onlyTrainable = false): number {
    return this.parameters().reduce((n, p) => n + (!onlyTrainable || p.requiresGrad ? p.size : 0), 0);
  }

  /** Sets training mode here and in every submodule (dropout is active only in training). */
  train(mode = true): this {
    if (typeof mode !== "boolean") fail("E_TYPE", "train(mode)", "a boolean", mode);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Freezes (false) or unfreezes every parameter, like torch's module.requires_grad_(). */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad_(flag);
    return this;
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /**
   * Parameters and buffers by PyTorch key, as detached views of the live tensors (no copy; a view
   * keeps its data alive after the module is disposed, until the view itself is disposed).
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [name, t] of [...this.namedParameters(), ...this.namedBuffers()]) out[name] = t.detach();
    return out;
  }

  /**
   * Copies matching tensors of `dict` into this module's parameters and buffers. With strict (the
   * default) every key must match both ways; shape and dtype must always match. All problems are
   * reported in one TesseraError (code E_KEY when keys are missing or unexpected, else E_SHAPE),
   * and nothing is copied unless everything is right.
   */
  loadStateDict(dict: StateDict | Map<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    const strict = options.strict ?? true;
    if (typeof strict !== "boolean") fail("E_TYPE", "loadStateDict: options.strict", "a boolean", strict);
    const entries = dict instanceof Map ? dict : dict !== null && typeof dict === "object" ? new Map(Object.entries(dict)) : null;
    if (entries === null) fail("E_TYPE", "loadStateDict: dict", "an object or Map of tensors", dict);
    const own = new Map([...this.namedParameters(), ...this.namedBuffers()]);
    const missingKeys = [...own.keys()].filter((k) => !entries.has(k));
    const unexpectedKeys = [...entries.keys()].filter((k) => !own.has(k));
    const problems: string[] = [];
    if (strict && missingKeys.length > 0) problems.push(`Missing key(s): ${missingKeys.map((k) => JSON.stringify(k)).join(", ")}.`);
    if (strict && unexpectedKeys.length > 0) problems.push(`Unexpected key(s): ${unexpectedKeys.map((k) => JSON.stringify(k)).join(", ")}.`);
    const keyProblems = problems.length > 0;
    for (const [key, target] of own) {
      const src = entries.get(key);
      if (src === undefined) continue;
      if (!(src instanceof Tensor)) {
        problems.push(`${JSON.stringify(key)}: expected a Tensor, received ${describe(src)}.`);
      } else if (src.isDisposed) {
        problems.push(`${JSON.stringify(key)}: expected a live tensor, received a disposed one.`);
      } else if (!shapesEqual(src.shape, target.shape) || src.dtype !== target.dtype) {
        problems.push(`size mismatch for ${key}: copying a param with shape ${fmt(src.shape)} (${src.dtype}), the shape in current model is ${fmt(target.shape)} (${target.dtype}).`);
      }
    }
    if (problems.length > 0) {
      throw new TesseraError(keyProblems ? "E_KEY" : "E_SHAPE", `Error(s) in loading state_dict for ${this.constructor.name}:\n  ${problems.join("\n  ")}`);
    }
    noGrad(() => {
      for (const [key, target] of own) {
        const src = entries.get(key);
        if (src === undefined) continue;
        if (src.backend === target.backend) target.copy_(src);
        else {
          const moved = src.to(target.device);
          target.copy_(moved);
          moved.dispose();
        }
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Frees every parameter and buffer (and their gradients) of this module and its submodules. */
  dispose(): void {
    for (const t of [...this.parameters(), ...this.buffers()]) t.dispose();
  }

  toString(): string {
    const lines = this.namedChildren().map(([name, m]) => `  (${name}): ${String(m).replace(/\n/g, "\n  ")}`);
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    return lines.length === 0 ? `${head})` : `${head}\n${lines.join("\n")}\n)`;
  }

  /** The constructor arguments shown by toString(), e.g. "in_features=4, out_features=2". */
  protected extraRepr(): string {
    return "";
  }
}
