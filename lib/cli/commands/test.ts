/**
 * `wireplay test [PATHS…]`: every `.wire` file under the paths is one test.
 *
 * @module
 */
import { scriptVars, VARS_FILE_HELP } from "../script_vars.ts";
import { collectSecret, SECRET_HELP } from "../../secrets/cli.ts";
import { maskSecrets } from "../../secrets/secrets.ts";
import { Command } from "commander";
import { UsageError } from "../../errors.ts";
import { prettyResult } from "../../report/pretty.ts";
import { summaryLine } from "../../report/summary_line.ts";
import { discoverScripts, parseShard, selectScripts } from "../../runner/discover.ts";
import { runSuite } from "../../runner/run_suite.ts";
import { ExitCode } from "../main.ts";
import { collect, collectVar, durationOption, intOption } from "../options.ts";
import {
  collectReporter,
  REPORTER_HELP,
  reporterPlan,
  type ReporterSpec,
  writeReports,
} from "../reporters.ts";

/** The `test` command. */
export function testCommand() {
  return new Command("test")
    .description("Run .wire scripts as tests (default: tests/ or the current folder)")
    .argument("[paths...]", "files or folders")
    .option("--reporter <name[:file]>", REPORTER_HELP, collectReporter, [] as ReporterSpec[])
    .option("--out <file>", "write the report to a file (written atomically)")
    .option("--parallel <n>", "run N scripts at once", intOption("--parallel", 1, 256), 1)
    .option("--filter <regex>", "run only scripts whose path matches")
    .option("--shard <i/n>", "run the I-th of N disjoint shares (for spreading over CI machines)")
    .option(
      "--var <NAME=VALUE>",
      "set a variable in every script (repeatable)",
      collectVar,
      {} as Record<string, string>,
    )
    .option("--vars-file <FILE>", VARS_FILE_HELP, collect, [] as string[])
    .option("--secret <NAME=VALUE>", SECRET_HELP, collectSecret, {} as Record<string, string>)
    .option("--timeout <D>", "default wait for expect/accept", durationOption("--timeout"))
    .option("--pcap <dir>", "write each test's exchanges to DIR/<test>.pcapng (for Wireshark)")
    .option(
      "--update",
      "rewrite literal expectations that no longer match from what the service now sends",
    )
    .action(async (paths, opts) => {
      const plan = reporterPlan(opts.reporter, opts.out);
      const roots = paths.length ? paths : [await exists("tests") ? "tests" : "."];
      let filter: RegExp | undefined;
      if (opts.filter !== undefined) {
        try {
          filter = new RegExp(opts.filter);
        } catch (e) {
          throw new UsageError(`invalid regex: ${(e as Error).message}`, { where: "--filter" });
        }
      }
      const shard = opts.shard ? parseShard(opts.shard) : undefined;
      const files = selectScripts(await discoverScripts(roots), filter, shard);
      if (opts.pcap) await makeDir(opts.pcap);
      const toStdout = plan.find((s) => !s.file);
      const live = toStdout?.name === "pretty";
      const color = live && Deno.stdout.isTerminal();
      const suite = await runSuite(files, {
        vars: { ...await scriptVars(opts), ...opts.secret },
        parallel: opts.parallel,
        timeoutMs: opts.timeout,
        update: opts.update,
        trace: plan.some((s) => s.name !== "pretty" && s.name !== "tap"),
        pcapDir: opts.pcap,
        onResult: live ? (r) => console.log(maskSecrets(prettyResult(r, color))) : undefined,
      });
      const report = await writeReports(suite, plan, { color });
      if (report === undefined) console.log(summaryLine(suite));
      else if (live) {
        console.log(
          report.split("\n").filter((l) => !/^(ok|skip|FAIL|upd) /.test(l) && !/^ {5}/.test(l))
            .join("\n").replace(/^\n+/, "\n"),
        );
      } else console.log(report);
      if (suite.results.some((r) => r.syntaxError)) throw new ExitCode(2);
      if (suite.failed) throw new ExitCode(1);
    });
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function makeDir(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create the folder: ${(e as Error).message}`, { where: "--pcap" });
  }
}
