// Token-for-token equality with js-tiktoken (the reference; its rank data builds our tokenizer via
// a .tiktoken round trip) for cl100k_base and o200k_base, decode round trips, special tokens the
// tiktoken way, and a seeded fuzz of random strings (a failure prints the seed and the string).
import { describe, expect, it } from "vitest";
import { Tiktoken } from "js-tiktoken/lite";
import { TesseraError, fromTiktoken, parseTiktokenRanks } from "../../src/index.js";
import { bestCpuMs, jsTiktokenRanks, rng, tesseraEncoding } from "./helpers.js";

const CORPUS = [
  "",
  "hello world",
  "The quick brown fox jumps over the lazy dog. It's 9:41 — isn't it? I'll say we'd've LOVED it!!!",
  "function add(a, b) {\n  return a + b; // sum\n}\n\nconst x = [1, 2, 3].map((v) => v ** 2);\n",
  "def f(x):\n\tif x > 0:\n\t\treturn x\r\n    else:\n        return -x\n",
  "日本語のテキストと中文文本，还有한국어 텍스트。",
  "👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 thumbs, 🇫🇷🇩🇪",
  "e\u0301 a\u0308 n\u0303 Z\u0351\u0352\u0353\u0354alg\u0300o q\u0327",
  " ".repeat(70) + "x" + "\n".repeat(33) + "\t \t\n \n",
  "12345678901234567890 3.14159 1,000,000 0x1F 2024-01-01",
  "\ud800 lone high \udc00 lone low \ud83d end",
  "Ünïcödé CAPS ЁЛКИ Straße İstanbul ΑΒΓ αβγ",
  "https://example.com/path?q=1&r=2#frag user@example.org",
  "    leading spaces then words   and trailing   ",
  "a".repeat(500) + " " + "ab".repeat(300),
  "<|endoftext|> is plain text here only when allowed",
  "مرحبا بالعالم שלום עולם नमस्ते दुनिया",
];

const TEXT_PIECES = ["the", " ", "  ", "\n", "\r\n", "\t", "é", "e\u0301", "日本", "한", "👍", "👨‍👩‍👧", "\ud800", "123", "4567",
  "'s", "'LL", "HeLLo", "ÆØÅ", "//", "...", "!?", "x", "Z", "ß", "\u00a0", "\u2028", "\u0000", "\uffff", "A1b2", "$", "—"];

function randomText(r: () => number): string {
  let s = "";
  const n = Math.floor(r() * 24);
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.6) s += TEXT_PIECES[Math.floor(r() * TEXT_PIECES.length)];
    else if (k < 0.85) s += String.fromCharCode(Math.floor(r() * 0x3000));
    else s += String.fromCodePoint(Math.floor(r() * 0x10ffff));
  }
  return s;
}

for (const name of ["cl100k_base", "o200k_base"] as const) {
  describe(`${name} equals js-tiktoken`, () => {
    const ours = tesseraEncoding(name);
    const ref = new Tiktoken(jsTiktokenRanks[name]);

    it("on the varied corpus, and decode(encode(x)) == x for well-formed x", () => {
      for (const text of CORPUS) {
        const opts = text.startsWith("<|endoftext|>") ? { allowedSpecial: "all" as const } : undefined;
        const ids = ours.encode(text, opts);
        expect(ids, JSON.stringify(text)).toEqual(ref.encode(text, opts ? "all" : [], "all"));
        expect(ours.countTokens(text, opts)).toBe(ids.length);
        expect(ours.decode(ids)).toBe(ref.decode(ids));
        if (!/[\ud800-\udfff]/.test(text.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))) expect(ours.decode(ids)).toBe(text);
      }
    });

    it("on 400 seeded random strings", () => {
      const seed = 20261123;
      const r = rng(seed);
      for (let i = 0; i < 400; i++) {
        const text = randomText(r);
        const ids = ours.encode(text);
        expect(ids, `seed ${seed} case ${i}: ${JSON.stringify(text)}`).toEqual(ref.encode(text));
        expect(ours.decode(ids)).toBe(ref.decode(ids));
      }
    });

    it("special tokens: disallowed by default, allowed on request, plain text when disallowedSpecial is []", () => {
      const text = "a<|endoftext|>b";
      expect(() => ours.encode(text)).toThrow(TesseraError);
      expect(() => ours.encode(text)).toThrow(/text: expected no disallowed special token.*received "<\|endoftext\|>" at index 1/);
      expect(ours.encode(text, { allowedSpecial: ["<|endoftext|>"] })).toEqual(ref.encode(text, ["<|endoftext|>"]));
      expect(ours.encode(text, { allowedSpecial: "all" })).toEqual(ref.encode(text, "all"));
      expect(ours.encode(text, { disallowedSpecial: [] })).toEqual(ref.encode(text, [], []));
      expect(() => ours.encode(text, { allowedSpecial: ["<|nope|>"] })).toThrow(/allowedSpecial: expected special tokens of this tokenizer/);
    });
  });
}

describe("decoding", () => {
  const ours = tesseraEncoding("cl100k_base");
  it("decode is bytes-safe: a split character becomes U+FFFD, decodeBytes keeps the bytes", () => {
    const ids = ours.encode("🙂");
    expect(ids.length).toBeGreaterThan(1);
    expect(ours.decode(ids.slice(0, 1))).toBe("\ufffd");
    expect(Array.from(ours.decodeBytes(ids))).toEqual(Array.from(new TextEncoder().encode("🙂")));
  });
  it("unknown ids and non-arrays are TesseraErrors", () => {
    expect(() => ours.decode([1, 999999999])).toThrow(/ids\[1\]: expected a token id of this vocabulary \(0 to \d+\), received 999999999/);
    expect(() => ours.decode([1.5])).toThrow(TesseraError);
    expect(() => ours.decode(null as unknown as number[])).toThrow(/ids: expected an array of token ids, received null/);
    expect(() => ours.encode(42 as unknown as string)).toThrow(/text: expected a string, received 42/);
  });
});

