// Forward chaining to a fixed point, in the order of the notes' animal expert (seeds/002, `infer`):
// passes over the rules in their order, each rule whose conditions all hold and that concludes
// something new fires at once (later rules of the same pass see its conclusions), until a pass adds
// nothing. Facts only grow, so it terminates; a rule that would re-derive known facts does not fire
// (cycles end). Instead of rescanning every rule each pass, each rule counts its conditions still
// missing; a rule whose count reaches 0 is queued for this pass (if it comes after the current
// rule) or the next — the same firing order as the rescans, in O((rules + uses) · log rules).
// A conclusion whose negation is known is not added: it is reported as a contradiction.
import { TesseraError, describe } from "../errors.js";
import { compileRules, factOf, literalOf, negate, show, toKey, type CompiledRule, type Key, type Literal, type RuleSpec } from "./rules.js";

export interface RuleEngineOptions {
  /** Every fact rules and inputs may mention: a rule or input outside it is an error (E_KEY). */
  vocabulary?: Iterable<string>;
  /** "report" (default): contradictions are listed in the result; "throw": the first is a TesseraError (E_STATE). */
  onContradiction?: "report" | "throw";
}

/** Why a literal holds: it was given, or a firing derived it. */
export type Support = { given: true } | { given: false; step: number; rule: string };

export interface Firing {
  /** 1-based position in the order of firing. */
  step: number;
  /** 1-based pass over the rules. */
  pass: number;
  rule: string;
  ruleIndex: number;
  /** The conditions, each with why it held when the rule fired. */
  because: { fact: Literal; support: Support }[];
  /** What the firing added (conclusions already known are left out). */
  concluded: Literal[];
}

export interface Contradiction {
  rule: string;
  ruleIndex: number;
  /** What the rule would have derived. */
  derived: Literal;
  /** The known literal it contradicts, and why that one holds. */
  conflictsWith: Literal;
  support: Support;
}

/** A proof: the literal, and the firing (with the proofs of its conditions) or "given". */
export interface Proof {
  fact: Literal;
  given: boolean;
  rule?: string;
  step?: number;
  from?: Proof[];
}

export class Inference {
  constructor(
    private readonly supports: ReadonlyMap<Key, Support>,
    /** The firings, in order. */
    readonly fired: readonly Firing[],
    readonly contradictions: readonly Contradiction[],
    /** Passes over the rules, the last one adding nothing. */
    readonly passes: number,
  ) {}

  /** Every literal that holds (given first, then derived in order). */
  get facts(): Literal[] {
    return [...this.supports.keys()].map(literalOf);
  }

  /** The literals the rules added, in order. */
  get derived(): Literal[] {
    return this.fired.flatMap((f) => f.concluded);
  }

  /** Whether a literal holds ("X", or { not: "X" }). */
  holds(fact: Literal): boolean {
    return this.supports.has(toKey("Inference.holds: fact", fact));
  }

  /** The proof tree of a literal, or null when it does not hold. */
  why(fact: Literal): Proof | null {
    const key = toKey("Inference.why: fact", fact);
    return this.supports.has(key) ? this.proof(key) : null;
  }

  /**
   * Without an argument, the firings in order, one line each: "1. rule 1: 有毛发 → 哺乳动物".
   * With a fact, its proof as an indented tree, or a line saying it does not hold.
   */
  explain(fact?: Literal): string {
    if (fact === undefined) {
      const lines = this.fired.map((f) => `${f.step}. ${f.rule}: ${f.because.map((b) => showLiteral(b.fact)).join(", ")} → ${f.concluded.map(showLiteral).join(", ")}`);
      for (const c of this.contradictions) {
        lines.push(`contradiction: ${c.rule} derives ${showLiteral(c.derived)}, but ${showLiteral(c.conflictsWith)} holds (${showSupport(c.support)})`);
      }
      return lines.join("\n");
    }
    const proof = this.why(fact);
    if (!proof) return `${showLiteral(fact)}: does not hold (not given, and no rule derives it)`;
    const lines: string[] = [];
    const walk = (p: Proof, depth: number) => {
      const pad = "  ".repeat(depth);
      if (p.given) lines.push(`${pad}${showLiteral(p.fact)}: given`);
      else {
        lines.push(`${pad}${showLiteral(p.fact)} ← ${p.rule} (step ${p.step}) because ${p.from!.map((c) => showLiteral(c.fact)).join(", ")}`);
        for (const c of p.from!) walk(c, depth + 1);
      }
    };
    walk(proof, 0);
    return lines.join("\n");
  }

  private proof(key: Key): Proof {
    const s = this.supports.get(key)!;
    if (s.given) return { fact: literalOf(key), given: true };
    const firing = this.fired[s.step - 1];
    return { fact: literalOf(key), given: false, rule: s.rule, step: s.step, from: firing.because.map((b) => this.proof(toKey("", b.fact))) };
  }
}

function showLiteral(l: Literal): string {
  return typeof l === "string" ? l : `not ${l.not}`;
}

function showSupport(s: Support): string {
  return s.given ? "given" : `derived by ${s.rule} at step ${s.step}`;
}

/** A min-heap of rule indices. */
class IndexHeap {
  private a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    let i = a.push(v) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= v) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a, top = a[0], last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= a.length) break;
        if (c + 1 < a.length && a[c + 1] < a[c]) c++;
        if (a[c] >= last) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

