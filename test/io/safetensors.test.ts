// safetensors: the reference implementation's own byte vectors (huggingface/safetensors,
// safetensors/src/tensor.rs tests), PyTorch round trips both ways (fixtures made by
// test/fixtures/make_safetensors_fixtures.py with torch 1.13: an LSTM(10, 50) + Linear(50, 2) state
// dict and one tensor per dtype, converted by torch's .float() / .int()), header validation with a
// named problem per case, and bad input.
import { describe, expect, it } from "vitest";
import { readFileSync, mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io, nn, tensor, memory, zeros, type Tensor, TesseraError } from "../../src/index.js";
import { Module } from "../../src/nn/module.js";

const dir = new URL("../fixtures/safetensors/", import.meta.url);
const read = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));
const json = (name: string) => JSON.parse(readFileSync(new URL(name, dir), "utf8"));
const num = (v: number | string) => (typeof v === "number" ? v : Number(v));

/** A file from a header object (or raw header text) and data bytes, with an honest length. */
function file(header: unknown, data: ArrayLike<number> = [], pad = true): Uint8Array {
  let text = typeof header === "string" ? header : JSON.stringify(header);
  if (pad) while ((text.length + 0) % 8 !== 0) text += " ";
  const h = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(Array.from(data), 8 + h.length);
  return out;
}

function f32Bytes(values: number[]): number[] {
  return Array.from(new Uint8Array(Float32Array.from(values).buffer));
}

function disposeAll(tensors: Record<string, Tensor>): void {
  for (const t of Object.values(tensors)) t.dispose();
}

