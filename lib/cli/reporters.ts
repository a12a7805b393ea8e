/**
 * `--reporter NAME[:FILE]`, repeatable: each reporter writes to its file (atomically), at
 * most one to stdout (or to `--out`). Shared by `test` and `report merge`.
 *
 * @module
 */
import { dirname } from "node:path";
import { UsageError } from "../errors.ts";
import { atomicWrite } from "../fs/atomic_write.ts";
import { renderReport, type ReporterName, REPORTERS } from "../report/mod.ts";
import type { SuiteResult } from "../runner/run_suite.ts";

/** One `--reporter` flag: a reporter and the file it writes (stdout when none). */
export interface ReporterSpec {
  name: ReporterName;
  file?: string;
}

/** The help line of `--reporter`. */
export const REPORTER_HELP = `${
  REPORTERS.join("|")
}, optionally :FILE to write it there (repeatable: --reporter pretty --reporter junit:out.xml)`;

/** Parses one `--reporter` value and adds it to the list (commander's collector). */
export function collectReporter(value: string, previous: ReporterSpec[] = []): ReporterSpec[] {
  const colon = value.indexOf(":");
  const name = colon < 0 ? value : value.slice(0, colon);
  const file = colon < 0 ? undefined : value.slice(colon + 1);
  const known = REPORTERS.find((r) => r === name);
  if (!known) {
    throw new UsageError(`"${name}" is not a reporter (${REPORTERS.join(", ")})`, {
      where: "--reporter",
    });
  }
  if (file === "") {
    throw new UsageError(`"${value}": no file after the colon`, { where: "--reporter" });
  }
  return [...previous, { name: known, ...(file ? { file } : {}) }];
}

/**
 * The reporters to run: `pretty` on stdout when none was given; `--out` is the file of
 * the one reporter without a file. Refuses two reporters on stdout.
 */
export function reporterPlan(specs: ReporterSpec[] | undefined, out?: string): ReporterSpec[] {
  const list = specs?.length ? specs : [{ name: "pretty" as const }];
  const toStdout = list.filter((s) => !s.file);
  if (toStdout.length > 1) {
    throw new UsageError(
      `only one reporter can print (${
        toStdout.map((s) => s.name).join(", ")
      } do); give the others a file, e.g. junit:out.xml`,
      { where: "--reporter" },
    );
  }
  return list.map((s) => (!s.file && out ? { ...s, file: out } : s));
}

/** Renders every reporter; writes the files; returns what goes to stdout (if any). */
export async function writeReports(
  suite: SuiteResult,
  plan: ReporterSpec[],
  options: { color?: boolean } = {},
): Promise<string | undefined> {
  let stdout: string | undefined;
  for (const spec of plan) {
    const report = renderReport(spec.name, suite, spec.file ? {} : options);
    if (spec.file) {
      try {
        // a report folder (reports/junit.xml) is made as needed
        await Deno.mkdir(dirname(spec.file), { recursive: true });
        await atomicWrite(spec.file, report + "\n");
      } catch (e) {
        throw new UsageError(`cannot write the ${spec.name} report: ${(e as Error).message}`, {
          where: spec.file,
        });
      }
    } else stdout = report;
  }
  return stdout;
}
