// The optimizer base, after torch.optim.Optimizer (PyTorch 1.13): parameter groups whose options
// fall back to the constructor's defaults, per-parameter state on the parameter's device, zeroGrad,
// addParamGroup, and stateDict / loadStateDict with PyTorch's structure (state keyed by the
// parameter's index in group order; paramGroups holding those indices as `params`). A subclass
// validates its options and updates one parameter with one fused backend kernel (assembly/optim.ts).
// step() checks everything before it changes anything; parameters without a .grad are skipped.
// Gradient accumulation needs nothing special: backward() adds into .grad, so k backward() calls on
// micro-batches (each loss divided by k) and then one step() make one step over the whole batch;
// zeroGrad() after the step starts the next accumulation.
import { TesseraError, checkNumber, describe, fail, type ErrorCode } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { keep } from "../tensor/scope.js";
import { fmt, shapesEqual } from "../tensor/shape.js";

/** One parameter's state: tensors shaped like the parameter, step counts, or null (no buffer yet). */
export type ParamState = Record<string, Tensor | number | null>;

/** A parameter group as the optimizer keeps it: options (mutable: schedulers set `lr`) and params. */
export type ParamGroup<O> = O & { params: Tensor[]; initialLr?: number };

/**
 * A parameter group as given to the constructor or addParamGroup; missing options take the defaults.
 * initialLr: the lr a scheduler resuming at lastEpoch ≥ 0 starts from (schedulers set it otherwise).
 */
export type ParamGroupInput<O> = Partial<O> & { params: Iterable<Tensor> | Tensor; initialLr?: number };

export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

export interface OptimizerStateDict {
  /** State by parameter index (parameters numbered through the groups in order). */
  state: Record<number, ParamState>;
  /** Each group's options with `params` as parameter indices. */
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Tensor);
}

/** A number in [0, 1), like torch's betas. */
export function checkUnitInterval(arg: string, v: unknown): number {
  if (typeof v !== "number" || !(v >= 0 && v < 1)) fail(typeof v === "number" ? "E_RANGE" : "E_TYPE", arg, "a number in [0, 1)", v);
  return v;
}

export function checkFlag(arg: string, v: unknown): boolean {
  if (typeof v !== "boolean") fail("E_TYPE", arg, "a boolean", v);
  return v;
}

export abstract class Optimizer<O extends { lr: number }> {
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created on a parameter's first step (Adagrad: at construction). */
  readonly state = new Map<Tensor, ParamState>();
  protected readonly defaults: O;
  private readonly optionNames: Set<string>;

