// The part of vitest's API the op suites use (describe, describe.each, it, beforeAll, afterAll,
// expect with the matchers they call), so the same test files run under Deno, whose navigator.gpu
// gives the webgpu device (test/runtimes/webgpu-suite.ts maps "vitest" here with an import map).
// Suites are collected while the files are imported, then `run()` executes them in order, one test
// at a time, and returns the tally.

type Fn = () => unknown;

interface Suite {
  title: string;
  tests: { title: string; fn: Fn; skip: boolean }[];
  children: Suite[];
  beforeAll: Fn[];
  afterAll: Fn[];
}

const root: Suite = { title: "", tests: [], children: [], beforeAll: [], afterAll: [] };
let current = root;

export function describe(title: string, body: () => void): void {
  const s: Suite = { title, tests: [], children: [], beforeAll: [], afterAll: [] };
  current.children.push(s);
  const parent = current;
  current = s;
  try {
    body();
  } finally {
    current = parent;
  }
}

describe.each = <T extends Record<string, unknown>>(table: readonly T[]) => (title: string, body: (row: T) => void): void => {
  for (const row of table) describe(title.replace(/\$(\w+)/g, (_, k: string) => String(row[k])), () => body(row));
};

describe.skipIf = (cond: boolean) => (title: string, body: () => void): void => {
  if (!cond) describe(title, body);
};

export function it(title: string, fn: Fn): void {
  current.tests.push({ title, fn, skip: false });
}

it.skip = (title: string, fn: Fn): void => {
  current.tests.push({ title, fn, skip: true });
};

export const test = it;

export function beforeAll(fn: Fn): void {
  current.beforeAll.push(fn);
}

export function afterAll(fn: Fn): void {
  current.afterAll.push(fn);
}

// ---- expect ----

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (ArrayBuffer.isView(v)) return `${v.constructor.name} [${Array.from(v as unknown as ArrayLike<number>).slice(0, 8).join(", ")}${(v as unknown as ArrayLike<number>).length > 8 ? ", …" : ""}]`;
  if (Array.isArray(v)) return `[${v.slice(0, 8).map(show).join(", ")}${v.length > 8 ? ", …" : ""}]`;
  if (typeof v === "object" && v !== null) return v.constructor?.name ?? "object";
  return Object.is(v, -0) ? "-0" : String(v);
}

/** vitest's toEqual: recursive, Object.is on primitives (NaN equals NaN, −0 differs from +0). */
function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b) || ArrayBuffer.isView(a) !== ArrayBuffer.isView(b)) return false;
  if (ArrayBuffer.isView(a)) {
    const x = a as unknown as ArrayLike<number>, y = b as unknown as ArrayLike<number>;
    if (a.constructor !== b.constructor || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  const ka = Object.keys(a as object), kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

class AssertionError extends Error {
  override name = "AssertionError";
}

function matchers(actual: unknown, message: string | undefined, negate: boolean) {
  const check = (ok: boolean, what: string) => {
    if (ok === negate) throw new AssertionError(`${message ? `${message}: ` : ""}expected ${show(actual)} ${negate ? "not " : ""}${what}`);
  };
  return {
    toBe: (v: unknown) => check(Object.is(actual, v), `to be ${show(v)}`),
    toEqual: (v: unknown) => check(equal(actual, v), `to equal ${show(v)}`),
    toStrictEqual: (v: unknown) => check(equal(actual, v), `to equal ${show(v)}`),
    toBeDefined: () => check(actual !== undefined, "to be defined"),
    toBeUndefined: () => check(actual === undefined, "to be undefined"),
    toBeNull: () => check(actual === null, "to be null"),
    toBeTruthy: () => check(!!actual, "to be truthy"),
    toBeFalsy: () => check(!actual, "to be falsy"),
    toBeGreaterThan: (v: number) => check((actual as number) > v, `to be greater than ${v}`),
    toBeGreaterThanOrEqual: (v: number) => check((actual as number) >= v, `to be ≥ ${v}`),
    toBeLessThan: (v: number) => check((actual as number) < v, `to be less than ${v}`),
    toBeLessThanOrEqual: (v: number) => check((actual as number) <= v, `to be ≤ ${v}`),
    toBeCloseTo: (v: number, digits = 2) => check(Math.abs((actual as number) - v) < 10 ** -digits / 2, `to be close to ${v}`),
    toBeInstanceOf: (c: abstract new (...args: never[]) => unknown) => check(actual instanceof c, `to be an instance of ${c.name}`),
    toMatch: (re: RegExp | string) => check(typeof actual === "string" && (typeof re === "string" ? actual.includes(re) : re.test(actual)), `to match ${re}`),
    toContain: (v: unknown) => check((actual as { includes(x: unknown): boolean }).includes(v), `to contain ${show(v)}`),
    toHaveLength: (n: number) => check((actual as { length: number }).length === n, `to have length ${n}`),
    toThrow: (re?: RegExp | string) => {
      let thrown: unknown = undefined;
      let threw = false;
      try {
        (actual as Fn)();
      } catch (e) {
        threw = true;
        thrown = e;
      }
      const msg = String((thrown as Error)?.message ?? thrown);
      const ok = threw && (re === undefined || (typeof re === "string" ? msg.includes(re) : re.test(msg)));
      check(ok, `to throw${re ? ` ${re}` : ""}${threw ? ` (threw ${msg})` : ""}`);
    },
  };
}

export function expect(actual: unknown, message?: string) {
  return { ...matchers(actual, message, false), not: matchers(actual, message, true) };
}

// ---- running ----

export interface RunResult {
  passed: number;
  failed: number;
  skipped: number;
  failures: { name: string; error: string }[];
  seconds: number;
}

async function withTimeout(fn: Fn, ms: number, name: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(fn),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${name}`)), ms); }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every collected suite; `log` gets one line per test. */
export async function run(log: (line: string) => void, timeoutMs = 120_000): Promise<RunResult> {
  const r: RunResult = { passed: 0, failed: 0, skipped: 0, failures: [], seconds: 0 };
  const t0 = performance.now();
  async function visit(s: Suite, path: string): Promise<void> {
    const name = path && s.title ? `${path} > ${s.title}` : path || s.title;
    try {
      for (const h of s.beforeAll) await withTimeout(h, timeoutMs, `${name} beforeAll`);
    } catch (e) {
      r.failed++;
      r.failures.push({ name: `${name} (beforeAll)`, error: String((e as Error)?.stack ?? e) });
      log(`FAIL ${name} (beforeAll): ${String(e)}`);
      return;
    }
    for (const t of s.tests) {
      const full = `${name} > ${t.title}`;
      if (t.skip) {
        r.skipped++;
        log(`skip ${full}`);
        continue;
      }
      const t1 = performance.now();
      try {
        await withTimeout(t.fn, timeoutMs, full);
        r.passed++;
        log(`ok   ${full} (${Math.round(performance.now() - t1)} ms)`);
      } catch (e) {
        r.failed++;
        r.failures.push({ name: full, error: String((e as Error)?.message ?? e) });
        log(`FAIL ${full}: ${String((e as Error)?.message ?? e)}`);
      }
    }
    for (const c of s.children) await visit(c, name);
    for (const h of s.afterAll) await h();
  }
  await visit(root, "");
  r.seconds = (performance.now() - t0) / 1000;
  return r;
}
