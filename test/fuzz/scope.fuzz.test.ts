// Property test of tensor lifetimes (issue 8, "keep them out"): seeded random sequences of
// creation, ops and views, nested tidy() scopes returning tensors inside arrays, plain objects,
// Maps, Sets, class instances and cycles, keep(), dispose() (twice, and inside a tidy of a tensor
// it then returns), scopes that throw, and keep() of things that are not tensors. A model of
// tfjs-style tidy semantics says which tensors must be alive; after every action each of them holds
// its values, each other one is disposed, and memory().numBlocks is exactly what the live ones (and
// their graphs) explain — so at the end it is back at the baseline.
import { describe, expect, it } from "vitest";
import * as T from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { Rng, errorContractBreach, fuzzSeeds, liveStorages, memoryBreaches, show } from "./support.js";

const SEEDS = fuzzSeeds([101, 202, 303]);
const SEQUENCES = Number(process.env.FUZZ_SEQUENCES ?? 60);

/** A tensor the model follows: its values, and the tidy scope that will dispose it (null: none). */
interface M {
  t: Tensor;
  values: number[];
  scope: Set<M> | null;
  alive: boolean;
}

class Pair {
  constructor(readonly first: unknown, readonly second: unknown) {}
}

class Model {
  readonly all: M[] = [];
  readonly scopes: Set<M>[] = [];
  readonly log: string[] = [];
  constructor(readonly rng: Rng) {}

  get top(): Set<M> | null {
    return this.scopes.length > 0 ? this.scopes[this.scopes.length - 1] : null;
  }

  adopt(t: Tensor, values: number[]): M {
    const m: M = { t, values, scope: this.top, alive: true };
    this.top?.add(m);
    this.all.push(m);
    return m;
  }

  live(): M[] {
    return this.all.filter((m) => m.alive);
  }

  kill(m: M): void {
    m.alive = false;
    m.scope?.delete(m);
    m.scope = null;
  }

