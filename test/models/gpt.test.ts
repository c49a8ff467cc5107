// GPT against a tiny random GPT-2 checkpoint in Hugging Face's format (made by
// test/fixtures/make_gpt2_fixtures.py with GPT2LMHeadModel's math in plain torch 1.13, since
// `transformers` is not installed): the checkpoint loads (Conv1D weights transposed, mask buffers
// skipped, with or without the `transformer.` prefix), logits and the cross-entropy gradient of every
// weight match torch within 1e-4 of each tensor's largest magnitude (float32 both sides; the fused
// attention sums in another order), greedy generation gives torch's tokens, the KV cache changes
// nothing, the Hugging Face export round-trips, and every disagreement between config and weights is
// listed. Bad inputs have stable codes.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { io, models, noGrad, tensor, tidy } from "../../src/index.js";

const dir = new URL("../fixtures/gpt2/", import.meta.url);
const configText = readFileSync(new URL("config.json", dir), "utf8");
const bytes = new Uint8Array(readFileSync(new URL("model.safetensors", dir)));
const fx = JSON.parse(readFileSync(new URL("expected.json", dir), "utf8")) as {
  ids: number[][]; logits: number[]; greedyPrompt: number[]; greedy: number[]; targets: number[][]; loss: number; grads: Record<string, number[]>;
};

function closeRel(got: ArrayLike<number>, want: number[], what: string, rel = 1e-4): void {
  expect(got.length, what).toBe(want.length);
  const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= rel * scale)) throw new Error(`${what}[${i}]: ${got[i]} vs torch ${want[i]} (scale ${scale})`);
  }
}

const ids = () => tensor(fx.ids.flat(), [2, 11], { dtype: "int32" });

function code(f: () => unknown, c: string, msg?: RegExp): void {
  let e: unknown;
  try { f(); } catch (err) { e = err; }
  expect((e as { code?: string })?.code, String(e)).toBe(c);
  if (msg) expect(String((e as Error).message)).toMatch(msg);
}

