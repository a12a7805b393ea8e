/**
 * The REPL's fast start: `cli.ts` (no arguments) and `cli.ts repl [FILE] [--record FILE]
 * [--history FILE | --no-history] [--timeout D] [--wait D] [--var NAME=VALUE]…` open
 * the REPL without loading the
 * command-line framework (commander costs about 100 ms of startup). Anything else —
 * `--help`, an unknown or malformed option — returns undefined, and `cli.ts` goes the
 * usual way through `lib/cli/main.ts`, which prints help and errors.
 *
 * @module
 */
import { parseDuration } from "../bytes/units.ts";
import type { ReplOptions } from "./repl.ts";

/**
 * Reads the REPL's own options from `args` (which start with `repl`).
 *
 * @returns The options, or undefined when `args` are not a plain REPL invocation.
 *
 * @example
 * ```ts
 * import { replArgs } from "./fast_start.ts";
 * import { assertEquals } from "@std/assert";
 * assertEquals(replArgs(["repl", "--record", "s.wire", "--no-history"]), { record: "s.wire", history: false });
 * assertEquals(replArgs(["repl", "--help"]), undefined);
 * assertEquals(replArgs(["test"]), undefined);
 * ```
 */
export function replArgs(args: readonly string[]): ReplOptions | undefined {
  if (args[0] !== "repl") return undefined;
  const options: ReplOptions = {};
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf("=");
    const flag = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith("--") && eq > 0 ? a.slice(eq + 1) : undefined;
    const value = () => inline ?? args[++i];
    switch (flag) {
      case "--record": {
        const v = value();
        if (v === undefined || v.startsWith("-")) return undefined;
        options.record = v;
        break;
      }
      case "--history": {
        const v = value();
        if (v === undefined || v.startsWith("-")) return undefined;
        options.history = v;
        break;
      }
      case "--no-history":
        if (inline !== undefined) return undefined;
        options.history = false;
        break;
      case "--timeout":
      case "--wait": {
        const v = value();
        if (v === undefined) return undefined;
        try {
          const ms = parseDuration(v, flag);
          if (flag === "--wait") options.waitMs = ms;
          else options.timeoutMs = ms;
        } catch {
          return undefined;
        }
        break;
      }
      case "--var": {
        const v = value();
        const m = v === undefined ? null : /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(v);
        if (!m) return undefined;
        (options.vars ??= {})[m[1]!] = m[2]!;
        break;
      }
      default:
        if (a.startsWith("-") || options.file !== undefined) return undefined;
        options.file = a;
    }
  }
  return options;
}

/**
 * Runs the REPL when `args` are a plain REPL invocation.
 *
 * @returns The exit code, or undefined when `args` are for the full command line.
 */
export async function fastStart(args: readonly string[]): Promise<number | undefined> {
  const options = replArgs(args);
  if (!options) return undefined;
  const { runRepl } = await import("./repl.ts");
  return await runRepl(options);
}
