// The REPL shows WebSocket messages live as they arrive, and the peer's close code.
import { assertEquals, assertStringIncludes } from "@std/assert";
import { runCli } from "../helpers/mod.ts";

Deno.test("repl: WebSocket messages and the close frame show live", async () => {
  const r = await runCli(["repl", "--no-history"], {
    stdin: [
      "serve echo ws://127.0.0.1:0 as e",
      "connect ${e.url}/chat as w",
      'send w "hello"',
      'send w binary hex "00 01"',
      'send w close 1000 "bye"',
      "",
    ].join("\n"),
  });
  assertEquals(r.code, 0, r.stderr + r.stdout);
  assertStringIncludes(r.stdout, "w < hello");
  assertStringIncludes(r.stdout, "w < 2 bytes");
  assertStringIncludes(r.stdout, 'w: peer closed the connection (close 1000 "bye")');
});
