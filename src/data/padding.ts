// Padding variable-length id sequences into a batch, as Hugging Face's DataCollatorWithPadding and
// tokenizer.pad do: ids [B, L] filled with padId, attentionMask [B, L] (1 = token, 0 = padding),
// lengths [B] — all int32 — with L the longest sequence (or maxLength with padding "maxLength"),
// rounded up to padToMultipleOf; padding on the right (default) or left; sequences longer than
// maxLength truncated from the right (default) or left.
import { TesseraError, checkInt, fail } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { tidy } from "../tensor/scope.js";
import { defaultCollate } from "./collate.js";

export interface PaddingOptions {
  /** Id written into padded positions (default 0). */
  padId?: number;
  /** Where padding goes: "right" (default) or "left" (decoder-only generation). */
  paddingSide?: "right" | "left";
  /** "longest" (default): pad to the longest sequence in the batch; "maxLength": always to maxLength. */
  padding?: "longest" | "maxLength";
  /** Truncate longer sequences to this many ids (and the padded length for padding "maxLength"). */
  maxLength?: number;
  /** Which end truncation removes ids from: "right" (default, keeps the beginning) or "left". */
  truncationSide?: "right" | "left";
  /** Round the padded length up to a multiple of this (e.g. 8 for tensor cores). */
  padToMultipleOf?: number;
}

export type PaddedBatch = {
  ids: Tensor;
  attentionMask: Tensor;
  lengths: Tensor;
};

type Sequence = readonly number[] | Int32Array | Uint16Array | Uint32Array | Uint8Array;

interface Resolved {
  padId: number;
  left: boolean;
  toMax: boolean;
  maxLength: number | undefined;
  truncateLeft: boolean;
  multiple: number;
}

function resolve(fn: string, o: unknown): Resolved {
  if (o === undefined) o = {};
  if (o === null || typeof o !== "object") fail("E_TYPE", `${fn}: options`, "an object", o);
  const { padId = 0, paddingSide = "right", padding = "longest", maxLength, truncationSide = "right", padToMultipleOf = 1 } = o as PaddingOptions;
  checkInt(`${fn}: options.padId`, padId, -(2 ** 31), 2 ** 31 - 1);
  if (paddingSide !== "right" && paddingSide !== "left") fail("E_VALUE", `${fn}: options.paddingSide`, '"right" or "left"', paddingSide);
  if (truncationSide !== "right" && truncationSide !== "left") fail("E_VALUE", `${fn}: options.truncationSide`, '"right" or "left"', truncationSide);
  if (padding !== "longest" && padding !== "maxLength") fail("E_VALUE", `${fn}: options.padding`, '"longest" or "maxLength"', padding);
  if (maxLength !== undefined) checkInt(`${fn}: options.maxLength`, maxLength, 1);
  if (padding === "maxLength" && maxLength === undefined) fail("E_VALUE", `${fn}: options.maxLength`, 'a length when padding is "maxLength"', maxLength);
  checkInt(`${fn}: options.padToMultipleOf`, padToMultipleOf, 1);
  return { padId, left: paddingSide === "left", toMax: padding === "maxLength", maxLength, truncateLeft: truncationSide === "left", multiple: padToMultipleOf };
}

function checkSequence(fn: string, i: number, s: unknown): Sequence {
  const ok = Array.isArray(s) || s instanceof Int32Array || s instanceof Uint16Array || s instanceof Uint32Array || s instanceof Uint8Array;
  if (!ok) fail("E_TYPE", `${fn}: sequences[${i}]`, "an array of token ids", s);
  const seq = s as Sequence;
  for (let j = 0; j < seq.length; j++) {
    const v = seq[j];
    if (typeof v !== "number" || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
      fail(typeof v === "number" ? "E_VALUE" : "E_TYPE", `${fn}: sequences[${i}][${j}]`, "an int32 token id", v);
    }
  }
  return seq;
}

function pad(fn: string, sequences: readonly unknown[], o: Resolved): PaddedBatch {
  if (!Array.isArray(sequences)) fail("E_TYPE", `${fn}: sequences`, "an array of id sequences", sequences);
  if (sequences.length === 0) throw new TesseraError("E_VALUE", `${fn}: sequences: expected at least one sequence, received an empty array`);
  const seqs = sequences.map((s, i) => {
    const seq = checkSequence(fn, i, s);
    if (o.maxLength === undefined || seq.length <= o.maxLength) return seq;
    return o.truncateLeft ? seq.slice(seq.length - o.maxLength) : seq.slice(0, o.maxLength);
  });
  let width = o.toMax ? o.maxLength! : seqs.reduce((m, s) => Math.max(m, s.length), 0);
  width = Math.ceil(width / o.multiple) * o.multiple;
  const b = seqs.length;
  const ids = new Int32Array(b * width).fill(o.padId);
  const mask = new Int32Array(b * width);
  const lengths = new Int32Array(b);
  seqs.forEach((s, i) => {
    const start = i * width + (o.left ? width - s.length : 0);
    ids.set(s, start);
    mask.fill(1, start, start + s.length);
    lengths[i] = s.length;
  });
  return tidy(() => ({
    ids: tensor(ids, [b, width], { dtype: "int32" }),
    attentionMask: tensor(mask, [b, width], { dtype: "int32" }),
    lengths: tensor(lengths, [b], { dtype: "int32" }),
  }));
}

/** Pads id sequences into { ids, attentionMask, lengths } (int32 tensors, see the file comment). */
export function padSequences(sequences: readonly Sequence[], options?: PaddingOptions): PaddedBatch {
  return pad("padSequences", sequences, resolve("padSequences", options));
}

/**
 * A collate function for DataLoader (DataCollatorWithPadding): samples are id sequences, or objects
 * with `ids` (or `inputIds`) plus other fields; the batch is { ids, attentionMask, lengths } plus
 * the other fields collated by defaultCollate ("label" renamed "labels", as Hugging Face does).
 */
export function paddingCollator(options?: PaddingOptions): (samples: readonly unknown[]) => PaddedBatch & Record<string, unknown> {
  const o = resolve("paddingCollator", options);
  return (samples) => {
    if (!Array.isArray(samples) || samples.length === 0) fail("E_VALUE", "paddingCollator: batch", "a non-empty array of samples", samples);
    const first = samples[0];
    if (Array.isArray(first) || ArrayBuffer.isView(first)) return pad("paddingCollator", samples, o);
    if (first === null || typeof first !== "object") fail("E_TYPE", "paddingCollator: batch[0]", "an id sequence or an object with ids", first);
    const key = "ids" in first ? "ids" : "inputIds" in first ? "inputIds" : null;
    if (key === null) throw new TesseraError("E_KEY", `paddingCollator: batch[0]: expected an object with "ids" (or "inputIds"), received one with keys ${Object.keys(first).join(", ") || "(none)"}`);
    const rest = samples.map((s, i) => {
      if (s === null || typeof s !== "object" || !(key in s)) fail("E_TYPE", `paddingCollator: batch[${i}]`, `an object with "${key}" like batch[0]`, s);
      const { [key]: _ids, ...others } = s as Record<string, unknown>;
      if ("label" in others && !("labels" in others)) {
        others.labels = others.label;
        delete others.label;
      }
      return others;
    });
    return tidy(() => {
      const padded = pad("paddingCollator", samples.map((s) => (s as Record<string, unknown>)[key]), o);
      const extra = Object.keys(rest[0]).length > 0 ? (defaultCollate(rest) as Record<string, unknown>) : {};
      return { ...extra, ...padded };
    });
  };
}