function expectFormatError(bytes: Uint8Array, message: RegExp): void {
  const before = memory();
  let error: unknown;
  try {
    disposeAll(io.loadSafetensors(bytes).tensors);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(TesseraError);
  expect((error as TesseraError).code).toBe("E_FORMAT");
  expect((error as TesseraError).message).toMatch(message);
  expect(memory().numBlocks).toBe(before.numBlocks);
  expect(memory().numBytes).toBe(before.numBytes);
}

/** A module with PyTorch's keys for LSTM(10, 50) + Linear(50, 2), without needing nn.LSTM. */
class LstmParams extends Module {
  constructor() {
    super();
    this.addParameter("weight_ih_l0", zeros([200, 10]));
    this.addParameter("weight_hh_l0", zeros([200, 50]));
    this.addParameter("bias_ih_l0", zeros([200]));
    this.addParameter("bias_hh_l0", zeros([200]));
  }
  forward(): never {
    throw new Error("parameters only");
  }
}

class Net extends Module {
  readonly lstm = this.addModule("lstm", new LstmParams());
  readonly fc = this.addModule("fc", new nn.Linear(50, 2));
  forward(x: Tensor): Tensor {
    return this.fc.forward(x);
  }
}

describe("safetensors: the reference implementation's byte vectors", () => {
  it("serialises attn.0 [1, 2, 3] F32 exactly as safetensors' test_serialization", () => {
    const bytes = io.saveSafetensors({ "attn.0": tensor([0, 1, 2, 3, 4, 5], [1, 2, 3]) });
    expect(Array.from(bytes)).toEqual([
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
      116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
      58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
      101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
      0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ]);
    const { tensors } = io.loadSafetensors(bytes);
    expect(tensors["attn.0"].shape).toEqual([1, 2, 3]);
    expect(Array.from(tensors["attn.0"].data())).toEqual([0, 1, 2, 3, 4, 5]);
    disposeAll(tensors);
  });

  it("pads the header with spaces to 8 bytes (test_serialization_forced_alignement)", () => {
    const bytes = io.saveSafetensors({ attn0: tensor([0, 1, 2, 3, 4, 5], [1, 1, 2, 3]) });
    expect(bytes[0]).toBe(72);
    expect(Array.from(bytes.subarray(8 + 65, 8 + 72))).toEqual([32, 32, 32, 32, 32, 32, 32]);
    expect((bytes.length - 24) % 8).toBe(0);
  });

  it("writes empty files with and without metadata (test_empty)", () => {
    expect(Array.from(io.saveSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    expect(Array.from(io.saveSafetensors({}, { framework: "pt" }))).toEqual([
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
      95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
      116, 34, 125, 125, 32, 32, 32, 32, 32,
    ]);
    expect(io.loadSafetensors(io.saveSafetensors({}, { framework: "pt" })).metadata).toEqual({ framework: "pt" });
  });

  it("orders data by descending dtype then name (F32 before I32), metadata first", () => {
    const bytes = io.saveSafetensors({
      b: tensor([1, 2], undefined, { dtype: "int32" }), a: tensor([1]), c: tensor([3]), "a.int": tensor([5], undefined, { dtype: "int32" }),
    }, { z: "1", a: "2" });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd();
    expect(header).toBe('{"__metadata__":{"a":"2","z":"1"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' +
      '"c":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a.int":{"dtype":"I32","shape":[1],"data_offsets":[8,12]},' +
      '"b":{"dtype":"I32","shape":[2],"data_offsets":[12,20]}}');
  });
});

describe("safetensors: PyTorch round trip (fixtures from make_safetensors_fixtures.py)", () => {
  const expected = json("torch_lstm_fc.json");

  it("loads torch.nn.LSTM(10, 50) + Linear(50, 2) with PyTorch's keys and values", () => {
    const bytes = read("torch_lstm_fc.safetensors");
    const { tensors, metadata } = io.loadSafetensors(bytes);
    expect(metadata).toEqual({ format: "pt" });
    expect(Object.keys(tensors).sort()).toEqual([...expected.keys].sort());
    expect(expected.keys).toContain("lstm.weight_ih_l0");
    for (const [key, want] of Object.entries<any>(expected.tensors)) {
      const t = tensors[key];
      expect(t.dtype, key).toBe("float32");
      expect(t.shape, key).toEqual(want.shape);
      const values = t.data();
      let sum = 0, sumAbs = 0;
      for (const v of values) { sum += v; sumAbs += Math.abs(v); }
      // torch sums the same float32 values in float64, in another order: agreement to ~1e-12 relative
      expect(Math.abs(sum - want.sum), key).toBeLessThan(1e-9 * Math.max(1, want.sumAbs));
      expect(Math.abs(sumAbs - want.sumAbs), key).toBeLessThan(1e-9 * Math.max(1, want.sumAbs));
      for (const [i, v] of Object.entries<number>(want.elements)) expect(values[Number(i)], `${key}[${i}]`).toBe(v);
    }
    // writing the state dict back reproduces the file byte for byte, and re-loads identically
    const again = io.saveSafetensors(tensors, metadata);
    expect(again.length).toBe(expected.fileBytes);
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    const reloaded = io.loadSafetensors(again).tensors;
    for (const key of expected.keys) expect(reloaded[key].data()).toEqual(tensors[key].data());
    disposeAll(tensors);
    disposeAll(reloaded);
  });

  it("loads into a Module with PyTorch keys (loadSafetensorsInto), computes like torch's fc, and saves the same bytes", () => {
    const net = new Net();
    const result = io.loadSafetensorsInto(net, read("torch_lstm_fc.safetensors"));
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [], metadata: { format: "pt" } });
    const y = net.forward(tensor(expected.probeInput, [1, 50]));
    const want: number[] = expected.probeOutput;
    Array.from(y.data()).forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-5));
    const state = net.stateDict();
    expect(Buffer.from(io.saveSafetensors(state, { format: "pt" })).equals(Buffer.from(read("torch_lstm_fc.safetensors")))).toBe(true);
    disposeAll(state);
    net.dispose();
  });

  it("reads the file tessera wrote for PyTorch (tessera_written.safetensors, checked in Python by the fixture script)", () => {
    const { tensors, metadata } = io.loadSafetensors(read("tessera_written.safetensors"));
    expect(metadata).toEqual({ format: "pt", written_by: "tessera" });
    expect(Array.from(tensors["check.steps"].data())).toEqual([0, 1, 2, 3, 4]);
    expect(tensors["check.steps"].dtype).toBe("int32");
    disposeAll(tensors);
  });

  it("converts every torch dtype as torch's .float() / .int() does (F16, BF16, F64, I64, I16, I8, U8, BOOL)", () => {
    const want = json("dtypes.json");
    const { tensors, metadata } = io.loadSafetensors(read("dtypes.safetensors"));
    expect(metadata).toEqual({ made_by: "make_safetensors_fixtures.py" });
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(want).sort());
    for (const [key, w] of Object.entries<any>(want)) {
      const t = tensors[key];
      expect(t.dtype, key).toBe(w.as);
      expect(t.shape, key).toEqual(w.shape);
      const values = Array.from(t.data());
      expect(values.length).toBe(w.values.length);
      values.forEach((v, i) => expect(Object.is(v, num(w.values[i])), `${key}[${i}] = ${v}, torch ${w.values[i]}`).toBe(true));
    }
    disposeAll(tensors);
  });

  it("refuses an I64 value outside int32 with E_FORMAT naming tensor, value and index, allocating nothing", () => {
    expectFormatError(read("i64_out_of_range.safetensors"), /tensor "big": I64 value 1099511627776 at flat index 1 does not fit in int32/);
  });

  it("a failed strict load into a module changes nothing and frees what it loaded", () => {
    const fc = new nn.Linear(50, 3);
    const before = Array.from(fc.weight.data());
    const blocks = memory().numBlocks;
    expect(() => io.loadSafetensorsInto(fc, read("torch_lstm_fc.safetensors"))).toThrow(expect.objectContaining({ code: "E_KEY" }));
    expect(memory().numBlocks).toBe(blocks);
    expect(Array.from(fc.weight.data())).toEqual(before);
    const fc2 = new nn.Linear(50, 3);
    const only = io.saveSafetensors({ weight: zeros([2, 50]), bias: zeros([2]) });
    expect(() => io.loadSafetensorsInto(fc2, only)).toThrow(expect.objectContaining({ code: "E_SHAPE" }));
    const res = io.loadSafetensorsInto(new nn.Linear(50, 2), read("torch_lstm_fc.safetensors"), { strict: false });
    expect(res.missingKeys).toEqual(["weight", "bias"]);
    expect(res.unexpectedKeys).toContain("fc.weight");
  });
});

