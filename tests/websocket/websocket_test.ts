// WebSocket channels (issue 13): `connect ws://` against a third-party server (Python
// websockets), our `serve echo ws://` and `ws-route` checked by a third-party client, and
// what a failing WebSocket expectation reports.
import { assertEquals, assertStringIncludes } from "@std/assert";
import { needs } from "../helpers/peers.ts";
import { fails, passes } from "../helpers/wire.ts";
import { runStatements } from "../../lib/run/interpreter.ts";
import { Session } from "../../lib/run/session.ts";
import { parseScript } from "../../lib/script/parser.ts";
import { pythonWsClient, startPythonWsServer } from "./_python.ts";

async function run(session: Session, text: string): Promise<void> {
  await runStatements(parseScript(text, "t.wire"), session);
}

function field(session: Session, name: string, key: string): string {
  return String((session.vars.get(name) as Record<string, unknown>)[key]);
}

Deno.test({
  name:
    "websocket: a script talks to a Python websockets server (text, json, binary, ping, close codes)",
  ...needs("websockets"),
  async fn() {
    await using py = await startPythonWsServer();
    const r = await passes(
      `
connect ws://127.0.0.1:\${port}/any as w
expect w message json $.hello == "python" as g
assert "\${g}" ~ /"n": 1/
send w "hi"
expect w message "hi"
send w '{"a": 1}'
expect w message json $.a == 1
send w binary hex "00 01 fe ff"
expect w message binary hex "00 01 fe ff" as b
print "\${b.type} \${b.length}"
send w "count 42"
expect w message /count (\\d+)/ as c
print "\${c.1}"
send w ping "are you there"
expect w pong "are you there"
send w "ping-me"
expect w message "got pong"
send w "close-me"
expect w close 4001 "asked"
`,
      { vars: { port: String(py.port) } },
    );
    assertEquals(r.output, ["binary 4", "42"]);
  },
});

Deno.test({
  name: "websocket: our close 1000 is answered by the Python server's close 1000",
  ...needs("websockets"),
  async fn() {
    await using py = await startPythonWsServer();
    await passes(
      `
connect ws://127.0.0.1:\${port}/ as w
expect w message /hello/
send w close 1000 "done"
expect w close 1000
`,
      { vars: { port: String(py.port) } },
    );
  },
});

Deno.test({
  name: "websocket: serve echo ws:// echoes text and binary to a Python websockets client",
  ...needs("websockets"),
  async fn() {
    await using session = new Session({ timeoutMs: 5000 });
    await run(session, "serve echo ws://127.0.0.1:0 as e");
    const url = field(session, "e", "url");
    assertEquals(url.startsWith("ws://127.0.0.1:"), true);
    const lines = await pythonWsClient(`${url}/anything`, ["one", "two"], 2);
    assertEquals(lines, ["one", "two", "closed 1000"]);
  },
});

Deno.test({
  name:
    "websocket: ws-route on serve http greets, replies and closes with its code (Python client)",
  ...needs("websockets"),
  async fn() {
    await using session = new Session({ timeoutMs: 5000 });
    await run(
      session,
      `serve http http://127.0.0.1:0 as api
ws-route api /chat send "welcome" reply "ok"
ws-route api /bye send "bye" close 4002`,
    );
    const base = field(session, "api", "url").replace(/^http/, "ws");
    assertEquals(await pythonWsClient(`${base}/chat`, ["a", "b"], 3), [
      "welcome",
      "ok",
      "ok",
      "closed 1000",
    ]);
    assertEquals(await pythonWsClient(`${base}/bye`, [], 2), ["bye", "closed 4002"]);
    // the HTTP side still answers
    const res = await fetch(`${base.replace(/^ws/, "http")}/status/204`);
    await res.body?.cancel();
    assertEquals(res.status, 204);
  },
});

