// nn.LSTM / GRU / RNN (tanh, relu) against torch.nn 1.13 on every build (fixture made by
// test/fixtures/make_rnn_fixtures.py): the torch state dict loads into the tessera module, then the
// output, the final states and the gradient of every parameter, of the input and of the initial
// states match torch's float64 run on the same float32 values.
//
// Tolerance: |got − want| ≤ 1e-5·(|want| + s), s the largest |want| of that tensor. A float32
// forward of this depth (sums of up to 2H + I products per gate, tanh/sigmoid to ~2 ulp, states
// carried across steps and layers) errs by a few 1e-7 relative to the tensor's scale; an element far
// below that scale (a sum that cancels to near 0) keeps the absolute error of its terms, which is
// why the relative error is taken against |want| + s and not |want| alone. The measured worst case
// of every tensor is printed when the test runs with RNN_REPORT=1.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { nn, tensor, type Tensor } from "../../src/index.js";
import { cpuBackendFor, useBackend } from "../../src/backend/device.js";
import { BUILDS, detectFeatures, loadRuntime, type BuildName, type Runtime } from "../../src/runtime/wasm.js";
import { referenceBackend } from "../ops/devices.js";

interface Case {
  kind: "lstm" | "gru" | "rnn_tanh" | "rnn_relu";
  inputSize: number; hiddenSize: number; numLayers: number; bidirectional: boolean; batchFirst: boolean;
  bias: boolean; dropout: number;
  x: string; xShape: number[]; h0?: string; c0?: string; stateShape: number[];
  state: Record<string, { shape: number[]; data: string }>;
  output: string; outputShape: number[]; hN: string; cN?: string;
  wOut: string; wH: string; wC?: string;
  dx: string; dh0?: string; dc0?: string; grads: Record<string, string>;
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/rnn.json", import.meta.url), "utf8")) as { cases: Record<string, Case> };
const TOL = 1e-5;

function decode(b64: string): Float32Array {
  const bytes = Buffer.from(b64, "base64");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The largest |got − want| / (|want| + max|want|) of the tensor. */
function relError(got: ArrayLike<number>, want: Float32Array): number {
  expect(got.length).toBe(want.length);
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]) / (Math.abs(want[i]) + scale || 1);
    if (!(e <= worst)) worst = e; // NaN propagates
  }
  return worst;
}

function makeModule(c: Case): nn.LSTM | nn.GRU | nn.RNN {
  const opts = { numLayers: c.numLayers, bidirectional: c.bidirectional, batchFirst: c.batchFirst, bias: c.bias, dropout: c.dropout };
  if (c.kind === "lstm") return new nn.LSTM(c.inputSize, c.hiddenSize, opts);
  if (c.kind === "gru") return new nn.GRU(c.inputSize, c.hiddenSize, opts);
  return new nn.RNN(c.inputSize, c.hiddenSize, { ...opts, nonlinearity: c.kind === "rnn_relu" ? "relu" : "tanh" });
}

const worst = new Map<string, number>();

/** Runs one case on the current default device; returns the largest error of each tensor. */
function runCase(c: Case): Record<string, number> {
  const m = makeModule(c);
  const dict: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.state)) dict[k] = tensor(decode(v.data), v.shape);
  m.loadStateDict(dict);
  for (const t of Object.values(dict)) t.dispose();
  if (c.dropout > 0) m.eval();
  const x = tensor(decode(c.x), c.xShape, { requiresGrad: true });
  const h0 = c.h0 ? tensor(decode(c.h0), c.stateShape, { requiresGrad: true }) : null;
  const c0 = c.c0 ? tensor(decode(c.c0), c.stateShape, { requiresGrad: true }) : null;
  let output: Tensor, hN: Tensor, cN: Tensor | null = null;
  if (m instanceof nn.LSTM) [output, [hN, cN]] = m.forward(x, h0 && c0 ? [h0, c0] : null);
  else [output, hN] = m.forward(x, h0);
  expect(output.shape).toEqual(c.outputShape);
  expect(hN.shape).toEqual(c.stateShape);
  const wOut = tensor(decode(c.wOut), c.outputShape), wH = tensor(decode(c.wH), c.stateShape);
  let loss = output.mul(wOut).sum().add(hN.mul(wH).sum());
  const wC = c.wC ? tensor(decode(c.wC), c.stateShape) : null;
  if (cN && wC) loss = loss.add(cN.mul(wC).sum());
  loss.backward();
  const errors: Record<string, number> = {
    output: relError(output.data(), decode(c.output)),
    hN: relError(hN.data(), decode(c.hN)),
    dx: relError(x.grad!.data(), decode(c.dx)),
  };
  if (cN && c.cN) errors.cN = relError(cN.data(), decode(c.cN));
  if (h0 && c.dh0) errors.dh0 = relError(h0.grad!.data(), decode(c.dh0));
  if (c0 && c.dc0) errors.dc0 = relError(c0.grad!.data(), decode(c.dc0));
  for (const [name, p] of m.namedParameters()) errors[`d${name}`] = relError(p.grad!.data(), decode(c.grads[name]));
  for (const t of [x, h0, c0, output, hN, cN, wOut, wH, wC, loss]) t?.dispose();
  m.dispose();
  return errors;
}

const features = detectFeatures();
const builds = BUILDS.filter((b: BuildName) => (!b.includes("relaxed") || features.relaxedSimd) && (!b.startsWith("threads") || features.threads));

describe.each(builds)("recurrent layers match torch.nn (%s build)", (build) => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await loadRuntime({ build });
  });
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => {
      useBackend(cpuBackendFor(rt));
      try {
        const errors = runCase(c);
        for (const [tensorName, e] of Object.entries(errors)) {
          const key = `${name} ${tensorName}`;
          worst.set(key, Math.max(worst.get(key) ?? 0, e));
          expect(e, `${build} ${name}: ${tensorName}`).toBeLessThanOrEqual(TOL);
        }
      } finally {
        useBackend(null);
      }
    });
  }
});

// The plain-TypeScript reference device (test/ops) runs the same cases: its float64 cell loops are a
// second, independent implementation of the Backend's rnnForward / rnnBackward contract.
describe("recurrent layers match torch.nn (reference device)", () => {
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => {
      useBackend(referenceBackend);
      try {
        for (const [tensorName, e] of Object.entries(runCase(c))) expect(e, `reference ${name}: ${tensorName}`).toBeLessThanOrEqual(TOL);
      } finally {
        useBackend(null);
      }
    });
  }
});

afterAll(() => {
  if (!process.env.RNN_REPORT) return;
  const byCase = new Map<string, number>();
  for (const [key, e] of worst) {
    const name = key.split(" ")[0];
    byCase.set(name, Math.max(byCase.get(name) ?? 0, e));
  }
  for (const [name, e] of byCase) console.log(`${name.padEnd(36)} max relative error ${e.toExponential(2)}`);
});
