// Loading and saving tensors in the safetensors format (huggingface/safetensors), so weights move
// between tessera and PyTorch / Hugging Face with the same keys. Loading checks the whole file
// (header, byte lengths, int32 range of 64-bit integers) before the first tensor is allocated, so a
// bad file throws E_FORMAT and costs nothing; saving writes the reference's exact byte layout.
import { TesseraError, fail } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { checkTensor, MAX_DIMS } from "../tensor/check.js";
import { resolveDevice } from "../backend/device.js";
import { Module, type LoadResult, type StateDict } from "../nn/module.js";
import { buildSafetensorsHeader, parseSafetensorsHeader, showJson, type HeaderTensor, type SafetensorsEntry } from "./safetensors-header.js";
import { decodeValues, encodeValues, findInt32Overflow, targetDtype } from "./dtype-decode.js";

export interface LoadSafetensorsOptions {
  /** Device for the loaded tensors (default: the current default device). */
  device?: string;
}

export interface SafetensorsContents {
  /** Tensors by name: float types as float32, integer types as int32. */
  tensors: Record<string, Tensor>;
  /** The file's "__metadata__" strings ({} when it has none). */
  metadata: Record<string, string>;
}

const INT32_MAX_ELEMENTS = 2 ** 31 - 1;

function asBytes(fn: string, bytes: unknown): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  return fail("E_TYPE", `${fn}: bytes`, "a Uint8Array (or ArrayBuffer) with the file's contents", bytes);
}

function checkLoadOptions(fn: string, options: unknown): string | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== "object") fail("E_TYPE", `${fn}: options`, "an object", options);
  const { device } = options as LoadSafetensorsOptions;
  if (device !== undefined) resolveDevice(`${fn}: options.device`, device);
  return device;
}

/**
 * Everything else that could stop a tensor from loading, checked before any is made. A valid file
 * tessera cannot hold (a C64 tensor, 65 dimensions, an I64 beyond int32) is also E_FORMAT: one code
 * for "this file does not load", with the message saying which limit it hit.
 */
function checkLoadable(bytes: Uint8Array, dataStart: number, entries: SafetensorsEntry[]): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const e of entries) {
    const who = `tensor ${showJson(e.name)}`;
    if (targetDtype(e.dtype) === null) {
      throw new TesseraError("E_FORMAT", `safetensors: ${who}: dtype ${e.dtype} is not supported by tessera (tessera loads BOOL, U8, I8, I16, U16, I32, U32, I64, U64 as int32 and F16, BF16, F8_E4M3, F8_E5M2, F32, F64 as float32)`);
    }
    if (e.shape.length > MAX_DIMS) throw new TesseraError("E_FORMAT", `safetensors: ${who}: ${e.shape.length} dimensions; tessera tensors have at most ${MAX_DIMS}`);
    if (e.numel > INT32_MAX_ELEMENTS) throw new TesseraError("E_FORMAT", `safetensors: ${who}: ${e.numel} elements; tessera tensors hold fewer than 2^31`);
    const overflow = findInt32Overflow(e.dtype, view, dataStart + e.begin, e.numel);
    if (overflow !== null) {
      throw new TesseraError("E_FORMAT", `safetensors: ${who}: ${e.dtype} value ${overflow.value} at flat index ${overflow.index} does not fit in int32 (tessera holds integers as int32)`);
    }
  }
}

/**
 * Reads a safetensors file (its bytes) into tensors. Throws E_FORMAT for a malformed file and for
 * one tessera cannot hold (dtypes F4, F6, F8_E8M0, the FNUZ float8s, C64; more than 64 dimensions;
 * 64-bit integers beyond int32), and allocates nothing when it throws.
 */
export function loadSafetensors(bytes: Uint8Array | ArrayBuffer, options?: LoadSafetensorsOptions): SafetensorsContents {
  const file = asBytes("loadSafetensors", bytes);
  const device = checkLoadOptions("loadSafetensors", options);
  const { dataStart, entries, metadata } = parseSafetensorsHeader(file);
  checkLoadable(file, dataStart, entries);
  const tensors: Record<string, Tensor> = {};
  const made: Tensor[] = [];
  try {
    for (const e of entries) {
      const dtype = targetDtype(e.dtype)!;
      const t = tensor(decodeValues(e.dtype, file, dataStart + e.begin, e.numel), e.shape, { dtype, device });
      made.push(t);
      // defineProperty: a tensor named "__proto__" is a tensor, not a prototype.
      Object.defineProperty(tensors, e.name, { value: t, enumerable: true, writable: true, configurable: true });
    }
  } catch (e) {
    for (const t of made) t.dispose(); // E_OOM halfway: none or all
    throw e;
  }
  return { tensors, metadata: metadata ?? {} };
}

