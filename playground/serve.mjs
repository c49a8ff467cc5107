// A tiny static file server for the playground and the browser tests. With cross-origin isolation
// (COOP/COEP, the default) pages get SharedArrayBuffer, so tessera loads a threads build.
// `node playground/serve.mjs [--port 8080] [--no-isolation]` serves the playground: its files at /,
// the repository's dist/ and build/ (the package as the page imports it) and the BPE rank files.
import { createServer } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
  ".json": "application/json", ".wasm": "application/wasm", ".txt": "text/plain; charset=utf-8",
  ".tiktoken": "text/plain", ".svg": "image/svg+xml", ".png": "image/png", ".map": "application/json",
};

/**
 * Serves `mounts` (URL prefix → folder; the longest prefix wins) on 127.0.0.1. Resolves to the
 * listening server and its base URL; `isolate` adds the COOP/COEP headers, `headers` any others.
 */
export function serveStatic(mounts, { port = 0, isolate = true, headers: extra = {} } = {}) {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const prefix = prefixes.find((p) => path.startsWith(p));
    let file = prefix === undefined ? null : resolve(mounts[prefix], "." + normalize("/" + path.slice(prefix.length)));
    if (file !== null && existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    const headers = { ...(isolate ? { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" } : {}), ...extra };
    if (file === null || !file.startsWith(resolve(mounts[prefix])) || !existsSync(file)) {
      res.writeHead(404, { ...headers, "Content-Type": "text/plain" }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Cache-Control": "no-store" });
    res.end(readFileSync(file));
  });
  return new Promise((ok, fail) => {
    server.on("error", fail);
    server.listen(port, "127.0.0.1", () => ok({ server, url: `http://127.0.0.1:${server.address().port}/` }));
  });
}

/** The playground's mounts: its own files, the built package, the rank files and the corpus. */
export function playgroundMounts() {
  const root = fileURLToPath(new URL("..", import.meta.url));
  return {
    "/": join(root, "playground"),
    "/dist/": join(root, "dist"),
    "/build/": join(root, "build"),
    "/ranks/": join(root, "node_modules/gpt-tokenizer/data"),
    "/corpus/": join(root, "test/fixtures/tokenizers"),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--port");
  const port = at >= 0 ? Number(args[at + 1]) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`playground: --port: expected a port number, received ${JSON.stringify(args[at + 1])}`);
    process.exit(2);
  }
  const isolate = !args.includes("--no-isolation");
  const { url } = await serveStatic(playgroundMounts(), { port, isolate });
  console.log(`tessera playground: ${url}${isolate ? " (cross-origin isolated: threads on)" : ""} — Ctrl-C to stop`);
}
