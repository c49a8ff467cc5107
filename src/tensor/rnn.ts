// Multi-layer, optionally bidirectional recurrent networks (torch.nn.RNN / LSTM / GRU semantics: gate
// order, weight layout, shapes, dropout between layers in training) as ONE autograd node per call,
// as torch's fused `_VF.lstm` is: every layer direction runs as one device call over the whole
// sequence (Backend.rnnForward / rnnBackward), and what the backward needs (each layer's input and
// output, gate activations, cell states, dropout masks) is held by the node and freed with the graph.
// One node per sequence rather than per layer direction keeps the layers' intermediates out of the
// caller's scope entirely: nothing but the outputs is ever visible, so disposing them (or tidy)
// frees everything, and no per-layer slicing, concatenation or dropout ops enter the tape.
import { TesseraError } from "../errors.js";
import type { Region, RnnMode } from "../backend/backend.js";
import { Tensor } from "./tensor.js";
import { recordMany } from "./autograd.js";
import { fmt } from "./shape.js";
import { floatTensor, sameBackend } from "./check.js";
import { defaultGenerator, type Generator } from "./random.js";

export type { RnnMode } from "../backend/backend.js";

const GATES: Record<RnnMode, number> = { lstm: 4, gru: 3, rnnTanh: 1, rnnRelu: 1 };

export interface RnnConfig {
  mode: RnnMode;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  batchFirst: boolean;
  bias: boolean;
  /** Dropout probability on the outputs of every layer but the last, applied when training. */
  dropout: number;
  training: boolean;
  /** How messages name the layer, e.g. "LSTM(10, 50)". */
  name: string;
  generator?: Generator;
}

export interface RnnResult {
  /** [T, B, D·H] ([B, T, D·H] with batchFirst, [T, D·H] unbatched). */
  output: Tensor;
  /** [L·D, B, H] ([L·D, H] unbatched). */
  hN: Tensor;
  /** lstm only. */
  cN: Tensor | null;
}

/** What one layer direction of the forward kept for the backward. */
interface LayerDirection {
  gates: Tensor;
  cells: Tensor | null;
}

/**
 * Runs the network on `input` with initial states hx (and cx for lstm), null meaning zeros.
 * `weights` in torch's order: for each layer, for each direction, weight_ih, weight_hh and (with
 * bias) bias_ih, bias_hh.
 */
