/**
 * The `wireplay` command line. `deno task repl` opens the REPL; every other command is
 * `cli.ts <command> [options]`; `--help` works on each.
 *
 * @module
 */
import { main } from "./lib/cli/main.ts";

if (import.meta.main) {
  const args = Deno.args.length === 0 ? ["repl"] : Deno.args;
  Deno.exit(await main(args));
}
