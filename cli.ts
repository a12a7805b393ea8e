/**
 * The `wireplay` command line. `deno task repl` opens the REPL; every other command is
 * `cli.ts <command> [options]`; `--help` works on each.
 *
 * A plain `cli.ts` / `cli.ts repl [options]` opens the REPL without loading the
 * command-line framework (startup time); everything else goes through `lib/cli/main.ts`.
 *
 * @module
 */
if (import.meta.main) {
  const args = Deno.args.length === 0 ? ["repl"] : Deno.args;
  const { fastStart } = await import("./lib/repl/fast_start.ts");
  const code = await fastStart(args);
  if (code !== undefined) Deno.exit(code);
  const { main } = await import("./lib/cli/main.ts");
  Deno.exit(await main(args));
}
