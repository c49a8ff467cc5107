// The tokenizer.json pipeline component by component: each normalizer, pre-tokenizer and decoder
// put into the T5-style file (Unigram over 1,200 KJV pieces) gives the ids and decoded text of
// tokenizers.js; the BPE options tokenizers.js lacks (continuing_subword_prefix, dropout) and
// WordLevel are checked against hand-worked answers; the BERT-style file made from the Unigram
// pieces equals tokenizers.js; broken files are E_FORMAT errors that say where.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";
import { loadTokenizerJson, PipelineTokenizer, TesseraError, WordPieceTokenizer } from "../../src/index.js";

const dir = new URL("../fixtures/tokenizers/", import.meta.url);
const read = (f: string) => readFileSync(new URL(f, dir), "utf8");
const t5 = JSON.parse(read("spm-t5.tokenizer.json"));
const texts: string[] = (JSON.parse(read("spm-expected.json")).texts as string[]).filter((_, i) => i % 12 === 0);
texts.push("  Lead and trail  ", "ÅNGSTRÖM Ångström Crème brûlée", "1234 5,6 7.89 x1y22", "don't—stop!? (yes) [no] {maybe}", "a\tb\nc\r\nd");

function variant(edit: (j: any) => void): any {
  const j = structuredClone(t5);
  edit(j);
  return j;
}

// tokenizers.js fuses unknown tokens across pre-tokenized pieces (Hugging Face fuses them within a
// piece) and its Strip takes U+FEFF for whitespace (Rust's char::is_whitespace does not): ids are
// compared with runs of <unk> collapsed, on texts without U+FEFF.
const UNK = 2;
const fuse = (ids: number[]) => ids.filter((id, i) => id !== UNK || ids[i - 1] !== UNK);
const plain = texts.filter((t) => !t.includes("\ufeff"));

function sameIds(j: any, label: string): void {
  const ours = loadTokenizerJson(j);
  const hf = new Tokenizer(j, {});
  for (const t of plain) expect(fuse(ours.encode(t)), `${label}: ${JSON.stringify(t)}`).toEqual(fuse(hf.encode(t, { add_special_tokens: false }).ids));
}

const meta = { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true };

describe("normalizers equal tokenizers.js", () => {
  const cases: [string, object | null][] = [
    ["none", null],
    ["NFC", { type: "NFC" }], ["NFD", { type: "NFD" }], ["NFKC", { type: "NFKC" }], ["NFKD", { type: "NFKD" }],
    ["Lowercase", { type: "Lowercase" }],
    ["NFD + StripAccents", { type: "Sequence", normalizers: [{ type: "NFD" }, { type: "StripAccents" }] }],
    ["Strip", { type: "Strip", strip_left: true, strip_right: true }],
    ["Replace String", { type: "Replace", pattern: { String: "the" }, content: "THE" }],
    ["Replace Regex", { type: "Replace", pattern: { Regex: "\\s+" }, content: " " }],
    ["Prepend", { type: "Prepend", prepend: "\u2581" }],
    ["BertNormalizer", { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true }],
  ];
  for (const [name, n] of cases) it(name, () => sameIds(variant((j) => { j.normalizer = n; }), name));
});

describe("pre-tokenizers equal tokenizers.js", () => {
  const cases: [string, object][] = [
    ["Metaspace always", meta], ["Metaspace never", { ...meta, prepend_scheme: "never" }], ["Metaspace first, no split", { ...meta, prepend_scheme: "first", split: false }],
    ["Whitespace", { type: "Whitespace" }], ["WhitespaceSplit", { type: "WhitespaceSplit" }], ["BertPreTokenizer", { type: "BertPreTokenizer" }],
    ["Digits", { type: "Digits", individual_digits: false }], ["Digits individual", { type: "Digits", individual_digits: true }],
    ["Punctuation", { type: "Punctuation", behavior: "Isolated" }],
    // tokenizers.js splits MergedWithPrevious, MergedWithNext and Contiguous as Isolated; those
    // behaviours are split.ts's, checked against Hugging Face in split.test.ts.
    ...(["Removed", "Isolated"] as const).map((b): [string, object] =>
      [`Split ${b}`, { type: "Split", pattern: { Regex: "[aeiou]+| " }, behavior: b, invert: false }]),
    ["Split String inverted", { type: "Split", pattern: { String: "th" }, behavior: "Removed", invert: true }],
    ["Sequence", { type: "Sequence", pretokenizers: [meta, { type: "Punctuation", behavior: "Isolated" }, { type: "Digits", individual_digits: true }] }],
  ];
  for (const [name, p] of cases) it(name, () => sameIds(variant((j) => { j.normalizer = null; j.pre_tokenizer = p; }), name));
});

