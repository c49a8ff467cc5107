// The compute entry points of shaders/*.wgsl: which family file holds each and whether it reports
// bad indices through the status words (bind group 1). A kernel missing from its file is a pipeline
// creation error at initWebGpu(), which compiles every entry before the device is offered.
import type { ShaderFamily } from "./wgsl.js";

export interface KernelSpec {
  readonly family: ShaderFamily;
  /** Binds the status words (common.wgsl) as group 1. */
  readonly reports?: boolean;
  /** One workgroup per row: also built with WG = 64 for short rows. */
  readonly rows?: boolean;
}

/** The workgroup size every family declares as its `override WG` default. */
export const DEFAULT_WG = 256;
/** The other size the row kernels are built with (rows of at most this many elements). */
export const SHORT_ROW_WG = 64;

export const KERNELS = {
  fill: { family: "memory" },
  axpy: { family: "memory" },
  castF32ToI32: { family: "memory" },
  castI32ToF32: { family: "memory" },
  unary: { family: "elementwise" },
  unaryBackward: { family: "elementwise" },
  binary: { family: "elementwise" },
  binaryScalar: { family: "elementwise" },
  binaryBroadcast: { family: "elementwise" },
  reduceRows: { family: "reduce", rows: true },
  reduceColumns: { family: "reduce" },
  argReduce: { family: "reduce" },
  scatterAxis: { family: "reduce", reports: true },
  stridedCopy: { family: "layout" },
  stridedScatter: { family: "layout" },
  stridedScatterInOrder: { family: "layout" },
  stridedScatterAdd: { family: "layout" },
  transpose2d: { family: "layout" },
  gatherRows: { family: "layout", reports: true },
  scatterAddRows: { family: "layout", reports: true },
  alongDimOffsets: { family: "layout", reports: true },
  gemm: { family: "matmul" },
  softmaxRows: { family: "softmax", rows: true },
  logSoftmaxRows: { family: "softmax", rows: true },
  softmaxBackwardRows: { family: "softmax", rows: true },
  logSoftmaxBackwardRows: { family: "softmax", rows: true },
  layerNormForward: { family: "norm", rows: true },
  layerNormBackward: { family: "norm", rows: true },
  layerNormParamGrads: { family: "norm" },
  crossEntropyForward: { family: "loss", reports: true, rows: true },
  keptCount: { family: "loss" },
  crossEntropyBackward: { family: "loss" },
  nllLossForward: { family: "loss", reports: true },
  keptWeight: { family: "loss" },
  nllLossBackward: { family: "loss" },
  dropoutForward: { family: "dropout" },
  sgdStep: { family: "optim" },
  adamStep: { family: "optim" },
  adagradStep: { family: "optim" },
  rmspropStep: { family: "optim" },
  attentionForward: { family: "attention" },
  attentionAppend: { family: "attention" },
  attentionDelta: { family: "attentionBackward" },
  attentionBackwardQ: { family: "attentionBackward" },
  attentionBackwardKV: { family: "attentionBackward" },
} as const satisfies Record<string, KernelSpec>;

export type KernelName = keyof typeof KERNELS;
