// Nested state (an optimizer's state dict: {state: {0: {momentum_buffer: Tensor}}, param_groups:
// [...]}) in one safetensors file: each tensor under its dotted path ("state.0.momentum_buffer"),
// everything else as JSON in the metadata entry "tessera.state", with tensors replaced by
// {"$tensor": path}. So a checkpoint stays one standard file that any safetensors reader can open.
import { TesseraError, describe, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { loadSafetensors, saveSafetensors, type LoadSafetensorsOptions } from "./safetensors.js";

export type StateValue = Tensor | number | string | boolean | null | StateValue[] | { [key: string]: StateValue };

const STATE_KEY = "tessera.state";

function encode(value: unknown, path: string, tensors: Map<string, Tensor>, seen: Set<object>): unknown {
  if (value instanceof Tensor) {
    tensors.set(path, value);
    return { $tensor: path };
  }
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : { $number: String(value) };
  if (typeof value !== "object") fail("E_TYPE", `saveState: ${path || "state"}`, "tensors, numbers, strings, booleans, null, arrays and plain objects", value);
  if (seen.has(value)) throw new TesseraError("E_VALUE", `saveState: ${path || "state"}: expected a tree, received an object that contains itself`);
  seen.add(value);
  const at = (k: string) => (path === "" ? k : `${path}.${k}`);
  let out: unknown;
  if (Array.isArray(value)) out = value.map((v, i) => encode(v, at(String(i)), tensors, seen));
  else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) fail("E_TYPE", `saveState: ${path || "state"}`, "a plain object", value);
    const obj: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith("$")) fail("E_VALUE", `saveState: ${at(k)}`, "a key that does not start with $ (reserved)", k);
      obj[k] = encode(v, at(k), tensors, seen);
    }
    out = obj;
  }
  seen.delete(value);
  return out;
}

/** Nested state with tensors → safetensors bytes (tensors under dotted paths, the rest as JSON). */
export function saveState(state: StateValue, metadata: Record<string, string> = {}): Uint8Array {
  const tensors = new Map<string, Tensor>();
  const structure = JSON.stringify(encode(state, "", tensors, new Set()));
  if (metadata === null || typeof metadata !== "object") fail("E_TYPE", "saveState: metadata", "an object of strings", metadata);
  return saveSafetensors(tensors, { ...metadata, [STATE_KEY]: structure });
}

function decode(value: unknown, tensors: Record<string, Tensor>, used: Set<Tensor>): StateValue {
  if (value === null || typeof value !== "object") return value as StateValue;
  if (Array.isArray(value)) return value.map((v) => decode(v, tensors, used));
  const v = value as Record<string, unknown>;
  if (typeof v.$tensor === "string") {
    const t = Object.hasOwn(tensors, v.$tensor) ? tensors[v.$tensor] : undefined;
    if (t === undefined) throw new TesseraError("E_FORMAT", `loadState: the structure names tensor ${JSON.stringify(v.$tensor)}, which the file does not hold`);
    used.add(t);
    return t;
  }
  if (typeof v.$number === "string") return Number(v.$number);
  const out: Record<string, StateValue> = {};
  for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: decode(x, tensors, used), enumerable: true, writable: true, configurable: true });
  return out;
}

/** The inverse of saveState: the nested state, with tensors loaded, and the other metadata. */
export function loadState(bytes: Uint8Array | ArrayBuffer, options?: LoadSafetensorsOptions): { state: StateValue; metadata: Record<string, string> } {
  const { tensors, metadata } = loadSafetensors(bytes, options);
  const dispose = () => { for (const t of Object.values(tensors)) t.dispose(); };
  const structure = metadata[STATE_KEY];
  if (typeof structure !== "string") {
    dispose();
    throw new TesseraError("E_FORMAT", `loadState: expected a file written by saveState (metadata "${STATE_KEY}"), received one without it`);
  }
  let state: StateValue;
  const used = new Set<Tensor>();
  try {
    state = decode(JSON.parse(structure), tensors, used);
  } catch (e) {
    dispose();
    if (e instanceof TesseraError) throw e;
    throw new TesseraError("E_FORMAT", `loadState: metadata "${STATE_KEY}" is not valid JSON (${describe(e instanceof Error ? e.message : e)})`);
  }
  for (const t of Object.values(tensors)) if (!used.has(t)) t.dispose();
  const rest = { ...metadata };
  delete rest[STATE_KEY];
  return { state, metadata: rest };
}
