// Making tensors and moving data through the public API on every device: tensor() from nested
// arrays, typed arrays and numbers; full/zeros/ones/zerosLike/arange; randn/rand from the seeded
// generator (the same values on every device); t.to() across devices with the gradient flowing
// back; read(), data(), dataInto(), item(), toArray(); and the bad inputs around each. A device
// that cannot be read synchronously (webgpu) answers data(), item(), toArray() and moves off it with
// E_DEVICE pointing at `await t.read()`, and is checked for that instead.
import { expect, it } from "vitest";
import { Generator, arange, full, manualSeed, ones, rand, randn, tensor, zeros, zerosLike, type Tensor } from "../../src/index.js";
import { forEachDevice, onDevice, otherDevice } from "./devices.js";
import { expectClose, expectCode, expectShape, expectTensor, itTidy } from "./compare.js";

const EXACT = { rtol: 0, atol: 0 };
const USE_READ = /await t\.read\(\)/;

function expectOn(t: Tensor, device: string, dtype: string, what: string): void {
  if (t.device !== device) throw new Error(`${what}: on ${t.device}, expected ${device}`);
  if (t.dtype !== dtype) throw new Error(`${what}: dtype ${t.dtype}, expected ${dtype}`);
}

forEachDevice("creation and transfer", (ctx) => {
  const dev = () => ctx.backend.device;

  itTidy(ctx, "tensor(): nested arrays, typed arrays (rounded to float32 / checked as int32), numbers (0-d), empty; on this device", async () => {
    const t = tensor([[1, 2, 3], [4, 5, 6.5]]);
    expectOn(t, dev(), "float32", "nested");
    await expectTensor(t, [2, 3], [1, 2, 3, 4, 5, 6.5], EXACT, "nested");
    if (ctx.backend.syncRead) expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6.5]]);
    else expectCode("E_DEVICE", () => t.toArray(), USE_READ);
    await expectTensor(tensor(new Float64Array([0.1, 1e40, -2]), [3]), [3], [Math.fround(0.1), Infinity, -2], EXACT, "Float64Array → float32");
    await expectTensor(tensor(new Float32Array([1, 2, 3, 4]), [2, 2]), [2, 2], [1, 2, 3, 4], EXACT, "Float32Array with a shape");
    await expectTensor(tensor(new Uint8Array([255, 0, 7])), [3], [255, 0, 7], EXACT, "Uint8Array");
    const ids = tensor(new Int32Array([-(2 ** 31), 0, 2 ** 31 - 1]), undefined, { dtype: "int32" });
    expectOn(ids, dev(), "int32", "Int32Array");
    await expectTensor(ids, [3], [-(2 ** 31), 0, 2 ** 31 - 1], EXACT, "Int32Array");
    expect(await ids.read()).toBeInstanceOf(Int32Array);
    await expectTensor(tensor([[1, -2]], undefined, { dtype: "int32" }), [1, 2], [1, -2], EXACT, "int32 from arrays");
    const s = tensor(3.5);
    await expectTensor(s, [], [3.5], EXACT, "0-d");
    if (ctx.backend.syncRead) {
      expect(s.item()).toBe(3.5);
      expect(s.toArray()).toBe(3.5);
    } else {
      expectCode("E_DEVICE", () => s.item(), USE_READ);
    }
    await expectTensor(tensor([]), [0], [], EXACT, "empty");
    expectShape(tensor([[], []]), [2, 0], "[[], []]");
    expect(tensor([1], undefined, { requiresGrad: true }).requiresGrad).toBe(true);
  });

  itTidy(ctx, "full, zeros, ones, zerosLike, arange (torch's rule: integer start and step give int32)", async () => {
    await expectTensor(full([2, 3], 1.5), [2, 3], new Array(6).fill(1.5), EXACT, "full");
    expectOn(full([2], 7, { dtype: "int32" }), dev(), "int32", "full int32");
    await expectTensor(full([2], -7, { dtype: "int32" }), [2], [-7, -7], EXACT, "full int32");
    await expectTensor(full([], 0.1), [], [Math.fround(0.1)], EXACT, "full 0-d");
    await expectTensor(zeros([0, 3]), [0, 3], [], EXACT, "zeros [0, 3]");
    await expectTensor(zeros([5]), [5], [0, 0, 0, 0, 0], EXACT, "zeros");
    await expectTensor(ones([1, 1, 9]), [1, 1, 9], new Array(9).fill(1), EXACT, "ones");
    const z = zerosLike(tensor([[1, 2]], undefined, { dtype: "int32" }));
    expectOn(z, dev(), "int32", "zerosLike");
    await expectTensor(z, [1, 2], [0, 0], EXACT, "zerosLike");
    const r = arange(5);
    expectOn(r, dev(), "int32", "arange(5)");
    await expectTensor(r, [5], [0, 1, 2, 3, 4], EXACT, "arange(5)");
    await expectTensor(arange(1, 2, 0.25), [4], [1, 1.25, 1.5, 1.75], EXACT, "arange float step");
    expectOn(arange(1, 2, 0.25), dev(), "float32", "arange float step");
    await expectTensor(arange(5, 0, -2), [3], [5, 3, 1], EXACT, "arange negative step");
    await expectTensor(arange(3, 3), [0], [], EXACT, "empty arange");
    expectOn(arange(3, undefined, 1, { dtype: "float32" }), dev(), "float32", "arange with dtype");
  });

  itTidy(ctx, "randn / rand: the generator's sequence rounded to float32, the same on every device; manualSeed reproduces", async () => {
    const twin = new Generator(42);
    const normals = Array.from({ length: 1001 }, () => Math.fround(twin.normal()));
    await expectTensor(randn([7, 11, 13], { generator: new Generator(42) }), [7, 11, 13], normals, EXACT, "randn");
    const twin2 = new Generator(7);
    await expectTensor(rand([9], { generator: new Generator(7) }), [9], Array.from({ length: 9 }, () => Math.fround(twin2.random())), EXACT, "rand");
    manualSeed(3);
    const a = await randn([100]).read();
    manualSeed(3);
    expectClose(await randn([100]).read(), a, EXACT, "manualSeed");
    const u = await rand([1000], { generator: new Generator(1) }).read();
    if (!u.every((v) => v >= 0 && v < 1)) throw new Error("rand outside [0, 1)");
    // Box–Muller normals: mean and variance of 10000 samples within ~5 standard errors of 0 and 1
    const z = await randn([10000], { generator: new Generator(11) }).read() as Float32Array;
    const mean = z.reduce((acc, v) => acc + v, 0) / z.length;
    const variance = z.reduce((acc, v) => acc + (v - mean) ** 2, 0) / z.length;
    if (Math.abs(mean) > 0.05 || Math.abs(variance - 1) > 0.07) throw new Error(`randn: mean ${mean}, variance ${variance}`);
    expectOn(randn([2], { requiresGrad: true }), dev(), "float32", "randn requiresGrad");
  });

  itTidy(ctx, "t.to(other device) and back: same values, both dtypes; to(its own device) is itself; the gradient flows back", async () => {
    const other = otherDevice(ctx.backend);
    const x = tensor([[1, -2.5], [3, 4]]);
    if (!ctx.backend.syncRead) {
      // Off this device only through the host, asynchronously: E_DEVICE naming read(). Onto it: a copy.
      expectCode("E_DEVICE", () => x.to(other), USE_READ);
      const up = onDevice(other, () => tensor([[1, -2.5], [3, 4]])).to(dev());
      expect(up.device).toBe(dev());
      await expectTensor(up, [2, 2], [1, -2.5, 3, 4], EXACT, "to(this device)");
      const ids = onDevice(other, () => tensor([5, -6], undefined, { dtype: "int32" })).to(dev());
      expectOn(ids, dev(), "int32", "int32 to(this device)");
      await expectTensor(ids, [2], [5, -6], EXACT, "int32 to(this device)");
      expect(x.to(dev())).toBe(x);
      // The gradient of that copy would have to come back synchronously: backward() refuses.
      const w = onDevice(other, () => tensor([1, 2, 3], undefined, { requiresGrad: true }));
      const loss = w.to(dev()).mul(tensor([4, 5, 6])).sum();
      expectCode("E_DEVICE", () => loss.backward(), USE_READ);
      await expectTensor(onDevice(other, () => tensor(2.5)).to(dev()), [], [2.5], EXACT, "0-d to(this device)");
      expectShape(onDevice(other, () => zeros([0, 2])).to(dev()), [0, 2], "size-0 to(this device)");
      return;
    }
    const y = x.to(other);
    expect(y.device).toBe(other);
    await expectTensor(y, [2, 2], [1, -2.5, 3, 4], EXACT, "to(other)");
    const back = y.to(dev());
    expect(back.device).toBe(dev());
    await expectTensor(back, [2, 2], [1, -2.5, 3, 4], EXACT, "and back");
    const ids = tensor([5, -6], undefined, { dtype: "int32" }).to(other);
    expectOn(ids, other, "int32", "int32 to(other)");
    await expectTensor(ids, [2], [5, -6], EXACT, "int32 to(other)");
    // to(the name of its own device) is the tensor itself; "cpu" names the global runtime's CPU
    // backend, so a tensor on another build's CPU backend is copied there
    const same = x.to(dev());
    if (same.backend === ctx.backend) expect(same).toBe(x);
    else await expectTensor(same, [2, 2], [1, -2.5, 3, 4], EXACT, "to(\"cpu\") from another build's CPU backend");
    const w = tensor([1, 2, 3], undefined, { requiresGrad: true });
    w.to(other).mul(tensor([4, 5, 6]).to(other)).sum().backward();
    expect(w.grad!.device).toBe(dev());
    expectClose(await w.grad!.read(), [4, 5, 6], EXACT, "gradient across devices");
    await expectTensor(tensor(2.5).to(other), [], [2.5], EXACT, "0-d to(other)");
    expectShape(zeros([0, 2]).to(other), [0, 2], "size-0 to(other)");
  });

  it("read() resolves to the data; data(), dataInto(), item() agree", async () => {
    const x = tensor([[1, 2], [3, 4.5]]);
    const r = await x.read();
    expect(r).toBeInstanceOf(Float32Array);
    expect(Array.from(r)).toEqual([1, 2, 3, 4.5]);
    const ids = tensor([7, 8], undefined, { dtype: "int32" });
    expect(Array.from(await ids.read())).toEqual([7, 8]);
    expect(Array.from(await zeros([0]).read())).toEqual([]);
    if (!x.backend.syncRead) {
      expectCode("E_DEVICE", () => x.data(), USE_READ);
      expectCode("E_DEVICE", () => x.dataInto(new Float32Array(4)), USE_READ);
      expectCode("E_DEVICE", () => tensor([[9]]).item(), USE_READ);
      for (const t of [x, ids]) t.dispose();
      return;
    }
    expect(Array.from(x.data())).toEqual([1, 2, 3, 4.5]);
    const out = new Float32Array(6).fill(-1);
    expect(x.dataInto(out)).toBe(out);
    expect(Array.from(out)).toEqual([1, 2, 3, 4.5, -1, -1]);
    expect(Array.from(ids.dataInto(new Int32Array(2)))).toEqual([7, 8]);
    expect(tensor([[9]]).item()).toBe(9);
    for (const t of [x, ids]) t.dispose();
  });

  itTidy(ctx, "bad inputs: E_DEVICE (mixed devices, unknown device names), E_SHAPE, E_TYPE, E_DTYPE, E_VALUE, E_RANGE", async () => {
    const other = otherDevice(ctx.backend);
    const a = ones([2]);
    expectCode("E_DEVICE", () => a.add(onDevice(other, () => ones([2]))), /add: other: expected a tensor on the same device as input/);
    expectCode("E_DEVICE", () => a.to("nope"), /to\(device\): expected one of .*received "nope"/);
    expectCode("E_DEVICE", () => a.to(3 as never));
    expectCode("E_DEVICE", () => tensor([1], undefined, { device: "tpu" }), /tensor: options.device/);
    expectCode("E_TYPE", () => a.dataInto(new Int32Array(2) as never), /dataInto\(out\): expected an Float32Array for a float32 tensor/);
    expectCode("E_SHAPE", () => a.dataInto(new Float32Array(1)), /dataInto\(out\): expected an array of at least 2 elements/);
    expectCode("E_SHAPE", () => a.item(), /item\(\): expected a tensor with one element/); // checked before reading
    expectCode("E_SHAPE", () => tensor([[1, 2], [3]]), /tensor: data\[1\]: expected an array of length 2/);
    expectCode("E_TYPE", () => tensor([1, "a" as never]), /tensor: data\[1\]: expected a number/);
    expectCode("E_TYPE", () => tensor("abc" as never));
    expectCode("E_SHAPE", () => tensor([1, 2, 3], [2, 2]), /tensor: shape: expected a shape with 3 elements/);
    expectCode("E_DTYPE", () => tensor([1.5], undefined, { dtype: "int32" }), /int32 integer/);
    expectCode("E_DTYPE", () => tensor([2 ** 31], undefined, { dtype: "int32" }));
    expectCode("E_DTYPE", () => tensor([1], undefined, { dtype: "float64" as never }), /options.dtype/);
    expectCode("E_DTYPE", () => tensor([1], undefined, { dtype: "int32", requiresGrad: true }));
    expectCode("E_TYPE", () => tensor([1], undefined, { requiresGrad: 1 as never }));
    expectCode("E_TYPE", () => tensor([1], undefined, 5 as never), /tensor: options: expected an object/);
    expectCode("E_SHAPE", () => zeros([2, -1]), /zeros: shape: expected an array of non-negative integers|full: shape/);
    expectCode("E_SHAPE", () => zeros([2, 1.5]));
    expectCode("E_SHAPE", () => zeros([2 ** 20, 2 ** 20]), /fewer than 2\^31/);
    expectCode("E_TYPE", () => zeros(3 as never));
    expectCode("E_RANGE", () => full([2], NaN, { dtype: "int32" }));
    expectCode("E_TYPE", () => full([2], "1" as never));
    expectCode("E_VALUE", () => arange(0, 10, 0), /arange: step: expected a non-zero number/);
    expectCode("E_RANGE", () => arange(0, Infinity), /arange: end/);
    expectCode("E_DTYPE", () => randn([2], { dtype: "int32" }), /randn: options.dtype/);
    expectCode("E_TYPE", () => rand([2], { generator: {} as never }), /rand: options.generator: expected a Generator/);
  });
});
