// The Backend interface: one method per kernel, same names as the assembly/ exports, plus `gemm`
// (which owns packing scratch and threading). The tensor layer talks only to this interface.
import type { KernelExports } from "../runtime/kernel-exports.js";
import type { GemmArgs } from "./matmul.js";

export type { GemmArgs };
// The raw gemm exports are wrapped by backend/matmul.ts (scratch, threads); ops see only that.
type RawGemm = "gemm" | "gemmPrepare" | "gemmJoin" | "gemmScratchBytes";
export interface Backend extends Omit<KernelExports, RawGemm> {
  gemm(args: GemmArgs): void;
}

export const Unary = {
  neg: 0, exp: 1, log: 2, sqrt: 3, tanh: 4, sigmoid: 5, relu: 6, gelu: 7, silu: 8, pow: 9, abs: 10, square: 11,
} as const;
export type UnaryOp = keyof typeof Unary;

export const Binary = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5 } as const;
export type BinaryOp = keyof typeof Binary;

export const Reduce = { sum: 0, mean: 1, max: 2, min: 3 } as const;

/** Epilogue activations fused into gemm. */
export const Activation = { none: 0, relu: 1, gelu: 2, sigmoid: 3, tanh: 4, silu: 5 } as const;
export type ActivationName = keyof typeof Activation;