export class RuleEngine {
  readonly rules: readonly CompiledRule[];
  private readonly vocabulary: ReadonlySet<string> | null;
  private readonly onContradiction: "report" | "throw";
  /** The rules that have a literal among their conditions. */
  private readonly users = new Map<Key, number[]>();

  constructor(rules: readonly RuleSpec[], options: RuleEngineOptions = {}) {
    if (options === null || typeof options !== "object") throw new TesseraError("E_TYPE", `RuleEngine: options: expected an object, received ${describe(options)}`);
    for (const key of Object.keys(options)) {
      if (key !== "vocabulary" && key !== "onContradiction") {
        throw new TesseraError("E_KEY", `RuleEngine: options: expected options among vocabulary, onContradiction, received an unknown option ${JSON.stringify(key)}`);
      }
    }
    const voc = options.vocabulary as unknown;
    if (voc !== undefined) {
      if (voc === null || typeof voc !== "object" || typeof (voc as Iterable<unknown>)[Symbol.iterator] !== "function" || typeof voc === "string") {
        throw new TesseraError("E_TYPE", `RuleEngine: options.vocabulary: expected an array or set of fact names, received ${describe(voc)}`);
      }
      const names = new Set<string>();
      let i = 0;
      for (const v of voc as Iterable<unknown>) {
        if (typeof v !== "string") throw new TesseraError("E_TYPE", `RuleEngine: options.vocabulary[${i}]: expected a fact name (a string), received ${describe(v)}`);
        names.add(toKey(`RuleEngine: options.vocabulary[${i++}]`, v));
      }
      this.vocabulary = names;
    } else this.vocabulary = null;
    const mode = options.onContradiction ?? "report";
    if (mode !== "report" && mode !== "throw") {
      throw new TesseraError("E_VALUE", `RuleEngine: options.onContradiction: expected "report" or "throw", received ${describe(mode)}`);
    }
    this.onContradiction = mode;
    this.rules = compileRules(rules, this.vocabulary);
    for (const r of this.rules) {
      for (const c of r.conditions) {
        const list = this.users.get(c);
        if (list) list.push(r.index);
        else this.users.set(c, [r.index]);
      }
    }
  }

  /** Derives everything the rules allow from `facts` (literals; a contradictory pair is an error). */
  infer(facts: Iterable<Literal>): Inference {
    if (facts === null || typeof facts !== "object" || typeof (facts as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw new TesseraError("E_TYPE", `RuleEngine.infer: facts: expected an array or set of facts, received ${describe(facts)}`);
    }
    const supports = new Map<Key, Support>();
    let i = 0;
    for (const f of facts) {
      const key = toKey(`RuleEngine.infer: facts[${i}]`, f);
      if (this.vocabulary && !this.vocabulary.has(factOf(key))) {
        throw new TesseraError("E_KEY", `RuleEngine.infer: facts[${i}]: the fact ${JSON.stringify(factOf(key))} is not in the declared vocabulary`);
      }
      if (supports.has(negate(key))) {
        throw new TesseraError("E_VALUE", `RuleEngine.infer: facts[${i}]: expected facts that can hold together, received ${show(key)} after ${show(negate(key))}`);
      }
      supports.set(key, { given: true });
      i++;
    }

    const missing = this.rules.map((r) => r.conditions.length);
    let current = new IndexHeap(), next = new IndexHeap();
    for (const key of supports.keys()) for (const r of this.users.get(key) ?? []) missing[r]--;
    for (const r of this.rules) if (missing[r.index] === 0) current.push(r.index);

    const fired: Firing[] = [];
    const contradictions: Contradiction[] = [];
    let pass = 1, position = -1;
    const learn = (key: Key, support: Support) => {
      supports.set(key, support);
      for (const r of this.users.get(key) ?? []) {
        if (--missing[r] === 0) (r > position ? current : next).push(r);
      }
    };
    for (;;) {
      if (current.size === 0) {
        if (next.size === 0) break;
        [current, next] = [next, current];
        pass++;
        position = -1;
      }
      const rule = this.rules[current.pop()];
      position = rule.index;
      const fresh = rule.conclusions.filter((c) => !supports.has(c));
      if (fresh.length === 0) continue; // everything it concludes already holds: a cycle ends here
      const because = rule.conditions.map((c) => ({ fact: literalOf(c), support: supports.get(c)! }));
      const added: Key[] = [];
      const step = fired.length + 1;
      for (const c of fresh) {
        const opposite = supports.get(negate(c));
        if (opposite) {
          const found: Contradiction = { rule: rule.name, ruleIndex: rule.index, derived: literalOf(c), conflictsWith: literalOf(negate(c)), support: opposite };
          if (this.onContradiction === "throw") {
            throw new TesseraError("E_STATE", `RuleEngine.infer: ${rule.name} derives ${show(c)}, but ${show(negate(c))} holds (${showSupport(opposite)})`);
          }
          contradictions.push(found);
        } else added.push(c);
      }
      if (added.length === 0) continue;
      fired.push({ step, pass, rule: rule.name, ruleIndex: rule.index, because, concluded: added.map(literalOf) });
      for (const c of added) learn(c, { given: false, step, rule: rule.name });
    }
    return new Inference(supports, fired, contradictions, (fired.at(-1)?.pass ?? 0) + 1);
  }
}
