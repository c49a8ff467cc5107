// PyTorch 1.13's answers for NaN, ±∞ and ±0 (fixture made by test/fixtures/make_ops_special_values.py;
// values are strings so JSON keeps NaN, infinities and signed zeros).
import { readFileSync } from "node:fs";

const decode = (s: string): number => (s === "nan" ? NaN : s === "inf" ? Infinity : s === "-inf" ? -Infinity : s === "-0" ? -0 : Number(s));
const decodeAll = (v: string[]): number[] => v.map(decode);

const raw = JSON.parse(readFileSync(new URL("../fixtures/ops_special_values.json", import.meta.url), "utf8"));

export const TORCH_SPECIAL = {
  inputs: decodeAll(raw.inputs),
  unary: Object.fromEntries(Object.entries(raw.unary as Record<string, { y: string[]; grad: string[] }>)
    .map(([k, v]) => [k, { y: decodeAll(v.y), grad: decodeAll(v.grad) }])) as Record<string, { y: number[]; grad: number[] }>,
  binary: Object.fromEntries(Object.entries(raw.binary as Record<string, string[]>).map(([k, v]) => [k, decodeAll(v)])) as Record<string, number[]>,
  reduce: {
    shape: raw.reduce.shape as number[],
    ...Object.fromEntries(Object.entries(raw.reduce as Record<string, unknown>).filter(([k]) => k !== "shape")
      .map(([k, v]) => [k, decodeAll(v as string[])])),
  } as Record<"x" | "sum" | "mean" | "max" | "min" | "argmax" | "argmin", number[]> & { shape: number[] },
  softmax: {
    shape: raw.softmax.shape as number[],
    x: decodeAll(raw.softmax.x),
    softmax: decodeAll(raw.softmax.softmax),
    logSoftmax: decodeAll(raw.softmax.logSoftmax),
  },
};
