// Who frees what (issue 8, defects 6, 10 and 16): composite ops free their intermediates without
// tidy(), tidy() keeps tensors returned inside Maps, Sets and class instances, a failing op or
// backward leaves nothing allocated and no gradient half-written, and backward() on a graph that
// tidy() already freed says so instead of silently doing nothing.
import { afterEach, describe, expect, it } from "vitest";
import { F, memory, noGrad, ones, randn, tensor, tidy } from "../../src/index.js";
import { useBackend } from "../../src/backend/device.js";
import { runtime } from "../../src/runtime/wasm.js";
import { FailingBackend } from "../support/failing-backend.js";

const blocks = () => memory().numBlocks;

describe("composite ops without tidy()", () => {
  type T = ReturnType<typeof ones>;
  // Each case makes its inputs, then one call of a composite op (its intermediates are unreachable).
  const cases: [string, () => { inputs: T[]; run: () => T }][] = [
    ["crossEntropy (mean)", () => {
      const x = randn([8, 5]).requiresGrad_(), y = tensor([0, 1, 2, 3, 4, 0, 1, 2], undefined, { dtype: "int32" });
      return { inputs: [x, y], run: () => F.crossEntropy(x, y) };
    }],
    ["crossEntropy (sum, ignored rows)", () => {
      const x = randn([4, 3]).requiresGrad_(), y = tensor([0, 1, 2, -100], undefined, { dtype: "int32" });
      return { inputs: [x, y], run: () => F.crossEntropy(x, y, { reduction: "sum" }) };
    }],
    ["crossEntropy (none)", () => {
      const x = randn([4, 3]).requiresGrad_(), y = tensor([0, 1, 2, -100], undefined, { dtype: "int32" });
      return { inputs: [x, y], run: () => F.crossEntropy(x, y, { reduction: "none" }) };
    }],
    ["mseLoss", () => {
      const x = randn([6]).requiresGrad_(), t = randn([6]);
      return { inputs: [x, t], run: () => F.mseLoss(x, t) };
    }],
    ["binaryCrossEntropyWithLogits", () => {
      const x = randn([6]).requiresGrad_(), t = ones([6]);
      return { inputs: [x, t], run: () => F.binaryCrossEntropyWithLogits(x, t) };
    }],
    ["1-D matmul", () => {
      const a = randn([5]).requiresGrad_(), b = randn([5, 3]);
      return { inputs: [a, b], run: () => a.matmul(b) };
    }],
    ["gather on axis 1", () => {
      const x = randn([3, 4]).requiresGrad_(), i = tensor([3, 0], undefined, { dtype: "int32" });
      return { inputs: [x, i], run: () => x.gather(i, 1) };
    }],
    ["linear on a 3-D input", () => {
      const x = randn([2, 3, 4]).requiresGrad_(), w = randn([5, 4]).requiresGrad_();
      return { inputs: [x, w], run: () => F.linear(x, w) };
    }],
    ["softmax on axis 0", () => {
      const x = randn([3, 4]).requiresGrad_();
      return { inputs: [x], run: () => x.softmax(0) };
    }],
  ];

  it.each(cases)("%s: forward + dispose, and forward + backward + dispose, keep memory flat", (_, make) => {
    const { inputs, run } = make();
    const seed = ones(run().shape); // also warms up per-backend scratch
    const before = blocks();
    for (let i = 0; i < 20; i++) run().dispose(); // no backward: the graph dies with its output
    expect(blocks()).toBe(before);
    for (let i = 0; i < 20; i++) {
      const out = run();
      out.backward(seed);
      out.dispose();
      for (const t of inputs) t.zeroGrad();
    }
    expect(blocks()).toBe(before);
    for (const t of [...inputs, seed]) t.dispose();
  });

  it("a 200-step training loop that disposes what it makes keeps memory flat (no tidy)", () => {
    const x = randn([32, 16]), y = tensor(Array.from({ length: 32 }, (_, i) => i % 4), undefined, { dtype: "int32" });
    const w = randn([4, 16]).mul(0.1).requiresGrad_();
    const before = blocks();
    for (let step = 0; step < 200; step++) {
      const logits = F.linear(x, w);
      const loss = F.crossEntropy(logits, y);
      loss.backward();
      noGrad(() => {
        const update = w.grad!.mul(0.1);
        const next = w.sub(update);
        w.copy_(next);
        update.dispose();
        next.dispose();
      });
      w.zeroGrad();
      loss.dispose();
      logits.dispose();
    }
    expect(blocks()).toBe(before);
  });
});

