/**
 * The REPL on a real pseudo-terminal (tmux): tab completion, output arriving while a
 * line is half typed, Ctrl-C during a waiting expect, `:conns`, leaving with Ctrl-D
 * (closing every socket), and history kept across two runs.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { tempDir } from "../helpers/mod.ts";
import { needs } from "../helpers/peers.ts";
import { startTerminal } from "./_tmux.ts";

function lastLine(screen: string): string {
  return screen.split("\n").at(-1) ?? "";
}

async function readSome(conn: Deno.Conn, deadlineMs = 10_000): Promise<string | null> {
  const buf = new Uint8Array(4096);
  const timer = setTimeout(() => conn.close(), deadlineMs);
  try {
    const n = await conn.read(buf);
    return n === null ? null : new TextDecoder().decode(buf.subarray(0, n));
  } finally {
    clearTimeout(timer);
  }
}

Deno.test({
  name: "repl on a terminal: completion, live output over a half-typed line, Ctrl-C, Ctrl-D",
  ...needs("tmux"),
  async fn() {
    await using dir = await tempDir();
    await using term = await startTerminal(
      `deno run -A --quiet cli.ts repl --history ${dir.join("history")}`,
    );
    await term.waitFor("wireplay> ");

    // statement keyword completion
    await term.type("lis");
    await term.keys("Tab");
    await term.waitFor((s) => lastLine(s) === "wireplay> listen");
    await term.type(" tcp://127.0.0.1:0 as srv1");
    await term.keys("Enter");
    const listening = await term.waitFor(/srv1: tcp listener on tcp:\/\/127\.0\.0\.1:(\d+)/);
    const port = Number(/srv1: tcp listener on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(listening)![1]);

    // resource-name completion
    await term.type("accept sr");
    await term.keys("Tab");
    await term.waitFor((s) => lastLine(s) === "wireplay> accept srv1");
    await term.type(" as p within 20s");
    await term.keys("Enter");
    const client = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      await term.waitFor(/p: connected tcp:\/\/127\.0\.0\.1:\d+ -> tcp:\/\/127\.0\.0\.1:\d+/);
      await term.waitFor((s) => lastLine(s) === "wireplay>" || lastLine(s) === "wireplay> ");

      // data arrives while a line is half typed: printed above, the partial line redrawn
      await term.type('print "half typ');
      await term.waitFor((s) => lastLine(s) === 'wireplay> print "half typ');
      await client.write(new TextEncoder().encode("hello from the peer\r\n"));
      const during = await term.waitFor("p < hello from the peer\\r\\n");
      const lines = during.split("\n");
      assertEquals(lastLine(during), 'wireplay> print "half typ');
      assert(
        lines.indexOf("p < hello from the peer\\r\\n") < lines.length - 1,
        "the data is printed above the prompt",
      );
      await term.type('ed"');
      await term.keys("Enter");
      await term.waitFor((s) => s.split("\n").includes("half typed"));

      // the data stayed buffered: expect consumes it, as in scripts
      await term.type('expect p line "hello from the peer"');
      await term.keys("Enter");
      await term.waitFor('ok: "hello from the peer"');

      // Ctrl-C cancels a waiting expect and returns to the prompt
      await term.type("expect p /never/ within 60s");
      await term.keys("Enter");
      const started = performance.now();
      await term.waitFor((s) => lastLine(s) === "expect p /never/ within 60s" || s.endsWith("60s"));
      await term.keys("C-c");
      const cancelled = await term.waitFor(/cancelled/);
      assert(performance.now() - started < 30_000, "cancelled long before the 60 s timeout");
      assertMatch(cancelled, /statement: expect p \/never\/ within 60s/);
      await term.type('print "still here"');
      await term.keys("Enter");
      await term.waitFor((s) => s.split("\n").includes("still here"));

      // :conns lists what is open
      await term.type(":conns");
      await term.keys("Enter");
      const table = await term.waitFor(/^p +tcp +open +tcp:\/\/127\.0\.0\.1:\d+/m);
      assertMatch(table, /NAME +KIND +STATE +LOCAL +REMOTE +IN +OUT +UNREAD +AGE/);
      assertMatch(table, /^srv1 +tcp listener +open +tcp:\/\/127\.0\.0\.1:\d+/m);

      // Ctrl-D leaves, closing every socket
      await term.keys("C-d");
      await term.waitFor("[exited 0]");
      assertEquals(await readSome(client), null, "the accepted connection was closed");
    } finally {
      client.close();
    }
  },
});

Deno.test({
  name: "repl history is kept across two runs; Ctrl-C twice on an empty line leaves",
  ...needs("tmux"),
  async fn() {
    await using dir = await tempDir();
    const history = dir.join("state", "history");
    {
      await using term = await startTerminal(
        `deno run -A --quiet cli.ts repl --history ${history}`,
      );
      await term.waitFor("wireplay> ");
      await term.type('print "first-run-marker"');
      await term.keys("Enter");
      await term.waitFor((s) => s.split("\n").includes("first-run-marker"));
      await term.type(":quit");
      await term.keys("Enter");
      await term.waitFor("[exited 0]");
    }
    const saved = await Deno.readTextFile(history);
    assertEquals(saved.trim().split("\n"), ['print "first-run-marker"', ":quit"]);
    {
      await using term = await startTerminal(
        `deno run -A --quiet cli.ts repl --history ${history}`,
      );
      await term.waitFor("wireplay> ");
      await term.keys("Up", "Up");
      await term.waitFor((s) => lastLine(s) === 'wireplay> print "first-run-marker"');
      await term.keys("Enter");
      await term.waitFor((s) => s.split("\n").filter((l) => l === "first-run-marker").length === 1);
      await term.keys("C-c");
      await term.waitFor("Ctrl-C again");
      await term.keys("C-c");
      await term.waitFor("[exited 0]");
    }
  },
});
