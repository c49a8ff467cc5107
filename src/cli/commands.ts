// Every CLI command, one file each. Adding a command: write src/cli/<name>.ts exporting a
// Command, and add it to this list.
import type { Command } from "./command.js";
import { benchCommand } from "./bench.js";
import { bpeCommand } from "./bpe.js";
import { infoCommand } from "./info.js";
import { mazeCommand } from "./maze.js";

export const commands: Command[] = [
  infoCommand,
  bpeCommand,
  benchCommand,
  mazeCommand,
];
