// The answers every runtime and bundler test asks of the installed package: what info() says, a
// matmul against a plain-JS float64 reference, a few SGD steps of a small classifier (the loss must
// fall), and a BPE tokenizer trained, encoded and decoded. Plain JavaScript with no imports, so the
// same function runs under Node (ESM and CommonJS), Deno, Bun, workerd and in a page.
export function runChecks(t) {
  const rand = (() => { let s = 12345; return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5; })();
  const m = 33, k = 47, n = 29;
  const a = Array.from({ length: m * k }, rand), b = Array.from({ length: k * n }, rand);
  const ta = t.tensor(a, [m, k]), tb = t.tensor(b, [k, n]);
  const got = ta.matmul(tb).data();
  let maxErr = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
    maxErr = Math.max(maxErr, Math.abs(s - got[i * n + j]));
  }
  t.manualSeed(0);
  const model = new t.nn.Linear(8, 3);
  const opt = new t.optim.SGD(model.parameters(), { lr: 0.5 });
  const x = t.randn([32, 8]);
  const y = t.tensor(Array.from({ length: 32 }, (_, i) => i % 3), undefined, { dtype: "int32" });
  const losses = [];
  for (let step = 0; step < 20; step++) {
    const loss = t.tidy(() => {
      const l = t.F.crossEntropy(model.forward(x), y);
      l.backward();
      return l.item();
    });
    opt.step();
    opt.zeroGrad();
    losses.push(loss);
  }
  const text = "the quick brown fox jumps over the lazy dog. the dog sleeps. the fox runs. ".repeat(20);
  const tok = t.BPETokenizer.train([text], { vocabSize: 300 });
  const ids = tok.encode("the fox sleeps");
  return {
    info: t.info(),
    matmulMaxErr: maxErr,
    lossFirst: losses[0],
    lossLast: losses[losses.length - 1],
    tokens: ids.length,
    roundtrip: tok.decode(ids) === "the fox sleeps",
  };
}

/** The checks' expectations, as a list of failures (empty: all good). */
export function problems(r) {
  const out = [];
  if (!r || typeof r !== "object") return [`no result: ${JSON.stringify(r)}`];
  if (r.info?.simd !== true) out.push(`info().simd is ${r.info?.simd}`);
  if (!(r.matmulMaxErr < 1e-4)) out.push(`matmul differs from the JS reference by ${r.matmulMaxErr}`);
  if (!(r.lossLast < r.lossFirst)) out.push(`the loss did not fall: ${r.lossFirst} → ${r.lossLast}`);
  if (!(r.tokens > 0 && r.tokens < 14)) out.push(`"the fox sleeps" encoded to ${r.tokens} tokens`);
  if (r.roundtrip !== true) out.push("decode(encode(text)) is not the text");
  return out;
}
