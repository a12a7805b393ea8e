/**
 * Merges the JSON reports of shards (`test --shard I/N --reporter json`) into one suite
 * result: every test once, in path order; a test found in two shards is refused.
 *
 * @module
 */
import type { SuiteResult, TestResult } from "../runner/run_suite.ts";
import { ReportFormatError } from "./json.ts";

/** One shard's report and where it came from (for messages). */
export interface ShardReport {
  name: string;
  suite: SuiteResult;
}

/**
 * The shards as one run: results sorted by path, counts recomputed, the wall time of the
 * longest shard (shards run side by side), the variables of the first shard that has any.
 */
export function mergeReports(shards: ShardReport[]): SuiteResult {
  const seen = new Map<string, string>();
  const results: TestResult[] = [];
  for (const shard of shards) {
    for (const r of shard.suite.results) {
      const other = seen.get(r.file);
      if (other !== undefined) {
        throw new ReportFormatError(`${r.file} is in both ${other} and ${shard.name}`);
      }
      seen.set(r.file, shard.name);
      results.push(r);
    }
  }
  results.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const vars = shards.find((s) => s.suite.vars && Object.keys(s.suite.vars).length)?.suite.vars;
  return {
    results,
    durationMs: Math.max(0, ...shards.map((s) => s.suite.durationMs)),
    passed: results.filter((r) => r.status === "passed").length,
    failed: results.filter((r) => r.status === "failed").length,
    skipped: results.filter((r) => r.status === "skipped").length,
    ...(vars ? { vars } : {}),
  };
}
