// What the translators (Seq2Seq, TransformerTranslator) share: token-id batches checked and read to
// the host, and the options of their decoding loops.
import { TesseraError, checkInt, fail } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkInt32, checkTensor } from "../tensor/check.js";
import { fmt } from "../tensor/shape.js";

export interface DecodeOptions {
  /** The decoder's first input (<S>). */
  bos: number;
  /** Generation stops at this id (<E>); it is not included in the result. */
  eos: number;
  /** Most tokens generated per row, eos included (default 50). */
  maxLength?: number;
}

/** bos, eos in [0, vocab) and maxLength ≥ 1 (default 50). */
export function checkDecodeOptions(fn: string, o: unknown, vocab: number): Required<DecodeOptions> {
  if (o === null || typeof o !== "object") fail("E_TYPE", `${fn}: options`, "an object { bos, eos, maxLength }", o);
  const d = o as DecodeOptions;
  return {
    bos: checkInt(`${fn}: options.bos`, d.bos, 0, vocab - 1),
    eos: checkInt(`${fn}: options.eos`, d.eos, 0, vocab - 1),
    maxLength: checkInt(`${fn}: options.maxLength`, d.maxLength ?? 50, 1),
  };
}

/** int32 [B, S] ids in [0, vocab), read to the host. */
export function tokenIdRows(fn: string, arg: string, x: unknown, vocab: number): { t: Tensor; rows: number[][] } {
  const t = checkInt32(`${fn}: ${arg}`, checkTensor(`${fn}: ${arg}`, x), "an int32 tensor of token ids");
  if (t.ndim !== 2 || t.shape[1] === 0) throw new TesseraError("E_SHAPE", `${fn}: ${arg}: expected [batch, seq] with seq ≥ 1, received ${fmt(t.shape)}`);
  const data = t.data();
  const bad = data.findIndex((v) => v < 0 || v >= vocab);
  if (bad >= 0) throw new TesseraError("E_RANGE", `${fn}: ${arg}[${Math.floor(bad / t.shape[1])}, ${bad % t.shape[1]}]: expected a token id in [0, ${vocab - 1}], received ${data[bad]}`);
  const rows = Array.from({ length: t.shape[0] }, (_, b) => Array.from(data.subarray(b * t.shape[1], (b + 1) * t.shape[1])));
  return { t, rows };
}


/** E_VALUE when a row holds nothing but `pad` (attention would have no key to look at). */
export function checkNotAllPadding(fn: string, arg: string, rows: number[][], pad: number): void {
  const b = rows.findIndex((r) => r.every((v) => v === pad));
  if (b >= 0) throw new TesseraError("E_VALUE", `${fn}: ${arg}[${b}]: expected at least one token that is not the padding id ${pad}, received only padding`);
}
