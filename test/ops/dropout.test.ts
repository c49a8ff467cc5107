// dropout (torch.nn.functional.dropout, inverted) through the public API on every device: the mask
// is the counter-based generator of assembly/dropout.ts — keep element i iff the top 24 bits of
// splitmix64(seed + (i+1)·φ), as a fraction, are ≥ p, seed = (hi << 32) | lo drawn from the
// generator — written out again here, so every device must reproduce the same mask bit for bit.
// Kept values are x·1/(1−p) (scale rounded in float32); p = 0 and eval mode are the identity; the
// gradient is dy·mask.
import { F, Generator, manualSeed, ones, tensor, zeros } from "../../src/index.js";
import { forEachDevice } from "./devices.js";
import { expectClose, expectCode, expectGradcheck, expectShape, itTidy, randT, uniform } from "./compare.js";

const MASK64 = (1n << 64n) - 1n;
const mix = (z: bigint): bigint => {
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  return z ^ (z >> 31n);
};

/** The mask values for n elements, given the generator the op will draw its seed from. */
function expectedMask(n: number, p: number, gen: Generator): number[] {
  const lo = BigInt(gen.nextU32()), hi = BigInt(gen.nextU32());
  const seed = (hi << 32n) | lo;
  const pf = Math.fround(p);
  const scale = pf < 1 ? Math.fround(1 / Math.fround(1 - pf)) : 0;
  return Array.from({ length: n }, (_, i) => {
    const u = Number(mix((seed + BigInt(i + 1) * 0x9e3779b97f4a7c15n) & MASK64) >> 40n) / 2 ** 24;
    return u >= pf ? scale : 0;
  });
}

forEachDevice("dropout", (ctx) => {
  itTidy(ctx, "mask = the splitmix64 counter generator, bit for bit, for p = 0.1, 0.5, 0.9 and n = 1..9, 1000", async () => {
    for (const p of [0.1, 0.5, 0.9]) {
      for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 1000]) {
        const seed = n * 31 + Math.round(p * 10);
        const xs = uniform(n, seed, 0.5, 2);
        const mask = expectedMask(n, p, new Generator(seed));
        const y = F.dropout(tensor(xs), p, true, new Generator(seed));
        expectShape(y, [n], `dropout(p ${p}, n ${n})`);
        expectClose(await y.read(), Array.from(xs, (v, i) => Math.fround(v * mask[i])), { rtol: 0, atol: 0 }, `dropout(p ${p}, n ${n}, seed ${seed})`);
      }
    }
  });

  itTidy(ctx, "keeps about 1 − p of 20000 elements (within 5 binomial standard deviations), scaled by 1/(1 − p)", async () => {
    for (const p of [0.2, 0.5, 0.75]) {
      const y = await F.dropout(ones([20000]), p, true, new Generator(17)).read();
      const kept = y.filter((v) => v !== 0).length;
      const sd = Math.sqrt(20000 * p * (1 - p));
      if (Math.abs(kept - 20000 * (1 - p)) > 5 * sd) throw new Error(`p ${p}: kept ${kept} of 20000`);
      if (!y.every((v) => v === 0 || v === Math.fround(1 / Math.fround(1 - p)))) throw new Error(`p ${p}: a kept value is not 1/(1 − p)`);
    }
  });

  itTidy(ctx, "identity for p = 0 and in eval mode (a copy); p = 1 drops everything; shapes kept incl. 0-d and size 0; manualSeed reproduces", async () => {
    const xs = uniform(12, 5);
    const x = tensor(xs, [3, 4]);
    expectClose(await F.dropout(x, 0).read(), xs, { rtol: 0, atol: 0 }, "p = 0");
    expectClose(await F.dropout(x, 0.5, false).read(), xs, { rtol: 0, atol: 0 }, "eval mode");
    expectClose(await F.dropout(x, 1).read(), new Array(12).fill(0), { rtol: 0, atol: 0 }, "p = 1");
    expectShape(F.dropout(tensor(2), 0.5), [], "0-d");
    expectShape(F.dropout(zeros([0, 3]), 0.5), [0, 3], "size 0");
    manualSeed(123);
    const a = await F.dropout(x, 0.5).read();
    manualSeed(123);
    const b = await F.dropout(x, 0.5).read();
    expectClose(a, b, { rtol: 0, atol: 0 }, "same seed, same mask");
    manualSeed(123);
    expectClose(a, Array.from(xs, (v, i) => Math.fround(v * expectedMask(12, 0.5, new Generator(123))[i])), { rtol: 0, atol: 0 }, "manualSeed = the global generator's seed");
  });

  itTidy(ctx, "gradient = dy·mask (and dy in eval mode); gradcheck with a fixed mask", async () => {
    const n = 37;
    const x = randT([n], 1, -1, 1, true);
    const mask = expectedMask(n, 0.3, new Generator(9));
    const g = uniform(n, 2);
    F.dropout(x, 0.3, true, new Generator(9)).backward(tensor(g));
    expectClose(await x.grad!.read(), Array.from(g, (v, i) => Math.fround(v * mask[i])), { rtol: 0, atol: 0 }, "d dropout");
    const z = randT([5], 3, -1, 1, true);
    F.dropout(z, 0.3, false).backward(tensor([1, 2, 3, 4, 5]));
    expectClose(await z.grad!.read(), [1, 2, 3, 4, 5], { rtol: 0, atol: 0 }, "d dropout (eval)");
    await expectGradcheck((a) => F.dropout(a, 0.3, true, new Generator(5)), [randT([20], 4, -1, 1, true)], "dropout");
  });

  itTidy(ctx, "bad inputs: p outside [0, 1] or NaN → E_RANGE, training not boolean → E_TYPE, int32 → E_DTYPE", async () => {
    expectCode("E_RANGE", () => F.dropout(ones([3]), 1.5), /dropout: p: expected a finite number in \[0, 1\], received 1.5/);
    expectCode("E_RANGE", () => F.dropout(ones([3]), -0.1));
    expectCode("E_RANGE", () => F.dropout(ones([3]), NaN));
    expectCode("E_TYPE", () => F.dropout(ones([3]), "0.5" as never));
    expectCode("E_TYPE", () => F.dropout(ones([3]), 0.5, 1 as never), /dropout: training: expected a boolean/);
    expectCode("E_DTYPE", () => F.dropout(zeros([3], { dtype: "int32" }), 0.5), /dropout: input: expected a float32 tensor/);
    expectCode("E_TYPE", () => F.dropout([1, 2] as never, 0.5));
  });

  itTidy(ctx, "a generator that is not a Generator → E_TYPE, as randn/rand's options.generator", async () => {
    expectCode("E_TYPE", () => F.dropout(ones([3]), 0.5, true, {} as never), /dropout: generator: expected a Generator/);
  });
});
