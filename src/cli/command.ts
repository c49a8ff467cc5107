// What a CLI command is: a name, a one-line summary, its options (parsed by args.ts, listed by
// --help) and a run function. Commands live one per file and are listed in commands.ts.
import { TesseraError } from "../errors.js";

export interface OptionSpec {
  /** Long name without dashes ("vocab-size"). */
  name: string;
  short?: string;
  type: "string" | "number" | "boolean";
  description: string;
  default?: string | number | boolean;
}

export interface Parsed {
  options: Record<string, string | number | boolean | undefined>;
  positional: string[];
}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whole standard input as text (the command is told when it is a terminal: nothing piped). */
  readStdin: () => Promise<string>;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
}

export interface Command {
  name: string;
  summary: string;
  /** Usage line(s) after "tessera-ml <name>". */
  usage: string;
  options: OptionSpec[];
  /** Subcommands (bpe train|encode|…); a command has options or subcommands. */
  subcommands?: Command[];
  /** Extra text at the end of --help. */
  details?: string;
  run?: (args: Parsed, io: Io) => Promise<void> | void;
}

/** Bad input on the command line: printed as one line, exit code 2. */
export class UsageError extends TesseraError {
  constructor(message: string) {
    super("E_VALUE", message);
  }
}