describe("safetensors: values and layout", () => {
  it("round-trips float32, int32, 0-d and empty tensors, exotic names and metadata", () => {
    const src = {
      "ü/名前 🙂": tensor([[1, 2], [3, 4]], undefined, { dtype: "int32" }),
      scalar: tensor(7.25),
      empty: zeros([0, 4]),
      "": tensor([3]),
    } as Record<string, Tensor>;
    // a literal "__proto__" key would set the prototype; defineProperty makes a real key of it
    Object.defineProperty(src, "__proto__", { value: tensor([1.5, -0, Infinity, NaN]), enumerable: true });
    const meta = { "quote\"and\\slash": "line\nbreak\u0001", "ünï": "🙂" };
    const { tensors, metadata } = io.loadSafetensors(io.saveSafetensors(src, meta));
    expect(metadata).toEqual(meta);
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(src).sort());
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    const proto = Array.from(Object.getOwnPropertyDescriptor(tensors, "__proto__")!.value.data() as Float32Array);
    expect(proto.map((v) => (Number.isNaN(v) ? "NaN" : Object.is(v, -0) ? "-0" : v))).toEqual([1.5, "-0", Infinity, "NaN"]);
    expect(tensors["ü/名前 🙂"].toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensors.scalar.shape).toEqual([]);
    expect(tensors.scalar.item()).toBe(7.25);
    expect(tensors.empty.shape).toEqual([0, 4]);
    expect(tensors[""].item()).toBe(3);
  });

  it("reads data at unaligned offsets (a header not padded to 8 bytes) and from a Uint8Array at an odd byteOffset", () => {
    const header = '{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"i":{"dtype":"I32","shape":[1],"data_offsets":[12,16]}}';
    const inner = file(header, [...f32Bytes([1.25, -2, 3e-3]), 7, 0, 0, 0], false);
    expect((8 + header.length) % 4).not.toBe(0);
    const shifted = new Uint8Array(inner.length + 1);
    shifted.set(inner, 1);
    for (const bytes of [inner, shifted.subarray(1), inner.buffer.slice(0)]) {
      const { tensors } = io.loadSafetensors(bytes);
      expect(Array.from(tensors.x.data())).toEqual([1.25, -2, Math.fround(3e-3)]);
      expect(tensors.i.item()).toBe(7);
      disposeAll(tensors);
    }
  });

  it("decodes U16, U32, U64, F8_E4M3 and F8_E5M2 (dtypes torch 1.13 cannot write) by their definitions", () => {
    const data = [
      0xff, 0xff, 0x01, 0x00, // U16: 65535, 1
      0xff, 0xff, 0xff, 0x7f, // U32: 2^31 − 1
      0x05, 0, 0, 0, 0, 0, 0, 0, // U64: 5
      0x7e, 0x01, 0xff, 0xb8, // E4M3: 448 (max), 2^-9 (min subnormal), NaN, −1
      0x7b, 0x7c, 0x01, 0xbc, // E5M2: 57344 (max), +inf, 2^-16, −1
    ];
    const bytes = file({
      u16: { dtype: "U16", shape: [2], data_offsets: [0, 4] },
      u32: { dtype: "U32", shape: [1], data_offsets: [4, 8] },
      u64: { dtype: "U64", shape: [1], data_offsets: [8, 16] },
      e4m3: { dtype: "F8_E4M3", shape: [4], data_offsets: [16, 20] },
      e5m2: { dtype: "F8_E5M2", shape: [4], data_offsets: [20, 24] },
    }, data);
    const { tensors } = io.loadSafetensors(bytes);
    expect(Array.from(tensors.u16.data())).toEqual([65535, 1]);
    expect(Array.from(tensors.u32.data())).toEqual([2 ** 31 - 1]);
    expect(Array.from(tensors.u64.data())).toEqual([5]);
    expect(Array.from(tensors.e4m3.data())).toEqual([448, 2 ** -9, NaN, -1]);
    expect(Array.from(tensors.e5m2.data())).toEqual([57344, Infinity, 2 ** -16, -1]);
    disposeAll(tensors);
    expectFormatError(file({ u: { dtype: "U32", shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0x80]), /U32 value 2147483648 at flat index 0/);
    expectFormatError(file({ u: { dtype: "U64", shape: [1], data_offsets: [0, 8] } }, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), /U64 value 18446744073709551615/);
  });

  it("puts tensors on the device named in options and refuses unknown ones", () => {
    const bytes = io.saveSafetensors({ a: tensor([1]) });
    const { tensors } = io.loadSafetensors(bytes, { device: "cpu" });
    expect(tensors.a.device).toBe("cpu");
    expect(() => io.loadSafetensors(bytes, { device: "tpu" })).toThrow(TesseraError);
  });

  it("readSafetensorsHeader lists entries in data order without loading", () => {
    const h = io.readSafetensorsHeader(read("torch_lstm_fc.safetensors"));
    expect(h.metadata).toEqual({ format: "pt" });
    expect(h.entries[0]).toEqual({ name: "fc.bias", dtype: "F32", shape: [2], numel: 2, begin: 0, end: 8 });
  });
});

