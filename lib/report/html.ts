/**
 * A self-contained HTML page of a test run: a bar of passed/failed/skipped, a timing
 * bar per test, failures expanded.
 *
 * @module
 */
import { formatDuration } from "../bytes/units.ts";
import type { SuiteResult } from "../runner/run_suite.ts";
import { xmlEscape } from "./junit.ts";
import { summaryLine } from "./summary_line.ts";

/** The HTML report. */
export function htmlReport(s: SuiteResult): string {
  const max = Math.max(1, ...s.results.map((r) => r.durationMs));
  const total = Math.max(1, s.results.length);
  const rows = s.results.map((r) => {
    const w = ((r.durationMs / max) * 100).toFixed(1);
    const detail = r.status === "failed"
      ? `<pre>${xmlEscape(r.message ?? "")}</pre>`
      : r.status === "skipped"
      ? `<em>${xmlEscape(r.message ?? "")}</em>`
      : "";
    return `<tr class="${r.status}"><td class="st">${r.status}</td><td>${
      xmlEscape(r.file)
    }${detail}</td>` +
      `<td class="t">${
        formatDuration(r.durationMs)
      }</td><td class="bar"><span style="width:${w}%"></span></td></tr>`;
  }).join("\n");
  const pct = (n: number) => ((n / total) * 100).toFixed(2);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wireplay test report</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.3em}.sum{display:flex;height:14px;border-radius:7px;overflow:hidden;margin:1em 0;max-width:40em}
.sum .passed{background:#2da44e}.sum .failed{background:#cf222e}.sum .skipped{background:#bf8700}
table{border-collapse:collapse;width:100%}td{padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}
tr.failed .st{color:#cf222e;font-weight:bold}tr.passed .st{color:#2da44e}tr.skipped .st{color:#bf8700}
td.t{text-align:right;white-space:nowrap}td.bar{width:25%}td.bar span{display:block;height:10px;background:#8c959f;border-radius:3px}
pre{background:#fff5f5;padding:8px;white-space:pre-wrap;font-size:12px}
</style></head><body>
<h1>wireplay: ${xmlEscape(summaryLine(s))} <small>in ${formatDuration(s.durationMs)}</small></h1>
<div class="sum"><div class="passed" style="width:${
    pct(s.passed)
  }%"></div><div class="failed" style="width:${
    pct(s.failed)
  }%"></div><div class="skipped" style="width:${pct(s.skipped)}%"></div></div>
<table>
${rows}
</table>
</body></html>
`;
}
