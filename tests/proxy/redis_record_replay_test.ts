/**
 * Record a redis-cli ↔ redis-server session through `wireplay record`, then replay it as
 * the client (`wireplay run`, against redis-server) and as the server (`wireplay replay`,
 * to redis-cli), all as subprocesses the way a user runs them.
 */
import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { parseScript } from "../../lib/script/parser.ts";
import { startRedis } from "../helpers/peer.ts";
import { startRecorder } from "../helpers/recorder.ts";
import { needs } from "../helpers/peers.ts";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";
import { output, within } from "../helpers/process.ts";
import { echoServer, freePort, readAll, startCli, writeAll } from "./_helpers.ts";

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const out = await output("redis-cli", { args: ["-h", "127.0.0.1", "-p", String(port), ...args] });
  return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
}

/** Sends several commands in one write (a pipeline) and reads to the end. */
async function pipeline(port: number): Promise<string> {
  const c = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await writeAll(
      c,
      new TextEncoder().encode("PING\r\nSET n 41\r\nINCR n\r\nGET n\r\nECHO hello\r\n"),
    );
    await c.closeWrite();
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(4096);
    await within(
      (async () => {
        while (true) {
          const n = await c.read(buf);
          if (n === null) break;
          chunks.push(buf.slice(0, n));
        }
      })(),
      10_000,
      `the answers to the pipeline on port ${port}, then the close`,
    );
    return new TextDecoder().decode(new Uint8Array(chunks.flatMap((x) => [...x])));
  } finally {
    c.close();
  }
}

/** The session recorded: three redis-cli runs and a pipeline; returns what each printed. */
async function session(port: number): Promise<string[]> {
  return [
    await redisCli(port, "PING"),
    await redisCli(port, "SET", "greeting", "hello world"),
    await redisCli(port, "GET", "greeting"),
    await pipeline(port),
  ];
}

Deno.test({
  name: "record redis through the proxy, replay it as client and as server",
  ...needs("redis-server", "redis-cli"),
  async fn() {
    await using dir = await tempDir();
    await using redis = await startRedis();
    const redisPort = redis.port;
    void redis;
    const file = `${dir.path}/redis.wire`;

    // 1. record
    const { recorder, port: recordPort } = await startRecorder(redisPort, file);
    const live = await session(recordPort);
    assertEquals(live[0], "PONG\n");
    assertEquals(live[2], "hello world\n");
    assertEquals(live[3], "+PONG\r\n+OK\r\n:42\r\n$2\r\n42\r\n$5\r\nhello\r\n");
    assertEquals(await recorder.stop("SIGINT"), 0, recorder.stderr());
    const text = await Deno.readTextFile(file);
    const script = parseScript(text, file);
    assertEquals(script.statements.filter((s) => s.kind === "connect").length, 4);
    assertStringIncludes(
      text,
      'send c4 "PING\\r\\nSET n 41\\r\\nINCR n\\r\\nGET n\\r\\nECHO hello\\r\\n"',
    );
    assertStringIncludes(
      text,
      'expect c4 "+PONG\\r\\n+OK\\r\\n:42\\r\\n\\$2\\r\\n42\\r\\n\\$5\\r\\nhello\\r\\n"',
    );

    // 2. replay as client against redis-server: passes
    await redisCli(redisPort, "FLUSHALL");
    const run = await runCli(["run", file, "--var", `target=tcp://127.0.0.1:${redisPort}`]);
    assertEquals(run.code, 0, run.stderr + run.stdout);
    // … and fails against a service that answers differently (the expects are real checks)
    {
      await using echo = echoServer();
      const bad = await runCli(["run", file, "--var", `target=${echo.address}`]);
      assertEquals(bad.code, 1);
      assertStringIncludes(bad.stderr, "*1\\r\\n$4\\r\\nPING");
    }

    // 3. replay as server to redis-cli: the same answers, exit 0 once all were served
    const replayPort = freePort();
    const replay = startCli(["replay", file, "--listen", `tcp://127.0.0.1:${replayPort}`]);
    await replay.waitFor(/^replaying /m);
    const replayed = await session(replayPort);
    assertEquals(replayed, live);
    assertEquals(await replay.status(), 0, replay.stderr());
    assertMatch(replay.stdout(), /4 passed, 0 deviated/);

    // 4. a client that deviates gets nothing more, the difference is reported, exit 1
    const replay2 = startCli([
      "replay",
      file,
      "--listen",
      `tcp://127.0.0.1:${replayPort}`,
      "--timeout",
      "2s",
    ]);
    await replay2.waitFor(/^replaying /m);
    assertEquals(await redisCli(replayPort, "PING"), "PONG\n");
    const c = await Deno.connect({ hostname: "127.0.0.1", port: replayPort });
    await writeAll(
      c,
      new TextEncoder().encode("*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$3\r\nbye\r\n"),
    );
    const answer = await readAll(c, 5000);
    c.close();
    assertEquals(answer.bytes, 0, "a deviating client must get no answer");
    assertEquals(await replay2.stop("SIGTERM"), 1);
    // matched by its first bytes, it fits no recorded connection
    assertStringIncludes(replay2.stderr(), "no recorded connection matches this client");
    assertStringIncludes(replay2.stderr(), 'expected: c2: "*3\\r\\n$3\\r\\nSET');
    assertStringIncludes(
      replay2.stderr(),
      'got:      "*3\\r\\n$3\\r\\nSET\\r\\n$8\\r\\ngreeting\\r\\n$3\\r\\nbye',
    );
  },
});
