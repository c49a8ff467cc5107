// The compute entry points of shaders/*.wgsl: which family file holds each and whether it reports
// bad indices through the status words (bind group 1). A kernel missing from its file is a pipeline
// creation error at initWebGpu(), which compiles every entry before the device is offered.
import type { ShaderFamily } from "./wgsl.js";

export interface KernelSpec {
  readonly family: ShaderFamily;
  /** Binds the status words (common.wgsl) as group 1. */
  readonly reports?: boolean;
}

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
  reduceRows: { family: "reduce" },
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
  softmaxRows: { family: "softmax" },
  logSoftmaxRows: { family: "softmax" },
  softmaxBackwardRows: { family: "softmax" },
  logSoftmaxBackwardRows: { family: "softmax" },
  layerNormForward: { family: "norm" },
  layerNormBackward: { family: "norm" },
  layerNormParamGrads: { family: "norm" },
  crossEntropyForward: { family: "loss", reports: true },
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
  attentionSoftmaxRows: { family: "attention" },
  attentionSoftmaxBackwardRows: { family: "attention" },
} as const satisfies Record<string, KernelSpec>;

export type KernelName = keyof typeof KERNELS;
