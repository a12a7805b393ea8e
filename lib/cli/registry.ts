/**
 * Every CLI command, one module each under `commands/`. A command module exports a
 * function that returns a configured `Command`; add it here.
 *
 * @module
 */
import type { Command } from "commander";
import { runCommand } from "./commands/run.ts";
import { testCommand } from "./commands/test.ts";
import { certCommand } from "./commands/cert.ts";
import { scanCommand } from "./commands/scan.ts";
import { proxyCommand } from "./commands/proxy.ts";

/** Adds every command to the program. */
export function registerCommands(program: Command): void {
  for (
    const make of [
      runCommand,
      testCommand,
      certCommand,
      scanCommand,
      proxyCommand,
    ]
  ) {
    program.addCommand(make() as unknown as Command);
  }
}
