// BPE training. References: the notes' SimpleBPE run as printed (seeds/001 §1.3) and a plain-Python
// reference of Hugging Face's BpeTrainer with a full recount per merge — both in
// test/fixtures/tokenizers/bpe_reference.json, made by make_bpe_fixtures.py beside it.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { BPETokenizer, TesseraError } from "../../src/index.js";

const fixtures = new URL("../fixtures/tokenizers/", import.meta.url);
const ref = JSON.parse(readFileSync(new URL("bpe_reference.json", fixtures), "utf8"));
const genesis = readFileSync(new URL("genesis-1-3.txt", fixtures), "utf8");
const notesCorpus = ["hello world", "world of hello", "hello world of nlp"];

describe("the notes' BPE example (001 §1.3)", () => {
  it("character-level BPE with 5 merges: el, hel, ld, lo, or; 'hello world' → hel lo w or ld", () => {
    const alphabet = new Set(notesCorpus.join("").replace(/ /g, "")).size; // 10 characters
    const tok = BPETokenizer.train(notesCorpus, { vocabSize: alphabet + 5, byteLevel: false, pattern: "whitespace" });
    expect(tok.getMerges()).toEqual(ref.char_level_notes_corpus);
    expect(tok.getMerges()).toEqual([["e", "l"], ["h", "el"], ["l", "d"], ["l", "o"], ["o", "r"]]);
    const ids = tok.encode("hello world");
    expect(tok.convertIdsToTokens(ids)).toEqual(["hel", "lo", "w", "or", "ld"]);
    expect(tok.decode(ids)).toBe("helloworld"); // the whitespace pre-tokenizer drops spaces
  });

  it("the notes' code itself splits lines on spaces, so its symbols are words (recorded, not imitated)", () => {
    // SimpleBPE.get_stats uses line.split(): its 'characters' are whole words, and ties go to the
    // first pair seen (Counter.most_common). tessera follows the algorithm the notes describe
    // (characters first) with Hugging Face's tie-break; this records what the printed code outputs.
    expect(ref.notes_code.merges).toEqual([["hello", "world"], ["world", "of"], ["worldof", "hello"], ["helloworld", "of"], ["helloworldof", "nlp"]]);
    expect(ref.notes_code.encode).toEqual(["hello", "world"]);
    // The first merge agrees at word level too: "hello world" is the most frequent pair.
    // Words as single symbols (h = hello, w = world, o = of, n = nlp), one line = one sequence.
    const lines = notesCorpus.map((l) => l.split(" ").map((w) => w[0]).join(""));
    const tok = BPETokenizer.train(lines, { vocabSize: 4 + 1, byteLevel: false, pattern: null });
    expect(tok.getMerges()).toEqual([["h", "w"]]);
  });
});

describe("byte-level training", () => {
  it("matches the Hugging Face BpeTrainer reference on KJV Genesis 1-3 (300 merges)", () => {
    const tok = BPETokenizer.train([genesis], { vocabSize: 256 + 300, byteLevel: true });
    expect(tok.getMerges()).toEqual(ref.byte_level_genesis);
    expect(tok.vocabSize).toBe(556);
  });

  it("round-trips and keeps special tokens whole", () => {
    const tok = BPETokenizer.train([genesis], { vocabSize: 600, specialTokens: ["<|endoftext|>", "[PAD]"] });
    expect(tok.tokenToId("<|endoftext|>")).toBe(0);
    expect(tok.tokenToId("[PAD]")).toBe(1);
    const text = "In the beginning<|endoftext|> 日本 🙂 naïve";
    const ids = tok.encode(text);
    expect(ids).toContain(0);
    expect(tok.decode(ids)).toBe(text);
    expect(tok.encode("In the beginning God created").length).toBeLessThan(10);
  });

  it("stops early at minFrequency and is deterministic", () => {
    const a = BPETokenizer.train([genesis], { vocabSize: 5000, minFrequency: 20 });
    const b = BPETokenizer.train([genesis], { vocabSize: 5000, minFrequency: 20 });
    expect(a.vocabSize).toBeLessThan(5000);
    expect(a.getMerges()).toEqual(b.getMerges());
  });

  it("bad input: TesseraError naming the argument", () => {
    const t = (f: () => unknown, code: string, msg: RegExp) => {
      try { f(); } catch (e) {
        expect(e).toBeInstanceOf(TesseraError);
        expect((e as TesseraError).code).toBe(code);
        expect((e as Error).message).toMatch(msg);
        return;
      }
      throw new Error("expected a TesseraError");
    };
    t(() => BPETokenizer.train([], { vocabSize: 300 }), "E_VALUE", /texts: expected at least one non-empty text/);
    t(() => BPETokenizer.train(["", ""], { vocabSize: 300 }), "E_VALUE", /texts/);
    t(() => BPETokenizer.train(["abc"], { vocabSize: 100 }), "E_VALUE", /options.vocabSize: expected at least 256 .*received 100/);
    t(() => BPETokenizer.train(["abc", 5 as unknown as string], { vocabSize: 300 }), "E_TYPE", /texts\[1\]: expected a string, received 5/);
    t(() => BPETokenizer.train("abc" as unknown as string[], { vocabSize: 300 }), "E_TYPE", /texts/);
    t(() => BPETokenizer.train(["abc"], { vocabSize: 2.5 }), "E_RANGE", /options.vocabSize/);
    t(() => BPETokenizer.train(["abc"], { vocabSize: 300, pattern: "([" }), "E_VALUE", /options.pattern: expected a valid regular expression/);
  });
});
