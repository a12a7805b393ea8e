/**
 * Opens the REPL: on a terminal, the interactive line editor; otherwise statements are
 * read from standard input and run non-interactively. Closes every socket and server
 * on the way out, and saves the session with `record` set.
 *
 * @module
 */
import { defaultHistoryPath, HistoryFile } from "./history.ts";
import { LiveOutput, runInteractive } from "./interactive.ts";
import type { ReplCore, ReplOutput } from "./repl_core.ts";

/**
 * Options for {@linkcode runRepl}.
 *
 * @example A REPL without history
 * ```ts
 * import type { ReplOptions } from "@wireplay/wireplay";
 * const options: ReplOptions = { history: false, vars: { host: "127.0.0.1" }, timeoutMs: 2000 };
 * // await runRepl(options)
 * ```
 */
export interface ReplOptions {
  /** Save the session here on exit (like `:save FILE`). */
  record?: string;
  /** The history file; `false` keeps no history; default: the user's state folder. */
  history?: string | false;
  /** Default wait for expect and accept. */
  timeoutMs?: number;
  /** Force piped mode even on a terminal. */
  piped?: boolean;
  /** Piped mode: how long to wait for quiet after the input ends (`--wait`). */
  waitMs?: number;
  /** Variables set before the first statement (`--var NAME=VALUE`). */
  vars?: Record<string, string>;
  /** A script to run first; the REPL then stays open with its connections (`repl FILE`). */
  file?: string;
}

const encoder = new TextEncoder();

function writeAllSync(file: { writeSync(p: Uint8Array): number }, text: string): void {
  let data = encoder.encode(text);
  while (data.byteLength > 0) data = data.subarray(file.writeSync(data));
}

/** Plain output for piped mode: results on stdout, failures on stderr. */
export const PLAIN_OUTPUT: ReplOutput = {
  out: (text) => writeAllSync(Deno.stdout, text + "\n"),
  err: (text) => writeAllSync(Deno.stderr, text + "\n"),
};

/**
 * Runs the REPL until the user leaves or the input ends.
 *
 * @returns The exit code (always 0 interactively; see `runPiped` for piped input).
 *
 * @example A REPL for a command-line tool (it reads stdin, so this one is not run as a test)
 * ```ts ignore
 * import { runRepl } from "@wireplay/wireplay";
 * Deno.exit(await runRepl({ vars: { redis: "tcp://127.0.0.1:6379" }, history: false }));
 * ```
 */
export async function runRepl(options: ReplOptions = {}): Promise<number> {
  const interactive = !options.piped && Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
  const live = new LiveOutput();
  const output = interactive ? live : PLAIN_OUTPUT;
  // the interpreter (and everything its statements can open) loads once the prompt shows
  let coreReady: Promise<ReplCore> | undefined;
  const loadCore = () =>
    coreReady ??= import("./repl_core.ts").then((m) =>
      new m.ReplCore(output, {
        timeoutMs: options.timeoutMs,
        vars: options.vars,
        echo: interactive,
      })
    );
  let core: ReplCore | undefined;
  let code = 0;
  try {
    if (interactive) {
      const history = await HistoryFile.open(
        options.history === false ? undefined : options.history ?? defaultHistoryPath(),
      );
      try {
        const file = options.file;
        await runInteractive(loadCore, live, {
          history,
          beforeInput: file ? async (c) => void await c.load(file) : undefined,
        });
      } finally {
        await history.flush();
      }
      core = await loadCore();
    } else {
      core = await loadCore();
      const { runPiped } = await import("./piped.ts");
      const loaded = options.file ? await core.load(options.file) : "ok";
      code = loaded === "ok"
        ? await runPiped(core, Deno.stdin.readable, { waitMs: options.waitMs })
        : loaded === "syntax"
        ? 2
        : 1;
    }
  } finally {
    core ??= await loadCore();
    await core.close();
    if (options.record) {
      if (!(await core.save(options.record))) code = code || 1;
    }
  }
  return code;
}
