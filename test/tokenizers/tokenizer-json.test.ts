// tokenizer.json: our trained byte-level BPE saved as tokenizer.json and loaded by Hugging Face's
// tokenizers.js (@huggingface/tokenizers, the reference) gives the same ids; a BERT-style WordPiece
// tokenizer.json made here gives the same ids in both; corrupt files are E_FORMAT errors.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";
import { BPETokenizer, TesseraError, WordPieceTokenizer, loadTokenizerJson, parseTemplate, saveTokenizerJson, toTokenizerJson } from "../../src/index.js";
import { bestCpuMs, rng } from "./helpers.js";

const genesis = readFileSync(new URL("../fixtures/tokenizers/genesis-1-3.txt", import.meta.url), "utf8");
const TEXTS = ["", "In the beginning God created the heaven and the earth.", "  And   the\n\nearth was without form,\tand void; ",
  "naïve café 日本語 🙂 👨‍👩‍👧", "let x = 42; // 1234567", "UPPER lower MiXeD 's 'll", "<|endoftext|>Let there be light<|endoftext|>"];

describe("byte-level BPE tokenizer.json round trip", () => {
  const ours = BPETokenizer.train([genesis], { vocabSize: 700, specialTokens: ["<|endoftext|>"] });
  const json = saveTokenizerJson(ours);
  const hf = new Tokenizer(JSON.parse(json), {});
  const back = loadTokenizerJson(json) as BPETokenizer;

  it("Hugging Face tokenizers.js loads it and gives the same ids", () => {
    for (const t of TEXTS) {
      const ids = ours.encode(t);
      expect(hf.encode(t, { add_special_tokens: false }).ids, JSON.stringify(t)).toEqual(ids);
      expect(back.encode(t)).toEqual(ids);
      if (ids.length > 0) expect(hf.decode(ids, { clean_up_tokenization_spaces: false })).toBe(ours.decode(ids)); // tokenizers.js rejects []
    }
  });

  it("seeded random text gives the same ids in both", () => {
    const r = rng(11);
    const alphabet = "abcdefgh ijk\nlmn.,;'THE and 日本🙂é1234567890";
    for (let i = 0; i < 200; i++) {
      let s = "";
      const n = Math.floor(r() * 40);
      for (let k = 0; k < n; k++) s += [...alphabet][Math.floor(r() * [...alphabet].length)];
      expect(hf.encode(s, { add_special_tokens: false }).ids, `seed 11 case ${i}: ${JSON.stringify(s)}`).toEqual(ours.encode(s));
    }
  });

  it("keeps the template and specials", () => {
    const t = BPETokenizer.train([genesis], { vocabSize: 400, specialTokens: ["[CLS]", "[SEP]", "[PAD]"] });
    t.template = parseTemplate("[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1");
    const j = toTokenizerJson(t) as { post_processor: { type: string } };
    expect(j.post_processor.type).toBe("TemplateProcessing");
    const hf2 = new Tokenizer(j, {});
    expect(hf2.encode("And God said").ids).toEqual(t.encodeBatch(["And God said"]).inputIds[0]);
    const l = loadTokenizerJson(JSON.stringify(j)) as BPETokenizer;
    expect(l.encodeBatch([["a b", "c"]]).tokenTypeIds).toEqual(t.encodeBatch([["a b", "c"]]).tokenTypeIds);
  });

  it("character-level BPE saves too (Whitespace pre-tokenizer, Fuse decoder)", () => {
    const t = BPETokenizer.train(["hello world", "world of hello", "hello world of nlp"], { vocabSize: 15, byteLevel: false });
    const hf3 = new Tokenizer(toTokenizerJson(t), {});
    expect(hf3.encode("hello world of", { add_special_tokens: false }).ids).toEqual(t.encode("hello world of"));
  });
});

