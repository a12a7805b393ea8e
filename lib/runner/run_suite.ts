/**
 * Runs many `.wire` files as tests: each in its own session, up to N at once.
 *
 * @module
 */
import { join } from "node:path";
import { atomicWrite } from "../fs/atomic_write.ts";
import { pcapng } from "../report/pcapng.ts";
import { CaptureRecorder } from "../run/capture.ts";
import { runScript } from "../run/interpreter.ts";
import { type FailurePoint, failurePoint, type TraceEntry, TraceRecorder } from "../run/trace.ts";
import { maskSecrets } from "../secrets/secrets.ts";
import { ExpectationUpdater } from "../run/updater.ts";
import { parseStream } from "../script/stream.ts";
import { ScriptSyntaxError } from "../script/syntax_error.ts";
import { readDirectives } from "./directives.ts";
import { MAX_SCRIPT_BYTES, readUserText } from "../fs/read_file.ts";

/**
 * One test's outcome.
 *
 * @example One line per test
 * ```ts
 * import type { TestResult } from "@wireplay/wireplay";
 * function line(r: TestResult): string {
 *   return `${r.status === "passed" ? "ok  " : r.status} ${r.file} (${r.durationMs}ms)`;
 * }
 * ```
 */
export interface TestResult {
  /** The script's path. */
  file: string;
  /** How it ended. */
  status: "passed" | "failed" | "skipped";
  /** Wall time, ms. */
  durationMs: number;
  /** Why it failed or was skipped (the full report for a failure). */
  message?: string;
  /** `file:line` of the failure. */
  where?: string;
  /** True when the script did not parse (the run exits 2). */
  syntaxError?: boolean;
  /** With `update`: how many literal expectations were rewritten. */
  updated?: number;
  /** How many statements completed. */
  statements: number;
  /** What `print` wrote. */
  output: string[];
  /** The exchanges (with `trace`): what the reports draw as a sequence diagram. */
  trace?: TraceEntry[];
  /** Where in the exchanges the failure happened, and what was expected and received. */
  failedAt?: FailurePoint;
}

/**
 * A whole run.
 *
 * @example An exit code for a run
 * ```ts
 * import type { SuiteResult } from "@wireplay/wireplay";
 * function exitCode(s: SuiteResult): number {
 *   return s.results.some((r) => r.syntaxError) ? 2 : s.failed > 0 ? 1 : 0;
 * }
 * ```
 */
export interface SuiteResult {
  /** One result per file, in the order the files were given. */
  results: TestResult[];
  /** Wall time of the whole run, ms. */
  durationMs: number;
  /** How many passed. */
  passed: number;
  /** How many failed. */
  failed: number;
  /** How many were skipped (`# @skip`, `# @needs`). */
  skipped: number;
  /** The variables every script got (`--var`; secrets masked), for the reports. */
  vars?: Record<string, string>;
}

/**
 * Options for {@linkcode runSuite}.
 *
 * @example Four at a time, told as each ends
 * ```ts
 * import type { SuiteOptions } from "@wireplay/wireplay";
 * const options: SuiteOptions = { parallel: 4, timeoutMs: 2000, onResult: (r) => console.log(r.status, r.file) };
 * // await runSuite(files, options)
 * ```
 */
export interface SuiteOptions {
  /** Variables for every script (`--var`). */
  vars?: Record<string, string>;
  /** How many scripts run at once (default 1). */
  parallel?: number;
  /** Default timeout of expect and accept, ms. */
  timeoutMs?: number;
  /** Rewrite literal expectations that no longer match from what the service sent. */
  update?: boolean;
  /** Called as each test ends (for live output). */
  onResult?: (r: TestResult) => void;
  /** Passed to every script's session: aborting cancels what they wait on. */
  signal?: AbortSignal;
  /** Keep each test's exchanges (`TestResult.trace`) for the reports. */
  trace?: boolean;
  /** Write each test's exchanges as `DIR/<path with / as _>.pcapng`. */
  pcapDir?: string;
}

/** The capture file of `file` in `dir`: `web/get.wire` → `dir/web_get.pcapng`. */
export function pcapPath(dir: string, file: string): string {
  const name = file.replace(/\.wire$/, "").replace(/^(\.\.?\/)+/, "").replace(/[^\w.-]+/g, "_");
  return join(dir, `${name}.pcapng`);
}

