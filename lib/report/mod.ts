/**
 * The reporters, by name. They read only the result data.
 *
 * @module
 */
import type { SuiteResult } from "../runner/run_suite.ts";
import { htmlReport } from "./html.ts";
import { jsonReport } from "./json.ts";
import { junitReport } from "./junit.ts";
import { prettyReport } from "./pretty.ts";
import { tapReport } from "./tap.ts";

/** Reporter names. */
export const REPORTERS = ["pretty", "tap", "junit", "json", "html"] as const;
/** A reporter name. */
export type ReporterName = typeof REPORTERS[number];

/** Renders a suite result with the named reporter. */
export function renderReport(
  name: ReporterName,
  s: SuiteResult,
  options: { color?: boolean } = {},
): string {
  switch (name) {
    case "pretty":
      return prettyReport(s, options);
    case "tap":
      return tapReport(s);
    case "junit":
      return junitReport(s);
    case "json":
      return jsonReport(s);
    case "html":
      return htmlReport(s);
  }
}
