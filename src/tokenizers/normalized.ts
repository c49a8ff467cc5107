// A normalized string with its alignments (Hugging Face's NormalizedString): the text as the
// normalizers and pre-tokenizers changed it, and for each UTF-16 unit the [start, end) span of
// the original text it came from, so token offsets point into the text the user gave. The edits
// follow Hugging Face's transform rules: a character replaced by several keeps the replaced
// character's span for all of them; text inserted after removed text takes the span of the last
// removed character; a prefix takes the empty span at the start.

import { codePointUnits } from "./split.js";

export class NormStr {
  /** a[2i], a[2i+1]: original span of unit i (both halves of a surrogate pair carry the same span). */
  constructor(readonly s: string, readonly a: Int32Array) {}

  static of(text: string, base = 0): NormStr {
    const a = new Int32Array(2 * text.length);
    for (let i = 0; i < text.length;) {
      const n = codePointUnits(text, i);
      for (let k = 0; k < n; k++) { a[2 * (i + k)] = base + i; a[2 * (i + k) + 1] = base + i + n; }
      i += n;
    }
    return new NormStr(text, a);
  }

  slice(from: number, to: number): NormStr {
    return new NormStr(this.s.slice(from, to), this.a.subarray(2 * from, 2 * to));
  }

  /** Original span of units [from, to) (empty input → the empty span at the start of `from`). */
  span(from: number, to: number): [number, number] {
    if (this.s.length === 0) return [0, 0];
    if (from >= to) { const p = from < this.s.length ? this.a[2 * from] : this.a[2 * this.s.length - 1]; return [p, p]; }
    return [this.a[2 * from], this.a[2 * to - 1]];
  }

  /** Start of the original span (the anchor of a prefix). */
  get origin(): number {
    return this.a.length > 0 ? this.a[0] : 0;
  }
}

/** Builds a NormStr one piece of text at a time. */
export class NormBuilder {
  private parts: string[] = [];
  private spans = new Int32Array(64);
  private n = 0;

  private reserve(units: number): void {
    if (this.n + 2 * units <= this.spans.length) return;
    const grown = new Int32Array(Math.max(2 * this.spans.length, this.n + 2 * units));
    grown.set(this.spans.subarray(0, this.n));
    this.spans = grown;
  }

  push(text: string, start: number, end: number): void {
    if (text.length === 0) return;
    this.parts.push(text);
    this.reserve(text.length);
    for (let k = 0; k < text.length; k++) { this.spans[this.n++] = start; this.spans[this.n++] = end; }
  }

  /** Copies units [from, to) of src unchanged. */
  copy(src: NormStr, from: number, to: number): void {
    if (from >= to) return;
    this.parts.push(src.s.slice(from, to));
    this.reserve(to - from);
    this.spans.set(src.a.subarray(2 * from, 2 * to), this.n);
    this.n += 2 * (to - from);
  }

  done(): NormStr {
    return new NormStr(this.parts.join(""), this.spans.subarray(0, this.n));
  }
}

/** Each code point replaced by f(ch) ("" removes it); every unit of the result keeps ch's span. */
export function mapChars(ns: NormStr, f: (ch: string) => string): NormStr {
  const b = new NormBuilder();
  const s = ns.s;
  let run = 0; // start of a run of unchanged characters
  for (let i = 0; i < s.length;) {
    const n = codePointUnits(s, i);
    const ch = n === 1 ? s[i] : s.slice(i, i + n);
    const out = f(ch);
    if (out !== ch) {
      b.copy(ns, run, i);
      b.push(out, ns.a[2 * i], ns.a[2 * i + 1]);
      run = i + n;
    }
    i += n;
  }
  if (run === 0) return ns;
  b.copy(ns, run, s.length);
  return b.done();
}

/** Every non-empty match of re (global) replaced by content (Hugging Face's Replace). */
export function replaceMatches(ns: NormStr, re: RegExp, content: string): NormStr {
  const s = ns.s;
  const b = new NormBuilder();
  let prev = 0;
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    if (m[0].length === 0) { re.lastIndex = m.index + codePointUnits(s, m.index); continue; }
    const end = m.index + m[0].length;
    b.copy(ns, prev, m.index);
    b.push(content, ns.a[2 * end - 2], ns.a[2 * end - 1]);
    prev = end;
  }
  if (prev === 0) return ns;
  b.copy(ns, prev, s.length);
  return b.done();
}

/** text put in front, on the empty span at `at`. */
export function prepend(ns: NormStr, text: string, at: number): NormStr {
  const b = new NormBuilder();
  b.push(text, at, at);
  b.copy(ns, 0, ns.s.length);
  return b.done();
}

/**
 * Unicode normalization by clusters (a character and the marks or conjoining jamo after it): a
 * cluster that changes spreads its output over its characters in order, extra output keeping the
 * last character's span (what Hugging Face's composition and decomposition alignments give).
 */
export function normalizeForm(ns: NormStr, form: "NFC" | "NFD" | "NFKC" | "NFKD"): NormStr {
  const s = ns.s;
  if (s.normalize(form) === s) return ns;
  const b = new NormBuilder();
  let run = 0;
  const cluster = /\P{M}[\p{M}\u1160-\u11FF]*|\p{M}+/gu;
  for (let m = cluster.exec(s); m !== null; m = cluster.exec(s)) {
    const c = m[0];
    const out = c.normalize(form);
    if (out === c) continue;
    b.copy(ns, run, m.index);
    const inChars = [...c];
    let j = 0, at = m.index;
    for (const o of out) {
      if (j > 0 && j < inChars.length) at += inChars[j - 1].length;
      b.push(o, ns.a[2 * at], ns.a[2 * at + 1]);
      j++;
    }
    run = m.index + c.length;
  }
  b.copy(ns, run, s.length);
  return b.done();
}
