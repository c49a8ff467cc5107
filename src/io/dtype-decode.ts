// Decoding the little-endian element types of a safetensors file into what a tessera tensor holds:
// floats (F16, BF16, F8_E4M3, F8_E5M2, F64) to float32 as torch's .float() rounds them, integers
// (BOOL, U8, I8, I16, U16, U32, I64, U64) to int32, the 64-bit and U32 ones only when every value
// fits (checked by findInt32Overflow before anything is allocated).
import type { SafetensorsDtype } from "./safetensors-header.js";

export type TargetDtype = "float32" | "int32";

const FLOAT = new Set<SafetensorsDtype>(["F16", "BF16", "F8_E4M3", "F8_E5M2", "F32", "F64"]);
const INT = new Set<SafetensorsDtype>(["BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64"]);

/** What a safetensors dtype loads as, or null when tessera cannot hold it (F4, F6, F8_E8M0, C64). */
export function targetDtype(dtype: SafetensorsDtype): TargetDtype | null {
  return FLOAT.has(dtype) ? "float32" : INT.has(dtype) ? "int32" : null;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

let halfTable: Float32Array | null = null;

/** IEEE binary16 → float (exact: every half is a float32). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function halfLookup(): Float32Array {
  if (halfTable === null) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

/** float8 e4m3fn (torch.float8_e4m3fn): bias 7, no infinities, S.1111.111 is NaN. */
function e4m3ToFloat(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const exp = (b >> 3) & 0xf;
  const frac = b & 0x7;
  if (exp === 15 && frac === 7) return NaN;
  if (exp === 0) return sign * frac * 2 ** -9;
  return sign * (1 + frac / 8) * 2 ** (exp - 7);
}

/**
 * Index of the first value of an I64/U64/U32 tensor outside int32, or −1. `at` is the tensor's
 * byte offset within `view`.
 */
export function findInt32Overflow(dtype: SafetensorsDtype, view: DataView, at: number, numel: number): { index: number; value: bigint } | null {
  if (dtype === "I64" || dtype === "U64") {
    for (let i = 0; i < numel; i++) {
      const lo = view.getInt32(at + 8 * i, true);
      const hi = view.getInt32(at + 8 * i + 4, true);
      // fits when the high word is the sign extension of the low one (U64: and that sign is +)
      if (hi !== (lo >> 31) || (dtype === "U64" && hi !== 0)) {
        return { index: i, value: dtype === "I64" ? view.getBigInt64(at + 8 * i, true) : view.getBigUint64(at + 8 * i, true) };
      }
    }
  } else if (dtype === "U32") {
    for (let i = 0; i < numel; i++) {
      const v = view.getUint32(at + 4 * i, true);
      if (v > 0x7fffffff) return { index: i, value: BigInt(v) };
    }
  }
  return null;
}

/**
 * The values of one tensor as a Float32Array or Int32Array. `bytes` is the whole file, `at` the
 * absolute offset of the tensor's data. F32 and I32 at a 4-byte-aligned offset on a little-endian
 * host come back as views of `bytes` (no copy; the caller copies them into device memory).
 */
export function decodeValues(dtype: SafetensorsDtype, bytes: Uint8Array, at: number, numel: number): Float32Array | Int32Array {
  const abs = bytes.byteOffset + at;
  if (littleEndian && abs % 4 === 0) {
    if (dtype === "F32") return new Float32Array(bytes.buffer, abs, numel);
    if (dtype === "I32") return new Int32Array(bytes.buffer, abs, numel);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (targetDtype(dtype) === "float32") {
    const out = new Float32Array(numel);
    switch (dtype) {
      case "F32": for (let i = 0; i < numel; i++) out[i] = view.getFloat32(at + 4 * i, true); break;
      case "F64": for (let i = 0; i < numel; i++) out[i] = view.getFloat64(at + 8 * i, true); break;
      case "F16": {
        const table = halfLookup();
        for (let i = 0; i < numel; i++) out[i] = table[view.getUint16(at + 2 * i, true)];
        break;
      }
      case "BF16": {
        // bfloat16 is the high half of a float32: widen the bits.
        const bits = new Uint32Array(out.buffer);
        if (littleEndian) for (let i = 0; i < numel; i++) bits[i] = view.getUint16(at + 2 * i, true) << 16;
        else for (let i = 0; i < numel; i++) out[i] = new Float32Array(new Uint32Array([view.getUint16(at + 2 * i, true) << 16]).buffer)[0];
        break;
      }
      case "F8_E5M2": {
        // e5m2 is the high byte of a binary16.
        const table = halfLookup();
        for (let i = 0; i < numel; i++) out[i] = table[bytes[at + i] << 8];
        break;
      }
      case "F8_E4M3": for (let i = 0; i < numel; i++) out[i] = e4m3ToFloat(bytes[at + i]); break;
    }
    return out;
  }
  const out = new Int32Array(numel);
  switch (dtype) {
    case "I32": case "U32": for (let i = 0; i < numel; i++) out[i] = view.getInt32(at + 4 * i, true); break;
    case "I64": case "U64": for (let i = 0; i < numel; i++) out[i] = view.getInt32(at + 8 * i, true); break;
    case "I16": for (let i = 0; i < numel; i++) out[i] = view.getInt16(at + 2 * i, true); break;
    case "U16": for (let i = 0; i < numel; i++) out[i] = view.getUint16(at + 2 * i, true); break;
    case "I8": for (let i = 0; i < numel; i++) out[i] = view.getInt8(at + i); break;
    case "U8": for (let i = 0; i < numel; i++) out[i] = bytes[at + i]; break;
    case "BOOL": for (let i = 0; i < numel; i++) out[i] = bytes[at + i] !== 0 ? 1 : 0; break;
  }
  return out;
}

/** The little-endian bytes of float32/int32 values (a view when the host is little-endian). */
export function encodeValues(values: Float32Array | Int32Array): Uint8Array {
  if (littleEndian) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  if (values instanceof Float32Array) values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  else values.forEach((v, i) => view.setInt32(4 * i, v, true));
  return out;
}
