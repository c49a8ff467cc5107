// Hugging Face's `Split` pre-tokenizer (tokenizers/src/pre_tokenizers/split.rs over
// NormalizedString::split): the pattern's matches are the delimiters; with `invert` the text
// between matches is. The behaviour then makes pieces of delimiters and the rest — "the-final--
// countdown" split on "-": Removed → the | final | countdown; Isolated → the | - | final | - | - |
// countdown; Contiguous → the | - | final | -- | countdown; MergedWithPrevious → the- | final- | - |
// countdown; MergedWithNext → the | -final | - | -countdown. Empty pieces are dropped.
//
// Matches are found the way Oniguruma's find_iter yields them: leftmost-first from the end of the
// previous match; an empty match is kept unless it ends where the previous match ended, and the
// search then steps one code point on (so a pattern that matches the empty string still ends, and
// never lands inside a surrogate pair). Regexes run on JS's backtracking engine: a pattern with
// nested quantifiers such as (a+)+$ can take exponential time on some inputs, as in Oniguruma.

export type SplitBehavior = "Removed" | "Isolated" | "MergedWithPrevious" | "MergedWithNext" | "Contiguous";

export const SPLIT_BEHAVIORS: readonly SplitBehavior[] = ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"];

export interface SplitRule {
  /** Global ("gu") regex of the delimiters; null for a pattern that never matches (an empty String). */
  re: RegExp | null;
  behavior: SplitBehavior;
  invert: boolean;
  /** The pattern as tokenizer.json spells it, for saving. */
  pattern: { Regex: string } | { String: string };
}

/** UTF-16 units of the code point at i (1 past the end, so a search there steps out). */
export function codePointUnits(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

/**
 * (start, end, isMatch) triples covering s, in order (Hugging Face's Pattern::find_matches): the
 * matches of re and the gaps between them.
 */
export function findMatches(s: string, re: RegExp | null): number[] {
  const out: number[] = [];
  let prev = 0;
  if (re !== null) {
    let searchFrom = 0;
    let lastMatchEnd = -1;
    while (searchFrom <= s.length) {
      re.lastIndex = searchFrom;
      const m = re.exec(s);
      if (m === null) break;
      const start = m.index;
      const end = start + m[0].length;
      if (start === end && end === lastMatchEnd) {
        searchFrom += codePointUnits(s, searchFrom);
        continue;
      }
      searchFrom = end;
      lastMatchEnd = end;
      if (prev !== start) out.push(prev, start, 0);
      out.push(start, end, 1);
      prev = end;
    }
  }
  if (prev !== s.length) out.push(prev, s.length, 0);
  return out;
}

/** Calls visit(start, end) for each piece rule makes of text[from, to), in order. */
export function splitRange(text: string, from: number, to: number, rule: SplitRule, visit: (start: number, end: number) => void): void {
  if (from >= to) return;
  const slice = from === 0 && to === text.length ? text : text.slice(from, to);
  const segs = findMatches(slice, rule.re);
  if (rule.invert) for (let i = 2; i < segs.length; i += 3) segs[i] ^= 1;
  // Pieces as (start, end) pairs; the folds below are Hugging Face's, step for step.
  const pieces: number[] = [];
  const last = () => pieces.length - 2;
  switch (rule.behavior) {
    case "Isolated":
      for (let i = 0; i < segs.length; i += 3) pieces.push(segs[i], segs[i + 1]);
      break;
    case "Removed":
      for (let i = 0; i < segs.length; i += 3) if (segs[i + 2] === 0) pieces.push(segs[i], segs[i + 1]);
      break;
    case "Contiguous": {
      let previous = 0;
      for (let i = 0; i < segs.length; i += 3) {
        if (segs[i + 2] === previous && pieces.length > 0) pieces[last() + 1] = segs[i + 1];
        else pieces.push(segs[i], segs[i + 1]);
        previous = segs[i + 2];
      }
      break;
    }
    case "MergedWithPrevious": {
      let previous = 0;
      for (let i = 0; i < segs.length; i += 3) {
        if (segs[i + 2] === 1 && previous === 0 && pieces.length > 0) pieces[last() + 1] = segs[i + 1];
        else pieces.push(segs[i], segs[i + 1]);
        previous = segs[i + 2];
      }
      break;
    }
    case "MergedWithNext": {
      // From the end: a delimiter joins the piece after it.
      let previous = 0;
      const rev: number[] = [];
      for (let i = segs.length - 3; i >= 0; i -= 3) {
        if (segs[i + 2] === 1 && previous === 0 && rev.length > 0) rev[rev.length - 2] = segs[i];
        else rev.push(segs[i], segs[i + 1]);
        previous = segs[i + 2];
      }
      for (let i = rev.length - 2; i >= 0; i -= 2) pieces.push(rev[i], rev[i + 1]);
      break;
    }
  }
  for (let i = 0; i < pieces.length; i += 2) if (pieces[i + 1] > pieces[i]) visit(from + pieces[i], from + pieces[i + 1]);
}
