/**
 * JUnit XML, as CI systems read it: one testcase per script, its folder as the
 * classname (so CI groups tests by folder), the run's variables as properties, and the
 * script's exchanges and output as `system-out`.
 *
 * @module
 */
import type { SuiteResult, TestResult } from "../runner/run_suite.ts";
import { transcriptLines } from "./transcript.ts";

/** Escapes text for XML content and attributes (and drops characters XML forbids). */
export function xmlEscape(text: string): string {
  return text
    // deno-lint-ignore no-control-regex -- XML 1.0 forbids these characters
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

const secs = (ms: number) => (ms / 1000).toFixed(3);

/** What the test did and printed, for `system-out`. */
function systemOut(r: TestResult): string {
  const lines = [
    ...(r.trace?.length ? ["exchanges:", ...transcriptLines(r.trace, r.failedAt)] : []),
    ...(r.output.length ? ["output:", ...r.output.map((l) => `  ${l}`)] : []),
  ];
  return lines.length ? `\n      <system-out>${xmlEscape(lines.join("\n"))}</system-out>` : "";
}

function testcase(r: TestResult): string {
  const dir = r.file.includes("/") ? r.file.slice(0, r.file.lastIndexOf("/")) : ".";
  // `file` is what GitLab links a test to
  const open = `    <testcase name="${xmlEscape(r.file)}" classname="${xmlEscape(dir)}" file="${
    xmlEscape(r.file)
  }" time="${secs(r.durationMs)}"`;
  const out = systemOut(r);
  if (r.status === "passed") return out ? `${open}>${out}\n    </testcase>` : `${open}/>`;
  if (r.status === "skipped") {
    return `${open}>\n      <skipped message="${
      xmlEscape(r.message ?? "")
    }"/>${out}\n    </testcase>`;
  }
  const first = (r.message ?? "").split("\n")[0] ?? "";
  return `${open}>\n      <failure message="${xmlEscape(first)}" type="${
    r.syntaxError ? "syntax" : "expectation"
  }">${xmlEscape(r.message ?? "")}</failure>${out}\n    </testcase>`;
}

/** The JUnit report: one testsuite, one testcase per script. */
export function junitReport(s: SuiteResult): string {
  const counts = `tests="${s.results.length}" failures="${s.failed}" skipped="${s.skipped}" time="${
    secs(s.durationMs)
  }"`;
  const vars = Object.entries(s.vars ?? {});
  const properties = vars.length
    ? [
      `    <properties>`,
      ...vars.map(([k, v]) => `      <property name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`),
      `    </properties>`,
    ]
    : [];
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites ${counts}>`,
    `  <testsuite name="wireplay" ${counts}>`,
    ...properties,
    ...s.results.map(testcase),
    `  </testsuite>`,
    `</testsuites>`,
  ].join("\n");
}
