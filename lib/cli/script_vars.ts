/**
 * The variables a script starts with, from three places, later ones winning:
 * `WIREPLAY_VAR_NAME` environment variables, then `--vars-file FILE` (in the order
 * given), then `--var NAME=VALUE`.
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import { readUserText } from "../fs/read_file.ts";

/** The prefix of environment variables that set script variables. */
export const ENV_VAR_PREFIX = "WIREPLAY_VAR_";

/** The largest `--vars-file` read. */
export const MAX_VARS_FILE_BYTES = 1024 * 1024;

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The help of `--vars-file`. */
export const VARS_FILE_HELP = "set variables from NAME=VALUE lines (repeatable; --var wins)";

/**
 * Parses a vars file: `NAME=VALUE` lines; blank lines and `#` comments are skipped;
 * the value is everything after the first `=`, taken as is (quotes included).
 *
 * @throws {UsageError} naming `FILE:LINE` for a line that is not NAME=VALUE.
 */
export function parseVarsFile(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.replace(/^\uFEFF/, "").split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) return;
    const eq = t.indexOf("=");
    const name = eq > 0 ? t.slice(0, eq).trim() : "";
    if (!NAME_RE.test(name)) {
      throw new UsageError(`"${t.slice(0, 80)}" is not NAME=VALUE`, { where: `${file}:${i + 1}` });
    }
    out[name] = line.slice(line.indexOf("=") + 1).replace(/^\s+/, "");
  });
  return out;
}

/** `WIREPLAY_VAR_NAME=VALUE` environment variables, by NAME (empty without --allow-env). */
export function envVars(env: Record<string, string> = readEnv()): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    const name = k.slice(ENV_VAR_PREFIX.length);
    if (k.startsWith(ENV_VAR_PREFIX) && NAME_RE.test(name)) out[name] = v;
  }
  return out;
}

function readEnv(): Record<string, string> {
  try {
    return Deno.env.toObject();
  } catch {
    return {};
  }
}

/**
 * Merges the three sources: environment, then each `--vars-file`, then `--var`.
 *
 * @throws {UsageError} when a vars file cannot be read or has a bad line.
 */
export async function scriptVars(
  opts: { var?: Record<string, string>; varsFile?: string[] },
  env?: Record<string, string>,
): Promise<Record<string, string>> {
  const merged = envVars(env);
  for (const file of opts.varsFile ?? []) {
    let text: string;
    try {
      text = await readUserText(file, MAX_VARS_FILE_BYTES);
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as Error).message}`, {
        where: "--vars-file",
      });
    }
    Object.assign(merged, parseVarsFile(text, file));
  }
  return Object.assign(merged, opts.var ?? {});
}
