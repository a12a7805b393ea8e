/**
 * Runs the wireplay CLI as a subprocess, as a user would, and captures what it prints.
 *
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { output } from "./process.ts";

/** The repository root (where `cli.ts` lives). */
export const REPO_ROOT = fromFileUrl(new URL("../../", import.meta.url));
/** The CLI entry point. */
export const CLI = fromFileUrl(new URL("../../cli.ts", import.meta.url));

/** What a CLI run returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `deno run -A cli.ts ...args` (from `cwd`, the repository root by default) and
 * returns its exit code and output. Past a deadline (default 30 s) the run is killed and
 * fails naming the command and what it printed.
 */
export async function runCli(
  args: string[],
  options: { cwd?: string; deadlineMs?: number; stdin?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const out = await output(Deno.execPath(), {
    args: ["run", "-A", "--quiet", CLI, ...args],
    cwd: options.cwd ?? REPO_ROOT,
    stdin: options.stdin,
    env: { NO_COLOR: "1", ...options.env },
    deadlineMs: options.deadlineMs,
  });
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
