// encodeBatch: padding, truncation, attention masks, token type ids, offsets and pair templates,
// against hand-written expectations (the Hugging Face conventions: mask 1 = token, 0 = padding;
// [CLS] A [SEP] B [SEP] with type ids 0…0 1…1). Offsets are checked by slicing the text.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { BPETokenizer, TesseraError, parseTemplate } from "../../src/index.js";
import { tesseraEncoding } from "./helpers.js";

const genesis = readFileSync(new URL("../fixtures/tokenizers/genesis-1-3.txt", import.meta.url), "utf8");
const tok = BPETokenizer.train([genesis], { vocabSize: 600, specialTokens: ["[PAD]", "[CLS]", "[SEP]"] });
tok.template = parseTemplate("[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1");
tok.padToken = "[PAD]";
const [PAD, CLS, SEP] = [0, 1, 2];

describe("encodeBatch", () => {
  it("pads to the longest with masks, adds [CLS]/[SEP]", () => {
    const b = tok.encodeBatch(["And God said", "Let there be light and there was light"], { padding: "longest" });
    const a0 = tok.encode("And God said"), a1 = tok.encode("Let there be light and there was light");
    expect(b.inputIds[1]).toEqual([CLS, ...a1, SEP]);
    expect(b.inputIds[0]).toEqual([CLS, ...a0, SEP, ...new Array(a1.length - a0.length).fill(PAD)]);
    expect(b.attentionMask![0]).toEqual([...new Array(a0.length + 2).fill(1), ...new Array(a1.length - a0.length).fill(0)]);
    expect(b.inputIds[0].length).toBe(b.inputIds[1].length);
  });

  it("max_length padding on the left, truncation keeps the specials", () => {
    const b = tok.encodeBatch(["And God said"], { padding: "max_length", maxLength: 12, paddingSide: "left" });
    expect(b.inputIds[0].length).toBe(12);
    expect(b.inputIds[0].slice(-1)).toEqual([SEP]);
    expect(b.attentionMask![0][0]).toBe(0);
    const t = tok.encodeBatch([genesis.slice(0, 400)], { truncation: true, maxLength: 8 });
    expect(t.inputIds[0].length).toBe(8);
    expect(t.inputIds[0][0]).toBe(CLS);
    expect(t.inputIds[0][7]).toBe(SEP);
  });

  it("pairs: [CLS] A [SEP] B [SEP], type ids, longest_first truncation", () => {
    const a = tok.encode("the earth"), bb = tok.encode("the heaven and the earth");
    const b = tok.encodeBatch([["the earth", "the heaven and the earth"]]);
    expect(b.inputIds[0]).toEqual([CLS, ...a, SEP, ...bb, SEP]);
    expect(b.tokenTypeIds![0]).toEqual([0, ...a.map(() => 0), 0, ...bb.map(() => 1), 1]);
    const t = tok.encodeBatch([["the earth", "the heaven and the earth"]], { truncation: "longest_first", maxLength: 3 + 4 });
    expect(t.inputIds[0].length).toBe(7);
    expect(t.inputIds[0].slice(0, 1 + Math.min(a.length, 2))).toEqual([CLS, ...a.slice(0, Math.min(a.length, 2))]);
  });

  it("offsets slice back to each token's text (cl100k, multibyte text)", () => {
    const enc = tesseraEncoding("cl100k_base");
    const text = "Hello naïve 日本語 🙂 world";
    const b = enc.encodeBatch([text], { returnOffsets: true });
    const ids = b.inputIds[0];
    const offs = b.offsetMapping![0];
    expect(ids).toEqual(enc.encode(text));
    let joined = "";
    let last = 0;
    for (const [s, e] of offs) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(e).toBeLessThanOrEqual(text.length);
      if (s >= last) joined += text.slice(s, e);
      last = Math.max(last, e);
    }
    expect(joined).toBe(text);
    expect(text.slice(...offs[0])).toBe("Hello");
  });

  it("countTokens equals the encode length", () => {
    expect(tok.countTokens(genesis)).toBe(tok.encode(genesis).length);
  });

  it("bad options are TesseraErrors naming the option", () => {
    expect(() => tok.encodeBatch(["a"], { padding: "max_length" })).toThrow(/options.maxLength: expected a positive integer when padding is "max_length"/);
    expect(() => tok.encodeBatch(["a"], { truncation: true, maxLength: 0 })).toThrow(/options.maxLength: expected an integer >= 1, received 0/);
    expect(() => tok.encodeBatch(["a", 3 as unknown as string])).toThrow(/inputs\[1\]: expected a string or a \[text, textPair\] pair of strings, received 3/);
    expect(() => tok.encodeBatch("a" as unknown as string[])).toThrow(TesseraError);
    expect(() => tok.encodeBatch(["a"], { padding: "sideways" as "longest" })).toThrow(/options.padding/);
    const noPad = BPETokenizer.train([genesis], { vocabSize: 300 });
    expect(() => noPad.encodeBatch(["a", "a b c"], { padding: true })).toThrow(/options.padId: expected a pad token id/);
  });

  it("padding to maxLength 2^32 is E_RANGE before any array is made (it ended the process with a fatal heap error)", () => {
    const expectRange = (f: () => unknown, msg: RegExp) => {
      try { f(); } catch (e) {
        expect(e).toBeInstanceOf(TesseraError);
        expect((e as TesseraError).code).toBe("E_RANGE");
        expect((e as Error).message).toMatch(msg);
        return;
      }
      throw new Error("expected E_RANGE");
    };
    expectRange(() => tok.encodeBatch(["a"], { padding: "max_length", maxLength: 2 ** 32 }), /options.maxLength: expected an integer in \[1, 16777216\], received 4294967296/);
    expectRange(() => tok.encodeBatch(new Array(300).fill("a"), { padding: "max_length", maxLength: 2 ** 16 }), /expected a padded batch of at most 16777216 tokens, received 300 rows of 65536/);
    // Truncation alone makes no arrays of maxLength: a huge bound ("no limit", as in HF's model_max_length) is fine.
    expect(tok.encodeBatch(["a b"], { truncation: true, maxLength: 1e30 }).inputIds[0]).toEqual(tok.encodeBatch(["a b"]).inputIds[0]);
  });

  it("a padId that is not an id of the vocabulary is refused (it was emitted as given)", () => {
    for (const [padId, code] of [[-1, "E_RANGE"], [1.5, "E_RANGE"], [10 ** 9, "E_TOKEN"], ["0", "E_TYPE"]] as const) {
      try {
        tok.encodeBatch(["a", "a b c"], { padding: true, padId: padId as number });
        throw new Error(`padId ${padId} accepted`);
      } catch (e) {
        expect(e).toBeInstanceOf(TesseraError);
        expect((e as TesseraError).code).toBe(code);
        expect((e as Error).message).toMatch(/options.padId/);
      }
    }
    expect(tok.encodeBatch(["a", "a b c"], { padding: true, padId: CLS }).inputIds[0]).toContain(CLS);
  });
});
