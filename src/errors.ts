// The one error type tessera throws at users. `code` is stable and machine-readable; the message
// names the argument, what was expected and what was received.

export type ErrorCode =
  | "E_SHAPE" | "E_DTYPE" | "E_VALUE" | "E_TYPE" | "E_RANGE" | "E_DEVICE"
  | "E_DISPOSED" | "E_INIT" | "E_OOM" | "E_FORMAT" | "E_GRAD" | "E_TOKEN" | "E_STATE" | "E_KEY";

export class TesseraError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "TesseraError";
    this.code = code;
  }
}

/** Short, readable rendering of a received value for error messages (nested arrays to 4 levels). */
export function describe(value: unknown, depth = 0): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) {
    // a depth limit, so a cyclic or very deep array cannot overflow the stack while we report it
    if (value.length > 8 || (depth >= 4 && value.length > 0)) return `array of length ${value.length}`;
    return `[${value.map((v) => describe(v, depth + 1)).join(", ")}]`;
  }
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of length ${(value as unknown as { length: number }).length}`;
  if (typeof value === "function") return "a function";
  const name = (value as object).constructor?.name;
  return name && name !== "Object" ? `a ${name}` : "an object";
}

export function fail(code: ErrorCode, arg: string, expected: string, received: unknown): never {
  throw new TesseraError(code, `${arg}: expected ${expected}, received ${describe(received)}`);
}

export function checkInt(arg: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    const range = min === -Infinity && max === Infinity ? "an integer"
      : max === Infinity ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    fail(typeof v === "number" ? "E_RANGE" : "E_TYPE", arg, range, v);
  }
  return v;
}

export function checkNumber(arg: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    const range = min === -Infinity && max === Infinity ? "a finite number" : `a finite number in [${min}, ${max}]`;
    fail(typeof v === "number" ? "E_RANGE" : "E_TYPE", arg, range, v);
  }
  return v;
}
