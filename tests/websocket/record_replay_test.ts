// Recording WebSocket sessions through the proxy (the upgrade as HTTP, then `websocket cN`,
// then messages), running a recording as the client against a live server, and replaying
// it as the server to a third-party client (Python websockets) and to ours.
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { parseAddress } from "../../lib/address/address.ts";
import { runScript } from "../../lib/run/interpreter.ts";
import { Session } from "../../lib/run/session.ts";
import { runStatements } from "../../lib/run/interpreter.ts";
import { parseScript } from "../../lib/script/parser.ts";
import { planReplay, startReplay } from "../../lib/proxy/mod.ts";
import { needs } from "../helpers/peers.ts";
import { tempDir } from "../helpers/temp.ts";
import { passes } from "../helpers/wire.ts";
import { pythonWsClient } from "./_python.ts";

const SERVER = `serve http http://127.0.0.1:0 as api
ws-route api /chat send "welcome" echo
`;

/** Records `client` (statements on `w`, connected through the proxy) into a recording. */
async function record(client: string): Promise<string> {
  await using dir = await tempDir();
  const out = dir.join("ws.wire");
  await passes(
    SERVER +
      `proxy tcp://127.0.0.1:0 to tcp://127.0.0.1:\${api.port} as p record "${out}"
connect ws://127.0.0.1:\${p.port}/chat as w
${client}
close w
close p
`,
  );
  return await Deno.readTextFile(out);
}

const CLIENT = `expect w message "welcome"
send w "hello"
expect w message "hello"
send w binary hex "00 ff"
expect w message binary hex "00 ff"
send w ping "pp"
expect w pong "pp"
send w close 1000 "bye"
expect w close 1000 "bye"`;

Deno.test("ws record: the upgrade as HTTP, then websocket cN, then one statement per message", async () => {
  const text = await record(CLIENT);
  assertStringIncludes(text, 'send c1 "GET /chat HTTP/1.1\\r\\n');
  assertStringIncludes(text, "Upgrade: websocket");
  assertStringIncludes(text, "HTTP/1.1 101 Switching Protocols");
  const after = text.slice(text.indexOf("websocket c1\n"));
  assertEquals(after.split("\n").slice(0, 10), [
    "websocket c1",
    'expect c1 message "welcome"',
    'send c1 "hello"',
    'expect c1 message "hello"',
    'send c1 binary hex "00 ff"',
    'expect c1 message binary hex "00 ff"',
    'send c1 ping "pp"',
    'expect c1 pong "pp"',
    'send c1 close 1000 "bye"',
    'expect c1 close 1000 "bye"',
  ]);
});

Deno.test("ws record: the recording runs as the client against a live server", async () => {
  const text = await record(CLIENT);
  await using session = new Session({ timeoutMs: 5000 });
  await runStatements(parseScript(SERVER, "server.wire"), session);
  const port = (session.vars.get("api") as Record<string, unknown>).port;
  const r = await runScript(parseScript(text, "ws.wire"), {
    vars: { target: `tcp://127.0.0.1:${port}` },
    timeoutMs: 5000,
  });
  assert(r.ok, r.failure?.message);
});

Deno.test({
  name: "ws replay: the recording answers a Python websockets client as the server did",
  ...needs("websockets"),
  async fn() {
    const text = await record(`expect w message "welcome"
send w "hello"
expect w message "hello"
send w close 1000
expect w close 1000`);
    const connections = await planReplay(text, "ws.wire");
    await using server = await startReplay({
      listen: { address: parseAddress("tcp://127.0.0.1:0") },
      connections,
      file: "ws.wire",
      timeoutMs: 5000,
    });
    const url = server.address.replace(/^tcp/, "ws") + "/chat";
    assertEquals(await pythonWsClient(url, ["hello"], 2), ["welcome", "hello", "closed 1000"]);
    await server.finished;
    assert(server.ok, JSON.stringify(server.results));
  },
});