describe("WordPiece (BERT-style tokenizer.json)", () => {
  const words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "earth", "god", "created", "heaven", "and", "light", "let",
    "there", "be", "was", "un", "##believ", "##able", "##s", "##ing", "say", "##ed", ".", ",", "!", "'", "s", "a", "b", "c", "##a", "##b", "##c", "日", "本"];
  const bert = {
    version: "1.0", truncation: null, padding: null,
    added_tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: { type: "BertProcessing", sep: ["[SEP]", 3], cls: ["[CLS]", 2] },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab: Object.fromEntries(words.map((w, i) => [w, i])) },
  };
  const ours = loadTokenizerJson(JSON.stringify(bert)) as WordPieceTokenizer;
  const hf = new Tokenizer(bert, {});
  const texts = ["The earth was unbelievable!", "Let there be LIGHT, and there was light.", "Héaven saying god's 日本語", "unknownword abc cab", "  ", "[CLS] the [MASK] earth"];

  it("gives Hugging Face's ids, with and without [CLS]/[SEP]", () => {
    expect(ours).toBeInstanceOf(WordPieceTokenizer);
    for (const t of texts) {
      expect(ours.encode(t), JSON.stringify(t)).toEqual(hf.encode(t, { add_special_tokens: false }).ids);
      expect(ours.encodeBatch([t]).inputIds[0]).toEqual(hf.encode(t).ids);
    }
    expect(ours.encodeBatch([["the earth", "god"]]).inputIds[0]).toEqual(hf.encode("the earth", { text_pair: "god" }).ids);
    expect(ours.encodeBatch([["the earth", "god"]]).tokenTypeIds![0]).toEqual([0, 0, 0, 0, 1, 1]);
  });

  it("decodes like the WordPiece decoder", () => {
    const ids = ours.encode("The earth was unbelievable!");
    expect(ours.decode(ids)).toBe(hf.decode(ids));
  });
});

