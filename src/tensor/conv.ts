// 1-D convolution (torch.nn.functional.conv1d: cross-correlation, stride, padding incl. "same" /
// "valid", dilation, groups) by im2col: the receptive fields become rows of a contiguous matrix
// through one strided copy (overlapping windows; asStrided's gradient adds them back), then one
// matmul per group does the channel mixing. Causal convolutions (TCN) pad on the left first.
import { TesseraError, checkInt, fail } from "../errors.js";
import type { Tensor } from "./tensor.js";
import { composite } from "./autograd.js";
import { fmt } from "./shape.js";
import { floatTensor, sameBackend } from "./check.js";
import { asStrided, pad, reshape, permute } from "./layout.js";
import { matmul } from "./matmul.js";
import { add } from "./elementwise.js";

export interface Conv1dOptions {
  stride?: number;
  /** Zeros on both sides, or "valid" (none) / "same" (output length = input length; stride 1). */
  padding?: number | "valid" | "same";
  dilation?: number;
  groups?: number;
}

export function conv1d(input: Tensor, w: Tensor, b: Tensor | null = null, options: Conv1dOptions = {}): Tensor {
  const x0 = floatTensor("conv1d: input", input);
  const weight = floatTensor("conv1d: weight", w);
  const bias = b === null || b === undefined ? null : floatTensor("conv1d: bias", b);
  sameBackend("conv1d", bias ? ["input", "weight", "bias"] : ["input", "weight"], bias ? [x0, weight, bias] : [x0, weight]);
  const stride = checkInt("conv1d: stride", options.stride ?? 1, 1);
  const dilation = checkInt("conv1d: dilation", options.dilation ?? 1, 1);
  const groups = checkInt("conv1d: groups", options.groups ?? 1, 1);
  if (weight.ndim !== 3) throw new TesseraError("E_SHAPE", `conv1d: weight: expected [outChannels, inChannels / groups, kernelSize], received ${fmt(weight.shape)}`);
  const [cout, cinPerGroup, k] = weight.shape;
  if (x0.ndim !== 2 && x0.ndim !== 3) throw new TesseraError("E_SHAPE", `conv1d: input: expected [batch, channels, length] or [channels, length], received ${fmt(x0.shape)}`);
  const cin = x0.shape[x0.ndim - 2];
  if (cin !== cinPerGroup * groups || cout % groups !== 0) {
    throw new TesseraError("E_SHAPE", `conv1d: input: expected ${cinPerGroup * groups} channels (weight ${fmt(weight.shape)}, groups ${groups}) and outChannels divisible by groups, received input ${fmt(x0.shape)}`);
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== cout)) throw new TesseraError("E_SHAPE", `conv1d: bias: expected [${cout}], received ${fmt(bias.shape)}`);
  const span = dilation * (k - 1) + 1;
  let left: number, right: number;
  const p = options.padding ?? 0;
  if (p === "valid") left = right = 0;
  else if (p === "same") {
    if (stride !== 1) fail("E_VALUE", "conv1d: padding", '"same" only with stride 1 (as in torch)', p);
    left = Math.floor((span - 1) / 2);
    right = span - 1 - left;
  } else left = right = checkInt("conv1d: padding", p, 0);
  const length = x0.shape[x0.ndim - 1];
  const lout = Math.floor((length + left + right - span) / stride) + 1;
  if (lout < 1) throw new TesseraError("E_SHAPE", `conv1d: input: expected a padded length of at least ${span} (kernel ${k}, dilation ${dilation}), received length ${length} padded by ${left + right}`);

  return composite(bias ? [x0, weight, bias] : [x0, weight], () => {
    const batched = x0.ndim === 3;
    const x = batched ? x0 : reshape(x0, [1, cin, length]);
    const n = x.shape[0];
    const xp = left + right > 0 ? pad(x, [left, right]) : x;
    const lp = length + left + right;
    // cols[n, t, g, c, j] = xp[n, g·cinPerGroup + c, t·stride + j·dilation]
    const cols = asStrided(xp, [n, lout, groups, cinPerGroup, k], [cin * lp, stride, cinPerGroup * lp, lp, dilation], 0);
    const colsByGroup = permute(reshape(cols, [n * lout, groups, cinPerGroup * k]), [1, 0, 2]); // [G, n·lout, cinPerGroup·k]
    const wByGroup = permute(reshape(weight, [groups, cout / groups, cinPerGroup * k]), [0, 2, 1]); // [G, cinPerGroup·k, cout/G]
    const y = matmul(colsByGroup, wByGroup); // [G, n·lout, cout/G]
    let out = permute(reshape(y, [groups, n, lout, cout / groups]), [1, 0, 3, 2]); // [n, G, cout/G, lout]
    out = reshape(out, [n, cout, lout]);
    if (bias !== null) out = add(out, reshape(bias, [cout, 1]));
    return batched ? out : reshape(out, [cout, lout]);
  });
}
