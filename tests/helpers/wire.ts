/**
 * Runs `.wire` text in-process (so the test's sanitizers see every socket the script
 * opens) and returns the result.
 *
 * @module
 */
import { assert } from "@std/assert";
import { runScript, type ScriptResult } from "../../lib/run/interpreter.ts";
import { parseScript } from "../../lib/script/parser.ts";

/** Parses and runs `text` as the script `file`, with `vars` set. */
export async function runWire(
  text: string,
  options: { file?: string; vars?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ScriptResult> {
  const script = parseScript(text, options.file ?? "inline.wire");
  return await runScript(script, { vars: options.vars, timeoutMs: options.timeoutMs });
}

/** Runs `text` and fails the test with the script's own report when it fails. */
export async function passes(
  text: string,
  options: { file?: string; vars?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ScriptResult> {
  const r = await runWire(text, options);
  assert(r.ok, `script failed:\n${r.failure?.message}`);
  return r;
}

/** Runs `text`, requires it to fail, and returns the failure. */
export async function fails(
  text: string,
  options: { file?: string; vars?: Record<string, string>; timeoutMs?: number } = {},
) {
  const r = await runWire(text, options);
  assert(!r.ok && r.failure, `script passed but should have failed:\n${text}`);
  return r.failure;
}
