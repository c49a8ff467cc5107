#!/usr/bin/env node
// `npx tessera-ml <command>`: finds the command (and subcommand) among src/cli/commands/*, parses its
// options, runs it. Bad input is one line on stderr and exit code 2; other failures (a corrupt
// tokenizer file, a TesseraError) one line and exit code 1. Set TESSERA_DEBUG=1 for stack traces.
import { TesseraError } from "../errors.js";
import { autoInit } from "../runtime/wasm.js";
import { helpText, parseArgs } from "./args.js";
import { UsageError, type Command, type Io } from "./command.js";
import { loadCommands } from "./commands.js";

const proc = process;

const io: Io = {
  stdout: (t) => void proc.stdout.write(t),
  stderr: (t) => void proc.stderr.write(t),
  readStdin: async () => {
    const chunks: Uint8Array[] = [];
    for await (const c of proc.stdin) chunks.push(c as Uint8Array);
    return new TextDecoder().decode(Buffer.concat(chunks));
  },
  stdinIsTTY: proc.stdin.isTTY === true,
  stderrIsTTY: proc.stderr.isTTY === true,
};

const root: Command = {
  name: "",
  summary: "machine learning in JavaScript runtimes, from the command line",
  usage: "<command> [options]\n<command> --help",
  options: [{ name: "version", short: "V", type: "boolean", description: "print the version" }],
  subcommands: await loadCommands(),
};

async function version(): Promise<string> {
  const { readFileSync } = await import("node:fs");
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

const path: string[] = []; // the command being run, for error messages

async function main(argv: string[]): Promise<number> {
  let cmd = root;
  let rest = argv;
  while (cmd.subcommands && rest.length > 0 && !rest[0]!.startsWith("-")) {
    const next = cmd.subcommands.find((c) => c.name === rest[0]);
    if (!next) {
      throw new UsageError(`unknown command ${JSON.stringify([...path, rest[0]].join(" "))}; expected one of ${cmd.subcommands.map((c) => c.name).join(", ")} (see \`tessera-ml ${path.join(" ")}${path.length ? " " : ""}--help\`)`);
    }
    cmd = next;
    path.push(next.name);
    rest = rest.slice(1);
  }
  const label = path.join(" ");
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(helpText(cmd, label));
    return 0;
  }
  if (cmd === root && (rest.includes("--version") || rest.includes("-V"))) {
    io.stdout(`${await version()}\n`);
    return 0;
  }
  if (!cmd.run) {
    if (cmd === root && rest.length === 0) {
      io.stdout(helpText(cmd, label));
      return 0;
    }
    throw new UsageError(`${label || "tessera-ml"}: expected a command (${cmd.subcommands!.map((c) => c.name).join(", ")}), received ${rest.length ? JSON.stringify(rest[0]) : "none"}`);
  }
  const args = parseArgs({ ...cmd, name: label }, rest);
  await autoInit();
  await cmd.run(args, io);
  return 0;
}

main(proc.argv.slice(2)).then((code) => {
  proc.exitCode = code;
}, (e: unknown) => {
  const where = path.join(" ");
  const msg = e instanceof Error ? e.message : String(e);
  io.stderr(`tessera-ml${where ? ` ${where}` : ""}: ${e instanceof TesseraError && !(e instanceof UsageError) ? `${e.code}: ` : ""}${msg.split("\n")[0]}\n`);
  if (proc.env.TESSERA_DEBUG && e instanceof Error) io.stderr(`${e.stack}\n`);
  proc.exitCode = e instanceof UsageError ? 2 : 1;
});