export function rnn(input: Tensor, hx: Tensor | null, cx: Tensor | null, weights: readonly Tensor[], c: RnnConfig): RnnResult {
  const { mode, name, hiddenSize: H, numLayers: L, batchFirst } = c;
  const D = c.bidirectional ? 2 : 1;
  const G = GATES[mode];
  const x = floatTensor(`${name}: input`, input);
  if (x.ndim !== 2 && x.ndim !== 3) {
    throw new TesseraError("E_SHAPE", `${name}: input: expected a 3-D tensor ([T, B, ${c.inputSize}]${batchFirst ? " or [B, T, …] with batchFirst" : ""}) or 2-D (unbatched [T, ${c.inputSize}]), received ${fmt(x.shape)}`);
  }
  if (x.shape[x.ndim - 1] !== c.inputSize) {
    throw new TesseraError("E_SHAPE", `${name}: input: expected last dimension ${c.inputSize}, received ${fmt(x.shape)}`);
  }
  const unbatched = x.ndim === 2;
  const T = unbatched || !batchFirst ? x.shape[0] : x.shape[1];
  const B = unbatched ? 1 : batchFirst ? x.shape[0] : x.shape[1];
  if (T === 0) throw new TesseraError("E_SHAPE", `${name}: input: expected a sequence length of at least 1, received ${fmt(x.shape)}`);
  const stateShape = unbatched ? [L * D, H] : [L * D, B, H];
  const given: [string, Tensor | null][] = [["h0", hx], ...(mode === "lstm" ? [["c0", cx] as [string, Tensor | null]] : [])];
  for (const [arg, s] of given) {
    if (s === null) continue;
    floatTensor(`${name}: ${arg}`, s);
    if (s.ndim !== stateShape.length || s.shape.some((d, i) => d !== stateShape[i])) {
      throw new TesseraError("E_SHAPE", `${name}: ${arg}: expected shape ${fmt(stateShape)} for input ${fmt(x.shape)}, received ${fmt(s.shape)}`);
    }
  }
  const perDir = c.bias ? 4 : 2;
  if (weights.length !== L * D * perDir) {
    throw new TesseraError("E_VALUE", `${name}: expected ${L * D * perDir} weight tensors, received ${weights.length}`);
  }
  const weightNames: string[] = [];
  for (let l = 0; l < L; l++) {
    const inSize = l === 0 ? c.inputSize : D * H;
    for (let d = 0; d < D; d++) {
      const suffix = `_l${l}${d ? "_reverse" : ""}`;
      const shapes = [[G * H, inSize], [G * H, H], [G * H], [G * H]];
      const names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"];
      for (let i = 0; i < perDir; i++) {
        const w = floatTensor(`${name}: ${names[i]}${suffix}`, weights[(l * D + d) * perDir + i]);
        if (w.ndim !== shapes[i].length || w.shape.some((v, k) => v !== shapes[i][k])) {
          throw new TesseraError("E_SHAPE", `${name}: ${names[i]}${suffix}: expected shape ${fmt(shapes[i])}, received ${fmt(w.shape)}`);
        }
        weightNames.push(names[i] + suffix);
      }
    }
  }
  const states = [...(hx ? [hx] : []), ...(cx && mode === "lstm" ? [cx] : [])];
  const be = sameBackend(name, ["input", ...(hx ? ["h0"] : []), ...(cx && mode === "lstm" ? ["c0"] : []), ...weightNames],
    [x, ...states, ...weights]);
  const h0 = hx;
  const c0 = mode === "lstm" ? cx : null;
  const generator = c.generator ?? defaultGenerator;
  const dropping = c.training && c.dropout > 0 && L > 1;

  // Everything made from here on is either returned or held by the node (saved), so a failure
  // part-way frees what was made.
  const saved: Tensor[] = [];
  const make = (shape: number[]): Tensor => {
    const t = Tensor.empty(shape, "float32", be);
    saved.push(t);
    return t;
  };
  const outputs: Tensor[] = [];
  try {
    // Time-major input: a view when it already is (unbatched [T, I] is [T, 1, I]), else a copy.
    let layerIn: Tensor;
    if (!unbatched && batchFirst) {
      layerIn = make([T, B, c.inputSize]);
      if (layerIn.size > 0) be.stridedCopy(x.handle, layerIn.handle, [T, B, c.inputSize], [c.inputSize, T * c.inputSize, 1], 0);
    } else {
      layerIn = x.view([T, B, c.inputSize]);
      saved.push(layerIn);
    }
    const h0View = h0 ? h0.view(h0.shape.slice()) : null;
    const c0View = c0 ? c0.view(c0.shape.slice()) : null;
    if (h0View) saved.push(h0View);
    if (c0View) saved.push(c0View);
    const hN = Tensor.empty(stateShape, "float32", be);
    outputs.push(hN);
    const cN = mode === "lstm" ? Tensor.empty(stateShape, "float32", be) : null;
    if (cN) outputs.push(cN);

    const layerInputs: Tensor[] = [];
    const layerOutputs: Tensor[] = [];
    const masks: (Tensor | null)[] = [];
    const dirs: LayerDirection[] = [];
    const state = (t: Tensor | null, k: number): Region | null => (t ? { handle: t.handle, offset: k * B * H } : null);
    for (let l = 0; l < L; l++) {
      const inSize = l === 0 ? c.inputSize : D * H;
      const y = make([T, B, D * H]);
      for (let d = 0; d < D; d++) {
        const k = l * D + d;
        const w = weights.slice(k * perDir, (k + 1) * perDir);
        const dir: LayerDirection = { gates: make([T, B, G * H]), cells: mode === "lstm" || mode === "gru" ? make([T, B, H]) : null };
        dirs.push(dir);
        be.rnnForward({
          mode, steps: T, batch: B, inputSize: inSize, hiddenSize: H, reverse: d === 1, x: layerIn.handle,
          wIh: w[0].handle, wHh: w[1].handle, bIh: c.bias ? w[2].handle : null, bHh: c.bias ? w[3].handle : null,
          h0: state(h0, k), c0: state(c0, k), out: { handle: y.handle, offset: d * H }, outStride: D * H,
          gates: dir.gates.handle, cells: dir.cells?.handle ?? null, hN: state(hN, k), cN: state(cN, k),
        });
      }
      layerInputs.push(layerIn);
      layerOutputs.push(y);
      if (l < L - 1 && dropping) {
        const mask = make([T, B, D * H]);
        const next = make([T, B, D * H]);
        be.dropoutForward(y.handle, next.handle, mask.handle, y.size, c.dropout, generator.nextU32(), generator.nextU32());
        masks.push(mask);
        layerIn = next;
      } else {
        masks.push(null);
        layerIn = y;
      }
    }

    const last = layerOutputs[L - 1];
    let output: Tensor;
    if (unbatched) output = last.view([T, D * H]);
    else if (!batchFirst) output = last.view([T, B, D * H]);
    else {
      output = Tensor.empty([B, T, D * H], "float32", be);
      if (output.size > 0) be.stridedCopy(last.handle, output.handle, [B, T, D * H], [D * H, B * D * H, 1], 0);
    }
    outputs.unshift(output);

    const inputs = [x, ...(h0 ? [h0] : []), ...(c0 ? [c0] : []), ...weights];
    recordMany(name, outputs, inputs, (grads) => {
      const [gOut, ghN] = grads;
      const gcN = cN ? grads[2] : null;
      // The gradient of the last layer's output, time-major.
      let dY: Tensor | null = null;
      if (gOut) {
        if (unbatched || !batchFirst) dY = gOut;
        else {
          dY = Tensor.empty([T, B, D * H], "float32", be);
          if (dY.size > 0) be.stridedCopy(gOut.handle, dY.handle, [T, B, D * H], [D * H, T * D * H, 1], 0);
        }
      }
      const dh0 = h0?.requiresGrad ? Tensor.empty(h0.shape.slice(), "float32", be) : null;
      const dc0 = c0?.requiresGrad ? Tensor.empty(c0.shape.slice(), "float32", be) : null;
      const dW = weights.map((w) => (w.requiresGrad ? Tensor.empty(w.shape.slice(), "float32", be) : null));
      let dInput: Tensor | null = null;
      for (let l = L - 1; l >= 0; l--) {
        const inSize = l === 0 ? c.inputSize : D * H;
        const dX = l > 0 || x.requiresGrad ? Tensor.empty([T, B, inSize], "float32", be) : null;
        for (let d = 0; d < D; d++) {
          const k = l * D + d;
          const w = weights.slice(k * perDir, (k + 1) * perDir);
          const g = dW.slice(k * perDir, (k + 1) * perDir);
          const dir = dirs[k];
          be.rnnBackward({
            mode, steps: T, batch: B, inputSize: inSize, hiddenSize: H, reverse: d === 1, x: layerInputs[l].handle,
            wIh: w[0].handle, wHh: w[1].handle, bIh: c.bias ? w[2].handle : null, bHh: c.bias ? w[3].handle : null,
            h0: state(h0View, k), c0: state(c0View, k), out: { handle: layerOutputs[l].handle, offset: d * H }, outStride: D * H,
            gates: dir.gates.handle, cells: dir.cells?.handle ?? null,
            dOut: dY ? { handle: dY.handle, offset: d * H } : null, dhN: state(ghN, k), dcN: state(gcN, k),
            dx: dX?.handle ?? null, accumulateDx: d > 0, dh0: state(dh0, k), dc0: state(dc0, k),
            dWIh: g[0]?.handle ?? null, dWHh: g[1]?.handle ?? null,
            dBIh: c.bias ? g[2]?.handle ?? null : null, dBHh: c.bias ? g[3]?.handle ?? null : null,
          });
        }
        if (l === 0) dInput = dX;
        else {
          const mask = masks[l - 1];
          if (mask && dX) be.binary("mul", dX.handle, mask.handle, dX.handle, dX.size);
          dY = dX;
        }
      }
      let dx: Tensor | null = null;
      if (dInput) {
        if (unbatched) dx = dInput.view([T, c.inputSize]);
        else if (!batchFirst) dx = dInput;
        else {
          dx = Tensor.empty([B, T, c.inputSize], "float32", be);
          if (dx.size > 0) be.stridedCopy(dInput.handle, dx.handle, [B, T, c.inputSize], [c.inputSize, B * c.inputSize, 1], 0);
        }
      }
      return [dx, ...(h0 ? [dh0] : []), ...(c0 ? [dc0] : []), ...dW];
    }, [x, ...(h0 ? [h0] : []), ...(c0 ? [c0] : []), ...weights], saved);
    return { output, hN, cN };
  } catch (e) {
    for (const t of saved) t.dispose();
    for (const t of outputs) t.dispose();
    throw e;
  }
}
