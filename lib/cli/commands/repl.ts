/**
 * `wireplay repl [FILE] [--record FILE] [--history FILE | --no-history] [--wait D]
 * [--var NAME=VALUE]…`: the interactive REPL (SPEC §4); with standard input that is not
 * a terminal, runs the piped statements. FILE runs first, then the REPL stays open.
 * The REPL itself is imported when the command runs, so the other commands do not
 * pay for it.
 *
 * @module
 */
import { scriptVars, VARS_FILE_HELP } from "../script_vars.ts";
import { collectSecret, SECRET_HELP } from "../../secrets/cli.ts";
import { Command } from "commander";
import { ExitCode } from "../main.ts";
import { collect, collectVar, durationOption } from "../options.ts";

/** The `repl` command. */
export function replCommand() {
  return new Command("repl")
    .description(
      "Open the REPL (the default command); piped stdin runs its statements non-interactively",
    )
    .option("--record <file>", "save the session as a .wire script on exit (like :save FILE)")
    .option("--history <file>", "history file (default: $XDG_STATE_HOME/wireplay/history)")
    .option("--no-history", "keep no history")
    .argument(
      "[file]",
      "a .wire script to run first; the REPL then stays open with its connections",
    )
    .option("--timeout <D>", "default wait for expect and accept (5s)", durationOption("--timeout"))
    .option(
      "--wait <D>",
      "piped input: wait for this long without data before closing (500ms)",
      durationOption("--wait"),
    )
    .option(
      "--var <NAME=VALUE>",
      "set a variable (repeatable)",
      collectVar,
      {} as Record<string, string>,
    )
    .option("--vars-file <FILE>", VARS_FILE_HELP, collect, [] as string[])
    .option("--secret <NAME=VALUE>", SECRET_HELP, collectSecret, {} as Record<string, string>)
    .action(async (file, opts) => {
      const { runRepl } = await import("../../repl/repl.ts");
      // commander gives false for --no-history, a string for --history FILE
      const history = opts.history as string | boolean | undefined;
      const code = await runRepl({
        record: opts.record,
        history: history === false ? false : typeof history === "string" ? history : undefined,
        timeoutMs: opts.timeout,
        waitMs: opts.wait,
        vars: { ...await scriptVars(opts), ...opts.secret },
        file,
      });
      if (code !== 0) throw new ExitCode(code);
    });
}
