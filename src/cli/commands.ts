// Every CLI command is one file in src/cli/commands/ whose default export is a Command; this
// loads them all (listed in --help by name), so adding a command touches no other file.
import { readdirSync } from "node:fs";
import type { Command } from "./command.js";

export async function loadCommands(): Promise<Command[]> {
  const dir = new URL("./commands/", import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith(".js")).sort();
  const loaded = await Promise.all(files.map(async (f) => (await import(new URL(f, dir).href) as { default: Command }).default));
  return loaded.sort((a, b) => a.name.localeCompare(b.name));
}
