// The op suites must notice a wrong op code. For every pair of codes within Unary, within Binary and
// within Reduce (assembly/abi.ts → src/runtime/abi.ts), a CPU backend whose code table has that pair
// swapped runs the family's forward-value checks (the same case tables the suites use), and at
// least one check that passes with the codes as built must fail. Runs on the simd build: the code
// table is the same for every build.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Binary, Reduce, Unary } from "../../src/runtime/abi.js";
import { CpuBackend } from "../../src/backend/cpu-wasm/cpu-backend.js";
import type { BinaryOp, Handle, ReduceOp, UnaryOp } from "../../src/backend/backend.js";
import { cpuBackendFor, useBackend } from "../../src/backend/device.js";
import { loadRuntime, type Runtime } from "../../src/runtime/wasm.js";
import { scoped, type Check } from "./compare.js";
import { unaryForwardChecks } from "./unary-cases.js";
import { binaryForwardChecks } from "./binary-cases.js";
import { reduceForwardChecks } from "./reduce-cases.js";

type Table = Readonly<Record<string, number>>;

interface CodeTables {
  Unary: Record<UnaryOp, number>;
  Binary: Record<BinaryOp, number>;
  Reduce: Record<ReduceOp, number>;
}

/** The op name that `code` stands for in the table as built. */
function nameOf(table: Table, code: number): string {
  const name = Object.keys(table).find((k) => table[k] === code);
  if (name === undefined) throw new Error(`no op has code ${code}`);
  return name;
}

/**
 * The CPU backend with its own op-code tables: an op name is looked up in `codes`, and the kernel
 * runs the op that code means in the build — what a stale or hand-edited src/runtime/abi.ts does.
 */
class CodeTableCpuBackend extends CpuBackend {
  constructor(rt: Runtime, private readonly codes: CodeTables) {
    super(rt);
  }

  private u(op: UnaryOp): UnaryOp { return nameOf(Unary, this.codes.Unary[op]) as UnaryOp; }
  private b(op: BinaryOp): BinaryOp { return nameOf(Binary, this.codes.Binary[op]) as BinaryOp; }

  override unary(op: UnaryOp, x: Handle, out: Handle, n: number, p: number): void {
    super.unary(this.u(op), x, out, n, p);
  }
  override unaryBackward(op: UnaryOp, x: Handle, y: Handle, dy: Handle, dx: Handle, n: number, p: number): void {
    super.unaryBackward(this.u(op), x, y, dy, dx, n, p);
  }
  override binary(op: BinaryOp, a: Handle, b: Handle, out: Handle, n: number): void {
    super.binary(this.b(op), a, b, out, n);
  }
  override binaryScalar(op: BinaryOp, a: Handle, s: number, out: Handle, n: number, scalarFirst: boolean): void {
    super.binaryScalar(this.b(op), a, s, out, n, scalarFirst);
  }
  override binaryBroadcast(op: BinaryOp, a: Handle, b: Handle, out: Handle, shape: readonly number[],
    aStrides: readonly number[], bStrides: readonly number[]): void {
    super.binaryBroadcast(this.b(op), a, b, out, shape, aStrides, bStrides);
  }
  override reduceAxis(op: ReduceOp, x: Handle, out: Handle, outer: number, len: number, inner: number): void {
    super.reduceAxis(nameOf(Reduce, this.codes.Reduce[op]) as ReduceOp, x, out, outer, len, inner);
  }
}

const asBuilt = (): CodeTables => ({ Unary: { ...Unary }, Binary: { ...Binary }, Reduce: { ...Reduce } });

/** Names of the checks that fail on `backend`. */
async function failing(backend: CpuBackend, checks: readonly Check[], stopAtFirst: boolean): Promise<string[]> {
  useBackend(backend);
  const failed: string[] = [];
  try {
    for (const c of checks) {
      try {
        await scoped(c.run);
      } catch {
        failed.push(c.name);
        if (stopAtFirst) break;
      }
    }
  } finally {
    useBackend(null);
  }
  return failed;
}

const FAMILIES = [
  { family: "Unary", table: Unary as Table, checks: unaryForwardChecks },
  { family: "Binary", table: Binary as Table, checks: binaryForwardChecks },
  { family: "Reduce", table: Reduce as Table, checks: reduceForwardChecks },
] as const;

describe("swapping two op codes fails the op suites", () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await loadRuntime({ build: "simd" });
  });
  afterAll(() => useBackend(null));

  for (const { family, table, checks: make } of FAMILIES) {
    const names = Object.keys(table);
    const pairs = names.flatMap((a, i) => names.slice(i + 1).map((b) => [a, b] as const));

    it(`${family}: all ${pairs.length} pairs of ${names.length} codes are caught by a forward check`, async () => {
      const checks = make();
      // Checks that already fail with the codes as built (a kernel bug the suite reports) prove nothing here.
      const broken = new Set(await failing(new CodeTableCpuBackend(rt, asBuilt()), checks, false));
      // The wrapper with the tables as built behaves as the plain CPU backend does.
      expect([...broken]).toEqual(await failing(cpuBackendFor(rt), checks, false));
      const sound = checks.filter((c) => !broken.has(c.name));
      expect(sound.length).toBeGreaterThan(0);
      const missed: string[] = [];
      for (const [a, b] of pairs) {
        const codes = asBuilt();
        const t = codes[family] as Record<string, number>;
        [t[a], t[b]] = [t[b], t[a]];
        if ((await failing(new CodeTableCpuBackend(rt, codes), sound, true)).length === 0) missed.push(`${a} ↔ ${b}`);
      }
      expect(missed, `swaps no ${family} check noticed`).toEqual([]);
    });
  }
});
