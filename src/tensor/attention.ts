// Scaled dot-product attention, torch.nn.functional.scaled_dot_product_attention: softmax(scale·q·kᵀ
// + mask)·v over the last two dims, batched over the leading ones (batch, heads), with a causal mask
// (query i sees keys j ≤ i, torch's is_causal) and a key padding mask (Hugging Face's attention_mask:
// 1 = token, 0 = padding) shared by every head of a batch row. One backend call forward (the
// probabilities are saved) and one backward (dq, dk, dv).
import { TesseraError, checkNumber, fail } from "../errors.js";
import type { AttentionArgs } from "../backend/backend.js";
import { Tensor } from "./tensor.js";
import { recordMany } from "./autograd.js";
import { checkBool, checkInt32, checkTensor, floatTensor, sameBackend } from "./check.js";
import { fmt, shapesEqual, sizeOf } from "./shape.js";

export interface AttentionOptions {
  /** Query i attends to keys j ≤ i (torch's is_causal). Default false. */
  isCausal?: boolean;
  /**
   * int32 [B, tk] for inputs [B, …, t, d] ([tk] for 2-d inputs): 1 = attend, 0 = padding, applied
   * to every head of row b. A query whose keys are all masked gets NaN, as in torch.
   */
  keyPaddingMask?: Tensor | null;
  /** Multiplies q·kᵀ; default 1/√d. */
  scale?: number;
}

/** softmax(scale·q·kᵀ + mask)·v: q [..., tq, d], k [..., tk, d], v [..., tk, dv] → [..., tq, dv]. */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options: AttentionOptions = {}): Tensor {
  const fn = "scaledDotProductAttention";
  const q = floatTensor(`${fn}: query`, query);
  const k = floatTensor(`${fn}: key`, key);
  const v = floatTensor(`${fn}: value`, value);
  if (options === null || typeof options !== "object") fail("E_TYPE", `${fn}: options`, "an object", options);
  const { isCausal = false, keyPaddingMask = null } = options;
  checkBool(`${fn}: options.isCausal`, isCausal);
  for (const [name, t] of [["query", q], ["key", k], ["value", v]] as const) {
    if (t.ndim < 2) throw new TesseraError("E_SHAPE", `${fn}: ${name}: expected [..., t, d] with at least 2 dimensions, received ${fmt(t.shape)}`);
  }
  const lead = q.shape.slice(0, -2);
  const [tq, d] = q.shape.slice(-2);
  const [tk, dk] = k.shape.slice(-2);
  const dv = v.shape[v.ndim - 1];
  if (!shapesEqual(k.shape.slice(0, -2), lead) || dk !== d) {
    throw new TesseraError("E_SHAPE", `${fn}: key: expected [${[...lead, "tk", d].join(", ")}] for query ${fmt(q.shape)}, received ${fmt(k.shape)}`);
  }
  if (!shapesEqual(v.shape.slice(0, -2), lead) || v.shape[v.ndim - 2] !== tk) {
    throw new TesseraError("E_SHAPE", `${fn}: value: expected [${[...lead, tk, "dv"].join(", ")}] for key ${fmt(k.shape)}, received ${fmt(v.shape)}`);
  }
  const scale = options.scale === undefined ? 1 / Math.sqrt(d) : checkNumber(`${fn}: options.scale`, options.scale);
  const inputs = [q, k, v];
  let mask: Tensor | null = null;
  if (keyPaddingMask !== null && keyPaddingMask !== undefined) {
    mask = checkInt32(`${fn}: options.keyPaddingMask`, checkTensor(`${fn}: options.keyPaddingMask`, keyPaddingMask), "an int32 tensor (1 = attend, 0 = padding)");
    const want = lead.length === 0 ? [tk] : [lead[0], tk];
    if (!shapesEqual(mask.shape, want)) throw new TesseraError("E_SHAPE", `${fn}: options.keyPaddingMask: expected ${fmt(want)} for query ${fmt(q.shape)} and key ${fmt(k.shape)}, received ${fmt(mask.shape)}`);
  }
  sameBackend(fn, ["query", "key", "value", ...(mask ? ["options.keyPaddingMask"] : [])], mask ? [...inputs, mask] : inputs);
  const batch = sizeOf(lead);
  const heads = lead.length === 0 ? 1 : batch / Math.max(lead[0], 1);
  const args: AttentionArgs = { batch, heads: Math.max(heads, 1), tq, tk, d, dv, scale, causal: isCausal };
  const be = q.backend;
  const [out, probs] = Tensor.emptyMany(be, [[...lead, tq, dv], "float32"], [[...lead, tq, tk], "float32"]);
  be.attentionForward(q.handle, k.handle, v.handle, mask?.handle ?? null, out.handle, probs.handle, args);
  recordMany("scaledDotProductAttention", [out], inputs, ([g]) => {
    const [dq, dkT, dvT] = Tensor.emptyMany(be, [q.shape, "float32"], [k.shape, "float32"], [v.shape, "float32"]);
    be.attentionBackward(q.handle, k.handle, v.handle, probs.handle, g!.handle, dq.handle, dkT.handle, dvT.handle, args);
    return [dq, dkT, dvT];
  }, inputs, [probs]);
  return out;
}
