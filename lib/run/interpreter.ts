/**
 * The one statement interpreter: the CLI, the REPL, the test runner and `mod.ts` all
 * run statements through {@linkcode execute}.
 *
 * @module
 */
import type { Script, StatementBase } from "../script/ast.ts";
import { parseStream, type ScriptStream } from "../script/stream.ts";
import { UsageError } from "../errors.ts";
import { EXECUTORS } from "./exec/mod.ts";
import { ExpectationError } from "./failure.ts";
import { maskSecrets } from "../secrets/secrets.ts";
import { Session, type SessionOptions } from "./session.ts";
import { readUserTextChunks } from "../fs/read_file.ts";

/**
 * Runs one statement in a session.
 *
 * @example Run statements one at a time
 * ```ts
 * import { execute, parseStatement, Session } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * await using session = new Session();
 * for (const line of ['let greeting = "hi"', 'assert "${greeting}" == "hi"']) {
 *   await execute(parseStatement(line)!, session);
 * }
 * assertEquals(session.vars.get("greeting"), "hi");
 * ```
 */
export async function execute(node: StatementBase, session: Session): Promise<void> {
  const run = EXECUTORS[node.kind];
  if (!run) throw new Error(`no executor for statement kind "${node.kind}"`);
  const outer = session.current;
  session.current = node;
  try {
    await run(node, session);
  } finally {
    session.current = outer;
  }
}

/**
 * Runs a block's statements in order (a block statement's body, or an included script's
 * statements as they are parsed); stops at the first failure.
 */
export async function runBody(
  body: StatementBase[] | AsyncIterable<StatementBase>,
  session: Session,
): Promise<void> {
  if (Array.isArray(body)) { for (const node of body) await execute(node, session); }
  else for await (const node of body) await execute(node, session);
}

/**
 * Opens a `.wire` file as a {@linkcode ScriptStream}: read in chunks and parsed while its
 * statements run (see `lib/script/stream.ts` for when a syntax error is found). The one
 * path from a script file to the interpreter (`run`, `include`).
 *
 * @param shown The name used in messages (default `path`).
 * @throws {Error} when the file cannot be opened (not found, not a regular file).
 */
export async function openScriptFile(
  path: string,
  shown = path,
  onWarning?: (message: string) => void,
): Promise<ScriptStream> {
  return parseStream(await readUserTextChunks(path), shown, { onWarning });
}

/** Runs every statement of a parsed script in order; stops at the first failure. */
export async function runStatements(script: Script, session: Session): Promise<number> {
  let count = 0;
  for (const node of script.statements) {
    await execute(node, session);
    count++;
  }
  return count;
}

/**
 * The outcome of running one script.
 *
 * @example Summarise a run
 * ```ts
 * import type { ScriptResult } from "@wireplay/wireplay";
 * function summary(r: ScriptResult): string {
 *   return r.ok ? `${r.file}: ${r.statements} statements` : r.failure!.message;
 * }
 * ```
 */
export interface ScriptResult {
  /** The script's path. */
  file: string;
  /** True when every statement ran. */
  ok: boolean;
  /** Wall time, ms. */
  durationMs: number;
  /** How many statements completed. */
  statements: number;
  /** The failure, when not ok. */
  failure?: ExpectationError;
  /** What `print` wrote. */
  output: string[];
}

/**
 * Options for {@linkcode runScriptFile}.
 *
 * @example Variables, a timeout and live output
 * ```ts
 * import type { RunOptions } from "@wireplay/wireplay";
 * const options: RunOptions = { vars: { redis: "tcp://127.0.0.1:6379" }, timeoutMs: 2000, echo: (t) => console.log(t) };
 * // await runWireFile("scripts/redis.wire", options)
 * ```
 */
export interface RunOptions extends Omit<SessionOptions, "file"> {
  /** Also echo `print` output here as it happens. */
  echo?: (text: string) => void;
  /** Called with the fresh session before the first statement (observers, update mode). */
  setup?: (session: Session) => void;
}

/**
 * Reads, parses and runs a `.wire` file in a fresh session, closing everything it
 * opened whatever happens.
 *
 * @throws {UsageError} when the file cannot be read or does not parse (exit 2).
 *
 * @example Run a file and look at the result
 * ```ts
 * import { runScriptFile } from "@wireplay/wireplay";
 * import { assert } from "@std/assert";
 * const path = await Deno.makeTempFile({ suffix: ".wire" });
 * await Deno.writeTextFile(path, 'serve echo tcp://127.0.0.1:0 as s\nprint "on ${s.port}"\n');
 * const r = await runScriptFile(path);
 * await Deno.remove(path);
 * assert(r.ok && r.output[0]!.startsWith("on "));
 * ```
 */
export async function runScriptFile(path: string, options: RunOptions = {}): Promise<ScriptResult> {
  let script: ScriptStream;
  try {
    script = await openScriptFile(path, path, (w) => console.error(`warning: ${w}`));
  } catch (e) {
    throw new UsageError(`cannot read script: ${(e as Error).message}`, { where: path });
  }
  return await runScript(script, options);
}

/**
 * Runs a parsed script in a fresh session: a {@linkcode Script}, or a
 * {@linkcode ScriptStream} whose statements run as they are parsed (a syntax error the
 * parser meets is thrown, after the session closed).
 *
 * @example A failure is returned, not thrown
 * ```ts
 * import { parseScript, runScript } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * const r = await runScript(parseScript('assert 1 == 2\n', "inline.wire"));
 * assertEquals(r.ok, false);
 * assertEquals(r.failure?.where, "inline.wire:1");
 * ```
 */
export async function runScript(
  script: Script | ScriptStream,
  options: RunOptions = {},
): Promise<ScriptResult> {
  const output: string[] = [];
  const started = performance.now();
  await using session = new Session({
    ...options,
    file: script.file,
    // what a script prints is masked here, for the CLI and mod.ts callers alike
    print: (text) => {
      const t = maskSecrets(text);
      output.push(t);
      options.echo?.(t);
    },
  });
  options.setup?.(session);
  let statements = 0;
  try {
    // counted here, not via runStatements, so a failure reports how many completed
    for await (const node of script.statements) {
      await execute(node, session);
      statements++;
    }
    return {
      file: script.file,
      ok: true,
      durationMs: performance.now() - started,
      statements,
      output,
    };
  } catch (e) {
    if (e instanceof ExpectationError) {
      return {
        file: script.file,
        ok: false,
        durationMs: performance.now() - started,
        statements,
        failure: e,
        output,
      };
    }
    throw e;
  }
}
