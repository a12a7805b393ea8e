/**
 * Runs the command line: builds the program from the registry, maps a user's mistake to
 * one line and exit code 2, a failed expectation to exit code 1.
 *
 * @module
 */
import { Command, CommanderError } from "commander";
import { UsageError } from "../errors.ts";
import { addExamples } from "./examples.ts";
import { registerCommands } from "./registry.ts";

/** The exit codes of SPEC §1. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Thrown by a command to end the process with a given code after printing its result. */
export class ExitCode extends Error {
  override name = "ExitCode";
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/**
 * Builds the `wireplay` program: with `only`, just that command (when known), else every
 * command.
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command()
    .name("wireplay")
    .description(
      "A network REPL and test harness: talk to any TCP, UDP, TLS, Unix or HTTP service, keep it as a test.",
    )
    .version("0.1.0")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();
  await registerCommands(program as unknown as Command, only);
  // every command and subcommand (udp send, bench script…) reports a usage error as exit 2
  const override = (cmd: Command): void => {
    for (const c of cmd.commands) {
      (c as Command).exitOverride();
      override(c as Command);
    }
  };
  override(program as unknown as Command);
  addExamples(program as unknown as Command);
  return program as unknown as Command;
}

/**
 * Parses `args` and runs the command; returns the process exit code. Never throws for a
 * user's mistake.
 */
export async function main(args: string[]): Promise<number> {
  const first = args[0];
  const program = await buildProgram(first && !first.startsWith("-") ? first : undefined);
  try {
    await program.parseAsync(args, { from: "user" });
    return EXIT.ok;
  } catch (e) {
    return exitCodeFor(e);
  }
}

/** Maps an error to the exit code, printing the user-facing line. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof ExitCode) return e.code;
  if (e instanceof CommanderError) {
    if (
      e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.exitCode === 0
    ) return EXIT.ok;
    // commander already printed its one-line message
    return EXIT.usage;
  }
  if (e instanceof UsageError) {
    console.error(`wireplay: ${e.toString()}`);
    return EXIT.usage;
  }
  if (e instanceof Error && e.name === "ExpectationError") {
    console.error(e.message);
    return EXIT.failed;
  }
  if (e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable) {
    console.error(`wireplay: ${(e as Error).message}`);
    return EXIT.usage;
  }
  if (
    e instanceof Deno.errors.NotFound || e instanceof Deno.errors.AddrInUse ||
    e instanceof Deno.errors.ConnectionRefused
  ) {
    console.error(`wireplay: ${(e as Error).message}`);
    return EXIT.failed;
  }
  throw e;
}
