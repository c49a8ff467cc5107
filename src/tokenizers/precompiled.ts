// SentencePiece's precompiled character map (the `precompiled_charsmap` of a Precompiled
// normalizer): a darts-clone double-array trie over UTF-8 byte strings whose leaves index
// NUL-terminated replacement strings. Layout: u32 LE trie size in bytes, the trie's u32 units, then
// the replacement strings. Normalization is SentencePiece's own (longest match at each position),
// which spm_encode and tokenizers.js agree on; Hugging Face's Rust Precompiled goes grapheme by
// grapheme instead and departs from both on graphemes of 6 bytes or more ("ź́́" keeps its "z").
// Replaced text keeps the spans of the characters it replaced (normalized.ts).

import { TesseraError } from "../errors.js";
import { utf8Encode } from "./byte-level.js";
import { NormBuilder, type NormStr } from "./normalized.js";
import { codePointUnits } from "./split.js";

const corrupt = (why: string): never => {
  throw new TesseraError("E_FORMAT", `tokenizer.json normalizer (Precompiled).precompiled_charsmap: expected a SentencePiece charsmap, received one whose ${why}`);
};

const hasLeaf = (u: number) => ((u >>> 8) & 1) === 1;
const value = (u: number) => u & 0x7fffffff;
const label = (u: number) => u & 0x800000ff;
const offset = (u: number) => (u >>> 10) << ((u & 0x200) >>> 6);

export class CharsMap {
  private readonly trie: Uint32Array;
  private readonly strings: Uint8Array;
  private readonly decoded = new Map<number, string>();
  /** asciiKept[c]: no trie key starts with the printable ASCII byte c. */
  private readonly asciiKept = new Uint8Array(128);

  /** Parses and checks the whole blob: every reachable node in bounds, every replacement valid UTF-8. */
  constructor(readonly blob: Uint8Array) {
    if (blob.length < 4) corrupt(`length is ${blob.length} bytes (under the 4-byte header)`);
    const size = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(0, true);
    if (size % 4 !== 0 || size === 0 || size > blob.length - 4) corrupt(`trie size ${size} is not a positive multiple of 4 within its ${blob.length - 4} bytes`);
    this.trie = new Uint32Array(size / 4);
    const dv = new DataView(blob.buffer, blob.byteOffset + 4, size);
    for (let i = 0; i < this.trie.length; i++) this.trie[i] = dv.getUint32(4 * i, true);
    this.strings = blob.subarray(4 + size);
    this.check();
    const root = offset(this.trie[0]);
    for (let c = 0x20; c < 0x7f; c++) this.asciiKept[c] = (root ^ c) < this.trie.length && label(this.trie[root ^ c]) === c ? 0 : 1;
  }

  private check(): void {
    const t = this.trie;
    const seen = new Uint8Array(t.length);
    const stack = [offset(t[0])];
    while (stack.length > 0) {
      const pos = stack.pop()!;
      if (pos >= t.length) corrupt(`trie points past its end (unit ${pos} of ${t.length})`);
      if (seen[pos]) continue;
      seen[pos] = 1;
      for (let c = 1; c < 256; c++) {
        const child = pos ^ c;
        if (child >= t.length || label(t[child]) !== c) continue;
        const next = child ^ offset(t[child]);
        if (next >= t.length) corrupt(`trie points past its end (unit ${next} of ${t.length})`);
        if (hasLeaf(t[child])) this.replacement(value(t[next]));
        stack.push(next);
      }
    }
  }

  private replacement(index: number): string {
    let s = this.decoded.get(index);
    if (s !== undefined) return s;
    if (index >= this.strings.length) corrupt(`leaf points past its replacement strings (${index} of ${this.strings.length} bytes)`);
    let end = index;
    while (end < this.strings.length && this.strings[end] !== 0) end++;
    try {
      s = new TextDecoder("utf-8", { fatal: true }).decode(this.strings.subarray(index, end));
    } catch {
      corrupt(`replacement at byte ${index} is not valid UTF-8`);
    }
    this.decoded.set(index, s!);
    return s!;
  }

  /**
   * The longest prefix of s[i..] the trie maps, as [units consumed, replacement], or null (the
   * walk goes one code point's UTF-8 bytes at a time; keys are whole characters).
   */
  private longest(s: string, i: number): [number, string] | null {
    const t = this.trie;
    let pos = offset(t[0]);
    let best: [number, string] | null = null;
    for (let j = i; j < s.length;) {
      const n = codePointUnits(s, j);
      const bytes = n === 1 && s.charCodeAt(j) < 0x80 ? [s.charCodeAt(j)] : utf8Encode(s.slice(j, j + n));
      let leaf = false;
      for (const c of bytes) {
        if (c === 0) return best;
        pos ^= c;
        const unit = t[pos];
        if (label(unit) !== c) return best;
        pos ^= offset(unit);
        leaf = hasLeaf(unit);
      }
      j += n;
      if (leaf) best = [j - i, this.replacement(value(t[pos]))];
    }
    return best;
  }

  /** SentencePiece's normalization: at each position the longest match is replaced, else one character is kept. */
  normalize(ns: NormStr): NormStr {
    const s = ns.s;
    const b = new NormBuilder();
    let run = 0;
    for (let i = 0; i < s.length;) {
      const c = s.charCodeAt(i);
      // Printable ASCII that no entry starts with: the common case, skipped without a walk.
      if (c >= 0x20 && c < 0x7f && this.asciiKept[c]) { i++; continue; }
      const hit = this.longest(s, i);
      if (hit === null) { i += codePointUnits(s, i); continue; }
      const [len, out] = hit;
      b.copy(ns, run, i);
      // Output spread over the consumed characters in order, extra output keeping the last one's
      // span; the last output character reaches to the end of what was consumed (spm_encode's span).
      const chars = [...out];
      let j = i;
      chars.forEach((o, k) => {
        if (k > 0 && j + codePointUnits(s, j) < i + len) j += codePointUnits(s, j);
        b.push(o, ns.a[2 * j], k === chars.length - 1 ? ns.a[2 * (i + len) - 1] : ns.a[2 * j + 1]);
      });
      i += len;
      run = i;
    }
    if (run === 0) return ns;
    b.copy(ns, run, s.length);
    return b.done();
  }
}
