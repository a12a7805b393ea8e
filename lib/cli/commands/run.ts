/**
 * `wireplay run FILE [--var NAME=VALUE]…`: runs one script, printing what it prints;
 * exit 1 with the failure report when an expectation fails.
 *
 * @module
 */
import { scriptVars, VARS_FILE_HELP } from "../script_vars.ts";
import { collectSecret, SECRET_HELP } from "../../secrets/cli.ts";
import { maskSecrets } from "../../secrets/secrets.ts";
import { Command } from "commander";
import { atomicWrite } from "../../fs/atomic_write.ts";
import { runScriptFile } from "../../run/interpreter.ts";
import type { TraceRecorder } from "../../run/trace.ts";
import type { CaptureRecorder } from "../../run/capture.ts";
import { ExitCode } from "../main.ts";
import { collect, collectVar, durationOption } from "../options.ts";

/** The `run` command. */
export function runCommand() {
  return new Command("run")
    .description("Run a .wire script (as the client, against live services)")
    .argument("<file>", "the .wire script")
    .option(
      "--var <NAME=VALUE>",
      "set a variable (repeatable)",
      collectVar,
      {} as Record<string, string>,
    )
    .option("--vars-file <FILE>", VARS_FILE_HELP, collect, [] as string[])
    .option("--secret <NAME=VALUE>", SECRET_HELP, collectSecret, {} as Record<string, string>)
    .option("--timeout <D>", "default wait for expect/accept", durationOption("--timeout"))
    .option("--json", "print the result as JSON")
    .option("--trace <file.html>", "write a sequence diagram of every exchange (HTML + SVG)")
    .option("--pcap <file>", "write every exchange as pcapng (for Wireshark and tshark)")
    .option(
      "--cookie-jar <FILE>",
      "load the HTTP cookies from FILE (curl's format) and save them back after the run",
    )
    .action(async (file, opts) => {
      const traced: { recorder?: TraceRecorder; capture?: CaptureRecorder } = {};
      // what only --cookie-jar, --trace and --pcap need loads with them (start-up)
      const cookies = opts.cookieJar
        ? {
          file: await import("../../http/client/cookie_file.ts"),
          http: await import("../../run/exec/http.ts"),
        }
        : undefined;
      const jar = cookies && await cookies.file.loadCookieFile(opts.cookieJar!, "--cookie-jar");
      const trace = opts.trace ? await import("../../run/trace.ts") : undefined;
      const capture = opts.pcap ? await import("../../run/capture.ts") : undefined;
      const result = await runScriptFile(file, {
        setup: (session) => {
          if (jar) session.state.set(cookies.http.SESSION_COOKIES, jar);
          if (trace) traced.recorder = new trace.TraceRecorder(session);
          if (capture) traced.capture = new capture.CaptureRecorder(session);
        },
        vars: { ...await scriptVars(opts), ...opts.secret },
        timeoutMs: opts.timeout,
        echo: opts.json ? undefined : (t) => console.log(maskSecrets(t)),
      });
      if (jar) await cookies.file.saveCookieFile(opts.cookieJar!, jar);
      if (trace && opts.trace && traced.recorder) {
        traced.recorder.stop();
        const { sequenceHtml } = await import("../../report/sequence.ts");
        // the trace starts with the session, as result.durationMs does
        const failed = result.failure && trace.failurePoint(result.failure, result.durationMs);
        await atomicWrite(
          opts.trace,
          maskSecrets(sequenceHtml(file, traced.recorder.entries, failed)),
        );
        if (!opts.json) {
          console.error(`trace: ${opts.trace} (${traced.recorder.entries.length} events)`);
        }
      }
      if (opts.pcap && traced.capture) {
        const flows = traced.capture.stop();
        const { pcapng } = await import("../../report/pcapng.ts");
        await atomicWrite(opts.pcap, pcapng(flows));
        if (!opts.json) {
          const skipped = traced.capture.skipped.size;
          console.error(
            `pcap: ${opts.pcap} (${flows.length} flows${
              skipped ? `; ${skipped} channels without IP addresses left out` : ""
            })`,
          );
        }
      }
      if (opts.json) {
        console.log(maskSecrets(JSON.stringify(
          {
            file: result.file,
            ok: result.ok,
            statements: result.statements,
            durationMs: Math.round(result.durationMs * 10) / 10,
            output: result.output,
            ...(result.failure ? { failure: result.failure.message } : {}),
          },
          null,
          2,
        )));
      }
      if (result.failure) {
        if (!opts.json) console.error(maskSecrets(result.failure.message));
        throw new ExitCode(1);
      }
    });
}
