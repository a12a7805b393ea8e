/**
 * JUnit XML, as CI systems read it.
 *
 * @module
 */
import type { SuiteResult } from "../runner/run_suite.ts";

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

/** The JUnit report: one testsuite, one testcase per script. */
export function junitReport(s: SuiteResult): string {
  const secs = (ms: number) => (ms / 1000).toFixed(3);
  const cases = s.results.map((r) => {
    const dir = r.file.includes("/") ? r.file.slice(0, r.file.lastIndexOf("/")) : ".";
    const open = `    <testcase name="${xmlEscape(r.file)}" classname="${xmlEscape(dir)}" time="${
      secs(r.durationMs)
    }"`;
    if (r.status === "passed") return `${open}/>`;
    if (r.status === "skipped") {
      return `${open}>\n      <skipped message="${xmlEscape(r.message ?? "")}"/>\n    </testcase>`;
    }
    const first = (r.message ?? "").split("\n")[0] ?? "";
    return `${open}>\n      <failure message="${xmlEscape(first)}" type="${
      r.syntaxError ? "syntax" : "expectation"
    }">${xmlEscape(r.message ?? "")}</failure>\n    </testcase>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites tests="${s.results.length}" failures="${s.failed}" skipped="${s.skipped}" time="${
      secs(s.durationMs)
    }">`,
    `  <testsuite name="wireplay" tests="${s.results.length}" failures="${s.failed}" skipped="${s.skipped}" time="${
      secs(s.durationMs)
    }">`,
    ...cases,
    `  </testsuite>`,
    `</testsuites>`,
  ].join("\n");
}
