// `tessera-ml gpt train|sample`: a small GPT trained from scratch on text files (as
// examples/tiny-gpt.mjs: byte-level BPE trained on the text, causal-LM windows, AdamW without decay on
// 1-D weights, warmup then cosine decay, clipping at 1.0), saved as a folder pipeline() reads
// (config.json + model.safetensors in Hugging Face's GPT-2 layout, tokenizer.json); and sampling
// from such a folder (or any GPT-2 checkpoint with a tokenizer.json).
import { GPT } from "../../models/gpt.js";
import { CausalLMDataset } from "../../data/causal-lm.js";
import { DataLoader } from "../../data/loader.js";
import { AdamW } from "../../optim/adam.js";
import { getCosineScheduleWithWarmup } from "../../optim/lr-scheduler.js";
import { crossEntropy } from "../../tensor/loss.js";
import { Generator } from "../../tensor/random.js";
import { fit } from "../../train/fit.js";
import { BPETokenizer } from "../../tokenizers/bpe-tokenizer.js";
import { saveTokenizerJson } from "../../tokenizers/tokenizer-json-save.js";
import { pipeline } from "../../pipelines/pipeline.js";
import { mkdir } from "node:fs/promises";
import { numberOption, stringOption } from "../args.js";
import { UsageError, type Command } from "../command.js";
import { inputTexts, writeFile } from "../io.js";

const EOT = "<|endoftext|>";

const train: Command = {
  name: "train",
  summary: "train a small GPT and its BPE tokenizer on text files (or stdin); save a model folder",
  usage: "[files…] --out <folder> [--layers 2] [--heads 2] [--embd 48] [--block-size 32] [--vocab-size 384] [--epochs 1] [--steps n]",
  options: [
    { name: "out", short: "o", type: "string", description: "folder to write config.json, model.safetensors and tokenizer.json to (required)" },
    { name: "layers", type: "number", description: "transformer blocks", default: 2 },
    { name: "heads", type: "number", description: "attention heads (a divisor of --embd)", default: 2 },
    { name: "embd", type: "number", description: "embedding width", default: 48 },
    { name: "block-size", type: "number", description: "context length in tokens", default: 32 },
    { name: "vocab-size", type: "number", description: "BPE vocabulary: 256 bytes + merges + <|endoftext|>", default: 384 },
    { name: "batch-size", type: "number", description: "windows per optimizer step", default: 16 },
    { name: "epochs", short: "e", type: "number", description: "passes over the text", default: 1 },
    { name: "steps", type: "number", description: "stop after this many optimizer steps (default: all epochs)" },
    { name: "lr", type: "number", description: "peak learning rate (5 % warmup, then cosine decay)", default: 3e-3 },
    { name: "seed", type: "number", description: "seed of the initialisation and the batch order", default: 0 },
    { name: "json", type: "boolean", description: "print a JSON summary on stdout" },
  ],
  details: "Files are joined with <|endoftext|> between them. Sample with `tessera-ml gpt sample <folder> --prompt …`.",
  async run(args, io) {
    const out = stringOption(args, "out");
    if (out === undefined) throw new UsageError("--out: expected a folder to save the model in, received none");
    const nLayer = numberOption(args, "layers", 1, true)!, nHead = numberOption(args, "heads", 1, true)!, nEmbd = numberOption(args, "embd", 1, true)!;
    if (nEmbd % nHead !== 0) throw new UsageError(`--heads: expected a divisor of --embd ${nEmbd}, received ${nHead}`);
    const blockSize = numberOption(args, "block-size", 1, true)!, vocabSize = numberOption(args, "vocab-size", 257, true)!;
    const batchSize = numberOption(args, "batch-size", 1, true)!, epochs = numberOption(args, "epochs", 1, true)!;
    const maxSteps = numberOption(args, "steps", 1, true), lr = numberOption(args, "lr", 0)!, seed = numberOption(args, "seed", 0, true)!;

    const texts = await inputTexts(args.positional, io, "training text");
    const tokenizer = BPETokenizer.train(texts, { vocabSize, specialTokens: [EOT] });
    const eot = tokenizer.tokenToId(EOT)!;
    const ids = texts.flatMap((t, i) => (i === 0 ? tokenizer.encode(t) : [eot, ...tokenizer.encode(t)]));
    if (ids.length <= blockSize) throw new UsageError(`--block-size: expected fewer than the ${ids.length} tokens of the text, received ${blockSize}`);
    try {
      await mkdir(out, { recursive: true }); // before training: a bad --out fails before the model trains, not after
    } catch (e) {
      throw new UsageError(`--out: cannot create the folder ${out}: ${(e as Error).message.split("\n")[0]}`);
    }
    const model = new GPT({ nLayer, nHead, nEmbd, blockSize, vocabSize: tokenizer.vocabSize }, { generator: new Generator(seed) });
    const loader = new DataLoader(new CausalLMDataset(ids, blockSize), { batchSize, shuffle: true, seed });
    const named = model.namedParameters();
    const optimizer = new AdamW([
      { params: named.filter(([, p]) => p.ndim >= 2).map(([, p]) => p), weightDecay: 0.1 },
      { params: named.filter(([, p]) => p.ndim < 2).map(([, p]) => p), weightDecay: 0 },
    ], { lr, betas: [0.9, 0.95] });
    const totalSteps = Math.min(maxSteps ?? Infinity, loader.length * epochs);
    const scheduler = getCosineScheduleWithWarmup(optimizer, Math.max(1, Math.round(0.05 * totalSteps)), totalSteps);
    const losses: number[] = [];
    const t0 = performance.now();
    await fit(model, loader, {
      epochs, optimizer, scheduler, schedulerInterval: "step", clipNorm: 1.0, progress: io.stderrIsTTY,
      lossFn: (logits, targets) => crossEntropy(logits, targets),
      onStep: (s) => {
        losses.push(s.loss);
        return s.step < totalSteps;
      },
    });
    const seconds = (performance.now() - t0) / 1000;

    const { config, weights } = model.toHuggingFace();
    writeFile(`${out}/config.json`, JSON.stringify(config, null, 2) + "\n");
    writeFile(`${out}/model.safetensors`, weights);
    writeFile(`${out}/tokenizer.json`, saveTokenizerJson(tokenizer));
    const last = losses.slice(-Math.min(10, losses.length));
    const summary = {
      parameters: model.numParameters(), tokens: ids.length, vocabSize: tokenizer.vocabSize, steps: losses.length,
      firstLoss: losses[0]!, finalLoss: last.reduce((a, b) => a + b, 0) / last.length, seconds, out,
    };
    model.dispose();
    if (args.options.json) io.stdout(JSON.stringify(summary) + "\n");
    io.stderr(`trained a GPT of ${summary.parameters} parameters on ${summary.tokens} tokens: ${summary.steps} steps in ${seconds.toFixed(1)} s, ` +
      `loss ${summary.firstLoss.toFixed(3)} → ${summary.finalLoss.toFixed(3)} → ${out}\n`);
  },
};

