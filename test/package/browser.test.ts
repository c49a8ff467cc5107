// The package in a real browser: headless Chromium (Debian's `chromium`, driven by playwright-core)
// loads pages built from the packed tarball by Vite (production build and dev server), esbuild and
// `bun build`, served with and without cross-origin isolation (COOP/COEP), and runs the checks of
// checks.mjs in them (info, a matmul against a JS reference, SGD steps, BPE). Then WebGPU through
// SwiftShader (--enable-unsafe-webgpu) and the playground (trains, the loss chart drew).
// Without chromium the suite is skipped and says why (scripts/ensure-system-deps.mjs installs it as root).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { bin, checksSource, isBuilt, packAndInstall, root, writeApp, type Packed } from "./packed.js";
import { problems } from "./checks.mjs";
import { playgroundMounts, serveStatic } from "../../playground/serve.mjs";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const skipReason = !isBuilt() ? "the package is not built (npm run build)"
  : CHROMIUM === undefined ? "no chromium (Debian package `chromium`; `npm test` installs it when run as root: node scripts/ensure-system-deps.mjs)"
  : null;
if (skipReason !== null) console.log(`browser suite skipped: ${skipReason}`);

interface Served { server: { close(): void }; url: string }
const serve = serveStatic as (mounts: Record<string, string>, o?: { port?: number; isolate?: boolean; headers?: Record<string, string> }) => Promise<Served>;

const html = (script: string) => `<!doctype html><meta charset="utf-8"><title>tessera</title><script type="module" src="${script}"></script>\n`;

// The page's code: the same in every bundler; only the entry and where the .wasm files come from differ.
// Vite: zero configuration (the automatic entry's `new URL(…, import.meta.url)` becomes an asset).
const autoEntry = `import * as t from "tessera-ml";
import { runChecks } from "./checks.mjs";
window.__result = Promise.resolve().then(() => runChecks(t)).catch((e) => ({ error: String(e && e.stack || e) }));
`;
// esbuild and bun build do not copy assets referenced by new URL(): copy build/*.wasm beside the
// bundle and say where they are.
const manualEntry = `import * as t from "tessera-ml/manual";
import { runChecks } from "./checks.mjs";
window.__result = t.init({ wasmPaths: new URL("./wasm/", location.href).href }).then(() => runChecks(t)).catch((e) => ({ error: String(e && e.stack || e) }));
`;

// info().webgpu before and after asking for an adapter, and a matmul on it against the CPU's.
const gpuEntry = `import * as t from "tessera-ml/manual";
window.__gpu = (async () => {
  await t.init({ wasmPaths: new URL("./wasm/", location.href).href });
  const before = t.info().webgpu;
  const status = await t.initWebGpu();
  const after = t.info().webgpu;
  let maxErr = null;
  if (status.available) {
    const a = t.randn([64, 32]), b = t.randn([32, 48]);
    const want = a.matmul(b).data();
    const got = await a.to("webgpu").matmul(b.to("webgpu")).read();
    maxErr = 0;
    for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(want[i] - got[i]));
  }
  return { before, after, status: { available: status.available, adapter: status.adapter ?? null, reason: status.reason ?? null }, maxErr };
})().catch((e) => ({ error: String(e && e.stack || e) }));
`;

