/**
 * What `chaos` and `fuzz` share: reading the recording into its connections, the
 * target address, and writing a report.
 *
 * @module
 */
import type { Address } from "../../address/address.ts";
import { UsageError } from "../../errors.ts";
import { atomicWrite } from "../../fs/atomic_write.ts";
import { planReplay, type ReplayConnection } from "../../proxy/replay_plan.ts";
import { renderReport, type ReporterName } from "../../report/mod.ts";
import { summaryLine } from "../../report/summary_line.ts";
import type { SuiteResult } from "../../runner/run_suite.ts";
import { addressArg } from "../options.ts";

/** The recording's connections (those with at least one client message). */
export async function readRecording(
  file: string,
  vars: Record<string, string>,
): Promise<ReplayConnection[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new UsageError(`cannot read "${file}": ${(e as Error).message}`, { where: file });
  }
  const all = await planReplay(text, file, vars);
  const useful = all.filter((c) => c.steps.some((s) => s.kind === "receive"));
  if (useful.length === 0) {
    throw new UsageError("the recording holds no connection where the client sends", {
      where: file,
    });
  }
  return useful;
}

/** `--target ADDR`: tcp:// (the default scheme) or unix://. */
export function targetArg(text: string): Address {
  const a = addressArg(text, "--target", "tcp");
  if (a.scheme !== "tcp" && a.scheme !== "unix") {
    throw new UsageError(`only tcp:// and unix:// targets, not ${a.scheme}://`, {
      where: "--target",
    });
  }
  return a;
}

/** Prints the report, or writes it to `out` atomically and prints the summary line. */
export async function emitReport(
  reporter: ReporterName,
  suite: SuiteResult,
  out: string | undefined,
): Promise<void> {
  const report = renderReport(reporter, suite, { color: false });
  if (out) {
    await atomicWrite(out, report + "\n");
    console.log(summaryLine(suite));
  } else console.log(report);
}
