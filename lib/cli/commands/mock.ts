/**
 * `mock FILE --listen ADDR`: serves a rules file (issue 12). The file holds `.wire`
 * statements run after `serve rules ADDR as mock`, so its rules read
 * `on mock line /^PING/ reply "+PONG\r\n"`. Runs until Ctrl-C or SIGTERM, then prints
 * how many times each rule fired.
 *
 * @module
 */
import { Command } from "commander";
import { UsageError } from "../../errors.ts";
import { MAX_SCRIPT_BYTES, readUserText } from "../../fs/read_file.ts";
import { untilSignal } from "../../proxy/until_signal.ts";
import { execute } from "../../run/interpreter.ts";
import { ExpectationError } from "../../run/failure.ts";
import { Session } from "../../run/session.ts";
import { parseScript, parseStatement } from "../../script/parser.ts";
import { isRulesServer } from "../../servers/rules/server.ts";
import { ExitCode } from "../main.ts";
import { addressArg, collectVar } from "../options.ts";

/** The `mock` command. */
export function mockCommand() {
  return new Command("mock")
    .description("Serve a rules file (on mock line|bytes|connect|default … reply …) until stopped")
    .argument("<file>", "a .wire file of rules for the server named mock")
    .requiredOption("--listen <addr>", "where clients connect: tcp://, tls:// or unix://")
    .option(
      "--var <NAME=VALUE>",
      "set a variable the file uses (repeatable)",
      collectVar,
      {} as Record<string, string>,
    )
    .action(async (file, opts) => {
      const address = addressArg(opts.listen, "--listen", "tcp");
      if (address.scheme !== "tcp" && address.scheme !== "tls" && address.scheme !== "unix") {
        throw new UsageError(
          `a mock listens on tcp://, tls:// or unix://, not ${address.scheme}://`,
          {
            where: "--listen",
          },
        );
      }
      let text: string;
      try {
        text = await readUserText(file, MAX_SCRIPT_BYTES);
      } catch (e) {
        throw new UsageError(`cannot read "${file}": ${(e as Error).message}`, { where: file });
      }
      const script = parseScript(text, file);
      for (const w of script.warnings ?? []) console.error(`warning: ${w}`);
      await using session = new Session({ file, vars: opts.var, print: (t) => console.log(t) });
      session.vars.set("listen", opts.listen);
      try {
        await execute(parseStatement("serve rules ${listen} as mock", 1, "--listen")!, session);
      } catch (e) {
        if (e instanceof ExpectationError) throw new UsageError(e.reason, { where: "--listen" });
        throw e;
      }
      try {
        for (const node of script.statements) await execute(node, session);
      } catch (e) {
        if (!(e instanceof ExpectationError)) throw e;
        console.error(e.message);
        throw new ExitCode(1);
      }
      const server = session.get("mock").handle;
      if (!isRulesServer(server)) throw new Error("mock is not a rules server");
      console.log(`mock ${file} (${server.rules.length} rule(s)) on ${server.address}`);
      if (server.certPath) console.log(`certificate: ${server.certPath}`);
      const why = await untilSignal();
      for (const r of server.rules) {
        console.error(`${r.where}: ${r.trigger} rule fired ${r.hits} time(s)`);
      }
      console.error(`stopped by ${why}: ${server.received.entries.length} message(s) received`);
    });
}
