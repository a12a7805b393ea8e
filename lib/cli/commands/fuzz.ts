/**
 * `fuzz FILE --target ADDR [--cases N] [--seed S]`: mutations of the recorded client
 * messages against a server; crashes, hangs and resets saved as reproducers (issue 15).
 *
 * @module
 */
import { Command } from "commander";
import { toHex } from "../../bytes/escape.ts";
import { Target } from "../../chaos/target.ts";
import { runFuzz } from "../../fuzz/fuzz.ts";
import { ExitCode } from "../main.ts";
import { collectVar, durationOption, intOption } from "../options.ts";
import { readRecording, targetArg } from "./_campaign.ts";

/** The `fuzz` command. */
export function fuzzCommand() {
  return new Command("fuzz")
    .description("Mutate a recording's client messages against a server; save what breaks it")
    .argument("<file>", "a .wire recording made by `record`")
    .requiredOption("--target <addr>", "the server under test: tcp://HOST:PORT or unix://PATH")
    .option("--cases <n>", "how many cases", intOption("--cases", 1, 1_000_000), 100)
    .option("--seed <s>", "the seed (same seed, same cases)", intOption("--seed", 0, 2 ** 32 - 1))
    .option("--timeout <D>", "wait for each answer", durationOption("--timeout"), 1000)
    .option("--max-findings <n>", "stop after N findings", intOption("--max-findings", 1), 10)
    .option("--restart <command>", "restart the target with this command when it dies or hangs")
    .option("--save <dir>", "where the reproducers go", "fuzz-findings")
    .option("--json", "print each finding and the summary as JSON lines")
    .option("--var <NAME=VALUE>", "set a variable the recording uses", collectVar, {} as Record<
      string,
      string
    >)
    .action(async (file, opts) => {
      const connections = await readRecording(file, opts.var);
      const seed = opts.seed ?? (crypto.getRandomValues(new Uint32Array(1))[0]!);
      await using target = new Target(targetArg(opts.target), opts.restart);
      const limits = { replyTimeoutMs: opts.timeout, stallMs: 0, spikeMs: 0 };
      console.error(
        `wireplay fuzz: ${opts.cases} case(s) against ${target.label}, seed ${seed}, ` +
          `${opts.timeout}ms per answer`,
      );
      if (!(await target.accepts(opts.timeout)) && !(await target.restart())) {
        console.error(`wireplay fuzz: ${target.label} does not accept connections`);
        throw new ExitCode(1);
      }
      const report = await runFuzz({
        target,
        connections,
        cases: opts.cases,
        seed,
        limits,
        saveDir: opts.save,
        maxFindings: opts.maxFindings,
      });
      for (const f of report.findings) {
        if (opts.json) {
          console.log(JSON.stringify({
            event: "finding",
            ...f,
            messages: f.messages.map((m) => toHex(m)),
          }));
        } else {
          console.log(
            `${f.kind.toUpperCase()} case ${f.case} (seed ${f.seed}, ${f.connection}: ${f.mutation})` +
              ` → ${f.messages.length} message(s)${f.minimized ? "" : " (not shrunk)"}: ${
                f.reproducer ?? "-"
              }`,
          );
        }
      }
      const summary = `${report.cases} case(s), ${report.findings.length} finding(s)` +
        (report.stopped ? `; stopped: ${report.stopped}` : "");
      if (opts.json) {
        console.log(JSON.stringify({
          event: "done",
          cases: report.cases,
          findings: report.findings.length,
          seed,
          stopped: report.stopped ?? null,
        }));
      } else console.log(summary);
      if (report.findings.length) throw new ExitCode(1);
    });
}