const sample: Command = {
  name: "sample",
  summary: "continue a prompt with a GPT model folder (config.json, model.safetensors, tokenizer.json)",
  usage: "<folder> --prompt <text> [--max-new-tokens 50] [--temperature 1] [--top-k 0] [--top-p 1] [--seed 0]",
  options: [
    { name: "prompt", short: "p", type: "string", description: "text to continue (default: standard input)" },
    { name: "max-new-tokens", short: "n", type: "number", description: "tokens to add at most", default: 50 },
    { name: "temperature", short: "t", type: "number", description: "sampling temperature; 0 picks the most likely token", default: 1 },
    { name: "top-k", type: "number", description: "sample among the k most likely tokens (0: all)", default: 0 },
    { name: "top-p", type: "number", description: "sample among the most likely tokens holding this probability", default: 1 },
    { name: "seed", type: "number", description: "seed of the sampling", default: 0 },
    { name: "json", type: "boolean", description: "print [{ generated_text }] as JSON" },
  ],
  async run(args, io) {
    if (args.positional.length !== 1) throw new UsageError(`expected one model folder, received ${args.positional.length === 0 ? "none" : args.positional.join(" ")}`);
    const temperature = numberOption(args, "temperature", 0)!;
    const topP = numberOption(args, "top-p", 0)!;
    if (topP === 0 || topP > 1) throw new UsageError(`--top-p: expected a number in (0, 1], received ${topP}`);
    const options = {
      maxNewTokens: numberOption(args, "max-new-tokens", 1, true)!, doSample: temperature > 0, temperature,
      topK: numberOption(args, "top-k", 0, true)!, topP, seed: numberOption(args, "seed", 0, true)!,
    };
    const prompt = stringOption(args, "prompt") ?? (await inputTexts([], io, "a prompt (--prompt)"))[0]!.replace(/\r?\n$/, "");
    if (prompt === "") throw new UsageError("--prompt: expected text to continue, received none");
    const generate = await pipeline("text-generation", { model: args.positional[0]! });
    const out = await generate(prompt, options);
    io.stdout(args.options.json ? JSON.stringify(out) + "\n" : out[0]!.generated_text + "\n");
    generate.model.dispose();
  },
};

const command: Command = {
  name: "gpt",
  summary: "train a small GPT on text files and sample from it",
  usage: "<train|sample> [options]",
  options: [],
  subcommands: [train, sample],
  details: "Examples:\n  tessera-ml gpt train corpus.txt -o tiny-gpt --epochs 4\n  tessera-ml gpt sample tiny-gpt --prompt \"And God said\" -n 40 --top-k 40",
};

export default command;
