// tiktoken's rank files (`cl100k_base.tiktoken`): one token per line, base64 of its bytes, a
// space, its rank (which is also its id). Loading checks every line: bad base64, a missing or
// non-integer rank, a rank past MAX_TOKEN_ID, a rank or a token seen twice are E_FORMAT errors
// naming the line; so is a file without a token for some single byte (tiktoken's merging starts
// from single bytes, and would otherwise lose that byte).

import { fail, TesseraError } from "../errors.js";
import { BPETokenizer } from "./bpe-tokenizer.js";
import { PATTERNS, type PatternSpec } from "./pre-tokenizers.js";
import { isTokenId, MAX_TOKEN_ID, TokenTable } from "./vocab.js";

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64(s: string, line: number): Uint8Array {
  if (s.length === 0 || s.length % 4 !== 0 || !B64.test(s)) {
    throw new TesseraError("E_FORMAT", `ranks line ${line}: expected base64 token bytes, received ${JSON.stringify(s.slice(0, 40))}`);
  }
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function encodeBase64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return btoa(s);
}

/** Ranks and bytes of the lines of a .tiktoken file, in file order. */
function parseRankLines(text: string): { ranks: number[]; bytes: Uint8Array[] } {
  if (typeof text !== "string") fail("E_TYPE", "ranks", "the text of a .tiktoken file", text);
  const ranks: number[] = [];
  const bytes: Uint8Array[] = [];
  const lines = text.split("\n");
  const lineOf = new Int32Array(lines.length);
  let ascending = true;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.length === 0) continue;
    const sp = line.indexOf(" ");
    if (sp < 0 || line.indexOf(" ", sp + 1) >= 0) {
      throw new TesseraError("E_FORMAT", `ranks line ${i + 1}: expected "<base64> <rank>", received ${JSON.stringify(line.slice(0, 40))}`);
    }
    const b = decodeBase64(line.slice(0, sp), i + 1);
    const rankText = line.slice(sp + 1);
    const rank = Number(rankText);
    if (!/^\d+$/.test(rankText) || !isTokenId(rank)) {
      throw new TesseraError("E_FORMAT", `ranks line ${i + 1}: expected a rank, an integer in [0, ${MAX_TOKEN_ID}] (ids are int32 in the kernels), received ${JSON.stringify(rankText.slice(0, 20))}`);
    }
    if (ranks.length > 0 && rank <= ranks[ranks.length - 1]) ascending = false;
    lineOf[ranks.length] = i + 1;
    ranks.push(rank);
    bytes.push(b);
  }
  if (ranks.length === 0) fail("E_FORMAT", "ranks", "at least one \"<base64> <rank>\" line", text);
  if (!ascending) {
    // Out of order (rare): look for a rank given twice, to name its second line.
    const seen = new Set<number>();
    ranks.forEach((rank, k) => {
      if (seen.has(rank)) throw new TesseraError("E_FORMAT", `ranks line ${lineOf[k]}: expected each rank once, received rank ${rank} a second time`);
      seen.add(rank);
    });
  }
  return { ranks, bytes };
}

/** Parses a .tiktoken file into id → bytes (an array with holes where ranks are missing). */
export function parseTiktokenRanks(text: string): Uint8Array[] {
  const { ranks, bytes } = parseRankLines(text);
  const out: Uint8Array[] = [];
  ranks.forEach((rank, i) => { out[rank] = bytes[i]; });
  return out;
}

export function serializeTiktokenRanks(tokens: (Uint8Array | undefined)[]): string {
  const lines: string[] = [];
  tokens.forEach((b, rank) => {
    if (b !== undefined) lines.push(`${encodeBase64(b)} ${rank}`);
  });
  return lines.join("\n") + "\n";
}

export interface TiktokenOptions {
  /** "cl100k" (default), "o200k", "gpt2", or a regex. */
  pattern?: PatternSpec;
  /** Special tokens and their ids, e.g. { "<|endoftext|>": 100257 }. */
  specialTokens?: Record<string, number>;
}

/** A tiktoken-compatible tokenizer from .tiktoken text (or parsed ranks). */
export function fromTiktoken(ranks: string | Uint8Array[], options: TiktokenOptions = {}): BPETokenizer {
  if (typeof ranks !== "string" && !Array.isArray(ranks)) fail("E_TYPE", "ranks", "the text of a .tiktoken file or an array of token bytes", ranks);
  let table: TokenTable;
  if (typeof ranks === "string") {
    const parsed = parseRankLines(ranks);
    table = TokenTable.fromLists(parsed.ranks, parsed.bytes, "ranks");
  } else {
    table = TokenTable.fromArray(ranks, "ranks");
  }
  const single = new Set<number>();
  for (const b of table.bytes) if (b.length === 1) single.add(b[0]);
  for (let b = 0; b < 256; b++) {
    if (!single.has(b)) {
      throw new TesseraError("E_FORMAT", `ranks: expected a token for every single byte, received none for byte ${b} (0x${b.toString(16).padStart(2, "0")})`);
    }
  }
  const specials = new Map<string, number>();
  for (const [t, id] of Object.entries(options.specialTokens ?? {})) {
    if (!isTokenId(id)) fail("E_VALUE", `specialTokens[${JSON.stringify(t)}]`, `a token id, an integer in [0, ${MAX_TOKEN_ID}]`, id);
    if (table.get(id) !== undefined) fail("E_VALUE", `specialTokens[${JSON.stringify(t)}]`, "an id not used by an ordinary token", id);
    specials.set(t, id);
  }
  return new BPETokenizer({
    tokens: table,
    merges: null,
    tiktokenRanks: true,
    byteLevel: true,
    pattern: options.pattern ?? "cl100k",
    specialTokens: specials,
    defaultAllowedSpecial: "none",
  });
}

export { PATTERNS };
