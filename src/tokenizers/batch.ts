// Batch encoding the Hugging Face way: each input (a text or a pair of texts) is encoded, truncated
// ("longest_first" takes tokens from the longer sequence one at a time), wrapped by a template such
// as "[CLS] $A [SEP]" / "[CLS] $A [SEP] $B:1 [SEP]:1" (TemplateProcessing; the :1 is the token
// type id), then padded to the longest row or to maxLength, with attention masks (1 = token,
// 0 = padding), token type ids and offsets. A padded batch holds at most MAX_PADDED_TOKENS tokens:
// the arrays are checked before they are made (a V8 heap overflow would end the process).

import { fail, checkInt, TesseraError } from "../errors.js";
import type { SpecialOptions } from "./special-tokens.js";

export type TextInput = string | [string, string];

/** One template item: a special token or a sequence ($A / $B), with its token type id. */
export type TemplateItem = { special: string; typeId: number } | { sequence: "A" | "B"; typeId: number };

export interface Template {
  single: TemplateItem[];
  pair: TemplateItem[];
}

/** Parses Hugging Face TemplateProcessing strings: "[CLS] $A [SEP]", "$A:0 [SEP]:0 $B:1 [SEP]:1". */
export function parseTemplate(single: string | string[], pair: string | string[]): Template {
  const parse = (arg: string, spec: string | string[]): TemplateItem[] => {
    const parts = typeof spec === "string" ? spec.split(/\s+/).filter(Boolean) : spec;
    if (!Array.isArray(parts)) fail("E_TYPE", arg, "a template string like \"[CLS] $A [SEP]\"", spec);
    return parts.map((p) => {
      if (typeof p !== "string") fail("E_TYPE", arg, "template items as strings", p);
      const m = /^(.*?)(?::(\d+))?$/.exec(p)!;
      const typeId = m[2] === undefined ? 0 : Number(m[2]);
      if (m[1] === "$A" || m[1] === "$") return { sequence: "A", typeId };
      if (m[1] === "$B") return { sequence: "B", typeId: m[2] === undefined ? 1 : typeId };
      return { special: m[1], typeId };
    });
  };
  return { single: parse("template.single", single), pair: parse("template.pair", pair) };
}

export interface BatchOptions extends SpecialOptions {
  /** true or "longest": pad to the longest row; "max_length": pad to maxLength; false: no padding. */
  padding?: boolean | "longest" | "max_length";
  /** true or "longest_first", "only_first", "only_second": cut to maxLength (specials included). */
  truncation?: boolean | "longest_first" | "only_first" | "only_second";
  maxLength?: number;
  /** Add the tokenizer's template ([CLS]/[SEP] ...) when it has one (default true). */
  addSpecialTokens?: boolean;
  returnAttentionMask?: boolean;
  returnTokenTypeIds?: boolean;
  returnOffsets?: boolean;
  paddingSide?: "right" | "left";
  /** Pad id; defaults to the tokenizer's padToken. */
  padId?: number;
}

export interface BatchEncoding {
  inputIds: number[][];
  attentionMask?: number[][];
  tokenTypeIds?: number[][];
  offsetMapping?: [number, number][][];
}

/** Rows × padded length of one batch: 2^24 tokens (the ids, mask and type arrays ≈ 400 MB). */
export const MAX_PADDED_TOKENS = 1 << 24;

/** What a tokenizer offers to batch encoding. */
export interface BatchSource {
  encodeWithOffsets(text: string, options?: SpecialOptions & { returnOffsets?: boolean }): { ids: number[]; offsets?: [number, number][] };
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  template?: Template | null;
  padToken?: string | null;
}

interface Row {
  ids: number[];
  types: number[];
  offsets: [number, number][];
}

function truncatePair(a: number[], b: number[] | null, budget: number, how: string): [number, number] {
  let na = a.length, nb = b ? b.length : 0;
  if (na + nb <= budget) return [na, nb];
  if (how === "only_first" || !b) {
    na = Math.max(0, budget - nb);
  } else if (how === "only_second") {
    nb = Math.max(0, budget - na);
  } else {
    while (na + nb > budget) {
      if (na >= nb) na--;
      else nb--;
    }
  }
  if (na + nb > budget) {
    throw new TesseraError("E_VALUE", `maxLength: expected room for the ${how === "only_first" ? "second" : "first"} sequence with truncation "${how}", received ${budget} tokens of budget`);
  }
  return [na, nb];
}

