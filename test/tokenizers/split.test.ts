// Hugging Face's Split pre-tokenizer. References: the behaviours' documented example in Hugging
// Face tokenizers (normalizer.rs, NormalizedString::split: "the-final--countdown" split on "-"),
// its Invert pattern, Oniguruma's find_iter for empty matches (rust-onig FindMatches: an empty
// match right after the previous match is skipped), and tokenizers.js (@huggingface/tokenizers)
// for the Isolated behaviour it implements the same way.
import { describe, expect, it } from "vitest";
import { Tokenizer } from "@huggingface/tokenizers";
import { BPETokenizer, PreTokenizer, loadTokenizerJson, toTokenizerJson, type SplitBehavior } from "../../src/index.js";

function pieces(text: string, pattern: { Regex: string } | { String: string }, behavior: SplitBehavior, invert = false): string[] {
  const re = "Regex" in pattern ? new RegExp(pattern.Regex, "gu")
    : pattern.String === "" ? null : new RegExp(pattern.String.replace(/[\\^$*+?.()|[\]{}]/g, "\\$&"), "gu");
  const out: string[] = [];
  new PreTokenizer([{ kind: "split", rule: { re, behavior, invert, pattern } }]).forEachPiece(text, 0, text.length, (src, s, e) => out.push(src.slice(s, e)));
  return out;
}

/** A character-level BPE tokenizer.json without merges: one id per character, so ids show every character kept. */
function charLevel(chars: string, preTokenizer: object): object {
  return {
    version: "1.0", added_tokens: [], normalizer: null, pre_tokenizer: preTokenizer, post_processor: null, decoder: null,
    model: { type: "BPE", dropout: null, unk_token: null, vocab: Object.fromEntries([...new Set(chars)].map((c, i) => [c, i])), merges: [] },
  };
}

describe("Split behaviours (Hugging Face's documented example)", () => {
  const text = "the-final--countdown";
  const cases: [SplitBehavior, string[]][] = [
    ["Removed", ["the", "final", "countdown"]],
    ["Isolated", ["the", "-", "final", "-", "-", "countdown"]],
    ["MergedWithPrevious", ["the-", "final-", "-", "countdown"]],
    ["MergedWithNext", ["the", "-final", "-", "-countdown"]],
    ["Contiguous", ["the", "-", "final", "--", "countdown"]],
  ];
  for (const [behavior, expected] of cases) {
    it(behavior, () => {
      expect(pieces(text, { String: "-" }, behavior)).toEqual(expected);
      expect(pieces(text, { Regex: "-" }, behavior)).toEqual(expected);
    });
  }

  it("invert: the matches are the content and the text between them the delimiters", () => {
    expect(pieces("Hey friend!", { Regex: "\\w+" }, "Removed", true)).toEqual(["Hey", "friend"]);
    expect(pieces("Hey friend!", { Regex: "\\w+" }, "Isolated", true)).toEqual(["Hey", " ", "friend", "!"]);
    expect(pieces("Hey friend!", { Regex: "\\w+" }, "MergedWithPrevious", true)).toEqual(["Hey ", "friend!"]);
    expect(pieces("Hey friend!", { Regex: "\\w+" }, "MergedWithNext", true)).toEqual(["Hey", " friend", "!"]);
  });

  it("an empty String pattern matches nothing: the text stays whole", () => {
    expect(pieces("a b", { String: "" }, "Removed")).toEqual(["a b"]);
  });

  it("keeps the text between delimiters: Split on \" \" gives Hello, ' ', world (was: only ' ')", () => {
    const json = charLevel("Helo wrd", { type: "Split", pattern: { String: " " }, behavior: "Isolated", invert: false });
    const tok = loadTokenizerJson(JSON.stringify(json)) as BPETokenizer;
    const ids = tok.encode("Hello world");
    expect(tok.decode(ids)).toBe("Hello world");
    expect(ids).toEqual(new Tokenizer(json, {}).encode("Hello world", { add_special_tokens: false }).ids);
    tok.dispose();
  });
});