describe("corrupt tokenizer.json", () => {
  const base = () => JSON.parse(saveTokenizerJson(BPETokenizer.train(["ab ab abc"], { vocabSize: 260 })));
  const cases: [string, (j: any) => unknown, RegExp][] = [
    ["not JSON", () => "{oops", /tokenizer.json: expected valid JSON/],
    ["no model", (j) => { delete j.model; return j; }, /tokenizer.json model: expected an object with a type, received undefined/],
    ["unknown model type", (j) => { j.model.type = "Unigram"; return j; }, /model.type: expected "BPE" or "WordPiece", received "Unigram"/],
    ["vocab missing", (j) => { delete j.model.vocab; return j; }, /model.vocab: expected an object of token → id/],
    ["duplicate id", (j) => { j.model.vocab["zz"] = 0; return j; }, /expected an id no other token has, received 0/],
    ["bad id", (j) => { j.model.vocab["Ġ"] = -3; return j; }, /expected a token id, an integer in \[0, 2147483647\] \(ids are int32 in the kernels\), received -3/],
    ["merges not an array", (j) => { j.model.merges = 5; return j; }, /model.merges: expected an array, received 5/],
    ["merge of unknown tokens", (j) => { j.model.merges.push(["q", "z"]); return j; }, /model.merges\[\d+\]: expected tokens whose parts and concatenation/],
    ["bad merge entry", (j) => { j.model.merges.push("nospace"); return j; }, /model.merges\[\d+\]: expected "left right"/],
    ["bad added token", (j) => { j.added_tokens = [{ id: "x" }]; return j; }, /added_tokens\[0\]: expected \{ id, content \}/],
    ["unknown pre-tokenizer", (j) => { j.pre_tokenizer = { type: "Metaspace" }; return j; }, /pre_tokenizer.type: expected ByteLevel, Whitespace, Split or Sequence, received "Metaspace"/],
    ["token outside the byte alphabet", (j) => { j.model.vocab[" space"] = 9999; return j; }, /expected a token in GPT-2's byte-level alphabet/],
    ["array at top level", () => "[]", /tokenizer.json: expected a JSON object/],
  ];
  for (const [name, edit, msg] of cases) {
    it(name, () => {
      try {
        const j = edit(base());
        loadTokenizerJson(typeof j === "string" ? j : JSON.stringify(j));
        throw new Error("no error");
      } catch (e) {
        expect(e).toBeInstanceOf(TesseraError);
        expect((e as TesseraError).code).toBe("E_FORMAT");
        expect((e as Error).message).toMatch(msg);
      }
    });
  }

  it("fuzz: random edits never trap or hang", () => {
    const seed = 99;
    const r = rng(seed);
    const text = saveTokenizerJson(BPETokenizer.train(["ab ab abc hello"], { vocabSize: 262 }));
    for (let i = 0; i < 150; i++) {
      const chars = [...text];
      for (let k = 0; k < 3; k++) chars[Math.floor(r() * chars.length)] = String.fromCharCode(32 + Math.floor(r() * 95));
      try {
        const t = loadTokenizerJson(chars.join(""));
        const s = "hello abc";
        expect(t.decode(t.encode(s)).length).toBeGreaterThanOrEqual(0);
      } catch (e) {
        expect(e, `seed ${seed} case ${i}`).toBeInstanceOf(TesseraError);
      }
    }
  });
});

describe("tokenizer.json leniency that Hugging Face does not have (each was accepted and misbehaved)", () => {
  const base = () => JSON.parse(saveTokenizerJson(BPETokenizer.train(["ab ab abc"], { vocabSize: 260 })));
  const formatError = (j: unknown, msg: RegExp) => {
    try {
      loadTokenizerJson(j as object);
    } catch (e) {
      expect(e, String(e)).toBeInstanceOf(TesseraError);
      expect((e as TesseraError).code).toBe("E_FORMAT");
      expect((e as Error).message).toMatch(msg);
      return;
    }
    throw new Error("loaded");
  };
  const nest = (depth: number, make: (inner: object) => object, leaf: object) => {
    let x = leaf;
    for (let i = 0; i < depth; i++) x = make(x);
    return x;
  };

  it("Sequences nested 3,000 deep are E_FORMAT (were a RangeError)", () => {
    for (const [key, make, leaf] of [
      ["normalizer", (x: object) => ({ type: "Sequence", normalizers: [x] }), { type: "NFC" }],
      ["pre_tokenizer", (x: object) => ({ type: "Sequence", pretokenizers: [x] }), { type: "Whitespace" }],
      ["post_processor", (x: object) => ({ type: "Sequence", processors: [x] }), { type: "ByteLevel" }],
    ] as const) {
      const j = base();
      j[key] = nest(3000, make, leaf);
      formatError(j, new RegExp(`${key}: expected Sequences nested at most 64 deep`));
      j[key] = nest(10, make, leaf);
      loadTokenizerJson(j).dispose();
    }
  });

  it("vocabulary ids 1e8 and 2^31 − 1 load as fast as small ones (1e8 took 3.2 s, 2^31 − 1 never finished); 2^31 and up are E_FORMAT", () => {
    const time = (j: object) => bestCpuMs(() => loadTokenizerJson(j).dispose());
    const j = base();
    const small = time(j);
    for (const id of [1e8, 2 ** 31 - 1]) {
      const big = base();
      big.model.vocab["zz"] = id;
      const tok = loadTokenizerJson(big) as BPETokenizer;
      expect(tok.vocabSize).toBe(id + 1);
      expect(tok.idToToken(id)).toBe("zz");
      tok.dispose();
      expect(time(big)).toBeLessThan(20 * small + 50);
    }
    for (const id of [2 ** 31, 2 ** 32, 2 ** 53, -1, 1.5]) {
      const big = base();
      big.model.vocab["zz"] = id;
      formatError(big, /expected a token id, an integer in \[0, 2147483647\]/);
    }
  });

  it("a merge listed twice keeps its last rank, as Hugging Face and tokenizers.js do", () => {
    const j = {
      version: "1.0", added_tokens: [], normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null,
      model: { type: "BPE", dropout: null, unk_token: null, vocab: { a: 0, b: 1, c: 2, ab: 3, bc: 4 }, merges: ["b c", "a b", "b c"] },
    };
    const ours = loadTokenizerJson(j) as BPETokenizer;
    const ids = ours.encode("abc");
    expect(ids).toEqual(new Tokenizer(j, {}).encode("abc", { add_special_tokens: false }).ids);
    expect(ids).toEqual([3, 2]);
    ours.dispose();
  });

  it("added tokens: negative, non-int32, shared or vocabulary-colliding ids are E_FORMAT", () => {
    const edits: [(j: any) => void, RegExp][] = [
      [(j) => { j.added_tokens = [{ id: -1, content: "<x>" }]; }, /added_tokens\[0\].id: expected a token id/],
      [(j) => { j.added_tokens = [{ id: 2 ** 31, content: "<x>" }]; }, /added_tokens\[0\].id: expected a token id/],
      [(j) => { j.added_tokens = [{ id: 300, content: "<x>" }, { id: 300, content: "<y>" }]; }, /added_tokens\[1\].id: expected an id no other added token has/],
      [(j) => { j.added_tokens = [{ id: 300, content: "<x>" }, { id: 301, content: "<x>" }]; }, /added_tokens\[1\].id: expected the id an earlier added token with the same content has/],
      [(j) => { j.added_tokens = [{ id: 0, content: "<x>" }]; }, /added_tokens\[0\].id: expected an id model.vocab does not give another token/],
    ];
    for (const [edit, msg] of edits) {
      const j = base();
      edit(j);
      formatError(j, msg);
    }
    const j = base();
    j.added_tokens = [{ id: 300, content: "<x>" }, { id: 300, content: "<x>" }];
    loadTokenizerJson(j).dispose(); // the same token twice is harmless
  });

  it("wrong types are E_FORMAT: type_id \"abc\" (was NaN), BertNormalizer lowercase \"no\" (lowercased), max_input_chars_per_word \"abc\"", () => {
    const j = base();
    j.post_processor = { type: "TemplateProcessing", single: [{ Sequence: { id: "A", type_id: "abc" } }], pair: [] };
    formatError(j, /post_processor.single\[0\].Sequence.type_id: expected a non-negative integer type id, received "abc"/);
    const j2 = base();
    j2.post_processor = { type: "TemplateProcessing", single: [{ SpecialToken: { id: "[NOPE]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }], pair: [] };
    formatError(j2, /post_processor: expected special tokens present in the vocabulary, received "\[NOPE\]"/);
    const wp = (edit: (n: any) => void) => {
      const w: any = {
        added_tokens: [], normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
        pre_tokenizer: { type: "BertPreTokenizer" }, post_processor: null,
        model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab: { "[UNK]": 0, a: 1, "##a": 2 } },
      };
      edit(w);
      return w;
    };
    formatError(wp((w) => { w.normalizer.lowercase = "no"; }), /normalizer.lowercase: expected true or false, received "no"/);
    formatError(wp((w) => { w.normalizer.strip_accents = 1; }), /normalizer.strip_accents: expected true, false or null, received 1/);
    formatError(wp((w) => { w.model.max_input_chars_per_word = "abc"; }), /model.max_input_chars_per_word: expected a non-negative integer/);
    formatError(wp((w) => { w.padding = { pad_token: "[PAD]" }; }), /padding.pad_token: expected a token of the vocabulary, received "\[PAD\]"/);
    loadTokenizerJson(wp(() => {})).dispose();
  });
});

describe("WordPiece on long words", () => {
  const vocab: Record<string, number> = { "[UNK]": 0 };
  for (const w of ["a", "b", "ab", "ba", "aba", "##a", "##b", "##ab", "##ba", "##bab", "##abab"]) vocab[w] = Object.keys(vocab).length;
  const make = (maxChars: number) => ({
    added_tokens: [], normalizer: null, pre_tokenizer: { type: "BertPreTokenizer" }, post_processor: null, decoder: null,
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: maxChars, vocab },
  });

  it("a word past max_input_chars_per_word (default 100) is [UNK], as in Hugging Face", () => {
    const tok = loadTokenizerJson(make(100)) as WordPieceTokenizer;
    const hf = new Tokenizer(make(100), {});
    for (const w of ["ab".repeat(50), "ab".repeat(50) + "a", "ba".repeat(20) + "c"]) {
      expect(tok.encode(w), w.length.toString()).toEqual(hf.encode(w, { add_special_tokens: false }).ids);
    }
    expect(tok.encode("ab".repeat(50) + "a")).toEqual([0]);
  });

  it("a 2,000-character word gives Hugging Face's ids, in time linear in its length (was O(n³): 18 s)", () => {
    const tok = loadTokenizerJson(make(1_000_000)) as WordPieceTokenizer;
    const hf = new Tokenizer(make(1_000_000), {});
    const word = (n: number) => "ab".repeat(n / 2);
    expect(tok.encode(word(2000))).toEqual(hf.encode(word(2000), { add_special_tokens: false }).ids);
    const time = (n: number) => bestCpuMs(() => tok.encode(word(n)));
    time(8000);
    expect(time(32_000)).toBeLessThan(12 * time(8000) + 20);
  });
});

describe("added tokens and normalizers as Hugging Face applies them (found by the mutation fuzz)", () => {
  const bpe = (edit: (j: any) => void) => {
    const j = JSON.parse(saveTokenizerJson(BPETokenizer.train([genesis], { vocabSize: 400, specialTokens: ["<mask>", "[CLS]"] })));
    edit(j);
    return j;
  };
  const same = (j: object, texts: string[]) => {
    const ours = loadTokenizerJson(j);
    const hf = new Tokenizer(j, {});
    for (const t of texts) expect(ours.encode(t), JSON.stringify(t)).toEqual(hf.encode(t, { add_special_tokens: false }).ids);
    ours.dispose();
  };

  it("lstrip / rstrip take the whitespace beside the token (RoBERTa's <mask>), single_word skips matches inside words", () => {
    same(bpe((j) => { j.added_tokens[0].lstrip = true; }), ["The earth <mask> was", "a  <mask>  b", "<mask>x"]);
    same(bpe((j) => { j.added_tokens[0].rstrip = true; }), ["The earth <mask> was", "a  <mask>  b"]);
  });

  it("special tokens are found before the normalizer runs ([CLS] with Lowercase)", () => {
    same(bpe((j) => { j.normalizer = { type: "Lowercase" }; }), ["[CLS] And God SAID", "x[CLS]y [cls]"]);
  });

  it("WordPiece: a lone surrogate is U+FFFD, which clean_text removes", () => {
    const w = {
      added_tokens: [], normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: "BertPreTokenizer" }, post_processor: null, decoder: null,
      model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab: { "[UNK]": 0, a: 1, "##b": 2, x: 3 } },
    };
    same(w, ["a\ud800b x", "a\ufeffb \ud800 \0 x", "\udc00"]);
  });

  it("non-boolean flags are E_FORMAT (add_prefix_space 1.5 and lstrip \"true\" were read as false and true)", () => {
    const bad = (j: object, msg: RegExp) => expect(() => loadTokenizerJson(j)).toThrow(msg);
    bad(bpe((j) => { j.pre_tokenizer.add_prefix_space = 1.5; }), /pre_tokenizer \(ByteLevel\).add_prefix_space: expected true or false, received 1.5/);
    bad(bpe((j) => { j.added_tokens[0].lstrip = "true"; }), /added_tokens\[0\].lstrip: expected true or false, received "true"/);
    bad(bpe((j) => { j.model.end_of_word_suffix = "</w>"; }), /model.end_of_word_suffix: expected null or an empty string/);
    bad(bpe((j) => { j.normalizer = { type: "Lowercase" }; j.added_tokens[0].normalized = true; }), /added_tokens\[0\].normalized: expected false when there is a normalizer/);
  });
});

describe("byte-level BPE without a token for some byte", () => {
  const j = (unk: string | null) => ({
    added_tokens: [], normalizer: null, post_processor: null, decoder: { type: "ByteLevel" },
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: { type: "BPE", dropout: null, unk_token: unk, vocab: { "<unk>": 0, a: 1, b: 2, ab: 3 }, merges: ["a b"] },
  });
  it("gives the byte the unk token when there is one, else drops it, as Hugging Face does", () => {
    for (const unk of ["<unk>", null]) {
      const ours = loadTokenizerJson(j(unk));
      const hf = new Tokenizer(j(unk), {});
      for (const t of ["ab a b", "abé", "ba"]) expect(ours.encode(t), `${unk} ${t}`).toEqual(hf.encode(t, { add_special_tokens: false }).ids);
      ours.dispose();
    }
  });
});
