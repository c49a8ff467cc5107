// The built package under Deno and Bun (installed as npm devDependencies) gives the same numbers
// as under Node. Needs `npm run build` first (npm test does it).
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const root = new URL("../../", import.meta.url).pathname;
const smoke = `${root}test/runtimes/smoke.mjs`;
const bin = (name: string) => `${root}node_modules/.bin/${name}`;

// Builds differ between runtimes (Deno and Bun have relaxed-SIMD FMA on by default, Node 20 not),
// so results agree to float32 rounding, not bit for bit.
function expectSame(other: { loss: number; gradNorm: number; prod: number }, node: typeof other) {
  expect(other.loss).toBeCloseTo(node.loss, 3);
  expect(other.gradNorm).toBeCloseTo(node.gradNorm, 3);
  expect(Math.abs(other.prod - node.prod)).toBeLessThan(1e-3 * Math.abs(node.prod) + 1);
}

function run(cmd: string, args: string[]) {
  const out = execFileSync(cmd, args, { cwd: root, encoding: "utf8", timeout: 120_000, env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" } });
  return JSON.parse(out.trim().split("\n").pop()!);
}

describe.skipIf(!existsSync(`${root}dist/index.js`))("runtimes", () => {
  const node = run(process.execPath, [smoke]);
  it("node picks a SIMD build and trains", () => {
    expect(node.info.simd).toBe(true);
    expect(Number.isFinite(node.loss)).toBe(true);
  });
  it("deno gives the same results", () => {
    const deno = run(bin("deno"), ["run", "--allow-read", "--allow-env", "--allow-sys", smoke]);
    expect(deno.info.simd).toBe(true);
    expectSame(deno, node);
  });
  it("bun gives the same results", () => {
    const bun = run(bin("bun"), [smoke]);
    expect(bun.info.simd).toBe(true);
    expectSame(bun, node);
  });
});
