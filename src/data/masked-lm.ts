// Masked-language-model batches as Hugging Face's DataCollatorForLanguageModeling makes them (BERT's
// recipe): each batch draws afresh which tokens to predict — each non-special token with probability
// mlmProbability (default 0.15) — and of those replaces 80 % by the mask token, 10 % by a random
// token and keeps 10 %; labels hold the original id at chosen positions and −100 elsewhere (what
// crossEntropy ignores). Sequences are padded as paddingCollator does.
import { TesseraError, checkInt, checkNumber, fail } from "../errors.js";
import { tensor } from "../tensor/creation.js";
import { tidy } from "../tensor/scope.js";
import { Generator, defaultGenerator } from "../tensor/random.js";
import { padSequences, type PaddedBatch } from "./padding.js";

export interface MaskedLMOptions {
  /** Id of the mask token ([MASK]). */
  maskId: number;
  /** Random replacements are drawn from [0, vocabSize). */
  vocabSize: number;
  /** Ids never chosen ([CLS], [SEP], [PAD] …). */
  specialIds?: readonly number[];
  /** Chance of each token to be predicted (default 0.15). */
  mlmProbability?: number;
  /** Padding id of ids (default 0). */
  padId?: number;
  /** Draws of the masking (default: the global generator, see manualSeed). */
  generator?: Generator;
}

/** Masked copies of id sequences and their labels (−100 where nothing is predicted). */
export function maskTokens(sequences: readonly (readonly number[])[], options: MaskedLMOptions): { ids: number[][]; labels: number[][] } {
  const fn = "maskTokens";
  if (options === null || typeof options !== "object") fail("E_TYPE", `${fn}: options`, "an object { maskId, vocabSize }", options);
  const vocabSize = checkInt(`${fn}: options.vocabSize`, options.vocabSize, 1);
  const maskId = checkInt(`${fn}: options.maskId`, options.maskId, 0, vocabSize - 1);
  const p = checkNumber(`${fn}: options.mlmProbability`, options.mlmProbability ?? 0.15, 0, 1);
  const special = new Set(options.specialIds ?? []);
  const g = options.generator ?? defaultGenerator;
  if (!(g instanceof Generator)) fail("E_TYPE", `${fn}: options.generator`, "a Generator", g);
  if (!Array.isArray(sequences)) fail("E_TYPE", `${fn}: sequences`, "an array of id sequences", sequences);
  const ids: number[][] = [], labels: number[][] = [];
  sequences.forEach((seq, i) => {
    if (!Array.isArray(seq)) fail("E_TYPE", `${fn}: sequences[${i}]`, "an array of token ids", seq);
    const out = seq.slice(), lab = new Array<number>(seq.length).fill(-100);
    seq.forEach((id, j) => {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new TesseraError("E_RANGE", `${fn}: sequences[${i}][${j}]: expected a token id in [0, ${vocabSize}), received ${id}`);
      if (special.has(id) || g.random() >= p) return;
      lab[j] = id;
      const r = g.random();
      if (r < 0.8) out[j] = maskId;
      else if (r < 0.9) out[j] = g.int(vocabSize);
    });
    ids.push(out);
    labels.push(lab);
  });
  return { ids, labels };
}

/**
 * A DataLoader collate function for masked-LM pretraining: samples are id sequences; the batch is
 * { ids, attentionMask, lengths, labels } (int32, padded; labels −100 at padding and unchosen tokens).
 */
export function maskedLMCollator(options: MaskedLMOptions): (samples: readonly (readonly number[])[]) => PaddedBatch & { labels: ReturnType<typeof tensor> } {
  maskTokens([], options); // checks the options once
  const padId = options.padId ?? 0;
  return (samples) => {
    const { ids, labels } = maskTokens(samples, options);
    return tidy(() => {
      const padded = padSequences(ids, { padId });
      const width = padded.ids.shape[1];
      const flat = new Int32Array(ids.length * width).fill(-100);
      labels.forEach((row, i) => flat.set(row, i * width));
      return { ...padded, labels: tensor(flat, [ids.length, width], { dtype: "int32" }) };
    });
  };
}