describe("safetensors: header validation names the tensor and the problem (E_FORMAT)", () => {
  const ok = { a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } };
  const data8 = f32Bytes([1, 2]);
  const header8 = (entries: unknown) => file(entries, data8);
  const cases: [string, Uint8Array, RegExp][] = [
    ["fewer than 8 bytes", new Uint8Array([1, 0, 0]), /at least 8 bytes.*3 bytes/],
    ["header length over 100 MB", (() => { const b = file(ok, data8); new DataView(b.buffer).setUint32(0, 100_000_001, true); return b; })(), /100000001 exceeds the limit of 100000000/],
    ["header length 2^64 − 1", (() => { const b = file(ok, data8); new DataView(b.buffer).setBigUint64(0, 2n ** 64n - 1n, true); return b; })(), /18446744073709551615 exceeds/],
    ["header length past the end", (() => { const b = file(ok, data8); new DataView(b.buffer).setUint32(0, 1000, true); return b; })(), /runs past the end of the file/],
    ["invalid UTF-8", (() => { const b = file(ok, data8); b[10] = 0xff; return b; })(), /not valid UTF-8/],
    ["header not an object", file("[1, 2, 3]"), /must be a JSON object starting with "\{"/],
    ["BOM before the object", file("\uFEFF{}"), /starting with/],
    ["invalid JSON", file('{"a": '), /not valid JSON/],
    ["tensor entry not an object", file({ a: 5 }), /tensor "a": expected an object with dtype, shape and data_offsets, received 5/],
    ["unknown dtype", header8({ a: { ...ok.a, dtype: "F33" } }), /tensor "a": unknown dtype "F33"/],
    ["dtype not a string", header8({ a: { ...ok.a, dtype: 4 } }), /tensor "a": unknown dtype 4/],
    ["dtype inherited name", header8({ a: { ...ok.a, dtype: "constructor" } }), /unknown dtype "constructor"/],
    ["shape missing", header8({ a: { dtype: "F32", data_offsets: [0, 8] } }), /tensor "a": shape is missing/],
    ["negative dimension", header8({ a: { ...ok.a, shape: [-2] } }), /shape\[0\] must be a non-negative integer, received -2/],
    ["fractional dimension", header8({ a: { ...ok.a, shape: [1.5] } }), /shape\[0\].*1.5/],
    ["nested shape", header8({ a: { ...ok.a, shape: [[2]] } }), /shape\[0\] must be a non-negative integer, received \[2\]/],
    ["overflowing shape", header8({ a: { ...ok.a, shape: [2 ** 40, 2 ** 40] } }), /overflows/],
    ["offsets not a pair", header8({ a: { ...ok.a, data_offsets: [0, 4, 8] } }), /data_offsets must be \[begin, end\]/],
    ["negative offset", header8({ a: { ...ok.a, data_offsets: [-8, 8] } }), /non-negative integers, received \[-8, 8\]/],
    ["fractional offset", header8({ a: { ...ok.a, data_offsets: [0, 7.5] } }), /non-negative integers/],
    ["offset beyond 2^53", header8({ a: { ...ok.a, data_offsets: [0, 2 ** 60] } }), /non-negative integers/],
    ["end before begin", header8({ a: { ...ok.a, data_offsets: [8, 0] } }), /end before they begin/],
    ["offsets past the data", header8({ a: { ...ok.a, data_offsets: [0, 16] } }), /run past the 8 bytes of data/],
    ["byte length mismatch", header8({ a: { ...ok.a, shape: [3] } }), /shape \[3\] of F32 needs 12 bytes, but data_offsets \[0, 8\] hold 8/],
    ["gap at the start", header8({ a: { ...ok.a, shape: [1], data_offsets: [4, 8] } }), /tensor "a": data_offsets \[4, 8\] leave a gap after the start of the data/],
    ["overlap", header8({ a: { ...ok.a }, b: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }), /overlap the end of tensor "b"|overlap/],
    ["gap between tensors", file({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, b: { dtype: "F32", shape: [1], data_offsets: [8, 12] } }, [...data8, 0, 0, 0, 0]), /tensor "b": data_offsets \[8, 12\] leave a gap after the end of tensor "a" \(offset 4\)/],
    ["trailing bytes", file(ok, [...data8, 1]), /cover 8 bytes of data, but the file holds 9/],
    ["truncated data", file(ok, data8.slice(0, 7)), /run past the 7 bytes|cover/],
    ["metadata not a map", header8({ __metadata__: ["x"], ...ok }), /__metadata__ must be an object of strings/],
    ["metadata value not a string", header8({ __metadata__: { epoch: 3 }, ...ok }), /__metadata__\["epoch"\] must be a string, received 3/],
    ["sub-byte dtype that does not fill bytes", header8({ a: { dtype: "F4", shape: [3], data_offsets: [0, 8] } }), /3 elements of F4 do not fill whole bytes/],
    ["deep JSON in a field", file(`{"a":{"dtype":"F32","shape":${"[".repeat(100000)}${"]".repeat(100000)},"data_offsets":[0,8]}}`, data8), /shape\[0\] must be a non-negative integer, received an array of length 1/],
  ];
  for (const [what, bytes, message] of cases) it(what, () => expectFormatError(bytes, message));

  it("accepts null metadata and ignores unknown fields of an entry, as the reference does", () => {
    const { tensors, metadata } = io.loadSafetensors(header8({ __metadata__: null, a: { ...ok.a, extra: [1] } }));
    expect(metadata).toEqual({});
    expect(Array.from(tensors.a.data())).toEqual([1, 2]);
    disposeAll(tensors);
  });

  it("refuses valid files tessera cannot hold (F4, C64, 65 dimensions) with E_FORMAT saying why, allocating nothing", () => {
    const f4 = file({ a: { dtype: "F4", shape: [4], data_offsets: [0, 2] }, b: { dtype: "F32", shape: [1], data_offsets: [2, 6] } }, [0, 0, 0, 0, 0, 0]);
    expectFormatError(f4, /tensor "a": dtype F4 is not supported by tessera/);
    expectFormatError(file({ c: { dtype: "C64", shape: [1], data_offsets: [0, 8] } }, new Array(8).fill(0)), /dtype C64 is not supported/);
    const deep = file({ a: { dtype: "F32", shape: new Array(65).fill(1), data_offsets: [0, 4] } }, [0, 0, 0, 0]);
    expectFormatError(deep, /65 dimensions; tessera tensors have at most 64/);
  });
});

