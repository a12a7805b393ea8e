// The REPL shows WebSocket messages live as they arrive, and the peer's close code.
import { assertEquals, assertStringIncludes } from "@std/assert";
import { runCli, tempDir } from "../helpers/mod.ts";

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

Deno.test("repl: :save writes the messages nobody expected as expects, and the script replays", async () => {
  await using dir = await tempDir();
  const saved = dir.join("ws.wire");
  const r = await runCli(["repl", "--no-history", "--record", saved], {
    stdin: [
      "serve echo ws://127.0.0.1:0 as e",
      "connect ${e.url}/chat as w",
      'send w "hello"',
      'expect w message "hello"',
      'send w binary hex "00 01"',
      "expect w silence 200ms",
      "",
    ].join("\n"),
  });
  assertEquals(r.code, 1, r.stderr + r.stdout); // the silence failed: a message came
  const r2 = await runCli(["repl", "--no-history", "--record", saved], {
    stdin: [
      "serve echo ws://127.0.0.1:0 as e",
      "connect ${e.url}/chat as w",
      'send w "hello"',
      'expect w message "hello"',
      'send w binary hex "00 01"',
      "sleep 200ms",
      "",
    ].join("\n"),
  });
  assertEquals(r2.code, 0, r2.stderr + r2.stdout);
  const text = await Deno.readTextFile(saved);
  assertStringIncludes(text, 'send w binary hex "00 01"\nexpect w hex "00 01"\n');
  const replay = await runCli(["test", saved]);
  assertEquals(replay.code, 0, replay.stdout + replay.stderr);
});
