// tidy(fn): tensors created inside fn are disposed when it returns, except those it returns (in an
// array or plain object too) and those passed to keep(). Scopes nest, as in tfjs.
import type { Tensor } from "./tensor.js";
import { TesseraError, describe } from "../errors.js";

const scopes: Set<Tensor>[] = [];

export function track(t: Tensor): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Exempts t from disposal by the enclosing tidy scopes. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function collect(value: unknown, out: Set<Tensor>, depth = 0): void {
  if (depth > 4 || value === null || typeof value !== "object") return;
  if ((value as { isTensor?: boolean }).isTensor === true) {
    out.add(value as Tensor);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, out, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, depth + 1);
  }
}

export function tidy<T>(fn: () => T): T {
  if (typeof fn !== "function") throw new TesseraError("E_TYPE", `tidy: fn: expected a function, received ${describe(fn)}`);
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new TesseraError("E_TYPE", "tidy: fn: expected a synchronous function, received one that returned a Promise");
  }
  const kept = new Set<Tensor>();
  collect(result, kept);
  for (const t of scope) {
    if (kept.has(t)) track(t); // hand the survivor to the enclosing scope
    else t.dispose();
  }
  return result;
}
