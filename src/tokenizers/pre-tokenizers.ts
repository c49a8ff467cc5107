// Pre-tokenization: the split patterns that cut text into pieces before BPE runs on each piece, and
// the pipeline of steps a Hugging Face pre-tokenizer is made of. GPT-2, cl100k_base and o200k_base
// are the patterns of openai/tiktoken written for JS's `u` regex flag as js-tiktoken does:
// tiktoken's possessive quantifiers (`?+`, `++`) are dropped because in these patterns backtracking
// into them can never produce a different match (the optional prefix is a non-letter, so giving it
// back cannot let `\p{L}+` succeed). Also a whitespace splitter and a whitespace+punctuation
// splitter (Hugging Face's Whitespace / BertPreTokenizer), NFC and lowercase.

import { fail } from "../errors.js";
import type { SplitRule } from "./split.js";
import { codePointUnits, splitRange } from "./split.js";

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

// Patterns that match every character and never the empty string: with them Split's Isolated,
// and Removed with invert, both give exactly the matches.
const COVERING = new Set<string>([PATTERNS.gpt2, PATTERNS.cl100k, PATTERNS.o200k]);

export function compilePattern(spec: PatternSpec, arg = "pattern"): RegExp | null {
  if (spec === null) return null;
  if (spec instanceof RegExp) return new RegExp(spec.source, "gu");
  if (typeof spec !== "string") fail("E_TYPE", arg, `a pattern name (${Object.keys(PATTERNS).join(", ")}), a regex string or a RegExp`, spec);
  const source = (PATTERNS as Record<string, string>)[spec] ?? spec;
  try {
    return new RegExp(source, "gu");
  } catch {
    fail("E_VALUE", arg, "a valid regular expression", spec);
  }
}

/** Pattern name for a known source string, so tokenizer.json can name it back. */
export function patternName(source: string): PatternName | undefined {
  for (const [k, v] of Object.entries(PATTERNS)) if (v === source) return k as PatternName;
  return undefined;
}

/** One step of a pre-tokenizer: a Split, or a space put before each piece that lacks one (ByteLevel `add_prefix_space`). */
export type PreTokenizerStep = { kind: "split"; rule: SplitRule } | { kind: "prefixSpace" };

/** The Split rule of a tiktoken-style pattern: pieces are its matches, text between them is dropped. */
export function patternRule(re: RegExp): SplitRule {
  return { re, behavior: "Removed", invert: true, pattern: { Regex: re.source } };
}

/** A split whose pieces are exactly the non-empty matches of its regex (the fast path's shape). */
export function matchesOnly(rule: SplitRule): boolean {
  if (rule.re === null) return false;
  return (rule.behavior === "Removed" && rule.invert) || (rule.behavior === "Isolated" && COVERING.has(rule.re.source));
}

/**
 * Calls visit(src, start, end, shift, floor) for each piece. src is the text, or a copy with a
 * space put in front (a prefix-space step); a position x of src is position max(floor, x + shift)
 * of the text (the added space maps to the piece's start, with no width).
 */
export type PieceVisitor = (src: string, start: number, end: number, shift: number, floor: number) => void;

export class PreTokenizer {
  constructor(readonly steps: readonly PreTokenizerStep[]) {}

  /** The steps of a tiktoken-style pattern with an optional prefix space (BPEConfig.pattern). */
  static fromPattern(re: RegExp | null, addPrefixSpace: boolean): PreTokenizer {
    const steps: PreTokenizerStep[] = [];
    if (addPrefixSpace) steps.push({ kind: "prefixSpace" });
    if (re !== null) steps.push({ kind: "split", rule: patternRule(re) });
    return new PreTokenizer(steps);
  }

  forEachPiece(text: string, from: number, to: number, visit: PieceVisitor): void {
    this.run(0, text, from, to, 0, from, visit);
  }

  private run(step: number, src: string, s: number, e: number, shift: number, floor: number, visit: PieceVisitor): void {
    if (s >= e) return;
    if (step === this.steps.length) {
      visit(src, s, e, shift, floor);
      return;
    }
    const st = this.steps[step];
    if (st.kind === "prefixSpace") {
      if (src.charCodeAt(s) === 32) {
        this.run(step + 1, src, s, e, shift, floor, visit);
      } else {
        const spaced = " " + src.slice(s, e);
        this.run(step + 1, spaced, 0, spaced.length, shift + s - 1, Math.max(floor, shift + s), visit);
      }
      return;
    }
    if (matchesOnly(st.rule)) {
      // Pieces are the non-empty matches: no segment lists needed (training and offsets take this path).
      const re = st.rule.re!;
      const last = step + 1 === this.steps.length;
      const slice = s === 0 && e === src.length ? src : src.slice(s, e);
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(slice)) !== null) {
        const n = m[0].length;
        if (n === 0) re.lastIndex = m.index + codePointUnits(slice, m.index);
        else if (last) visit(src, s + m.index, s + m.index + n, shift, floor);
        else this.run(step + 1, src, s + m.index, s + m.index + n, shift, floor, visit);
      }
      return;
    }
    splitRange(src, s, e, st.rule, (a, b) => this.run(step + 1, src, a, b, shift, floor, visit));
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
