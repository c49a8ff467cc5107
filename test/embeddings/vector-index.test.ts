// VectorIndex through the public API: top-k with ids for every metric equals the float64 brute force
// (test/support/brute-force-knn.ts; small-integer vectors make ip/l2 exact, ties by insertion
// order), input forms, limit, scores(), save/load round trips, a fuzzed loader (truncations, byte
// flips, and header fields rewritten with a valid checksum: E_FORMAT, never a trap or hang), and bad
// input (dimension mismatch, k <= 0, bad ids, non-finite values, disposed index).
import { describe, expect, it } from "vitest";
import { embeddings, TesseraError, tensor } from "../../src/index.js";
import { crc32 } from "../../src/embeddings/crc32.js";
import { bruteForceKnn, expectKnn, scoreMap } from "../support/brute-force-knn.js";
import { rng } from "../kernels/util.js";

const { VectorIndex } = embeddings;

function ints(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.round(r() * 3));
}

function code(f: () => unknown): string {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(TesseraError); return (e as TesseraError).code; }
  throw new Error("expected a TesseraError");
}

describe("VectorIndex search", () => {
  for (const metric of ["ip", "l2", "cosine"] as const) {
    it(`${metric}: ids and scores equal the brute force, added in three batches with ids`, () => {
      const dim = 13, rows = 700, nq = 6, k = 12;
      const x = metric === "cosine" ? Float32Array.from(ints(rows * dim, 3), (v, i) => v + ((i * 7) % 5) / 10) : ints(rows * dim, 3);
      const index = new VectorIndex(dim, { metric });
      const ids = Array.from({ length: rows }, (_, i) => 1000 + 3 * i);
      index.add(x.subarray(0, 100 * dim), ids.slice(0, 100));
      index.add(Array.from({ length: 250 }, (_, i) => Array.from(x.subarray((100 + i) * dim, (101 + i) * dim))), ids.slice(100, 350));
      index.add(x.subarray(350 * dim), ids.slice(350));
      expect(index.size).toBe(rows);
      const q = ints(nq * dim, 4);
      const res = index.search(q, k);
      expect([res.nq, res.k]).toEqual([nq, k]);
      for (let i = 0; i < nq; i++) {
        const qi = q.subarray(i * dim, (i + 1) * dim);
        const ref = bruteForceKnn(x, rows, dim, qi, k, metric);
        const tol = metric === "cosine" ? 1e-5 : 0;
        expectKnn(res.rows.subarray(i * k, (i + 1) * k), res.scores.subarray(i * k, (i + 1) * k), ref, tol ? scoreMap(x, rows, dim, qi, metric) : new Map(), k, tol, `${metric} query ${i}`);
        for (let j = 0; j < k; j++) expect(res.ids[i * k + j]).toBe(ids[res.rows[i * k + j]]);
      }
      index.dispose();
    });
  }

  it("metric per search, limit, scores(), tensors and default ids", () => {
    const index = new VectorIndex(2);
    index.add(tensor([[1, 0], [0, 1], [1, 1], [-1, 0]]));
    expect(index.metric).toBe("l2");
    const l2 = index.search([1, 0.1], 2);
    expect(Array.from(l2.ids)).toEqual([0, 2]);
    expect(l2.scores[0]).toBeCloseTo(0.01, 6);
    const ip = index.search([1, 1], 4, { metric: "ip" });
    expect(Array.from(ip.ids)).toEqual([2, 0, 1, 3]); // 0 and 1 tie at 1: insertion order
    const cos = index.search([[2, 2]], 1, { metric: "cosine" });
    expect(cos.ids[0]).toBe(2);
    expect(cos.scores[0]).toBeCloseTo(1, 6);
    const limited = index.search([1, 1], 3, { metric: "ip", limit: 2 });
    expect(Array.from(limited.ids)).toEqual([0, 1, -1]);
    expect(Number.isNaN(limited.scores[2])).toBe(true);
    expect(Array.from(index.scores([1, 2], { metric: "ip" }))).toEqual([1, 2, 3, -1]);
    expect(Array.from(index.reconstruct(3))).toEqual([-1, 0]);
    index.dispose();
  });

  it("an empty index answers k slots of id -1, as faiss", () => {
    const index = new VectorIndex(3, { metric: "ip" });
    const r = index.search([1, 2, 3, 4, 5, 6], 2);
    expect(Array.from(r.ids)).toEqual([-1, -1, -1, -1]);
    expect(Array.from(r.scores).every(Number.isNaN)).toBe(true);
    expect(index.scores([1, 2, 3]).length).toBe(0);
  });
});

