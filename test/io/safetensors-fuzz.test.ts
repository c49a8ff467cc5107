// Fuzzing the safetensors loader: thousands of seeded mutations of real files (PyTorch's LSTM + Linear
// state dict and the all-dtypes fixture, both from make_safetensors_fixtures.py): bit flips (anywhere,
// and in the data only), truncations, appended bytes, header-length edits, byte edits inside the JSON,
// and structural header edits re-serialised with an honest length (negative / fractional / huge /
// swapped / overlapping offsets, unknown or wrong dtypes, odd shapes, deep JSON, bad metadata). Every case must
// load or throw TesseraError E_FORMAT — never a RangeError, trap or hang — within a time budget, and
// a failed load must leave memory() exactly as it was (and WASM memory must not balloon). Set
// FUZZ_SEED / FUZZ_CASES to replay another seed or run longer.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { io, memory, TesseraError } from "../../src/index.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const CASES = Number(process.env.FUZZ_CASES ?? 6000);
/** Per case: generous against GC pauses (headers nested 20 000 deep parse in ~20 ms); a hang is seconds. */
const BUDGET_MS = 500;

const dir = new URL("../fixtures/safetensors/", import.meta.url);
const bases = ["torch_lstm_fc.safetensors", "dtypes.safetensors"].map((n) => new Uint8Array(readFileSync(new URL(n, dir))));

/** mulberry32: small, seeded, reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function splitFile(bytes: Uint8Array): { header: string; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: new TextDecoder().decode(bytes.subarray(8, 8 + n)), data: bytes.subarray(8 + n) };
}

function joinFile(header: string, data: Uint8Array, length?: bigint): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

type Mutation = (bytes: Uint8Array, r: () => number) => Uint8Array;
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: () => number, n: number) => Math.floor(r() * n);

const weird = (r: () => number): unknown => pick(r, [
  -1, -8, 0.5, 7.25, 1e308, -0, 2 ** 53, 2 ** 60, 2 ** 32, 2 ** 31, Number.MAX_SAFE_INTEGER, "8", null, true, [], {}, [1, 2, 3],
  [[0, 8]], "F32", "", "\u0000", "😀", { dtype: "F32" },
]);

/** Structural edits of the JSON header, written back with the right length. */
const headerEdits: ((h: Record<string, any>, r: () => number, names: string[]) => void)[] = [
  (h, r, names) => { h[pick(r, names)].data_offsets[int(r, 2)] = weird(r); },
  (h, r, names) => { const e = h[pick(r, names)]; e.data_offsets = [e.data_offsets[1], e.data_offsets[0]]; },
  (h, r, names) => { h[pick(r, names)].data_offsets = [...h[pick(r, names)].data_offsets]; }, // overlap / duplicate range
  (h, r, names) => { const e = h[pick(r, names)]; const d = pick(r, [1, -1, 4, -4, 8, 1 << 20]); e.data_offsets = [e.data_offsets[0] + d, e.data_offsets[1] + d]; },
  (h, r, names) => { h[pick(r, names)].data_offsets[1] += pick(r, [1, -1, 2, -2, 4, 1000]); },
  (h, r, names) => { h[pick(r, names)].dtype = pick(r, ["F33", "f32", "", "I128", "F8_E8M0", "C64", "F4", "BOOL", "U8", "F16", "BF16", "I64", "U64", "F64", "__proto__", "constructor", "toString"]); },
  (h, r, names) => { h[pick(r, names)].dtype = weird(r); },
  (h, r, names) => { const e = h[pick(r, names)]; e.shape = e.shape.length ? e.shape.map((d: number) => (r() < 0.5 ? d : weird(r))) : [weird(r)]; },
  (h, r, names) => { const e = h[pick(r, names)]; e.shape = [...e.shape].reverse().concat(r() < 0.5 ? [1] : []); },
  (h, r, names) => { h[pick(r, names)].shape = pick(r, [null, 5, "2,3", {}, [-1], [0], [1e10, 1e10], [2 ** 31, 2], new Array(70).fill(1)]); },
  (h, r, names) => { delete h[pick(r, names)][pick(r, ["dtype", "shape", "data_offsets"])]; },
  (h, r, names) => { h[pick(r, names)] = weird(r); },
  (h, r, names) => { delete h[pick(r, names)]; },
  (h, r) => { h[`extra${int(r, 100)}`] = { dtype: "F32", shape: [1], data_offsets: [int(r, 64), int(r, 64) + 4] }; },
  (h, r) => { h.__metadata__ = pick(r, [5, "pt", [], [["a", "b"]], { a: 1 }, { a: null }, { a: ["x"] }, null, { ok: "yes" }]); },
  // deep JSON: a marker replaced by the nested text after stringify (JSON.stringify itself recurses)
  (h, r, names) => { h[pick(r, names)][pick(r, ["shape", "data_offsets", "dtype"])] = `@@DEEP_ARRAY_${int(r, 20000)}@@`; },
  (h, r, names) => { h[pick(r, names)] = `@@DEEP_OBJECT_${int(r, 10000)}@@`; },
];

