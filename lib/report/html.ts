/**
 * A self-contained HTML page of a test run (no network: styles and the small filter
 * script are inline): a bar of passed/failed/skipped, filters by status and a search by
 * name, and one entry per test with its timing bar and its sequence diagram — collapsed
 * for passing tests, open for failing ones, with what the failing statement expected and
 * received drawn where it failed.
 *
 * @module
 */
import { formatDuration } from "../bytes/units.ts";
import type { SuiteResult, TestResult } from "../runner/run_suite.ts";
import { xmlEscape } from "./junit.ts";
import { SEQUENCE_CSS, sequenceSvg } from "./sequence.ts";
import { summaryLine } from "./summary_line.ts";

const STATUSES = ["failed", "passed", "skipped"] as const;

function testEntry(r: TestResult, max: number, id: string): string {
  const w = ((r.durationMs / max) * 100).toFixed(1);
  const parts: string[] = [];
  if (r.status === "failed") parts.push(`<pre class="message">${xmlEscape(r.message ?? "")}</pre>`);
  if (r.status === "skipped") parts.push(`<p><em>${xmlEscape(r.message ?? "")}</em></p>`);
  if (r.trace?.length) {
    parts.push(`<div class="diagram">${sequenceSvg(r.trace, r.failedAt, id)}</div>`);
  } else if (r.trace) parts.push(`<p class="none">no exchanges</p>`);
  if (r.output.length) parts.push(`<pre class="output">${xmlEscape(r.output.join("\n"))}</pre>`);
  return `<details class="test ${r.status}" data-status="${r.status}" data-name="${
    xmlEscape(r.file)
  }"${r.status === "failed" ? " open" : ""}>
<summary><span class="st">${r.status}</span><span class="name">${
    xmlEscape(r.file)
  }</span><span class="t">${
    formatDuration(r.durationMs)
  }</span><span class="bar"><span style="width:${w}%"></span></span></summary>
${parts.join("\n")}
</details>`;
}

/** The HTML report. */
export function htmlReport(s: SuiteResult): string {
  const max = Math.max(1, ...s.results.map((r) => r.durationMs));
  const total = Math.max(1, s.results.length);
  const pct = (n: number) => ((n / total) * 100).toFixed(2);
  const counts = { passed: s.passed, failed: s.failed, skipped: s.skipped };
  const filters = STATUSES.map((st) =>
    `<label class="${st}"><input type="checkbox" name="status" value="${st}" checked> ${st} (${
      counts[st]
    })</label>`
  ).join(" ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wireplay test report</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.3em}.sum{display:flex;height:14px;border-radius:7px;overflow:hidden;margin:1em 0;max-width:40em}
.sum .passed{background:#2da44e}.sum .failed{background:#cf222e}.sum .skipped{background:#bf8700}
.controls{margin:1em 0;display:flex;gap:1em;align-items:center}.controls input[type=search]{width:20em;padding:3px 6px}
details.test{border-bottom:1px solid #eee;padding:4px 0}
summary{display:flex;gap:1em;align-items:center;cursor:pointer}
summary .st{width:4.5em;font-weight:bold}summary .name{flex:1;overflow-wrap:anywhere}
summary .t{width:6em;text-align:right;white-space:nowrap}
summary .bar{width:20%}summary .bar span{display:block;height:10px;background:#8c959f;border-radius:3px}
.failed .st,label.failed{color:#cf222e}.passed .st,label.passed{color:#2da44e}.skipped .st,label.skipped{color:#bf8700}
pre{padding:8px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px}pre.message{background:#fff5f5}pre.output{background:#f6f8fa}
.diagram{overflow-x:auto;margin:.5em 0}.none{color:#888}
${SEQUENCE_CSS}
</style></head><body>
<h1>wireplay: ${xmlEscape(summaryLine(s))} <small>in ${formatDuration(s.durationMs)}</small></h1>
<div class="sum"><div class="passed" style="width:${
    pct(s.passed)
  }%"></div><div class="failed" style="width:${
    pct(s.failed)
  }%"></div><div class="skipped" style="width:${pct(s.skipped)}%"></div></div>
<form class="controls" id="controls" onsubmit="return false">
<input type="search" id="search" placeholder="search by name" aria-label="search by name">
${filters}
<span id="shown"></span>
</form>
<main id="tests">
${s.results.map((r, i) => testEntry(r, max, `d${i}`)).join("\n")}
</main>
<script>
(() => {
  const form = document.getElementById("controls");
  const search = document.getElementById("search");
  const tests = [...document.querySelectorAll("details.test")];
  const update = () => {
    const q = search.value.toLowerCase();
    const on = new Set([...form.querySelectorAll("input[name=status]:checked")].map((i) => i.value));
    let n = 0;
    for (const t of tests) {
      const show = on.has(t.dataset.status) && t.dataset.name.toLowerCase().includes(q);
      t.hidden = !show;
      if (show) n++;
    }
    document.getElementById("shown").textContent = n + " of " + tests.length + " shown";
  };
  form.addEventListener("input", update);
  update();
})();
</script>
</body></html>
`;
}
