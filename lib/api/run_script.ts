/**
 * Running `.wire` files from TypeScript, e.g. inside `Deno.test`.
 *
 * @module
 */
import {
  type RunOptions,
  runScript as runParsed,
  runScriptFile,
  type ScriptResult,
} from "../run/interpreter.ts";
import { parseStream } from "../script/stream.ts";

/**
 * Runs a `.wire` file and throws its failure report when an expectation fails, so it
 * can be the body of a `Deno.test`.
 *
 * @param path The script.
 * @param options Variables (`vars`), default timeout, a cancel signal.
 * @returns The result when it passed.
 * @throws {ExpectationError} the script's failure (path, line, expected, received).
 * @throws {ScriptSyntaxError} when the script does not parse.
 *
 * @example Inside Deno.test
 * ```ts
 * import { runWireFile } from "@wireplay/wireplay";
 * Deno.test("the echo script passes", async () => {
 *   const path = await Deno.makeTempFile({ suffix: ".wire" });
 *   await Deno.writeTextFile(path, [
 *     "serve echo tcp://127.0.0.1:0 as s",
 *     "connect ${s.address} as c",
 *     'send c "PING\\r\\n"',
 *     'expect c line "PING"',
 *   ].join("\n"));
 *   try {
 *     await runWireFile(path, { timeoutMs: 2000 });
 *   } finally {
 *     await Deno.remove(path);
 *   }
 * });
 * ```
 */
export async function runWireFile(path: string, options: RunOptions = {}): Promise<ScriptResult> {
  const r = await runScriptFile(path, options);
  if (r.failure) throw r.failure;
  return r;
}

/**
 * Runs `.wire` source text; throws its failure like {@linkcode runWireFile}.
 *
 * @example
 * ```ts
 * import { runWire } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * const r = await runWire(`
 *   serve echo tcp://127.0.0.1:0 as s
 *   connect tcp://127.0.0.1:\${s.port} as c
 *   send c "ping\\n"
 *   expect c line "ping"
 * `);
 * assertEquals(r.statements, 4);
 * ```
 */
export async function runWire(
  source: string,
  options: RunOptions & { file?: string } = {},
): Promise<ScriptResult> {
  const r = await runParsed(parseStream([source], options.file ?? "<inline>"), options);
  if (r.failure) throw r.failure;
  return r;
}