describe("VectorIndex save/load", () => {
  const make = (withIds: boolean) => {
    const index = new VectorIndex(5, { metric: "cosine" });
    index.add(ints(40 * 5, 9), withIds ? Array.from({ length: 40 }, (_, i) => 2 ** 40 + i) : undefined);
    return index;
  };

  for (const withIds of [true, false]) {
    it(`round trip ${withIds ? "with" : "without"} ids`, () => {
      const a = make(withIds);
      const b = VectorIndex.load(a.save());
      expect([b.dim, b.size, b.metric]).toEqual([5, 40, "cosine"]);
      const q = ints(3 * 5, 10);
      const ra = a.search(q, 7), rb = b.search(q, 7);
      expect(Array.from(rb.ids)).toEqual(Array.from(ra.ids));
      expect(Array.from(rb.scores)).toEqual(Array.from(ra.scores));
      expect(b.save()).toEqual(a.save());
      a.dispose();
      b.dispose();
    });
  }

  it("fuzzed files: every truncation, byte flips and checksummed header rewrites are E_FORMAT", () => {
    const good = make(true).save();
    for (let n = 0; n < good.length; n += 7) expect(code(() => VectorIndex.load(good.subarray(0, n)))).toBe("E_FORMAT");
    const r = rng(11);
    for (let t = 0; t < 300; t++) {
      const b = good.slice();
      const at = Math.floor(((r() + 1) / 2) * b.length);
      b[at] ^= 1 + Math.floor(((r() + 1) / 2) * 255);
      expect(code(() => VectorIndex.load(b))).toBe("E_FORMAT");
    }
    // Header fields and payload values rewritten, checksum recomputed: the parser itself must refuse.
    const resealed = (edit: (dv: DataView) => void): Uint8Array => {
      const b = good.slice();
      const dv = new DataView(b.buffer);
      edit(dv);
      dv.setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);
      return b;
    };
    const edits: ((dv: DataView) => void)[] = [
      (dv) => dv.setUint32(4, 2, true), (dv) => dv.setUint32(8, 0, true), (dv) => dv.setUint32(8, 0xffffffff, true),
      (dv) => dv.setUint32(12, 3, true), (dv) => dv.setUint32(16, 41, true), (dv) => dv.setUint32(16, 0xffffffff, true),
      (dv) => dv.setUint32(20, 2, true), (dv) => dv.setUint32(20, 0, true), (dv) => dv.setUint32(24, 1, true),
      (dv) => dv.setFloat64(28, -1, true), (dv) => dv.setFloat64(28, 0.5, true), (dv) => dv.setFloat64(28, NaN, true),
      (dv) => dv.setFloat32(28 + 8 * 40, NaN, true), (dv) => dv.setFloat32(28 + 8 * 40 + 4, Infinity, true),
    ];
    for (const e of edits) expect(code(() => VectorIndex.load(resealed(e)))).toBe("E_FORMAT");
    for (let t = 0; t < 200; t++) {
      const junk = Uint8Array.from({ length: Math.floor(((r() + 1) / 2) * 200) }, () => Math.floor(((r() + 1) / 2) * 256));
      expect(code(() => VectorIndex.load(junk))).toBe("E_FORMAT");
    }
    expect(code(() => VectorIndex.load("file" as never))).toBe("E_TYPE");
  });
});

describe("VectorIndex rejects bad input", () => {
  it("dimensions, k, ids, values, options and disposal", () => {
    expect(code(() => new VectorIndex(0))).toBe("E_RANGE");
    expect(code(() => new VectorIndex(4, { metric: "dot" as never }))).toBe("E_VALUE");
    const index = new VectorIndex(4);
    expect(code(() => index.add([1, 2, 3]))).toBe("E_SHAPE");
    expect(code(() => index.add([[1, 2, 3, 4], [1, 2, 3]]))).toBe("E_SHAPE");
    expect(code(() => index.add([1, 2, NaN, 4]))).toBe("E_VALUE");
    expect(code(() => index.add([1, 2, 3, 4], [1, 2]))).toBe("E_SHAPE");
    expect(code(() => index.add([1, 2, 3, 4], [-1]))).toBe("E_RANGE");
    expect(code(() => index.add([1, 2, 3, 4], [0.5]))).toBe("E_RANGE");
    expect(code(() => index.add("vectors"))).toBe("E_TYPE");
    expect(index.size).toBe(0); // nothing half-added
    index.add([1, 2, 3, 4]);
    expect(code(() => index.search([1, 2, 3], 1))).toBe("E_SHAPE");
    expect(code(() => index.search([1, 2, 3, 4], 0))).toBe("E_RANGE");
    expect(code(() => index.search([1, 2, 3, 4], -1))).toBe("E_RANGE");
    expect(code(() => index.search([1, 2, 3, 4], 1.5))).toBe("E_RANGE");
    expect(code(() => index.search([1, 2, 3, 4], 1, { metric: "cos" as never }))).toBe("E_VALUE");
    expect(code(() => index.search([1, 2, 3, 4], 1, { limit: -1 }))).toBe("E_RANGE");
    expect(code(() => index.search([Infinity, 2, 3, 4], 1))).toBe("E_VALUE");
    expect(code(() => index.scores([1, 2, 3, 4, 5, 6, 7, 8]))).toBe("E_SHAPE");
    expect(code(() => index.reconstruct(1))).toBe("E_RANGE");
    index.dispose();
    expect(code(() => index.search([1, 2, 3, 4], 1))).toBe("E_DISPOSED");
    expect(code(() => index.add([1, 2, 3, 4]))).toBe("E_DISPOSED");
  });
});