Deno.test("ws replay: our client replays green; a different message is a deviation naming it", async () => {
  const text = await record(CLIENT);
  const connections = await planReplay(text, "ws.wire");
  {
    await using server = await startReplay({
      listen: { address: parseAddress("tcp://127.0.0.1:0") },
      connections,
      file: "ws.wire",
      timeoutMs: 5000,
    });
    await passes(
      `connect ws://127.0.0.1:\${port}/chat as w\n${CLIENT}\n`,
      { vars: { port: String(server.port) } },
    );
    await server.finished;
    assert(server.ok, JSON.stringify(server.results));
  }
  await using server = await startReplay({
    listen: { address: parseAddress("tcp://127.0.0.1:0") },
    connections,
    file: "ws.wire",
    timeoutMs: 2000,
  });
  await passes(
    `connect ws://127.0.0.1:\${port}/chat as w
expect w message "welcome"
send w "other"
expect w close within 3s`,
    { vars: { port: String(server.port) } },
  );
  await server.finished;
  assertEquals(server.ok, false);
  const failure = server.results[0]!.failure!;
  assertStringIncludes(failure.reason, 'the client sent a text "other"');
  assertStringIncludes(failure.statement, 'send c1 "hello"');
});

Deno.test("ws replay: a recording with HTTP exchanges and a WebSocket serves each its own way", async () => {
  await using dir = await tempDir();
  const out = dir.join("mixed.wire");
  await passes(
    SERVER +
      `proxy tcp://127.0.0.1:0 to tcp://127.0.0.1:\${api.port} as p record "${out}"
http GET http://127.0.0.1:\${p.port}/status/204
expect status 204
connect ws://127.0.0.1:\${p.port}/chat as w
expect w message "welcome"
send w "hello"
expect w message "hello"
close w
close p
`,
  );
  const text = await Deno.readTextFile(out);
  assertStringIncludes(text, "websocket c2");
  await passes(`
replay "${out}" on tcp://127.0.0.1:0 as r
connect ws://127.0.0.1:\${r.port}/chat as w
expect w message "welcome"
send w "hello"
expect w message "hello"
close w
http GET http://127.0.0.1:\${r.port}/status/204
expect status 204
expect r replayed within 5s
`);
});

Deno.test("ws record: a 4 MiB message in many chunks is one statement; recording stays linear", async () => {
  const { WsRecordTap } = await import("../../lib/proxy/ws_record.ts");
  const { WireRecorder } = await import("../../lib/proxy/recorder.ts");
  const { encodeWsFrame, OPCODE } = await import("../../lib/transport/ws_frame.ts");
  let text = "";
  const recorder = new WireRecorder({ upstream: "tcp://127.0.0.1:1", write: (t) => (text += t) });
  const tap = new WsRecordTap(recorder);
  const conn = { id: 1, client: "tcp://127.0.0.1:2", upstream: "tcp://127.0.0.1:1" };
  const enc = (s: string) => new TextEncoder().encode(s);
  tap.open(conn);
  tap.data(conn, "up", enc("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"));
  tap.data(conn, "down", enc("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"));
  const payload = new Uint8Array(4 * 1024 * 1024).fill(0x61);
  const frame = encodeWsFrame(OPCODE.text, payload);
  // every chunk but the last: kept, not joined (joining per chunk would copy about 8 GiB)
  const last = frame.byteLength - 1024;
  const started = performance.now();
  for (let at = 0; at < last; at += 1024) tap.data(conn, "down", frame.subarray(at, at + 1024));
  const ms = performance.now() - started;
  assert(ms < 500, `${ms} ms`);
  tap.data(conn, "down", frame.subarray(last));
  tap.close(conn, "closed");
  recorder.finish();
  const lines = text.split("\n").filter((l) => l.startsWith("expect c1 message"));
  assertEquals(lines.length, 1);
  assertEquals(lines[0]!.length, 'expect c1 message ""'.length + payload.byteLength);
});