describe("safetensors: bad input", () => {
  it("load: bytes and options of the wrong type", () => {
    for (const v of [null, undefined, "file.safetensors", [1, 2, 3], new Int32Array(4), {}]) {
      expect(() => io.loadSafetensors(v as never)).toThrow(expect.objectContaining({ code: "E_TYPE" }));
    }
    expect(() => io.loadSafetensors(io.saveSafetensors({}), 5 as never)).toThrow(expect.objectContaining({ code: "E_TYPE" }));
  });

  it("save: not a state dict, non-tensor or disposed values, reserved or malformed names, bad metadata", () => {
    const t = tensor([1]);
    const gone = tensor([1]);
    gone.dispose();
    expect(() => io.saveSafetensors(null as never)).toThrow(expect.objectContaining({ code: "E_TYPE" }));
    expect(() => io.saveSafetensors(t as never)).toThrow(expect.objectContaining({ code: "E_TYPE" }));
    expect(() => io.saveSafetensors([t] as never)).toThrow(expect.objectContaining({ code: "E_TYPE" }));
    expect(() => io.saveSafetensors({ a: [1, 2] } as never)).toThrow(expect.objectContaining({ code: "E_TYPE", message: expect.stringMatching(/tensors\["a"\]/) }));
    expect(() => io.saveSafetensors({ a: gone })).toThrow(expect.objectContaining({ code: "E_DISPOSED" }));
    expect(() => io.saveSafetensors({ __metadata__: t })).toThrow(expect.objectContaining({ code: "E_VALUE" }));
    expect(() => io.saveSafetensors({ ["bad\uD800"]: t })).toThrow(expect.objectContaining({ code: "E_VALUE" }));
    expect(() => io.saveSafetensors({ a: t }, { epoch: 3 } as never)).toThrow(expect.objectContaining({ code: "E_TYPE", message: expect.stringMatching(/metadata\["epoch"\]/) }));
    expect(() => io.saveSafetensors({ a: t }, "pt" as never)).toThrow(expect.objectContaining({ code: "E_TYPE" }));
    expect(io.loadSafetensors(io.saveSafetensors(new Map([["m", t]]))).tensors.m.item()).toBe(1);
  });

  it("loadSafetensorsInto: module and options checked", () => {
    const bytes = io.saveSafetensors({});
    expect(() => io.loadSafetensorsInto({} as never, bytes)).toThrow(expect.objectContaining({ code: "E_TYPE" }));
    expect(() => io.loadSafetensorsInto(new nn.Linear(1, 1), bytes, { strict: "yes" as never })).toThrow(expect.objectContaining({ code: "E_TYPE" }));
  });
});