/** The header alone (names, dtypes, shapes, offsets, metadata), checked like loadSafetensors. */
export function readSafetensorsHeader(bytes: Uint8Array | ArrayBuffer): { entries: SafetensorsEntry[]; metadata: Record<string, string> } {
  const { entries, metadata } = parseSafetensorsHeader(asBytes("readSafetensorsHeader", bytes));
  return { entries, metadata: metadata ?? {} };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkText(arg: string, s: unknown): string {
  if (typeof s !== "string") fail("E_TYPE", arg, "a string", s);
  if (LONE_SURROGATE.test(s)) fail("E_VALUE", arg, "a well-formed string (no lone UTF-16 surrogates)", s);
  return s;
}

function entriesOf(fn: string, tensors: unknown): [string, unknown][] {
  if (tensors instanceof Map) return [...tensors.entries()];
  if (tensors === null || typeof tensors !== "object" || Array.isArray(tensors) || tensors instanceof Tensor) {
    fail("E_TYPE", `${fn}: tensors`, "an object or Map of tensors by name (a state dict)", tensors);
  }
  return Object.entries(tensors as Record<string, unknown>);
}

/**
 * Writes tensors (a state dict: an object or Map of name → Tensor) and optional string metadata as
 * safetensors bytes, float32 as F32 and int32 as I32, in the reference implementation's layout.
 * Tensors must be on a device that reads synchronously (the CPU).
 */
export function saveSafetensors(tensors: StateDict | Map<string, Tensor>, metadata?: Record<string, string> | null): Uint8Array {
  const fn = "saveSafetensors";
  const list: (HeaderTensor & { t: Tensor })[] = [];
  for (const [key, value] of entriesOf(fn, tensors)) {
    checkText(`${fn}: tensor name`, key);
    if (key === "__metadata__") fail("E_VALUE", `${fn}: tensor name`, 'a name other than "__metadata__" (reserved for metadata)', key);
    const t = checkTensor(`${fn}: tensors[${JSON.stringify(key)}]`, value);
    list.push({ name: key, dtype: t.dtype === "int32" ? "I32" : "F32", shape: t.shape, byteLength: 4 * t.size, t });
  }
  let meta: Record<string, string> | null = null;
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== "object" || Array.isArray(metadata)) fail("E_TYPE", `${fn}: metadata`, "an object of strings", metadata);
    meta = {};
    for (const [k, v] of Object.entries(metadata)) {
      checkText(`${fn}: metadata key`, k);
      checkText(`${fn}: metadata[${JSON.stringify(k)}]`, v);
      Object.defineProperty(meta, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  const { header, order, dataBytes } = buildSafetensorsHeader(list, meta);
  const out = new Uint8Array(header.length + dataBytes);
  out.set(header, 0);
  for (const { tensor: entry, begin } of order) {
    const t = (entry as HeaderTensor & { t: Tensor }).t;
    if (t.size > 0) out.set(encodeValues(t.data()), header.length + begin);
  }
  return out;
}

export interface LoadIntoModuleOptions extends LoadSafetensorsOptions {
  /** Every key must match both ways (default true), as in Module.loadStateDict. */
  strict?: boolean;
}

/**
 * Loads a safetensors file into a module's parameters and buffers by PyTorch key (what
 * `model.load_state_dict(safetensors.torch.load_file(path))` does). All-or-nothing: missing,
 * unexpected, mis-shaped tensors or a bad file leave the module unchanged.
 */
export function loadSafetensorsInto(module: Module, bytes: Uint8Array | ArrayBuffer, options: LoadIntoModuleOptions = {}): LoadResult & { metadata: Record<string, string> } {
  if (!(module instanceof Module)) fail("E_TYPE", "loadSafetensorsInto: module", "an nn.Module", module);
  if (options === null || typeof options !== "object") fail("E_TYPE", "loadSafetensorsInto: options", "an object", options);
  const { strict, ...loadOptions } = options;
  const { tensors, metadata } = loadSafetensors(bytes, loadOptions);
  try {
    return { ...module.loadStateDict(tensors, strict === undefined ? {} : { strict }), metadata };
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}
