// GPT-2's byte ↔ unicode mapping (openai/gpt-2 encoder.py `bytes_to_unicode`): every byte gets a
// printable character, so byte-level vocabularies can be stored as JSON strings ("Ġ" is the space
// byte 0x20). Plus the UTF-8 helpers the encoders share; lone surrogates become U+FFFD (EF BF BD)
// exactly as TextEncoder writes them, which is what tiktoken sees.

import { fail } from "../errors.js";

const BYTE_TO_CHAR: string[] = [];
const CHAR_TO_BYTE = new Map<string, number>();
{
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const ch = String.fromCharCode(printable(b) ? b : 256 + extra++);
    BYTE_TO_CHAR[b] = ch;
    CHAR_TO_BYTE.set(ch, b);
  }
}

/** The 256 characters of GPT-2's byte alphabet, in byte order. */
export function byteLevelAlphabet(): string[] {
  return BYTE_TO_CHAR.slice();
}

/** Bytes → GPT-2 byte-level string ("Ġhello" for " hello"). */
export function bytesToByteLevel(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]];
  return s;
}

/** GPT-2 byte-level string → bytes; undefined when a character is outside the alphabet. */
export function byteLevelToBytes(s: string): Uint8Array | undefined {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const b = CHAR_TO_BYTE.get(s[i]);
    if (b === undefined) return undefined;
    out[i] = b;
  }
  return out;
}

const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is text (tiktoken and Hugging Face keep it), not a byte-order mark.
const replacingDecoder = new TextDecoder("utf-8", { ignoreBOM: true });
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** UTF-8 → string with U+FFFD for invalid sequences (tiktoken's errors="replace"). */
export function utf8Decode(bytes: Uint8Array): string {
  return replacingDecoder.decode(bytes);
}

/** UTF-8 → string, or undefined when the bytes are not valid UTF-8. */
export function utf8DecodeStrict(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Writes the UTF-8 bytes of s[start, end) through `map` (byte → symbol id) into out from index 0;
 * returns the count. out must hold 3·(end − start) entries.
 */
export function utf8MapInto(s: string, start: number, end: number, map: Int32Array, out: Int32Array, at: number): number {
  let k = at;
  for (let i = start; i < end; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[k++] = map[c];
      continue;
    }
    if (c < 0x800) {
      out[k++] = map[0xc0 | (c >> 6)];
      out[k++] = map[0x80 | (c & 63)];
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < end ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        out[k++] = map[0xf0 | (c >> 18)];
        out[k++] = map[0x80 | ((c >> 12) & 63)];
        out[k++] = map[0x80 | ((c >> 6) & 63)];
        out[k++] = map[0x80 | (c & 63)];
        continue;
      }
      c = 0xfffd; // lone surrogate
    }
    out[k++] = map[0xe0 | (c >> 12)];
    out[k++] = map[0x80 | ((c >> 6) & 63)];
    out[k++] = map[0x80 | (c & 63)];
  }
  return k - at;
}

/** UTF-8 bytes of s[start, end) (lone surrogates count as U+FFFD's 3). */
export function utf8Length(s: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n += utf8UnitLength(s, i);
  return n;
}

/** UTF-8 length of one UTF-16 unit at i (4 for a surrogate pair's high half, 0 for its low half). */
export function utf8UnitLength(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 4;
  } else if (c >= 0xdc00 && c <= 0xdfff) {
    const p = i > 0 ? s.charCodeAt(i - 1) : 0;
    if (p >= 0xd800 && p <= 0xdbff) return 0;
  }
  return 3;
}

export function checkText(arg: string, text: unknown): string {
  if (typeof text !== "string") fail("E_TYPE", arg, "a string", text);
  return text;
}
