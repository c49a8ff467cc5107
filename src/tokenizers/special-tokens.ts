// Special tokens the tiktoken way: text that spells an allowed special token becomes that token;
// text that spells a disallowed one is an error (so user text cannot smuggle in control tokens);
// anything else is ordinary text. `allowedSpecial` / `disallowedSpecial` take a list or "all",
// and "all" disallowed means every special token not allowed (tiktoken's default). Hugging Face's
// added-token flags: `lstrip` / `rstrip` take the whitespace beside a match into the token,
// `singleWord` skips a match that touches a letter or digit on either side.

import { fail, TesseraError } from "../errors.js";

export type SpecialSet = "all" | "none" | Iterable<string>;

export interface SpecialOptions {
  allowedSpecial?: SpecialSet;
  disallowedSpecial?: SpecialSet;
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$*+?.()|[\]{}]/g, "\\$&");
}

/** A regex matching any of the tokens, longest first so "<|a|>x" beats "<|a|>". */
export function specialRegex(tokens: Iterable<string>): RegExp | null {
  const list = [...tokens].filter((t) => t.length > 0).sort((a, b) => b.length - a.length);
  if (list.length === 0) return null;
  return new RegExp(list.map(escapeRegex).join("|"), "g");
}

function toSet(arg: string, v: SpecialSet, all: Map<string, number>): Set<string> {
  if (v === "all") return new Set(all.keys());
  if (v === "none") return new Set();
  if (v === null || typeof v !== "object" || typeof (v as Iterable<string>)[Symbol.iterator] !== "function") {
    fail("E_TYPE", arg, '"all", "none" or a list of special-token strings', v);
  }
  const out = new Set<string>();
  for (const t of v) {
    if (typeof t !== "string") fail("E_TYPE", arg, "special-token strings", t);
    if (!all.has(t)) fail("E_TOKEN", arg, `special tokens of this tokenizer (${[...all.keys()].slice(0, 6).join(", ")})`, t);
    out.add(t);
  }
  return out;
}

/** "all" / "none" for option values that name those sets (an empty list is "none"); else null. */
function plainKey(v: SpecialSet): "all" | "none" | null {
  if (v === "all") return "all";
  if (v === "none") return "none";
  return Array.isArray(v) && v.length === 0 ? "none" : null;
}

/** Hugging Face AddedToken flags (all false by default). */
export interface AddedTokenOptions {
  lstrip?: boolean;
  rstrip?: boolean;
  singleWord?: boolean;
}

const SPACE = /\s/u;
const WORD = /[\p{L}\p{N}]/u;

/** A segment of text: ordinary text [start, end), or a special token id (start..end is its text). */
export interface Segment {
  start: number;
  end: number;
  special: number; // -1 for ordinary text
}

export class SpecialTokens {
  readonly map: Map<string, number>;
  readonly byId = new Map<number, string>();
  private regexCache = new Map<string, RegExp | null>();
  // The two regexes for option values that name a fixed set ("all", "none", absent, an empty
  // list), keyed by those values: skips rebuilding the sets on every call of encode.
  private plainCache = new Map<string, { allowed: RegExp | null; disallowed: RegExp | null }>();

  constructor(map: Map<string, number>, private readonly flags: ReadonlyMap<string, AddedTokenOptions> = new Map()) {
    this.map = map;
    for (const [t, id] of map) this.byId.set(id, t);
  }

  private cachedRegex(set: Set<string>): RegExp | null {
    const key = [...set].sort().join("\u0000");
    let re = this.regexCache.get(key);
    if (re === undefined) {
      re = specialRegex(set);
      if (this.regexCache.size > 32) this.regexCache.clear();
      this.regexCache.set(key, re);
    }
    return re;
  }

  private regexes(opts: SpecialOptions | undefined, defaultAllowed: "all" | "none"): { allowed: RegExp | null; disallowed: RegExp | null } {
    const a = plainKey(opts?.allowedSpecial ?? defaultAllowed);
    const d = plainKey(opts?.disallowedSpecial ?? "all");
    const key = a !== null && d !== null ? `${a} ${d}` : null;
    const hit = key === null ? undefined : this.plainCache.get(key);
    if (hit !== undefined) return hit;
    const allowed = toSet("allowedSpecial", opts?.allowedSpecial ?? defaultAllowed, this.map);
    const dis = opts?.disallowedSpecial ?? "all";
    const disallowed = dis === "all" ? new Set([...this.map.keys()].filter((t) => !allowed.has(t))) : toSet("disallowedSpecial", dis, this.map);
    const out = {
      allowed: allowed.size > 0 ? this.cachedRegex(allowed) : null,
      disallowed: disallowed.size > 0 ? this.cachedRegex(disallowed) : null,
    };
    if (key !== null) this.plainCache.set(key, out);
    return out;
  }

  /** Splits text into ordinary and special segments, raising E_TOKEN for a disallowed special. */
  segments(text: string, opts: SpecialOptions | undefined, defaultAllowed: "all" | "none"): Segment[] {
    if (this.map.size === 0) return [{ start: 0, end: text.length, special: -1 }];
    const { allowed, disallowed } = this.regexes(opts, defaultAllowed);
    if (disallowed !== null) {
      disallowed.lastIndex = 0;
      const m = disallowed.exec(text);
      if (m !== null) {
        throw new TesseraError("E_TOKEN",
          `text: expected no disallowed special token (pass allowedSpecial: ["${m[0]}"] or "all" to encode it as one token, ` +
          `or disallowedSpecial: [] to encode it as plain text), received ${JSON.stringify(m[0])} at index ${m.index}`);
      }
    }
    const out: Segment[] = [];
    let start = 0;
    if (allowed !== null) {
      allowed.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = allowed.exec(text)) !== null) {
        let s = m.index, e = s + m[0].length;
        const f = this.flags.get(m[0]);
        if (f !== undefined) {
          if (f.singleWord && ((s > 0 && WORD.test(text[s - 1])) || (e < text.length && WORD.test(text[e])))) {
            allowed.lastIndex = s + 1;
            continue;
          }
          if (f.lstrip) while (s > start && SPACE.test(text[s - 1])) s--;
          if (f.rstrip) while (e < text.length && SPACE.test(text[e])) e++;
          allowed.lastIndex = e;
        }
        if (s > start) out.push({ start, end: s, special: -1 });
        out.push({ start: s, end: e, special: this.map.get(m[0])! });
        start = e;
      }
    }
    if (start < text.length || out.length === 0) out.push({ start, end: text.length, special: -1 });
    return out;
  }

  /**
   * Ids and, with returnOffsets, offsets of text (every special allowed unless options say
   * otherwise): a special segment becomes its id and span, an ordinary one [start, end) is handed to
   * `encodeText`, which appends its ids and offsets.
   */
  encodeSegments(
    text: string,
    options: (SpecialOptions & { returnOffsets?: boolean }) | undefined,
    encodeText: (start: number, end: number, ids: number[], offsets: [number, number][] | undefined) => void,
  ): { ids: number[]; offsets?: [number, number][] } {
    const ids: number[] = [];
    const offsets: [number, number][] | undefined = options?.returnOffsets ? [] : undefined;
    for (const seg of this.segments(text, options, "all")) {
      if (seg.special >= 0) {
        ids.push(seg.special);
        offsets?.push([seg.start, seg.end]);
      } else {
        encodeText(seg.start, seg.end, ids, offsets);
      }
    }
    return offsets ? { ids, offsets } : { ids };
  }
}
