// The normalizers, pre-tokenizers and decoders of Hugging Face's tokenizer.json, read from their
// JSON into functions over NormStr (normalized.ts) or token lists, for PipelineTokenizer
// (pipeline.ts). Each keeps its checked JSON so the tokenizer saves back as it was loaded. An
// unknown type, a missing or mistyped field is an E_FORMAT error naming where it sits
// ("normalizer.normalizers[1].type").

import { fail, TesseraError } from "../errors.js";
import { byteLevelToBytes, bytesToByteLevel, utf8Decode, utf8Encode } from "./byte-level.js";
import { mapChars, normalizeForm, prepend, replaceMatches, type NormStr } from "./normalized.js";
import { CharsMap } from "./precompiled.js";
import { PATTERNS } from "./pre-tokenizers.js";
import { SPLIT_BEHAVIORS, splitRange, type SplitBehavior, type SplitRule } from "./split.js";

export type Json = Record<string, unknown>;
export const isObj = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** Sequences nested deeper than this are refused. */
const MAX_DEPTH = 64;

export function need(cond: unknown, at: string, expected: string, received: unknown): asserts cond {
  if (!cond) fail("E_FORMAT", `tokenizer.json ${at}`, expected, received);
}

function bool(o: Json, key: string, at: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  need(typeof v === "boolean", `${at}.${key}`, "true or false", v);
  return v;
}

function str(o: Json, key: string, at: string, dflt?: string): string {
  const v = o[key] ?? dflt;
  need(typeof v === "string", `${at}.${key}`, "a string", v);
  return v;
}

function oneChar(o: Json, key: string, at: string, dflt: string): string {
  const v = str(o, key, at, dflt);
  need([...v].length === 1, `${at}.${key}`, "one character", v);
  return v;
}

function depthOk(depth: number, at: string): void {
  if (depth > MAX_DEPTH) throw new TesseraError("E_FORMAT", `tokenizer.json ${at}: expected Sequences nested at most ${MAX_DEPTH} deep, received deeper nesting`);
}

function typed(v: unknown, at: string, types: readonly string[]): Json {
  need(isObj(v), at, "an object with a type", v);
  need(typeof v.type === "string" && types.includes(v.type), `${at}.type`, `one of ${types.join(", ")}`, v.type);
  return v;
}

const escape = (s: string) => s.replace(/[\\^$*+?.()|[\]{}]/g, "\\$&");

/** A { String } or { Regex } pattern as a global regex (null: an empty String, which matches nothing). */
function pattern(v: unknown, at: string): RegExp | null {
  need(isObj(v) && Object.keys(v).length === 1 && (typeof v.String === "string" || typeof v.Regex === "string"), at, '{ "String": string } or { "Regex": string }', v);
  if (typeof v.String === "string") return v.String === "" ? null : new RegExp(escape(v.String), "gu");
  try {
    return new RegExp(v.Regex as string, "gu");
  } catch {
    fail("E_FORMAT", `tokenizer.json ${at}.Regex`, "a regular expression JavaScript compiles (with the u flag)", v.Regex);
  }
}

// ---- normalizers

export interface Normalizer { json: Json; run(ns: NormStr, origin: number): NormStr }

const NORMALIZERS = ["NFC", "NFD", "NFKC", "NFKD", "Lowercase", "StripAccents", "Strip", "Replace", "Prepend", "Precompiled", "Sequence", "BertNormalizer"] as const;
const SPACE = /\p{White_Space}/u;
// BERT's control characters (removed by clean_text): Cc and Cf other than tab, newline, return.
const BERT_CONTROL = /(?![\t\n\r])[\p{Cc}\p{Cf}]/u;
const MARK = /\p{M}/u, NONSPACING_MARK = /\p{Mn}/u, SURROGATE = /\p{Cs}/u;
const CJK = /[\u4E00-\u9FFF\u3400-\u4DBF\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B820}-\u{2CEAF}\uF900-\uFAFF\u{2F800}-\u{2FA1F}]/u;

