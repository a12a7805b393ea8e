/**
 * `--secret NAME=VALUE` (run, test, repl): sets the variable like `--var` and registers
 * the value as a secret at once, so nothing the command writes shows it.
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import { addSecret } from "./secrets.ts";

/** The help of `--secret`. */
export const SECRET_HELP = "set a variable whose value is never shown or saved (***; repeatable)";

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Commander's collector for `--secret NAME=VALUE`. */
export function collectSecret(
  value: string,
  previous: Record<string, string> = {},
): Record<string, string> {
  const eq = value.indexOf("=");
  const name = eq > 0 ? value.slice(0, eq) : "";
  // the message never repeats the value: it may be the secret itself
  if (!NAME_RE.test(name)) throw new UsageError("expected NAME=VALUE", { where: "--secret" });
  addSecret(name, value.slice(eq + 1), "--secret");
  return { ...previous, [name]: value.slice(eq + 1) };
}
