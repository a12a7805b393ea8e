/**
 * `:save` on a real terminal session against a real redis-server, then `cli.ts test` on
 * the saved file: it passes against the same service, and fails, showing what was
 * expected and what arrived, once the stored value has changed.
 */
import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { runCli, tempDir } from "../helpers/mod.ts";
import { needs } from "../helpers/peers.ts";
import { startTerminal } from "./_tmux.ts";
import { within } from "../helpers/process.ts";
import { startRedis } from "../helpers/peer.ts";

async function redis(port: number, command: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(command + "\r\n"));
    const buf = new Uint8Array(1024);
    const n = await within(conn.read(buf), 10_000, `redis-server's answer to ${command}`);
    return new TextDecoder().decode(buf.subarray(0, n ?? 0));
  } finally {
    conn.close();
  }
}

Deno.test({
  name:
    "repl :save against redis-server replays with cli.ts test, and fails with the diff when the value changes",
  ...needs("tmux", "redis-server"),
  async fn() {
    await using dir = await tempDir();
    await using _redis = await startRedis();
    const port = _redis.port;
    assertEquals(await redis(port, "SET greeting hello"), "+OK\r\n");
    const saved = dir.join("redis.wire");
    {
      await using term = await startTerminal(
        `deno run -A --quiet cli.ts repl --no-history`,
      );
      await term.waitFor("wireplay> ");
      await term.type(`connect tcp://127.0.0.1:${port} as r`);
      await term.keys("Enter");
      await term.waitFor("r: connected");
      // this answer is expected by hand: :save keeps the user's expect
      await term.type('send r "PING\\r\\n"');
      await term.keys("Enter");
      await term.waitFor("r < +PONG\\r\\n");
      await term.type('expect r line "+PONG"');
      await term.keys("Enter");
      await term.waitFor('ok: "+PONG"');
      // this one is not: :save turns it into expect lines
      await term.type('send r "GET greeting\\r\\n"');
      await term.keys("Enter");
      await term.waitFor("r < hello\\r\\n");
      await term.type(`:save ${saved}`);
      await term.keys("Enter");
      await term.waitFor(`to ${saved}`);
      await term.type(":quit");
      await term.keys("Enter");
      await term.waitFor("[exited 0]");
    }
    const script = await Deno.readTextFile(saved);
    assertStringIncludes(
      script,
      [
        `connect tcp://127.0.0.1:${port} as r`,
        'send r "PING\\r\\n"',
        'expect r line "+PONG"',
        'send r "GET greeting\\r\\n"',
        'expect r "\\$5\\r\\n"',
        'expect r "hello\\r\\n"',
      ].join("\n"),
    );

    const pass = await runCli(["test", saved]);
    assertEquals(pass.code, 0, pass.stdout + pass.stderr);
    assertStringIncludes(pass.stdout, "1 passed, 0 failed");

    assertEquals(await redis(port, "SET greeting howdy"), "+OK\r\n");
    const fail = await runCli(["test", saved]);
    assertEquals(fail.code, 1, fail.stdout + fail.stderr);
    assertStringIncludes(fail.stdout, "1 failed");
    assertStringIncludes(fail.stdout, 'expected:  "hello\\r\\n"');
    assertMatch(fail.stdout, /received: +"howdy\\r\\n/);
  },
});
