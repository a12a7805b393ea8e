// The command line: `wireplay serve echo ws://…`, and `wireplay record` / `wireplay replay`
// of a WebSocket session between two third-party peers (Python websockets client and
// server), replayed to the same client.
import { assertEquals, assertStringIncludes } from "@std/assert";
import { needs } from "../helpers/peers.ts";
import { tempDir } from "../helpers/temp.ts";
import { freePort, startCli } from "../proxy/_helpers.ts";
import { startRecorder } from "../helpers/recorder.ts";
import { pythonWsClient, startPythonWsServer } from "./_python.ts";

/**
 * Records the Python client talking to the Python server through `wireplay record` into
 * `file`: the client opens `path`, sends `send` and reads `expect` messages. Returns what
 * the client read, once the recorder has exited 0.
 */
async function recordPythonSession(
  file: string,
  path: string,
  send: string[],
  expect: number,
  options: { deflate?: boolean } = {},
): Promise<string[]> {
  await using py = await startPythonWsServer();
  const { recorder, port } = await startRecorder(py.port, file);
  const live = await pythonWsClient(`ws://127.0.0.1:${port}${path}`, send, expect, options);
  assertEquals(await recorder.stop("SIGINT"), 0, recorder.stderr());
  return live;
}

Deno.test({
  name: "cli: serve echo ws:// answers a Python websockets client",
  ...needs("websockets"),
  async fn() {
    await using server = startCli(["serve", "echo", "ws://127.0.0.1:0"]);
    const url = (await server.waitFor(/serving echo on (ws:\/\/\S+)/))[1]!;
    assertEquals(await pythonWsClient(`${url}/x`, ["a"], 1), ["a", "closed 1000"]);
  },
});

Deno.test({
  name: "cli: record a Python client talking to a Python server, replay it to the client",
  ...needs("websockets"),
  async fn() {
    await using dir = await tempDir();
    const file = dir.join("ws.wire");
    const live = await recordPythonSession(file, "/room", ["hi", "there"], 3);
    assertEquals(live, ['{"hello": "python", "n": 1}', "hi", "there", "closed 1000"]);
    const recorded = await Deno.readTextFile(file);
    assertStringIncludes(recorded, "Upgrade: websocket");
    assertStringIncludes(
      recorded,
      'websocket c1\nexpect c1 message "{\\"hello\\": \\"python\\", \\"n\\": 1}"\n',
    );
    assertStringIncludes(recorded, 'send c1 "hi"\nsend c1 "there"\n');
    assertStringIncludes(recorded, "send c1 close 1000\nexpect c1 close 1000\n");

    const replayPort = freePort();
    await using replay = startCli(["replay", file, "--listen", `tcp://127.0.0.1:${replayPort}`]);
    await replay.waitFor(/^replaying /m);
    const again = await pythonWsClient(`ws://127.0.0.1:${replayPort}/room`, ["hi", "there"], 3);
    assertEquals(again, live);
    await replay.waitFor(/1 passed, 0 deviated/);
  },
});

Deno.test({
  name: "cli: a session that agrees permessage-deflate is recorded as bytes, and says why",
  ...needs("websockets"),
  async fn() {
    await using dir = await tempDir();
    const file = dir.join("ws.wire");
    const live = await recordPythonSession(file, "/", ["hi"], 2, { deflate: true });
    assertEquals(live, ['{"hello": "python", "n": 1}', "hi", "closed 1000"]);
    const recorded = await Deno.readTextFile(file);
    assertStringIncludes(
      recorded,
      "# c1: the WebSocket extension permessage-deflate was agreed; bytes follow",
    );
    assertEquals(recorded.includes("websocket c1"), false);
  },
});
