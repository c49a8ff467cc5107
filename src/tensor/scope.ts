// How tensors are freed. tidy(fn): tensors created inside fn are disposed when it returns, except
// those it returns (inside arrays, plain objects, Maps, Sets or class instances too) and those passed
// to keep(); scopes nest, as in tfjs. Tensors dropped without dispose() or tidy() are caught by a
// FinalizationRegistry — eventually: the registry only runs between tasks, never inside a synchronous
// loop, so a loop must use tidy() or dispose() to keep memory flat. Registering costs ~0.8 µs per
// object in V8, more than a small op, so new tensors wait in a nursery and only those still alive
// when it fills (or when a tidy() hands them out) are registered: short-lived tensors never are.
import { TesseraError, describe } from "../errors.js";
import type { Storage } from "./storage.js";
import { Tensor } from "./tensor.js"; // (a cycle with tensor.ts: used only inside functions)

const scopes: Set<Tensor>[] = [];

const registry: Pick<FinalizationRegistry<Storage>, "register" | "unregister"> =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry<Storage>((s) => {
        if (s.refs > 0) s.release();
      })
    : { register() {}, unregister: () => false }; // some edge runtimes: dispose()/tidy() alone

const NURSERY = 1024;
const nursery: Tensor[] = [];

function promote(): void {
  for (const t of nursery) {
    if (t.storage !== null && !t.registered) {
      registry.register(t, t.storage, t);
      t.registered = true;
    }
  }
  nursery.length = 0;
}

/** Called by the Tensor constructor: joins the innermost tidy scope and the nursery. */
export function track(t: Tensor): void {
  if (scopes.length > 0) scopes[scopes.length - 1].add(t);
  else if (nursery.push(t) >= NURSERY) promote();
}

/** Called by dispose(). */
export function untrackDisposed(t: Tensor): void {
  if (t.registered) {
    registry.unregister(t);
    t.registered = false;
  }
}

/** Exempts t from disposal by the enclosing tidy scopes (the registry still backs it up). */
export function keep<T extends Tensor>(t: T): T {
  // anything else would sit in the nursery until promote() hands it to the registry, which throws
  // far from here (or, for a number, the registry's own TypeError at registration)
  if (!(t instanceof Tensor)) {
    const other = (t as { isTensor?: unknown } | null)?.isTensor === true;
    throw new TesseraError("E_TYPE", `keep: t: expected a Tensor${other ? " of this copy of tessera, received a Tensor made by another copy of the package" : `, received ${describe(t)}`}`);
  }
  for (let i = 0; i < scopes.length; i++) scopes[i].delete(t);
  if (!t.registered && nursery.push(t) >= NURSERY) promote();
  return t;
}

/** Tensors reachable from a tidy() result: through arrays, Maps, Sets and any object's own fields. */
function collect(value: unknown, out: Set<Tensor>, seen: Set<object>): void {
  if (value === null || typeof value !== "object" || seen.has(value)) return;
  seen.add(value);
  if ((value as { isTensor?: boolean }).isTensor === true) {
    out.add(value as Tensor);
  } else if (Array.isArray(value) || value instanceof Set) {
    for (const v of value) collect(v, out, seen);
  } else if (value instanceof Map) {
    for (const [k, v] of value) {
      collect(k, out, seen);
      collect(v, out, seen);
    }
  } else if (!ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) collect(v, out, seen);
  }
}

/** Runs fn in a new scope and returns its result with the tensors it created (not yet disposed). */
export function scoped<T>(fn: () => T): [T, Set<Tensor>] {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  try {
    return [fn(), scope];
  } catch (e) {
    for (const t of scope) t.dispose();
    throw e;
  } finally {
    scopes.pop();
  }
}

/**
 * @internal Opens a scope that stays open across awaits, for code that must read device values
 * (`await t.read()`) between ops, such as the op suites on a GPU. Every tensor made until
 * closeScope — by anyone — joins it, so nothing else may run ops meanwhile. Not public: tidy() stays
 * synchronous for users.
 */
export function openScope(): Set<Tensor> {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  return scope;
}

/** @internal Closes the innermost scope (which must be `scope`), disposing what it holds. */
export function closeScope(scope: Set<Tensor>): void {
  if (scopes[scopes.length - 1] !== scope) throw new TesseraError("E_STATE", "closeScope: expected the innermost open scope, received another (scopes must close in reverse order)");
  scopes.pop();
  for (const t of scope) t.dispose();
}

/** Hands t to the enclosing scope (or the nursery at top level) as if it had been created there. */
export function adopt(t: Tensor): void {
  track(t);
}

export function tidy<T>(fn: () => T): T {
  if (typeof fn !== "function") throw new TesseraError("E_TYPE", `tidy: fn: expected a function, received ${describe(fn)}`);
  const [result, scope] = scoped(fn);
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new TesseraError("E_TYPE", "tidy: fn: expected a synchronous function, received one that returned a Promise");
  }
  const kept = new Set<Tensor>();
  collect(result, kept, new Set());
  for (const t of scope) {
    if (kept.has(t)) adopt(t);
    else t.dispose();
  }
  return result;
}
