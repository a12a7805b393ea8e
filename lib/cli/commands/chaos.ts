/**
 * `chaos FILE --target ADDR`: the recorded conversation against a server once per
 * message boundary × fault, reported like `test` (issue 15).
 *
 * @module
 */
import { Command, Option } from "commander";
import { formatDuration } from "../../bytes/units.ts";
import { BaselineError, chaosBound, chaosCases, runChaos } from "../../chaos/chaos.ts";
import { CHAOS_FAULTS, type ChaosFault } from "../../chaos/conversation.ts";
import { clientCases, runClientChaos } from "../../chaos/client_chaos.ts";
import { Target } from "../../chaos/target.ts";
import { UsageError } from "../../errors.ts";
import { type ReporterName, REPORTERS } from "../../report/mod.ts";
import { ExitCode } from "../main.ts";
import { collectVar, durationOption, intOption } from "../options.ts";
import { emitReport, readRecording, targetArg } from "./_campaign.ts";

function faultsArg(text: string): ChaosFault[] {
  const list = text.split(",").map((s) => s.trim()).filter(Boolean);
  for (const f of list) {
    if (!CHAOS_FAULTS.includes(f as ChaosFault)) {
      throw new UsageError(`"${f}" is not one of ${CHAOS_FAULTS.join(", ")}`, {
        where: "--faults",
      });
    }
  }
  return list as ChaosFault[];
}

/** The `chaos` command. */
export function chaosCommand() {
  return new Command("chaos")
    .description(
      "Replay a recording against a server once per message boundary × fault; report per case",
    )
    .argument("<file>", "a .wire recording made by `record`")
    .option("--target <addr>", "the server under test: tcp://HOST:PORT or unix://PATH")
    .option(
      "--client <command>",
      "test a client instead: run COMMAND ({target}, {host}, {port} filled in) per case " +
        "against the replayed server",
    )
    .option(
      "--case-timeout <D>",
      "--client: a client still running after D hangs",
      durationOption("--case-timeout"),
      10_000,
    )
    .option("--faults <list>", `which faults (${CHAOS_FAULTS.join(",")})`, faultsArg)
    .option("--max-cases <n>", "run at most N cases", intOption("--max-cases", 1, 100_000), 200)
    .option("--timeout <D>", "wait for each answer", durationOption("--timeout"), 2000)
    .option("--stall <D>", "how long a stall holds the connection", durationOption("--stall"), 1000)
    .option("--spike <D>", "how long a latency spike is", durationOption("--spike"), 500)
    .option("--restart <command>", "restart the target with this command when it dies or hangs")
    .option("--save <dir>", "write a reproducer .wire per failed case into DIR")
    .addOption(
      new Option("--reporter <name>", "report format").choices(REPORTERS).default(
        "pretty" as const,
      ),
    )
    .option("--out <file>", "write the report to a file (written atomically)")
    .option("--var <NAME=VALUE>", "set a variable the recording uses", collectVar, {} as Record<
      string,
      string
    >)
    .action(async (file, opts) => {
      if ((opts.target === undefined) === (opts.client === undefined)) {
        throw new UsageError("give either --target ADDR (a server) or --client COMMAND", {
          where: opts.target ? "--client" : "--target",
        });
      }
      const connections = await readRecording(file, opts.var);
      if (opts.client !== undefined) {
        const cases = clientCases(connections, opts.spike, opts.faults).slice(0, opts.maxCases);
        console.error(
          `wireplay chaos: ${cases.length} client case(s), at most ${
            formatDuration(cases.length * (opts.caseTimeout + 1000))
          }`,
        );
        const suite = await runClientChaos({
          connections,
          file,
          command: opts.client,
          caseTimeoutMs: opts.caseTimeout,
          replyTimeoutMs: opts.timeout,
          spikeMs: opts.spike,
          faults: opts.faults,
          maxCases: opts.maxCases,
        });
        await emitReport(opts.reporter as ReporterName, suite, opts.out);
        if (suite.failed) throw new ExitCode(1);
        return;
      }
      await using target = new Target(targetArg(opts.target!), opts.restart);
      const limits = { replyTimeoutMs: opts.timeout, stallMs: opts.stall, spikeMs: opts.spike };
      const { cases, total } = chaosCases(connections, opts.faults, opts.maxCases);
      console.error(
        `wireplay chaos: ${cases.length} case(s)${
          total > cases.length ? ` of ${total} (--max-cases)` : ""
        } against ${target.label}, at most ${
          formatDuration(chaosBound(connections, cases.length, limits))
        }`,
      );
      if (!(await target.accepts(opts.timeout)) && !(await target.restart())) {
        console.error(`wireplay chaos: ${target.label} does not accept connections`);
        throw new ExitCode(1);
      }
      let report;
      try {
        report = await runChaos({
          target,
          connections,
          limits,
          faults: opts.faults,
          maxCases: opts.maxCases,
          reproducerDir: opts.save,
        });
      } catch (e) {
        if (!(e instanceof BaselineError)) throw e;
        console.error(`wireplay chaos: ${e.message}`);
        throw new ExitCode(1);
      }
      await emitReport(opts.reporter as ReporterName, report.suite, opts.out);
      for (const p of report.reproducers) console.error(`reproducer: ${p}`);
      if (report.suite.failed) throw new ExitCode(1);
    });
}
