/** A user's mistake on any command or subcommand is one line and exit code 2. */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { runCli } from "../helpers/cli.ts";

Deno.test("subcommands: an unknown option is a usage error (exit 2), not a crash (exit 1)", async () => {
  for (
    const args of [
      ["udp", "send", "udp://127.0.0.1:9", "x", "--bogus"],
      ["bench", "script", "--nope", "x.wire"],
    ]
  ) {
    const r = await runCli(args);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assertStringIncludes(r.stderr, "unknown option");
  }
});
