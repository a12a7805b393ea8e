/**
 * The default, human report: one line per test, failures in full, then the summary.
 *
 * @module
 */
import { formatDuration } from "../bytes/units.ts";
import type { SuiteResult, TestResult } from "../runner/run_suite.ts";
import { summaryLine } from "./summary_line.ts";

/** One test's line (and its failure report, indented). */
export function prettyResult(r: TestResult, color = false): string {
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  if (r.status === "passed" && r.updated) {
    return `${paint("36", "upd")}  ${r.file} ${
      paint("2", `(${formatDuration(r.durationMs)}, ${r.updated} expectations rewritten)`)
    }`;
  }
  if (r.status === "passed") {
    return `${paint("32", "ok")}   ${r.file} ${paint("2", `(${formatDuration(r.durationMs)})`)}`;
  }
  if (r.status === "skipped") {
    return `${paint("33", "skip")} ${r.file} ${paint("2", `(${r.message})`)}`;
  }
  const body = (r.message ?? "").split("\n").map((l) => `     ${l}`).join("\n");
  return `${paint("31", "FAIL")} ${r.file} ${
    paint("2", `(${formatDuration(r.durationMs)})`)
  }\n${body}`;
}

/** The whole report (without the per-test lines when they were streamed already). */
export function prettyReport(
  s: SuiteResult,
  options: { color?: boolean; includeResults?: boolean } = {},
): string {
  const lines: string[] = [];
  if (options.includeResults !== false) {
    for (const r of s.results) lines.push(prettyResult(r, options.color));
  }
  const failed = s.results.filter((r) => r.status === "failed");
  if (failed.length) {
    lines.push("", "failures:");
    for (const r of failed) lines.push(`  ${r.where ?? r.file}`);
  }
  lines.push("", `${summaryLine(s)} (${formatDuration(s.durationMs)})`.replace(/ \(.*\)$/, ""));
  return lines.join("\n");
}