describe("decoders equal tokenizers.js", () => {
  const cases: [string, object][] = [
    ["Metaspace", meta],
    ["Llama's Sequence", { type: "Sequence", decoders: [{ type: "Replace", pattern: { String: "\u2581" }, content: " " }, { type: "ByteFallback" }, { type: "Fuse" }, { type: "Strip", content: " ", start: 1, stop: 0 }] }],
    ["WordPiece", { type: "WordPiece", prefix: "##", cleanup: true }],
    ["Fuse", { type: "Fuse" }],
    ["Strip", { type: "Sequence", decoders: [{ type: "Strip", content: "\u2581", start: 1, stop: 1 }, { type: "Fuse" }] }],
  ];
  for (const [name, d] of cases) {
    it(name, () => {
      const j = variant((x) => { x.decoder = d; });
      const ours = loadTokenizerJson(j) as PipelineTokenizer, hf = new Tokenizer(j, {});
      for (const t of texts) {
        const ids = ours.encode(t);
        if (ids.length > 0) expect(ours.decode(ids), `${name}: ${JSON.stringify(t)}`).toBe(hf.decode(ids, { clean_up_tokenization_spaces: false }));
      }
    });
  }

  it("ByteFallback: valid UTF-8 runs join, an invalid run is one U+FFFD per byte", () => {
    const j = { model: { type: "BPE", vocab: { "<0xE6>": 0, "<0x97>": 1, "<0xA5>": 2, a: 3 }, merges: [], byte_fallback: true }, decoder: { type: "ByteFallback" } };
    const tok = loadTokenizerJson(j) as PipelineTokenizer;
    expect(tok.decode([3, 0, 1, 2, 3])).toBe("a日a");
    expect(tok.decode([0, 1, 3])).toBe("\uFFFD\uFFFDa");
    expect(tok.encode("日")).toEqual([0, 1, 2]);
  });
});

describe("BPE options and WordLevel", () => {
  const vocab = { a: 0, b: 1, c: 2, "##a": 3, "##b": 4, "##c": 5, "ab": 6, "##bc": 7, "abc": 8, "<unk>": 9, "c</w>": 10, "bc</w>": 11, "a</w>": 12, "b</w>": 13 };

  it("end_of_word_suffix equals tokenizers.js", () => {
    const j = { normalizer: null, pre_tokenizer: { type: "WhitespaceSplit" }, post_processor: null, decoder: { type: "BPEDecoder", suffix: "</w>" }, added_tokens: [],
      model: { type: "BPE", vocab, merges: ["a b", "b c</w>"], end_of_word_suffix: "</w>", unk_token: "<unk>" } };
    const ours = loadTokenizerJson(j), hf = new Tokenizer(j, {});
    for (const t of ["abc", "ab a b c", "cab bc", "abab", "xa"]) {
      expect(ours.encode(t), t).toEqual(hf.encode(t, { add_special_tokens: false }).ids);
      expect(ours.decode(ours.encode(t))).toBe(hf.decode(ours.encode(t)));
    }
  });

  it("continuing_subword_prefix: symbols after the first carry it, merges drop it from the right part", () => {
    const j = { pre_tokenizer: { type: "WhitespaceSplit" }, model: { type: "BPE", vocab, merges: ["a ##b", "##b ##c", "ab ##c"], continuing_subword_prefix: "##", unk_token: "<unk>" } };
    const tok = loadTokenizerJson(j) as PipelineTokenizer;
    // "abc": a ##b ##c → rank 0 merges a+##b = ab → ab ##c → rank 2: abc
    expect(tok.encode("abc")).toEqual([8]);
    // "bc": b ##c → ("b", "##c") has no merge → b ##c
    expect(tok.encode("bc")).toEqual([1, 5]);
    expect(tok.encode("ba")).toEqual([1, 3]);
    // unknown x: fuse_unk false keeps one <unk> per character
    expect(tok.encode("xx")).toEqual([9, 9]);
    const fused = loadTokenizerJson({ ...j, model: { ...j.model, fuse_unk: true } });
    expect(fused.encode("xxa")).toEqual([9, 3]);
  });

  it("dropout 1 skips every merge; dropout 0 is plain BPE", () => {
    const j = (p: number) => ({ model: { type: "BPE", vocab, merges: ["a b"], dropout: p } });
    expect(loadTokenizerJson(j(1)).encode("abab")).toEqual([0, 1, 0, 1]);
    expect(loadTokenizerJson(j(0)).encode("abab")).toEqual([6, 6]);
  });

  it("ignore_merges takes a piece that is a token whole", () => {
    const j = { model: { type: "BPE", vocab, merges: [], ignore_merges: true } };
    expect(loadTokenizerJson(j).encode("abc")).toEqual([8]);
    expect(loadTokenizerJson({ model: { ...j.model, ignore_merges: false } }).encode("abc")).toEqual([0, 1, 2]);
  });

  it("WordLevel: whole words or the unknown token, offsets on the original text", () => {
    const j = { normalizer: { type: "Lowercase" }, pre_tokenizer: { type: "Whitespace" }, model: { type: "WordLevel", vocab: { "[UNK]": 0, in: 1, the: 2, beginning: 3, ",": 4 }, unk_token: "[UNK]" } };
    const tok = loadTokenizerJson(j) as PipelineTokenizer;
    expect(tok.encodeWithOffsets("In THE  Beginning, God", { returnOffsets: true })).toEqual({ ids: [1, 2, 3, 4, 0], offsets: [[0, 2], [3, 6], [8, 17], [17, 18], [19, 22]] });
    expect(tok.decode([1, 2])).toBe("in the");
  });
});