const mutations: Record<string, Mutation> = {
  bitFlips(bytes, r) {
    const out = bytes.slice();
    const n = 1 + int(r, 8);
    // mostly in the first 8 + header bytes, where a flip changes the structure
    const headerEnd = Math.min(out.length, 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true)));
    for (let i = 0; i < n; i++) {
      const at = r() < 0.8 ? int(r, headerEnd) : int(r, out.length);
      out[at] ^= 1 << int(r, 8);
    }
    return out;
  },
  dataBitFlips(bytes, r) {
    // flips in the tensor data only: the file stays valid unless an I64 leaves int32
    const out = bytes.slice();
    const start = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    for (let i = 1 + int(r, 16); i > 0 && start < out.length; i--) out[start + int(r, out.length - start)] ^= 1 << int(r, 8);
    return out;
  },
  truncate(bytes, r) {
    return bytes.slice(0, int(r, bytes.length));
  },
  append(bytes, r) {
    const out = new Uint8Array(bytes.length + 1 + int(r, 16));
    out.set(bytes);
    for (let i = bytes.length; i < out.length; i++) out[i] = int(r, 256);
    return out;
  },
  headerLength(bytes, r) {
    const out = bytes.slice();
    const n = new DataView(out.buffer).getBigUint64(0, true);
    const v = pick(r, [0n, 1n, 7n, n - 1n, n + 1n, n + 8n, BigInt(out.length), BigInt(out.length - 7), 100_000_000n, 100_000_001n,
      2n ** 31n, 2n ** 32n, 2n ** 32n + n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n, BigInt(int(r, 2 ** 30))]);
    new DataView(out.buffer).setBigUint64(0, v < 0n ? 0n : v, true);
    return out;
  },
  headerBytes(bytes, r) {
    const { header, data } = splitFile(bytes);
    const chars = [...header];
    for (let i = 1 + int(r, 4); i > 0; i--) {
      const at = int(r, chars.length);
      const op = int(r, 3);
      const c = pick(r, ['"', ",", ":", "[", "]", "{", "}", "-", ".", "e", "0", "9", "1", " ", "\\", "\u00e9", "\uffff", "F", "3", "2"]);
      if (op === 0) chars[at] = c;
      else if (op === 1) chars.splice(at, 0, c);
      else chars.splice(at, 1);
    }
    // half the time an honest length, half the time the old one
    return r() < 0.5 ? joinFile(chars.join(""), data) : joinFile(chars.join(""), data, BigInt(header.length));
  },
  headerStructure(bytes, r) {
    const { header, data } = splitFile(bytes);
    const h = JSON.parse(header);
    const names = Object.keys(h).filter((k) => k !== "__metadata__");
    for (let i = 1 + int(r, 2); i > 0; i--) {
      const live = Object.keys(h).filter((k) => k !== "__metadata__" && h[k] !== null && typeof h[k] === "object" && Array.isArray(h[k].data_offsets) && Array.isArray(h[k].shape));
      pick(r, headerEdits)(h, r, live.length ? live : names);
    }
    let text = JSON.stringify(h)
      .replace(/"@@DEEP_ARRAY_(\d+)@@"/g, (_, n) => "[".repeat(Number(n)) + "1" + "]".repeat(Number(n)))
      .replace(/"@@DEEP_OBJECT_(\d+)@@"/g, (_, n) => '{"v":'.repeat(Number(n)) + "{}" + "}".repeat(Number(n)));
    if (r() < 0.3) text = text.replace(/"([^"]+)":\{"dtype"/, '"$1":{"dtype":"F32","x":1,"dtype"'); // duplicate field
    while (text.length % 8) text += " ";
    return joinFile(text, r() < 0.1 ? data.subarray(0, int(r, data.length)) : data);
  },
};

