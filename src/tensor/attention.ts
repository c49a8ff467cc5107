// Scaled dot-product attention with torch.nn.functional.scaled_dot_product_attention's semantics
// (PyTorch 2.x: a bool mask keeps positions where true, a float mask is added, is_causal is the
// top-left lower triangle, dropout on the weights), on the device's fused kernel: scores are never
// stored whole, the forward saves one log-sum-exp per query row, and the backward recomputes the
// weights from it (FlashAttention). fusedAttention is the strided core the layers call: heads are
// read in place from a fused QKV projection and the output is written with merged heads, so no
// permute or transpose copies surround it. A query row that sees no key gives zeros (torch: NaN).
import { TesseraError, checkNumber, fail } from "../errors.js";
import type { AttentionArgs, AttentionMask, AttentionMaskKind, AttentionOperand } from "../backend/backend.js";
import { Tensor } from "./tensor.js";
import { composite, record } from "./autograd.js";
import { broadcastShapes, broadcastStrides, fmt, shapesEqual, sizeOf } from "./shape.js";
import { checkBool, checkTensor, floatTensor, sameBackend } from "./check.js";
import { expand } from "./layout.js";
import { Generator, defaultGenerator } from "./random.js";

/** Rows of `dim` floats per (batch, head) of `source`, from element `offset` with these strides. */
export interface HeadsView {
  source: Tensor;
  offset: number;
  /** Element strides between batches, heads and rows. */
  strides: [number, number, number];
}

/** A mask over (batch, head, query, key) of `tensor`, by element strides (0 broadcasts). */
export interface MaskView {
  tensor: Tensor;
  kind: AttentionMaskKind;
  offset: number;
  strides: [number, number, number, number];
}

export interface AttentionCall {
  q: HeadsView;
  k: HeadsView;
  v: HeadsView;
  /**
   * true: views of one source tensor are disjoint column ranges that together cover it (a fused QKV
   * or KV projection), and each distinct source gets one gradient. false: q, k and v are three
   * inputs (the same tensor may be passed twice), each with its own gradient. Either way every
   * element of a source is written by the backward.
   */
  sharedSources: boolean;
  batch: number;
  heads: number;
  tq: number;
  tk: number;
  dimQK: number;
  dimV: number;
  /** The output: a new contiguous tensor of outShape, written through outStrides. */
  outShape: number[];
  outStrides: [number, number, number];
  scale: number;
  causal: boolean;
  causalOffset: number;
  masks: MaskView[];
  dropout: number;
  generator?: Generator;
  /** Tensors made for this call only (converted masks): freed with the graph. */
  owned?: Tensor[];
}

const operand = (v: HeadsView): AttentionOperand => ({ data: v.source.handle, offset: v.offset, strides: v.strides });

/** The fused attention op on strided views (validated by the caller); differentiable in q, k, v. */
export function fusedAttention(c: AttentionCall): Tensor {
  const be = c.q.source.backend;
  const [out, lse] = Tensor.emptyMany(be, [c.outShape, "float32"], [[c.batch * c.heads * c.tq], "float32"]);
  const gen = c.generator ?? defaultGenerator;
  const seedLo = c.dropout > 0 ? gen.nextU32() : 0;
  const seedHi = c.dropout > 0 ? gen.nextU32() : 0;
  const masks = (): AttentionMask[] => c.masks.map((m) => ({ data: m.tensor.handle, offset: m.offset, kind: m.kind, strides: m.strides }));
  const args = (): AttentionArgs => ({
    q: operand(c.q), k: operand(c.k), v: operand(c.v),
    out: { data: out.handle, offset: 0, strides: c.outStrides },
    batch: c.batch, heads: c.heads, tq: c.tq, tk: c.tk, dimQK: c.dimQK, dimV: c.dimV,
    scale: c.scale, causal: c.causal, causalOffset: c.causalOffset, masks: masks(),
    dropout: c.dropout, seedLo, seedHi, lse: lse.handle,
  });
  try {
    be.attentionForward(args());
  } catch (e) {
    out.dispose();
    lse.dispose();
    throw e;
  }
  const all = [c.q.source, c.k.source, c.v.source];
  const sources = c.sharedSources ? [...new Set(all)] : all;
  const reads = [...new Set([...all, out, ...c.masks.map((m) => m.tensor)])];
  return record("scaledDotProductAttention", out, sources, (g) => {
    const grads = sources.map((s) => (s.requiresGrad ? Tensor.empty(s.shape, "float32", be) : null));
    const [gq, gk, gv] = c.sharedSources ? all.map((s) => grads[sources.indexOf(s)]) : grads;
    be.attentionBackward({ ...args(), lse: lse.handle, dout: g.handle, dq: gq?.handle ?? null, dk: gk?.handle ?? null, dv: gv?.handle ?? null });
    return grads;
  }, reads, [lse, ...(c.owned ?? [])]);
}

