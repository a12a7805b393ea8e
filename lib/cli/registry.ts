/**
 * Every CLI command, one module each under `commands/`. A command module exports a
 * function that returns a configured `Command`; add it here.
 *
 * @module
 */
import type { Command } from "commander";
import { runCommand } from "./commands/run.ts";
import { serveCommand } from "./commands/serve.ts";
import { testCommand } from "./commands/test.ts";
import { certCommand } from "./commands/cert.ts";
import { sendFileCommand } from "./commands/send_file.ts";
import { recvFileCommand } from "./commands/recv_file.ts";
import { scanCommand } from "./commands/scan.ts";
import { pingCommand } from "./commands/ping.ts";
import { dnsCommand } from "./commands/dns.ts";
import { ifacesCommand } from "./commands/ifaces.ts";
import { watchCommand } from "./commands/watch.ts";
import { benchCommand } from "./commands/bench.ts";
import { proxyCommand } from "./commands/proxy.ts";
import { recordCommand } from "./commands/record.ts";
import { replayCommand } from "./commands/replay.ts";
import { replCommand } from "./commands/repl.ts";

/** Adds every command to the program. */
export function registerCommands(program: Command): void {
  for (
    const make of [
      runCommand,
      serveCommand,
      testCommand,
      certCommand,
      sendFileCommand,
      recvFileCommand,
      scanCommand,
      pingCommand,
      dnsCommand,
      ifacesCommand,
      watchCommand,
      benchCommand,
      proxyCommand,
      recordCommand,
      replayCommand,
      replCommand,
    ]
  ) {
    program.addCommand(make() as unknown as Command);
  }
}
