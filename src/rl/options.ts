// Option checks shared by the rl classes: plain objects, known keys, numbers in half-open ranges.
import { TesseraError, fail } from "../errors.js";

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** Unknown keys are E_KEY (a misspelt option would otherwise be ignored silently). */
export function checkKeys(arg: string, obj: Record<string, unknown>, names: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!names.includes(key)) {
      throw new TesseraError("E_KEY", `${arg}: expected options among ${names.join(", ")}, received an unknown option ${JSON.stringify(key)}`);
    }
  }
}

/** A number in (lo, hi] — e.g. a learning rate, which must move the estimate. */
export function checkOpenClosed(arg: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== "number" || !(v > lo && v <= hi)) fail(typeof v === "number" ? "E_RANGE" : "E_TYPE", arg, `a number in (${lo}, ${hi}]`, v);
  return v;
}

/** A number in [lo, hi]. */
export function checkClosed(arg: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== "number" || !(v >= lo && v <= hi)) fail(typeof v === "number" ? "E_RANGE" : "E_TYPE", arg, `a number in [${lo}, ${hi}]`, v);
  return v;
}
