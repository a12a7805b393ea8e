/**
 * Runs the wireplay CLI as a subprocess, as a user would, and captures what it prints.
 *
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";

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
 * returns its exit code and output. A deadline (default 30 s) kills a hung run.
 */
export async function runCli(
  args: string[],
  options: { cwd?: string; deadlineMs?: number; stdin?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", CLI, ...args],
    cwd: options.cwd ?? REPO_ROOT,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
  }).spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
  }, options.deadlineMs ?? 30_000);
  try {
    const out = await child.output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
}