  /** defaults: every option with its default value; options: the caller's overrides of them. */
  protected constructor(readonly name: string, params: Params<O>, defaults: O, options: Partial<O>) {
    this.optionNames = new Set(Object.keys(defaults));
    if (!isPlainObject(options)) fail("E_TYPE", `${name}: options`, "an object of options", options);
    this.checkOptionNames(`${name}: options`, options);
    if ("params" in options || "initialLr" in options) throw new TesseraError("E_KEY", `${name}: options: expected optimizer options, received ${"params" in options ? "params" : "initialLr"} (pass parameters as the first argument)`);
    this.defaults = { ...defaults };
    for (const [k, v] of Object.entries(options)) if (v !== undefined) (this.defaults as Record<string, unknown>)[k] = Array.isArray(v) ? v.slice() : v;
    if (params instanceof Tensor || params === null || typeof params !== "object" || typeof (params as Iterable<unknown>)[Symbol.iterator] !== "function") {
      fail("E_TYPE", `${name}: params`, "an iterable of Tensors or of parameter groups { params, ...options }", params);
    }
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new TesseraError("E_VALUE", `${name}: params: expected at least one parameter, received an empty parameter list`);
    if (list.every((p) => p instanceof Tensor)) this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupInput<O>);
    else if (list.every(isPlainObject)) for (const g of list) this.addParamGroup(g as ParamGroupInput<O>);
    else fail("E_TYPE", `${name}: params`, "either Tensors or parameter groups { params, ...options }, not a mix", list.find((p) => !(p instanceof Tensor)));
  }

  /** Validates one group's options (on addParamGroup, loadStateDict and every step: `lr` is mutable). */
  protected abstract checkGroup(where: string, group: ParamGroup<O>): void;

  private validateGroup(where: string, group: ParamGroup<O>): void {
    this.checkGroup(where, group);
    if (group.initialLr !== undefined) checkNumber(`${where}.initialLr`, group.initialLr, 0);
  }

  /** Creates (or completes, when an option now needs another buffer) one parameter's state. */
  protected abstract prepareState(p: Tensor, group: ParamGroup<O>, state: ParamState | undefined): ParamState;

  /** Updates one parameter in place with one backend kernel. */
  protected abstract update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<O>): void;

  /** Names of the state entries that hold tensors (the rest are step counts). */
  protected abstract readonly tensorStateKeys: readonly string[];

  /** Entries every loaded state must have (buffers that options need later are made on demand). */
  protected abstract readonly requiredStateKeys: readonly string[];

  private checkOptionNames(where: string, o: object): void {
    for (const key of Object.keys(o)) {
      if (key !== "params" && key !== "initialLr" && !this.optionNames.has(key)) {
        throw new TesseraError("E_KEY", `${where}: expected options among ${[...this.optionNames].join(", ")}, received an unknown option ${JSON.stringify(key)}`);
      }
    }
  }

  /** Adds a group (e.g. layers unfrozen while fine-tuning); its missing options take the defaults. */
  addParamGroup(group: ParamGroupInput<O>): void {
    const where = `${this.name}: paramGroups[${this.paramGroups.length}]`;
    if (!isPlainObject(group)) fail("E_TYPE", where, "a parameter group { params, ...options }", group);
    this.checkOptionNames(where, group);
    const raw = group.params;
    if (raw === undefined) fail("E_TYPE", `${where}.params`, "a Tensor or an iterable of Tensors", raw);
    const params = raw instanceof Tensor ? [raw]
      : raw !== null && typeof raw === "object" && Symbol.iterator in raw ? [...(raw as Iterable<unknown>)]
      : fail("E_TYPE", `${where}.params`, "a Tensor or an iterable of Tensors", raw);
    if (params.length === 0) throw new TesseraError("E_VALUE", `${where}.params: expected at least one parameter, received an empty parameter list`);
    const seen = new Set<Tensor>();
    params.forEach((p, i) => {
      const arg = `${where}.params[${i}]`;
      if (!(p instanceof Tensor)) fail("E_TYPE", arg, "a Tensor", p);
      if (p.isDisposed) throw new TesseraError("E_DISPOSED", `${arg}: expected a live tensor, received tensor #${p.id} that was disposed`);
      if (p.dtype !== "float32") throw new TesseraError("E_DTYPE", `${arg}: expected a float32 tensor, received ${p.dtype} ${fmt(p.shape)}`);
      if (p.gradFn !== null) throw new TesseraError("E_GRAD", `${arg}: expected a leaf tensor, received tensor #${p.id} made by ${p.gradFn.name} (can't optimize a non-leaf Tensor; detach() it or optimize its leaves)`);
      if (seen.has(p)) throw new TesseraError("E_VALUE", `${arg}: expected each parameter once, received tensor #${p.id} twice in the same group`);
      seen.add(p);
      this.paramGroups.forEach((other, gi) => {
        if (other.params.includes(p)) throw new TesseraError("E_VALUE", `${arg}: expected each parameter in one group only, received tensor #${p.id}, already in paramGroups[${gi}] (some parameters appear in more than one parameter group)`);
      });
    });
    const full = { ...this.defaults } as ParamGroup<O>;
    for (const [k, v] of Object.entries(group)) if (k !== "params" && v !== undefined) (full as Record<string, unknown>)[k] = Array.isArray(v) ? v.slice() : v;
    full.params = params as Tensor[];
    this.validateGroup(where, full);
    this.paramGroups.push(full);
  }

  /**
   * One update of every parameter that has a .grad. Parameters, gradients and every group's options
   * are checked first (so a bad lr set by hand or a disposed parameter changes nothing); state for
   * parameters stepping for the first time is allocated next, then each parameter is updated in place
   * by one kernel and its version bumped (a graph that saved its old value refuses to backpropagate).
   */
  step(): void {
    const todo: [Tensor, Tensor, ParamGroup<O>][] = [];
    this.paramGroups.forEach((group, gi) => {
      const where = `${this.name}.step(): paramGroups[${gi}]`;
      this.validateGroup(where, group);
      group.params.forEach((p, i) => {
        if (p.isDisposed) throw new TesseraError("E_DISPOSED", `${where}.params[${i}]: expected a live tensor, received tensor #${p.id} that was disposed`);
        const g = p.grad;
        if (g === null) return;
        if (g.isDisposed) throw new TesseraError("E_DISPOSED", `${where}.params[${i}].grad: expected a live tensor, received one that was disposed`);
        if (!shapesEqual(g.shape, p.shape) || g.dtype !== "float32" || g.backend !== p.backend) {
          throw new TesseraError(g.backend !== p.backend ? "E_DEVICE" : "E_SHAPE", `${where}.params[${i}].grad: expected float32 ${fmt(p.shape)} on ${p.backend.label}, received ${g.dtype} ${fmt(g.shape)} on ${g.backend.label}`);
        }
        todo.push([p, g, group]);
      });
    });
    for (const [p, , group] of todo) this.state.set(p, this.prepareState(p, group, this.state.get(p)));
    for (const [p, g, group] of todo) {
      const s = this.state.get(p)!;
      this.update(p, g, s, group);
      p.storage!.version++;
      for (const k of this.tensorStateKeys) {
        const t = s[k];
        if (t instanceof Tensor) t.storage!.version++;
      }
    }
  }

  /**
   * Zeroes every parameter's gradient in place, as torch 1.13's zero_grad() does by default
   * (set_to_none=False); with setToNone the gradients are disposed and set to null instead (the next
   * backward allocates them again, and parameters that receive none are then skipped by step()).
   */
  zeroGrad(setToNone = false): void {
    checkFlag(`${this.name}.zeroGrad: setToNone`, setToNone);
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        if (setToNone || g.isDisposed) {
          p.zeroGrad();
        } else {
          g.backend.fill(g.handle, g.size, 0, "float32");
          g.storage!.version++;
        }
      }
    }
  }

  /** A tensor of zeros shaped like p on p's device, outside every tidy() scope. */
  protected zerosLike(p: Tensor, value = 0): Tensor {
    const t = Tensor.empty(p.shape.slice(), "float32", p.backend);
    p.backend.fill(t.handle, t.size, value, "float32");
    return keep(t);
  }

  /**
   * The state as PyTorch lays it out. State tensors are detached views of the live buffers (no
   * copy, like torch's references): they change with later steps; clone() them to keep a snapshot.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(group)) if (k !== "params") packed[k] = Array.isArray(v) ? v.slice() : v;
      packed.params = group.params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      });
      return packed as Record<string, unknown> & { params: number[] };
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const out: ParamState = {};
      for (const [k, v] of Object.entries(s)) out[k] = v instanceof Tensor ? v.detach() : v;
      state[i] = out;
    }
    return { state, paramGroups };
  }

  /**
   * Replaces the state and the groups' options with those of `dict` (from stateDict(), here or in
   * another optimizer of the same kind over parameters of the same shapes). Everything is checked
   * first — group count and sizes, parameter indices, state names, tensor shapes, options — and
   * nothing changes unless all of it is right; state tensors are copied onto each parameter's device.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    const bad = (code: ErrorCode, msg: string): never => { throw new TesseraError(code, `${where}: ${msg}`); };
    if (!isPlainObject(dict) || !isPlainObject(dict.state) || !Array.isArray(dict.paramGroups)) {
      fail("E_TYPE", `${where}: dict`, "{ state, paramGroups } as made by stateDict()", dict);
    }
    const saved = dict.paramGroups;
    if (saved.length !== this.paramGroups.length) bad("E_VALUE", `expected ${this.paramGroups.length} parameter group(s), received ${saved.length} (loaded state dict has a different number of parameter groups)`);
    const byIndex = new Map<number, Tensor>();
    const groups = saved.map((sg, gi) => {
      const own = this.paramGroups[gi];
      if (!isPlainObject(sg) || !Array.isArray(sg.params)) return fail("E_TYPE", `${where}: paramGroups[${gi}]`, "{ params: number[], ...options }", sg);
      if (sg.params.length !== own.params.length) bad("E_VALUE", `paramGroups[${gi}]: expected ${own.params.length} parameter(s), received ${sg.params.length} (a parameter group that doesn't match the size of optimizer's group)`);
      sg.params.forEach((idx: unknown, i: number) => {
        if (typeof idx !== "number" || !Number.isInteger(idx) || idx < 0) fail("E_TYPE", `${where}: paramGroups[${gi}].params[${i}]`, "a parameter index", idx);
        if (!byIndex.has(idx)) byIndex.set(idx, own.params[i]);
      });
      this.checkOptionNames(`${where}: paramGroups[${gi}]`, sg);
      const next = { ...own } as ParamGroup<O>;
      for (const [k, v] of Object.entries(sg)) {
        if (k === "params") continue;
        (next as Record<string, unknown>)[k] = Array.isArray(v) ? v.slice() : v;
      }
      this.validateGroup(`${where}: paramGroups[${gi}]`, next);
      return next;
    });
    const incoming: [Tensor, Record<string, unknown>][] = [];
    for (const [key, s] of Object.entries(dict.state)) {
      const p = byIndex.get(Number(key));
      if (p === undefined || String(Number(key)) !== key) bad("E_KEY", `state: expected keys that are parameter indices of paramGroups, received ${JSON.stringify(key)}`);
      if (!isPlainObject(s)) fail("E_TYPE", `${where}: state[${key}]`, "an object of state entries", s);
      for (const k of this.requiredStateKeys) {
        if (s[k] === undefined || s[k] === null) bad("E_KEY", `state[${key}]: expected entries ${this.requiredStateKeys.join(", ")}, received none for ${JSON.stringify(k)}`);
      }
      for (const [k, v] of Object.entries(s)) {
        const arg = `${where}: state[${key}].${k}`;
        if (this.tensorStateKeys.includes(k)) {
          if (v === null) continue;
          if (!(v instanceof Tensor)) fail("E_TYPE", arg, "a Tensor or null", v);
          if (v.isDisposed) throw new TesseraError("E_DISPOSED", `${arg}: expected a live tensor, received one that was disposed`);
          if (!shapesEqual(v.shape, p!.shape) || v.dtype !== "float32") throw new TesseraError("E_SHAPE", `${arg}: expected float32 ${fmt(p!.shape)} like its parameter, received ${v.dtype} ${fmt(v.shape)}`);
        } else if (k === "step") {
          const n = v instanceof Tensor && !v.isDisposed && v.size === 1 ? v.item() : v;
          checkNumber(arg, n, 0);
        } else {
          bad("E_KEY", `state[${key}]: expected entries among step, ${this.tensorStateKeys.join(", ")}, received ${JSON.stringify(k)} (${describe(v)})`);
        }
      }
      incoming.push([p!, s]);
    }
    // Everything checked: copy the tensors (all of them, or none on E_OOM), then swap.
    const made: Tensor[] = [];
    const states = new Map<Tensor, ParamState>();
    try {
      for (const [p, s] of incoming) {
        const out: ParamState = {};
        for (const [k, v] of Object.entries(s)) {
          if (k === "step") out[k] = v instanceof Tensor ? v.item() : v as number;
          else if (v instanceof Tensor) {
            const t = this.zerosLike(p);
            made.push(t);
            const src = v.backend === p.backend ? v : v.to(p.device);
            p.backend.copy(t.handle, src.handle, t.size);
            if (src !== v) src.dispose();
            out[k] = t;
          } else out[k] = null;
        }
        states.set(p, out);
      }
    } catch (e) {
      for (const t of made) t.dispose();
      throw e;
    }
    this.disposeState();
    for (const [p, s] of states) this.state.set(p, s);
    groups.forEach((g, gi) => { this.paramGroups[gi] = g; });
  }

  /** Frees the state tensors (the parameters and their gradients are the caller's). */
  dispose(): void {
    this.disposeState();
  }

  private disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
    this.state.clear();
  }

  toString(): string {
    const groups = this.paramGroups.map((g, i) => {
      const opts = Object.entries(g).filter(([k]) => k !== "params").map(([k, v]) => `    ${k}: ${Array.isArray(v) ? `[${v.join(", ")}]` : v}`);
      return `Parameter Group ${i}\n${opts.join("\n")}`;
    });
    return `${this.name} (\n${groups.join("\n")}\n)`;
  }
}
