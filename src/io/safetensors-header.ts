// The safetensors container (huggingface/safetensors, safetensors/src/tensor.rs): an 8-byte
// little-endian header length N, N bytes of UTF-8 JSON mapping tensor names to {dtype, shape,
// data_offsets} (plus an optional "__metadata__" string map), then the raw little-endian data. This
// file reads and checks a header as the reference does — size limit, UTF-8, JSON object, known
// dtypes, byte lengths, contiguous offsets covering the data exactly — and writes one in the
// reference's layout (tensors by descending dtype, then name; header padded with spaces to 8 bytes).
// Nothing here allocates tensors: a file that fails these checks costs no device memory.
import { TesseraError } from "../errors.js";

/** The reference's limit on the JSON header (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * Every dtype the reference knows, in its enum order (which is also its save order: descending),
 * with the bits per element.
 */
const DTYPE_BITS = new Map<string, number>([
  ["BOOL", 8], ["F4", 4], ["F6_E2M3", 6], ["F6_E3M2", 6], ["U8", 8], ["I8", 8], ["F8_E5M2", 8], ["F8_E4M3", 8],
  ["F8_E8M0", 8], ["F8_E4M3FNUZ", 8], ["F8_E5M2FNUZ", 8], ["I16", 16], ["U16", 16], ["F16", 16], ["BF16", 16], ["I32", 32], ["U32", 32], ["F32", 32],
  ["C64", 64], ["F64", 64], ["I64", 64], ["U64", 64],
]);
const DTYPE_ORDER = new Map([...DTYPE_BITS.keys()].map((d, i) => [d, i]));

export type SafetensorsDtype = "BOOL" | "F4" | "F6_E2M3" | "F6_E3M2" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0"
  | "F8_E4M3FNUZ" | "F8_E5M2FNUZ" | "I16" | "U16" | "F16" | "BF16" | "I32" | "U32" | "F32" | "C64" | "F64" | "I64" | "U64";

export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Number of elements (product of shape). */
  numel: number;
  /** Byte range inside the data region (after the header), as written in data_offsets. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Byte length of the JSON header (N), padding included. */
  headerBytes: number;
  /** Where the data region starts in the file: 8 + N. */
  dataStart: number;
  /** Tensors in data order (by offset). */
  entries: SafetensorsEntry[];
  /** The "__metadata__" map, or null when the file has none. */
  metadata: Record<string, string> | null;
}

function bad(message: string): TesseraError {
  return new TesseraError("E_FORMAT", `safetensors: ${message}`);
}

/**
 * A short rendering of a JSON value for messages. Never recursive: a header may nest arrays a
 * million deep, and describing one must not overflow the stack.
 */
export function showJson(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return v.length <= 8 && v.every((x) => typeof x === "number") ? `[${v.join(", ")}]` : `an array of length ${v.length}`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "object") return "an object";
  return String(v);
}

function name(key: string): string {
  return `tensor ${showJson(key)}`;
}

let utf8: TextDecoder | null = null;

