/**
 * The machine-readable report.
 *
 * @module
 */
import type { SuiteResult } from "../runner/run_suite.ts";

/** The JSON report. */
export function jsonReport(s: SuiteResult): string {
  return JSON.stringify(
    {
      passed: s.passed,
      failed: s.failed,
      skipped: s.skipped,
      durationMs: Math.round(s.durationMs * 10) / 10,
      tests: s.results.map((r) => ({
        file: r.file,
        status: r.status,
        durationMs: Math.round(r.durationMs * 10) / 10,
        statements: r.statements,
        ...(r.where ? { where: r.where } : {}),
        ...(r.message ? { message: r.message } : {}),
        ...(r.output.length ? { output: r.output } : {}),
      })),
    },
    null,
    2,
  );
}
