// The Backend interface: one method per kernel, same names as the assembly/ exports, plus `gemm`
// (which owns packing scratch and threading). The tensor layer talks only to this interface.
import type { KernelExports } from "../runtime/kernel-exports.js";
import type { GemmArgs } from "./matmul.js";

export type { GemmArgs };
// The raw gemm exports are wrapped by backend/matmul.ts (scratch, threads); ops see only that.
type RawGemm = "gemmPrepare" | "gemmScratchBytes" | "join" | "runJob";
export interface Backend extends Omit<KernelExports, RawGemm> {
  gemm(args: GemmArgs): void;
}

export { Unary, Binary, Reduce } from "../runtime/abi.js";
import type { Unary, Binary } from "../runtime/abi.js";
export type UnaryOp = keyof typeof Unary;
export type BinaryOp = keyof typeof Binary;
