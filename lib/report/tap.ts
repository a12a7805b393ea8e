/**
 * TAP version 14: `ok N - file`, failures with a YAML diagnostic block.
 *
 * @module
 */
import type { SuiteResult } from "../runner/run_suite.ts";

/** The TAP report. */
export function tapReport(s: SuiteResult): string {
  const lines = ["TAP version 14", `1..${s.results.length}`];
  s.results.forEach((r, i) => {
    const n = i + 1;
    if (r.status === "skipped") {
      lines.push(`ok ${n} - ${r.file} # SKIP ${r.message ?? ""}`.trimEnd());
    } else if (r.status === "passed") lines.push(`ok ${n} - ${r.file}`);
    else {
      lines.push(`not ok ${n} - ${r.file}`);
      lines.push("  ---");
      lines.push(`  duration_ms: ${r.durationMs.toFixed(1)}`);
      if (r.where) lines.push(`  at: ${JSON.stringify(r.where)}`);
      lines.push("  message: |-");
      for (const l of (r.message ?? "").split("\n")) lines.push(`    ${l}`);
      lines.push("  ...");
    }
  });
  lines.push(
    `# ${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ""}`,
  );
  return lines.join("\n");
}