describe("GPT vs a Hugging Face GPT-2 checkpoint (torch 1.13)", () => {
  it("fromPretrained(dir): config, tied head, logits within 1e-4", async () => {
    const model = await models.GPT.fromPretrained(new URL(".", dir).pathname);
    expect(model.config).toMatchObject({ nLayer: 2, nHead: 4, nEmbd: 32, blockSize: 48, vocabSize: 101, activation: "gelu_new" });
    tidy(() => closeRel(model.forward(ids()).data(), fx.logits, "logits"));
    expect(model.namedParameters().some(([k]) => k.includes("lm_head"))).toBe(false); // tied: one tensor
    model.dispose();
  });

  it("every weight's cross-entropy gradient (ignore index −100) matches torch; the loss too", () => tidy(() => {
    const model = models.GPT.fromHuggingFace(configText, bytes);
    const loss = model.loss(ids(), tensor(fx.targets.flat(), [2, 11], { dtype: "int32" }));
    expect(Math.abs(loss.item() - fx.loss)).toBeLessThan(1e-4 * Math.abs(fx.loss));
    loss.backward();
    for (const [k, p] of model.namedParameters()) {
      const hf = k.replace(/^transformer\./, "");
      const conv = /\.(c_attn|c_proj|c_fc)\.weight$/.test(hf);
      closeRel((conv ? p.grad!.transpose(0, 1) : p.grad!).data(), fx.grads[hf], `grad ${hf}`);
    }
    model.dispose();
  }));

  it("the same weights under `transformer.` names and as loaded tensors; toHuggingFace round-trips", () => tidy(() => {
    const loaded = io.loadSafetensors(bytes).tensors;
    const prefixed = Object.fromEntries(Object.entries(loaded).map(([k, t]) => [`transformer.${k}`, t]));
    const model = models.GPT.fromHuggingFace(JSON.parse(configText), prefixed);
    const want = model.forward(ids()).data();
    closeRel(want, fx.logits, "prefixed logits");
    const { config, weights } = model.toHuggingFace();
    expect(config).toMatchObject({ n_layer: 2, n_head: 4, n_embd: 32, n_positions: 48, vocab_size: 101, activation_function: "gelu_new" });
    const header = io.readSafetensorsHeader(weights).entries;
    expect(header.find((e) => e.name === "h.0.attn.c_attn.weight")?.shape).toEqual([32, 96]); // Conv1D layout again
    const again = models.GPT.fromHuggingFace(config, weights);
    expect(Array.from(again.forward(ids()).data())).toEqual(Array.from(want));
    model.dispose();
    again.dispose();
  }));

  it("greedy generation gives torch's 30 tokens, with the KV cache and without it", () => tidy(() => {
    const model = models.GPT.fromHuggingFace(configText, bytes);
    expect(model.generate(fx.greedyPrompt, { maxNewTokens: 30 })[0]).toEqual(fx.greedy);
    expect(model.generate(fx.greedyPrompt, { maxNewTokens: 30, useCache: false })[0]).toEqual(fx.greedy);
    model.dispose();
  }));

  it("forwardCached: prefill then one token at a time gives the full forward's logits (1e-4)", () => tidy(() => {
    const model = models.GPT.fromHuggingFace(configText, bytes);
    const full = model.forward(ids()).data();
    const cache = model.createCache(2, 20);
    const parts: Float32Array[] = [noGrad(() => model.forwardCached(tensor(fx.ids.map((r) => r.slice(0, 6)).flat(), [2, 6], { dtype: "int32" }), cache)).data() as Float32Array];
    for (let t = 6; t < 11; t++) parts.push(model.forwardCached(tensor(fx.ids.map((r) => r[t]), [2, 1], { dtype: "int32" }), cache).data() as Float32Array);
    expect(cache.length).toBe(11);
    // reassemble [2, 11, V] from [2, 6, V] and five [2, 1, V]
    const V = 101, got = new Float32Array(2 * 11 * V);
    for (let b = 0; b < 2; b++) {
      got.set(parts[0].subarray(b * 6 * V, (b + 1) * 6 * V), b * 11 * V);
      for (let t = 6; t < 11; t++) got.set(parts[t - 5].subarray(b * V, (b + 1) * V), (b * 11 + t) * V);
    }
    closeRel(got, Array.from(full), "cached logits");
    code(() => model.forwardCached(tensor(new Array(20).fill(1), [2, 10], { dtype: "int32" }), cache), "E_SHAPE", /at most 9 more tokens/);
    cache.dispose();
    model.dispose();
  }));

  it("config and weights that disagree: every mismatch listed (E_KEY for names, E_SHAPE for shapes)", () => tidy(() => {
    const cfg = JSON.parse(configText);
    code(() => models.GPT.fromHuggingFace({ ...cfg, n_layer: 3 }, bytes), "E_KEY", /missing tensor\(s\).*h\.2\.ln_1\.weight.*h\.2\.mlp\.c_proj\.bias/s);
    code(() => models.GPT.fromHuggingFace({ ...cfg, n_layer: 1 }, bytes), "E_KEY", /no place for: h\.1\.attn\.c_attn\.bias.*h\.1\.mlp\.c_proj\.weight/);
    let msg = "";
    try { models.GPT.fromHuggingFace({ ...cfg, vocab_size: 100, n_positions: 40 }, bytes); } catch (e) { msg = (e as Error).message; expect((e as { code: string }).code).toBe("E_SHAPE"); }
    expect(msg).toMatch(/wte\.weight: expected shape \[100, 32\].*\[101, 32\]/);
    expect(msg).toMatch(/wpe\.weight: expected shape \[40, 32\]/);
    code(() => models.GPT.fromHuggingFace({ ...cfg, n_embd: undefined }, bytes), "E_KEY", /n_embd/);
    code(() => models.GPT.fromHuggingFace({ ...cfg, activation_function: "relu" }, bytes), "E_VALUE", /activation_function/);
    code(() => models.GPT.fromHuggingFace("{not json", bytes), "E_FORMAT");
  }));

  it("gelu_new matters: the same weights with exact GELU give other logits", () => tidy(() => {
    const model = models.GPT.fromHuggingFace({ ...JSON.parse(configText), activation_function: "gelu" }, bytes);
    const got = model.forward(ids()).data();
    const scale = fx.logits.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(Array.from(got).some((v, i) => Math.abs(v - fx.logits[i]) > 1e-4 * scale)).toBe(true);
    model.dispose();
  }));
});

