/**
 * `replay FILE --listen ADDR`: plays the server's side of a recording to real clients
 * (SPEC §6, issue 5). Exits once every recorded connection was served: 0 when every
 * client followed the recording, 1 when one deviated (the difference is printed).
 *
 * @module
 */
import { Command } from "commander";
import { UsageError } from "../../errors.ts";
import { planReplay } from "../../proxy/replay_plan.ts";
import { type ReplayResult, startReplay } from "../../proxy/replayer.ts";
import { untilSignal } from "../../proxy/until_signal.ts";
import { ExitCode } from "../main.ts";
import { addressArg, collectVar, durationOption, intOption } from "../options.ts";

function describe(r: ReplayResult): string {
  if (r.ok) return `ok   ${r.name} (client ${r.client})`;
  const f = r.failure!;
  return [
    `FAIL ${r.name ?? "?"} (client ${r.client}): ${f.where}${
      f.statement ? `: ${f.statement}` : ""
    }`,
    `  ${f.reason}`,
    `  expected: ${f.expected}`,
    `  got:      ${f.got}`,
  ].join("\n");
}

/** The `replay` command. */
export function replayCommand() {
  return new Command("replay")
    .description("Play the server's side of a recording to real clients (a mock from a recording)")
    .argument("<file>", "a .wire recording made by `record`")
    .requiredOption("--listen <addr>", "where clients connect: tcp://, tls:// or unix://")
    .option(
      "--cert <file>",
      "PEM certificate for --listen tls:// (default: a fresh self-signed one)",
    )
    .option("--key <file>", "PEM private key for --cert")
    .option(
      "--timeout <D>",
      "how long to wait for each thing a client should do",
      durationOption("--timeout"),
      10_000,
    )
    .option(
      "--repeat <n>",
      "serve the recording this many times",
      intOption("--repeat", 1, 1_000_000),
      1,
    )
    .option(
      "--var <NAME=VALUE>",
      "set a variable the recording uses (repeatable)",
      collectVar,
      {} as Record<string, string>,
    )
    .option("--json", "print each connection's result as a JSON line")
    .action(async (file, opts) => {
      const address = addressArg(opts.listen, "--listen", "tcp");
      if (address.scheme !== "tcp" && address.scheme !== "tls" && address.scheme !== "unix") {
        throw new UsageError(
          `only tcp://, tls:// and unix:// can be replayed, not ${address.scheme}://`,
          {
            where: "--listen",
          },
        );
      }
      if ((opts.cert === undefined) !== (opts.key === undefined)) {
        throw new UsageError("--cert and --key go together", {
          where: opts.cert ? "--key" : "--cert",
        });
      }
      let text: string;
      try {
        text = await Deno.readTextFile(file);
      } catch (e) {
        throw new UsageError(`cannot read "${file}": ${(e as Error).message}`, { where: file });
      }
      const connections = await planReplay(text, file, opts.var);
      if (connections.length === 0) {
        throw new UsageError("the recording holds no connection", { where: file });
      }
      const cert = opts.cert ? await Deno.readTextFile(opts.cert) : undefined;
      const key = opts.key ? await Deno.readTextFile(opts.key) : undefined;
      await using server = await startReplay({
        listen: { address, cert, key },
        connections,
        file,
        timeoutMs: opts.timeout,
        repeat: opts.repeat,
        onLog: (line) => console.error(`wireplay: replay: ${line}`),
        onResult: (r) => {
          if (opts.json) console.log(JSON.stringify({ event: "connection", ...r }));
          else if (!r.ok) console.error(describe(r));
          else console.log(describe(r));
        },
      });
      if (opts.json) {
        console.log(JSON.stringify({
          event: "listening",
          address: server.address,
          connections: connections.length,
          cert: server.certPath ?? null,
        }));
      } else {
        console.log(`replaying ${file} (${connections.length} connection(s)) on ${server.address}`);
        if (server.certPath) console.log(`certificate: ${server.certPath}`);
      }
      const stop = new AbortController();
      const why = await Promise.race([
        server.finished.then(() => "done"),
        untilSignal(stop.signal),
      ]);
      stop.abort();
      await server.close();
      const failed = server.results.filter((r) => !r.ok).length;
      const summary = `${server.results.length - failed} passed, ${failed} deviated` +
        (why === "done" ? "" : ` (stopped by ${why})`);
      if (opts.json) {
        console.log(
          JSON.stringify({
            event: "done",
            ok: failed === 0,
            passed: server.results.length - failed,
            failed,
          }),
        );
      } else console.log(summary);
      if (failed > 0) throw new ExitCode(1);
    });
}