  /** One random action; `depth` limits the nesting of tidy scopes. */
  act(depth: number): void {
    const r = this.rng;
    const live = this.live();
    const kind = r.weighted<string>([
      [3, "make"], [4, "op"], [1.5, "view"], [1.5, "dispose"], [1, "keep"], [depth < 3 ? 2 : 0, "tidy"],
      [depth < 3 ? 0.5 : 0, "throw"], [0.3, "keepOdd"], [0.5, "graph"],
    ]);
    if (kind !== "make" && kind !== "tidy" && kind !== "throw" && kind !== "keepOdd" && live.length === 0) return this.act(depth);
    switch (kind) {
      case "make": {
        const n = r.range(0, 6);
        const values = Array.from({ length: n }, () => r.range(-9, 9));
        this.log.push(`make [${values}]`);
        this.adopt(T.tensor(values), values);
        return;
      }
      case "op": {
        const m = r.pick(live);
        const op = r.pick(["mul2", "add1", "neg", "clone"] as const);
        this.log.push(`${op} #${m.t.id}`);
        const t = op === "mul2" ? m.t.mul(2) : op === "add1" ? m.t.add(1) : op === "neg" ? m.t.neg() : m.t.clone();
        const values = m.values.map((v) => (op === "mul2" ? v * 2 : op === "add1" ? v + 1 : op === "neg" ? -v : v));
        this.adopt(t, values);
        return;
      }
      case "view": {
        // a view made here of a tensor that may live in an outer scope: shared storage
        const m = r.pick(live);
        const how = r.pick(["reshape", "detach", "unsqueeze"] as const);
        this.log.push(`${how} #${m.t.id}`);
        const t = how === "reshape" ? m.t.reshape([m.values.length]) : how === "detach" ? m.t.detach() : m.t.unsqueeze(0);
        this.adopt(t, m.values.slice());
        return;
      }
      case "dispose": {
        const m = r.pick(live);
        this.log.push(`dispose #${m.t.id}`);
        m.t.dispose();
        if (r.chance(0.3)) m.t.dispose(); // twice: a no-op
        this.kill(m);
        return;
      }
      case "keep": {
        const m = r.pick(live);
        this.log.push(`keep #${m.t.id}`);
        if (T.keep(m.t) !== m.t) throw new Error("keep() did not return its argument");
        // kept: no enclosing scope disposes it (it now belongs to no scope)
        for (const s of this.scopes) s.delete(m);
        m.scope = null;
        return;
      }
      case "keepOdd": {
        const v = r.pick<unknown>([null, undefined, 5, "t", {}, [], { isTensor: true }]);
        this.log.push(`keep(${show(v)})`);
        let err: unknown = null;
        try {
          T.keep(v as Tensor);
        } catch (e) {
          err = e;
        }
        const breach = err === null ? "accepted" : errorContractBreach(err);
        if (breach) throw new Error(`keep(${show(v)}): expected a TesseraError (E_TYPE), ${breach}`);
        return;
      }
      case "graph": {
        // an op recorded for autograd: what it saves for backward lives and dies with its output
        const m = r.pick(live);
        if (m.t.size === 0 || m.t.dtype !== "float32") return;
        this.log.push(`max(requiresGrad clone of #${m.t.id})`);
        const leaf = m.t.clone().requiresGrad_();
        this.adopt(leaf, m.values.slice());
        const out = leaf.max();
        this.adopt(out, [Math.max(...m.values)]);
        return;
      }
      case "tidy":
      case "throw": {
        const scope = new Set<M>();
        this.log.push(`${kind === "throw" ? "throwing " : ""}tidy {`);
        let returned: M[] = [];
        const body = () => {
          this.scopes.push(scope);
          try {
            for (let k = r.range(0, 6); k > 0; k--) this.act(depth + 1);
            if (kind === "throw") throw new Error("boom");
            const [value, inside] = this.result();
            returned = inside;
            return value;
          } finally {
            this.scopes.pop();
          }
        };
        let threw = false;
        try {
          T.tidy(body);
        } catch (e) {
          if ((e as Error).message !== "boom") throw e;
          threw = true;
        }
        this.log.push(`} returning ${returned.map((m) => `#${m.t.id}`).join(", ")}${threw ? " (threw)" : ""}`);
        // what the scope made: returned tensors move to the enclosing scope, the others are disposed
        for (const m of [...scope]) {
          if (!threw && returned.includes(m) && m.alive) {
            m.scope = this.top;
            this.top?.add(m);
          } else this.kill(m);
        }
        return;
      }
    }
  }

  /** A tidy() result: tensors (some disposed, some from outer scopes) in a random structure. */
  result(): [unknown, M[]] {
    const r = this.rng;
    const candidates = this.all.filter((m) => m.alive || r.chance(0.2));
    const picked: M[] = [];
    for (let k = r.range(0, 3); k > 0 && candidates.length > 0; k--) {
      const m = r.pick(candidates);
      // sometimes disposed here, then returned: it stays disposed
      if (m.alive && m.scope === this.top && r.chance(0.1)) {
        this.log.push(`dispose #${m.t.id} (returned below)`);
        m.t.dispose();
        this.kill(m);
      }
      picked.push(m);
    }
    const ts = picked.map((m) => m.t);
    const wrap = r.pick(["none", "one", "array", "object", "map", "mapKey", "set", "class", "nested", "cycle", "number"] as const);
    let value: unknown;
    switch (wrap) {
      case "none": return [undefined, []];
      case "number": return [42, []];
      case "one": value = ts[0]; break;
      case "array": value = ts; break;
      case "object": value = Object.fromEntries(ts.map((t, i) => [`k${i}`, t])); break;
      case "map": value = new Map(ts.map((t, i) => [i, t])); break;
      case "mapKey": value = new Map(ts.map((t) => [t, "v"])); break;
      case "set": value = new Set(ts); break;
      case "class": value = new Pair(ts[0], ts.slice(1)); break;
      case "nested": value = { a: [new Map([["x", ts]])] }; break;
      case "cycle": {
        const o: Record<string, unknown> = { ts };
        o.self = o;
        value = o;
        break;
      }
    }
    const inside = wrap === "one" ? picked.slice(0, 1) : picked;
    return [value, inside];
  }

  /** Every model-live tensor holds its values, every other one is disposed, the blocks add up. */
  check(baseline: number, where: string): void {
    for (const m of this.all) {
      if (m.t.isDisposed === m.alive) throw new Error(`${where}: tensor #${m.t.id} is ${m.t.isDisposed ? "disposed" : "alive"}, expected ${m.alive ? "alive" : "disposed"}`);
      if (m.alive) {
        const got = Array.from(m.t.data());
        if (got.length !== m.values.length || got.some((v, i) => v !== m.values[i])) throw new Error(`${where}: tensor #${m.t.id} holds ${JSON.stringify(got)}, expected ${JSON.stringify(m.values)}`);
      }
    }
    const problems = memoryBreaches();
    if (problems.length > 0) throw new Error(`${where}: memory(): ${problems.join("; ")}`);
    const explained = liveStorages(this.live().map((m) => m.t)).size;
    const blocks = T.memory().numBlocks;
    if (blocks !== baseline + explained) throw new Error(`${where}: numBlocks ${blocks}, live tensors explain ${baseline + explained}`);
  }
}

describe("tidy / keep / dispose sequences", () => {
  it.each(SEEDS)("seed %i: the live tensors are exactly those tidy semantics keep, with their values", (seed) => {
    const rng = new Rng(seed);
    T.ones([1]).dispose();
    const baseline = T.memory().numBlocks;
    for (let s = 0; s < SEQUENCES; s++) {
      const model = new Model(rng);
      try {
        for (let k = rng.range(5, 25); k > 0; k--) {
          model.act(0);
          model.check(baseline, "after the last action");
        }
        for (const m of model.live()) {
          m.t.dispose();
          model.kill(m);
        }
        model.check(baseline, "after disposing everything");
      } catch (e) {
        for (const m of model.all) m.t.dispose();
        throw new Error(`seed ${seed}, sequence ${s}: ${(e as Error).message}\n  actions: ${model.log.join("; ")}\n  replay: FUZZ_SEED=${seed} npx vitest run test/fuzz/scope.fuzz.test.ts`, { cause: e });
      }
    }
    expect(T.memory().numBlocks).toBe(baseline);
  });
});