export function readNormalizer(v: unknown, at = "normalizer", depth = 0): Normalizer | null {
  depthOk(depth, at);
  if (v === null || v === undefined) return null;
  const n = typed(v, at, NORMALIZERS);
  const t = n.type as (typeof NORMALIZERS)[number];
  switch (t) {
    case "NFC": case "NFD": case "NFKC": case "NFKD":
      return { json: { type: t }, run: (ns) => normalizeForm(ns, t) };
    case "Lowercase":
      return { json: { type: t }, run: (ns) => mapChars(ns, (c) => c.toLowerCase()) };
    case "StripAccents":
      return { json: { type: t }, run: (ns) => mapChars(ns, (c) => (MARK.test(c) ? "" : c)) };
    case "Strip": {
      const left = bool(n, "strip_left", at, true), right = bool(n, "strip_right", at, true);
      return {
        json: { type: t, strip_left: left, strip_right: right },
        run: (ns) => {
          let a = 0, b = ns.s.length;
          if (left) while (a < b && SPACE.test(ns.s[a])) a++;
          if (right) while (b > a && SPACE.test(ns.s[b - 1])) b--;
          return a === 0 && b === ns.s.length ? ns : ns.slice(a, b);
        },
      };
    }
    case "Replace": {
      const re = pattern(n.pattern, `${at}.pattern`);
      const content = str(n, "content", at);
      return { json: { type: t, pattern: n.pattern, content }, run: (ns) => (re === null ? ns : replaceMatches(ns, re, content)) };
    }
    case "Prepend": {
      const p = str(n, "prepend", at);
      return { json: { type: t, prepend: p }, run: (ns, origin) => (ns.s.length === 0 || p === "" ? ns : prepend(ns, p, origin)) };
    }
    case "Precompiled": {
      const b64 = n.precompiled_charsmap;
      // Hugging Face writes an empty charsmap as null: the normalizer then does nothing.
      if (b64 === null || b64 === "") return { json: { type: t, precompiled_charsmap: null }, run: (ns) => ns };
      need(typeof b64 === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(b64) && b64.length % 4 === 0, `${at}.precompiled_charsmap`, "base64 text", b64);
      const map = new CharsMap(Uint8Array.from(Buffer.from(b64 as string, "base64")));
      return { json: { type: t, precompiled_charsmap: b64 }, run: (ns) => map.normalize(ns) };
    }
    case "Sequence": {
      need(Array.isArray(n.normalizers), `${at}.normalizers`, "an array", n.normalizers);
      const parts = (n.normalizers as unknown[]).map((x, i) => readNormalizer(x, `${at}.normalizers[${i}]`, depth + 1)).filter((x) => x !== null);
      return { json: { type: t, normalizers: parts.map((p) => p.json) }, run: (ns, o) => parts.reduce((acc, p) => p.run(acc, o), ns) };
    }
    case "BertNormalizer": {
      const clean = bool(n, "clean_text", at, true), chinese = bool(n, "handle_chinese_chars", at, true), lower = bool(n, "lowercase", at, true);
      const sa = n.strip_accents;
      need(sa === undefined || sa === null || typeof sa === "boolean", `${at}.strip_accents`, "true, false or null", sa);
      const strip = (sa as boolean | null | undefined) ?? lower;
      return {
        json: { type: t, clean_text: clean, handle_chinese_chars: chinese, strip_accents: sa ?? null, lowercase: lower },
        run: (ns) => {
          let x = ns;
          if (clean) x = mapChars(x, (c) => (c === "\0" || c === "\uFFFD" || BERT_CONTROL.test(c) || SURROGATE.test(c) ? "" : SPACE.test(c) ? " " : c));
          if (chinese) x = mapChars(x, (c) => (CJK.test(c) ? ` ${c} ` : c));
          if (strip) x = mapChars(normalizeForm(x, "NFD"), (c) => (NONSPACING_MARK.test(c) ? "" : c));
          if (lower) x = mapChars(x, (c) => c.toLowerCase());
          return x;
        },
      };
    }
  }
}

// ---- pre-tokenizers

export interface PreTokenizerFn { json: Json; run(piece: NormStr): NormStr[] }

