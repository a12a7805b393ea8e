/**
 * `wireplay report merge FILE…`: merges the JSON reports of test shards into one report
 * of any kind (JUnit, HTML, JSON…), every test once.
 *
 * @module
 */
import { Command } from "commander";
import { UsageError } from "../../errors.ts";
import { readUserText } from "../../fs/read_file.ts";
import { readJsonReport, ReportFormatError } from "../../report/json.ts";
import { mergeReports, type ShardReport } from "../../report/merge.ts";
import { summaryLine } from "../../report/summary_line.ts";
import { ExitCode } from "../main.ts";
import {
  collectReporter,
  REPORTER_HELP,
  reporterPlan,
  type ReporterSpec,
  writeReports,
} from "../reporters.ts";

/** The largest shard report read (traces make them big). */
const MAX_REPORT_BYTES = 512 * 1024 * 1024;

/** The `report` command. */
export function reportCommand() {
  const report = new Command("report").description(
    "Work with test reports: merge the JSON reports of shards into one",
  );
  report.command("merge")
    .description("Merge `test --reporter json` reports (one per shard) into one report")
    .argument("<files...>", "JSON reports written by test --reporter json")
    .option("--reporter <name[:file]>", REPORTER_HELP, collectReporter, [] as ReporterSpec[])
    .option("--out <file>", "write the report to a file (written atomically)")
    .action(async (files, opts) => {
      const plan = reporterPlan(opts.reporter, opts.out);
      const shards: ShardReport[] = [];
      for (const file of files) {
        let text: string;
        try {
          text = await readUserText(file, MAX_REPORT_BYTES);
        } catch (e) {
          throw new UsageError(`cannot read: ${(e as Error).message}`, { where: file });
        }
        try {
          shards.push({ name: file, suite: readJsonReport(text) });
        } catch (e) {
          if (e instanceof ReportFormatError) throw new UsageError(e.message, { where: file });
          throw e;
        }
      }
      let suite;
      try {
        suite = mergeReports(shards);
      } catch (e) {
        if (e instanceof ReportFormatError) throw new UsageError(e.message);
        throw e;
      }
      const out = await writeReports(suite, plan, { color: Deno.stdout.isTerminal() });
      console.log(out ?? summaryLine(suite));
      if (suite.results.some((r) => r.syntaxError)) throw new ExitCode(2);
      if (suite.failed) throw new ExitCode(1);
    });
  return report;
}