describe("nested state and files", () => {
  it("saveState / loadState round-trip an optimizer-like state dict", () => {
    const state = {
      state: { 0: { momentum_buffer: tensor([1, 2]), step: 3 }, 1: { momentum_buffer: tensor([[0.5]]) } },
      param_groups: [{ lr: 0.1, momentum: 0.9, nesterov: false, params: [0, 1], maximize: null, eps: Infinity }],
    };
    const bytes = io.saveState(state, { epoch: "2" });
    const header = io.readSafetensorsHeader(bytes);
    expect(header.entries.map((e) => e.name).sort()).toEqual(["state.0.momentum_buffer", "state.1.momentum_buffer"]);
    const { state: back, metadata } = io.loadState(bytes) as any;
    expect(metadata).toEqual({ epoch: "2" });
    expect(back.param_groups).toEqual(state.param_groups);
    expect(Array.from(back.state["0"].momentum_buffer.data())).toEqual([1, 2]);
    expect(back.state["0"].step).toBe(3);
    expect(back.state["1"].momentum_buffer.shape).toEqual([1, 1]);
    expect(() => io.loadState(io.saveSafetensors({}))).toThrow(expect.objectContaining({ code: "E_FORMAT" }));
    const cyclic: any = { a: 1 };
    cyclic.self = cyclic;
    expect(() => io.saveState(cyclic)).toThrow(expect.objectContaining({ code: "E_VALUE" }));
    expect(() => io.saveState({ f: () => 1 } as never)).toThrow(expect.objectContaining({ code: "E_TYPE" }));
    expect(() => io.saveState({ m: new Map() } as never)).toThrow(expect.objectContaining({ code: "E_TYPE" }));
  });

  it("saveSafetensorsFile / loadSafetensorsFile write atomically and read back", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "tessera-io-"));
    try {
      const path = join(tmp, "model.safetensors");
      await io.saveSafetensorsFile(path, { w: tensor([1, 2, 3]) }, { format: "pt" });
      expect(existsSync(path)).toBe(true);
      const { tensors, metadata } = await io.loadSafetensorsFile(path);
      expect(metadata).toEqual({ format: "pt" });
      expect(Array.from(tensors.w.data())).toEqual([1, 2, 3]);
      await expect(io.loadSafetensorsFile(join(tmp, "missing.safetensors"))).rejects.toThrow();
      await expect(io.saveSafetensorsFile("", {})).rejects.toThrow(expect.objectContaining({ code: "E_TYPE" }));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