/** Reads and validates the header of a safetensors file held in `bytes` (the whole file). */
export function parseSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader {
  if (bytes.length < 8) throw bad(`expected at least 8 bytes (the header length), received a file of ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  if (hi !== 0 || lo > MAX_HEADER_BYTES) {
    const n = (BigInt(hi) << 32n) | BigInt(lo);
    throw bad(`header length ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes (a corrupt or non-safetensors file?)`);
  }
  const headerBytes = lo;
  const dataStart = 8 + headerBytes;
  if (dataStart > bytes.length) {
    throw bad(`header length ${headerBytes} runs past the end of the file (8 + ${headerBytes} > ${bytes.length} bytes; truncated?)`);
  }
  let text: string;
  try {
    utf8 ??= new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    text = utf8.decode(bytes.subarray(8, dataStart));
  } catch {
    throw bad("header is not valid UTF-8");
  }
  if (!text.startsWith("{")) throw bad(`header must be a JSON object starting with "{", received one starting with ${showJson(text.slice(0, 12))}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad(`header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw bad("header must be a JSON object");

  const dataBytes = bytes.length - dataStart;
  const entries: SafetensorsEntry[] = [];
  let metadata: Record<string, string> | null = null;
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (key === "__metadata__") {
      metadata = checkMetadata(value);
      continue;
    }
    entries.push(checkEntry(key, value, dataBytes));
  }
  // Same order as the reference: by data_offsets, then check they tile the data region.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous: SafetensorsEntry | null = null;
  for (const e of entries) {
    if (e.begin !== at) {
      const where = previous === null ? "the start of the data (offset 0)" : `the end of ${name(previous.name)} (offset ${at})`;
      throw bad(`${name(e.name)}: data_offsets [${e.begin}, ${e.end}] ${e.begin < at ? "overlap" : "leave a gap after"} ${where}; tensors must tile the data without gaps or overlaps`);
    }
    at = e.end;
    previous = e;
  }
  if (at !== dataBytes) {
    throw bad(`tensors cover ${at} bytes of data, but the file holds ${dataBytes} bytes after the header (truncated, or trailing bytes)`);
  }
  return { headerBytes, dataStart, entries, metadata };
}

function checkMetadata(value: unknown): Record<string, string> | null {
  if (value === null) return null; // the reference reads it as an absent Option
  if (typeof value !== "object" || Array.isArray(value)) throw bad(`__metadata__ must be an object of strings, received ${showJson(value)}`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== "string") throw bad(`__metadata__[${showJson(k)}] must be a string, received ${showJson(v)}`);
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function checkEntry(key: string, value: unknown, dataBytes: number): SafetensorsEntry {
  const who = name(key);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw bad(`${who}: expected an object with dtype, shape and data_offsets, received ${showJson(value)}`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  for (const [field, v] of [["dtype", dtype], ["shape", shape], ["data_offsets", offsets]] as const) {
    if (v === undefined) throw bad(`${who}: ${field} is missing`);
  }
  const bits = typeof dtype === "string" ? DTYPE_BITS.get(dtype) : undefined;
  if (bits === undefined) throw bad(`${who}: unknown dtype ${showJson(dtype)} (expected one of ${[...DTYPE_BITS.keys()].join(", ")})`);
  if (!Array.isArray(shape)) throw bad(`${who}: shape must be an array of non-negative integers, received ${showJson(shape)}`);
  let numel = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw bad(`${who}: shape[${i}] must be a non-negative integer, received ${showJson(d)}`);
    }
    numel *= d;
    if (numel > Number.MAX_SAFE_INTEGER) throw bad(`${who}: shape ${showJson(shape)} overflows (more than 2^53 elements)`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    throw bad(`${who}: data_offsets must be [begin, end], received ${showJson(offsets)}`);
  }
  const [begin, end] = offsets as unknown[];
  for (const v of [begin, end]) {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      throw bad(`${who}: data_offsets must be non-negative integers, received ${showJson(offsets)}`);
    }
  }
  const b = begin as number;
  const e = end as number;
  if (e < b) throw bad(`${who}: data_offsets [${b}, ${e}] end before they begin`);
  if (e > dataBytes) throw bad(`${who}: data_offsets [${b}, ${e}] run past the ${dataBytes} bytes of data in the file`);
  const nbits = numel * bits;
  if (nbits % 8 !== 0) throw bad(`${who}: ${numel} elements of ${dtype} do not fill whole bytes`);
  if (nbits / 8 !== e - b) {
    throw bad(`${who}: shape ${showJson(shape)} of ${dtype} needs ${nbits / 8} bytes, but data_offsets [${b}, ${e}] hold ${e - b}`);
  }
  return { name: key, dtype: dtype as SafetensorsDtype, shape: shape.slice() as number[], numel, begin: b, end: e };
}

export interface HeaderTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: readonly number[];
  byteLength: number;
}

/** Code-point order, which is the byte order of the UTF-8 names the reference sorts. */
function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/**
 * The reference's save layout: tensors by descending dtype (its enum order), then name; metadata
 * first (keys sorted, since the reference's HashMap order is arbitrary); compact JSON padded with
 * spaces to a multiple of 8 bytes so every tensor's data starts 8-byte aligned in the file.
 * Returns the 8-byte length + header bytes and the tensors in data order with their offsets.
 */
export function buildSafetensorsHeader(tensors: HeaderTensor[], metadata: Record<string, string> | null):
  { header: Uint8Array; order: { tensor: HeaderTensor; begin: number }[]; dataBytes: number } {
  const sorted = tensors.slice().sort((a, b) => DTYPE_ORDER.get(b.dtype)! - DTYPE_ORDER.get(a.dtype)! || compareNames(a.name, b.name));
  const parts: string[] = [];
  if (metadata !== null) {
    const keys = Object.keys(metadata).sort(compareNames);
    parts.push(`"__metadata__":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(",")}}`);
  }
  const order: { tensor: HeaderTensor; begin: number }[] = [];
  let at = 0;
  for (const t of sorted) {
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(",")}],"data_offsets":[${at},${at + t.byteLength}]}`);
    order.push({ tensor: t, begin: at });
    at += t.byteLength;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const header = new Uint8Array(8 + padded);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  header.fill(0x20, 8 + json.length);
  return { header, order, dataBytes: at };
}