describe("patterns that match the empty string", () => {
  it("end on text outside the BMP, with Oniguruma's empty matches (skipped right after a match)", () => {
    // \d* on "a1bbb2": onig yields (0,0) (1,2) (3,3) (4,4) (5,6); Isolated then cuts at each.
    expect(pieces("a1bbb2", { Regex: "\\d*" }, "Isolated")).toEqual(["a", "1", "b", "b", "b", "2"]);
    expect(pieces("a1bbb2", { Regex: "\\d*" }, "MergedWithNext")).toEqual(["a", "1b", "b", "b", "2"]);
    expect(pieces("😀a😀", { Regex: "\\p{L}*" }, "Isolated")).toEqual(["😀", "a", "😀"]);
    expect(pieces("😀😀", { Regex: "" }, "Removed")).toEqual(["😀", "😀"]);
  });

  it("a tokenizer with such a pattern encodes astral text (it used to hang)", () => {
    const t = BPETokenizer.train(["ab ab abc"], { vocabSize: 260, pattern: "\\p{L}*" });
    const text = "abc 😀 def 𝔾𝕠𝕠𝕕";
    expect(t.decode(t.encode(text))).toBe("abcdef𝔾𝕠𝕠𝕕"); // the pattern's matches only: letters
    const json = charLevel("😀ab", { type: "Split", pattern: { Regex: "" }, behavior: "Isolated", invert: false });
    const tok = loadTokenizerJson(JSON.stringify(json)) as BPETokenizer;
    expect(tok.decode(tok.encode("a😀b😀"))).toBe("a😀b😀");
    t.dispose();
    tok.dispose();
  });
});

describe("Split in a tokenizer.json agrees with tokenizers.js where both implement it (Isolated)", () => {
  it("a Sequence of Splits then ByteLevel", () => {
    const trained = BPETokenizer.train(["The quick brown fox, 1234 jumps! Over the lazy dog's back."], { vocabSize: 300 });
    const base = JSON.parse(JSON.stringify(toTokenizerJson(trained)));
    base.pre_tokenizer = {
      type: "Sequence", pretokenizers: [
        { type: "Split", pattern: { Regex: "\\p{N}{1,2}" }, behavior: "Isolated", invert: false },
        { type: "Split", pattern: { String: "," }, behavior: "Isolated", invert: false },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    };
    const ours = loadTokenizerJson(JSON.stringify(base)) as BPETokenizer;
    const hf = new Tokenizer(base, {});
    for (const s of ["The quick brown fox, 1234 jumps!", "a,b,,c 98765 x", "  lazy  dog's 0"]) {
      expect(ours.encode(s), JSON.stringify(s)).toEqual(hf.encode(s, { add_special_tokens: false }).ids);
    }
    trained.dispose();
    ours.dispose();
  });
});

describe("saving Split rules", () => {
  it("a loaded Sequence of Splits saves and loads back to the same ids (tokenizers.js agrees on the Isolated one)", () => {
    const chars = "abcdefghijklmnopqrstuvwxyz ,.-";
    const json = charLevel(chars, {
      type: "Sequence", pretokenizers: [
        { type: "Split", pattern: { String: "-" }, behavior: "MergedWithNext", invert: false },
        { type: "Split", pattern: { Regex: "\\s+" }, behavior: "Removed", invert: false },
        { type: "Split", pattern: { Regex: "[,.]" }, behavior: "Contiguous", invert: true },
      ],
    }) as { model: { merges: string[]; vocab: Record<string, number> } };
    // Merges across what the splits keep apart show where the pieces are.
    json.model.vocab["-a"] = 100;
    json.model.vocab[",."] = 101;
    json.model.merges = ["- a", ", ."];
    const tok = loadTokenizerJson(json) as BPETokenizer;
    const back = loadTokenizerJson(toTokenizerJson(tok)) as BPETokenizer;
    for (const s of ["the-a-final--countdown", "a,.b ,. c", "  x-a  "]) expect(back.encode(s), s).toEqual(tok.encode(s));
    expect(tok.encode("x-a")).toContain(100);
    tok.dispose();
    back.dispose();
  });

  it("a prefix space Hugging Face would add after the split, not before it, is E_STATE", () => {
    const t = BPETokenizer.train(["ab ab abc"], { vocabSize: 260, pattern: "cl100k", addPrefixSpace: true });
    expect(() => toTokenizerJson(t)).toThrow(/tokenizer: expected a tokenizer tokenizer.json can describe, received a prefix space before a split other than GPT-2's/);
    t.dispose();
  });
});