describe("tidy()", () => {
  it("keeps tensors returned inside a Map, a Set, a class instance and a cycle", () => {
    class Pair {
      constructor(readonly a: ReturnType<typeof ones>, readonly b: ReturnType<typeof ones>) {}
    }
    const before = blocks();
    const out = tidy(() => {
      const cyclic: { self?: unknown; t: ReturnType<typeof ones> } = { t: ones([1]) };
      cyclic.self = cyclic;
      return { map: new Map([["w", ones([2])]]), set: new Set([ones([3])]), pair: new Pair(ones([4]), ones([5])), cyclic, dropped: ones([6]).sum() && 7 };
    });
    expect(blocks()).toBe(before + 5);
    expect(out.map.get("w")!.data().length).toBe(2);
    expect([...out.set][0].data().length).toBe(3);
    expect(out.pair.b.data().length).toBe(5);
    for (const t of [out.map.get("w")!, ...out.set, out.pair.a, out.pair.b, out.cyclic.t]) t.dispose();
    expect(blocks()).toBe(before);
  });
});

describe("backward() after tidy() freed the graph", () => {
  it("throws E_GRAD naming the freed tensor, leaves .grad alone and leaks nothing", () => {
    const w = tensor([1, 2, 3, 4], undefined, { requiresGrad: true });
    const x = tensor([1, 1, 1, 1]);
    const loss = tidy(() => w.mul(x).square().sum());
    const before = blocks();
    expect(() => loss.backward()).toThrow(expect.objectContaining({ code: "E_GRAD", message: expect.stringMatching(/disposed.*tidy\(\)/) }));
    expect(w.grad).toBeNull();
    expect(blocks()).toBe(before);
    for (const t of [w, x, loss]) t.dispose();
  });
});

describe("out of memory in the middle of an op or a backward", () => {
  let backend: FailingBackend;
  afterEach(() => useBackend(null));

  const setup = () => {
    backend = new FailingBackend(runtime());
    useBackend(backend);
  };

  it("an op that runs out of memory leaves no output or scratch behind", () => {
    setup();
    const x = randn([4, 6]), w = randn([3, 6]), g = ones([6]), b = ones([6]), y = tensor([0, 1, 2, 0], undefined, { dtype: "int32" });
    const ops: [string, () => ReturnType<typeof ones>][] = [
      ["layerNorm", () => x.layerNorm(6, g, b)], ["linear", () => F.linear(x, w)], ["max", () => x.max(1)],
      ["dropout", () => F.dropout(x, 0.5)], ["crossEntropy", () => F.crossEntropy(F.linear(x, w), y)],
    ];
    for (const [name, op] of ops) {
      const before = blocks();
      let failures = 0;
      for (let allowed = 0; ; allowed++) {
        backend.allowed = allowed;
        try {
          tidy(() => { op(); }); // tidy disposes the result; only a leak on failure would remain
          break;
        } catch (e) {
          failures++;
          expect((e as { code: string }).code, name).toBe("E_OOM");
          expect(blocks(), `${name} with ${allowed} allocations allowed`).toBe(before);
        }
      }
      expect(failures, name).toBeGreaterThan(0);
      expect(blocks()).toBe(before);
    }
    backend.allowed = Infinity;
    for (const t of [x, w, g, b, y]) t.dispose();
  });

  it("a backward that runs out of memory changes no gradient and can be retried", () => {
    setup();
    const w = randn([5, 4]).requiresGrad_(), b = randn([5]).requiresGrad_(), x = randn([3, 4]);
    const y = tensor([0, 4, 2], undefined, { dtype: "int32" });
    F.crossEntropy(F.linear(x, w, b), y).backward(); // gradients to accumulate into
    const gw = Array.from(w.grad!.data()), gb = Array.from(b.grad!.data());
    const loss = F.crossEntropy(F.linear(x, w, b), y);
    const before = blocks();
    let failures = 0;
    for (let allowed = 0; ; allowed++) {
      backend.allowed = allowed;
      try {
        loss.backward();
        break;
      } catch (e) {
        failures++;
        expect((e as { code: string }).code).toBe("E_OOM");
        expect(Array.from(w.grad!.data())).toEqual(gw);
        expect(Array.from(b.grad!.data())).toEqual(gb);
        expect(blocks()).toBe(before);
      }
    }
    expect(failures).toBeGreaterThan(2);
    backend.allowed = Infinity;
    // the retry that succeeded added the same gradients once more
    w.grad!.data().forEach((v, i) => expect(v).toBeCloseTo(2 * gw[i], 6));
    b.grad!.data().forEach((v, i) => expect(v).toBeCloseTo(2 * gb[i], 6));
    for (const t of [w, b, x, y, loss]) t.dispose();
  });
});