describe("safetensors loader fuzz", () => {
  it(`${CASES} mutated files load or throw E_FORMAT, within ${BUDGET_MS} ms each, allocating nothing on failure (seed ${SEED})`, () => {
    const r = rng(SEED);
    // the CPU backend keeps a small scratch block from its first use on: take it before counting
    for (const base of bases) for (const t of Object.values(io.loadSafetensors(base).tensors)) t.dispose();
    const kinds = Object.keys(mutations);
    const stats: Record<string, { loaded: number; rejected: number; maxMs: number }> = {};
    const reasons = new Map<string, number>();
    let slowest = 0;
    const wasmStart = memory().wasmBytes;
    for (let i = 0; i < CASES; i++) {
      const kind = kinds[i % kinds.length];
      const base = bases[int(r, bases.length)];
      const bytes = mutations[kind](base, r);
      const before = memory();
      const start = performance.now();
      let outcome: "loaded" | "rejected";
      try {
        const { tensors } = io.loadSafetensors(bytes);
        for (const t of Object.values(tensors)) t.dispose();
        outcome = "loaded";
      } catch (e) {
        if (!(e instanceof TesseraError) || e.code !== "E_FORMAT") {
          throw new Error(`seed ${SEED}, case ${i} (${kind}): expected a load or TesseraError E_FORMAT, received ${e instanceof TesseraError ? e.code : (e as Error)?.name}: ${(e as Error)?.message}`);
        }
        const reason = e.message.replace(/"[^"]*"|\d+(\.\d+)?(e[+-]?\d+)?|\[[^\]]*\]/g, "…").slice(0, 90);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        outcome = "rejected";
      }
      const ms = performance.now() - start;
      const after = memory();
      if (after.numBlocks !== before.numBlocks || after.numBytes !== before.numBytes) {
        throw new Error(`seed ${SEED}, case ${i} (${kind}): memory changed by ${after.numBlocks - before.numBlocks} blocks / ${after.numBytes - before.numBytes} bytes after a ${outcome} load`);
      }
      if (ms > BUDGET_MS) throw new Error(`seed ${SEED}, case ${i} (${kind}): took ${ms.toFixed(1)} ms (budget ${BUDGET_MS} ms)`);
      const s = (stats[kind] ??= { loaded: 0, rejected: 0, maxMs: 0 });
      s[outcome]++;
      s.maxMs = Math.max(s.maxMs, ms);
      slowest = Math.max(slowest, ms);
    }
    const total = Object.values(stats).reduce((n, s) => n + s.loaded + s.rejected, 0);
    expect(total).toBe(CASES);
    const rejected = Object.values(stats).reduce((n, s) => n + s.rejected, 0);
    console.log(`safetensors fuzz, seed ${SEED}: ${CASES} cases, ${CASES - rejected} loaded, ${rejected} rejected with E_FORMAT, slowest ${slowest.toFixed(1)} ms`);
    for (const [kind, s] of Object.entries(stats)) console.log(`  ${kind.padEnd(16)} loaded ${String(s.loaded).padStart(5)}  rejected ${String(s.rejected).padStart(5)}  max ${s.maxMs.toFixed(1)} ms`);
    // no huge allocation: WASM memory may only grow by about what the largest file loads into
    const growth = memory().wasmBytes - wasmStart;
    console.log(`  WASM memory grew by ${growth} bytes`);
    expect(growth).toBeLessThanOrEqual(4 * 1024 * 1024);
    console.log(`  ${reasons.size} distinct rejection messages; most common:`);
    for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`    ${String(n).padStart(5)}  ${reason}`);
    // every mutation family must exercise the error paths, and bit flips in the data must still load
    for (const kind of kinds) expect(stats[kind].rejected, kind).toBeGreaterThan(0);
    expect(stats.bitFlips.loaded + stats.headerStructure.loaded).toBeGreaterThan(0);
  });
});
