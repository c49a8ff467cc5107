// A small argv parser for the CLI: --name value, --name=value, -n value, boolean flags, "--" ends
// options. Unknown options and bad numbers are a UsageError naming the option.
import { UsageError, type Command, type OptionSpec, type Parsed } from "./command.js";

export function parseArgs(cmd: Command, argv: string[]): Parsed {
  const options: Parsed["options"] = {};
  const positional: string[] = [];
  for (const o of cmd.options) if (o.default !== undefined) options[o.name] = o.default;
  const byName = new Map<string, OptionSpec>();
  for (const o of cmd.options) {
    byName.set(`--${o.name}`, o);
    if (o.short) byName.set(`-${o.short}`, o);
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const key = eq > 0 ? a.slice(0, eq) : a;
    const spec = byName.get(key);
    if (!spec) throw new UsageError(`unknown option ${key} (see \`tessera-ml ${cmd.name} --help\`)`);
    if (spec.type === "boolean") {
      if (eq > 0) throw new UsageError(`${key} takes no value`);
      options[spec.name] = true;
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${key}: expected a ${spec.type}, received nothing`);
    if (spec.type === "number") {
      const n = Number(value);
      if (value.trim() === "" || !Number.isFinite(n)) throw new UsageError(`${key}: expected a number, received ${JSON.stringify(value)}`);
      options[spec.name] = n;
    } else {
      options[spec.name] = value;
    }
  }
  return { options, positional };
}

export function helpText(cmd: Command, path: string): string {
  const name = path ? `tessera-ml ${path}` : "tessera-ml";
  const lines = [`${name} — ${cmd.summary}`, "", "Usage:", ...cmd.usage.split("\n").map((u) => `  ${name}${u ? ` ${u}` : ""}`)];
  if (cmd.subcommands?.length) {
    lines.push("", "Commands:");
    const w = Math.max(...cmd.subcommands.map((c) => c.name.length));
    for (const c of cmd.subcommands) lines.push(`  ${c.name.padEnd(w)}  ${c.summary}`);
  }
  const opts = [...cmd.options, { name: "help", short: "h", type: "boolean", description: "show this help" } as OptionSpec];
  lines.push("", "Options:");
  const label = (o: OptionSpec) => `${o.short ? `-${o.short}, ` : "    "}--${o.name}${o.type === "boolean" ? "" : ` <${o.type === "number" ? "n" : "value"}>`}`;
  const w = Math.max(...opts.map((o) => label(o).length));
  for (const o of opts) lines.push(`  ${label(o).padEnd(w)}  ${o.description}${o.default !== undefined ? ` (default ${o.default})` : ""}`);
  if (cmd.details) lines.push("", cmd.details);
  return lines.join("\n") + "\n";
}

export function stringOption(p: Parsed, name: string): string | undefined {
  const v = p.options[name];
  return typeof v === "string" ? v : undefined;
}

export function numberOption(p: Parsed, name: string, min = -Infinity, integer = false): number | undefined {
  const v = p.options[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || v < min || (integer && !Number.isInteger(v))) {
    throw new UsageError(`--${name}: expected ${integer ? "an integer" : "a number"}${min > -Infinity ? ` ≥ ${min}` : ""}, received ${String(v)}`);
  }
  return v;
}