describe("added tokens", () => {
  it("lstrip, rstrip, single_word and normalized tokens as tokenizers.js matches them", () => {
    const j = variant((x) => {
      x.normalizer = { type: "Lowercase" };
      x.added_tokens.push(
        { id: 1200, content: "<mask>", single_word: false, lstrip: true, rstrip: true, normalized: false, special: true },
        { id: 1201, content: "lord", single_word: true, lstrip: false, rstrip: false, normalized: true, special: false });
    });
    const ours = loadTokenizerJson(j), hf = new Tokenizer(j, {});
    for (const t of ["the <mask> of the LORD", "LORDS lord", "a<mask>b", "Lord, lord."]) {
      expect(ours.encode(t), t).toEqual(hf.encode(t, { add_special_tokens: false }).ids);
    }
  });
});

describe("BERT-style file made from the SentencePiece pieces", () => {
  it("loads as WordPiece and equals tokenizers.js", () => {
    const json = read("spm-bert.tokenizer.json");
    const ours = loadTokenizerJson(json), hf = new Tokenizer(JSON.parse(json), {});
    expect(ours).toBeInstanceOf(WordPieceTokenizer);
    for (const t of texts) expect(ours.encode(t), JSON.stringify(t)).toEqual(hf.encode(t, { add_special_tokens: false }).ids);
  });
});

describe("broken pipeline files are E_FORMAT errors that say where", () => {
  const cases: [string, (j: any) => void, RegExp][] = [
    ["unknown normalizer inside a Sequence", (j) => { j.normalizer.normalizers[2].type = "Squash"; }, /normalizer.normalizers\[2\].type: expected one of NFC, .*, received "Squash"/],
    ["unknown decoder", (j) => { j.decoder = { type: "Sequence", decoders: [{ type: "Fuse" }, { type: "Glue" }] }; }, /decoder.decoders\[1\].type: expected one of .*, received "Glue"/],
    ["charsmap not base64", (j) => { j.normalizer.normalizers[0].precompiled_charsmap = "@@@@"; }, /precompiled_charsmap: expected base64 text/],
    ["charsmap truncated", (j) => { j.normalizer.normalizers[0].precompiled_charsmap = j.normalizer.normalizers[0].precompiled_charsmap.slice(0, 4000); }, /expected a SentencePiece charsmap, received one whose trie size/],
    ["charsmap trie pointing past its end", (j) => {
      const b = Buffer.from(j.normalizer.normalizers[0].precompiled_charsmap, "base64");
      b.writeUInt32LE(0xfffffc00, 4); // the root's offset
      j.normalizer.normalizers[0].precompiled_charsmap = b.toString("base64");
    }, /trie points past its end/],
    ["unk_id out of range", (j) => { j.model.unk_id = 5000; }, /model.unk_id: expected null or an index into model.vocab \(0 to 1199\), received 5000/],
    ["duplicate piece", (j) => { j.model.vocab[10] = [...j.model.vocab[9]]; }, /model.vocab\[10\]: expected a piece no earlier entry has/],
    ["score not finite", (j) => { j.model.vocab[4][1] = "x"; }, /model.vocab\[4\]: expected \[piece, finite score\]/],
    ["added token on another piece's id", (j) => { j.added_tokens.push({ id: 5, content: "<extra>", special: true }); }, /added_tokens \("<extra>"\).id: expected an id model.vocab does not give another token/],
    ["Metaspace replacement of two characters", (j) => { j.pre_tokenizer.replacement = "__"; }, /pre_tokenizer.replacement: expected one character, received "__"/],
    ["template naming a missing token", (j) => { j.post_processor.single[1].SpecialToken.id = "<nope>"; }, /post_processor: expected special tokens present in the vocabulary, received "<nope>"/],
  ];
  for (const [name, edit, msg] of cases) {
    it(name, () => {
      const j = variant(edit);
      expect(() => loadTokenizerJson(j)).toThrow(TesseraError);
      expect(() => loadTokenizerJson(j)).toThrow(msg);
    });
  }

  it("BPE: merges naming missing tokens, an empty side, a cycle-making empty token; out-of-range dropout", () => {
    const m = (merges: unknown[], extra: object = {}) => () => loadTokenizerJson({ model: { type: "BPE", byte_fallback: true, vocab: { a: 0, b: 1, ab: 2, "": 3 }, merges, ...extra } });
    expect(m(["a c"])).toThrow(/model.merges\[0\]: expected tokens whose parts and concatenation are in model.vocab, received "a c"/);
    expect(m([["a", ""]])).toThrow(/model.merges\[0\]: expected "left right" or \["left", "right"\] \(two non-empty tokens\)/);
    expect(m(["a b"], { dropout: 1.5 })).toThrow(/model.dropout: expected null or a probability in \[0, 1\], received 1.5/);
  });
});
