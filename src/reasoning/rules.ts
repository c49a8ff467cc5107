// Rules and facts of the forward-chaining engine, checked and compiled: a fact is a name (string);
// a literal is a fact or its negation { not: fact } (classical, explicit negation: "not X" holds
// when it was given or derived, never merely because X is unknown). A rule is IF all of its
// conditions hold THEN all of its conclusions hold, as in the notes' animal expert (seeds/002).
import { TesseraError, describe } from "../errors.js";

export type Literal = string | { not: string };

export interface RuleSpec {
  /** Shown in traces and errors; default "rule <1-based index>". */
  name?: string;
  /** Conditions, all of which must hold (at least one). */
  if: readonly Literal[];
  /** What the rule concludes: one literal or several. */
  then: Literal | readonly Literal[];
}

/** A literal as a key: "X" or "¬X" (the prefix cannot clash: fact names are checked not to start with "¬"). */
export type Key = string;

export interface CompiledRule {
  index: number;
  name: string;
  conditions: Key[];
  conclusions: Key[];
}

export const NOT = "¬";

export function negate(key: Key): Key {
  return key.startsWith(NOT) ? key.slice(NOT.length) : NOT + key;
}

export function factOf(key: Key): string {
  return key.startsWith(NOT) ? key.slice(NOT.length) : key;
}

/** "X" or "not X", for people. */
export function show(key: Key): string {
  return key.startsWith(NOT) ? `not ${key.slice(NOT.length)}` : key;
}

/** The literal of a key, in the form users write: "X" or { not: "X" }. */
export function literalOf(key: Key): Literal {
  return key.startsWith(NOT) ? { not: key.slice(NOT.length) } : key;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Checks one literal (a non-empty string, or { not: non-empty string }) and returns its key. `arg`
 * names it in errors; a function is called only then (rule bases can be long).
 */
export function toKey(argOrFn: string | (() => string), v: unknown): Key {
  if (typeof v === "string" && v.trim() !== "" && !v.startsWith(NOT)) return v;
  const arg = typeof argOrFn === "string" ? argOrFn : argOrFn();
  let name: unknown = v, negated = false;
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    if (keys.length !== 1 || keys[0] !== "not") {
      throw new TesseraError("E_TYPE", `${arg}: expected a fact (a string) or { not: fact }, received an object with keys ${keys.join(", ") || "(none)"}`);
    }
    name = v.not;
    negated = true;
  }
  if (typeof name !== "string") {
    throw new TesseraError("E_TYPE", `${arg}: expected a fact (a string) or { not: fact }, received ${describe(v)}`);
  }
  if (name.trim() === "" || name.startsWith(NOT)) {
    throw new TesseraError("E_VALUE", `${arg}: expected a fact name that is not blank and does not start with "${NOT}", received ${describe(name)}`);
  }
  return negated ? NOT + name : name;
}

/** Checks and compiles rules; `vocabulary` (when given) lists every fact a rule may mention. */
export function compileRules(rules: unknown, vocabulary: ReadonlySet<string> | null): CompiledRule[] {
  if (!Array.isArray(rules)) throw new TesseraError("E_TYPE", `RuleEngine: rules: expected an array of { if, then } rules, received ${describe(rules)}`);
  const names = new Set<string>();
  return rules.map((spec: unknown, index) => {
    const where = `RuleEngine: rules[${index}]`;
    if (!isPlainObject(spec)) throw new TesseraError("E_TYPE", `${where}: expected a rule { if: [...], then: ... }, received ${describe(spec)}`);
    for (const key of Object.keys(spec)) {
      if (key !== "name" && key !== "if" && key !== "then") {
        throw new TesseraError("E_KEY", `${where}: expected keys among name, if, then, received an unknown key ${JSON.stringify(key)}`);
      }
    }
    if (spec.name !== undefined && (typeof spec.name !== "string" || spec.name === "")) {
      throw new TesseraError("E_TYPE", `${where}.name: expected a non-empty string, received ${describe(spec.name)}`);
    }
    const name = (spec.name as string | undefined) ?? `rule ${index + 1}`;
    const rule = `${where} (${JSON.stringify(name)})`;
    if (names.has(name)) throw new TesseraError("E_VALUE", `${rule}: expected a unique rule name, received one used by an earlier rule`);
    names.add(name);
    if (!Array.isArray(spec.if)) throw new TesseraError("E_TYPE", `${rule}.if: expected an array of conditions, received ${describe(spec.if)}`);
    if (spec.if.length === 0) throw new TesseraError("E_VALUE", `${rule}.if: expected at least one condition, received an empty array`);
    const thenList: unknown[] = Array.isArray(spec.then) ? spec.then : spec.then === undefined ? [] : [spec.then];
    if (thenList.length === 0) throw new TesseraError("E_VALUE", `${rule}.then: expected at least one conclusion, received ${describe(spec.then)}`);
    const conditions = [...new Set(spec.if.map((c: unknown, i: number) => toKey(() => `${rule}.if[${i}]`, c)))];
    const conclusions = [...new Set(thenList.map((c, i) => toKey(() => (Array.isArray(spec.then) ? `${rule}.then[${i}]` : `${rule}.then`), c)))];
    for (const key of [...conditions, ...conclusions]) {
      if (vocabulary && !vocabulary.has(factOf(key))) {
        throw new TesseraError("E_KEY", `${rule}: the fact ${JSON.stringify(factOf(key))} is not in the declared vocabulary (misspelt, or missing from it?)`);
      }
    }
    for (const key of conditions) {
      if (conditions.includes(negate(key)) && !key.startsWith(NOT)) {
        throw new TesseraError("E_VALUE", `${rule}.if: expected conditions that can hold together, received both ${JSON.stringify(key)} and not ${JSON.stringify(key)}`);
      }
    }
    for (const key of conclusions) {
      if (conclusions.includes(negate(key)) && !key.startsWith(NOT)) {
        throw new TesseraError("E_VALUE", `${rule}.then: expected conclusions that can hold together, received both ${JSON.stringify(key)} and not ${JSON.stringify(key)}`);
      }
    }
    return { index, name, conditions, conclusions };
  });
}
