/**
 * The closing line of a test report: `N passed, N failed` (`, N skipped` when any).
 *
 * @module
 */
import type { SuiteResult } from "../runner/run_suite.ts";

/** `3 passed, 1 failed` or `3 passed, 0 failed, 2 skipped`. */
export function summaryLine(s: Pick<SuiteResult, "passed" | "failed" | "skipped">): string {
  return `${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ""}`;
}