describe.skipIf(skipReason !== null)("browser (headless Chromium)", () => {
  let p: Packed;
  let browser: Browser;
  const servers: Served[] = [];
  const sites: Record<string, string> = {}; // tool → folder with index.html

  beforeAll(async () => {
    p = packAndInstall("browser");
    const { esm } = checksSource();
    writeApp(p, { "checks.mjs": esm, "auto.js": autoEntry, "manual.js": manualEntry, "gpu.js": gpuEntry, "index.html": html("./auto.js") });
    const wasmOf = (out: string) => {
      mkdirSync(join(out, "wasm"), { recursive: true });
      for (const f of readdirSync(join(p.app, "node_modules/tessera-ml/build"))) cpSync(join(p.app, "node_modules/tessera-ml/build", f), join(out, "wasm", f));
    };
    // Vite production build, no configuration.
    const vite = await import("vite");
    await vite.build({ root: p.app, logLevel: "error", configFile: false, build: { outDir: join(p.app, "..", "out-vite"), target: "es2022" } });
    sites.vite = join(p.app, "..", "out-vite");
    // esbuild for the browser.
    const esbuild = await import("esbuild");
    sites.esbuild = join(p.app, "..", "out-esbuild");
    await esbuild.build({ entryPoints: [join(p.app, "manual.js")], outfile: join(sites.esbuild, "main.js"), bundle: true, format: "esm", platform: "browser", target: "es2022", logLevel: "error" });
    writeFileSync(join(sites.esbuild, "index.html"), html("./main.js"));
    await esbuild.build({ entryPoints: [join(p.app, "gpu.js")], outfile: join(sites.esbuild, "gpu.js"), bundle: true, format: "esm", platform: "browser", target: "es2022", logLevel: "error" });
    writeFileSync(join(sites.esbuild, "gpu.html"), html("./gpu.js"));
    wasmOf(sites.esbuild);
    // bun build for the browser.
    sites.bun = join(p.app, "..", "out-bun");
    execFileSync(bin("bun"), ["build", join(p.app, "manual.js"), "--target", "browser", "--format", "esm", "--outfile", join(sites.bun, "main.js")], { cwd: p.app, stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
    writeFileSync(join(sites.bun, "index.html"), html("./main.js"));
    wasmOf(sites.bun);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader", "--enable-features=Vulkan"] });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    for (const s of servers) s.server.close();
    p?.cleanup();
  });

  /** A page at url; errors collects uncaught errors and failed requests, failed rejects at the first. */
  async function open(url: string): Promise<{ page: Page; errors: string[]; failed: Promise<never> }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    let fail: (e: Error) => void = () => {};
    const failed = new Promise<never>((_, reject) => (fail = reject));
    failed.catch(() => {});
    const error = (e: string) => { errors.push(e); fail(new Error(`${url}: ${e}`)); };
    page.on("pageerror", (e) => error(String(e)));
    page.on("requestfailed", (r) => error(`request failed: ${r.url()}`));
    page.on("response", (r) => { if (r.status() >= 400) error(`${r.status()} ${r.url()}`); });
    await page.goto(url);
    return { page, errors, failed };
  }

  async function checksAt(url: string) {
    const { page, errors, failed } = await open(url);
    try {
      const r = await Promise.race([failed, page.waitForFunction(() => (window as unknown as { __result?: Promise<unknown> }).__result, null, { timeout: 120_000 })
        .then(() => page.evaluate(() => (window as unknown as { __result: Promise<Record<string, unknown>> }).__result))]);
      return { r, errors, isolated: await page.evaluate(() => crossOriginIsolated) };
    } finally {
      await page.close();
    }
  }

  for (const tool of ["vite", "esbuild", "bun"]) {
    for (const isolate of [true, false]) {
      it(`${tool} build, ${isolate ? "cross-origin isolated (threads)" : "not isolated (one thread)"}`, async () => {
        const s = await serve({ "/": sites[tool]! }, { isolate });
        servers.push(s);
        const { r, errors, isolated } = await checksAt(s.url);
        expect(errors).toEqual([]);
        expect(problems(r), JSON.stringify(r)).toEqual([]);
        const info = r.info as { threads: boolean; threadsInUse: number; threadsReason: string | null; build: string; webgpu: boolean };
        expect(isolated).toBe(isolate);
        expect(info.webgpu).toBe(false); // no adapter was asked for
        if (isolate) {
          expect(info.build).toMatch(/^threads/);
          expect(info.threadsInUse).toBeGreaterThanOrEqual(1);
        } else {
          expect(info.build).toMatch(/^(simd|relaxed)$/);
          expect(info.threadsInUse).toBe(1);
          expect(info.threadsReason).toMatch(/isolat|SharedArrayBuffer/i);
        }
      }, 180_000);
    }
  }

  it("a CSP that forbids workers: the threads build runs on one thread and info() says why", async () => {
    const s = await serve({ "/": sites.vite! }, { isolate: true, headers: { "Content-Security-Policy": "worker-src 'none'" } });
    servers.push(s);
    const { r, isolated } = await checksAt(s.url);
    expect(isolated).toBe(true);
    expect(problems(r), JSON.stringify(r)).toEqual([]);
    const info = r.info as { threadsInUse: number; threadsReason: string | null };
    expect(info.threadsInUse).toBe(1);
    expect(info.threadsReason).toMatch(/failed to start|cannot start/);
  }, 180_000);

  it("Vite dev server (no configuration), cross-origin isolated", async () => {
    const vite = await import("vite");
    const server = await vite.createServer({
      root: p.app, configFile: false, logLevel: "error",
      server: { port: 0, host: "127.0.0.1", headers: { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" } },
    });
    await server.listen();
    try {
      const url = server.resolvedUrls!.local[0]!;
      const { r, errors } = await checksAt(url);
      expect(errors).toEqual([]);
      expect(problems(r), JSON.stringify(r)).toEqual([]);
    } finally {
      await server.close();
    }
  }, 180_000);

  it("WebGPU: info().webgpu is false until an adapter is obtained; SwiftShader's adapter runs a matmul like the CPU", async () => {
    const s = await serve({ "/": sites.esbuild! }, { isolate: true });
    servers.push(s);
    const { page, errors } = await open(new URL("gpu.html", s.url).href);
    try {
      const r = await page.waitForFunction(() => (window as unknown as { __gpu?: Promise<unknown> }).__gpu, null, { timeout: 120_000 })
        .then(() => page.evaluate(() => (window as unknown as { __gpu: Promise<Record<string, any>> }).__gpu));
      expect(errors).toEqual([]);
      expect(r.error).toBeUndefined();
      expect(r.before).toBe(false);
      expect(r.after).toBe(r.status.available);
      if (!r.status.available) {
        console.log(`browser suite: WebGPU matmul skipped: chromium gave no adapter (${r.status.reason})`);
        return;
      }
      expect(r.maxErr).toBeLessThan(1e-3);
    } finally {
      await page.close();
    }
  }, 180_000);

  it("the playground: tokens with ids and counts, a model trained live (the loss chart drew, the loss fell), a sample", async () => {
    const s = await serve(playgroundMounts(), { isolate: true });
    servers.push(s);
    const { page, errors } = await open(s.url);
    try {
      await page.waitForSelector("body[data-ready]", { timeout: 120_000 });
      await page.waitForFunction(() => !document.getElementById("count-o200k")!.textContent!.includes("…"), null, { timeout: 120_000 });
      await page.fill("#text", "Hello world! 東京 🚀");
      const counts = await page.evaluate(() => ["cl100k", "o200k", "trained"].map((k) => document.getElementById(`count-${k}`)!.textContent));
      const { encode: cl100k } = await import("gpt-tokenizer/encoding/cl100k_base");
      const { encode: o200k } = await import("gpt-tokenizer/encoding/o200k_base");
      expect(counts[0]).toMatch(new RegExp(`^${cl100k("Hello world! 東京 🚀").length} tokens`));
      expect(counts[1]).toMatch(new RegExp(`^${o200k("Hello world! 東京 🚀").length} tokens`));
      const ids = await page.evaluate(() => [...document.querySelectorAll("#tok-cl100k span")].map((e) => Number((e as HTMLElement).dataset.id)));
      expect(ids).toEqual(cl100k("Hello world! 東京 🚀"));
      await page.fill("#steps", "60");
      await page.click("#train-button");
      await page.waitForSelector("body[data-trained]", { timeout: 150_000 });
      const trained = JSON.parse((await page.getAttribute("body", "data-trained"))!);
      expect(trained.steps).toBe(60);
      expect(trained.last).toBeLessThan(trained.first);
      // The chart drew: red loss-curve pixels on the canvas, and a screenshot of the page.
      const red = await page.evaluate(() => {
        const c = document.getElementById("chart") as HTMLCanvasElement;
        const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i]! > 180 && d[i + 1]! < 120 && d[i + 2]! < 120 && d[i + 3]! > 0) n++;
        return n;
      });
      expect(red).toBeGreaterThan(200);
      const shot = await page.screenshot({ fullPage: true });
      expect(shot.length).toBeGreaterThan(10_000);
      writeFileSync(join(p.app, "playground.png"), shot);
      await page.click("#sample-button");
      const sample = await page.textContent("#sample");
      expect(sample!.length).toBeGreaterThan(200);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 300_000);
});