const PRE_TOKENIZERS = ["Metaspace", "Split", "Digits", "Punctuation", "Whitespace", "WhitespaceSplit", "ByteLevel", "Sequence", "BertPreTokenizer"] as const;
const PUNCT = /[\p{P}!-\/:-@\[-`{-~]/u;

function splitBy(rule: SplitRule): (p: NormStr) => NormStr[] {
  return (p) => {
    const out: NormStr[] = [];
    splitRange(p.s, 0, p.s.length, rule, (a, b) => out.push(p.slice(a, b)));
    return out;
  };
}

const rule = (re: RegExp | null, behavior: SplitBehavior, invert = false): SplitRule =>
  ({ re, behavior, invert, pattern: re === null ? { String: "" } : { Regex: re.source } });

function behavior(o: Json, at: string, dflt?: SplitBehavior): SplitBehavior {
  const b = o.behavior ?? dflt;
  need(SPLIT_BEHAVIORS.includes(b as SplitBehavior), `${at}.behavior`, SPLIT_BEHAVIORS.join(", "), b);
  return b as SplitBehavior;
}

const PREPEND_SCHEMES = ["first", "always", "never"];

export function readPreTokenizer(v: unknown, at = "pre_tokenizer", depth = 0): PreTokenizerFn | null {
  depthOk(depth, at);
  if (v === null || v === undefined) return null;
  const p = typed(v, at, PRE_TOKENIZERS);
  const t = p.type as (typeof PRE_TOKENIZERS)[number];
  switch (t) {
    case "Metaspace": {
      const rep = oneChar(p, "replacement", at, "\u2581");
      // Files before prepend_scheme had add_prefix_space: true meaning "always".
      const scheme = p.prepend_scheme ?? (bool(p, "add_prefix_space", at, true) ? "always" : "never");
      need(PREPEND_SCHEMES.includes(scheme as string), `${at}.prepend_scheme`, PREPEND_SCHEMES.join(", "), scheme);
      const split = bool(p, "split", at, true);
      const cut = splitBy(rule(new RegExp(escape(rep), "gu"), "MergedWithNext"));
      return {
        json: { type: t, replacement: rep, prepend_scheme: scheme, split },
        run: (piece) => {
          let x = mapChars(piece, (c) => (c === " " ? rep : c));
          if (x.s.length > 0 && !x.s.startsWith(rep) && (scheme === "always" || (scheme === "first" && piece.origin === 0))) x = prepend(x, rep, x.origin);
          return split ? cut(x) : [x];
        },
      };
    }
    case "Split": {
      const re = pattern(p.pattern, `${at}.pattern`);
      const r = { ...rule(re, behavior(p, at), bool(p, "invert", at, false)), pattern: p.pattern as SplitRule["pattern"] };
      return { json: { type: t, pattern: p.pattern, behavior: r.behavior, invert: r.invert }, run: splitBy(r) };
    }
    case "Digits": {
      const each = bool(p, "individual_digits", at, false);
      return { json: { type: t, individual_digits: each }, run: splitBy(rule(each ? /\p{N}/gu : /\p{N}+/gu, "Isolated")) };
    }
    case "Punctuation": {
      const b = behavior(p, at, "Isolated");
      return { json: { type: t, behavior: b }, run: splitBy(rule(new RegExp(PUNCT.source, "gu"), b)) };
    }
    case "Whitespace":
      return { json: { type: t }, run: splitBy(rule(new RegExp(PATTERNS.whitespace, "gu"), "Removed", true)) };
    case "WhitespaceSplit":
      return { json: { type: t }, run: splitBy(rule(/\p{White_Space}+/gu, "Removed")) };
    case "BertPreTokenizer": {
      const ws = splitBy(rule(/\p{White_Space}+/gu, "Removed")), punct = splitBy(rule(new RegExp(PUNCT.source, "gu"), "Isolated"));
      return { json: { type: t }, run: (piece) => ws(piece).flatMap(punct) };
    }
    case "ByteLevel": {
      const prefix = bool(p, "add_prefix_space", at, true), useRegex = bool(p, "use_regex", at, true), trim = bool(p, "trim_offsets", at, true);
      const gpt2 = splitBy(rule(new RegExp(PATTERNS.gpt2, "gu"), "Removed", true));
      return {
        json: { type: t, add_prefix_space: prefix, trim_offsets: trim, use_regex: useRegex },
        run: (piece) => {
          const x = prefix && piece.s.length > 0 && !piece.s.startsWith(" ") ? prepend(piece, " ", piece.origin) : piece;
          return (useRegex ? gpt2(x) : [x]).map((q) => mapChars(q, (c) => bytesToByteLevel(utf8Encode(c))));
        },
      };
    }
    case "Sequence": {
      need(Array.isArray(p.pretokenizers), `${at}.pretokenizers`, "an array", p.pretokenizers);
      const parts = (p.pretokenizers as unknown[]).map((x, i) => readPreTokenizer(x, `${at}.pretokenizers[${i}]`, depth + 1)).filter((x) => x !== null);
      return { json: { type: t, pretokenizers: parts.map((q) => q.json) }, run: (piece) => parts.reduce<NormStr[]>((acc, q) => acc.flatMap((x) => q.run(x)), [piece]) };
    }
  }
}

// ---- decoders

export interface Decoder { json: Json; run(tokens: string[]): string[] }

const DECODERS = ["ByteLevel", "Metaspace", "WordPiece", "ByteFallback", "Fuse", "Strip", "Replace", "Sequence", "BPEDecoder"] as const;

/** Hugging Face's clean_up_tokenization: no space before . ? ! , and English contractions. */
export function cleanUpTokenization(s: string): string {
  return s.replace(/ \./g, ".").replace(/ \?/g, "?").replace(/ !/g, "!").replace(/ ,/g, ",").replace(/ ' /g, "'")
    .replace(/ n't/g, "n't").replace(/ 'm/g, "'m").replace(/ 's/g, "'s").replace(/ 've/g, "'ve").replace(/ 're/g, "'re");
}

const BYTE_TOKEN = /^<0x([0-9A-F]{2})>$/;

function count(o: Json, key: string, at: string): number {
  const v = o[key] ?? 0;
  need(typeof v === "number" && Number.isSafeInteger(v) && v >= 0, `${at}.${key}`, "a non-negative integer", v);
  return v;
}

export function readDecoder(v: unknown, at = "decoder", depth = 0): Decoder | null {
  depthOk(depth, at);
  if (v === null || v === undefined) return null;
  const d = typed(v, at, DECODERS);
  const t = d.type as (typeof DECODERS)[number];
  switch (t) {
    case "ByteLevel":
      return {
        json: { type: t, add_prefix_space: true, trim_offsets: true, use_regex: true },
        run: (tokens) => {
          const bytes: number[] = [];
          for (const tok of tokens) for (const b of byteLevelToBytes(tok) ?? utf8Encode(tok)) bytes.push(b);
          return [utf8Decode(Uint8Array.from(bytes))];
        },
      };
    case "Metaspace": {
      const rep = oneChar(d, "replacement", at, "\u2581");
      const scheme = d.prepend_scheme ?? (bool(d, "add_prefix_space", at, true) ? "always" : "never");
      need(PREPEND_SCHEMES.includes(scheme as string), `${at}.prepend_scheme`, PREPEND_SCHEMES.join(", "), scheme);
      const split = bool(d, "split", at, true);
      return {
        json: { type: t, replacement: rep, prepend_scheme: scheme, split },
        run: (tokens) => tokens.map((tok, i) => {
          const s = tok.split(rep).join(" ");
          return i === 0 && scheme !== "never" && s.startsWith(" ") ? s.slice(1) : s;
        }),
      };
    }
    case "WordPiece": {
      const prefix = str(d, "prefix", at, "##"), cleanup = bool(d, "cleanup", at, true);
      return {
        json: { type: t, prefix, cleanup },
        run: (tokens) => tokens.map((tok, i) => {
          const s = i === 0 ? tok : tok.startsWith(prefix) ? tok.slice(prefix.length) : " " + tok;
          return cleanup ? cleanUpTokenization(s) : s;
        }),
      };
    }
    case "ByteFallback":
      return {
        json: { type: t },
        run: (tokens) => {
          const out: string[] = [];
          let bytes: number[] = [];
          const flush = () => {
            if (bytes.length === 0) return;
            try {
              out.push(new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes)));
            } catch {
              out.push("\uFFFD".repeat(bytes.length)); // Hugging Face: one U+FFFD per byte of an invalid run
            }
            bytes = [];
          };
          for (const tok of tokens) {
            const m = BYTE_TOKEN.exec(tok);
            if (m) { bytes.push(parseInt(m[1], 16)); continue; }
            flush();
            out.push(tok);
          }
          flush();
          return out;
        },
      };
    case "Fuse":
      return { json: { type: t }, run: (tokens) => [tokens.join("")] };
    case "Strip": {
      const content = oneChar(d, "content", at, " "), start = count(d, "start", at), stop = count(d, "stop", at);
      return {
        json: { type: t, content, start, stop },
        run: (tokens) => tokens.map((tok) => {
          const cs = [...tok];
          let a = 0, b = cs.length;
          while (a < start && a < b && cs[a] === content) a++;
          while (cs.length - b < stop && b > a && cs[b - 1] === content) b--;
          return cs.slice(a, b).join("");
        }),
      };
    }
    case "Replace": {
      const re = pattern(d.pattern, `${at}.pattern`), content = str(d, "content", at);
      return { json: { type: t, pattern: d.pattern, content }, run: (tokens) => (re === null ? tokens : tokens.map((tok) => tok.replace(re, () => content))) };
    }
    case "BPEDecoder": {
      const suffix = str(d, "suffix", at, "</w>");
      return { json: { type: t, suffix }, run: (tokens) => tokens.map((tok, i) => tok.split(suffix).join(i === tokens.length - 1 ? "" : " ")) };
    }
    case "Sequence": {
      need(Array.isArray(d.decoders), `${at}.decoders`, "an array", d.decoders);
      const parts = (d.decoders as unknown[]).map((x, i) => readDecoder(x, `${at}.decoders[${i}]`, depth + 1)).filter((x) => x !== null);
      return { json: { type: t, decoders: parts.map((q) => q.json) }, run: (tokens) => parts.reduce((acc, q) => q.run(acc), tokens) };
    }
  }
}