describe("GPT module", () => {
  const small = { nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 12, vocabSize: 30 };

  it("state-dict names are Hugging Face's; parameter count; weight tying", () => tidy(() => {
    const model = new models.GPT(small);
    const keys = Object.keys(model.stateDict());
    expect(keys.slice(0, 4)).toEqual(["transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias"]);
    expect(keys).toContain("transformer.h.1.mlp.c_proj.bias");
    expect(keys).toContain("transformer.ln_f.weight");
    const C = 16;
    expect(model.numParameters()).toBe(30 * C + 12 * C + 2 * (4 * C + 3 * C * C + 3 * C + C * C + C + 8 * C * C + 4 * C + C) + 2 * C);
    model.dispose();
  }));

  it("bad inputs: sequences past blockSize, float ids, nHead not dividing nEmbd, sampling parameters out of range", () => tidy(() => {
    const model = new models.GPT(small);
    code(() => model.forward(tensor(new Array(13).fill(1), [1, 13], { dtype: "int32" })), "E_SHAPE", /at most blockSize = 12/);
    code(() => model.forward(tensor([1, 2], [1, 2])), "E_DTYPE");
    code(() => model.forward(tensor([1, 2], [2], { dtype: "int32" })), "E_SHAPE", /\[batch, seq\]/);
    code(() => new models.GPT({ ...small, nHead: 3 }), "E_VALUE", /divisor of nEmbd 16/);
    code(() => model.generate([1, 2], { topP: 0 }), "E_RANGE", /topP/);
    code(() => model.generate([1, 2], { topP: 1.5 }), "E_RANGE", /topP/);
    code(() => model.generate([1, 2], { temperature: -1 }), "E_RANGE", /temperature/);
    code(() => model.generate([1, 2], { topK: -1 }), "E_RANGE", /topK/);
    code(() => model.generate([1, 2], { minP: 2 }), "E_RANGE", /minP/);
    code(() => model.generate([1, 2], { repetitionPenalty: 0 }), "E_RANGE", /repetitionPenalty/);
    code(() => model.generate([1, 99]), "E_RANGE", /ids\[0\]\[1\]/);
    code(() => model.generate(new Array(13).fill(1)), "E_SHAPE", /blockSize = 12/);
    code(() => model.generate([[1, 2], [3]]), "E_SHAPE", /one length/);
    code(() => model.generate([]), "E_VALUE");
    model.dispose();
  }));

  it("generation stops at maxNewTokens and after a stop token; stream yields what generate returns", async () => {
    const model = new models.GPT(small);
    const out = model.generate([1, 2, 3], { maxNewTokens: 7, doSample: true, seed: 4 })[0];
    expect(out.length).toBe(7);
    const stop = out[2];
    const stopped = model.generate([1, 2, 3], { maxNewTokens: 7, doSample: true, seed: 4, stopTokens: [stop] })[0];
    expect(stopped).toEqual(out.slice(0, out.indexOf(stop) + 1));
    const streamed: number[] = [];
    for await (const { token } of model.stream([1, 2, 3], { maxNewTokens: 7, doSample: true, seed: 4 })) streamed.push(token);
    expect(streamed).toEqual(out);
    expect(model.generate([1, 2, 3], { maxNewTokens: 0 })).toEqual([[]]);
    // batch: each row stops on its own; past blockSize the context slides (cache and no cache agree)
    const batch = model.generate([[1, 2, 3], [4, 5, 6]], { maxNewTokens: 15 });
    expect(batch.map((r) => r.length)).toEqual([15, 15]);
    expect(model.generate([[1, 2, 3], [4, 5, 6]], { maxNewTokens: 15, useCache: false })).toEqual(batch);
    model.dispose();
  });

  it("trains: the loss of a repeated pattern falls (AdamW-free check with plain SGD)", () => {
    const model = new models.GPT({ ...small, vocabSize: 8 }, {});
    const x = tensor([[0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3]], undefined, { dtype: "int32" });
    const y = tensor([[1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4]], undefined, { dtype: "int32" });
    const losses: number[] = [];
    for (let step = 0; step < 60; step++) {
      losses.push(tidy(() => {
        const loss = model.loss(x, y);
        loss.backward();
        noGrad(() => {
          for (const p of model.parameters()) {
            p.copy_(p.sub(p.grad!.mul(0.5)));
            p.zeroGrad();
          }
        });
        return loss.item();
      }));
    }
    expect(losses[59]).toBeLessThan(losses[0] * 0.3);
    model.dispose();
    x.dispose();
    y.dispose();
  });
});