/** Runs one `.wire` file as a test. */
export async function runTestFile(file: string, options: SuiteOptions = {}): Promise<TestResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  let text: string;
  try {
    text = await readUserText(file, MAX_SCRIPT_BYTES);
  } catch (e) {
    return {
      file,
      status: "failed",
      durationMs: elapsed(),
      message: `cannot read: ${(e as Error).message}`,
      statements: 0,
      output: [],
    };
  }
  const d = readDirectives(text);
  if (d.skip) {
    return { file, status: "skipped", durationMs: 0, message: d.skip, statements: 0, output: [] };
  }
  const missing = d.needs.filter((v) => !(options.vars && v in options.vars));
  if (missing.length) {
    return {
      file,
      status: "skipped",
      durationMs: 0,
      message: `needs ${missing.map((v) => `--var ${v}=…`).join(" ")}`,
      statements: 0,
      output: [],
    };
  }
  try {
    // the same engine as `run`: statements run as they are parsed (lib/script/stream.ts)
    const script = parseStream([text], file);
    const updater = options.update ? new ExpectationUpdater() : undefined;
    let trace: TraceRecorder | undefined;
    let capture: CaptureRecorder | undefined;
    const r = await runScript(script, {
      vars: options.vars,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      setup: (session) => {
        updater?.attach(session);
        if (options.trace) trace = new TraceRecorder(session);
        if (options.pcapDir) capture = new CaptureRecorder(session);
      },
    });
    trace?.stop();
    if (capture) await atomicWrite(pcapPath(options.pcapDir!, file), pcapng(capture.stop()));
    const updated = updater?.replacements.length ?? 0;
    if (updater && updated > 0) await atomicWrite(file, updater.apply(text));
    return {
      file,
      ...(updated ? { updated } : {}),
      status: r.ok ? "passed" : "failed",
      durationMs: r.durationMs,
      message: r.failure?.message,
      where: r.failure?.where,
      statements: r.statements,
      output: [...script.warnings.map((w) => `warning: ${w}`), ...r.output],
      ...(trace ? { trace: trace.entries } : {}),
      // the trace starts with the session, as r.durationMs does
      ...(trace && r.failure ? { failedAt: failurePoint(r.failure, r.durationMs) } : {}),
    };
  } catch (e) {
    if (e instanceof ScriptSyntaxError) {
      return {
        file,
        status: "failed",
        durationMs: elapsed(),
        message: e.render(),
        where: e.where,
        syntaxError: true,
        statements: 0,
        output: [],
      };
    }
    // anything else (a bug, an exhausted resource) fails this script, never the run
    return {
      file,
      status: "failed",
      durationMs: elapsed(),
      message: `unexpected error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
      statements: 0,
      output: [],
    };
  }
}

/**
 * Runs every file, `parallel` at a time, results in file order.
 *
 * @example Run two scripts, one at a time
 * ```ts
 * import { runSuite } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/pass.wire`, "assert 1 == 1\n");
 * await Deno.writeTextFile(`${dir}/fail.wire`, "assert 1 == 2\n");
 * const s = await runSuite([`${dir}/pass.wire`, `${dir}/fail.wire`]);
 * await Deno.remove(dir, { recursive: true });
 * assertEquals([s.passed, s.failed], [1, 1]);
 * ```
 */
export async function runSuite(files: string[], options: SuiteOptions = {}): Promise<SuiteResult> {
  const started = performance.now();
  const results: TestResult[] = new Array(files.length);
  let next = 0;
  const workers = Array.from(
    { length: Math.max(1, Math.min(options.parallel ?? 1, files.length)) },
    async () => {
      while (next < files.length) {
        const k = next++;
        results[k] = await runTestFile(files[k]!, options);
        options.onResult?.(results[k]);
      }
    },
  );
  await Promise.all(workers);
  return {
    results,
    durationMs: performance.now() - started,
    passed: results.filter((r) => r.status === "passed").length,
    failed: results.filter((r) => r.status === "failed").length,
    skipped: results.filter((r) => r.status === "skipped").length,
    ...(options.vars && Object.keys(options.vars).length
      ? {
        vars: Object.fromEntries(
          Object.entries(options.vars).map(([k, v]) => [k, maskSecrets(v)]),
        ),
      }
      : {}),
  };
}