export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcastable to [..., L, S]: float32 values added to the scores, or an int32 "bool" mask
   * whose nonzero entries mark the positions that take part (torch's bool attn_mask). No gradient
   * flows into a mask.
   */
  attnMask?: Tensor | null;
  /** Query i attends to keys 0 … i (torch's tril(ones(L, S))); excludes attnMask, as in torch. */
  isCausal?: boolean;
  /** Dropout probability on the attention weights (applied whenever > 0, as in torch). */
  dropoutP?: number;
  /** Score scale; default 1/√E. */
  scale?: number | null;
  generator?: Generator;
}

/** Element strides over the merged dims [0, n) of a broadcast-stride list, or null if not mergeable. */
function mergedStride(shape: readonly number[], strides: readonly number[], n: number): number | null {
  let s: number | null = null;
  let span = 1;
  for (let d = n - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (s === null) s = strides[d];
    else if (strides[d] !== s * span) return null;
    span *= shape[d];
  }
  return s ?? 0;
}

/**
 * The mask as a MaskView over (batch, head, query, key) for outputs [...lead, L, S] whose leading
 * dims are read as batch = prod(lead[:-1]), head = lead[-1]; materialised (expanded) only when its
 * broadcast over the batch dims cannot be read through one stride.
 */
export function maskView(fn: string, arg: string, mask: Tensor, full: number[], kind: AttentionMaskKind, owned: Tensor[]): MaskView {
  let shape = broadcastShapes(mask.shape, full, `${fn}: ${arg}`);
  if (!shapesEqual(shape, full)) {
    throw new TesseraError("E_SHAPE", `${fn}: ${arg}: expected a shape that broadcasts to ${fmt(full)}, received ${fmt(mask.shape)}`);
  }
  let t = mask;
  let st = broadcastStrides(mask.shape, full);
  const lead = full.length - 2;
  let batchStride = lead >= 2 ? mergedStride(full, st, lead - 1) : 0;
  if (batchStride === null) {
    t = expandMask(mask, full);
    owned.push(t);
    shape = full;
    st = broadcastStrides(full, full);
    batchStride = mergedStride(full, st, lead - 1)!;
  }
  const headStride = lead >= 1 ? st[lead - 1] : 0;
  return { tensor: t, kind, offset: 0, strides: [batchStride, headStride, st[lead], st[lead + 1]] };
}

/** A contiguous copy of a mask (float32 or int32) broadcast to `shape`. */
function expandMask(mask: Tensor, shape: number[]): Tensor {
  const out = Tensor.empty(shape, mask.dtype, mask.backend);
  mask.backend.stridedCopy(mask.handle, out.handle, shape, broadcastStrides(mask.shape, shape), 0);
  return out;
}

/** A mask tensor: float32 (additive) or int32 (nonzero = `nonzeroMeans`). */
export function maskKind(fn: string, arg: string, m: unknown, nonzeroMeans: "keep" | "drop"): [Tensor, AttentionMaskKind] {
  const t = checkTensor(`${fn}: ${arg}`, m);
  if (t.dtype === "float32") return [t, "add"];
  return [t, nonzeroMeans === "keep" ? "keepNonzero" : "dropNonzero"];
}