/** A .tiktoken file with every single byte (ranks 0..255, byte order) plus `extra` lines. */
function byteRanks(extra = "", skip = -1): string {
  const lines: string[] = [];
  for (let b = 0; b < 256; b++) if (b !== skip) lines.push(`${btoa(String.fromCharCode(b))} ${b}`);
  return lines.join("\n") + "\n" + extra;
}

describe(".tiktoken loader rejects corrupt files", () => {
  const bad: [string, RegExp][] = [
    ["QQ== 0\nQg== x\n", /ranks line 2: expected a rank, an integer in \[0, 2147483647\].*received "x"/],
    ["QQ== 0\n!!!! 1\n", /ranks line 2: expected base64 token bytes, received "!!!!"/],
    ["QQ== 0\nQg== 0\n", /ranks line 2: expected each rank once, received rank 0 a second time/],
    [byteRanks("QQ== 300\n"), /ranks: expected each token's bytes once/],
    ["QQ==\n", /ranks line 1: expected "<base64> <rank>"/],
    ["", /ranks: expected at least one/],
    ["QQ== -1\n", /expected a rank, an integer in \[0, 2147483647\]/],
    [byteRanks("QUI= 2147483648\n"), /ranks line 257: expected a rank, an integer in \[0, 2147483647\]/],
    [byteRanks("", 0x20), /ranks: expected a token for every single byte, received none for byte 32 \(0x20\)/],
  ];
  for (const [text, msg] of bad) {
    it(JSON.stringify(text), () => {
      try {
        fromTiktoken(text);
        throw new Error("no error");
      } catch (e) {
        expect(e).toBeInstanceOf(TesseraError);
        expect((e as TesseraError).code).toBe("E_FORMAT");
        expect((e as Error).message).toMatch(msg);
      }
    });
  }
  it("a file without the token for byte 0x20 is refused (it used to load, and \"Hello world\" decoded to \"Helloworld\")", () => {
    expect(() => fromTiktoken(byteRanks("SGVsbG8= 300\n", 0x20))).toThrow(/received none for byte 32 \(0x20\)/);
    const full = fromTiktoken(byteRanks("SGVsbG8= 300\n"));
    expect(full.decode(full.encode("Hello world"))).toBe("Hello world");
    full.dispose();
  });

  it("a rank of 1e8 or 2^31 − 1 costs what a small rank does (it cost 3.2 s, and 2^31 − 1 never finished)", () => {
    const time = (text: string) => bestCpuMs(() => fromTiktoken(text).dispose());
    const small = time(byteRanks("QUI= 300\n"));
    for (const rank of [1e8, 2 ** 31 - 1]) {
      const t = fromTiktoken(byteRanks(`QUI= ${rank}\n`));
      expect(t.vocabSize).toBe(rank + 1);
      expect(t.encode("AB")).toEqual([rank]);
      expect(t.decode([rank])).toBe("AB");
      t.dispose();
      expect(time(byteRanks(`QUI= ${rank}\n`))).toBeLessThan(20 * small + 50);
    }
  });

  it("fuzz: random bytes as a rank file never trap or hang, and a small valid file round-trips", () => {
    const seed = 7;
    const r = rng(seed);
    for (let i = 0; i < 200; i++) {
      const n = Math.floor(r() * 64);
      let s = "";
      for (let k = 0; k < n; k++) s += "QUJD= 0123456789\n\r+/x"[Math.floor(r() * 21)];
      try {
        const t = fromTiktoken(s);
        const ids = t.encode("ABC xyz");
        expect(t.decodeBytes(ids).length).toBeLessThanOrEqual(7);
        t.dispose();
      } catch (e) {
        expect(e, `seed ${seed} case ${i}: ${JSON.stringify(s)}`).toBeInstanceOf(TesseraError);
      }
    }
    const bytes = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
    const t = fromTiktoken(bytes);
    expect(t.decode(t.encode("any text ✓"))).toBe("any text ✓");
    expect(parseTiktokenRanks("QUI= 5\n")[5]).toEqual(Uint8Array.of(65, 66));
  });
});

describe("U+FEFF is text, not a byte-order mark", () => {
  for (const name of ["cl100k_base", "o200k_base"] as const) {
    it(`${name}: ids equal js-tiktoken's, and a leading U+FEFF survives decode`, () => {
      const ours = tesseraEncoding(name);
      const ref = new Tiktoken(jsTiktokenRanks[name]);
      for (const text of ["a\ufeff", "\ufeffabc", "\ufeff", "x \ufeff\ufeff y", "\ufeff\ufeffHello"]) {
        const ids = ours.encode(text);
        expect(ids, JSON.stringify(text)).toEqual(ref.encode(text));
        expect(ours.decode(ids)).toBe(text);
      }
    });
  }
  it("o200k encodes \"a\\uFEFF\" as [64, 5574] (was [64, 135153])", () => {
    expect(tesseraEncoding("o200k_base").encode("a\ufeff")).toEqual([64, 5574]);
  });
});
