// Pre-tokenization: the split patterns that cut text into pieces before BPE runs on each piece.
// GPT-2, cl100k_base and o200k_base are the patterns of openai/tiktoken written for JS's `u` regex
// flag as js-tiktoken does: tiktoken's possessive quantifiers (`?+`, `++`) are dropped because in
// these patterns backtracking into them can never produce a different match (the optional prefix
// is a non-letter, so giving it back cannot let `\p{L}+` succeed). Also a whitespace splitter and
// a whitespace+punctuation splitter (Hugging Face's Whitespace / BertPreTokenizer), NFC and lowercase.

import { fail } from "../errors.js";

const CONTRACTIONS = "'s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D";

export const PATTERNS = {
  gpt2: String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
  cl100k: String.raw`(?:${CONTRACTIONS})|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
  o200k: [
    String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:${CONTRACTIONS})?`,
    String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:${CONTRACTIONS})?`,
    String.raw`\p{N}{1,3}`,
    String.raw` ?[^\s\p{L}\p{N}]+[\r\n/]*`,
    String.raw`\s*[\r\n]+`,
    String.raw`\s+(?!\S)`,
    String.raw`\s+`,
  ].join("|"),
  /** Runs of word characters, or runs of other non-space characters (HF `Whitespace`). */
  whitespace: String.raw`\w+|[^\w\s]+`,
  /** Words and single punctuation characters (HF `BertPreTokenizer`). */
  bert: String.raw`[^\s\p{P}\p{S}]+|[\p{P}\p{S}]`,
} as const;

export type PatternName = keyof typeof PATTERNS;

/** A pattern name, a regex source string, or a RegExp (its flags are replaced by "gu"). */
export type PatternSpec = PatternName | string | RegExp | null;

export function compilePattern(spec: PatternSpec, arg = "pattern"): RegExp | null {
  if (spec === null) return null;
  if (spec instanceof RegExp) return new RegExp(spec.source, "gu");
  if (typeof spec !== "string") fail("E_TYPE", arg, `a pattern name (${Object.keys(PATTERNS).join(", ")}), a regex string or a RegExp`, spec);
  const source = (PATTERNS as Record<string, string>)[spec] ?? spec;
  try {
    return new RegExp(source, "gu");
  } catch (e) {
    fail("E_VALUE", arg, "a valid regular expression", spec);
  }
}

/** Pattern name for a known source string, so tokenizer.json can name it back. */
export function patternName(source: string): PatternName | undefined {
  for (const [k, v] of Object.entries(PATTERNS)) if (v === source) return k as PatternName;
  return undefined;
}

/**
 * Calls visit(start, end) for each piece of text[from, to) in order. With no pattern the whole
 * range is one piece. Empty matches are skipped (a user pattern may allow them).
 */
export function forEachPiece(text: string, from: number, to: number, re: RegExp | null, visit: (start: number, end: number) => void): void {
  if (from >= to) return;
  if (re === null) {
    visit(from, to);
    return;
  }
  const slice = from === 0 && to === text.length ? text : text.slice(from, to);
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(slice)) !== null) {
    const s = m.index;
    const e = s + m[0].length;
    if (e === s) {
      re.lastIndex++;
      continue;
    }
    visit(from + s, from + e);
  }
}

export interface NormalizeOptions {
  nfc?: boolean;
  lowercase?: boolean;
}

export function normalize(text: string, opts: NormalizeOptions): string {
  let t = text;
  if (opts.nfc) t = t.normalize("NFC");
  if (opts.lowercase) t = t.toLowerCase();
  return t;
}