export function encodeBatch(tok: BatchSource, inputs: TextInput[], options: BatchOptions = {}): BatchEncoding {
  if (!Array.isArray(inputs)) fail("E_TYPE", "inputs", "an array of texts or [text, textPair] pairs", inputs);
  if (options === null || typeof options !== "object") fail("E_TYPE", "options", "an object", options);
  const padding = options.padding === true ? "longest" : options.padding ?? false;
  if (padding !== false && padding !== "longest" && padding !== "max_length") fail("E_VALUE", "options.padding", '"longest", "max_length", true or false', options.padding);
  const truncation = options.truncation === true ? "longest_first" : options.truncation ?? false;
  if (truncation !== false && truncation !== "longest_first" && truncation !== "only_first" && truncation !== "only_second") {
    fail("E_VALUE", "options.truncation", '"longest_first", "only_first", "only_second", true or false', options.truncation);
  }
  const maxLength = options.maxLength === undefined ? undefined
    : checkInt("options.maxLength", options.maxLength, 1, padding === "max_length" ? MAX_PADDED_TOKENS : Infinity);
  if ((truncation !== false || padding === "max_length") && maxLength === undefined) {
    fail("E_VALUE", "options.maxLength", `a positive integer when ${padding === "max_length" ? 'padding is "max_length"' : "truncation is on"}`, undefined);
  }
  let padId = options.padId;
  if (padId !== undefined) {
    checkInt("options.padId", padId, 0);
    if (tok.idToToken(padId) === undefined) fail("E_TOKEN", "options.padId", "a token id of this vocabulary", padId);
  }
  const template = options.addSpecialTokens === false ? null : tok.template ?? null;
  const wantOffsets = options.returnOffsets ?? false;
  const encOpts = { allowedSpecial: options.allowedSpecial, disallowedSpecial: options.disallowedSpecial, returnOffsets: wantOffsets };

  const specialId = (name: string): number => {
    const id = tok.tokenToId(name);
    if (id === undefined) fail("E_TOKEN", "template", "special tokens present in the vocabulary", name);
    return id;
  };
  const rows: Row[] = inputs.map((input, i) => {
    const isPair = Array.isArray(input);
    if (isPair && (input.length !== 2 || typeof input[0] !== "string" || typeof input[1] !== "string")) {
      fail("E_TYPE", `inputs[${i}]`, "a string or a [text, textPair] pair of strings", input);
    }
    if (!isPair && typeof input !== "string") fail("E_TYPE", `inputs[${i}]`, "a string or a [text, textPair] pair of strings", input);
    const a = tok.encodeWithOffsets(isPair ? input[0] : input, encOpts);
    const b = isPair ? tok.encodeWithOffsets(input[1], encOpts) : null;
    const items = template ? (isPair ? template.pair : template.single) : null;
    const nSpecial = items ? items.filter((t) => "special" in t).length : 0;
    let na = a.ids.length, nb = b ? b.ids.length : 0;
    if (truncation !== false) [na, nb] = truncatePair(a.ids, b ? b.ids : null, maxLength! - nSpecial, truncation);
    const row: Row = { ids: [], types: [], offsets: [] };
    const put = (enc: { ids: number[]; offsets?: [number, number][] }, n: number, typeId: number) => {
      for (let k = 0; k < n; k++) {
        row.ids.push(enc.ids[k]);
        row.types.push(typeId);
        if (wantOffsets) row.offsets.push(enc.offsets![k]);
      }
    };
    if (!items) {
      put(a, na, 0);
      if (b) put(b, nb, 1);
    } else {
      for (const item of items) {
        if ("special" in item) {
          row.ids.push(specialId(item.special));
          row.types.push(item.typeId);
          if (wantOffsets) row.offsets.push([0, 0]);
        } else if (item.sequence === "A") put(a, na, item.typeId);
        else if (b) put(b, nb, item.typeId);
      }
    }
    return row;
  });

  let target = 0;
  if (padding === "longest") target = rows.reduce((m, r) => Math.max(m, r.ids.length), 0);
  if (padding === "max_length") target = maxLength!;
  if (padding !== false && rows.some((r) => r.ids.length < target)) {
    if (rows.length * target > MAX_PADDED_TOKENS) {
      throw new TesseraError("E_RANGE", `options.padding: expected a padded batch of at most ${MAX_PADDED_TOKENS} tokens, received ${rows.length} rows of ${target}`);
    }
    if (padId === undefined && tok.padToken) padId = tok.tokenToId(tok.padToken);
    if (padId === undefined) fail("E_VALUE", "options.padId", "a pad token id (the tokenizer has no padToken)", undefined);
    const left = options.paddingSide === "left";
    for (const r of rows) {
      const n = target - r.ids.length;
      if (n <= 0) continue;
      const fill = <T>(arr: T[], v: T) => {
        const pad = new Array<T>(n).fill(v);
        return left ? pad.concat(arr) : arr.concat(pad);
      };
      const mask = fill(new Array<number>(r.ids.length).fill(1), 0);
      r.ids = fill(r.ids, padId);
      r.types = fill(r.types, 0);
      if (wantOffsets) r.offsets = fill(r.offsets, [0, 0] as [number, number]);
      (r as Row & { mask?: number[] }).mask = mask;
    }
  }
  const out: BatchEncoding = { inputIds: rows.map((r) => r.ids) };
  if (options.returnAttentionMask ?? true) {
    out.attentionMask = rows.map((r) => (r as Row & { mask?: number[] }).mask ?? new Array<number>(r.ids.length).fill(1));
  }
  if (options.returnTokenTypeIds ?? (template !== null || inputs.some(Array.isArray))) out.tokenTypeIds = rows.map((r) => r.types);
  if (wantOffsets) out.offsetMapping = rows.map((r) => r.offsets);
  return out;
}
