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
import { maskSecrets } from "../secrets/secrets.ts";

/**
 * Reporter names.
 *
 * @example Every reporter name
 * ```ts
 * import { REPORTERS } from "@wireplay/wireplay";
 * import { assertEquals } from "@std/assert";
 * assertEquals(REPORTERS.includes("junit"), true);
 * ```
 */
export const REPORTERS = ["pretty", "tap", "junit", "json", "html"] as const;
/**
 * A reporter name.
 *
 * @example Pick a reporter from a flag
 * ```ts
 * import { type ReporterName, REPORTERS } from "@wireplay/wireplay";
 * function reporter(flag: string): ReporterName {
 *   const name = REPORTERS.find((r) => r === flag);
 *   if (!name) throw new Error(`--reporter: one of ${REPORTERS.join(", ")}`);
 *   return name;
 * }
 * reporter("junit");
 * ```
 */
export type ReporterName = typeof REPORTERS[number];

/**
 * Renders a suite result with the named reporter.
 *
 * @example TAP output
 * ```ts
 * import { renderReport, runSuite } from "@wireplay/wireplay";
 * import { assertStringIncludes } from "@std/assert";
 * const path = await Deno.makeTempFile({ suffix: ".wire" });
 * await Deno.writeTextFile(path, "assert 1 == 1\n");
 * const tap = renderReport("tap", await runSuite([path]));
 * await Deno.remove(path);
 * assertStringIncludes(tap, "ok 1");
 * ```
 */
export function renderReport(
  name: ReporterName,
  s: SuiteResult,
  options: { color?: boolean } = {},
): string {
  return maskSecrets(renderUnmasked(name, s, options));
}

function renderUnmasked(name: ReporterName, s: SuiteResult, options: { color?: boolean }): string {
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