export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options: ScaledDotProductAttentionOptions = {}): Tensor {
  const fn = "scaledDotProductAttention";
  const q = floatTensor(`${fn}: query`, query);
  const k = floatTensor(`${fn}: key`, key);
  const v = floatTensor(`${fn}: value`, value);
  if (options === null || typeof options !== "object") fail("E_TYPE", `${fn}: options`, "an object", options);
  const { attnMask = null, isCausal = false, dropoutP = 0, scale = null, generator = defaultGenerator } = options;
  checkBool(`${fn}: options.isCausal`, isCausal);
  checkNumber(`${fn}: options.dropoutP`, dropoutP, 0, 1);
  if (scale !== null) checkNumber(`${fn}: options.scale`, scale);
  if (!(generator instanceof Generator)) fail("E_TYPE", `${fn}: options.generator`, "a Generator", generator);
  sameBackend(fn, ["query", "key", "value"], [q, k, v]);
  for (const [name, t] of [["query", q], ["key", k], ["value", v]] as const) {
    if (t.ndim < 2) throw new TesseraError("E_SHAPE", `${fn}: ${name}: expected at least 2 dimensions [..., L, E], received ${fmt(t.shape)}`);
  }
  const [L, E] = q.shape.slice(-2);
  const [S, Ek] = k.shape.slice(-2);
  const [Sv, Ev] = v.shape.slice(-2);
  if (Ek !== E) throw new TesseraError("E_SHAPE", `${fn}: key: expected last dimension ${E} (query's), received ${fmt(k.shape)}`);
  if (Sv !== S) throw new TesseraError("E_SHAPE", `${fn}: value: expected ${S} rows (key's sequence length), received ${fmt(v.shape)}`);
  const lead = broadcastShapes(broadcastShapes(q.shape.slice(0, -2), k.shape.slice(0, -2), `${fn} (batch dimensions of query and key)`),
    v.shape.slice(0, -2), `${fn} (batch dimensions of value)`);
  let mask: MaskView | null = null;
  const owned: Tensor[] = [];
  if (attnMask !== null && attnMask !== undefined) {
    if (isCausal) throw new TesseraError("E_VALUE", `${fn}: options.attnMask: expected no explicit mask together with isCausal (as torch), received both`);
    const [m, kind] = maskKind(fn, "options.attnMask", attnMask, "keep");
    sameBackend(fn, ["query", "options.attnMask"], [q, m]);
    mask = maskView(fn, "options.attnMask", m, [...lead, L, S], kind, owned);
  }
  const heads = lead.length >= 1 ? lead[lead.length - 1] : 1;
  const batch = lead.length >= 1 ? sizeOf(lead.slice(0, -1)) : 1;
  const run = (qq: Tensor, kk: Tensor, vv: Tensor) => {
    const view = (t: Tensor, rows: number, dim: number): HeadsView => ({ source: t, offset: 0, strides: [heads * rows * dim, rows * dim, dim] });
    return fusedAttention({
      q: view(qq, L, E), k: view(kk, S, E), v: view(vv, S, Ev), sharedSources: false,
      batch, heads, tq: L, tk: S, dimQK: E, dimV: Ev,
      outShape: [...lead, L, Ev], outStrides: [heads * L * Ev, L * Ev, Ev],
      scale: scale ?? (E > 0 ? 1 / Math.sqrt(E) : 1), causal: isCausal, causalOffset: 0,
      masks: mask ? [mask] : [], dropout: dropoutP, generator, owned,
    });
  };
  const fits = (t: Tensor) => shapesEqual(t.shape.slice(0, -2), lead);
  if (fits(q) && fits(k) && fits(v)) return run(q, k, v);
  const full = (t: Tensor) => (fits(t) ? t : expand(t, [...lead, ...t.shape.slice(-2)]));
  return composite([q, k, v], () => run(full(q), full(k), full(v)));
}

export interface CachedAttentionCall {
  /** The new queries, keys and values (tq rows per head), e.g. column ranges of a QKV projection. */
  q: HeadsView;
  kNew: HeadsView;
  vNew: HeadsView;
  /** The cache: [batch, heads, capacity, dim] each, rows 0 … past − 1 filled. */
  cacheK: Tensor;
  cacheV: Tensor;
  past: number;
  batch: number;
  heads: number;
  tq: number;
  dim: number;
  outShape: number[];
  outStrides: [number, number, number];
  scale: number;
  masks?: MaskView[];
}

/**
 * Inference attention over a KV cache in one device call: the tq new key and value rows are written
 * into the cache at rows past … past + tq − 1, then every new query i attends to cache rows
 * 0 … past + i (causal). Not differentiable (generation runs under noGrad); the caller checks that
 * past + tq fits the cache's capacity.
 */
export function cachedAttention(c: CachedAttentionCall): Tensor {
  const be = c.q.source.backend;
  const cap = c.cacheK.shape[2];
  const cacheView = (t: Tensor): AttentionOperand => ({ data: t.handle, offset: 0, strides: [c.heads * cap * c.dim, cap * c.dim, c.dim] });
  const out = Tensor.empty(c.outShape, "float32", be);
  try {
    be.attentionForward({
      q: operand(c.q), k: cacheView(c.cacheK), v: cacheView(c.cacheV), out: { data: out.handle, offset: 0, strides: c.outStrides },
      kNew: operand(c.kNew), vNew: operand(c.vNew),
      batch: c.batch, heads: c.heads, tq: c.tq, tk: c.past + c.tq, dimQK: c.dim, dimV: c.dim,
      scale: c.scale, causal: true, causalOffset: c.past,
      masks: (c.masks ?? []).map((m) => ({ data: m.tensor.handle, offset: m.offset, kind: m.kind, strides: m.strides })),
      dropout: 0, seedLo: 0, seedHi: 0, lse: null,
    });
  } catch (e) {
    out.dispose();
    throw e;
  }
  c.cacheK.storage!.version++;
  c.cacheV.storage!.version++;
  return out;
}