Deno.test("websocket: our client and our server: wss with its certificate, routes with params", async () => {
  const r = await passes(`
serve echo wss://127.0.0.1:0 as e
connect wss://127.0.0.1:\${e.port}/ as w ca "\${e.cert}"
send w "secure"
expect w message text "secure"
send w binary hex "de ad"
expect w message binary as b
print "\${b.length}"
close w
serve http http://127.0.0.1:0 as api
ws-route api /rooms/:id send "joined" echo
connect ws://127.0.0.1:\${api.port}/rooms/7 as r
expect r "joined"
send r "x"
expect r /x/
expect r silence 100ms
close r
`);
  assertEquals(r.output, ["2"]);
});

Deno.test("websocket: failures say what was expected and what arrived; a failed expect takes nothing", async () => {
  let f = await fails(`
serve echo ws://127.0.0.1:0 as e
connect \${e.url} as w
send w "actual"
expect w message "wanted" within 1s
`);
  assertStringIncludes(f.message, "message differs");
  assertStringIncludes(f.message, "actual");
  // the message stays queued for the next expect
  await using session = new Session({ timeoutMs: 2000 });
  await run(session, 'serve echo ws://127.0.0.1:0 as e\nconnect ${e.url} as w\nsend w "actual"');
  const err = await run(session, 'expect w message "wanted" within 1s').catch((e) => e);
  assertStringIncludes(String(err), "message differs");
  await run(session, 'expect w message "actual"');
  f = await fails(`
serve echo ws://127.0.0.1:0 as e
connect \${e.url} as w
expect w message within 100ms
`);
  assertStringIncludes(f.message, "timed out");
  f = await fails(`
serve echo ws://127.0.0.1:0 as e
connect \${e.url} as w
send w "x"
expect w message binary within 1s
`);
  assertStringIncludes(f.message, "a text message");
  f = await fails(`
serve http http://127.0.0.1:0 as api
connect ws://127.0.0.1:\${api.port}/get as w
`);
  assertStringIncludes(f.message, "instead of 101");
  f = await fails(`
serve echo tcp://127.0.0.1:0 as t
connect tcp://127.0.0.1:\${t.port} as c
send c ping "x"
`);
  assertStringIncludes(f.message, "is for WebSockets");
});

Deno.test("websocket: the README's and :help's examples run as written", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const at = readme.indexOf("WebSocket: `connect ws://");
  const block = /```\n([\s\S]*?)```/.exec(readme.slice(at))![1]!;
  await passes(block);
  const { helpText } = await import("../../lib/repl/help.ts");
  const help = helpText("websocket").split("\n");
  const from = help.findIndex((l) => l.startsWith("WebSockets:")) + 1;
  const to = help.findIndex((l, i) => i >= from && !l.startsWith("  "));
  const example = help.slice(from, to).map((l) => l.trim());
  assertEquals(example[0], "serve echo ws://127.0.0.1:0 as e");
  await passes(example.join("\n"));
});

Deno.test("websocket: statement forms that do not parse say where and why", async () => {
  const { parseScript } = await import("../../lib/script/parser.ts");
  const cases: [string, string][] = [
    ['send w close "bye"', "a close reason needs a code first"],
    ["send w close 99", "a close code from 1000 to 4999"],
    ["send w binary", "binary needs a payload"],
    ["expect w close 5000", "a close code from 1000 to 4999"],
    ["expect w message /x/ sometimes", 'unexpected "sometimes"'],
    ["ws-route api chat echo", 'a route path starts with "/"'],
    ["ws-route api /chat close", "close takes a code"],
    ['expect w pong "x" now', 'unexpected "now"'],
  ];
  for (const [line, why] of cases) {
    let message = "";
    try {
      parseScript(line, "t.wire");
    } catch (e) {
      message = (e as Error & { render(): string }).render();
    }
    assertStringIncludes(message, why, line);
    assertStringIncludes(message, "t.wire:1:", line);
  }
});

Deno.test("websocket: IPv6 loopback, both ends", async () => {
  await passes(`
serve echo ws://[::1]:0 as e
connect ws://[::1]:\${e.port}/v6 as w
send w "six"
expect w message "six"
`);
});
