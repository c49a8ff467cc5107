// examples/rag.mjs (the notes' RAG retrieval, SPEC §4 item 16) runs against the built package: the
// passage that names the light "Day" (Genesis 1:4-6) ranks first for "What did God call the light?",
// Genesis 2:7's dust of the ground for the second question, and the prompt holds the retrieved text.
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";

const root = new URL("../../", import.meta.url).pathname;

describe.skipIf(!existsSync(`${root}dist/index.js`))("examples/rag.mjs", () => {
  it("retrieves the right passages and builds the prompt", () => {
    const out = execFileSync(process.execPath, ["--experimental-wasm-relaxed-simd", `${root}examples/rag.mjs`], { encoding: "utf8" });
    expect(out).toMatch(/What did God call the light\?\n {2}1\. Genesis 1:4-6/);
    expect(out).toMatch(/dust of the ground\?\n {2}1\. Genesis 2:6-8/);
    expect(out).toContain("[1] (Genesis 1:4-6) And God saw the light");
    expect(out).toContain("Question: What did God call the light?\nAnswer:");
  });
});
